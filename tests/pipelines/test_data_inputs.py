"""Data files a notebook reads by a relative path are declared inputs of its pipeline:
fingerprinted in the manifest, found beside the notebook from any working directory,
recorded on the run and replaceable with ``--input NAME=PATH``."""

from __future__ import annotations

import hashlib
import json
import os
import re
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


def _run(result: ExportResult, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(result.path / "src")}
    command = [sys.executable, "-m", result.package, "run", "--quiet", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_data_files_are_declared_inputs_found_from_any_working_directory(
    sqlite_project: Path,
) -> None:
    result = _export(sqlite_project)
    src = result.path / "src" / result.package
    manifest = json.loads((src / "manifest.json").read_text())
    notebooks = sqlite_project / "notebooks"
    assert [
        (e["name"], e["path"], e["step"], e["cell"], e["line"]) for e in manifest["inputs"]
    ] == [
        ("train", "data/train.csv", "load", 1, 1),
        ("test", "test.csv", "load", 1, 2),
    ]
    sha = hashlib.sha256((notebooks / "data" / "train.csv").read_bytes()).hexdigest()
    assert manifest["inputs"][0]["sha256"] == sha
    load = (src / "steps" / "load.py").read_text()
    assert 'pd.read_csv(input_path("train"), index_col="Id")' in load
    readme = (result.path / "README.md").read_text()
    assert "## Data inputs" in readme and "| `train` | `data/train.csv` | `load` |" in readme

    elsewhere = sqlite_project / "elsewhere"
    elsewhere.mkdir()
    first = _run(result, elsewhere)
    assert first.returncode == 0, first.stdout + first.stderr
    run_id = re.search(r"run (\w+):", first.stdout).group(1)  # type: ignore[union-attr]
    tags = wb.get_run(run_id).tags
    assert tags["input.train.sha256"] == sha
    assert tags["input.train.path"] == str((notebooks / "data" / "train.csv").resolve())

    again = _run(result, elsewhere)
    counts = re.search(r"(\d+) steps, (\d+) from the cache", again.stdout)
    assert counts is not None and counts.group(1) == counts.group(2)  # same files: all cached
    newer = elsewhere / "new_train.csv"
    _frame(80, -3.0, 5).to_csv(newer, index=False)  # another slope: the metric must change
    swapped = _run(result, elsewhere, "--input", "train=new_train.csv")
    assert swapped.returncode == 0, swapped.stdout + swapped.stderr
    mae = [float(re.search(r"mae = (\S+)", out).group(1)) for out in (first.stdout, swapped.stdout)]  # type: ignore[union-attr]
    assert mae[1] > 10 * mae[0]
    assert ", 0 from the cache" in swapped.stdout  # the load step read the new file
    run_id = re.search(r"run (\w+):", swapped.stdout).group(1)  # type: ignore[union-attr]
    assert wb.get_run(run_id).tags["input.train.path"] == str(newer.resolve())


def test_a_bad_input_is_one_clear_error(sqlite_project: Path) -> None:
    result = _export(sqlite_project)
    unknown = _run(result, sqlite_project, "--input", "trian=x.csv")
    assert unknown.returncode == 2
    assert "no data input named trian; the inputs are: test, train" in unknown.stderr
    missing = _run(result, sqlite_project, "--input", "train=nowhere.csv")
    assert missing.returncode == 2
    assert "data input 'train'" in missing.stderr and "--input train=PATH" in missing.stderr
    (sqlite_project / "notebooks" / "test.csv").unlink()
    gone = _run(result, sqlite_project)
    assert gone.returncode == 2 and "data input 'test' (test.csv in the notebook)" in gone.stderr


@pytest.mark.parametrize(
    ("code", "declared"),
    [
        ("import numpy as np\nX = np.load('x.npy')\ny = X.sum()", ["x"]),
        ("import pandas as pd\ndf = pd.read_csv('https://example.org/a.csv')", []),
        ("import json\nwith open('c.json') as f:\n    c = json.load(f)", []),
    ],
)
def test_which_reads_become_inputs(sqlite_project: Path, code: str, declared: list[str]) -> None:
    path = sqlite_project / "nb.ipynb"
    nbformat.write(nbf.new_notebook(cells=[nbf.new_code_cell(code)]), path)
    result = export_notebook(path, verify=False)
    manifest = json.loads((result.path / "src" / result.package / "manifest.json").read_text())
    assert [entry["name"] for entry in manifest["inputs"]] == declared
