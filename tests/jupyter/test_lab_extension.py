"""The extension in a real JupyterLab and Chromium: the toolbar button (declared in the settings
schema, so Settings can move or hide it) exports the notebook and says where the package is, a
refused export selects the cell at fault, and the Workbench sidebar lists the runs the notebook
recorded."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browsertools import artifacts_dir
from labhelpers import BREAST_CANCER, LABEXTENSION, STAR_IMPORT, Lab, write_notebook
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

TOAST = ".Toastify__toast"
PLUGIN = "workbench-lab:plugin"
NOTEBOOK_PANEL = "@jupyterlab/notebook-extension:panel"
EXPORT_ITEM = {
    "name": "workbench-export",
    "command": "workbench:export-pipeline",
    "label": "Export as pipeline",
    "rank": 45,
}
SOURCES = Path(__file__).resolve().parents[2] / "extensions" / "workbench-lab" / "src"


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


def run_all_cells(tab: Any) -> None:
    """Run > Run All Cells, again if the menu closed before the click landed (a busy Lab):
    the click took once the last cell's prompt changes (``[*]`` as soon as it is queued)."""
    prompt = tab.locator(".jp-Notebook:visible .jp-InputPrompt").last
    before = prompt.inner_text()
    for _ in range(3):
        tab.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        tab.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        try:
            expect(prompt).not_to_have_text(before, timeout=20_000)
            return
        except AssertionError:
            tab.keyboard.press("Escape")  # a menu left open
    raise AssertionError(f"Run All Cells did not start: the last prompt still reads {before!r}")


def export_button(tab: Any) -> Any:
    return tab.locator(".jp-NotebookPanel-toolbar").get_by_text("Export as pipeline").first


def toolbar_items(tab: Any) -> list[str]:
    """The names of the visible notebook's toolbar items, left to right."""
    toolbar = tab.locator(".jp-NotebookPanel:visible .jp-NotebookPanel-toolbar").first
    toolbar.locator("[data-jp-item-name='kernelName']").wait_for()  # the toolbar is complete
    names: list[str] = toolbar.locator(":scope > [data-jp-item-name]").evaluate_all(
        "nodes => nodes.map(node => node.dataset.jpItemName)"
    )
    return names


