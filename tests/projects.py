"""An isolated workbench project for a test: its own folder and SQLite store, the tracking
API's process state reset around it — through the public ``workbench.testing``. Shared by
``tests/conftest.py`` and the tests that run notebooks in kernels (tests/ is on the import
path through its conftest.py)."""

from __future__ import annotations

from pathlib import Path

from workbench.store.engine import dispose_engine
from workbench.testing import isolated_project, reset

__all__ = ["forget_engine", "isolated_project", "reset_tracking_state", "sqlite_url"]

reset_tracking_state = reset
forget_engine = dispose_engine


def sqlite_url(home: Path) -> str:
    return f"sqlite:///{home / '.workbench' / 'workbench.db'}"
