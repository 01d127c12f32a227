"""``workbench tune``: the direction is never guessed, and the best trial reads as numbers."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from workbench.cli import app

runner = CliRunner()

SCORES = """
def score(trial):
    x = trial.suggest_float("x", 0, 1)
    return 1 - (x - 0.7) ** 2   # an AUC-like score: higher is better


def declared(trial):
    return score(trial)


declared.direction = "maximize"
"""


def _objectives(folder: Path) -> None:
    (folder / "cli_scores.py").write_text(SCORES)  # a module name no other test imports


def test_tune_refuses_to_guess_the_direction(sqlite_project: Path) -> None:
    _objectives(sqlite_project)
    result = runner.invoke(app, ["tune", "--objective", "cli_scores:score", "--n-trials", "2"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --direction is required")
    assert "--direction maximize" in result.stderr and result.stdout == ""
    wrong = runner.invoke(
        app, ["tune", "--objective", "cli_scores:score", "--n-trials", "1", "--direction", "max"]
    )
    assert wrong.exit_code == 2 and "'minimize' or 'maximize', got 'max'" in wrong.stderr


def test_tune_maximizes_and_prints_the_best_value_as_a_number(sqlite_project: Path) -> None:
    _objectives(sqlite_project)
    command = ["tune", "--objective", "cli_scores:score", "--n-trials", "6", "--study", "auc"]
    result = runner.invoke(app, [*command, "--direction", "maximize"])
    assert result.exit_code == 0, result.output
    best = re.search(r"^Best value: (\d\.\d{4})$", result.stdout, re.MULTILINE)
    assert best, result.stdout
    assert re.search(r"^Best params: x=0\.\d+$", result.stdout, re.MULTILINE), result.stdout
    assert "[" not in result.stdout  # neither a list of values nor a dict of params
    trials = json.loads(runner.invoke(app, ["studies", "show", "auc", "--json"]).stdout)
    values = [trial["metrics.objective"] for trial in trials]
    assert len(values) == 6 and float(best.group(1)) == round(max(values), 4) > min(values)


def test_the_objective_may_declare_its_direction(sqlite_project: Path) -> None:
    _objectives(sqlite_project)
    command = ["tune", "--objective", "cli_scores:declared", "--n-trials", "3", "--study", "d"]
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output
    assert "Best value: " in result.stdout
    opposite = runner.invoke(app, [*command, "--direction", "minimize"])
    assert opposite.exit_code == 2
    assert "exists with direction(s) ['maximize']" in opposite.stderr
