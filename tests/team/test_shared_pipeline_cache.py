"""Two machines, one pipeline: A exports a notebook and runs the package; B, with its own
home and an empty local cache but the same PostgreSQL and bucket, runs the same package and
takes every step from the cache A published."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import nbformat.v4 as nbf
import pytest

import workbench as wb
from workbench.pipelines.export import ExportResult, export_notebook
from workbench.store.artifacts import blob_store

CELLS = [
    "## Load",
    "from sklearn.datasets import load_breast_cancer\n"
    "X, y = load_breast_cancer(return_X_y=True, as_frame=True)",
    "## Train",
    "from sklearn.linear_model import LogisticRegression\n"
    "model = LogisticRegression(max_iter=5000).fit(X, y)",
    "## Evaluate",
    "accuracy = float(model.score(X, y))",
]


def _export(home: Path) -> ExportResult:
    folder = home / "notebooks"
    folder.mkdir(parents=True)
    cells = [
        nbf.new_markdown_cell(text) if text.startswith("## ") else nbf.new_code_cell(text)
        for text in CELLS
    ]
    nbformat.write(nbf.new_notebook(cells=cells), folder / "cancer.ipynb")
    return export_notebook(folder / "cancer.ipynb", verify=False)


def _run_on(home: Path, package: ExportResult, env: dict[str, str]) -> dict:
    home.mkdir(parents=True, exist_ok=True)
    report = home / "report.json"
    command = [sys.executable, "-m", package.package, "run", "--quiet"]
    done = subprocess.run(
        [*command, "--report-json", str(report)],
        cwd=home,
        env={**env, "WORKBENCH_HOME": str(home), "PYTHONPATH": str(package.path / "src")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return json.loads(report.read_text())


def _cache_hits(run_id: str) -> dict[str, str]:
    frame = wb.runs(experiment=None)
    children = frame[frame["parent_id"] == run_id]
    return dict(zip(children["name"], children["tags.cache_hit"], strict=True))


@pytest.mark.slow
@pytest.mark.postgres
def test_a_pipeline_run_on_one_machine_is_a_cache_hit_on_another(
    pg_url: str, s3_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home_a, home_b = tmp_path / "machine-a", tmp_path / "machine-b"
    monkeypatch.setenv("WORKBENCH_DB_URL", pg_url)
    monkeypatch.setenv("WORKBENCH_HOME", str(home_a))
    package = _export(home_a)
    env = {**os.environ, **s3_env, "WORKBENCH_DB_URL": pg_url}

    on_a = _run_on(home_a, package, env)
    on_b = _run_on(home_b, package, env)

    steps = list(package.steps)
    assert len(steps) == 3
    assert _cache_hits(on_a["run_id"]) == {step: "false" for step in steps}
    assert _cache_hits(on_b["run_id"]) == {step: "true" for step in steps}
    assert on_b["metrics"] == on_a["metrics"]
    assert 0.9 < on_a["metrics"]["accuracy"] <= 1.0
    # B's entries are in its own home, fetched from the bucket, file for file like A's.
    for step_a, step_b in zip(on_a["steps"], on_b["steps"], strict=True):
        folder_a, folder_b = Path(step_a["directory"]), Path(step_b["directory"])
        assert folder_b.is_relative_to(home_b)
        files_a = sorted(p.relative_to(folder_a) for p in folder_a.rglob("*") if p.is_file())
        files_b = sorted(p.relative_to(folder_b) for p in folder_b.rglob("*") if p.is_file())
        assert files_b == files_a
        assert step_b["outputs"] == step_a["outputs"]
    # The cache's blobs are kept by gc: the indexes name them.
    store = blob_store(home_b)
    assert store.indexed_blobs()
    assert store.indexed_blobs() <= set(store.all_blobs())
