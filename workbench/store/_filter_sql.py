"""A parsed run filter as SQL over ``runs`` joined with ``experiments``, for SQLite or
PostgreSQL: the same answer from both (LIKE escapes, ILIKE case folding, text order)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from workbench.store._tables import experiments_table as experiments
from workbench.store._tables import latest_metrics_table as latest
from workbench.store._tables import params_table as params
from workbench.store._tables import runs_table as runs
from workbench.store._tables import tags_table as tags
from workbench.store.filter_parser import _PATTERN_OPS, And, Comparison, Node, Not, Or

ATTRIBUTE_COLUMNS: dict[str, Any] = {
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
_TABLES: dict[str, sa.Table] = {"metric": latest, "param": params, "tag": tags}
_ORDERING = ("<", "<=", ">", ">=")
# EXISTS per comparison is cheapest for everyday filters (PostgreSQL makes semi-joins that use
# the indexes), but over a few hundred of them PostgreSQL's planner took minutes.
_LOOKUPS_UP_TO = 8
_LOWER = "workbench_lower"  # SQLite's lower() folds ASCII only; PostgreSQL's ILIKE folds all


def _as_text(value: str | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def metric_column(aggregate: str | None) -> Any:
    if aggregate in (None, "last"):
        return latest.c.value
    if aggregate == "mean":
        return latest.c.sum / sa.func.nullif(latest.c.count, 0)
    return latest.c[aggregate]


def _in_list(column: Any, values: Sequence[Any], dialect: str) -> ColumnElement[bool]:
    """``column IN values`` with the whole list as one bound parameter, so no list is too long
    for SQLite's variable limit or PostgreSQL's 65,535 parameters."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        array = sa.bindparam(None, list(values), type_=ARRAY(column.type))
        return column == sa.any_(array)
    if dialect == "sqlite":
        items = sa.func.json_each(sa.bindparam(None, json.dumps(list(values)))).table_valued(
            "value"
        )
        return column.in_(sa.select(items.c.value))
    return column.in_(list(values))


