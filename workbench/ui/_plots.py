"""Plot helpers shared by pages: metric histories (downsampled) and scalar bars."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

MAX_POINTS = 5_000  # above this a history is reduced to the min and max of each bucket
MIN_POINTS_PER_CURVE = 500


def downsample(steps: np.ndarray, values: np.ndarray, limit: int = MAX_POINTS) -> tuple[Any, Any]:
    """At most ``limit`` points that keep the shape of the curve: the first and last point
    and, per bucket of consecutive points, its minimum and its maximum (in step order)."""
    n = len(steps)
    if n <= limit:
        return steps, values
    buckets = max(1, (limit - 2) // 2)
    edges = np.linspace(1, n - 1, buckets + 1).astype(np.int64)
    starts = edges[:-1]
    finite = np.where(np.isnan(values), np.inf, values)
    keep = [np.array([0, n - 1])]
    for reduce in (np.minimum, np.maximum):
        source = finite if reduce is np.minimum else np.where(np.isinf(finite), -np.inf, finite)
        best = reduce.reduceat(source, starts)
        # the index of each bucket's extreme value: first position that equals it
        positions = np.arange(n)
        bucket_of = np.searchsorted(starts, positions, side="right") - 1
        inside = (positions >= 1) & (positions < n - 1)
        hits = inside & (source == best[np.clip(bucket_of, 0, len(best) - 1)])
        first = np.unique(bucket_of[hits], return_index=True)[1]
        keep.append(positions[hits][first])
    index = np.unique(np.concatenate(keep))
    return steps[index], values[index]


def _budget(curves: Sequence[tuple[str, Any]]) -> int:
    # overlaid curves share the budget: the browser draws at most ~MAX_POINTS per plot
    return max(MIN_POINTS_PER_CURVE, MAX_POINTS // max(1, len(curves)))


def _points(frame: Any, limit: int, overlaid: int) -> tuple[np.ndarray, np.ndarray]:
    steps, values = frame["step"].to_numpy(), frame["value"].to_numpy()
    if len(steps) > MAX_POINTS or len(steps) * overlaid > MAX_POINTS:
        steps, values = downsample(steps, values, limit)
    return steps, values


def history_overlay(key: str, curves: Sequence[tuple[str, Any]], height: int = 260) -> Any:
    """One metric's history for several runs, overlaid, as a HoloViews element (for layouts
    of HoloViews plots); ``curves`` holds (label, frame with ``step`` and ``value``)."""
    import holoviews as hv

    limit = _budget(curves)
    elements = [
        hv.Curve(_points(frame, limit, len(curves)), "step", hv.Dimension(key), label=label)
        for label, frame in curves
    ]
    return hv.Overlay(elements).opts(
        hv.opts.Curve(tools=["hover"], line_width=1.5),
        hv.opts.Overlay(title=key, height=height, responsive=True, legend_position="right"),
    )


def history_figure(
    key: str, curves: Sequence[tuple[str, Any]], height: int = 260, x_range: Any = None
) -> Any:
    """One metric's history for several runs, overlaid, as a Bokeh figure: the plot of
    :func:`history_overlay` built directly, for the compare page (about 3 times faster to
    build and serialise than through HoloViews: 10 runs, 0.15 s instead of 0.5 s). Pass
    another figure's ``x_range`` to link the step axes; ``curves`` as in
    :func:`history_overlay`. Legend entries hide their run when clicked.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"step": [0, 1, 2], "value": [0.5, 0.7, 0.8]})
    >>> history_figure("auc", [("run a", frame)]).title.text
    'auc'
    """
    from bokeh.models import ColumnDataSource, HoverTool
    from bokeh.palettes import Category10_10, Category20_20
    from bokeh.plotting import figure

    linked = {} if x_range is None else {"x_range": x_range}
    plot = figure(
        title=key, height=height, sizing_mode="stretch_width",
        tools="pan,wheel_zoom,box_zoom,reset,save",
        x_axis_label="step", y_axis_label=key, output_backend="canvas", **linked,
    )  # fmt: skip
    plot.toolbar.logo = None
    palette = Category10_10 if len(curves) <= 10 else Category20_20
    limit = _budget(curves)
    for index, (label, frame) in enumerate(curves):
        steps, values = _points(frame, limit, len(curves))
        # float64 columns travel as binary buffers (int64 would be converted element-wise)
        source = ColumnDataSource(
            {"step": steps.astype(np.float64), "value": values.astype(np.float64)}
        )
        plot.line(
            "step", "value", source=source, name=label, legend_label=label, line_width=1.5,
            line_color=palette[index % len(palette)],
        )  # fmt: skip
    plot.add_tools(
        HoverTool(tooltips=[("run", "$name"), ("step", "@step{0,0}"), ("value", "@value")])
    )
    plot.legend.click_policy = "hide"
    plot.add_layout(plot.legend[0], "right")
    return plot


def scalar_bars(values: Mapping[str, Mapping[str, float | None]]) -> str:
    """Last values as horizontal bars, one group per metric and one bar per run (HTML: a
    chart of a few numbers needs no plotting library, and draws instantly)."""
    groups = []
    for metric, per_run in values.items():
        finite = [abs(v) for v in per_run.values() if v is not None and np.isfinite(v)]
        scale = max(finite) if finite and max(finite) > 0 else 1.0
        rows = []
        for run, value in per_run.items():
            if value is None or not np.isfinite(value):
                rows.append(f"<tr><td>{html.escape(run)}</td><td></td><td>—</td></tr>")
                continue
            width = 100 * abs(value) / scale
            rows.append(
                f'<tr><td>{html.escape(run)}</td><td class="wb-bar-cell">'
                f'<div class="wb-bar" style="width:{width:.1f}%"></div></td>'
                f"<td>{value:.6g}</td></tr>"
            )
        groups.append(
            f'<table class="wb-bars"><caption>{html.escape(metric)}</caption>'
            f"{''.join(rows)}</table>"
        )
    return "".join(groups)


BARS_CSS = """
.wb-bars{border-collapse:collapse;font-size:13px;margin:0 0 12px 0;width:100%}
.wb-bars caption{text-align:left;font-weight:600;padding:4px 0}
.wb-bars td{padding:2px 8px;white-space:nowrap}.wb-bar-cell{width:60%}
.wb-bar{height:12px;background:#2f6f8f;border-radius:2px}
"""
