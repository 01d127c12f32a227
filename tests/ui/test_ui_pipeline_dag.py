"""The pipelines pages: the list's version, export date and reproduction verdict, newest
first; a pipeline's steps drawn as a DAG (a box per step with its data files, parameters,
inputs and outputs, an arrow per dependency) coloured by the latest run's results."""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from uihelpers import Page, served_ui, write_notebook

import workbench as wb
from workbench.pipelines.catalog import read_manifest
from workbench.ui._dag import pipeline_dag, step_edges, step_layers
from workbench.ui.pages.pipelines import PipelineDetail, PipelinesView

FIT = [
    "import pandas as pd",
    "ALPHA = 0.5",
    "## Load",
    "frame = pd.read_csv('train.csv')",
    "## Features",
    "X = frame[['x']] * ALPHA\ny = frame['y']",
    "## Stats",
    "mean_y = float(y.mean())",
    "## Train",
    "coef = float((X['x'] * y).sum() / (X['x'] ** 2).sum())",
    "## Evaluate",
    "score = coef * mean_y",
]
SINES = ["import math", "N = 40", "## Evaluate", "score = sum(math.sin(i) for i in range(N)) / N"]
ISO_LOCAL = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")


def _run(package_dir: Path, package: str, overrides: dict[str, Any] | None = None) -> None:
    sys.path.insert(0, str(package_dir / "src"))
    try:
        for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[name]
        importlib.import_module(f"{package}.pipeline").run(overrides, show_progress=False)
    finally:
        sys.path.remove(str(package_dir / "src"))


@pytest.fixture
def two_pipelines(sqlite_project: Path) -> Path:
    """``fit`` (5 steps reading train.csv, run twice: the second time with another ALPHA, so
    load and stats come from the cache) exported an hour ago, and ``sines`` exported and
    verified now."""
    frame = pd.DataFrame({"x": np.arange(30.0), "y": np.arange(30.0) * 2})
    frame.to_csv(sqlite_project / "train.csv", index=False)
    write_notebook(sqlite_project / "fit.ipynb", FIT)
    fit = wb.export_notebook(sqlite_project / "fit.ipynb", verify=False)
    _run(fit.path, fit.package)
    _run(fit.path, fit.package, {"ALPHA": 1.0})
    hour_ago = datetime.now().timestamp() - 3600
    record = fit.path / ".versions" / f"{fit.version}.json"
    os.utime(record, (hour_ago, hour_ago))
    write_notebook(sqlite_project / "sines.ipynb", SINES)
    sines = wb.export_notebook(sqlite_project / "sines.ipynb")
    assert sines.verdict == "reproduced"
    return sqlite_project


def test_edges_follow_the_values_steps_read_and_columns_their_depth(two_pipelines: Path) -> None:
    steps = read_manifest("fit")["steps"]
    edges = {(a, b): values for a, b, values in step_edges(steps)}
    assert edges == {
        ("load", "features"): ("frame",),
        ("features", "stats"): ("y",),
        ("features", "train"): ("X", "y"),
        ("stats", "evaluate"): ("mean_y",),
        ("train", "evaluate"): ("coef",),
    }
    layers = step_layers(steps)
    assert layers == {"load": 0, "features": 1, "stats": 2, "train": 2, "evaluate": 3}


def test_each_step_is_coloured_by_its_outcome_and_unknown_ones_are_not_run() -> None:
    steps = [
        {"name": "load", "inputs": [], "outputs": ["a"], "data": ["train"]},
        {"name": "fit", "inputs": ["a"], "outputs": ["m"], "parameters": ["LR"]},
        {"name": "score", "inputs": ["m"], "outputs": ["s"]},
    ]
    svg = pipeline_dag(
        steps, {"load": ("cache hit", "0.01 s"), "fit": ("failed", "2.5 s")}, {"train": "t.csv"}
    )
    outcomes = re.findall(r'class="wb-dag-node" data-step="(\w+)" data-outcome="([^"]+)"', svg)
    assert outcomes == [("load", "cache hit"), ("fit", "failed"), ("score", "not run")]
    assert "cache hit · 0.01 s" in svg and "failed · 2.5 s" in svg
    assert "data: t.csv" in svg and "params: LR" in svg and "out: m" in svg
    assert svg.count('class="wb-dag-edge"') == 2
    assert 'stroke-dasharray="4 3"' in svg.split('data-step="score"')[1]  # not run: dashed


