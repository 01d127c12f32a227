"""Exported packages: their files, and running them as `python -m <pkg> run` reproduces the
notebook, tracks every step and reuses cached steps."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import nbformat.v4 as nbf
import pandas as pd
import typer
import yaml
from typer.testing import CliRunner

import workbench as wb
from workbench.cli.export import export_command
from workbench.pipelines.analysis import analyze_notebook
from workbench.pipelines.export import export_notebook
from workbench.pipelines.package.generate import render_shared, render_step

BREAST_CANCER = [
    nbf.new_markdown_cell("# Breast cancer: logistic regression"),
    nbf.new_code_cell("SEED = 7\nC = 1.0\nTEST_SIZE = 0.3", metadata={"tags": ["parameters"]}),
    nbf.new_code_cell(
        "from sklearn.datasets import load_breast_cancer\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.metrics import roc_auc_score\n"
        "from sklearn.model_selection import train_test_split\n"
        "from sklearn.preprocessing import StandardScaler"
    ),
    nbf.new_code_cell("df = load_breast_cancer(as_frame=True).frame\ndf.head()"),
    nbf.new_code_cell(
        "X = df.drop(columns='target')\ny = df['target']\n"
        "X_train, X_test, y_train, y_test = train_test_split(\n"
        "    X, y, test_size=TEST_SIZE, random_state=SEED, stratify=y)\n"
        "scaler = StandardScaler().fit(X_train)\n"
        "X_train_s = scaler.transform(X_train)\nX_test_s = scaler.transform(X_test)"
    ),
    nbf.new_code_cell(
        "model = LogisticRegression(C=C, max_iter=1000)\nmodel.fit(X_train_s, y_train)"
    ),
    nbf.new_code_cell(
        "auc = roc_auc_score(y_test, model.predict_proba(X_test_s)[:, 1])\nprint(auc)"
    ),
]

LIGHTGBM = [
    nbf.new_code_cell(
        "import lightgbm as lgb\n"
        "from sklearn.datasets import load_breast_cancer\n"
        "from sklearn.metrics import accuracy_score\n"
        "from sklearn.model_selection import train_test_split\n"
        "SEED = 1\nN_ESTIMATORS = 15"
    ),
    nbf.new_code_cell("X, y = load_breast_cancer(return_X_y=True, as_frame=True)"),
    nbf.new_code_cell(
        "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=SEED)"
    ),
    nbf.new_code_cell(
        "clf = lgb.LGBMClassifier(n_estimators=N_ESTIMATORS, random_state=SEED, verbose=-1)\n"
        "clf.fit(X_train, y_train)"
    ),
    nbf.new_code_cell("accuracy = accuracy_score(y_test, clf.predict(X_test))"),
]


def _write(folder: Path, name: str, cells: list[Any]) -> Path:
    path = folder / f"{name}.ipynb"
    nbformat.write(nbf.new_notebook(cells=cells), path)
    return path


def _notebook_value(cells: list[Any], name: str) -> Any:
    """What running the notebook's code cells in order gives for ``name``."""
    namespace: dict[str, Any] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in cells:
            if cell.cell_type == "code":
                exec(cell.source, namespace)
    return namespace[name]


