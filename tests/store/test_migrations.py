"""Schema creation and migrations."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import workbench as wb
from workbench.cli import app
from workbench.store import engine as engine_module


def test_new_store_is_created_at_head_in_wal_mode(sqlite_project):
    with wb.start_run():
        pass
    db = sqlite_project / ".workbench" / "workbench.db"
    assert db.is_file()
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    engine.dispose()
    assert version == engine_module.head_revision()


def test_postgres_store_is_created_at_head(pg_url):
    engine = engine_module.get_engine(pg_url)
    assert engine_module.current_revision(engine) == engine_module.head_revision()
    tables = set(sa.inspect(engine).get_table_names())
    assert {"runs", "params", "metrics", "latest_metrics", "tags", "artifacts"} <= tables


def test_db_upgrade_on_an_empty_database_and_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    runner = CliRunner()
    first = runner.invoke(app, ["db", "upgrade", "--url", url])
    assert first.exit_code == 0, first.output
    assert "Upgraded from an empty database" in first.output
    second = runner.invoke(app, ["db", "upgrade", "--url", url])
    assert "Already at the newest schema" in second.output


def test_an_outdated_store_asks_for_db_upgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine_module.upgrade_database(url)
    raw = sa.create_engine(url)
    with raw.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0000'")
    raw.dispose()
    try:
        with pytest.raises(engine_module.StoreVersionError, match="workbench db upgrade"):
            engine_module.get_engine(url)
    finally:
        engine_module._engines.pop(url, None)


def test_upgrading_a_first_schema_store_keeps_its_runs(tmp_path, old_store):
    url = f"sqlite:///{tmp_path / 'v1.db'}"
    old_store(url, "0001")
    with pytest.raises(engine_module.StoreVersionError):
        engine_module.get_engine(url)
    engine_module._engines.pop(url, None)

    result = CliRunner().invoke(app, ["db", "upgrade", "--url", url])
    assert result.exit_code == 0, result.output
    assert f"from 0001 to {engine_module.head_revision()}" in result.output
    engine = engine_module.get_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT name FROM runs").scalar() == "kept"
            assert sa.inspect(conn).has_table("drift_reports")
    finally:
        engine_module._engines.pop(url, None)
        engine.dispose()


def test_the_cheap_head_revision_agrees_with_alembic():
    from alembic.script import ScriptDirectory

    from workbench.store import engine as engine_module

    script = ScriptDirectory(str(engine_module._MIGRATIONS))
    assert engine_module.head_revision() == script.get_current_head()