def test_detail_draws_the_latest_run_and_the_list_sorts_newest_first(two_pipelines: Path) -> None:
    detail = PipelineDetail(name="fit")
    (dag,) = [o for o in detail._body.objects if "wb-pipeline-dag" in o.css_classes]
    outcomes = dict(re.findall(r'data-step="(\w+)" data-outcome="([^"]+)"', dag.object))
    assert outcomes == {"load": "cache hit", "features": "ran", "stats": "cache hit",
                        "train": "ran", "evaluate": "ran"}  # fmt: skip
    assert "data: train.csv" in dag.object and "params: ALPHA" in dag.object

    table = PipelinesView()._table.value
    assert list(table["version"]) == ["1.0.0", "1.0.0"]
    assert ['name=sines"' in n for n in table["name"]] == [True, False]  # newest first
    assert all(ISO_LOCAL.match(d) for d in table["exported"])
    assert table["exported"][0] > table["exported"][1]
    assert ">reproduced<" in table["verdict"][0] and ">not verified<" in table["verdict"][1]


def test_a_failed_run_marks_its_step_failed_and_the_rest_not_run(two_pipelines: Path) -> None:
    from workbench.pipelines.catalog import pipelines_folder

    (two_pipelines / "bad.csv").write_text("a,b\n1,2\n")  # no column x: features fails
    package = pipelines_folder() / "fit"
    sys.path.insert(0, str(package / "src"))
    try:
        with pytest.raises(RuntimeError, match=r"step 'features' failed"):
            importlib.import_module("fit.pipeline").run(
                inputs={"train": str(two_pipelines / "bad.csv")}, show_progress=False
            )
    finally:
        sys.path.remove(str(package / "src"))
    (dag,) = [
        o for o in PipelineDetail(name="fit")._body.objects if "wb-pipeline-dag" in o.css_classes
    ]
    outcomes = dict(re.findall(r'data-step="(\w+)" data-outcome="([^"]+)"', dag.object))
    assert outcomes == {"load": "ran", "features": "failed", "stats": "not run",
                        "train": "not run", "evaluate": "not run"}  # fmt: skip
    assert re.search(r">failed · [\d.]+ (s|ms)<", dag.object)  # its time until it failed


@pytest.fixture
def served(two_pipelines: Path) -> Iterator[str]:
    with served_ui(two_pipelines) as url:
        yield url


@pytest.mark.slow
def test_list_and_dag_in_chromium(browser: Any, served: str) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = Page(context.new_page(), served)
        tab = page.open("/pipelines", ready=".wb-pipelines-table .tabulator-row")
        rows = tab.locator(".wb-pipelines-table .tabulator-row")
        assert rows.count() == 2
        first, second = rows.nth(0).inner_text(), rows.nth(1).inner_text()
        assert "sines" in first and "reproduced" in first
        assert "fit" in second and "not verified" in second and "1.0.0" in second
        assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", second)

        tab = page.open("/pipelines?name=fit", ready=".wb-dag-node")
        nodes = tab.locator(".wb-dag-node")
        assert nodes.count() == len(read_manifest("fit")["steps"]) == 5
        assert tab.locator(".wb-dag-edge").count() == 5
        assert tab.locator('.wb-dag-node[data-outcome="cache hit"]').count() == 2
        assert "cache hit" in tab.locator('.wb-dag-node[data-step="load"]').text_content()
        box = tab.locator(".wb-dag").bounding_box()
        assert box is not None and box["width"] > 800 and box["height"] > 100  # drawn
        tab.locator(".wb-dag").scroll_into_view_if_needed()
        page.screenshot("pipeline_dag")
        assert page.errors == [], page.errors
    finally:
        context.close()
