"""``workbench pipelines list|show|diff`` on packages exported from a small notebook."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import nbformat
from typer.testing import CliRunner

import workbench as wb
from workbench.cli import app

runner = CliRunner()


def _export(folder: Path, cells: list[str]) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(notebook, folder / "totals.ipynb")
    wb.export_notebook(folder / "totals.ipynb", verify=False)


def test_list_show_and_diff(sqlite_project: Path) -> None:
    empty = runner.invoke(app, ["pipelines", "list"])
    assert empty.exit_code == 0 and "workbench export" in empty.output
    _export(sqlite_project, ["N = 5", "values = list(range(N))", "total = sum(values)"])
    _export(sqlite_project, ["N = 5\nSTEP = 2", "values = list(range(0, N, STEP))",
                             "total = sum(values)"])  # fmt: skip
    listed = runner.invoke(app, ["pipelines", "list", "--json"])
    assert listed.exit_code == 0
    (package,) = json.loads(listed.output)
    assert (package["name"], package["version"]) == ("totals", "1.1.0")
    # An export writes no date into its reproducible manifest: the version record's time.
    exported = datetime.fromisoformat(package["exported_at"])
    assert abs((datetime.now(UTC) - exported).total_seconds()) < 600
    table = runner.invoke(app, ["pipelines", "list"], env={"COLUMNS": "200"}).output
    assert exported.astimezone().strftime("%Y-%m-%d %H:%M") in table
    shown = runner.invoke(app, ["pipelines", "show", "totals"])
    assert shown.exit_code == 0
    assert "1.0.0" in shown.output and "parameter 'STEP' added" in shown.output
    changed = runner.invoke(app, ["pipelines", "diff", "totals", "1.0.0", "1.1.0", "--json"])
    assert changed.exit_code == 0
    payload = json.loads(changed.output)
    assert payload["level"] == "minor" and payload["parameters_added"] == ["STEP"]


def test_unknown_pipeline_or_version_is_a_clear_error(sqlite_project: Path) -> None:
    unknown = runner.invoke(app, ["pipelines", "show", "nope"])
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("error: No exported pipeline named 'nope'")
    assert "`workbench pipelines list` shows" in unknown.stderr and not unknown.stdout
    _export(sqlite_project, ["N = 5", "total = sum(range(N))"])
    missing = runner.invoke(app, ["pipelines", "diff", "totals", "1.0.0", "9.9.9"])
    assert missing.exit_code == 2 and "no version '9.9.9'" in missing.output
