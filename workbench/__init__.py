"""workbench: a local-first MLOps workbench for notebook data scientists.

>>> import workbench as wb
>>> with wb.start_run(name="baseline") as run:  # doctest: +SKIP
...     run.log_metric("auc", 0.91)

``import workbench`` stays light: the tracking API (SQLAlchemy, pandas) loads on first use.

The public API, by namespace (one grammar: records are fetched with ``get_*``, model
objects with ``load*``; progress is ``show_progress=``; a study is ``name=``):

- ``wb``: tracking ``set_experiment``, ``current_experiment``, ``start_run``, ``active_run``,
  ``end_run``, ``ActiveRun``, ``log_param(s)``, ``log_metric(s)``, ``set_tag(s)``,
  ``log_dataset``, ``log_artifact``, ``log_model``; reading ``runs``, ``get_run``,
  ``metric_history``, ``compare_runs``, ``delete_run``, ``restore_run``, ``move_run``;
  ``autolog``; ``tune``, ``TuneResult``; ``export_notebook``; ``retrain``.
- ``wb.models``: ``load``, ``load_from_dir``, ``save_model``, ``register``, ``promote``,
  ``rollback``, ``resolve``, ``list_models``, ``versions``, ``alias_history``,
  ``infer_signature``, ``Signature``, ``ModelFiles``, ``ModelVersionRecord``, ``AliasChange``
  and the errors.
- ``wb.tuning``: ``tune``, ``join_study``, ``get_study``, ``studies``, ``TuneResult``,
  ``lightgbm_pruning_callback``.
- ``wb.drift``: ``compare``, ``profile``, ``history``, ``get_report``, ``DriftReport``,
  ``ColumnDrift``, ``ReferenceProfile``, ``TESTS``.
- ``wb.ui``: ``dashboard``, ``runs_table``, ``compare``.
- ``wb.serving``: ``create_app``, ``run_server``, ``ModelFollower``, ``InputLog``, ...
- ``wb.admin``: ``get_store``, ``mark_stale_runs``, ``collect_garbage``.
- ``workbench.testing`` (imported by name): ``isolated_project(folder)``, ``reset()`` — a fresh
  project per test.

Old names (``wb.tuning.load_study``, ``wb.drift.load_report``, ``wb.models.list``,
``wb.models.load_model``, ``wb.get_store``, ``study_name=``, ``quiet=``, ...) work until
0.3.0 and warn once with a ``DeprecationWarning`` naming the new one
(:data:`workbench._deprecation.RENAMED` lists them).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from workbench._deprecation import RENAMED, renamed_argument, renamed_attribute
from workbench._notebook import serve_notebook_resources

# In a Jupyter kernel: Panel's loaders (the user's hv.extension/pn.extension too) load
# Bokeh from the Jupyter server, not a CDN (workbench._notebook says why and how).
serve_notebook_resources()

__version__ = "0.1.0"

_TRACKING = (
    "ActiveRun", "active_run", "compare_runs", "current_experiment", "delete_run", "end_run",
    "get_run", "log_artifact", "log_dataset", "log_metric", "log_metrics", "log_model",
    "log_param", "log_params", "metric_history", "move_run", "restore_run", "runs",
    "set_experiment", "set_tag", "set_tags", "start_run",
)  # fmt: skip

_LAZY = {
    "tune": "workbench.tuning",
    "TuneResult": "workbench.tuning",
    "autolog": "workbench.autologging",
    "export_notebook": "workbench.pipelines.export",
}
_SUBMODULES = ("admin", "drift", "models", "serving", "tuning", "ui")

__all__ = ["__version__", "retrain", *_TRACKING, *_LAZY, *_SUBMODULES]

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    import pandas as pd

    from workbench import admin as admin
    from workbench import drift as drift
    from workbench import models as models
    from workbench import serving as serving
    from workbench import tuning as tuning
    from workbench import ui as ui
    from workbench.autologging import autolog as autolog
    from workbench.pipelines.export import export_notebook as export_notebook
    from workbench.pipelines.retrain import RetrainResult
    from workbench.tracking import *  # noqa: F403
    from workbench.tuning import TuneResult as TuneResult
    from workbench.tuning import tune as tune


def __getattr__(name: str) -> Any:
    if name in _TRACKING:
        value = getattr(importlib.import_module("workbench.tracking"), name)
    elif name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"workbench.{name}")
    elif f"wb.{name}" in RENAMED:
        return renamed_attribute(f"wb.{name}")
    else:
        raise AttributeError(f"module 'workbench' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


def retrain(
    name: str,
    data: str | Path | pd.DataFrame | Mapping[str, str | Path],
    *,
    only_if_drift: bool = False,
    drift_share: float | None = None,
    target: str | None = None,
    params: Mapping[str, Any] | None = None,
    show_progress: bool = True,
    stream: bool = False,
    quiet: bool | None = None,
) -> RetrainResult:
    """Retrain the exported package ``pipelines/<name>`` on ``data`` (a CSV/Parquet path or a
    DataFrame, or ``{"train": "new.csv"}`` for the data files the notebook read): drift check,
    retrain, gate against the champion, promote or keep.

    Its output (and progress bar, as it comes when ``stream``) is shown when
    ``show_progress``; ``quiet=True`` is the deprecated ``show_progress=False``. See
    :func:`workbench.pipelines.retrain.retrain_package`.

    >>> result = wb.retrain("churn", "data/new.parquet", show_progress=False)  # doctest: +SKIP
    >>> result.decision  # doctest: +SKIP
    'promoted'
    """
    from workbench.pipelines.retrain import retrain_package

    if quiet is not None:
        show_progress = not renamed_argument("wb.retrain", "quiet", "show_progress", quiet, None)
    return retrain_package(
        name, data, only_if_drift=only_if_drift, drift_share=drift_share, target=target,
        params=params, quiet=not show_progress, stream=stream,
    )  # fmt: skip


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
