"""Where a project's data lives: its home folder, its database URL, its artifact root (or the
object storage URL that replaces it) and its local caches.

Kept free of heavy imports: the CLI and ``import workbench`` use it.
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_DIR_NAME = ".workbench"
HOME_ENV = "WORKBENCH_HOME"
DB_URL_ENV = "WORKBENCH_DB_URL"
ARTIFACTS_URL_ENV = "WORKBENCH_ARTIFACTS_URL"


def project_home(start: Path | None = None) -> Path:
    """The project folder: ``$WORKBENCH_HOME``, else the nearest folder upward holding
    ``.workbench/``, else the current folder.

    >>> project_home().is_dir()
    True
    """
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser().resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / HOME_DIR_NAME).is_dir():
            return folder
    return here


def data_dir(home: Path | None = None) -> Path:
    """The ``.workbench/`` folder of a project (not created here)."""
    return (home or project_home()) / HOME_DIR_NAME


def database_url(home: Path | None = None) -> str:
    """``$WORKBENCH_DB_URL``, else the project's embedded SQLite file."""
    override = os.environ.get(DB_URL_ENV)
    if override:
        return override
    return f"sqlite:///{data_dir(home) / 'workbench.db'}"


def artifact_root(home: Path | None = None) -> Path:
    """Folder of the content-addressed artifact blobs."""
    return data_dir(home) / "artifacts"


def artifacts_url() -> str | None:
    """``$WORKBENCH_ARTIFACTS_URL`` (object storage such as ``s3://bucket/prefix``), else None:
    the artifacts stay in the local folder."""
    return os.environ.get(ARTIFACTS_URL_ENV) or None


def blob_cache_root(home: Path | None = None) -> Path:
    """Folder of the local copies of blobs read from object storage, named by their sha256."""
    return data_dir(home) / "cache" / "blobs"
