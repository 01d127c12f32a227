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
        HoverTool(
            tooltips=[("run", "$name"), ("step", "@step{0,0}"), ("value", "@value{%.4g}")],
            formatters={"@value": "printf"},
        )
    )
    plot.legend.click_policy = "hide"
    plot.add_layout(plot.legend[0], "right")
    return plot


def format_number(value: float) -> str:
    """A number as a person reads it: integers whole (with thousands separators), other values
    to 4 significant digits (``0.9581``, ``1.23e-05``)."""
    if not np.isfinite(value):
        return str(value)
    if abs(value) >= 1e15:
        return f"{value:.4g}"
    if value == int(value):
        return f"{int(value):,}"
    if abs(value) >= 1e4:
        return f"{float(f'{value:.4g}'):,.0f}"  # 123,500 rather than 1.235e+05
    return f"{value:.4g}"


def _nice_step(span: float, ticks: int = 4) -> float:
    raw = span / ticks
    magnitude = 10 ** np.floor(np.log10(raw))
    return float(min(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw))


def bar_range(values: Sequence[float]) -> tuple[float, float]:
    """The axis of a group of bars: the values' range widened to round numbers, so that
    0.944 and 0.958 differ visibly (it starts at 0 only when the values come close to it);
    the smallest value keeps a visible bar."""
    low, high = float(min(values)), float(max(values))
    span = high - low
    if span == 0:
        span = abs(high) * 0.1 or 1.0
    step = _nice_step(span)
    start = np.floor((low - step / 2) / step) * step
    end = np.ceil(high / step) * step
    if low >= 0 > start or (low > 0 and start < low * 0.25):
        start = 0.0  # positive values near zero: the natural origin costs nothing
    end = max(end, start + step)  # all values 0: an axis of one step, not of none
    digits = int(2 - np.floor(np.log10(step)))  # 0.9400000000000001 is 0.94
    return float(round(start, digits)), float(max(round(end, digits), high))


def scalar_bars(values: Mapping[str, Mapping[str, float | None]]) -> str:
    """Values as horizontal bars, one group per metric and one bar per run, each group on an
    axis scaled to its values (:func:`bar_range`), whose ends are written above the bars (HTML:
    a chart of a few numbers needs no plotting library, and draws instantly)."""
    groups = []
    for metric, per_run in values.items():
        finite = [v for v in per_run.values() if v is not None and np.isfinite(v)]
        start, end = bar_range(finite) if finite else (0.0, 1.0)
        rows = [
            '<tr class="wb-bar-axis"><td></td><td class="wb-bar-cell"><div class="wb-bar-ends">'
            f"<span>{format_number(start)}</span><span>{format_number(end)}</span></div></td>"
            "<td></td></tr>"
        ]
        for run, value in per_run.items():
            if value is None or not np.isfinite(value):
                rows.append(f"<tr><td>{html.escape(run)}</td><td></td><td>—</td></tr>")
                continue
            width = 100 * (value - start) / (end - start)
            rows.append(
                f'<tr><td>{html.escape(run)}</td><td class="wb-bar-cell">'
                f'<div class="wb-bar" style="width:{width:.1f}%"></div></td>'
                f'<td title="{value!r}">{format_number(value)}</td></tr>'
            )
        groups.append(
            f'<table class="wb-bars" data-axis-start="{start!r}" data-axis-end="{end!r}">'
            f"<caption>{html.escape(metric)}</caption>{''.join(rows)}</table>"
        )
    return "".join(groups)


BARS_CSS = """
.wb-bars{border-collapse:collapse;font-size:13px;margin:0 0 12px 0;width:100%}
.wb-bars caption{text-align:left;font-weight:600;padding:4px 0}
.wb-bars td{padding:2px 8px;white-space:nowrap}.wb-bar-cell{width:60%}
.wb-bar{height:12px;background:#2f6f8f;border-radius:2px}
.wb-bar-axis td{font-size:11px;color:#666;padding-bottom:0}
.wb-bar-ends{display:flex;justify-content:space-between;border-left:1px solid #999;
border-right:1px solid #999;padding:0 3px}
"""


