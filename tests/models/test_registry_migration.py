"""Upgrading a store from before the registry keeps its data and adds the registry tables."""

from __future__ import annotations

import sqlalchemy as sa

from workbench.store import engine as engine_module


def test_upgrade_from_0002_to_0003_keeps_runs_and_drift_reports(tmp_path, old_store):
    url = f"sqlite:///{tmp_path / 'v2.db'}"
    old_store(
        url,
        "0002",
        "INSERT INTO drift_reports (created_at, dataset, drifted, share, n_columns, "
        "n_drifted, report_json) VALUES (0, 'd', 0, 0.0, 1, 0, '{}')",
    )

    assert engine_module.upgrade_database(url) == ("0002", "0003")
    engine = engine_module.get_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT name FROM runs").scalar() == "kept"
            assert conn.exec_driver_sql("SELECT dataset FROM drift_reports").scalar() == "d"
            tables = set(sa.inspect(conn).get_table_names())
        assert {"registered_models", "model_versions", "model_aliases", "alias_history"} <= tables
    finally:
        engine_module._engines.pop(url, None)
        engine.dispose()


def test_the_migration_matches_the_table_definitions(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    url = f"sqlite:///{tmp_path / 'head.db'}"
    engine_module.upgrade_database(url)
    raw = sa.create_engine(url)
    try:
        with raw.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    finally:
        raw.dispose()
    registry_tables = ("registered_models", "model_versions", "model_aliases", "alias_history")
    assert [d for d in diff if any(t in str(d) for t in registry_tables)] == []
