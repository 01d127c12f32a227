"""Notebook views with no network, whatever the kernel loaded before: ``wb.ui.dashboard``,
``wb.ui.compare``, ``report.plot()`` and a study's plot after (or before) the user's own
``hv.extension`` and ``pn.extension``. Bokeh's and Panel's JavaScript comes from the Jupyter
server, never from a CDN nor inline in the outputs, so the saved notebook stays small; opened
again, it renders from its saved outputs alone.

The first tests run the notebook in a kernel (nbclient) and read the saved .ipynb; the last
one runs it in a real JupyterLab in Chromium with every request to another host refused and
recorded, then reloads the page.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import nbformat
import nbformat.v4 as nbf
import pytest
from browsertools import artifacts_dir
from browsertools import stop as stop_process
from nbhelpers import ExecutedCell, docs_json, execute, model_names
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from projects import isolated_project

# The JupyterLab helpers live with the JupyterLab tests.
sys.path.append(str(Path(__file__).resolve().parents[1] / "jupyter"))
from labhelpers import Lab, require_installed_extension, start_lab, write_notebook

pytestmark = pytest.mark.slow

RUNS = (
    "import workbench as wb\n"
    "wb.set_experiment('offline')\n"
    "with wb.start_run(name='fast') as fast:\n"
    "    fast.log_params({'learning_rate': 0.1})\n"
    "    fast.log_metrics({'auc': 0.8}, step=0)\n"
    "    fast.log_metrics({'auc': 0.9}, step=1)\n"
    "with wb.start_run(name='slow') as slow:\n"
    "    slow.log_params({'learning_rate': 0.01})\n"
    "    slow.log_metrics({'auc': 0.7}, step=0)\n"
    "    slow.log_metrics({'auc': 0.75}, step=1)"
)
USER_EXTENSIONS = (
    "import holoviews as hv\nimport panel as pn\nhv.extension('bokeh')\npn.extension('tabulator')"
)
VIEWS = {
    "dashboard": "wb.ui.dashboard('runs')",
    "drift": (
        "import pandas as pd\n"
        "reference = pd.DataFrame({'x': [float(i % 17) for i in range(300)]})\n"
        "report = wb.drift.compare(reference, reference * 1.5)\n"
        "report.plot()"
    ),
    "compare": "wb.ui.compare(fast.id, slow.id)",
}
STUDY = (
    "result = wb.tune(lambda trial: trial.suggest_float('x', 0, 1) ** 2, n_trials=5,\n"
    "                 direction='minimize', name='offline', show_progress=False)\n"
    "result.plots.history()"
)
# The user's extensions before the views, and after them (then one more view).
ORDERS = {
    "extensions_first": {"runs": RUNS, "extensions": USER_EXTENSIONS, **VIEWS, "study": STUDY},
    "extensions_after": {
        "runs": RUNS,
        "study": STUDY,
        **VIEWS,
        "extensions": (
            "import panel as pn\nimport holoviews as hv\npn.extension()\nhv.extension('bokeh')"
        ),
        "again": "wb.ui.compare(slow.id, fast.id)",
    },
}
CDN_HOSTS = (
    "cdn.holoviz.org", "cdn.bokeh.org", "unpkg.com", "cdn.jsdelivr.net", "cdnjs.cloudflare.com",
    "use.fontawesome.com", "fonts.googleapis.com", "code.jquery.com",
)  # fmt: skip
CDN_URL = re.compile(
    r"(?:https?:)?//(?:[\w-]+\.)*(?:" + "|".join(re.escape(h) for h in CDN_HOSTS) + r")\b"
)
MAX_NOTEBOOK_BYTES = 1_000_000
LOAD_MIME = "application/vnd.holoviews_load.v0+json"
EXEC_MIME = "application/vnd.holoviews_exec.v0+json"


def save_executed(path: Path, executed: dict[str, ExecutedCell]) -> Path:
    """The notebook with its outputs, as JupyterLab saves it after running every cell."""
    cells = [
        nbf.new_code_cell(
            cell.source,
            execution_count=cell.execution_count,
            outputs=[nbformat.from_dict(output) for output in cell.outputs],
        )
        for cell in executed.values()
    ]
    nbformat.write(nbf.new_notebook(cells=cells), path)
    return path


@pytest.fixture(scope="module", params=list(ORDERS))
def saved(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """(the executed cells, the saved .ipynb) for one order of the user's extensions."""
    with isolated_project(tmp_path_factory.mktemp(request.param)) as folder:
        executed = execute(folder / "views.ipynb", ORDERS[request.param])
        for label, cell in executed.items():
            assert cell.error is None, f"{label}: {cell.error}"
        return executed, save_executed(folder / "saved.ipynb", executed)


def test_the_saved_notebook_is_small(saved):
    _, path = saved
    assert path.stat().st_size <= MAX_NOTEBOOK_BYTES, f"{path.stat().st_size:,} bytes"


def test_no_output_names_a_cdn(saved):
    executed, path = saved
    for label, cell in executed.items():
        text = json.dumps(cell.outputs)
        found = CDN_URL.search(text)
        assert found is None, f"{label}: {text[max(0, found.start() - 200) : found.end() + 80]}"
    assert not CDN_URL.search(path.read_text())


