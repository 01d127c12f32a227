"""Checks on a SQLite store's file before it is opened, and how to open one read-only.

A folder, a file of another kind or a file this user cannot read is a ``StoreFileError``
naming the path and the fix, instead of a driver error that names neither. A store this user
can read but not write (a read-only file, folder or mount) is opened read-only.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

from workbench.store.errors import StoreFileError

SQLITE_HEADER = b"SQLite format 3\x00"
_ELSEWHERE = "set WORKBENCH_HOME or WORKBENCH_DB_URL (sqlite:///path/to/workbench.db)"


def check_sqlite_file(path: Path) -> bool:
    """Raise ``StoreFileError`` unless ``path`` is (or can become) a SQLite store; returns
    whether it can only be read."""
    if path.is_dir():
        raise StoreFileError(
            f"The store {path} is a folder, not a SQLite file: move the folder away, or "
            f"{_ELSEWHERE} to point at the store's file."
        )
    if not path.exists():
        _check_creatable(path)
        return False
    if not path.is_file():
        raise StoreFileError(
            f"The store {path} is not a regular file: {_ELSEWHERE} to point at the store's file."
        )
    if not os.access(path, os.R_OK):
        raise StoreFileError(
            f"Cannot read the store {path}: permission denied. Give your user read access "
            f"(chmod u+rw {path}) or run as its owner."
        )
    try:
        with open(path, "rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as error:
        raise StoreFileError(f"Cannot read the store {path}: {error.strerror}.") from None
    if header and header != SQLITE_HEADER:
        raise StoreFileError(
            f"{path} is not a SQLite database (it starts with {header[:12]!r}): move it away "
            f"and workbench creates a new store there, or {_ELSEWHERE} to point at the store."
        )
    return not _writable(path)


def _check_creatable(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise StoreFileError(
            f"Cannot create the store {path}: a file is in the way of its folder "
            f"{path.parent}: move that file away, or {_ELSEWHERE} to put the store elsewhere."
        ) from None
    except OSError as error:
        raise StoreFileError(
            f"Cannot create the store {path}: {error.strerror} for {path.parent}. Use a "
            f"writable folder: {_ELSEWHERE}."
        ) from None
    if not os.access(path.parent, os.W_OK):
        raise StoreFileError(
            f"Cannot create the store {path}: the folder {path.parent} is read-only. Use a "
            f"writable folder: {_ELSEWHERE}."
        )


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _writable(path: Path) -> bool:
    """SQLite writes the file and, in WAL mode, its -wal and -shm files (created if absent)."""
    if not os.access(path, os.W_OK):
        return False
    if os.access(path.parent, os.W_OK):
        return True
    sidecars = [_sidecar(path, "-wal"), _sidecar(path, "-shm")]
    return all(p.exists() and os.access(p, os.W_OK) for p in sidecars)


def read_only_url(path: Path) -> sa.URL:
    """A URL opening ``path`` read-only. Without a -shm file nor a writable folder SQLite
    cannot share the WAL index, so the file is opened immutable (nothing can change it: it is
    on read-only media), as SQLite documents for that case."""
    shared = _sidecar(path, "-shm").exists() or os.access(path.parent, os.W_OK)
    query = {"mode": "ro", "uri": "true"} if shared else {"immutable": "1", "uri": "true"}
    return sa.URL.create("sqlite", database=f"file:{quote(str(path.absolute()))}", query=query)