MAX_PARALLEL_LINES = 1_000  # above this the best quarter and a seeded sample of the rest
MAX_DECADE_TICKS = 5  # a log axis over more decades labels every second (third, ...) one


def _numeric_ticks(low: float, high: float, log: bool) -> list[float]:
    """Round tick values covering [low, high]: decades (and 2, 5 within a decade or two) on a
    log axis, 1-2-2.5-5 steps on a linear one. The first and last enclose the values."""
    if log:
        first, last = int(np.floor(np.log10(low))), int(np.ceil(np.log10(high)))
        stride = max(1, int(np.ceil((last - first) / MAX_DECADE_TICKS)))  # 1e-08, 1e-06, ...
        last = first + max(1, int(np.ceil((last - first) / stride))) * stride
        multiples = (1, 2, 5) if last - first <= 2 else (1,)
        ticks = [m * 10.0**e for e in range(first, last, stride) for m in multiples]
        ticks.append(10.0**last)
        inside = [t for t in ticks if low <= t <= high]
        below = [t for t in ticks if t <= low][-1:]
        above = [t for t in ticks if t >= high][:1]
        return sorted(set(below + inside + above))
    if high == low:
        return [low]
    step = _nice_step(high - low)
    start, end = np.floor(low / step) * step, np.ceil(high / step) * step
    digits = int(2 - np.floor(np.log10(step)))
    return [round(float(t), digits) for t in np.arange(start, end + step / 2, step)]


def parallel_axis(name: str, column: Any, label: str, log: bool = False) -> dict[str, Any]:
    """One axis of :func:`parallel_coordinates_figure`: ``name``, ``label``, ``scale``
    (``"log"``, ``"linear"`` or ``"categorical"``), ``positions`` (the column placed on 0..1,
    NaN where missing) and ``ticks`` as (position, text). A categorical column (pandas
    categorical) keeps its categories' order, evenly spaced."""
    import pandas as pd

    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = [str(c) for c in column.cat.categories]
        spacing = 1 / (len(categories) - 1) if len(categories) > 1 else 0.0
        offset = 0.0 if len(categories) > 1 else 0.5
        codes = column.cat.codes.to_numpy(dtype=np.float64)
        codes[codes < 0] = np.nan
        ticks = [(offset + i * spacing, c) for i, c in enumerate(categories)]
        return {"name": name, "label": label, "scale": "categorical",
                "positions": offset + codes * spacing, "ticks": ticks}  # fmt: skip
    raw = column.to_numpy(dtype=np.float64)
    if not np.isfinite(raw).any():
        scale = "log" if log else "linear"
        return {"name": name, "label": label, "scale": scale, "positions": raw, "ticks": []}
    log = log and bool(np.nanmin(raw) > 0)  # a log axis cannot hold 0 or less
    scale = "log" if log else "linear"
    values = np.log10(raw) if log else raw
    tick_values = _numeric_ticks(float(np.nanmin(raw)), float(np.nanmax(raw)), log)
    ends = np.log10(tick_values) if log else np.array(tick_values)
    low, high = float(ends[0]), float(ends[-1])
    if high == low:
        return {"name": name, "label": label, "scale": scale,
                "positions": np.where(np.isnan(raw), np.nan, 0.5),
                "ticks": [(0.5, format_number(tick_values[0]))]}  # fmt: skip
    places = (ends - low) / (high - low)
    ticks = [(float(p), format_number(t)) for p, t in zip(places, tick_values, strict=True)]
    return {"name": name, "label": label, "scale": scale,
            "positions": (values - low) / (high - low), "ticks": ticks}  # fmt: skip


