"""Database engines: SQLite pragmas, write transactions, schema creation and version checks.

One engine per URL per process. SQLite runs in WAL mode with a long busy timeout, and
write transactions start with ``BEGIN IMMEDIATE`` so that concurrent writers queue on
the busy timeout instead of failing with "database is locked" when a read transaction
tries to upgrade to a write.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from workbench.store._sqlite_file import check_sqlite_file, read_only_url
from workbench.store.errors import StoreError, StoreFileError, StoreReadOnlyError, StoreVersionError

BUSY_TIMEOUT_MS = 60_000
_MIGRATIONS = Path(__file__).parent / "migrations"
_WRITE = "workbench_write"

_engines: dict[str, Engine] = {}
_lock = threading.Lock()
# Engines on a store this user can read but not write -> the store's path, for the error.
_read_only: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()

__all__ = ["StoreError", "StoreFileError", "StoreReadOnlyError", "StoreVersionError"]


def _forget_engines_after_fork() -> None:
    # A forked child must not reuse the parent's pooled connections.
    for engine in _engines.values():
        engine.dispose(close=False)
    _engines.clear()


os.register_at_fork(after_in_child=_forget_engines_after_fork)


def dispose_engine(url: str) -> None:
    """Close the pooled connections to ``url`` and forget its engine (the next use opens
    a new one): before a store's file is removed or replaced."""
    with _lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def _enable_wal(cursor: Any) -> None:
    """Switch to WAL once; the switch needs an exclusive lock that the busy timeout does not
    always wait for, so several processes creating one store retry it."""
    if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
        return
    for attempt in range(100):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == 99:
                raise
            time.sleep(0.05)


