"""Runs grouped by a param or tag: per group, how many runs and, per metric, the mean, standard
deviation, minimum and maximum of the runs' last values; and a metric's history as a mean ± std
band per group.

Missing values are left out of a group's statistics but its runs still count; runs without
the grouping key form the group ``"(none)"``. Every function returns a plain DataFrame, for the
dashboard's runs page as for a notebook cell or the CLI.

Example::

    group_runs("params.model", experiment="churn", metrics=["metrics.auc"])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from workbench.store._grouping_sql import child_counts as store_child_counts
from workbench.store._grouping_sql import group_members, metric_histories
from workbench.tracking.fluent import get_store
from workbench.tracking.queries import _experiment_ids, run_keys

if TYPE_CHECKING:
    import pandas as pd

NO_GROUP = "(none)"
STATISTICS = ("mean", "std", "min", "max")
BAND_COLUMNS = ["group", "step", "mean", "std", "runs"]
GROUPING_PREFIXES = ("params.", "tags.")


def _check_key(by: str) -> None:
    if not by.startswith(GROUPING_PREFIXES) or by in GROUPING_PREFIXES:
        raise ValueError(f"by must be a 'params.<key>' or 'tags.<key>' column, got {by!r}")


def group_labels(frame: pd.DataFrame, by: str) -> pd.Series:
    """Each run's group: its value of ``by`` as text, ``"(none)"`` where the run lacks it."""
    import pandas as pd

    _check_key(by)
    if by not in frame:
        return pd.Series([NO_GROUP] * len(frame), index=frame.index, dtype=object)
    column = frame[by]
    return pd.Series(
        [NO_GROUP if value is None or value != value else str(value) for value in column],
        index=frame.index,
        dtype=object,
    )


def _as_number(label: str) -> float | None:
    try:
        number = float(label)
    except ValueError:
        return None
    return None if math.isnan(number) else number


def group_order(labels: Sequence[str]) -> list[str]:
    """The distinct ``labels`` in reading order: numerically when every one is a number
    (``2`` before ``10``), else alphabetically; ``"(none)"`` last."""
    distinct = sorted(set(labels) - {NO_GROUP})
    numbers = [_as_number(label) for label in distinct]
    if all(number is not None for number in numbers):
        distinct = [label for _, label in sorted(zip(numbers, distinct, strict=True))]
    return distinct + ([NO_GROUP] if NO_GROUP in labels else [])


def aggregate_runs(
    frame: pd.DataFrame, by: str, metrics: Sequence[str] | None = None
) -> pd.DataFrame:
    """One row per value of ``by`` among the runs of ``frame`` (as :func:`~workbench.tracking.
    queries.runs` returns them).

    Columns: ``by`` (the group's value as text, ``"(none)"`` for runs without it), ``runs``
    (how many runs the group holds), then per metric ``"<metric> mean"``, ``"<metric> std"``
    (the sample standard deviation: NaN for a single value), ``"<metric> min"`` and
    ``"<metric> max"`` over the runs' last values, NaN values left out. Groups come in
    :func:`group_order`.

    Args:
        frame: the runs, with ``params.*``, ``tags.*`` and ``metrics.*`` columns.
        by: the column to group by, ``"params.<key>"`` or ``"tags.<key>"``.
        metrics: the ``"metrics.<key>"`` columns to summarise; default every one of ``frame``.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"params.model": ["a", "a", None], "metrics.auc": [0.8, 0.9, 0.7]})
    >>> aggregate_runs(frame, "params.model")[["params.model", "runs", "metrics.auc mean"]]
      params.model  runs  metrics.auc mean
    0            a     2              0.85
    1       (none)     1              0.70
    """
    import numpy as np
    import pandas as pd

    labels = group_labels(frame, by)
    wanted = [c for c in frame.columns if c.startswith("metrics.")] if metrics is None else metrics
    order = group_order(list(labels))
    result = pd.DataFrame({by: order, "runs": [int((labels == g).sum()) for g in order]})
    for metric in wanted:
        values = (
            pd.to_numeric(frame[metric], errors="coerce").astype(float)
            if metric in frame
            else pd.Series(np.nan, index=frame.index)
        )
        grouped = values.groupby(labels.to_numpy()).agg(list(STATISTICS))
        for statistic in STATISTICS:
            result[f"{metric} {statistic}"] = grouped[statistic].reindex(order).to_numpy(float)
    return result