def parallel_coordinates_figure(
    frame: Any,
    *,
    log_params: Sequence[str] = (),
    value_label: str = "objective",
    direction: str = "minimize",
    seed: int = 0,
) -> Any:
    """One line per complete trial through an axis per parameter and one for the objective,
    as a Bokeh figure: each axis named by its parameter (the last by ``value_label``) with its
    own ticks — decades on the axis of a parameter in ``log_params``, the choices on a
    categorical one — and lines coloured by the objective, the best drawn on top.

    ``frame`` is a trials frame of :func:`workbench.tuning.plots.trials_frame` (``number``,
    ``state``, ``value`` and ``params_<name>`` columns). The axes are in ``figure.tags``
    (one dict per axis: ``name``, ``label``, ``scale``, ``ticks``).
    """
    import pandas as pd
    from bokeh.models import ColumnDataSource, FixedTicker, HoverTool, LinearColorMapper, Range1d
    from bokeh.models.annotations import ColorBar, LabelSet
    from bokeh.plotting import figure
    from bokeh.transform import transform

    done = frame[(frame["state"] == "COMPLETE") & np.isfinite(frame["value"].astype(float))]
    names = [c.removeprefix("params_") for c in frame.columns if c.startswith("params_")]
    title = "Parallel coordinates"
    if len(done) > MAX_PARALLEL_LINES:
        ranked = done.sort_values("value", ascending=direction == "minimize", kind="stable")
        best = ranked.iloc[: MAX_PARALLEL_LINES // 4]
        rest = ranked.iloc[MAX_PARALLEL_LINES // 4 :].sample(
            MAX_PARALLEL_LINES - len(best), random_state=seed
        )
        title += f" (best {len(best):,} and {len(rest):,} random of {len(done):,} trials)"
        done = pd.concat([best, rest])
    axes = [parallel_axis(n, done["params_" + n], n, log=n in log_params) for n in names] + [
        parallel_axis("value", done["value"], value_label)
    ]
    # worst first: the best lines are drawn last, on top
    order = np.argsort(done["value"].to_numpy(dtype=np.float64), kind="stable")
    if direction == "minimize":
        order = order[::-1]
    columns = {n: done["params_" + n].tolist() for n in names}  # lists: no pandas per value
    params_text = [", ".join(f"{n}={_short(columns[n][i])}" for n in names) for i in order]
    source = ColumnDataSource(
        {
            "xs": [list(range(len(axes)))] * len(order),
            "ys": [[float(a["positions"][i]) for a in axes] for i in order],
            "value": done["value"].to_numpy(dtype=np.float64)[order],
            "value_text": [format_number(float(v)) for v in done["value"].to_numpy()[order]],
            "number": done["number"].to_numpy()[order],
            "params": params_text,
        }
    )
    plot = figure(
        title=title, height=420, sizing_mode="stretch_width", tools="pan,box_zoom,reset,save",
        x_range=Range1d(start=-0.15, end=len(axes) - 0.55 + 0.03 * len(axes)),  # room for the ticks
        y_range=Range1d(start=-0.05, end=1.05),
        output_backend="canvas",
    )  # fmt: skip
    plot.toolbar.logo = None
    values = source.data["value"]
    palette = _blues(reverse=direction == "minimize")
    low = float(np.min(values)) if len(values) else 0.0
    high = float(np.max(values)) if len(values) else 1.0
    mapper = LinearColorMapper(palette=palette, low=low, high=high if high > low else low + 1)
    lines = plot.multi_line(
        "xs", "ys", source=source, line_color=transform("value", mapper), line_width=1.5,
        line_alpha=0.75,
    )  # fmt: skip
    plot.add_tools(HoverTool(renderers=[lines], tooltips=[
        ("trial", "@number"), (value_label, "@value_text"), ("params", "@params")]))  # fmt: skip
    plot.add_layout(ColorBar(color_mapper=mapper, title=value_label), "right")
    for index in range(len(axes)):
        plot.line([index, index], [0, 1], line_color="#777777", line_width=1)
    ticks = [(i, pos, text) for i, a in enumerate(axes) for pos, text in a["ticks"]]
    tick_source = ColumnDataSource(
        {"x": [t[0] for t in ticks], "y": [t[1] for t in ticks], "text": [t[2] for t in ticks]}
    )
    plot.scatter("x", "y", source=tick_source, marker="dash", size=8, line_color="#777777")
    plot.add_layout(LabelSet(
        x="x", y="y", text="text", source=tick_source, x_offset=6, text_baseline="middle",
        text_font_size="8pt", text_color="#333333", background_fill_color="white",
        background_fill_alpha=0.7, name="wb-parallel-ticks",
    ))  # fmt: skip
    plot.xaxis.ticker = FixedTicker(ticks=list(range(len(axes))))
    plot.xaxis.major_label_overrides = {i: a["label"] for i, a in enumerate(axes)}
    if len(axes) > 5 or max(len(a["label"]) for a in axes) > 12:
        plot.xaxis.major_label_orientation = 0.6  # radians: long names slant instead of clash
    plot.xaxis.major_label_text_font_size = "10pt"
    plot.yaxis.visible = False
    plot.xgrid.visible = plot.ygrid.visible = False
    plot.tags = [{k: a[k] for k in ("name", "label", "scale", "ticks")} for a in axes]
    return plot


def _short(value: Any) -> str:
    return format_number(float(value)) if isinstance(value, float | int) else str(value)


def _blues(reverse: bool) -> list[str]:
    from bokeh.palettes import Blues256

    colors = list(Blues256[:184])  # without the near-white end, invisible on white
    return colors if reverse else colors[::-1]


def band_figure(key: str, bands: Any, height: int = 280) -> Any:
    """One metric's history per group as a mean line in a ± std band, as a Bokeh figure
    (built directly, as :func:`history_figure`); ``bands`` has the columns ``group``,
    ``step``, ``mean``, ``std`` of :func:`workbench.tracking.grouping.group_histories`. A
    step where one run has a value draws no band. Legend entries hide their group.

    >>> import pandas as pd
    >>> bands = pd.DataFrame({"group": ["a", "a"], "step": [0, 1], "mean": [0.5, 0.6],
    ...                       "std": [0.1, 0.1]})
    >>> band_figure("auc", bands).title.text
    'auc'
    """
    from bokeh.models import ColumnDataSource, HoverTool
    from bokeh.palettes import Category10_10, Category20_20
    from bokeh.plotting import figure

    plot = figure(
        title=key, height=height, sizing_mode="stretch_width",
        tools="pan,wheel_zoom,box_zoom,reset,save",
        x_axis_label="step", y_axis_label=key, output_backend="canvas",
    )  # fmt: skip
    plot.toolbar.logo = None
    groups = list(dict.fromkeys(bands["group"]))
    palette = Category10_10 if len(groups) <= 10 else Category20_20
    lines: list[Any] = []
    for index, group in enumerate(groups):
        rows = bands[bands["group"] == group]
        mean = rows["mean"].to_numpy(np.float64)
        spread = np.nan_to_num(rows["std"].to_numpy(np.float64), nan=0.0)
        source = ColumnDataSource(
            {
                "step": rows["step"].to_numpy(np.float64), "mean": mean,
                "lower": mean - spread, "upper": mean + spread, "std": spread,
            }
        )  # fmt: skip
        color = palette[index % len(palette)]
        label = str(group)
        plot.varea("step", "lower", "upper", source=source, fill_color=color,
                   fill_alpha=0.2, legend_label=label)  # fmt: skip
        if len(rows) == 1:  # one step: a point with its spread as a whisker
            plot.segment("step", "lower", "step", "upper", source=source, line_color=color,
                         line_width=2, legend_label=label)  # fmt: skip
            plot.scatter("step", "mean", source=source, color=color, size=7,
                         legend_label=label)  # fmt: skip
        lines.append(
            plot.line("step", "mean", source=source, name=label, line_color=color,
                      line_width=1.5, legend_label=label)
        )  # fmt: skip
    plot.add_tools(
        HoverTool(
            renderers=lines,
            tooltips=[
                ("group", "$name"),
                ("step", "@step{0,0}"),
                ("mean", "@mean{%.4g}"),
                ("std", "@std{%.4g}"),
            ],
            formatters={"@mean": "printf", "@std": "printf"},
        )
    )
    if groups:
        plot.legend.click_policy = "hide"
        plot.add_layout(plot.legend[0], "right")
    return plot
