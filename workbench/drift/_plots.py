"""HoloViews plots of a drift report, from tidy frames (aggregated counts, never raw rows)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from workbench.drift._report import ColumnDrift, DriftReport

DRIFT_COLOR, STABLE_COLOR = "#d62728", "#2ca02c"
MAX_DISTRIBUTION_PLOTS = 24


def _holoviews() -> Any:
    import holoviews as hv
    import holoviews.plotting.bokeh

    from workbench._notebook import load_plotting

    load_plotting()  # in a notebook: Bokeh's JavaScript, once, inline
    # Importing the backend alone leaves hv.opts without Bokeh's elements (hv.opts.Curve
    # fails afterwards, also in the dashboard's plots); selecting it fills them in.
    if not hasattr(hv.opts, "Bars"):  # selecting takes ~0.2 s: once
        hv.Store.set_current_backend("bokeh")
    return hv


def scores_frame(report: DriftReport) -> pd.DataFrame:
    """One row per tested column: its score (p-value or distance) and verdict."""
    rows = [
        {"column": c.column, "score": c.score, "test": c.test, "threshold": c.threshold,
         "verdict": "drift" if c.drifted else "no drift"}
        for c in report.columns
        if c.status == "ok"
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["column", "score", "test", "threshold", "verdict"])


def distribution_frame(column: ColumnDrift) -> pd.DataFrame:
    """Share of rows per bin or category, reference and current side by side (tidy)."""
    dist = column.distribution
    if dist is None:
        return pd.DataFrame(columns=["bin", "sample", "share"])
    if dist.kind == "histogram":
        labels = [f"{dist.edges[i]:.4g}" for i in range(len(dist.reference))]
    else:
        labels = list(dist.labels)
    rows = []
    for sample, counts in (("reference", dist.reference), ("current", dist.current)):
        total = sum(counts) or 1
        rows += [
            {"bin": label, "sample": sample, "share": n / total}
            for label, n in zip(labels, counts, strict=True)
        ]
    return pd.DataFrame(rows)


def scores_plot(report: DriftReport) -> Any:
    hv = _holoviews()

    frame = scores_frame(report)
    bars = hv.Bars(frame, kdims=["column", "verdict"], vdims=["score", "test", "threshold"])
    return bars.opts(
        title=f"Drift score per column ({report.n_drifted}/{len(report.tested)} drifted)",
        color="verdict", cmap={"drift": DRIFT_COLOR, "no drift": STABLE_COLOR},
        stacked=True, xrotation=45, tools=["hover"], responsive=True, height=320,
        ylabel="p-value (tests) or distance",
    )  # fmt: skip


def distribution_plot(column: ColumnDrift) -> Any:
    hv = _holoviews()

    frame = distribution_frame(column)
    verdict = "drift" if column.drifted else "no drift"
    bars = hv.Bars(frame, kdims=["bin", "sample"], vdims=["share"])
    return bars.opts(
        title=f"{column.column}: {verdict} ({column.test})", multi_level=False,
        color="sample", cmap={"reference": "#1f77b4", "current": "#ff7f0e"},
        xrotation=45, tools=["hover"], width=420, height=260, show_legend=True,
    )  # fmt: skip


def windows_plot(report: DriftReport) -> Any:
    hv = _holoviews()

    frame = report.windows_frame()
    frame = frame.assign(drift=frame["drifted"].astype(int))
    heatmap = hv.HeatMap(frame, kdims=["window", "column"], vdims=["drift", "score"])
    return heatmap.opts(
        title="Drift over time (1 = drifted)", cmap=[STABLE_COLOR, DRIFT_COLOR],
        tools=["hover"], xrotation=45, responsive=True, height=320, colorbar=True,
    )  # fmt: skip


def plotted_columns(report: DriftReport) -> list[ColumnDrift]:
    """The columns whose distribution :func:`report_layout` draws, in its order: drifted
    columns first, then by name, at most ``MAX_DISTRIBUTION_PLOTS``."""
    tested = sorted(report.tested, key=lambda c: (not c.drifted, c.column))
    return [c for c in tested[:MAX_DISTRIBUTION_PLOTS] if c.distribution]


def report_layout(report: DriftReport) -> Any:
    """Scores, then the distributions (drifted columns first), then drift over time."""
    hv = _holoviews()

    parts = [scores_plot(report)]
    if report.windows:
        parts.append(windows_plot(report))
    parts += [distribution_plot(c) for c in plotted_columns(report)]
    # Every histogram's axis is called "bin": shared, all would show the last column's bins.
    return hv.Layout(parts).cols(2).opts(shared_axes=False)
