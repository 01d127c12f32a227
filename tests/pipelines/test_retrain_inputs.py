"""``workbench retrain NAME --data INPUT=PATH`` retrains a pipeline whose notebook reads data
files on new files for those inputs: the run trains on (and records) the new file, the drift
check compares it with the notebook's file, and an unknown input is a clear error."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import nbformat.v4 as nbf
import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.pipelines.export import ExportResult, export_notebook
from workbench.pipelines.retrain import retrain_package

CELLS = [
    nbf.new_code_cell(
        "import pandas as pd\n"
        "from sklearn.linear_model import LinearRegression\n"
        "from sklearn.metrics import mean_absolute_error"
    ),
    nbf.new_code_cell(
        "train = pd.read_csv('data/train.csv', index_col='Id')\ntest = pd.read_csv(\"test.csv\")"
    ),
    nbf.new_code_cell(
        "model = LinearRegression().fit(train[['x']], train['y'])\n"
        "mae = mean_absolute_error(test['y'], model.predict(test[['x']]))"
    ),
]


def _frame(rows: int, slope: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 10, rows)
    return pd.DataFrame({"Id": range(rows), "x": x, "y": slope * x + rng.normal(0, 1, rows)})


def _export(project: Path) -> ExportResult:
    folder = project / "notebooks"
    (folder / "data").mkdir(parents=True)
    _frame(80, 2.0, 0).to_csv(folder / "data" / "train.csv", index=False)
    _frame(40, 2.0, 1).to_csv(folder / "test.csv", index=False)
    nbformat.write(nbf.new_notebook(cells=CELLS), folder / "regression.ipynb")
    return export_notebook(folder / "regression.ipynb", verify=False)


def _workbench(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WORKBENCH_HOME": str(project)}
    command = [sys.executable, "-m", "workbench", *args]
    return subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, timeout=300
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_retrain_on_a_new_input_file_trains_on_it_and_checks_its_drift(
    sqlite_project: Path,
) -> None:
    result = _export(sqlite_project)
    name = result.path.name
    newer = sqlite_project / "new_train.csv"
    _frame(80, -3.0, 5).to_csv(newer, index=False)  # another slope: y drifts, the model changes

    retrained = _workbench(
        sqlite_project, "retrain", name, "--data", "train=new_train.csv", "--json"
    )
    assert retrained.returncode == 0, retrained.stderr
    decision = json.loads(retrained.stdout)
    assert (decision["decision"], decision["model_version"]) == ("promoted", 1)
    assert decision["drift"]["drifted_columns"] == ["y"]  # new train.csv against the old one

    parent = wb.get_run(decision["run_id"])
    assert parent.tags["input.train.sha256"] == _sha256(newer)
    runs = wb.runs()
    child = runs[runs["parent_id"] == decision["run_id"]]
    assert len(child) == 1
    trained = wb.get_run(str(child["run_id"].iloc[0]))
    assert trained.tags["input.train.sha256"] == _sha256(newer)
    assert trained.tags["input.train.path"] == str(newer.resolve())
    original = sqlite_project / "notebooks" / "test.csv"
    assert trained.tags["input.test.sha256"] == _sha256(original)  # the other input: as before
    assert decision["metrics"]["mae"] > 5  # a slope -3 fit, tested on slope 2 data (mae ~1)

    # the Python API takes the same inputs, and the same files give the same model
    again = wb.retrain(name, {"train": newer}, show_progress=False)
    assert (again.decision, again.model_version) == ("unchanged", 1)
    assert again.drift is not None and again.drift.drifted_columns == ("y",)


def test_an_unknown_input_or_a_mix_with_a_plain_file_exits_2(sqlite_project: Path) -> None:
    result = _export(sqlite_project)
    name = result.path.name
    newer = sqlite_project / "new.csv"
    _frame(80, 2.0, 7).to_csv(newer, index=False)

    unknown = _workbench(sqlite_project, "retrain", name, "--data", "trian=new.csv")
    assert unknown.returncode == 2
    assert "no data input named trian" in unknown.stderr
    assert "test, train" in unknown.stderr

    missing = _workbench(sqlite_project, "retrain", name, "--data", "train=absent.csv")
    assert missing.returncode == 2 and "absent.csv: no such file" in missing.stderr

    mixed = _workbench(
        sqlite_project, "retrain", name, "--data", "new.csv", "--data", "train=new.csv"
    )
    assert mixed.returncode == 2 and "one FILE or INPUT=PATH pairs" in mixed.stderr

    with pytest.raises(ValueError, match="no data input named trian"):
        retrain_package(name, {"trian": newer}, quiet=True)
