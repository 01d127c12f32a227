"""A real JupyterLab (the installed extension and server extension) serving a small project:
a breast-cancer notebook that exports and records a run, and one the exporter refuses.

One server for the whole folder (it takes seconds to start); tests that change the project
use their own notebook names.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import nbformat.v4 as nbf
import pytest
from browsertools import stop as stop_process
from labhelpers import Lab, require_installed_extension, start_lab

BREAST_CANCER = [
    nbf.new_markdown_cell("# Breast cancer: logistic regression"),
    nbf.new_code_cell(
        "from sklearn.datasets import load_breast_cancer\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.metrics import roc_auc_score\n"
        "from sklearn.model_selection import train_test_split"
    ),
    nbf.new_code_cell(
        "X, y = load_breast_cancer(return_X_y=True, as_frame=True)\n"
        "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)"
    ),
    nbf.new_code_cell("model = LogisticRegression(max_iter=3000).fit(X_train, y_train)"),
    nbf.new_code_cell("roc_auc = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])"),
    nbf.new_code_cell(
        "import workbench as wb\n"
        "wb.set_experiment('lab')\n"
        "with wb.start_run(name='from-lab') as run:\n"
        "    run.log_metric('roc_auc', roc_auc)"
    ),
]
STAR_IMPORT = [nbf.new_code_cell("x = 1"), nbf.new_code_cell("import math\nfrom os.path import *")]


def write_notebook(folder: Path, name: str, cells: list[Any]) -> Path:
    path = folder / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nbf.new_notebook(cells=cells, metadata={"kernelspec": kernel}), path)
    return path


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    require_installed_extension()
    root = tmp_path_factory.mktemp("lab") / "project"
    (root / ".workbench").mkdir(parents=True)  # the project the server and kernels share
    for name in ("api", "browser"):
        write_notebook(root / "notebooks", name, BREAST_CANCER)
    write_notebook(root / "notebooks", "star", STAR_IMPORT)
    lab = start_lab(root, tmp_path_factory.mktemp("jupyter"))
    try:
        yield lab
    finally:
        stop_process(lab.proc)
