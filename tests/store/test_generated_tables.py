"""``store/_tables.py`` (Core tables the store runs on) stays the schema of ``models.py``."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlmodel import SQLModel

import workbench.store.models as models
from workbench.store import _tables, _tables_gen

DIALECTS = {"sqlite": sqlite.dialect(), "postgresql": postgresql.dialect()}
TABLES = list(SQLModel.metadata.tables)


def ddl(table: sa.Table, dialect: sa.Dialect) -> list[str]:
    """The CREATE TABLE statement, then each CREATE INDEX (in name order)."""
    indexes = sorted(table.indexes, key=lambda index: str(index.name))
    return [
        str(CreateTable(table).compile(dialect=dialect)).strip(),
        *(str(CreateIndex(index).compile(dialect=dialect)).strip() for index in indexes),
    ]


def client_side(table: sa.Table) -> list[tuple[Any, ...]]:
    """What the DDL does not show: Python-side defaults and autoincrement."""
    return [
        (c.name, c.default.arg if c.default is not None else None, c.autoincrement)
        for c in table.columns
    ]


def test_the_committed_module_is_what_the_generator_writes_now():
    committed = _tables_gen.TARGET.read_text(encoding="utf-8")
    assert committed == _tables_gen.render(), (
        "workbench/store/_tables.py is out of date with models.py; regenerate it with "
        "`.venv/bin/python -m workbench.store._tables_gen`"
    )


def test_both_declare_the_same_tables_under_the_names_the_store_imports():
    assert list(_tables.metadata.tables) == TABLES
    for name in TABLES:
        assert getattr(_tables, f"{name}_table") is _tables.metadata.tables[name]
        assert getattr(models, f"{name}_table") is SQLModel.metadata.tables[name]
    for constant in _tables_gen.CONSTANTS:
        assert getattr(_tables, constant) == getattr(models, constant)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", TABLES)
def test_create_statements_are_identical(name: str, dialect: str):
    generated = ddl(_tables.metadata.tables[name], DIALECTS[dialect])
    declared = ddl(SQLModel.metadata.tables[name], DIALECTS[dialect])
    assert generated == declared


@pytest.mark.parametrize("name", TABLES)
def test_client_side_defaults_are_identical(name: str):
    generated = client_side(_tables.metadata.tables[name])
    assert generated == client_side(SQLModel.metadata.tables[name])


def test_the_generator_refuses_what_it_cannot_render():
    table = sa.Table(
        "odd", sa.MetaData(), sa.Column("at", sa.Float(), default=lambda: 1.0, nullable=False)
    )
    with pytest.raises(TypeError, match="only constants"):
        _tables_gen.render_table(table)