def test_the_typescript_declares_no_any() -> None:
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(SOURCES.glob("*.ts"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if not line.strip().startswith(("//", "/*", "*"))
        and re.search(r"(:|<|,|\bas|\||&)\s*any\b|\bany\[\]", line)
    ]
    assert SOURCES.is_dir()
    assert not found, found


def test_the_export_button_is_declared_in_the_settings_and_in_every_new_notebook_toolbar(
    lab: Lab, tab: Any
) -> None:
    # The installed extension ships its settings schema, and the running Lab serves it.
    shipped = json.loads((LABEXTENSION / "schemas" / "workbench-lab" / "plugin.json").read_text())
    status, plugin = lab.request("GET", f"lab/api/settings/{PLUGIN}")
    assert status == 200, plugin
    for schema in (shipped, plugin["schema"]):
        assert schema["jupyter.lab.toolbars"]["Notebook"] == [EXPORT_ITEM]

    write_notebook(lab.root / "notebooks", "fresh", STAR_IMPORT)
    open_notebook(tab, lab, "notebooks/star.ipynb")
    names = toolbar_items(tab)
    # Between the cell type and the spacer, by its rank, as a command button with its label.
    assert names.index("cellType") < names.index("workbench-export") < names.index("spacer")
    item = tab.locator(".jp-NotebookPanel:visible [data-jp-item-name='workbench-export']")
    expect(item.locator("[data-command='workbench:export-pipeline']")).to_be_enabled()
    expect(item).to_have_text("Export as pipeline")

    # A second notebook opened from the file browser gets its own button.
    tab.locator(".jp-DirListing-item", has_text="fresh.ipynb").first.dblclick()
    tab.locator(".lm-DockPanel .lm-TabBar-tab.lm-mod-current", has_text="fresh.ipynb").wait_for()
    expect(tab.locator(".jp-NotebookPanel:visible")).to_have_count(1)
    tab.locator(".jp-Notebook:visible .jp-Cell", has_text="from os.path import *").wait_for()
    assert "workbench-export" in toolbar_items(tab)
    visible = tab.locator(".jp-NotebookPanel:visible .jp-NotebookPanel-toolbar")
    expect(visible.get_by_text("Export as pipeline")).to_be_visible()
    tab.screenshot(path=str(artifacts_dir("jupyter") / "toolbar.png"))


def test_the_user_settings_move_and_hide_the_export_button(lab: Lab, tab: Any) -> None:
    def notebook_toolbar(user_settings: dict[str, Any]) -> list[str]:
        raw = json.dumps({"toolbar": [{"name": "workbench-export", **user_settings}]})
        status, reply = lab.request("PUT", f"lab/api/settings/{NOTEBOOK_PANEL}", {"raw": raw})
        assert status == 204, reply
        open_notebook(tab, lab, "notebooks/star.ipynb")
        return toolbar_items(tab)

    try:
        assert notebook_toolbar({"rank": 5})[0] == "workbench-export"
        hidden = notebook_toolbar({"disabled": True})
        assert "workbench-export" not in hidden and "cellType" in hidden
        expect(export_button(tab)).to_have_count(0)
    finally:
        lab.request("PUT", f"lab/api/settings/{NOTEBOOK_PANEL}", {"raw": "{}"})


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
    run_all_cells(tab)
    tab.locator(".jp-SideBar [data-id='workbench-sidebar']").click()
    sidebar = tab.locator("#workbench-sidebar")
    # the sidebar shows the run live, first as running: wait for it to finish
    run = sidebar.locator(".wb-Sidebar-run", has_text="from-lab").filter(has_text="finished")
    run.wait_for(timeout=90_000)
    expect(run).to_contain_text("roc_auc 0.9")
    expect(sidebar.locator(".wb-Sidebar-experiment")).to_have_text("Experiment: lab")
    tab.screenshot(path=str(artifacts_dir("jupyter") / "sidebar.png"))


def test_a_refused_export_names_the_cell_and_selects_it(lab: Lab, tab: Any) -> None:
    open_notebook(tab, lab, "notebooks/star.ipynb")
    export_button(tab).click()
    toast = tab.locator(TOAST, has_text="Export failed").first
    toast.wait_for()
    assert "cell 2, line 2" in toast.inner_text()
    active = tab.locator(".jp-Notebook .jp-Cell.jp-mod-active")
    expect(active).to_contain_text("from os.path import *")


@pytest.mark.timeout(900)
def test_export_and_verify_from_the_palette_reports_the_manifests_verdict(
    lab: Lab, tab: Any
) -> None:
    write_notebook(lab.root / "notebooks", "verified", BREAST_CANCER)
    open_notebook(tab, lab, "notebooks/verified.ipynb")
    tab.locator(".jp-Notebook .jp-Cell").first.click()  # the notebook is the current widget
    palette = tab.locator(".lm-CommandPalette-input")
    # The View menu, not the key binding: a busy Lab may drop a key press. The palette
    # re-renders its items whenever a command changes state (the kernel starting) and can close
    # again before our text is in or before Enter lands (both seen in loaded CI runs): start
    # over until the export's in-progress notification shows.
    item = ".lm-CommandPalette-item.lm-mod-active[data-command='workbench:export-pipeline-verify']"
    started = tab.locator(TOAST, has_text="Exporting and verifying").first
    for attempt in range(3):
        try:
            tab.locator(".lm-MenuBar-itemLabel", has_text="View").first.click()
            tab.locator(".lm-Menu-itemLabel", has_text="Activate Command Palette").first.click()
            palette.fill("Export as pipeline and verify", timeout=20_000)
            tab.locator(item).wait_for(state="attached", timeout=20_000)
            palette.press("Enter")
            started.wait_for(timeout=30_000)
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    toast = tab.locator(TOAST, has_text=re.compile(r"Pipeline \S+ \S+ exported")).first
    # Verifying runs the notebook twice and the package once: minutes on a busy 2-core machine.
    toast.wait_for(timeout=600_000)
    message = toast.inner_text()
    found = re.search(r"Pipeline (\S+) (\S+) exported at (\S+) — (.+)", message)
    assert found, message
    package, version, folder, verdict = found.groups()
    manifest = json.loads((lab.root / folder / "src" / package / "manifest.json").read_text())
    assert manifest["version"] == version
    recorded = manifest["verification"]["verdict"]
    # lbfgs on unscaled data may differ in the last bits between two processes
    assert recorded in ("reproduced", "within tolerance"), recorded
    assert verdict.strip().startswith(recorded), message
    tab.screenshot(path=str(artifacts_dir("jupyter") / "export-verified.png"))


def test_compare_in_the_sidebar_opens_the_dashboard_on_the_selected_runs(
    lab: Lab, tab: Any
) -> None:
    write_notebook(lab.root / "notebooks", "twice", BREAST_CANCER)
    open_notebook(tab, lab, "notebooks/twice.ipynb")
    tab.locator(".jp-SideBar [data-id='workbench-sidebar']").click()
    sidebar = tab.locator("#workbench-sidebar")
    runs = sidebar.locator(".wb-Sidebar-run", has_text="from-lab")
    for expected in (1, 2):  # Run All twice: two runs of this notebook
        run_all_cells(tab)
        try:
            runs.nth(expected - 1).wait_for(timeout=90_000)
        except Exception:
            tab.screenshot(path=str(artifacts_dir("jupyter") / "sidebar-run-missing.png"))
            raise
        tab.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for()
    compare = sidebar.get_by_role("button", name=re.compile(r"^Compare"))
    assert compare.is_disabled()
    ids = [runs.nth(i).get_attribute("data-run-id") for i in range(2)]
    for i in range(2):
        runs.nth(i).locator("input.wb-Sidebar-select").check()
    expect(compare).to_have_text("Compare (2)")
    with tab.context.expect_page(timeout=60_000) as opened:
        compare.click()
    dashboard = opened.value
    dashboard.wait_for_url(re.compile(r"/compare\?runs="), timeout=60_000)
    shown = dashboard.url.split("runs=", 1)[1].split("&")[0].replace("%2C", ",").split(",")
    assert sorted(shown) == sorted(ids)
    dashboard.locator(".wb-compare-params").first.wait_for(timeout=60_000)
    assert dashboard.url.startswith("http://127.0.0.1:")
    dashboard.screenshot(path=str(artifacts_dir("jupyter") / "sidebar-compare.png"))
