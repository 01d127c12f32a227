"""Every command of the ``workbench`` CLI has the same shape: help text on each argument and
option, help without type noise, ``--json`` on every list and show that prints strict JSON,
and errors as one ``error: <problem>. <fix>`` line on stderr with exit code 2 for bad input."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
import typer
from sklearn.linear_model import LogisticRegression
from typer.testing import CliRunner

import workbench as wb
from workbench.cli import app

runner = CliRunner()
ERROR_LINE = re.compile(r"error: \S.*\n")
TYPE_NOISE = re.compile(r"<(bool|str|int|float|path|text)>|\{")


def _commands() -> list[tuple[list[str], Any]]:
    """(path, click command) for the root, every group and every command."""
    found: list[tuple[list[str], Any]] = []

    def walk(path: list[str], command: Any, parent: Any) -> None:
        found.append((path, command))
        ctx = command.context_class(command, info_name=path[-1] if path else "workbench",
                                    parent=parent)  # fmt: skip
        if hasattr(command, "list_commands"):
            for name in command.list_commands(ctx):
                walk([*path, name], command.get_command(ctx, name), ctx)

    walk([], typer.main.get_command(app), None)
    return found


COMMANDS = _commands()
LEAVES = [(path, command) for path, command in COMMANDS if not hasattr(command, "list_commands")]


def _id(path: list[str]) -> str:
    return " ".join(path) or "workbench"


def test_the_walk_finds_every_command_group():
    names = {_id(path) for path, _ in COMMANDS}
    assert {"runs list", "models show", "studies show", "pipelines diff", "tune", "drift",
            "db upgrade", "gc", "demo", "ui", "serve", "export", "retrain"} <= names  # fmt: skip


def test_the_top_level_help_lists_every_command_in_a_workflow_panel():
    from workbench.cli import ORDER

    shown = runner.invoke(app, ["--help"], env={"COLUMNS": "120"}).stdout
    top = {path[0] for path, _ in COMMANDS if path}
    assert top == set(ORDER), "a new command needs its place in workbench.cli.ORDER"
    panels = ["Track and compare", "Tune and watch", "Notebook to pipeline", "Serve and explore",
              "Project"]  # fmt: skip
    assert [shown.index(panel) for panel in panels] == sorted(shown.index(p) for p in panels)
    assert [shown.index(f" {name} ") for name in ORDER] == sorted(
        shown.index(f" {name} ") for name in ORDER
    )
    assert "Commands" not in shown  # no command left outside a panel


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[_id(p) for p, _ in COMMANDS])
def test_every_argument_and_option_has_help(path, command):
    ctx = command.context_class(command, info_name="workbench")
    missing = [param.name for param in command.get_params(ctx) if not (param.help or "").strip()]
    assert not missing, f"`{_id(path)}`: no help for {missing}"


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[_id(p) for p, _ in COMMANDS])
def test_help_has_no_type_noise(path, command):
    shown = runner.invoke(app, [*path, "--help"])
    assert shown.exit_code == 0, shown.output
    assert "Usage: " in shown.output
    noise = TYPE_NOISE.findall(shown.output)
    assert not noise, f"`{_id(path)} --help` shows {noise}:\n{shown.output}"


def test_every_list_and_show_command_accepts_json():
    listing = [path for path, _ in LEAVES if path[-1] in {"list", "show", "versions"}]
    assert len(listing) >= 8
    for path, command in LEAVES:
        if path in listing:
            assert "--json" in {o for p in command.params for o in p.opts}, _id(path)


def _export_a_pipeline(folder: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    cells = ["N = 5", "values = list(range(N))", "total = sum(values)"]
    notebook.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(notebook, folder / "totals.ipynb")
    wb.export_notebook(folder / "totals.ipynb", verify=False)


def _objective(trial: Any) -> float:
    return trial.suggest_float("x", -1, 1) ** 2


@pytest.fixture
def seeded(sqlite_project: Path) -> dict[str, str]:
    """A small store made with the tracking API: runs (one with a NaN metric), a registered
    model, a study, an exported pipeline."""
    x, y = [[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1]
    ids = []
    for name, auc in (("first", 0.8), ("second", math.nan)):
        with wb.start_run(name=name, experiment="shape") as run:
            run.log_params({"lr": 0.1, "depth": 3})
            run.log_metric("auc", auc)
            run.log_model(LogisticRegression().fit(x, y), name="clf", input_example=x)
        ids.append(run.id)
    wb.tune(_objective, n_trials=2, direction="minimize", experiment="shape",
            show_progress=False)  # fmt: skip
    _export_a_pipeline(sqlite_project)
    (study,) = json.loads(runner.invoke(app, ["studies", "list", "--json"]).stdout)
    return {"run": ids[0], "model": "clf", "study": study["study"], "pipeline": "totals"}


def _refuse(constant: str) -> None:
    raise AssertionError(f"{constant} is not JSON")


def test_every_list_and_show_prints_strict_json_on_a_seeded_store(seeded):
    arguments = {
        "runs show": [seeded["run"]], "models show": [seeded["model"]],
        "models versions": [seeded["model"]], "studies show": [seeded["study"]],
        "pipelines show": [seeded["pipeline"]],
    }  # fmt: skip
    checked = []
    for path, _ in LEAVES:
        if path[-1] not in {"list", "show", "versions"}:
            continue
        result = runner.invoke(app, [*path, *arguments.get(_id(path), []), "--json"])
        assert result.exit_code == 0, f"{_id(path)}: {result.output}"
        payload = json.loads(result.stdout, parse_constant=_refuse)
        assert payload, f"`{_id(path)} --json` printed nothing on a seeded store"
        checked.append(_id(path))
    assert {"runs list", "runs show", "models list", "studies list", "pipelines list"} <= set(
        checked
    )


def test_json_keeps_full_precision_and_iso_times(seeded):
    shown = json.loads(runner.invoke(app, ["runs", "show", seeded["run"], "--json"]).stdout)
    assert shown["metrics"]["auc"] == 0.8
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.*", shown["info"]["start_time"])
    listed = json.loads(runner.invoke(app, ["runs", "list", "-e", "shape", "--json"]).stdout)
    aucs = {row["name"]: row["metrics.auc"] for row in listed}
    assert (aucs["first"], aucs["second"]) == (0.8, "nan")


def test_tables_show_times_as_dates_and_cut_long_hashes(seeded):
    """No epoch seconds in any table (``1.796e+09`` or ``1796395549.08``), and a versions
    table cuts run ids and hashes to 12 characters."""
    arguments = {
        "runs show": [seeded["run"]], "models show": [seeded["model"]],
        "models versions": [seeded["model"]], "studies show": [seeded["study"]],
        "pipelines show": [seeded["pipeline"]],
    }  # fmt: skip
    epoch = re.compile(r"\b1\.\d+e\+0?9\b|\b1\d{9}\.\d+\b")
    for path, _ in LEAVES:
        if path[-1] not in {"list", "show", "versions"}:
            continue
        result = runner.invoke(app, [*path, *arguments.get(_id(path), [])], env={"COLUMNS": "300"})
        assert result.exit_code == 0, f"{_id(path)}: {result.output}"
        assert not epoch.search(result.stdout), (
            f"{_id(path)} prints epoch seconds:\n{result.stdout}"
        )
    versions = runner.invoke(app, ["models", "versions", "clf"], env={"COLUMNS": "300"}).stdout
    assert "2 versions of clf" in versions
    assert not re.search(r"[0-9a-f]{13,}", versions), versions


BAD_INPUT = {
    "unknown run id": ["runs", "show", "ffffffff"],
    "bad filter": ["runs", "list", "-f", "metrics.auc >> 1"],
    "unknown experiment": ["runs", "list", "-e", "nope"],
    "unknown model": ["models", "show", "nope"],
    "unknown study": ["studies", "show", "nope"],
    "unknown pipeline": ["pipelines", "show", "nope"],
    "missing data file": ["drift", "missing.csv", "other.csv"],
    "missing notebook": ["export", "missing.ipynb"],
    "missing argument": ["runs", "show"],
    "unknown option": ["runs", "list", "--bogus"],
    "bad tune objective": ["tune", "--objective", "no_colon", "--n-trials", "1"],
}


@pytest.mark.parametrize("arguments", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_one_error_line_on_stderr_and_exit_2(seeded, arguments):
    result = runner.invoke(app, arguments)
    assert result.exit_code == 2, result.output
    first, *context = result.stderr.splitlines(keepends=True)
    assert ERROR_LINE.fullmatch(first), result.stderr
    assert all(line.startswith("  ") for line in context), result.stderr
    assert result.stdout == "" and "Traceback" not in result.output