def _sqlite_on_connect(dbapi_conn: Any, _record: Any, read_only: bool = False) -> None:
    # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite's own is deferred).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    if not read_only:  # switching to WAL is a write
        _enable_wal(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA case_sensitive_like=ON")  # LIKE is case-sensitive, ILIKE is not
    cursor.close()


def _sqlite_on_connect_read_only(dbapi_conn: Any, record: Any) -> None:
    _sqlite_on_connect(dbapi_conn, record, read_only=True)


def _sqlite_on_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get(_WRITE, False)
    statement = "BEGIN IMMEDIATE" if immediate else "BEGIN"
    # SQLite may answer SQLITE_BUSY at once, without its busy handler, e.g. while another
    # process recovers or restarts the WAL: wait and retry as long as the busy timeout would.
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.01
    while True:
        try:
            conn.exec_driver_sql(statement)
            return
        except sa.exc.OperationalError as error:
            if "locked" not in str(error.orig) or time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def _make_engine(url: str) -> Engine:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        read_only = False
        if database and database != ":memory:" and not database.startswith("file:"):
            read_only = check_sqlite_file(Path(database))
            if read_only:
                parsed = read_only_url(Path(database))
        engine = sa.create_engine(
            parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        )
        on_connect = _sqlite_on_connect_read_only if read_only else _sqlite_on_connect
        sa.event.listen(engine, "connect", on_connect)
        sa.event.listen(engine, "begin", _sqlite_on_begin)
        if read_only:
            _read_only[engine] = database
        return engine
    return sa.create_engine(parsed, pool_pre_ping=True)


def get_engine(url: str) -> Engine:
    """The engine for ``url``, created on first use with its schema at the current head."""
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _make_engine(url)
            try:
                _ensure_schema(engine)
            except BaseException:
                engine.dispose()
                raise
            _engines[url] = engine
        return engine


def is_read_only(engine: Engine) -> bool:
    """Whether the store can only be read (a read-only file, folder or mount)."""
    return engine in _read_only


def _describe(engine: Engine) -> str:
    """The store's file for SQLite, else its URL without the password."""
    if engine.dialect.name == "sqlite":
        return _read_only.get(engine) or str(engine.url.database)
    return engine.url.render_as_string(hide_password=True)


def _require_writable(engine: Engine) -> None:
    if engine in _read_only:
        raise StoreReadOnlyError(
            f"The store {_read_only[engine]} is read-only for this user (its file, folder or "
            "mount): it can be read, not written. Make it writable, or copy it to a writable "
            "folder and point WORKBENCH_HOME there, to record into it."
        )


@contextlib.contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """A write transaction (``BEGIN IMMEDIATE`` on SQLite), committed on success."""
    _require_writable(engine)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(**{_WRITE: True})
            with conn.begin():
                yield conn
    except sa.exc.OperationalError as error:
        if "readonly database" not in str(error.orig):
            raise
        raise StoreReadOnlyError(
            f"The store {_describe(engine)} refused a write: it became read-only ({error.orig})."
            " Make its file and folder writable again."
        ) from error


def _alembic_config(conn: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = conn
    return config


_REVISION_LINE = re.compile(
    r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*['"]?([\w-]*)['"]?""", re.M
)


@functools.cache
def _known_revisions() -> dict[str, str | None]:
    """Every migration this version of workbench knows: revision -> its parent.

    Read from the migration files' ``revision`` / ``down_revision`` lines rather than through
    Alembic, whose import costs more than opening the store (Alembic is loaded only to
    migrate); a test checks both agree.
    """
    revisions: dict[str, str | None] = {}
    for path in sorted((_MIGRATIONS / "versions").glob("*.py")):
        found = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        if "revision" in found:
            parent = found.get("down_revision")
            revisions[found["revision"]] = None if parent in (None, "", "None") else parent
    return revisions


def head_revision() -> str:
    """The newest migration this version of workbench knows."""
    revisions = _known_revisions()
    parents = {parent for parent in revisions.values() if parent}
    heads = [revision for revision in revisions if revision not in parents]
    if len(heads) != 1:
        raise RuntimeError(f"The migrations have {len(heads)} heads ({heads}); expected one.")
    return heads[0]


def _newer_store_error(where: str, revision: str) -> StoreVersionError:
    from importlib.metadata import PackageNotFoundError, version

    try:
        mine = f"workbench {version('workbench')}"
    except PackageNotFoundError:
        mine = "this workbench"
    return StoreVersionError(
        f"The store at {where} has schema revision {revision}, which {mine} does not know: a "
        "newer workbench wrote it. Upgrade workbench (pip install --upgrade workbench) to use "
        "this store; `workbench db upgrade` cannot take a store back to an older schema."
    )


def current_revision(engine: Engine) -> str | None:
    """The store's migration revision, or None for an empty database."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    """Serialise schema changes between processes that open a store at the same time."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_lock(2424242)"))
            conn.commit()
            try:
                yield conn
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(2424242)"))
                conn.commit()
        elif engine.dialect.name == "sqlite":
            # BEGIN IMMEDIATE holds SQLite's write lock for the whole migration.
            conn = conn.execution_options(**{_WRITE: True})
            with conn.begin():
                yield conn
        else:
            yield conn


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Migrate the store to the newest schema; returns (revision before, revision after)."""
    from alembic import command

    _require_writable(engine)
    with _migration_lock(engine) as conn:
        before = _revision_on(conn)
        if before is not None and before not in _known_revisions():
            raise _newer_store_error(_describe(engine), before)
        if before != head_revision():
            command.upgrade(_alembic_config(conn), "head")
        if conn.in_transaction() and engine.dialect.name != "sqlite":
            conn.commit()
    return before, head_revision()


def _revision_on(conn: Connection) -> str | None:
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


@contextlib.contextmanager
def _damaged_file_error(engine: Engine) -> Iterator[None]:
    """SQLite's 'file is not a database' / 'malformed' as a StoreFileError naming the file."""
    try:
        yield
    except sa.exc.DatabaseError as error:
        cannot_open = "unable to open" in str(error.orig)
        if engine.dialect.name != "sqlite" or (
            isinstance(error, sa.exc.OperationalError) and not cannot_open
        ):
            raise  # "database is locked" and other passing trouble keep their own error
        raise StoreFileError(
            f"Cannot open the store {_describe(engine)}: {error.orig}. Restore it from a "
            "backup, or move it away and workbench creates a new store there."
        ) from None


def _ensure_schema(engine: Engine) -> None:
    head = head_revision()
    with _damaged_file_error(engine):
        revision = current_revision(engine)
    if revision == head:
        return
    if revision is not None and revision not in _known_revisions():
        raise _newer_store_error(_describe(engine), revision)
    if revision is None:
        upgrade(engine)  # a new store starts at the current head
        return
    raise StoreVersionError(
        f"The store at {_describe(engine)} has schema revision {revision or '(none: empty)'}, "
        f"this workbench needs {head}. Back it up, then run `workbench db upgrade`."
    )


def schema_status(url: str) -> tuple[str | None, str]:
    """The schema revision of the database at ``url`` (None: an empty database) and the one
    this workbench needs, without changing anything (``workbench doctor``)."""
    engine = _make_engine(url)
    try:
        with _damaged_file_error(engine):
            return current_revision(engine), head_revision()
    finally:
        engine.dispose()


def upgrade_database(url: str) -> tuple[str | None, str]:
    """Migrate the database at ``url`` to the newest schema (creating it if empty)."""
    engine = _make_engine(url)
    try:
        with _damaged_file_error(engine):
            return upgrade(engine)
    finally:
        engine.dispose()
