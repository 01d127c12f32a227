"""A step's cache key covers the shared constants the shared functions it calls read: a
changed constant in the notebook makes those steps run again after a re-export."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import nbformat.v4 as nbf
import pandas as pd

import workbench as wb
from workbench.pipelines.analysis import analyze_notebook
from workbench.pipelines.export import ExportResult, export_notebook


def _write(folder: Path, factor: str) -> Path:
    cells = [
        nbf.new_code_cell("import numpy as np"),
        nbf.new_code_cell(f"BASE = np.sqrt({factor})\nFACTOR = BASE * 2"),
        nbf.new_code_cell("def scale(values):\n    return values * FACTOR"),
        nbf.new_code_cell("values = np.arange(5.0)"),
        nbf.new_code_cell("scaled_mae = float(scale(values).sum())"),
    ]
    path = folder / "scaling.ipynb"
    nbformat.write(nbf.new_notebook(cells=cells), path)
    return path


def _run(result: ExportResult) -> None:
    env = {**os.environ, "PYTHONPATH": str(result.path / "src")}
    command = [sys.executable, "-m", result.package, "run", "--quiet"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def _latest() -> tuple[pd.Series, dict[str, str]]:
    """The newest pipeline run and its children's ``cache_hit`` tags by step."""
    frame = wb.runs()
    parent = frame[frame["tags.workbench.kind"] == "pipeline"].sort_values("start_time").iloc[-1]
    children = frame[frame["parent_id"] == parent["run_id"]]
    return parent, dict(zip(children["name"], children["tags.cache_hit"], strict=True))


def test_a_changed_shared_constant_reruns_the_steps_calling_the_function_reading_it(
    sqlite_project: Path,
) -> None:
    notebook = _write(sqlite_project, "4.0")
    calling = [s for s in analyze_notebook(notebook).steps if "scale(" in s.source]
    assert calling and all("FACTOR" not in s.source for s in calling)
    first = export_notebook(notebook, verify=False)
    _run(first)
    _run(first)
    parent, hits = _latest()
    assert set(hits.values()) == {"true"}
    assert parent["metrics.scaled_mae"] == 40.0

    second = export_notebook(_write(sqlite_project, "9.0"), verify=False)
    assert second.version == "1.0.1"
    _run(second)
    parent, hits = _latest()
    assert {hits[s.name] for s in calling} == {"false"}
    assert parent["metrics.scaled_mae"] == 60.0
