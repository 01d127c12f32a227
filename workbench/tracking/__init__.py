"""Experiment tracking: runs, params, metrics, tags, datasets, artifacts, and search."""

from workbench.tracking._salvage import DroppedValueWarning
from workbench.tracking.fluent import (
    active_run,
    current_experiment,
    end_run,
    get_store,
    log_artifact,
    log_dataset,
    log_metric,
    log_metrics,
    log_model,
    log_param,
    log_params,
    set_experiment,
    set_tag,
    set_tags,
    start_run,
)
from workbench.tracking.info import RunInfo
from workbench.tracking.queries import (
    collect_garbage,
    compare_runs,
    delete_run,
    get_run,
    mark_stale_runs,
    metric_history,
    move_run,
    restore_run,
    runs,
)
from workbench.tracking.run import ActiveRun

__all__ = [
    "ActiveRun",
    "DroppedValueWarning",
    "RunInfo",
    "active_run",
    "collect_garbage",
    "compare_runs",
    "current_experiment",
    "delete_run",
    "end_run",
    "get_run",
    "get_store",
    "log_artifact",
    "log_dataset",
    "log_metric",
    "log_metrics",
    "log_model",
    "log_param",
    "log_params",
    "mark_stale_runs",
    "metric_history",
    "move_run",
    "restore_run",
    "runs",
    "set_experiment",
    "set_tag",
    "set_tags",
    "start_run",
]
