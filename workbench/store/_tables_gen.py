"""Write ``_tables.py``: the SQLModel tables of ``models.py`` as plain SQLAlchemy Core.

The store runs on Core tables; building them from the SQLModel classes at import time would
load SQLModel and pydantic (about half of a cached pipeline re-run). So the Core tables are
generated once into source and a test checks that they still match ``models.py``.

    .venv/bin/python -m workbench.store._tables_gen

Everything ``models.py`` can declare on a table is rendered or refused with an error, so
the generated module never silently drops part of the schema.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

TARGET = Path(__file__).with_name("_tables.py")
# Names the store imports from models.py besides the tables.
CONSTANTS = ("RUN_STATUSES", "ACTIVE", "DELETED")
LINE_LENGTH = 100

HEADER = '''\
"""The tracking store's tables as plain SQLAlchemy Core, without SQLModel or pydantic.

GENERATED from the SQLModel classes in ``workbench/store/models.py``, the schema's source of
truth; do not edit. After changing models.py, regenerate it with

    .venv/bin/python -m workbench.store._tables_gen

``tests/store/test_generated_tables.py`` fails while the two disagree.
"""

from __future__ import annotations

import sqlalchemy as sa
'''

# Foreign key options that the generator copies when set.
_FK_OPTIONS = ("name", "onupdate", "ondelete", "deferrable", "initially", "use_alter", "match")


def literal(value: Any) -> str:
    """``value`` as Python source, with the double quotes ``ruff format`` prefers."""
    if isinstance(value, tuple):
        inner = ", ".join(literal(item) for item in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, bool | int | float) or value is None:
        return repr(value)
    if isinstance(value, str):
        text = repr(value)
        if text.startswith("'") and '"' not in value:
            text = f'"{text[1:-1]}"'
        return text
    raise TypeError(f"Cannot render {value!r} ({type(value).__name__}) as a literal.")


def render_type(type_: sa.types.TypeEngine[Any]) -> str:
    """A column type as ``sa.<Type>(...)``; SQLModel's ``AutoString`` becomes ``sa.String``."""
    if isinstance(type_, sa.types.TypeDecorator):
        if type(type_).__name__ != "AutoString":
            raise TypeError(f"Cannot render the custom column type {type_!r}.")
        impl = type_.impl
        assert isinstance(impl, sa.String)
        rendered = f"sa.String(length={impl.length})" if impl.length else "sa.String()"
    else:
        name = type(type_).__name__
        if getattr(sa, name, None) is not type(type_):
            raise TypeError(f"Cannot render the column type {type_!r}: not in sqlalchemy.")
        rendered = f"sa.{type_!r}"
    for dialect, variant in type_._variant_mapping.items():
        rendered += f".with_variant({render_type(variant)}, {literal(dialect)})"
    return rendered


def _call(name: str, args: Iterable[str], indent: int) -> str:
    """``name(args)`` on one line when it fits, else one argument per line."""
    args = list(args)
    one_line = f"{' ' * indent}{name}({', '.join(args)}),"
    if len(one_line) <= LINE_LENGTH:
        return one_line
    inner = " " * (indent + 4)
    return "\n".join(
        [f"{' ' * indent}{name}(", *(f"{inner}{arg}," for arg in args), f"{' ' * indent}),"]
    )


def _fk_options(owner: sa.ForeignKey | sa.ForeignKeyConstraint) -> list[str]:
    values = {option: getattr(owner, option) for option in _FK_OPTIONS[1:]}
    return [f"{option}={literal(value)}" for option, value in values.items() if value]


def _foreign_key(fk: sa.ForeignKey) -> str:
    args = [literal(fk.target_fullname), *_fk_options(fk)]
    constraint = fk.constraint
    if constraint is not None and constraint.name is not None:
        args.append(f"name={literal(constraint.name)}")
    return f"sa.ForeignKey({', '.join(args)})"


def _column_default(default: Any) -> str:
    if not (isinstance(default, sa.ColumnDefault) and default.is_scalar):
        raise TypeError(f"Cannot render the column default {default!r}: only constants.")
    return literal(default.arg)


def _server_default(default: Any) -> str:
    if not isinstance(default, sa.DefaultClause):
        raise TypeError(f"Cannot render the server default {default!r}.")
    arg = default.arg
    return literal(arg) if isinstance(arg, str) else f"sa.text({literal(str(arg))})"


