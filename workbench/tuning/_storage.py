"""Where Optuna studies live: next to the tracking store, in the same database family.

Locally (SQLite store) each study is an Optuna journal file under ``.workbench/studies/``,
appended under a kernel file lock without an fsync per append (``_journal.py``): parallel
worker *processes* share it without "database is locked", a killed process never leaves a
lock behind, and a trivial study runs several times faster than on Optuna's RDB storage on
SQLite (``benchmarks/tuning.py``). With a server (``WORKBENCH_DB_URL=postgresql+psycopg://...``)
studies use Optuna's RDB storage in that database, in a schema of their own (``optuna``) so
its tables never mix with the store's.

Starting a study is serialised by :func:`study_lock` (a PostgreSQL advisory lock, or a file
lock next to a SQLite store), so N processes starting the same study at once create its
schema, its Optuna study and its study run exactly once.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.store import location
from workbench.store.postgres import advisory_lock, create_schema

if TYPE_CHECKING:
    from optuna.storages import BaseStorage

OPTUNA_SCHEMA = "optuna"


class StorageError(RuntimeError):
    """The study storage cannot be opened."""


def _safe_name(study_name: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", study_name)[:80]
    return f"{safe}-{hashlib.sha256(study_name.encode()).hexdigest()[:8]}"


def journal_path(study_name: str, home: Path | None = None) -> Path:
    """The journal file of a local study (the name is kept readable, plus a short hash)."""
    return location.data_dir(home) / "studies" / f"{_safe_name(study_name)}.journal"


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # the kernel releases it if this process dies
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def study_lock(study_name: str) -> Iterator[None]:
    """While held, no other process starts (creates, loads, recovers) ``study_name``."""
    url = location.database_url()
    if url.startswith("postgresql"):
        with advisory_lock(url, f"workbench.study:{study_name}"):
            yield
    else:
        with _file_lock(location.data_dir() / "studies" / f"{_safe_name(study_name)}.lock"):
            yield


def _postgres_storage(url: str) -> BaseStorage:
    import optuna

    # One process creates the schema and Optuna's tables and types; the others wait for it
    # (CREATE ... IF NOT EXISTS still races on PostgreSQL's catalog: duplicate key).
    with advisory_lock(url, "workbench.optuna-schema"):
        create_schema(url, OPTUNA_SCHEMA)
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
    from optuna.storages.journal import JournalStorage

    from workbench.tuning._journal import LocalJournalBackend

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
        return JournalStorage(LocalJournalBackend(str(path)))
    except Exception as error:  # name the storage and the way out
        raise StorageError(
            f"Cannot open the study storage {storage or location.database_url()!r}: {error}. "
            "Check the URL (e.g. postgresql+psycopg://user@host/db) and that the server runs."
        ) from error


def sync_storage(storage: Any) -> None:
    """Make a local journal durable at the end of a study (appends are not fsynced)."""
    from optuna.storages.journal import JournalStorage

    from workbench.tuning._journal import LocalJournalBackend

    if isinstance(storage, JournalStorage) and isinstance(storage._backend, LocalJournalBackend):
        storage._backend.sync()
