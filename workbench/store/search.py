"""Compile a parsed run filter (``filter_parser``) into SQL over the runs table."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from workbench.store._sql import chunks, fetch_rows, none_to_nan
from workbench.store._tables import ACTIVE
from workbench.store._tables import experiments_table as experiments
from workbench.store._tables import latest_metrics_table as latest
from workbench.store._tables import params_table as params
from workbench.store._tables import runs_table as runs
from workbench.store._tables import tags_table as tags
from workbench.store.filter_parser import (
    And,
    Comparison,
    Field,
    FilterError,
    Node,
    Not,
    Or,
    parse_filter,
)
from workbench.store.records import RunRecord, SearchResult

_ATTRIBUTE_COLUMNS: dict[str, Any] = {
    "id": runs.c.id,
    "name": runs.c.name,
    "status": runs.c.status,
    "start_time": runs.c.start_time,
    "end_time": runs.c.end_time,
    "experiment": experiments.c.name,
    "experiment_id": runs.c.experiment_id,
    "parent_id": runs.c.parent_id,
    "user": runs.c.user,
    "source": runs.c.source,
    "git_commit": runs.c.git_commit,
    "lifecycle": runs.c.lifecycle,
}


def _as_text(value: str | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _apply(column: Any, op: str, value: Any) -> ColumnElement[bool]:
    comparisons = {
        "=": lambda: column == value,
        "!=": lambda: column != value,
        "<": lambda: column < value,
        "<=": lambda: column <= value,
        ">": lambda: column > value,
        ">=": lambda: column >= value,
        "LIKE": lambda: column.like(value),
        "NOT LIKE": lambda: ~column.like(value),
        "ILIKE": lambda: column.ilike(value),
        "NOT ILIKE": lambda: ~column.ilike(value),
        "IN": lambda: column.in_(list(value)),
        "NOT IN": lambda: column.not_in(list(value)),
    }
    return comparisons[op]()


def _metric_column(aggregate: str | None) -> Any:
    if aggregate in (None, "last"):
        return latest.c.value
    if aggregate == "mean":
        return latest.c.sum / sa.func.nullif(latest.c.count, 0)
    return latest.c[aggregate]


def _key_value_clause(comparison: Comparison) -> ColumnElement[bool]:
    field, op, value = comparison.field, comparison.op, comparison.value
    if field.kind == "metric":
        table, column = latest, _metric_column(field.aggregate)
    elif field.kind == "param":
        table = params
        numeric = isinstance(value, float) or (
            isinstance(value, tuple) and all(isinstance(v, float) for v in value)
        )
        # Params are text; both sides numeric means a numeric comparison (0.05 < 0.1).
        column = params.c.value_num if numeric else params.c.value
        if not numeric and isinstance(value, tuple):
            value = tuple(_as_text(v) for v in value)
        elif not numeric and isinstance(value, float):
            value = _as_text(value)
    else:
        table, column = tags, tags.c.value
        if isinstance(value, tuple):
            value = tuple(_as_text(v) for v in value)
        elif isinstance(value, float):
            value = _as_text(value)
    has_key = sa.and_(table.c.run_id == runs.c.id, table.c.key == field.key)
    if op == "IS NULL":
        return ~sa.exists().where(has_key)
    if op == "IS NOT NULL":
        return sa.exists().where(has_key)
    return sa.exists().where(has_key, _apply(column, op, value))


def compile_filter(node: Node) -> ColumnElement[bool]:
    """A WHERE clause over ``runs`` (joined with ``experiments``) for a parsed filter."""
    if isinstance(node, And):
        return sa.and_(*(compile_filter(part) for part in node.parts))
    if isinstance(node, Or):
        return sa.or_(*(compile_filter(part) for part in node.parts))
    if isinstance(node, Not):
        return sa.not_(compile_filter(node.part))
    if node.field.kind == "attribute":
        column = _ATTRIBUTE_COLUMNS[node.field.key]
        if node.op == "IS NULL":
            return column.is_(None)
        if node.op == "IS NOT NULL":
            return column.is_not(None)
        value = node.value
        if isinstance(value, float) and node.field.key not in {"start_time", "end_time"}:
            value = _as_text(value) if node.field.key != "experiment_id" else int(value)
        return _apply(column, node.op, value)
    return _key_value_clause(node)


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
        return [_ATTRIBUTE_COLUMNS[field.key]]
    if field.kind == "metric":
        table, columns = latest, [_metric_column(field.aggregate)]
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


def run_select() -> sa.Select[Any]:
    return sa.select(
        runs.c.id,
        runs.c.experiment_id,
        experiments.c.name.label("experiment"),
        *[c for c in _RUN_COLUMNS if c.name != "id"],
    ).join_from(runs, experiments, runs.c.experiment_id == experiments.c.id)


def run_record(row: Any) -> RunRecord:
    return RunRecord(**row._mapping)


def _matching(
    query: sa.Select[Any],
    experiment_ids: Iterable[int] | None,
    filter: str | None,
    include_deleted: bool,
) -> sa.Select[Any]:
    if experiment_ids is not None:
        query = query.where(runs.c.experiment_id.in_(list(experiment_ids)))
    if not include_deleted:
        query = query.where(runs.c.lifecycle == ACTIVE)
    node = parse_filter(filter)
    if node is not None:
        query = query.where(compile_filter(node))
    return query


def count_runs(
    conn: Connection,
    *,
    experiment_ids: Iterable[int] | None = None,
    filter: str | None = None,
    include_deleted: bool = False,
) -> int:
    """How many runs match (the same filter as :func:`search_runs`), without loading them."""
    query = _matching(sa.select(sa.func.count()).select_from(runs), experiment_ids, filter,
                      include_deleted)  # fmt: skip
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
    query = _matching(run_select(), experiment_ids, filter, include_deleted)
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
    found = [run_record(row) for row in conn.execute(query)]
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
