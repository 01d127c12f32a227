"""The drift page as Python objects (no browser), on stores a user really makes: reports
logged outside a run next to reports logged in one, and reports whose histograms differ."""

from __future__ import annotations

import holoviews as hv
import numpy as np
import pandas as pd
import panel as pn
import pytest
from bokeh.models import FactorRange, Plot

import workbench as wb
from workbench.ui.app import plotting_backend
from workbench.ui.pages.drift import MAX_PLOTS, DriftView


@pytest.fixture(autouse=True)
def _bokeh():
    plotting_backend()


@pytest.fixture
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three columns on different scales (two numeric, one categorical); ``a`` drifts."""
    rng = np.random.default_rng(0)
    reference = pd.DataFrame(
        {
            "a": rng.normal(0, 1, 500),
            "b": rng.choice(["red", "green", "blue"], 500),
            "c": rng.normal(100, 5, 500),
        }
    )
    return reference, reference.assign(a=reference["a"] + 1)


def test_reports_logged_outside_and_inside_a_run_list_and_open(project, frames):
    reference, current = frames
    outside = wb.drift.compare(reference, current).log(dataset="customers")  # as in the README
    with wb.start_run() as run:
        inside = wb.drift.compare(reference, current).log(dataset="customers", model_version="3")
    table = DriftView()._history.value
    listed = table.set_index(table["report"].str.extract(r"#(\d+)")[0].astype(int))
    assert run.id[:8] in listed.loc[inside, "run"] and listed.loc[inside, "model"] == "3"
    assert listed.loc[outside, "run"] == "" and listed.loc[outside, "model"] == ""
    for report_id in (outside, inside):
        view = DriftView(report=str(report_id))
        assert not view._error.visible and view._detail.visible
        assert "1 of 3 columns drifted" in view._verdict.object
        assert "nan" not in view._verdict.object


def _x_factors(layout: object) -> dict[str, set[str]]:
    """For each rendered distribution plot (titled '<column>: ...'), the bins on its x axis."""
    figure = hv.render(layout, backend="bokeh")
    factors = {}
    for plot in figure.select({"type": Plot}):
        title = plot.title.text if plot.title else ""
        if ": " in title and isinstance(plot.x_range, FactorRange):
            factors[title.split(": ")[0]] = {str(f[0]) for f in plot.x_range.factors}
    return factors


def _expected_bins(report: wb.drift.DriftReport, column: str) -> set[str]:
    dist = report[column].distribution
    assert dist is not None
    if dist.kind == "categories":
        return set(dist.labels)
    return {f"{edge:.4g}" for edge in dist.edges[: len(dist.reference)]}


def test_every_histogram_of_report_plot_shows_its_own_bins(sqlite_project, frames):
    report = wb.drift.compare(*frames)
    factors = _x_factors(report.plot())
    assert sorted(factors) == ["a", "b", "c"]
    for column in ("a", "b", "c"):
        assert factors[column] == _expected_bins(report, column), column
    assert factors["b"] == {"red", "green", "blue"}


def _page_figures(view: DriftView) -> dict[str, Plot]:
    """The plots the report page shows, by title."""
    panes = view._plots.select(pn.pane.Bokeh)
    return {pane.object.title.text: pane.object for pane in panes}


def _shown(figure: Plot) -> dict[str, dict[str, list]]:
    """Per sample (``reference``, ``current``), the bins and shares a distribution plot draws."""
    data = figure.renderers[0].data_source.data
    shown: dict[str, dict[str, list]] = {}
    for index, sample in enumerate(data["sample"]):
        rows = shown.setdefault(sample, {"bins": [], "shares": []})
        if "x" in data:
            rows["bins"].append(data["category"][index])
        else:
            rows["bins"].append((data["start"][index], data["end"][index]))
        rows["shares"].append(data["share"][index])
    return shown


def test_every_histogram_on_the_report_page_shows_its_own_values(sqlite_project, frames):
    report_id = wb.drift.compare(*frames).log(dataset="customers")
    view = DriftView(report=str(report_id))
    report = wb.drift.get_report(report_id)
    figures = _page_figures(view)
    by_column = {title.split(": ")[0]: f for title, f in figures.items() if ": " in title}
    assert sorted(by_column) == ["a", "b", "c"]
    assert "Drift score per column (1/3 drifted)" in figures
    for column, figure in by_column.items():
        dist = report[column].distribution
        shown = _shown(figure)
        for sample, counts in (("reference", dist.reference), ("current", dist.current)):
            assert shown[sample]["shares"] == pytest.approx(np.array(counts) / sum(counts))
            if dist.kind == "categories":
                assert shown[sample]["bins"] == dist.labels
            else:
                assert shown[sample]["bins"] == list(
                    zip(dist.edges[:-1], dist.edges[1:], strict=True)
                )
    assert list(by_column["b"].x_range.factors) == _shown(by_column["b"])["current"]["bins"]
    assert set(by_column["b"].x_range.factors) == {"red", "green", "blue"}
    # numeric histograms keep their own value axis: a (around 0) and c (around 100)
    assert max(e for _, e in _shown(by_column["a"])["current"]["bins"]) < 20
    assert min(s for s, _ in _shown(by_column["c"])["current"]["bins"]) > 50


def test_the_report_page_shows_the_first_plots_and_says_how_many_are_left_out(sqlite_project):
    rng = np.random.default_rng(1)
    reference = pd.DataFrame({f"x{i}": rng.normal(0, 1, 300) for i in range(12)})
    current = reference.assign(x7=reference["x7"] + 2, x11=reference["x11"] * 3)
    report_id = wb.drift.compare(reference, current).log(dataset="wide")
    view = DriftView(report=str(report_id))
    titles = list(_page_figures(view))
    assert len(titles) == MAX_PLOTS
    assert titles[0].startswith("Drift score per column")
    # drifted columns first, as in report.plot()
    assert [t.split(": ")[0] for t in titles[1:3]] == ["x11", "x7"]
    assert f"Showing {MAX_PLOTS} of 13 plots" in view._plots_note.object
    assert len(view._columns.value) == 12


def test_missing_and_infinite_values_and_time_windows_draw_on_the_report_page(sqlite_project):
    rng = np.random.default_rng(2)
    n = 400
    reference = pd.DataFrame(
        {
            "ts": pd.date_range("2024-01-01", periods=n, freq="h"),
            "x": rng.normal(0, 1, n),
            "empty": np.full(n, np.nan),
            "label": rng.choice(["a", "b", None], n),
        }
    )
    current = reference.assign(x=reference["x"] + 1)
    current.loc[:20, "x"] = np.inf
    current.loc[21:40, "x"] = np.nan
    report_id = wb.drift.compare(reference, current, time_column="ts", window=100).log()
    view = DriftView(report=str(report_id))
    assert not view._error.visible and view._detail.visible
    figures = _page_figures(view)
    assert "Drift over time (1 = drifted)" in figures
    windows = figures["Drift over time (1 = drifted)"].renderers[0].data_source.data
    assert len(set(windows["window"])) == 4 and 1 in windows["drift"]
    x = _shown(next(f for t, f in figures.items() if t.startswith("x: ")))
    assert sum(x["current"]["shares"]) == pytest.approx(1.0)
    assert all(np.isfinite(edge) for bin in x["current"]["bins"] for edge in bin)
    assert not any(t.startswith("empty: ") for t in figures)


def test_categories_that_read_alike_get_a_bar_each(sqlite_project):
    # 1 and "1" are two categories that print the same: a categorical axis needs distinct names
    reference = pd.DataFrame({"code": [1, "1", "a"] * 50})
    current = pd.DataFrame({"code": [1, "1", "a", "a"] * 40})
    report_id = wb.drift.compare(reference, current).log(dataset="codes")
    figures = _page_figures(DriftView(report=str(report_id)))
    figure = next(f for title, f in figures.items() if title.startswith("code: "))
    assert sorted(figure.x_range.factors) == ["1", "1 (2)", "a"]
    shown = _shown(figure)
    assert sorted(shown["current"]["bins"]) == ["1", "1 (2)", "a"]
    assert sum(shown["current"]["shares"]) == pytest.approx(1.0)
