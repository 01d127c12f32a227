"""Search runs: a parsed filter (``filter_parser``) compiled (``_filter_sql``) and run within
the query timeout (``_query_limits``), ordered and paged."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from workbench.store._filter_sql import (
    ATTRIBUTE_COLUMNS,
    FilterCompiler,
    metric_column,
    prepare_connection,
)
from workbench.store._query_limits import time_limited
from workbench.store._sql import chunks, fetch_rows, none_to_nan
from workbench.store._tables import ACTIVE
from workbench.store._tables import experiments_table as experiments
from workbench.store._tables import latest_metrics_table as latest
from workbench.store._tables import params_table as params
from workbench.store._tables import runs_table as runs
from workbench.store._tables import tags_table as tags
from workbench.store.filter_parser import Comparison, Field, FilterError, parse_filter
from workbench.store.records import RunRecord, SearchResult


def parse_order_by(item: str) -> tuple[Field, bool]:
    """``"metrics.auc DESC"`` -> (Field, descending). Uses the filter grammar for the field."""
    text = item.strip()
    descending = False
    upper = text.upper()
    for suffix, is_desc in ((" DESC", True), (" ASC", False)):
        if upper.endswith(suffix):
            text, descending = text[: -len(suffix)].rstrip(), is_desc
            break
    try:
        node = parse_filter(f"{text} IS NULL")
    except FilterError as error:
        raise ValueError(
            f"Invalid order_by {item!r}: expected '<field> [ASC|DESC]', "
            f"e.g. 'metrics.auc DESC'. {error}"
        ) from None
    assert isinstance(node, Comparison)
    return node.field, descending


def order_columns(field: Field) -> list[Any]:
    """Sortable expressions for a field (correlated subqueries for metrics/params/tags).

    Params sort numerically when they are numbers, then as text.
    """
    if field.kind == "attribute":
        return [ATTRIBUTE_COLUMNS[field.key]]
    if field.kind == "metric":
        table, columns = latest, [metric_column(field.aggregate)]
    elif field.kind == "param":
        table, columns = params, [params.c.value_num, params.c.value]
    else:
        table, columns = tags, [tags.c.value]
    return [
        sa.select(column)
        .where(table.c.run_id == runs.c.id, table.c.key == field.key)
        .scalar_subquery()
        for column in columns
    ]


_ID_CHUNK = 5_000  # well under SQLite's and PostgreSQL's bound-parameter limits
_RUN_COLUMNS = [c for c in runs.c if c.name != "experiment_id"]


_SELECTED = [
    runs.c.id,
    runs.c.experiment_id,
    experiments.c.name.label("experiment"),
    *[c for c in _RUN_COLUMNS if c.name != "id"],
]


def run_select() -> sa.Select[Any]:
    return sa.select(*_SELECTED).join_from(
        runs, experiments, runs.c.experiment_id == experiments.c.id
    )


def run_record(row: Any) -> RunRecord:
    return RunRecord(**row._mapping)


def _matching(
    conn: Connection,
    columns: Sequence[Any],
    experiment_ids: Iterable[int] | None,
    filter: str | None,
    include_deleted: bool,
) -> sa.Select[Any]:
    conditions: list[ColumnElement[bool]] = []
    if experiment_ids is not None:
        conditions.append(runs.c.experiment_id.in_(list(experiment_ids)))
    if not include_deleted:
        conditions.append(runs.c.lifecycle == ACTIVE)
    source: Any = runs.join(experiments, runs.c.experiment_id == experiments.c.id)
    node = parse_filter(filter)
    if node is not None:
        candidates = sa.select(runs.c.id).where(*conditions) if conditions else None
        compiler = FilterCompiler(conn.dialect.name, candidates)
        source = compiler.joined(node)
        conditions.append(compiler.where(node))
        if not compiler.lookups and conn.dialect.name == "postgresql":
            # Right after many runs are logged the statistics say 'one run', and PostgreSQL
            # re-ran the pivot per run in a nested loop (minutes); hash joins stay linear.
            conn.exec_driver_sql("SET LOCAL enable_nestloop = off")
    return sa.select(*columns).select_from(source).where(*conditions)


def count_runs(
    conn: Connection,
    *,
    experiment_ids: Iterable[int] | None = None,
    filter: str | None = None,
    include_deleted: bool = False,
) -> int:
    """How many runs match (the same filter as :func:`search_runs`), without loading them."""
    query = _matching(conn, [sa.func.count()], experiment_ids, filter, include_deleted)
    prepare_connection(conn)
    with time_limited(conn, filter):
        return int(conn.execute(query).scalar_one())


def run_keys(
    conn: Connection, *, experiment_ids: Iterable[int] | None = None
) -> dict[str, list[str]]:
    """The metric, param and tag keys logged by the (active) runs, sorted, per kind."""
    found: dict[str, list[str]] = {}
    for kind, table in (("metrics", latest), ("params", params), ("tags", tags)):
        query = (
            sa.select(table.c.key).distinct()
            .join(runs, runs.c.id == table.c.run_id)
            .where(runs.c.lifecycle == ACTIVE)
        )  # fmt: skip
        if experiment_ids is not None:
            query = query.where(runs.c.experiment_id.in_(list(experiment_ids)))
        found[kind] = sorted(conn.execute(query).scalars())
    return found


def search_runs(
    conn: Connection,
    *,
    experiment_ids: Iterable[int] | None = None,
    filter: str | None = None,
    order_by: Sequence[str] = (),
    max_results: int | None = None,
    offset: int = 0,
    include_deleted: bool = False,
) -> SearchResult:
    """Runs matching an MLflow-style filter; newest first unless ``order_by`` says.

    ``offset`` skips that many matching runs (with ``max_results``: one page of them).
    """
    query = _matching(conn, _SELECTED, experiment_ids, filter, include_deleted)
    ordering: list[Any] = []
    for item in order_by:
        field, descending = parse_order_by(item)
        for column in order_columns(field):
            # NULLs (runs without the key) sort last in both directions.
            ordering += [column.is_(None), column.desc() if descending else column.asc()]
    ordering += [runs.c.start_time.desc(), runs.c.id]
    query = query.order_by(*ordering)
    if max_results is not None:
        query = query.limit(max_results)
    if offset:
        query = query.offset(offset)
    prepare_connection(conn)
    with time_limited(conn, filter):
        return _search_result(conn, [run_record(row) for row in conn.execute(query)])


def _search_result(conn: Connection, found: list[RunRecord]) -> SearchResult:
    if not found:
        return SearchResult([], [], [], [])
    ids = [run.id for run in found]

    def rows(table: str, value: str) -> list[Any]:
        # Look the runs up by primary key in chunks, rather than re-running the filter.
        fetched: list[Any] = []
        for chunk in chunks(ids, _ID_CHUNK):
            marks = ", ".join("?" * len(chunk))
            fetched += fetch_rows(
                conn, f"SELECT run_id, key, {value} FROM {table} WHERE run_id IN ({marks})", chunk
            )
        return fetched

    param_rows = rows("params", "value")
    metric_rows = [(r, k, none_to_nan(v)) for r, k, v in rows("latest_metrics", "value")]
    tag_rows = rows("tags", "value")
    return SearchResult(found, param_rows, metric_rows, tag_rows)
