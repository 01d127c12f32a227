"""``export --seed N``: a notebook that draws random numbers without a seed reproduces once
its estimators and splits get ``random_state=N`` in the package and in the golden run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import nbformat.v4 as nbf
import typer
from test_verify import UNSEEDED
from typer.testing import CliRunner

from workbench.cli.export import export_command
from workbench.pipelines.analysis import analyze_notebook
from workbench.pipelines.export import export_notebook
from workbench.pipelines.verify._seeding import seed_plan


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.callback()(lambda: None)
    app.command("export")(export_command)
    return app


def _manifest(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "src" / "forest" / "manifest.json").read_text())
    return data


def test_export_seed_makes_an_unseeded_notebook_reproduce(sqlite_project: Path) -> None:
    notebook = sqlite_project / "forest.ipynb"
    nbformat.write(nbf.new_notebook(cells=UNSEEDED), notebook)
    original = notebook.read_bytes()

    done = CliRunner().invoke(_cli(), ["export", str(notebook), "--seed", "0", "--verify"])
    assert done.exit_code == 0, done.output
    assert "Verdict: reproduced" in done.output
    assert (
        "cell 3, line 2 (step features): `train_test_split(X, y, test_size=0.25)` gets "
        "random_state=0" in done.output
    )
    folder = sqlite_project / "pipelines" / "forest"
    manifest = _manifest(folder)
    assert manifest["seed"] == 0 and manifest["golden"]["seed"] == 0
    assert manifest["seeded"] == [
        {
            "step": "features",
            "cell": 2,
            "line": 2,
            "call": "train_test_split(X, y, test_size=0.25)",
        },
        {"step": "train", "cell": 3, "line": 1, "call": "RandomForestClassifier(n_estimators=10)"},
    ]
    train = (folder / "src" / "forest" / "steps" / "train.py").read_text()
    assert "RandomForestClassifier(n_estimators=10, random_state=0)" in train
    assert notebook.read_bytes() == original  # the notebook itself is not seeded
    readme = (folder / "README.md").read_text()
    assert "Exported with `--seed 0`" in readme
    assert "- `RandomForestClassifier(n_estimators=10)` (step `train`, cell 4, line 1)" in readme

    again = export_notebook(notebook, verify=False, seed=0)
    assert (again.changed, again.version) == (False, "1.0.0")

    unseeded = export_notebook(notebook, verify=True)
    assert unseeded.version == "1.0.1" and "seed changed: 0 → None" in unseeded.reasons
    assert unseeded.verdict.startswith("unseeded randomness at cell 3, line 2"), unseeded.verdict
    assert _manifest(folder)["seed"] is None and _manifest(folder)["seeded"] == []


def test_the_seed_is_part_of_the_fingerprint_and_reaches_notebook_functions() -> None:
    cells = [
        *UNSEEDED[:2],
        nbf.new_code_cell("def split(X, y):\n    return train_test_split(X, y, test_size=0.25)\n"),
        nbf.new_code_cell("X_train, X_test, y_train, y_test = split(X, y)"),
        *UNSEEDED[3:],
    ]
    notebook = nbf.new_notebook(cells=cells)
    plan = analyze_notebook(notebook)
    seeded, calls = seed_plan(plan, notebook, 3)
    assert (
        len({plan.fingerprint, seeded.fingerprint, seed_plan(plan, notebook, 4)[0].fingerprint})
        == 3
    )
    assert seed_plan(plan, notebook, 3)[0].fingerprint == seeded.fingerprint
    assert "train_test_split(X, y, test_size=0.25, random_state=3)" in seeded.shared_code
    assert "random_state=3" in seeded.definitions[0].source  # what shared.py prints
    assert calls[0] == {
        "step": "shared",
        "cell": 2,
        "line": 2,
        "call": "train_test_split(X, y, test_size=0.25)",
    }
