"""The project handle: where the project lives, its stores, and who works in it.

Every service (tracking, models, tuning, drift, pipelines, serving) reaches the database and
the artifact store through :func:`get_store`, so they share one engine per project and none
of them has to import another to find it. The store classes load on first use: the CLI and
the Jupyter server extension read the project's location, and catch :class:`StoreError`
(the project's store cannot be opened or written), without loading SQLAlchemy.

>>> project_home().is_dir()
True
"""

from __future__ import annotations

import functools
import getpass
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.store.errors import StoreError
from workbench.store.location import (
    HOME_DIR_NAME,
    HOME_ENV,
    artifact_root,
    artifacts_url,
    data_dir,
    database_url,
    project_home,
)

if TYPE_CHECKING:
    from workbench.store.drift_store import DriftStore
    from workbench.store.registry_store import RegistryStore
    from workbench.store.tracking_store import TrackingStore

__all__ = [
    "HOME_DIR_NAME",
    "HOME_ENV",
    "StoreError",
    "artifact_root",
    "close_stores",
    "data_dir",
    "database_url",
    "drift_store",
    "get_store",
    "open_project",
    "project_home",
    "registry_store",
    "upgrade_database",
    "user",
]

# One store per (database, artifact store): the engine and its connection pool are shared.
_stores: dict[tuple[str, str], TrackingStore] = {}
_stores_lock = threading.Lock()


def get_store() -> TrackingStore:
    """The store of the current project (``WORKBENCH_HOME`` / ``WORKBENCH_DB_URL`` honoured)."""
    from workbench.store.artifacts import blob_store
    from workbench.store.tracking_store import TrackingStore

    home = project_home()
    url = database_url(home)
    key = (url, artifacts_url() or str(artifact_root(home)))
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = TrackingStore(url, blob_store(home))
        return store


def registry_store() -> RegistryStore:
    """The model registry's tables on the current project's engine."""
    from workbench.store.registry_store import RegistryStore

    return RegistryStore(get_store().engine)


def drift_store() -> DriftStore:
    """The stored drift reports on the current project's engine."""
    from workbench.store.drift_store import DriftStore

    return DriftStore(get_store().engine)


@functools.cache
def user() -> str:
    """The OS user: who started a run, registered or promoted a model."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return os.environ.get("USER", "")


def open_project(folder: Path) -> Path:
    """Make ``folder`` (created if missing, with its ``.workbench/``) the project of this
    process and of the processes it starts; returns it resolved."""
    folder = Path(folder).expanduser().resolve()
    (folder / HOME_DIR_NAME).mkdir(parents=True, exist_ok=True)
    os.environ[HOME_ENV] = str(folder)
    return folder


def upgrade_database(url: str | None = None) -> tuple[str | None, str]:
    """Migrate the project's database (or the one at ``url``) to the newest schema;
    returns the revisions before (None: an empty database) and after."""
    from workbench.store.engine import upgrade_database as upgrade

    return upgrade(url or database_url())


def close_stores(url: str | None = None) -> None:
    """Forget the open stores, and close the connections to ``url`` (the current project's
    database when None): the next call opens the project afresh."""
    from workbench.store.engine import dispose_engine

    url = url or database_url()
    with _stores_lock:
        _stores.clear()
    dispose_engine(url)


def _reset_after_fork() -> None:
    # A forked child (multiprocessing) opens its own connections.
    _stores.clear()


os.register_at_fork(after_in_child=_reset_after_fork)
