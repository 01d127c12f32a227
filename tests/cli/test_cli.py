"""The `workbench` command line."""

from __future__ import annotations

import json
import re

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
    assert result.stderr == (
        "error: no run with an id starting with 'ffffffff'. `workbench runs list` shows them.\n"
    )


def test_gc_dry_run_then_for_real(two_runs, sqlite_project):
    from workbench.tracking.fluent import get_store

    orphan, _ = get_store().blobs.put_bytes(b"nobody points at me")
    dry = json.loads(runner.invoke(app, ["gc", "--dry-run", "--json", "--grace", "0"]).output)
    assert dry["blobs"] == [orphan]
    assert get_store().blobs.all_blobs()  # still there
    real = runner.invoke(app, ["gc", "--grace", "0"])
    assert "Removed 1 unreferenced blob(s)" in real.output
    assert get_store().blobs.all_blobs() == {}


def test_runs_list_title_says_when_the_list_is_capped(two_runs):
    capped = runner.invoke(app, ["runs", "list", "-e", "cli", "-n", "1"])
    assert "1 of 2 runs (newest first; -n to see more)" in capped.stdout
    assert "│ second" in capped.stdout and "│ first" not in capped.stdout
    whole = runner.invoke(app, ["runs", "list", "-e", "cli"])
    assert "2 runs (newest first)" in whole.stdout and "to see more" not in whole.stdout


def test_runs_list_table_shows_local_iso_times_and_short_numbers(sqlite_project):
    with wb.start_run(name="precise", experiment="cli") as run:
        run.log_metric("loss", 0.123456789)
    table = runner.invoke(app, ["runs", "list", "-e", "cli"]).stdout
    assert "0.1235" in table and "0.123456789" not in table
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", table)
    shown = runner.invoke(app, ["runs", "show", run.id]).stdout
    assert re.search(r"start_time\s+│ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", shown)
    as_json = json.loads(runner.invoke(app, ["runs", "list", "-e", "cli", "--json"]).stdout)
    assert as_json[0]["metrics.loss"] == 0.123456789


def test_a_filter_that_matches_nothing_names_the_filter_and_the_keys(two_runs):
    result = runner.invoke(app, ["runs", "list", "-e", "cli", "-f", "metrics.nope > 1"])
    assert result.exit_code == 0
    assert "None of the 2 runs in experiment cli match the filter 'metrics.nope > 1'" in (
        result.stdout
    )
    assert "No run has metric 'nope' (metrics: auc)" in result.stdout
    assert "Track one" not in result.stdout
    known_key = runner.invoke(app, ["runs", "list", "-e", "cli", "-f", "metrics.auc > 5"])
    assert "match the filter 'metrics.auc > 5'" in known_key.stdout
    assert "No run has" not in known_key.stdout


def test_track_one_only_when_the_experiment_is_empty(sqlite_project):
    wb.set_experiment("empty")
    result = runner.invoke(app, ["runs", "list", "-e", "empty", "-f", "metrics.auc > 1"])
    assert result.exit_code == 0
    assert "No runs in experiment empty yet. Track one with" in result.stdout
