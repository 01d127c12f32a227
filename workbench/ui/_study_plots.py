"""The study page's plots as Bokeh figures built straight from a :class:`StudySnapshot`:
every trial of the history as one scatter of a ``ColumnDataSource`` (10,000 points travel as
two binary arrays, with no per-point HoloViews work), the importances as bars, and the
parallel coordinates of the drawn sample (:func:`workbench.ui._plots.parallel_coordinates_figure`).

A figure belongs to one page (one Bokeh document), so each page load builds its own from the
cached snapshot: about 0.1 s for a 10,000-trial study.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.ui._study_data import StudySnapshot

POINT_COLOR, BEST_COLOR, BAR_COLOR = "#4c78a8", "#e45756", "#4c78a8"


def history_figure(snapshot: StudySnapshot) -> Any:
    """The objective of every complete trial by trial number, and the best value so far as a
    step line through the trials that improved it."""
    from bokeh.models import ColumnDataSource, HoverTool
    from bokeh.plotting import figure

    frame = snapshot.frame
    done = frame[(frame["state"] == "COMPLETE").to_numpy() & np.isfinite(frame["value"])]
    label = snapshot.value_label
    title = f"Optimization history of {label}"
    if done.empty:
        title += ": no complete trials yet"
    else:
        title += f" ({len(done):,} complete trials)"
    plot = figure(
        title=title, height=360, sizing_mode="stretch_width",
        tools="pan,wheel_zoom,box_zoom,reset,save", x_axis_label="trial", y_axis_label=label,
        output_backend="canvas",
    )  # fmt: skip
    plot.toolbar.logo = None
    numbers = done["number"].to_numpy(dtype=np.float64)
    values = done["value"].to_numpy(dtype=np.float64)
    better = np.minimum if snapshot.direction == "minimize" else np.maximum
    best = better.accumulate(values)
    # the step line needs a vertex only where the best changes, and one at the last trial
    ends = np.r_[True, best[1:] != best[:-1]] if len(best) else np.zeros(0, dtype=bool)
    if len(ends):
        ends[-1] = True
    # float64 columns travel as binary buffers
    points = ColumnDataSource({"number": numbers, "value": values})
    steps = ColumnDataSource({"number": numbers[ends], "value": best[ends]})
    dots = plot.scatter(
        "number", "value", source=points, size=4, color=POINT_COLOR, alpha=0.5,
        legend_label="trial",
    )  # fmt: skip
    plot.step(
        "number", "value", source=steps, mode="after", line_color=BEST_COLOR, line_width=2,
        legend_label="best so far",
    )  # fmt: skip
    plot.add_tools(
        HoverTool(
            renderers=[dots],
            tooltips=[("trial", "@number{0}"), (label, "@value{%.6g}")],
            formatters={"@value": "printf"},
        )
    )
    plot.legend.location = "top_right"
    return plot


def importance_figure(snapshot: StudySnapshot) -> Any:
    """fANOVA importances as horizontal bars, the most important on top; the title says on how
    many trials fANOVA was fitted (a seeded sample of at most 2,000 complete trials)."""
    from bokeh.models import ColumnDataSource, DataRange1d, FactorRange, HoverTool
    from bokeh.plotting import figure

    frame = snapshot.importances
    assert frame is not None, "no importances: see snapshot.importance_reason"
    fitted, total = frame.attrs.get("fitted_trials", 0), frame.attrs.get("complete_trials", 0)
    title = "Parameter importances"
    if frame.empty:
        title += f": {frame.attrs.get('reason', 'nothing to assess')}"
    elif fitted < total:
        title += f" (fANOVA on a random {fitted:,} of {total:,} complete trials)"
    else:
        title += f" (fANOVA on {total:,} trials)"
    skipped = frame.attrs.get("skipped_params", [])
    if skipped:
        title += f"; not in every trial: {', '.join(skipped)}"
    ordered = frame.sort_values("importance", kind="stable")  # bottom-up: largest on top
    params = [str(p) for p in ordered["param"]]
    plot = figure(
        title=title, y_range=FactorRange(factors=params), x_range=DataRange1d(start=0),
        height=min(400, 90 + 28 * max(1, len(params))),
        sizing_mode="stretch_width", tools="save", x_axis_label="importance (fANOVA)",
        output_backend="canvas",
    )  # fmt: skip
    plot.toolbar.logo = None
    source = ColumnDataSource(
        {"param": params, "importance": ordered["importance"].to_numpy(dtype=np.float64)}
    )
    bars = plot.hbar(y="param", right="importance", height=0.7, source=source, color=BAR_COLOR)
    plot.add_tools(
        HoverTool(
            renderers=[bars],
            tooltips=[("parameter", "@param"), ("importance", "@importance{0.000}")],
        )
    )
    plot.ygrid.visible = False
    return plot


def parallel_figure(snapshot: StudySnapshot) -> Any:
    """The parallel coordinates of the drawn trials (:attr:`StudySnapshot.parallel`), each axis
    named by its parameter, log-scaled where Optuna suggested it with ``log=True``; the title
    says when they are a sample."""
    from workbench.ui._plots import parallel_coordinates_figure

    plot = parallel_coordinates_figure(
        snapshot.parallel,
        log_params=snapshot.log_params,
        value_label=snapshot.value_label,
        direction=snapshot.direction,
    )
    note = snapshot.parallel_note.rstrip(".")
    if note:
        plot.title.text = f"Parallel coordinates, {note[0].lower()}{note[1:]}"
    return plot
