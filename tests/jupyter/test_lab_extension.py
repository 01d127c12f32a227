"""The extension in a real JupyterLab and Chromium: the toolbar button exports the notebook and
says where the package is, a refused export selects the cell at fault, and the Workbench
sidebar lists the runs the notebook recorded."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from browsertools import artifacts_dir
from labhelpers import Lab

TOAST = ".Toastify__toast"


@pytest.fixture
def tab(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        context.close()


def open_notebook(tab: Any, lab: Lab, path: str) -> None:
    tab.goto(f"{lab.url}/lab/tree/{path}?reset&token={lab.token}")
    tab.locator(".jp-Notebook:visible").first.wait_for()
    # The kernel is idle once the notebook has started its session (its status shows "Idle").
    tab.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for()


def export_button(tab: Any) -> Any:
    return tab.locator(".jp-NotebookPanel-toolbar").get_by_text("Export as pipeline").first


def test_export_button_reports_the_package_then_the_sidebar_lists_the_notebook_runs(
    lab: Lab, tab: Any
) -> None:
    open_notebook(tab, lab, "notebooks/browser.ipynb")

    clicked = time.monotonic()
    export_button(tab).click()
    toast = tab.locator(TOAST, has_text=re.compile(r"Pipeline \S+ \S+ exported")).first
    toast.wait_for()
    elapsed = time.monotonic() - clicked
    message = toast.inner_text()
    found = re.search(r"Pipeline (\S+) (\S+) exported at (\S+) — (.+)", message)
    assert found, message
    package, version, folder, verdict = found.groups()
    manifest_path = lab.root / folder / "src" / package / "manifest.json"
    assert json.loads(manifest_path.read_text())["version"] == version == "1.0.0"
    assert verdict.strip().startswith("not verified")
    tab.screenshot(path=str(artifacts_dir("jupyter") / "export-notification.png"))
    (artifacts_dir("jupyter") / "export-timing.json").write_text(
        json.dumps({"click_to_toast_s": elapsed})
    )
    assert elapsed < 10, f"click → notification took {elapsed:.1f} s"

    # Run All: the last cell records a run whose source is this notebook.
    tab.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    tab.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    tab.locator(".jp-SideBar [data-id='workbench-sidebar']").click()
    sidebar = tab.locator("#workbench-sidebar")
    run = sidebar.locator(".wb-Sidebar-run", has_text="from-lab")
    run.wait_for(timeout=90_000)
    assert "finished" in run.inner_text() and "roc_auc 0.9" in run.inner_text()
    assert sidebar.locator(".wb-Sidebar-experiment").inner_text() == "Experiment: lab"
    tab.screenshot(path=str(artifacts_dir("jupyter") / "sidebar.png"))


def test_a_refused_export_names_the_cell_and_selects_it(lab: Lab, tab: Any) -> None:
    open_notebook(tab, lab, "notebooks/star.ipynb")
    export_button(tab).click()
    toast = tab.locator(TOAST, has_text="Export failed").first
    toast.wait_for()
    assert "cell 2, line 2" in toast.inner_text()
    active = tab.locator(".jp-Notebook .jp-Cell.jp-mod-active")
    assert "from os.path import *" in active.inner_text()
