"""A drift report's plots for the dashboard, as plain Bokeh figures: the plots of
``report.plot()`` (scores, drift over time, reference vs current per column) built directly
from the report's stored counts, several times cheaper to build than through HoloViews."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.drift._plots import DRIFT_COLOR, STABLE_COLOR, plotted_columns

if TYPE_CHECKING:
    from workbench.drift._report import ColumnDrift, DriftReport

REFERENCE_COLOR, CURRENT_COLOR = "#1f77b4", "#ff7f0e"
TOOLS = "pan,wheel_zoom,box_zoom,reset,save"
HISTOGRAM_WIDTH, HISTOGRAM_HEIGHT = 420, 260


def unique_labels(labels: Iterable[Any]) -> list[str]:
    """``labels`` as distinct strings (a categorical axis rejects repeats: ``1`` and ``"1"``
    both read "1"), a repeat marked by its rank.

    >>> unique_labels([1, "1", "a"])
    ['1', '1 (2)', 'a']
    """
    result: list[str] = []
    used: set[str] = set()
    for label in labels:
        text, rank = str(label), 1
        while text in used:
            rank += 1
            text = f"{label} ({rank})"
        used.add(text)
        result.append(text)
    return result


def _floats(values: Sequence[float | None]) -> np.ndarray:
    # None stands for a value stored as non-finite: drawn as nothing
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _shares(counts: Sequence[int]) -> np.ndarray:
    counts_array = np.asarray(counts, dtype=np.float64)
    return counts_array / (counts_array.sum() or 1.0)


def _figure(title: str, tools: str = TOOLS, **options: Any) -> Any:
    from bokeh.plotting import figure

    plot = figure(title=title, tools=tools, output_backend="canvas", **options)
    plot.toolbar.logo = None
    return plot


def scores_figure(report: DriftReport) -> Any:
    """Each tested column's score (p-value or distance), red when it drifted.

    >>> import pandas as pd, workbench as wb
    >>> frame = pd.DataFrame({"a": range(50)})
    >>> scores_figure(wb.drift.compare(frame, frame)).title.text
    'Drift score per column (0/1 drifted)'
    """
    from bokeh.models import ColumnDataSource, FactorRange, HoverTool

    tested = [c for c in report.columns if c.status == "ok"]
    names = unique_labels([c.column for c in tested])
    source = ColumnDataSource({
        "column": names,
        "score": _floats([c.score for c in tested]),
        "threshold": _floats([c.threshold for c in tested]),
        "test": [c.test or "" for c in tested],
        "verdict": ["drift" if c.drifted else "no drift" for c in tested],
        "color": [DRIFT_COLOR if c.drifted else STABLE_COLOR for c in tested],
    })  # fmt: skip
    plot = _figure(
        f"Drift score per column ({report.n_drifted}/{len(report.tested)} drifted)",
        x_range=FactorRange(factors=names), height=320, sizing_mode="stretch_width",
        y_axis_label="p-value (tests) or distance",
    )  # fmt: skip
    plot.vbar(
        x="column", top="score", width=0.8, source=source, color="color", legend_field="verdict"
    )
    plot.add_tools(
        HoverTool(
            tooltips=[("column", "@column"), ("test", "@test"), ("score", "@score{%.4g}"),
                      ("threshold", "@threshold{%.4g}"), ("verdict", "@verdict")],
            formatters={"@score": "printf", "@threshold": "printf"},
        )
    )  # fmt: skip
    plot.xaxis.major_label_orientation = np.pi / 4
    plot.xgrid.grid_line_color = None
    plot.y_range.start = 0
    plot.legend.location = "top_right"
    return plot


def distribution_figure(column: ColumnDrift) -> Any:
    """The share of rows per bin (numeric) or category, reference beside current. A numeric
    histogram keeps its own value axis: each bin's left half is the reference, its right half
    the current data.

    >>> import pandas as pd, workbench as wb
    >>> frame = pd.DataFrame({"colour": ["red", "blue"] * 25})
    >>> distribution_figure(wb.drift.compare(frame, frame)["colour"]).x_range.factors
    ['blue', 'red']
    """
    from bokeh.models import ColumnDataSource, FactorRange, HoverTool

    dist = column.distribution
    verdict = "drift" if column.drifted else "no drift"
    title = f"{column.column}: {verdict} ({column.test})"
    reference = list(dist.reference) if dist else []
    current = list(dist.current) if dist else []
    n = len(reference)
    # Both samples in one source and one glyph: a figure's cost grows with its models.
    data: dict[str, Any] = {
        "sample": ["reference"] * n + ["current"] * len(current),
        "color": [REFERENCE_COLOR] * n + [CURRENT_COLOR] * len(current),
        "share": np.concatenate([_shares(reference), _shares(current)]),
        "count": np.asarray(reference + current, dtype=np.float64),
    }
    options: dict[str, Any] = {"width": HISTOGRAM_WIDTH, "height": HISTOGRAM_HEIGHT}
    if dist is not None and dist.kind == "histogram":
        edges = _floats(dist.edges)
        left, right = edges[:n], edges[1 : n + 1]
        middle = (left + right) / 2
        data.update(
            left=np.concatenate([left, middle]), right=np.concatenate([middle, right]),
            start=np.concatenate([left, left]), end=np.concatenate([right, right]),
        )  # fmt: skip
        plot = _figure(title, tools="save", **options)
        plot.quad(
            left="left", right="right", bottom=0, top="share", color="color",
            source=ColumnDataSource(data), legend_field="sample",
        )  # fmt: skip
        bin_tip = ("bin", "@start{%.4g} to @end{%.4g}")
        formatters: dict[str, Any] = {"@start": "printf", "@end": "printf", "@share": "printf"}
    else:
        labels = unique_labels(dist.labels if dist else [])
        # a categorical coordinate with an offset: reference left of the category, current right
        data["x"] = [(label, -0.2) for label in labels] + [(label, 0.2) for label in labels]
        data["category"] = labels + labels
        plot = _figure(title, tools="save", x_range=FactorRange(factors=labels), **options)
        plot.vbar(
            x="x", top="share", width=0.4, color="color", source=ColumnDataSource(data),
            legend_field="sample",
        )  # fmt: skip
        plot.xaxis.major_label_orientation = np.pi / 4
        plot.xgrid.grid_line_color = None
        bin_tip = ("category", "@category")
        formatters = {"@share": "printf"}
    plot.add_tools(
        HoverTool(
            tooltips=[("sample", "@sample"), bin_tip, ("share", "@share{%.3f}"),
                      ("rows", "@count{0,0}")],
            formatters=formatters,
        )
    )  # fmt: skip
    plot.y_range.start = 0
    plot.yaxis.axis_label = "share of rows"
    # above the bars, not over them
    plot.legend.orientation = "horizontal"
    plot.legend.label_text_font_size = "8pt"
    plot.add_layout(plot.legend[0], "above")
    return plot


def windows_figure(report: DriftReport) -> Any:
    """Drift over time: one cell per window and column, red where the column drifted."""
    from bokeh.models import ColumnDataSource, FactorRange, HoverTool

    rows = report.windows or []
    windows = list(dict.fromkeys(str(r["window"]) for r in rows))
    columns = list(dict.fromkeys(str(r["column"]) for r in rows))
    source = ColumnDataSource({
        "window": [str(r["window"]) for r in rows],
        "column": [str(r["column"]) for r in rows],
        "score": _floats([r.get("score") for r in rows]),
        "drift": [1 if r.get("drifted") else 0 for r in rows],
        "color": [DRIFT_COLOR if r.get("drifted") else STABLE_COLOR for r in rows],
    })  # fmt: skip
    plot = _figure(
        "Drift over time (1 = drifted)", x_range=FactorRange(factors=windows),
        y_range=FactorRange(factors=columns), height=320, sizing_mode="stretch_width",
    )  # fmt: skip
    plot.rect(x="window", y="column", width=1, height=1, source=source, color="color")
    plot.add_tools(
        HoverTool(
            tooltips=[("window", "@window"), ("column", "@column"), ("drift", "@drift"),
                      ("score", "@score{%.4g}")],
            formatters={"@score": "printf"},
        )
    )  # fmt: skip
    plot.xaxis.major_label_orientation = np.pi / 4
    return plot


def report_figures(report: DriftReport, limit: int) -> tuple[list[Any], int]:
    """The first ``limit`` plots of ``report.plot()``, in its order (scores, drift over time,
    then the distributions, drifted columns first), as Bokeh figures; and how many plots
    ``report.plot()`` draws."""
    plotted = plotted_columns(report)
    figures = [scores_figure(report)]
    if report.windows:
        figures.append(windows_figure(report))
    total = len(figures) + len(plotted)
    figures += [distribution_figure(c) for c in plotted[: max(0, limit - len(figures))]]
    return figures[:limit], total


def figures_layout(figures: Sequence[Any]) -> list[Any]:
    """Panel objects showing ``figures``: the summary plots at full width above the
    distributions, two per row."""
    import panel as pn

    wide = [pn.pane.Bokeh(f, sizing_mode="stretch_width") for f in figures if _wide(f)]
    small = [pn.pane.Bokeh(f) for f in figures if not _wide(f)]
    return [*wide, pn.GridBox(*small, ncols=2)]


def _wide(figure: Any) -> bool:
    return bool(figure.sizing_mode == "stretch_width")
