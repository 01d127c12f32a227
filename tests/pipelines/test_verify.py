"""The reproduction proof: golden values recorded by executing the notebook, the exported
pipeline compared with them, unseeded randomness reported with the line to fix."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import nbformat.v4 as nbf
import pytest
import typer
from projects import isolated_project
from test_generate import BREAST_CANCER, _notebook_value
from typer.testing import CliRunner

from workbench.cli.export import export_command
from workbench.pipelines.export import ExportResult, export_notebook
from workbench.pipelines.verify._execute import writes_files
from workbench.pipelines.verify._randomness import unseeded_calls

UNSEEDED = [
    nbf.new_code_cell(
        "from sklearn.datasets import load_breast_cancer\n"
        "from sklearn.ensemble import RandomForestClassifier\n"
        "from sklearn.metrics import accuracy_score\n"
        "from sklearn.model_selection import train_test_split"
    ),
    nbf.new_code_cell("X, y = load_breast_cancer(return_X_y=True, as_frame=True)"),
    nbf.new_code_cell(
        "# a split that changes every run\n"
        "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25)"
    ),
    nbf.new_code_cell(
        "forest = RandomForestClassifier(n_estimators=10)\nforest.fit(X_train, y_train)"
    ),
    nbf.new_code_cell("accuracy = accuracy_score(y_test, forest.predict(X_test))"),
]


def _write(folder: Path, name: str, cells: list[Any]) -> Path:
    path = folder / f"{name}.ipynb"
    nbformat.write(nbf.new_notebook(cells=cells), path)
    return path


def _manifest(result: ExportResult) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (result.path / "src" / result.package / "manifest.json").read_text()
    )
    return data


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.callback()(lambda: None)
    app.command("export")(export_command)
    return app


@pytest.fixture(scope="module")
def verified(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExportResult]:
    """The breast-cancer notebook exported with verification, in a project of its own."""
    home = tmp_path_factory.mktemp("verified")
    with isolated_project(home):
        yield export_notebook(_write(home, "breast_cancer", BREAST_CANCER), verify=True)


def test_export_with_verify_records_golden_values_and_reproduces_the_notebook(
    verified: ExportResult,
) -> None:
    assert verified.verdict == "reproduced"
    assert verified.version == "1.0.0" and verified.changed
    verification = verified.verification
    assert verification is not None and verification.golden_recorded
    assert verification.randomness_checked and verification.warnings == ()
    assert verification.verdict.compared == 7 and verification.verdict.skipped == ()

    manifest = _manifest(verified)
    golden = manifest["golden"]
    assert manifest["fingerprint"] == verified.fingerprint and manifest["version"] == "1.0.0"
    steps = golden["steps"]
    assert {step: sorted(outputs) for step, outputs in steps.items()} == {
        "load": ["df"],
        "features": ["X_test_s", "X_train_s", "y_test", "y_train"],
        "train": ["model"],
        "evaluate": ["auc"],
    }
    assert steps["load"]["df"]["kind"] == "frame" and steps["load"]["df"]["shape"] == [569, 31]
    assert steps["features"]["X_train_s"]["kind"] == "array"
    model = steps["train"]["model"]
    assert model["kind"] == "model" and model["method"] == "predict_proba"
    assert model["sample"] == {
        "step": "train",
        "input": "X_test_s",
        "from": "features",
        "rows": 50,
    }
    assert len(model["predictions"]) == 50
    expected_auc = _notebook_value(BREAST_CANCER, "auc")
    assert steps["evaluate"]["auc"] == {
        "kind": "float",
        "fingerprint": steps["evaluate"]["auc"]["fingerprint"],
        "value": expected_auc,
    }
    assert golden["metrics"] == {"auc": expected_auc}
    assert not any(e.get("nondeterministic") for s in steps.values() for e in s.values())
    kept = json.loads((verified.path / ".versions" / "1.0.0.json").read_text())
    assert kept["golden"] == golden


def test_exporting_again_without_verify_keeps_the_golden_values(verified: ExportResult) -> None:
    golden = _manifest(verified)["golden"]
    again = export_notebook(verified.path.parent.parent / "breast_cancer.ipynb", verify=False)
    assert (again.changed, again.version, again.verdict) == (False, "1.0.0", "not verified")
    assert _manifest(verified)["golden"] == golden


def test_the_package_test_passes_against_the_golden_values(
    verified: ExportResult, tmp_path: Path
) -> None:
    env = {**os.environ, "PYTHONPATH": str(verified.path / "src")}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
    done = subprocess.run(
        command, cwd=verified.path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def _tamper(path: Path, before: str, added: str) -> None:
    """Insert the line ``added`` before the line starting (after indent) with ``before``."""
    lines = path.read_text().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.strip().startswith(before))
    lines.insert(index, f"    {added}\n")
    path.write_text("".join(lines))


def test_a_changed_pipeline_diverges_at_the_changed_step_and_float_noise_is_tolerated(
    verified: ExportResult, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(verified.path, copy / verified.name)
    steps = copy / verified.name / "src" / verified.package / "steps"
    notebook = verified.path.parent.parent / "breast_cancer.ipynb"

    _tamper(steps / "evaluate.py", "return", "auc = auc + 1e-12")
    # The notebook is unchanged: same version, and the golden values recorded are reused.
    result = export_notebook(notebook, out=copy, verify=True)
    assert (result.changed, result.version, result.verdict) == (False, "1.0.0", "within tolerance")
    assert result.verification is not None and not result.verification.golden_recorded
    [difference] = result.verification.verdict.differences
    assert (difference.step, difference.variable, difference.within_tolerance) == (
        "evaluate",
        "auc",
        True,
    )

    _tamper(steps / "features.py", "scaler =", "X_test, y_test = X_test.iloc[1:], y_test.iloc[1:]")
    outcome = CliRunner().invoke(_cli(), ["export", str(notebook), "--out", str(copy), "--verify"])
    assert outcome.exit_code == 1, outcome.output
    assert (
        "Verdict: diverged at step features (variable X_test_s: shape (170, 30) vs (171, 30) "
        "in the notebook)"
    ) in outcome.output
    assert "features.y_test differs: shape (170,) vs (171,) in the notebook" in outcome.output
    assert "evaluate.auc differs" in outcome.output


def test_unseeded_randomness_is_reported_with_the_line_to_fix(sqlite_project: Path) -> None:
    result = export_notebook(_write(sqlite_project, "unseeded", UNSEEDED), verify=True)
    assert result.verdict == (
        "unseeded randomness at cell 3, line 2: `train_test_split(X, y, test_size=0.25)` "
        "has no random_state"
    )
    assert result.verification is not None and result.verification.verdict.ok
    features = next(w for w in result.warnings if w.startswith("step 'features'"))
    assert "`X_train`" in features and "differ between two runs of the notebook" in features
    assert "cell 3, line 2: `train_test_split(X, y, test_size=0.25)` has no random_state" in (
        features
    )
    train = next(w for w in result.warnings if w.startswith("step 'train'"))
    assert "cell 4, line 1: `RandomForestClassifier(n_estimators=10)`" in train
    assert any(w.startswith("step 'evaluate': `accuracy`") for w in result.warnings)
    steps = _manifest(result)["golden"]["steps"]
    assert steps["features"]["X_train"]["nondeterministic"] is True
    assert steps["evaluate"]["accuracy"]["nondeterministic"] is True
    assert "nondeterministic" not in steps["load"]["X"]
    assert result.verification is not None
    assert "evaluate.accuracy" in result.verification.verdict.skipped


def test_unseeded_calls_are_found_by_name_and_seeded_ones_are_left_alone() -> None:
    notebook = nbf.new_notebook(
        cells=[
            nbf.new_code_cell(
                "import numpy as np\n"
                "a = train_test_split(X, random_state=0)\n"
                "b = KFold(5, shuffle=True)\n"
                "c = KFold(5)\n"
                "rng = np.random.default_rng()\n"
                "d = df.sample(frac=0.5)\n"
                "e = np.random.rand(3)\n"
                "f = np.random.default_rng(1).normal()"
            )
        ]
    )
    found = [(call.line, call.call) for call in unseeded_calls(notebook, [0])]
    assert found == [
        (3, "KFold(5, shuffle=True)"),
        (5, "np.random.default_rng()"),
        (6, "df.sample(frac=0.5)"),
        (7, "np.random.rand(3)"),
    ]
    seeded = nbf.new_notebook(cells=[nbf.new_code_cell("np.random.seed(0)\ne = np.random.rand(3)")])
    assert unseeded_calls(seeded, [0]) == []


def test_a_notebook_that_fails_to_run_is_not_verified(sqlite_project: Path) -> None:
    cells = [nbf.new_code_cell("values = [1, 2]"), nbf.new_code_cell("total = values[5]")]
    result = export_notebook(
        _write(sqlite_project, "broken", cells), verify=True, check_randomness=False
    )
    assert result.verdict == "not verified"
    assert any("the notebook failed in cell 2: IndexError" in w for w in result.warnings)
    assert _manifest(result)["golden"] == {}


def test_notebooks_that_write_files_are_not_executed_twice_at_once() -> None:
    def writes(code: str) -> bool:
        return writes_files(nbf.new_notebook(cells=[nbf.new_code_cell(code)]))

    for code in ("df.to_csv('out.csv')", "joblib.dump(model, 'm.joblib')", "open('f', 'w')"):
        assert writes(code), code
    for code in ("a = df.to_numpy()", "t = pd.to_datetime(s)", "text = open('f').read()"):
        assert not writes(code), code


def test_a_helper_defined_below_its_first_use_is_defined_first_for_the_golden_run(
    sqlite_project: Path,
) -> None:
    cells = [
        nbf.new_code_cell("values = [1.0, 2.0, 4.0]"),
        nbf.new_code_cell("doubled = double(values)\nmean_score = sum(doubled) / len(doubled)"),
        nbf.new_code_cell("def double(xs):\n    return [2 * x for x in xs]"),
    ]
    result = export_notebook(
        _write(sqlite_project, "out_of_order", cells), verify=True, check_randomness=False
    )
    assert result.verdict == "reproduced", result.warnings
    golden = _manifest(result)["golden"]
    assert golden["metrics"] == {"mean_score": 14 / 3}


@pytest.mark.slow
def test_a_long_cell_is_not_cut_short_unless_a_timeout_is_asked_for(tmp_path: Path) -> None:
    """Like ``jupyter nbconvert --execute``, a verification lets a cell take as long as it
    takes; ``timeout=`` (seconds per cell) is the user's choice and names the cell."""
    cells = [nbf.new_code_cell("import time"), nbf.new_code_cell("time.sleep(2)\ntotal = 1 + 1")]
    for folder in ("patient", "hurried"):
        (tmp_path / folder).mkdir()
    with isolated_project(tmp_path / "patient"):
        notebook = _write(tmp_path / "patient", "slow_cell", cells)
        patient = export_notebook(notebook, verify=True, check_randomness=False)
    assert patient.verification is not None
    assert patient.verification.verdict.status == "reproduced", patient.verdict
    with isolated_project(tmp_path / "hurried"):
        notebook = _write(tmp_path / "hurried", "slow_cell", cells)
        hurried = export_notebook(notebook, verify=True, check_randomness=False, timeout=1)
    assert hurried.verification is not None
    assert hurried.verification.verdict.status == "not verified"
    assert "cell 2 of the notebook ran longer than 1 s" in "\n".join(hurried.warnings)


@pytest.mark.slow
@pytest.mark.parametrize("user_set", [None, "ACTIVE"])
def test_kernels_sharing_the_cores_let_openmp_threads_sleep(
    user_set: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The randomness check runs two kernels at once: their OpenMP threads wait passively
    (spinning, they took the cores from each other: a 17 s LightGBM loop took 197 s), unless
    the user chose a wait policy."""
    from nbclient import NotebookClient

    from workbench.pipelines.verify._execute import SHARED_CORES_ENV, kernel_manager_class

    if user_set is None:
        monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    else:
        monkeypatch.setenv("OMP_WAIT_POLICY", user_set)
    notebook = nbf.new_notebook(
        cells=[nbf.new_code_cell("import os\nprint(os.environ.get('OMP_WAIT_POLICY'))")]
    )
    NotebookClient(
        notebook, timeout=120, kernel_manager_class=kernel_manager_class(SHARED_CORES_ENV)
    ).execute()
    assert notebook.cells[0].outputs[0]["text"].strip() == (user_set or "PASSIVE")
