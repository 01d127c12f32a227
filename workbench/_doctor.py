"""Where a project's data lives, and whether each place works: what ``workbench doctor``
prints. Every check only reads, except the artifacts and cache checks, which write and remove
a small probe.

>>> [check.name for check in project_checks()]  # doctest: +SKIP
['database', 'artifacts', 'caches', 'studies']
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from workbench.store import location

_FIX_IN_MESSAGE = re.compile(r"\s*\(([^()]*)\)\.?$")


@dataclass(frozen=True)
class Check:
    """One place the project keeps data: ``where`` it is, whether it works (``ok``), what
    was found (``detail``) and, when it does not work, the ``fix``."""

    name: str
    where: str
    ok: bool
    detail: str
    fix: str = ""


def project_checks(home: Path | None = None) -> list[Check]:
    """The database, artifacts, caches and studies of the project at ``home``, each checked."""
    home = home or location.project_home()
    database = check_database(home)
    return [
        database,
        check_artifacts(home),
        check_folder("caches", location.data_dir(home) / "cache"),
        check_studies(home, database),
    ]


def _database_where(url: str) -> str:
    import sqlalchemy as sa

    return sa.make_url(url).render_as_string(hide_password=True)


def check_database(home: Path) -> Check:
    """The database answers and its schema is the one this workbench needs."""
    url = location.database_url(home)
    where = _database_where(url)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        folder = check_folder("database", Path(url.removeprefix("sqlite:///")).parent)
        detail = "not created yet (created on first use)" if folder.ok else folder.detail
        return Check("database", where, folder.ok, detail, folder.fix)
    from workbench.store.engine import schema_status

    try:
        current, needed = schema_status(url)
    except Exception as error:
        return Check(
            "database",
            where,
            False,
            f"cannot connect: {_first_line(error)}",
            f"check {location.DB_URL_ENV} and that the database server is running",
        )
    if current == needed:
        return Check("database", where, True, f"schema current ({current})")
    if current is None:
        return Check("database", where, True, "empty (the schema is created on first use)")
    return Check(
        "database",
        where,
        False,
        f"schema {current}, this workbench needs {needed}",
        "back it up, then run `workbench db upgrade` (or upgrade workbench if it is newer)",
    )


def check_artifacts(home: Path) -> Check:
    """A probe blob can be stored and removed in the artifact store."""
    from workbench.store.artifacts import BlobStore, blob_store

    url = location.artifacts_url()
    root = location.artifact_root(home)
    if url is None and not root.exists():
        # Probing would create the folder, and with it a project where there was none.
        return check_folder("artifacts", root)
    try:
        store = blob_store(home)
        sha256, _ = store.put_bytes(f"workbench doctor probe {uuid.uuid4().hex}".encode())
        store.delete(sha256)
        if isinstance(store, BlobStore):
            with contextlib.suppress(OSError):
                store.blob_path(sha256).parent.rmdir()  # its folder, when the probe was alone
    except Exception as error:
        problem = _first_line(error)
        # Object storage errors end with the fix, naming the variable: "... (check X)."
        named = _FIX_IN_MESSAGE.search(problem)
        if named:
            return Check("artifacts", url or str(root), False, problem[: named.start()], named[1])
        fix = f"make {root} writable, or set {location.ARTIFACTS_URL_ENV}"
        return Check("artifacts", url or str(root), False, problem, fix)
    kind = "object storage" if url else "local folder"
    return Check("artifacts", url or str(root), True, f"{kind}, writable")


def check_folder(name: str, folder: Path) -> Check:
    """``folder`` (or the nearest existing folder above it) accepts a new file."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        if not existing.is_dir():
            raise NotADirectoryError(f"{existing} is not a folder")
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".doctor-"):
            pass
    except OSError as error:
        reason = error.strerror or str(error)
        return Check(
            name, str(folder), False, f"not writable: {reason}", f"make {existing} writable"
        )
    return Check(name, str(folder), True, "writable" if folder.exists() else "created on first use")


def check_studies(home: Path, database: Check) -> Check:
    """Studies live in the PostgreSQL database (its ``optuna`` schema), so they work when it
    does, or in local journal files."""
    url = location.database_url(home)
    if url.startswith("postgresql"):
        where = f"{database.where} (schema optuna)"
        return Check("studies", where, database.ok, "in the database", database.fix)
    return check_folder("studies", location.data_dir(home) / "studies")


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
