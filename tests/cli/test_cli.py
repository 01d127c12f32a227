"""The `workbench` command line."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import workbench as wb
from workbench.cli import app

runner = CliRunner()


@pytest.fixture
def two_runs(sqlite_project):
    ids = []
    for name, auc in (("first", 0.8), ("second", 0.9)):
        with wb.start_run(name=name, experiment="cli") as run:
            run.log_param("lr", 0.1)
            run.log_metric("auc", auc)
        ids.append(run.id)
    return ids


def test_runs_list_table_and_json(two_runs):
    table = runner.invoke(app, ["runs", "list"])
    assert table.exit_code == 0, table.output
    assert "first" in table.output and "second" in table.output
    as_json = runner.invoke(app, ["runs", "list", "--json", "-f", "metrics.auc > 0.85"])
    rows = json.loads(as_json.output)
    assert [row["name"] for row in rows] == ["second"]
    assert rows[0]["metrics.auc"] == 0.9


def test_runs_list_bad_filter_exits_2_with_the_position(two_runs):
    result = runner.invoke(app, ["runs", "list", "-f", "metrics.auc >> 1"])
    assert result.exit_code == 2
    assert "position" in result.output


def test_runs_show_accepts_an_id_prefix(two_runs):
    result = runner.invoke(app, ["runs", "show", two_runs[0][:10], "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["info"]["name"] == "first"
    assert payload["params"] == {"lr": "0.1"}


def test_runs_compare(two_runs):
    result = runner.invoke(app, ["runs", "compare", *two_runs, "--json"])
    rows = {row["field"]: row for row in json.loads(result.output)}
    assert rows["metrics.auc"]["differs"] is True
    assert rows["params.lr"]["differs"] is False


def test_runs_delete_and_restore(two_runs):
    assert runner.invoke(app, ["runs", "delete", two_runs[0]]).exit_code == 0
    assert len(wb.runs()) == 1
    assert runner.invoke(app, ["runs", "delete", two_runs[0], "--restore"]).exit_code == 0
    assert len(wb.runs()) == 2


def test_unknown_run_id_is_a_clear_error(two_runs):
    result = runner.invoke(app, ["runs", "show", "ffffffff"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no run with an id starting with 'ffffffff'")


def test_gc_dry_run_then_for_real(two_runs, sqlite_project):
    from workbench.tracking.fluent import get_store

    orphan, _ = get_store().blobs.put_bytes(b"nobody points at me")
    dry = json.loads(runner.invoke(app, ["gc", "--dry-run", "--json"]).output)
    assert dry["blobs"] == [orphan]
    assert get_store().blobs.all_blobs()  # still there
    real = runner.invoke(app, ["gc"])
    assert "Removed 1 unreferenced blob(s)" in real.output
    assert get_store().blobs.all_blobs() == {}
