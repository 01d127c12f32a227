"""SQLite may answer "database is locked" at once, without waiting in its busy handler: a
write transaction then retries until the lock is gone instead of failing."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from workbench.store import engine as engine_module


def test_a_write_retries_an_immediate_busy_until_the_lock_is_released(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    engine = engine_module._make_engine(f"sqlite:///{path}")
    with engine_module.write(engine) as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another process's write lock
    release = threading.Timer(0.4, lambda: holder.execute("COMMIT"))
    release.start()
    started = time.monotonic()
    try:
        with engine.connect() as conn:
            # No busy handler on this connection: SQLite answers SQLITE_BUSY at once, as it
            # does while a WAL is being recovered.
            conn.exec_driver_sql("PRAGMA busy_timeout=0")
            conn.rollback()
            writing = conn.execution_options(**{engine_module._WRITE: True})
            with writing.begin():
                writing.exec_driver_sql("INSERT INTO t VALUES (1)")
    finally:
        release.join()
        holder.close()
    assert time.monotonic() - started >= 0.35  # it waited for the other writer
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM t")).scalar() == 1
    engine.dispose()