def member_runs(
    by: str,
    experiment: str | Sequence[str] | None = None,
    filter: str | None = None,
    metrics: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Every run matching ``experiment`` and ``filter`` (as in :func:`~workbench.tracking.
    queries.runs`, newest first) with only the columns grouping needs: ``run_id``, ``name``,
    ``status``, ``by`` and the ``metrics`` (default every metric the experiment's runs
    logged), read without the runs'
    other params and tags, so 10,000 runs take milliseconds.

    >>> member_runs("params.model", filter="metrics.auc > 0.5")  # doctest: +SKIP
    """
    import numpy as np
    import pandas as pd

    _check_key(by)
    ids = _experiment_ids(experiment)
    if metrics is None:
        metrics = [f"metrics.{key}" for key in run_keys(experiment)["metrics"]]
    kind, _, key = by.partition(".")
    keys = [metric.removeprefix("metrics.") for metric in metrics]
    with get_store().engine.connect() as conn:
        rows = group_members(conn, by_kind=kind, by_key=key, metric_keys=keys,
                             experiment_ids=ids, filter=filter)  # fmt: skip
    columns: dict[str, object] = {
        name: [row[index] for row in rows]
        for index, name in enumerate(["run_id", "name", "status", by])
    }
    for index, metric in enumerate(metrics, start=4):
        columns[metric] = np.array([row[index] for row in rows], dtype=float)
    return pd.DataFrame(columns)


def group_runs(
    by: str,
    experiment: str | Sequence[str] | None = None,
    filter: str | None = None,
    metrics: Sequence[str] | None = None,
) -> pd.DataFrame:
    """:func:`aggregate_runs` of every run matching ``experiment`` and ``filter`` (as in
    :func:`~workbench.tracking.queries.runs`), not only one page of them.

    >>> group_runs("params.model", filter="metrics.auc > 0.5")  # doctest: +SKIP
    """
    return aggregate_runs(member_runs(by, experiment, filter, metrics), by, metrics)


def child_counts(
    run_ids: Sequence[str], experiment: str | Sequence[str] | None = None
) -> dict[str, int]:
    """How many child runs (trials, pipeline steps) of ``experiment`` each of ``run_ids``
    has, in one query; runs without children are left out."""
    if not run_ids:
        return {}
    with get_store().engine.connect() as conn:
        return store_child_counts(conn, run_ids, _experiment_ids(experiment))


def group_histories(frame: pd.DataFrame, by: str, metric: str) -> pd.DataFrame:
    """One metric's history per group of :func:`aggregate_runs`: at each step, the mean and the
    standard deviation of the runs' values there, for a mean ± std band.

    Columns ``group``, ``step``, ``mean``, ``std`` (NaN where one run has a value), ``runs``
    (how many runs have a value at that step). A run that logged the step twice counts with
    its latest value; NaN values are left out. Groups in :func:`group_order`, steps ascending.

    Args:
        frame: the runs, as :func:`~workbench.tracking.queries.runs` or :func:`member_runs`
            return them (``run_id`` and ``by`` are read; the histories come from the store,
            all in one query).
        by: ``"params.<key>"`` or ``"tags.<key>"``.
        metric: the metric, with or without its ``metrics.`` prefix.

    >>> group_histories(wb.runs(experiment="churn"), "params.model", "val/auc")  # doctest: +SKIP
    """
    import pandas as pd

    key = metric.removeprefix("metrics.")
    labels = group_labels(frame, by)
    points = pd.DataFrame({"run_id": [], "step": [], "value": []})
    if len(frame):
        with get_store().engine.connect() as conn:
            rows = metric_histories(conn, list(frame["run_id"]), key)
        points = pd.DataFrame(rows, columns=["run_id", "step", "value"])
        points = points[points["value"].notna()].drop_duplicates(["run_id", "step"], keep="last")
    if not len(points):
        return pd.DataFrame({c: [] for c in BAND_COLUMNS}).astype(
            {"group": object, "step": "int64", "mean": float, "std": float, "runs": "int64"}
        )
    group_of = dict(zip(frame["run_id"], labels, strict=True))
    points = points.assign(group=points["run_id"].map(group_of))
    bands = (
        points.groupby(["group", "step"])["value"]
        .agg(mean="mean", std="std", runs="count")
        .reset_index()
    )
    rank = {group: index for index, group in enumerate(group_order(list(bands["group"])))}
    bands = bands.sort_values(
        ["group", "step"], key=lambda c: c.map(rank) if c.name == "group" else c
    )
    return bands[BAND_COLUMNS].reset_index(drop=True)


def metric_bands(
    by: str,
    metric: str,
    experiment: str | Sequence[str] | None = None,
    filter: str | None = None,
) -> pd.DataFrame:
    """:func:`group_histories` of every run matching ``experiment`` and ``filter``.

    >>> metric_bands("params.model", "val/auc", experiment="churn")  # doctest: +SKIP
    """
    column = f"metrics.{metric.removeprefix('metrics.')}"
    return group_histories(member_runs(by, experiment, filter, [column]), by, metric)