def test_every_view_is_a_live_bokeh_document(saved):
    executed, _ = saved
    expected = {
        "dashboard": "DataTabulator", "drift": "Figure", "compare": "Figure", "study": "Figure"
    }  # fmt: skip
    for label, model in expected.items():
        (result,) = executed[label].results()
        assert EXEC_MIME in result["data"]
        names = model_names(docs_json(result["data"]["text/html"]))
        assert any(name.endswith(model) for name in names), (label, names)


def test_the_loaders_take_bokeh_and_panel_from_the_jupyter_server(saved):
    executed, _ = saved
    loaders = [
        bundle[LOAD_MIME]
        for cell in executed.values()
        for bundle in cell.bundles()
        if "const js_urls" in str(bundle.get(LOAD_MIME, ""))
    ]
    assert loaders  # the user's and the views'
    for loader in loaders:
        assert len(loader) < 100_000  # addresses, not the libraries
        assert 'served + "static/js/bokeh.min.js"' in loader
        assert 'served + "static/extensions/panel/panel.min.js' in loader


# --- A real JupyterLab in Chromium, with no network -------------------------------------------

LAB_CELLS = {"runs": RUNS, "extensions": USER_EXTENSIONS, **VIEWS}
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    require_installed_extension()
    root = tmp_path_factory.mktemp("offline-lab") / "project"
    (root / ".workbench").mkdir(parents=True)
    write_notebook(root, "views", [nbf.new_code_cell(source) for source in LAB_CELLS.values()])
    lab = start_lab(root, tmp_path_factory.mktemp("offline-jupyter"))
    try:
        yield lab
    finally:
        stop_process(lab.proc)


@pytest.fixture
def offline_tab(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    """A page whose requests to any host but this machine are refused and recorded."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    elsewhere: list[str] = []

    def remote(url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and parts.hostname not in LOCAL_HOSTS

    def refuse(route: Any) -> None:
        elsewhere.append(route.request.url)
        route.abort()

    context.route(remote, refuse)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page, elsewhere
    finally:
        context.close()


def cell_output(tab: Any, label: str) -> Any:
    index = list(LAB_CELLS).index(label)
    return tab.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-OutputArea")


def run_all(tab: Any) -> None:
    """Run All Cells, and wait until every code cell has run (its prompt shows its count)."""
    tab.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    tab.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    tab.wait_for_function(
        """count => {
            const prompts = [...document.querySelectorAll('.jp-Notebook .jp-InputArea-prompt')];
            return prompts.length === count && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        arg=len(LAB_CELLS),
        timeout=180_000,
    )


def assert_views_visible(tab: Any) -> None:
    """The runs table shows both runs; the drift and compare plots draw on a canvas."""
    table = cell_output(tab, "dashboard")
    for name in ("fast", "slow"):
        cell = table.locator(".tabulator-cell", has_text=re.compile(f"^{name}$")).first
        cell.wait_for(state="visible", timeout=60_000)
    for label in ("drift", "compare"):
        canvas = cell_output(tab, label).locator("canvas").first
        canvas.wait_for(state="visible", timeout=60_000)
        box = canvas.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100, (label, box)


def save_notebook(tab: Any, path: Path, attempts: int = 3) -> Path:
    """Ctrl+S with the focus on a cell's prompt, until the file on disk has every output.

    Not a click in the middle of the notebook: that can land in a Panel output, which keeps
    its keys from JupyterLab (data-lm-suppress-shortcuts), and then nothing is saved. A save
    asked for while the kernel still sends outputs can also be lost: it is asked again.
    """
    for _ in range(attempts):
        tab.locator(".jp-Notebook .jp-InputArea-prompt").first.click()
        tab.keyboard.press("Control+s")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if nbformat.read(path, 4).cells[-1].outputs:
                    return path
            except nbformat.reader.NotJSONError:
                pass  # read while JupyterLab writes it
            time.sleep(0.5)
    raise AssertionError(f"JupyterLab did not save the outputs into {path.name}")


def test_in_jupyterlab_the_views_render_with_no_network_and_again_after_a_reload(
    lab: Lab, offline_tab: tuple[Any, list[str]]
) -> None:
    tab, elsewhere = offline_tab
    tab.goto(f"{lab.url}/lab/tree/views.ipynb?reset&token={lab.token}")
    tab.locator(".jp-Notebook:visible").first.wait_for()
    # A notebook written outside Lab may ask for its kernel once: take the default.
    choose_kernel = tab.locator(".jp-Dialog", has_text="Select Kernel")
    try:
        choose_kernel.wait_for(timeout=10_000)
        choose_kernel.locator(".jp-mod-accept").click()
    except PlaywrightTimeoutError:
        pass
    tab.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for()

    run_all(tab)
    assert_views_visible(tab)

    saved = save_notebook(tab, lab.root / "views.ipynb")
    assert saved.stat().st_size <= MAX_NOTEBOOK_BYTES, f"{saved.stat().st_size:,} bytes"

    tab.reload()  # the outputs come back from the saved notebook; no cell runs again
    tab.locator(".jp-Notebook:visible").first.wait_for()
    assert_views_visible(tab)
    tab.screenshot(path=str(artifacts_dir("notebook") / "views-offline-after-reload.png"))

    cdn = [url for url in elsewhere if CDN_URL.match(url)]
    assert not cdn, cdn
    assert not elsewhere, elsewhere  # nothing else left this machine either