def render_column(column: sa.Column[Any]) -> str:
    if column.key != column.name or column.info or column.dialect_kwargs:
        raise TypeError(f"Cannot render column {column}: key, info or dialect options set.")
    args = [literal(column.name), render_type(column.type)]
    foreign_keys = [fk for fk in column.foreign_keys if len(fk.constraint.elements) == 1]  # type: ignore[union-attr]
    args += [_foreign_key(fk) for fk in sorted(foreign_keys, key=lambda fk: fk.target_fullname)]
    if column.primary_key:
        args.append("primary_key=True")
    args.append(f"nullable={column.nullable}")
    if column.autoincrement != "auto":
        args.append(f"autoincrement={literal(column.autoincrement)}")
    if column.unique:
        args.append("unique=True")
    if column.index:
        args.append("index=True")
    if column.default is not None:
        args.append(f"default={_column_default(column.default)}")
    if column.server_default is not None:
        args.append(f"server_default={_server_default(column.server_default)}")
    if column.comment is not None:
        args.append(f"comment={literal(column.comment)}")
    return _call("sa.Column", args, 4)


def _constraint(constraint: sa.Constraint) -> str | None:
    """A table-level constraint as source; None for those the columns already declare."""
    named = [f"name={literal(constraint.name)}"] if constraint.name is not None else []
    if isinstance(constraint, sa.PrimaryKeyConstraint):
        if constraint.name is not None or constraint.dialect_kwargs:
            raise TypeError(f"Cannot render the primary key of {constraint.table}: named.")
        return None  # the columns' primary_key=True
    if getattr(constraint, "_type_bound", False):
        return None  # created by its column's type (e.g. a Boolean's CHECK)
    if constraint.dialect_kwargs or getattr(constraint, "comment", None):
        raise TypeError(f"Cannot render {constraint!r}: dialect options or comment set.")
    if isinstance(constraint, sa.UniqueConstraint):
        if constraint._column_flag:
            return None  # the column's unique=True
        columns = [literal(c.name) for c in constraint.columns]
        return _call("sa.UniqueConstraint", [*columns, *named], 4)
    if isinstance(constraint, sa.ForeignKeyConstraint):
        if len(constraint.elements) == 1:
            return None  # the column's sa.ForeignKey
        local = literal(tuple(constraint.column_keys))
        remote = literal(tuple(fk.target_fullname for fk in constraint.elements))
        return _call(
            "sa.ForeignKeyConstraint", [local, remote, *named, *_fk_options(constraint)], 4
        )
    if isinstance(constraint, sa.CheckConstraint):
        return _call("sa.CheckConstraint", [literal(str(constraint.sqltext)), *named], 4)
    raise TypeError(f"Cannot render the constraint {constraint!r}.")


def _index(index: sa.Index) -> str | None:
    if index._column_flag:
        return None  # the column's index=True
    if index.dialect_kwargs or not all(isinstance(e, sa.Column) for e in index.expressions):
        raise TypeError(f"Cannot render the index {index.name}: expressions or dialect options.")
    args = [literal(index.name), *(literal(c.name) for c in index.columns)]
    if index.unique:
        args.append("unique=True")
    return _call("sa.Index", args, 4)


def render_table(table: sa.Table) -> str:
    if table.schema is not None or table.comment is not None or table.dialect_kwargs:
        raise TypeError(f"Cannot render table {table.name}: schema, comment or options set.")
    constraints = sorted(table.constraints, key=lambda c: c._creation_order)
    indexes = sorted(table.indexes, key=lambda i: str(i.name))
    parts = [f"    {literal(table.name)},", "    metadata,"]
    parts += [render_column(column) for column in table.columns]
    parts += [rendered for c in constraints if (rendered := _constraint(c)) is not None]
    parts += [rendered for i in indexes if (rendered := _index(i)) is not None]
    return "\n".join([f"{table.name}_table = sa.Table(", *parts, ")"])


def render() -> str:
    """The source of ``_tables.py`` for the models as they are now."""
    from sqlmodel import SQLModel

    from workbench.store import models

    blocks = [HEADER.rstrip("\n")]
    blocks.append("\n".join(f"{name} = {literal(getattr(models, name))}" for name in CONSTANTS))
    blocks.append("metadata = sa.MetaData()")
    for table in SQLModel.metadata.tables.values():
        # The store imports the tables by the names models.py gives them.
        if getattr(models, f"{table.name}_table", None) is not table:
            raise LookupError(f"models.py has no {table.name}_table for table {table.name}.")
        blocks.append(render_table(table))
    return "\n\n".join(blocks) + "\n"


def main() -> None:
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
