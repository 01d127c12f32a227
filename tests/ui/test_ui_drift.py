"""The drift page as Python objects (no browser), on stores a user really makes: reports
logged outside a run next to reports logged in one, and reports whose histograms differ."""

from __future__ import annotations

import holoviews as hv
import numpy as np
import pandas as pd
import pytest
from bokeh.models import FactorRange, Plot

import workbench as wb
from workbench.ui.app import plotting_backend
from workbench.ui.pages.drift import DriftView


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


def test_every_histogram_on_the_report_page_shows_its_own_bins(sqlite_project, frames):
    report_id = wb.drift.compare(*frames).log(dataset="customers")
    view = DriftView(report=str(report_id))
    report = wb.drift.get_report(report_id)
    factors = _x_factors(view._plots.object)
    assert sorted(factors) == ["a", "b", "c"]
    for column in ("a", "b", "c"):
        assert factors[column] == _expected_bins(report, column), column
