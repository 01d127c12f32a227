"""Helpers for testing code that uses workbench: a fresh project per test, and a reset of the
tracking API's process state (the active runs, the current experiment, the open stores).

    import workbench.testing

    def test_my_training(tmp_path):
        with workbench.testing.isolated_project(tmp_path):
            train()                      # logs into tmp_path/.workbench/workbench.db
            assert len(wb.runs()) == 1

No pytest needed; in a pytest fixture, ``yield`` inside the ``with``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["isolated_project", "reset"]

_ENV = ("WORKBENCH_HOME", "WORKBENCH_DB_URL")


def reset() -> None:
    """End the active runs (as KILLED), forget the current experiment and close the open
    stores, so the next ``wb.*`` call starts from the project the environment names."""
    from workbench import _project
    from workbench.tracking import fluent

    for run in list(fluent._run_stack):
        run.end("KILLED")
    fluent._run_stack.clear()
    fluent._experiment = None
    _project.close_stores()


@contextlib.contextmanager
def isolated_project(home: str | Path) -> Iterator[Path]:
    """Use the SQLite project in ``home`` (created on first use) for the ``with`` block, also
    as the working directory; the environment, the working directory and the tracking state
    are restored afterwards. Subprocesses and kernels started inside inherit the project."""
    home = Path(home).resolve()
    home.mkdir(parents=True, exist_ok=True)
    saved = {name: os.environ.get(name) for name in _ENV}
    cwd = Path.cwd()
    os.environ["WORKBENCH_HOME"] = str(home)
    os.environ.pop("WORKBENCH_DB_URL", None)
    os.chdir(home)
    reset()
    try:
        yield home
    finally:
        reset()
        os.chdir(cwd)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
