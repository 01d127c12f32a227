"""What a comparison of runs needs beyond :func:`~workbench.tracking.queries.compare_runs`:
every recorded attribute of the runs (start time, git state, environment and its packages,
full dataset fingerprints) and a summary of each metric's history.

Both return plain DataFrames, for the dashboard's compare page as for a notebook cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from workbench.store.records import RunDetails
from workbench.tracking.queries import compare_details, get_run, metric_history

if TYPE_CHECKING:
    import pandas as pd

DIRECTIONS = ("maximize", "minimize")
SUMMARY_COLUMNS = [
    "metric", "run_id", "points", "last", "min", "max", "mean", "best", "best_step", "direction",
]  # fmt: skip
# the metrics a tuning trial logs for its study's objective(s), in objective order
_OBJECTIVE_METRICS = ("objective", "intermediate")


def compare_fields(details: Sequence[RunDetails]) -> pd.DataFrame:
    """The fields of :func:`compare_details` without the metrics (summarised apart, see
    :func:`metric_summaries`), with full dataset fingerprints, and more attributes:
    ``attributes.started`` (a UNIX time), ``attributes.git_dirty``, and when an environment was
    recorded ``environment.hash``, ``environment.python``, ``environment.platform`` and one
    ``environment.packages.<name>`` per installed package.

    One column per run and ``differs`` (True where the runs disagree; absent counts as a
    value), indexed by ``field``.

    Example::

        compare_fields([wb.get_run(a), wb.get_run(b)]).query("differs")
    """
    import pandas as pd

    base = compare_details(details)
    base = base[~base.index.str.startswith("metrics.")]
    extra: dict[str, dict[str, Any]] = {}
    for detail in details:
        column: dict[str, Any] = {
            "attributes.started": detail.info.start_time,
            "attributes.git_dirty": detail.info.git_dirty,
        }
        column.update({f"datasets.{d.role}/{d.name}": d.fingerprint for d in detail.datasets})
        environment = detail.environment
        if environment is not None:
            column.update(
                {
                    "environment.hash": environment.hash,
                    "environment.python": environment.python_version,
                    "environment.platform": environment.platform,
                }
            )
            column.update({f"environment.packages.{k}": v for k, v in environment.packages.items()})
        extra[detail.info.id] = column
    keys = sorted({key for column in extra.values() for key in column})
    added = pd.DataFrame(
        {
            run_id: pd.Series([column.get(key) for key in keys], index=keys, dtype=object)
            for run_id, column in extra.items()
        }
    )
    added["differs"] = [
        len({_comparable(column.get(key)) for column in extra.values()}) > 1 for key in keys
    ]
    frame = pd.concat([base.drop(index=added.index, errors="ignore"), added])
    order = sorted(frame.index, key=lambda key: (not key.startswith("attributes."), key))
    frame = frame.loc[order]
    frame.index.name = "field"
    return frame


def _comparable(value: Any) -> Any:
    return None if value is None else (type(value).__name__, str(value))


def known_directions(details: Sequence[RunDetails]) -> dict[str, dict[str, str]]:
    """Per run, the metrics whose direction the store records: a tuning trial's
    ``objective`` (``objective_<i>``) and ``intermediate`` take its study's direction(s), a
    study run's ``best_value`` its own. Other metrics are absent (their direction is unknown).
    """
    directions: dict[str, dict[str, str]] = {}
    studies: dict[str, list[str]] = {}
    for detail in details:
        parent = detail.info.parent_id
        if "direction" in detail.params or not parent or "optuna.study" not in detail.tags:
            found = _study_directions(detail)
        else:  # a trial: its study run holds the direction
            if parent not in studies:
                studies[parent] = _study_directions(get_run(parent))
            found = studies[parent]
        if not found:
            continue
        if "direction" in detail.params:
            per_metric = {"best_value": found[0]}
        elif len(found) == 1:
            per_metric = {name: found[0] for name in _OBJECTIVE_METRICS}
        else:
            per_metric = {f"objective_{i}": d for i, d in enumerate(found)}
        directions[detail.info.id] = per_metric
    return directions


def _study_directions(detail: RunDetails) -> list[str]:
    if "optuna.study" not in detail.tags or "direction" not in detail.params:
        return []
    found = detail.params.get("direction", "").split(",")
    return found if found and all(d in DIRECTIONS for d in found) else []


def metric_summaries(
    runs: Sequence[str] | Sequence[RunDetails],
    keys: Sequence[str] | None = None,
    directions: Mapping[str, Mapping[str, str]] | None = None,
) -> pd.DataFrame:
    """One row per run and metric summarising its logged history.

    Columns: ``metric``, ``run_id``, ``points`` (how many were logged), ``last`` (the value at
    the highest step, the latest logged of that step), ``min``, ``max``, ``mean`` (NaN values
    left out), ``best`` and ``best_step`` (the best value and its step: the lowest when the
    metric's ``direction`` is ``"minimize"``, else the highest) and ``direction`` (``None``
    when unknown). Rows are sorted by metric, then in the order of ``runs``.

    Args:
        runs: the runs to summarise, by id or as read with :func:`get_run`.
        keys: the metrics to summarise; default every metric any of the runs logged.
        directions: per run id, metric name → ``"minimize"`` or ``"maximize"``; default
            :func:`known_directions` of the runs.

    Example::

        metric_summaries([a, b], keys=["val/loss"], directions={a: {"val/loss": "minimize"},
                                                                  b: {"val/loss": "minimize"}})
    """
    import numpy as np
    import pandas as pd

    details = [get_run(run) if isinstance(run, str) else run for run in runs]
    if directions is None:
        directions = known_directions(details)
    wanted = sorted({k for d in details for k in d.metrics}) if keys is None else list(keys)
    rows = []
    for key in wanted:
        for detail in details:
            if key not in detail.metrics:
                continue
            direction = (directions.get(detail.info.id) or {}).get(key)
            if direction is not None and direction not in DIRECTIONS:
                raise ValueError(f"direction must be 'minimize' or 'maximize', got {direction!r}")
            history = metric_history(detail.info.id, key)
            values = history["value"].to_numpy(dtype=np.float64)
            finite = ~np.isnan(values)
            row: dict[str, Any] = {
                "metric": key, "run_id": detail.info.id, "points": len(values),
                "last": float(values[-1]) if len(values) else np.nan,
                "min": np.nan, "max": np.nan, "mean": np.nan, "best": np.nan,
                "best_step": None, "direction": direction,
            }  # fmt: skip
            if finite.any():
                kept = values[finite]
                best = int(np.argmin(kept) if direction == "minimize" else np.argmax(kept))
                row.update(
                    min=float(kept.min()), max=float(kept.max()), mean=float(kept.mean()),
                    best=float(kept[best]),
                    best_step=int(history["step"].to_numpy()[finite][best]),
                )  # fmt: skip
            rows.append(row)
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
