"""The narrow reads behind grouped runs: per matching run only its id, name, status, the value
it groups by and a few last metric values; metric histories of many runs in one query; how
many children each parent run has. Wide reads (every param and tag of every run) cost
seconds on 10,000 runs; these cost milliseconds."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from workbench.store._filter_sql import prepare_connection
from workbench.store._query_limits import time_limited
from workbench.store._sql import chunks, fetch_rows, none_to_nan
from workbench.store._tables import ACTIVE
from workbench.store._tables import latest_metrics_table as latest
from workbench.store._tables import params_table as params
from workbench.store._tables import runs_table as runs
from workbench.store._tables import tags_table as tags
from workbench.store.search import _matching

_ID_CHUNK = 5_000  # well under SQLite's and PostgreSQL's bound-parameter limits


def group_members(
    conn: Connection,
    *,
    by_kind: str,
    by_key: str,
    metric_keys: Sequence[str],
    experiment_ids: Iterable[int] | None = None,
    filter: str | None = None,
) -> list[tuple[Any, ...]]:
    """Per run matching ``filter`` (newest first): ``(id, name, status, value of by_key or
    None, *last value of each metric key, NaN where missing)``; ``by_kind`` is ``"params"``
    or ``"tags"``."""
    table = params if by_kind == "params" else tags
    label = (
        sa.select(table.c.value)
        .where(table.c.run_id == runs.c.id, table.c.key == by_key)
        .scalar_subquery()
    )
    values = [
        sa.select(latest.c.value)
        .where(latest.c.run_id == runs.c.id, latest.c.key == key)
        .scalar_subquery()
        for key in metric_keys
    ]
    columns = [runs.c.id, runs.c.name, runs.c.status, label, *values]
    query = _matching(conn, columns, experiment_ids, filter, False).order_by(
        runs.c.start_time.desc(), runs.c.id
    )
    prepare_connection(conn)
    with time_limited(conn, filter):
        return [
            (*row[:4], *(none_to_nan(value) for value in row[4:])) for row in conn.execute(query)
        ]


def metric_histories(
    conn: Connection, run_ids: Sequence[str], key: str
) -> list[tuple[str, int, float]]:
    """``(run_id, step, value)`` of one metric's points of every run in ``run_ids``, by run,
    step then time; NaN values are NaN."""
    points: list[tuple[str, int, float]] = []
    for chunk in chunks(list(run_ids), _ID_CHUNK):
        marks = ", ".join("?" * len(chunk))
        rows = fetch_rows(
            conn,
            f"SELECT run_id, step, value FROM metrics WHERE key = ? AND run_id IN ({marks}) "
            "ORDER BY run_id, step, timestamp, id",
            (key, *chunk),
        )
        points += [(run_id, step, none_to_nan(value)) for run_id, step, value in rows]
    return points


def child_counts(
    conn: Connection, run_ids: Sequence[str], experiment_ids: Iterable[int] | None = None
) -> dict[str, int]:
    """How many active child runs (in ``experiment_ids``) each of ``run_ids`` has; those
    without children are left out."""
    counts: dict[str, int] = {}
    for chunk in chunks(list(run_ids), _ID_CHUNK):
        query = (
            sa.select(runs.c.parent_id, sa.func.count())
            .where(runs.c.parent_id.in_(list(chunk)), runs.c.lifecycle == ACTIVE)
            .group_by(runs.c.parent_id)
        )
        if experiment_ids is not None:
            query = query.where(runs.c.experiment_id.in_(list(experiment_ids)))
        counts.update({parent: int(count) for parent, count in conn.execute(query)})
    return counts
