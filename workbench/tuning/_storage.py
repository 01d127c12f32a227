"""Where Optuna studies live: next to the tracking store, in the same database family.

Locally (SQLite store) each study is an Optuna journal file under ``.workbench/studies/``,
with an ``open()``-based lock. Measured on a 2-core machine (``benchmarks/bench_tuning.py``):
a journal file takes parallel worker *processes* without "database is locked" and runs a
trivial 5-parameter TPE study ~4x faster than Optuna's RDB storage on SQLite, whose every
trial is several write transactions fighting over one file lock. With a server
(``WORKBENCH_DB_URL=postgresql+psycopg://...``) studies use Optuna's RDB storage in that
database, in a schema of their own (``optuna``) so its tables never mix with the store's.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.store import location

if TYPE_CHECKING:
    from optuna.storages import BaseStorage

OPTUNA_SCHEMA = "optuna"


class StorageError(RuntimeError):
    """The study storage cannot be opened."""


def journal_path(study_name: str, home: Path | None = None) -> Path:
    """The journal file of a local study (the name is kept readable, plus a short hash)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", study_name)[:80]
    digest = hashlib.sha256(study_name.encode()).hexdigest()[:8]
    return location.data_dir(home) / "studies" / f"{safe}-{digest}.journal"


def _postgres_storage(url: str) -> BaseStorage:
    import optuna
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {OPTUNA_SCHEMA}"))
    finally:
        engine.dispose()
    return optuna.storages.RDBStorage(
        url,
        engine_kwargs={
            "connect_args": {"options": f"-csearch_path={OPTUNA_SCHEMA}"},
            "pool_pre_ping": True,
        },
        heartbeat_interval=None,
    )


def open_storage(study_name: str, storage: Any = None) -> BaseStorage | str:
    """The storage for ``study_name``: ``storage`` if given, else next to the tracking store."""
    import optuna
    from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock, JournalStorage

    try:
        if storage is not None:
            if isinstance(storage, str) and storage.startswith("postgresql"):
                return _postgres_storage(storage)
            if isinstance(storage, str):
                return optuna.storages.RDBStorage(storage)
            return storage  # already an Optuna storage
        url = location.database_url()
        if url.startswith("postgresql"):
            return _postgres_storage(url)
        if not url.startswith("sqlite"):
            return optuna.storages.RDBStorage(url)
        path = journal_path(study_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        backend = JournalFileBackend(str(path), lock_obj=JournalFileOpenLock(str(path)))
        return JournalStorage(backend)
    except Exception as error:  # name the storage and the way out
        raise StorageError(
            f"Cannot open the study storage {storage or location.database_url()!r}: {error}. "
            "Check the URL (e.g. postgresql+psycopg://user@host/db) and that the server runs."
        ) from error
