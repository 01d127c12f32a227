"""``wb.ui.runs_table()`` and ``wb.ui.compare()`` as notebook outputs: the dashboard's views
rendered by a real kernel, their JavaScript loaded from the Jupyter server (nothing from a CDN)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from nbhelpers import ExecutedCell, docs_json, execute, model_names
from projects import isolated_project

import workbench as wb

CELLS = {
    "runs": (
        "import workbench as wb\n"
        "wb.set_experiment('demo')\n"
        "with wb.start_run(name='fast') as fast:\n"
        "    fast.log_params({'learning_rate': 0.1})\n"
        "    fast.log_metrics({'auc': 0.8}, step=0)\n"
        "    fast.log_metrics({'auc': 0.9}, step=1)\n"
        "with wb.start_run(name='slow') as slow:\n"
        "    slow.log_params({'learning_rate': 0.01})\n"
        "    slow.log_metrics({'auc': 0.7}, step=0)\n"
        "    slow.log_metrics({'auc': 0.75}, step=1)\n"
        "wb.set_experiment('other')\n"
        "with wb.start_run(name='elsewhere') as elsewhere:\n"
        "    elsewhere.log_params({'depth': 3})"
    ),
    "table": "wb.ui.runs_table()",
    "filtered": "wb.ui.runs_table('demo', filter='metrics.auc > 0.85')",
    "compare": "wb.ui.compare(fast.id, slow.id)",
    "selected": "wb.ui.runs_table('demo').selected_run_ids()",
    "dashboard": "wb.ui.dashboard('studies')",  # a HoloViews page: its loader inline too
    "drift_plot": (
        "import pandas as pd\n"
        "reference = pd.DataFrame({'x': [float(i % 17) for i in range(300)]})\n"
        "report = wb.drift.compare(reference, reference * 1.5)\n"
        "report.plot()"
    ),
}
# Where a Panel output would fetch code or styles from: none may name a URL.
LOADED_URLS = re.compile(r"const (?:js_urls|css_urls|js_modules) = (\[[^\]]*\])")
URL_TAG = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.I)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with isolated_project(tmp_path_factory.mktemp("widgets")) as folder:
        yield folder


@pytest.fixture(scope="module")
def cells(home: Path) -> dict[str, ExecutedCell]:
    executed = execute(home / "widgets.ipynb", CELLS)
    for label, cell in executed.items():
        assert cell.error is None, f"{label}: {cell.error}"
    return executed


@pytest.fixture(scope="module")
def run_ids(cells: dict[str, ExecutedCell]) -> dict[str, str]:
    frame = wb.runs(experiment=None)
    return dict(zip(frame["name"], frame["run_id"], strict=True))


def _view(cell: ExecutedCell) -> tuple[str, dict[str, Any]]:
    """The cell's result as Panel renders it: its HTML and the Bokeh document inside."""
    (result,) = cell.results()
    bundle = result["data"]
    assert "application/vnd.holoviews_exec.v0+json" in bundle  # a live Panel view
    return bundle["text/html"], docs_json(bundle["text/html"])


def test_runs_table_shows_every_run_with_its_params_and_metrics(cells, run_ids):
    html, document = _view(cells["table"])
    assert "panel.models.tabulator.DataTabulator" in model_names(document)
    for run_id in run_ids.values():
        assert run_id in html
    for column in ("params.learning_rate", "params.depth", "metrics.auc"):
        assert column in html


def test_runs_table_takes_the_experiment_and_filter(cells, run_ids):
    html, _ = _view(cells["filtered"])
    assert run_ids["fast"] in html
    assert run_ids["slow"] not in html and run_ids["elsewhere"] not in html
    assert "params.depth" not in html  # the columns are the experiment's


def test_the_table_is_the_dashboards_view_with_its_selection(cells):
    (result,) = cells["selected"].results()
    assert result["data"]["text/plain"] == "[]"


def test_compare_shows_the_runs_side_by_side_with_their_metric_histories(cells, run_ids):
    html, document = _view(cells["compare"])
    for name in ("fast", "slow"):
        assert run_ids[name] in html
    assert run_ids["elsewhere"] not in html
    assert "params.learning_rate" in html
    assert "Figure" in model_names(document)  # the auc histories, overlaid


@pytest.mark.parametrize("label", ["table", "filtered", "compare", "dashboard", "drift_plot"])
def test_the_outputs_load_nothing_from_a_cdn(cells, label):
    bundles = cells[label].bundles()
    texts = [str(value) for bundle in bundles for value in bundle.values()]
    for text in texts:
        assert not URL_TAG.search(text)
        for urls in LOADED_URLS.findall(text):
            assert "//" not in urls, urls
    (result,) = cells[label].results()
    assert "application/vnd.holoviews_exec.v0+json" in result["data"]  # a live Panel view
    assert "cdn." not in result["data"]["text/html"]


def test_the_first_view_loads_bokeh_and_panel_from_the_jupyter_server(cells):
    loads = [
        str(bundle["application/javascript"])
        for bundle in cells["table"].bundles()
        if "application/javascript" in bundle
    ]
    assert any('served + "static/js/bokeh.min.js"' in js for js in loads)  # neither CDN nor inline
    assert all(len(js) < 100_000 for js in loads)  # addresses, not the libraries
    assert not any("application/javascript" in b for b in cells["filtered"].bundles())


def test_argument_errors_name_the_bad_value(sqlite_project):
    with wb.start_run(name="only"):
        pass
    with pytest.raises(ValueError, match=r"Unknown experiment 'nope'; experiments: Default\."):
        wb.ui.runs_table("nope")
    with pytest.raises(ValueError, match=r"wb\.ui\.compare\(run_id_1, run_id_2\)"):
        wb.ui.compare()
    # A list of ids is the same view as the ids one by one (as for wb.compare_runs).
    assert wb.ui.compare(["a", "b"]).run_ids == wb.ui.compare("a", "b").run_ids == ["a", "b"]


def test_a_drift_report_plots_as_a_bokeh_figure_not_as_text(cells):
    (result,) = cells["drift_plot"].results()
    assert "application/vnd.holoviews_exec.v0+json" in result["data"]  # rendered, not repr
    assert "Figure" in model_names(docs_json(result["data"]["text/html"]))
