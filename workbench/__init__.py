"""workbench: a local-first MLOps workbench for notebook data scientists.

>>> import workbench as wb
>>> with wb.start_run(name="baseline") as run:  # doctest: +SKIP
...     run.log_metric("auc", 0.91)

``import workbench`` stays light: the tracking API (SQLAlchemy, pandas) loads on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_TRACKING = (
    "ActiveRun", "active_run", "collect_garbage", "compare_runs", "current_experiment",
    "delete_run", "end_run", "get_run", "get_store", "log_artifact", "log_dataset",
    "log_metric", "log_metrics", "log_model", "log_param", "log_params", "mark_stale_runs",
    "metric_history", "move_run", "restore_run", "runs", "set_experiment", "set_tag",
    "set_tags", "start_run",
)  # fmt: skip

_LAZY = {
    "tune": "workbench.tuning",
    "TuneResult": "workbench.tuning",
    "autolog": "workbench.autologging",
    "export_notebook": "workbench.pipelines.export",
    "retrain": "workbench.pipelines.retrain:retrain_package",
}
_SUBMODULES = ("drift", "models", "serving", "tuning", "ui")

__all__ = ["__version__", *_TRACKING, *_LAZY, *_SUBMODULES]

if TYPE_CHECKING:
    from workbench import drift as drift
    from workbench import models as models
    from workbench import serving as serving
    from workbench import tuning as tuning
    from workbench import ui as ui
    from workbench.autologging import autolog as autolog
    from workbench.pipelines.export import export_notebook as export_notebook
    from workbench.pipelines.retrain import retrain_package as retrain  # noqa: F401
    from workbench.tracking import *  # noqa: F403
    from workbench.tuning import TuneResult as TuneResult
    from workbench.tuning import tune as tune


def __getattr__(name: str) -> Any:
    if name in _TRACKING:
        value = getattr(importlib.import_module("workbench.tracking"), name)
    elif name in _LAZY:
        module, _, attribute = _LAZY[name].partition(":")
        value = getattr(importlib.import_module(module), attribute or name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"workbench.{name}")
    else:
        raise AttributeError(f"module 'workbench' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext workbench``: the ``%wb_experiment`` and ``%%wb_run`` magics
    (:mod:`workbench.jupyter.magics`, imported only here: ``import workbench`` never loads
    IPython)."""
    from workbench.jupyter.magics import load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext workbench``: removes the magics."""
    from workbench.jupyter.magics import unload

    unload(ipython)