def _run_package(result: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(result.path / "src")}
    command = [sys.executable, "-m", result.package, "run", "--quiet", *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def _latest_pipeline_run() -> tuple[pd.Series, dict[str, str]]:
    """The newest pipeline run and its children's ``cache_hit`` tags by step."""
    frame = wb.runs()
    parents = frame[frame["tags.workbench.kind"] == "pipeline"]
    parent = parents.sort_values("start_time").iloc[-1]
    children = frame[frame["parent_id"] == parent["run_id"]]
    return parent, dict(zip(children["name"], children["tags.cache_hit"], strict=True))


def test_export_writes_an_installable_package_layout(sqlite_project: Path) -> None:
    result = export_notebook(_write(sqlite_project, "Breast Cancer", BREAST_CANCER), verify=False)
    assert (result.name, result.package, result.version) == (
        "breast-cancer",
        "breast_cancer",
        "1.0.0",
    )
    assert result.path == sqlite_project / "pipelines" / "breast-cancer"
    assert result.steps == ("load", "features", "train", "evaluate")
    assert result.verdict == "not verified" and result.changed
    root, src = result.path, result.path / "src" / "breast_cancer"
    for relative in (
        "pyproject.toml", "README.md", "params.yaml", "notebook.ipynb",
        ".github/workflows/pipeline.yml", "tests/test_reproduce.py",
        "src/breast_cancer/__init__.py", "src/breast_cancer/__main__.py",
        "src/breast_cancer/cli.py", "src/breast_cancer/pipeline.py",
        "src/breast_cancer/shared.py", "src/breast_cancer/manifest.json",
        "src/breast_cancer/steps/load.py", "src/breast_cancer/steps/evaluate.py",
    ):  # fmt: skip
        assert (root / relative).is_file(), relative
    for path in root.rglob("*.py"):
        compile(path.read_text(), str(path), "exec")
    train = (src / "steps" / "train.py").read_text()
    assert "def train(X_train_s, y_train, *, C: float) -> dict[str, object]:" in train
    assert "model = LogisticRegression(C=C, max_iter=1000)" in train
    assert "print(" not in (src / "steps" / "evaluate.py").read_text()

    manifest = json.loads((src / "manifest.json").read_text())
    assert manifest["fingerprint"] == result.fingerprint
    assert manifest["version"] == "1.0.0" and manifest["golden"] == {}
    assert manifest["exporter"]["version"] == wb.__version__
    assert manifest["cell_map"]["3"] == "load" and manifest["cell_map"]["1"] == "parameters"
    assert manifest["interface"]["train"] == {
        "inputs": ["X_train_s", "y_train"],
        "outputs": ["model"],
    }
    assert yaml.safe_load((root / "params.yaml").read_text()) == {
        "SEED": 7,
        "C": 1.0,
        "TEST_SIZE": 0.3,
        "gate": {  # retrain's gate: the notebook's metric vs the champion
            "alias": "champion",
            "thresholds": {},
            "compare_to_champion": {
                "metric": "auc",
                "max_regression": 0.01,
                "direction": "maximize",
            },
        },
    }
    assert manifest["gate"]["compare_to_champion"]["metric"] == "auc"
    pyproject = (root / "pyproject.toml").read_text()
    assert '"scikit-learn>=' in pyproject and '"workbench>=' in pyproject
    readme = (root / "README.md").read_text()
    assert "```mermaid" in readme and 'train -->|"model"| evaluate' in readme
    assert "python -m breast_cancer run" in readme
    workflow = yaml.safe_load((root / ".github/workflows/pipeline.yml").read_text())
    assert "schedule" in workflow[True]  # YAML reads the key `on` as True
    assert str(sqlite_project) not in (src / "manifest.json").read_text()


def test_the_exported_pipeline_reproduces_the_notebook_and_reuses_its_cache(
    sqlite_project: Path,
) -> None:
    result = export_notebook(_write(sqlite_project, "breast_cancer", BREAST_CANCER), verify=False)
    expected_auc = _notebook_value(BREAST_CANCER, "auc")

    first = _run_package(result)
    assert "model breast_cancer version 1" in first.stdout
    parent, children = _latest_pipeline_run()
    assert parent["status"] == "FINISHED" and parent["name"] == "breast_cancer run"
    assert parent["tags.pipeline.version"] == "1.0.0"
    assert parent["metrics.auc"] == expected_auc
    assert children == {"load": "false", "features": "false", "train": "false", "evaluate": "false"}
    assert wb.models.versions("breast_cancer")["version"].tolist() == [1]
    datasets = wb.get_run(parent["run_id"]).datasets
    assert [(d.name, d.role, d.n_rows) for d in datasets] == [("df", "train", 569)]

    _run_package(result)
    parent, children = _latest_pipeline_run()
    assert set(children.values()) == {"true"}
    assert parent["metrics.auc"] == expected_auc

    _run_package(result, "--param", "C=0.05")
    parent, children = _latest_pipeline_run()
    assert children == {"load": "true", "features": "true", "train": "false", "evaluate": "false"}
    assert parent["params.C"] == "0.05" and parent["metrics.auc"] != expected_auc
    assert wb.models.versions("breast_cancer")["version"].tolist() == [1, 2]


def test_a_lightgbm_notebook_exports_and_runs_with_its_model_registered(
    sqlite_project: Path,
) -> None:
    result = export_notebook(_write(sqlite_project, "lgbm", LIGHTGBM), verify=False)
    assert result.steps == ("load", "features", "train", "evaluate")
    manifest = json.loads((result.path / "src/lgbm/manifest.json").read_text())
    assert {p["name"] for p in manifest["parameters"]} == {"SEED", "N_ESTIMATORS"}
    assert any(d.startswith("lightgbm>=") for d in manifest["dependencies"])

    _run_package(result)
    parent, children = _latest_pipeline_run()
    assert parent["metrics.accuracy"] == _notebook_value(LIGHTGBM, "accuracy")
    assert set(children.values()) == {"false"} and len(children) == 4
    versions = wb.models.versions("lgbm")
    assert versions["flavor"].tolist() == ["lightgbm.sklearn"]


def test_cli_export_refuses_a_star_import_naming_cell_and_line(sqlite_project: Path) -> None:
    app = typer.Typer()
    app.callback()(lambda: None)
    app.command("export")(export_command)
    cells = [nbf.new_code_cell("x = 1"), nbf.new_code_cell("import math\nfrom os.path import *")]
    path = _write(sqlite_project, "star", cells)
    outcome = CliRunner().invoke(app, ["export", str(path)])
    assert outcome.exit_code == 2
    assert "cell 2, line 2" in outcome.output and "from os.path import *" in outcome.output
    assert not (sqlite_project / "pipelines").exists()

    good = _write(sqlite_project, "good", LIGHTGBM)
    outcome = CliRunner().invoke(app, ["export", str(good), "--name", "churn", "--no-verify"])
    assert outcome.exit_code == 0, outcome.output
    assert "Exported churn 1.0.0" in outcome.output
    assert (sqlite_project / "pipelines" / "churn" / "src" / "churn" / "manifest.json").is_file()


def test_a_step_setting_a_variable_for_shared_code_imports_shared_by_package_name() -> None:
    plan = analyze_notebook(
        nbf.new_notebook(
            cells=[
                nbf.new_code_cell("import numpy as np"),
                nbf.new_code_cell(
                    "class Tree:\n    def predict(self, X):\n"
                    "        return np.zeros(len(X)) + len(y)"
                ),
                nbf.new_code_cell("x = np.ones((4, 2))\ny = np.random.RandomState(0).rand(4)"),
                nbf.new_code_cell("model = Tree()\ny_pred = model.predict(x)"),
            ]
        )
    )
    step = plan.steps[-1]
    module = render_step(step, "demo", step.name, {})
    imports = "from demo import shared as _shared\nfrom demo.shared import Tree"
    assert f'."""\n\n\n{imports}\n\n\ndef ' in module
    assert "from .." not in module
    shared = render_shared(plan)
    assert "y = None  # set by each step that uses Tree\n" in shared
    assert shared.index("y = None") < shared.index("class Tree")