class FilterCompiler:
    """Compiles one filter for one database.

    A metric, param or tag comparison is an EXISTS over its table while the filter has at most
    ``_LOOKUPS_UP_TO`` of them; beyond, each reads a column of one pivot per table (a row per
    run, a column per key the filter names) joined once, so the query's cost does not grow
    with the number of comparisons.
    """

    def __init__(self, dialect: str, candidates: sa.Select[Any] | None) -> None:
        self.dialect = dialect
        self.candidates = candidates  # ids of the runs the search may return
        self.wanted: dict[str, dict[tuple[str, str], str]] = {kind: {} for kind in _TABLES}
        self.columns: dict[tuple[str, str, str], Any] = {}  # (kind, key, source) -> expression
        self.reads = 0  # comparisons of metrics, params and tags
        self.lookups = True  # EXISTS per comparison, else pivots

    # -- which pivot column a comparison reads ----------------------------------------------
    @staticmethod
    def source(node: Comparison) -> str:
        """``present``, or the column of the key-value table that the comparison reads."""
        if node.op in ("IS NULL", "IS NOT NULL"):
            return "present"
        if node.field.kind == "metric":
            return "value" if node.field.aggregate in (None, "last") else node.field.aggregate
        values = node.value if isinstance(node.value, tuple) else (node.value,)
        numeric = node.field.kind == "param" and all(isinstance(v, float) for v in values)
        # Params are text; both sides numeric means a numeric comparison (0.05 < 0.1).
        return "value_num" if numeric and node.op not in _PATTERN_OPS else "value"

    def collect(self, node: Node) -> None:
        if isinstance(node, And | Or):
            for part in node.parts:
                self.collect(part)
        elif isinstance(node, Not):
            self.collect(node.part)
        elif node.field.kind != "attribute":
            self.reads += 1
            wanted = self.wanted[node.field.kind]
            wanted.setdefault((node.field.key, self.source(node)), f"c{len(wanted)}")

    @staticmethod
    def read(kind: str, source: str) -> Any:
        if source == "present":
            return sa.literal_column("1")
        return metric_column(source) if kind == "metric" else _TABLES[kind].c[source]

    def pivot(self, kind: str) -> sa.Subquery:
        table = _TABLES[kind]
        columns: list[Any] = [table.c.run_id]
        for (key, source), label in self.wanted[kind].items():
            read = self.read(kind, source)
            columns.append(sa.func.max(sa.case((table.c.key == key, read))).label(label))
        keys = sorted({key for key, _ in self.wanted[kind]})
        query = sa.select(*columns).where(_in_list(table.c.key, keys, self.dialect))
        if self.candidates is not None:
            query = query.where(table.c.run_id.in_(self.candidates))
        return query.group_by(table.c.run_id).subquery(f"{kind}_pivot")

    def joined(self, node: Node) -> Any:
        """``runs`` joined with ``experiments`` and the pivots the filter reads, if any."""
        self.collect(node)
        self.lookups = self.reads <= _LOOKUPS_UP_TO
        source: Any = runs.join(experiments, runs.c.experiment_id == experiments.c.id)
        for kind, wanted in self.wanted.items():
            if wanted and not self.lookups:
                pivot = self.pivot(kind)
                source = source.outerjoin(pivot, pivot.c.run_id == runs.c.id)
                for (key, source_column), label in wanted.items():
                    self.columns[kind, key, source_column] = pivot.c[label]
        return source

    # -- the WHERE clause -------------------------------------------------------------------
    def where(self, node: Node, negated: bool = False) -> ColumnElement[bool]:
        """The clause for ``node`` (or for NOT ``node``), with NOT pushed down to the
        comparisons: nested NOTs would overflow SQLite's parser stack at a few dozen levels."""
        if isinstance(node, Not):
            return self.where(node.part, not negated)
        if isinstance(node, And | Or):
            parts = [self.where(part, negated) for part in node.parts]
            return sa.and_(*parts) if isinstance(node, And) is not negated else sa.or_(*parts)
        if not negated:
            return self.comparison(node)
        if self.lookups and node.field.kind != "attribute":
            return sa.not_(self.comparison(node))  # EXISTS is never NULL
        # A missing key or value (NULL) fails a comparison, so its NOT holds, as with EXISTS:
        # 'not metrics.auc > 0.9' includes runs without an auc.
        return sa.not_(sa.func.coalesce(self.comparison(node), sa.false()))

    def comparison(self, node: Comparison) -> ColumnElement[bool]:
        field, op, value = node.field, node.op, node.value
        if field.kind == "attribute":
            column = ATTRIBUTE_COLUMNS[field.key]
            if field.key == "experiment_id" and value is not None:
                value = tuple(map(int, value)) if isinstance(value, tuple) else int(value)
            return self.test(column, op, value)
        if not self.lookups:
            return self.test(self.columns[field.kind, field.key, self.source(node)], op, value)
        table = _TABLES[field.kind]
        has_key = sa.exists().where(table.c.run_id == runs.c.id, table.c.key == field.key)
        if op == "IS NULL":
            return ~has_key
        if op == "IS NOT NULL":
            return has_key
        return has_key.where(self.test(self.read(field.kind, self.source(node)), op, value))

    def test(self, column: Any, op: str, value: Any) -> ColumnElement[bool]:
        if op == "IS NULL":
            return column.is_(None)
        if op == "IS NOT NULL":
            return column.is_not(None)
        text = isinstance(column.type, sa.String)
        if text and isinstance(value, tuple):
            value = tuple(_as_text(v) for v in value)
        elif text and isinstance(value, float):
            value = _as_text(value)
        return self.apply(column, op, value, text)

    def apply(self, column: Any, op: str, value: Any, text: bool) -> ColumnElement[bool]:
        if op in ("IN", "NOT IN"):
            found = _in_list(column, value, self.dialect)
            return found if op == "IN" else sa.not_(found)
        if op in _PATTERN_OPS:
            matched = self.like(column, value, case_sensitive="ILIKE" not in op)
            return sa.not_(matched) if op.startswith("NOT ") else matched
        if text and op in _ORDERING and self.dialect == "postgresql":
            column = column.collate("C")  # byte order, as SQLite compares text
        comparisons = {
            "=": column.__eq__, "!=": column.__ne__, "<": column.__lt__, "<=": column.__le__,
            ">": column.__gt__, ">=": column.__ge__,
        }  # fmt: skip
        return comparisons[op](value)

    def like(self, column: Any, pattern: str, case_sensitive: bool) -> ColumnElement[bool]:
        # An explicit ESCAPE: PostgreSQL escapes with '\\' by default, SQLite not at all.
        if case_sensitive:
            return column.like(pattern, escape="\\")
        if self.dialect == "sqlite":
            lower = getattr(sa.func, _LOWER)
            return lower(column).like(lower(pattern), escape="\\")
        return column.ilike(pattern, escape="\\")


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def prepare_connection(conn: Connection) -> None:
    """Give SQLite the Unicode lower() that ILIKE compiles to (see ``FilterCompiler.like``)."""
    if conn.dialect.name == "sqlite":
        driver = conn.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        driver.create_function(_LOWER, 1, _lower, deterministic=True)
