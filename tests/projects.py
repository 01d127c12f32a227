"""An isolated workbench project for a test: its own folder and SQLite store, the tracking
API's process state reset around it. Shared by ``tests/conftest.py`` and the tests that run
notebooks in kernels (tests/ is on the import path through its conftest.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.store import engine as engine_module
from workbench.tracking import fluent


def reset_tracking_state() -> None:
    """End the active runs and forget the current experiment and the open stores."""
    for run in list(fluent._run_stack):
        run.end("KILLED")
    fluent._run_stack.clear()
    fluent._experiment = None
    fluent._stores.clear()


def forget_engine(url: str) -> None:
    engine = engine_module._engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def sqlite_url(home: Path) -> str:
    return f"sqlite:///{home / '.workbench' / 'workbench.db'}"


@contextlib.contextmanager
def isolated_project(home: Path) -> Iterator[Path]:
    """This process (and the kernels or subprocesses it starts) use the SQLite project in
    ``home``, which is also the working directory."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKBENCH_HOME", str(home))
        patch.delenv("WORKBENCH_DB_URL", raising=False)
        patch.chdir(home)
        reset_tracking_state()
        try:
            yield home
        finally:
            reset_tracking_state()
            forget_engine(sqlite_url(home))
