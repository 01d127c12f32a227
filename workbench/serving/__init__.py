"""Serving: predictions over HTTP from a registered model that follows its alias.

``workbench serve churn-model@champion`` starts it (see :func:`run_server`); in a process,
:func:`create_app` gives the FastAPI app. With ``--log-inputs`` the received rows are kept
for drift checks, read back with :func:`logged_inputs`:

>>> import workbench as wb
>>> import workbench.serving
>>> wb.drift.compare(train_df, wb.serving.logged_inputs("churn-model"))  # doctest: +SKIP

FastAPI and uvicorn load only with :func:`create_app` and :func:`run_server`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from workbench.serving.input_log import InputLog, logged_inputs

if TYPE_CHECKING:
    from workbench.serving.app import create_app as create_app
    from workbench.serving.follower import ModelFollower as ModelFollower
    from workbench.serving.follower import ModelLoadError as ModelLoadError
    from workbench.serving.follower import ServedModel as ServedModel
    from workbench.serving.server import run_server as run_server

_LAZY = {
    "create_app": "workbench.serving.app",
    "run_server": "workbench.serving.server",
    "ModelFollower": "workbench.serving.follower",
    "ModelLoadError": "workbench.serving.follower",
    "ServedModel": "workbench.serving.follower",
}

__all__ = ["InputLog", "logged_inputs", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'workbench.serving' has no attribute {name!r}")
