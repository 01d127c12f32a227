"""Parallel coordinates: one polyline per trial across normalised parameter axes."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import holoviews as hv
import numpy as np
import pandas as pd

from workbench.tuning._plot_frames import (
    MAX_GLYPHS,
    PARAM_PREFIX,
    best_first,
    blues,
    check_direction,
    complete_rows,
    count,
    empty_overlay,
    format_tick,
    param_names,
    sample_rows,
    use_bokeh_options,
)

_SEGMENT_DIMS = ["axis_from", "position_from", "axis_to", "position_to"]


def parallel_coordinates_plot(
    frame: pd.DataFrame,
    *,
    direction: str = "minimize",
    log_params: Collection[str] = (),
    value_label: str = "objective",
    max_glyphs: int = MAX_GLYPHS,
    seed: int = 0,
) -> Any:
    """One line per COMPLETE trial through every parameter axis and the objective axis.

    Each axis is scaled to 0..1 over the complete trials (log10 first for ``log_params``;
    categories at evenly spaced positions in choice order) and labelled with its real range.
    A line is drawn as ``hv.Segments`` between neighbouring axes, coloured by the objective, best
    trials darkest and on top; a parameter a trial lacks leaves a gap. At most ``max_glyphs``
    segments: with more trials the plot keeps the best quarter of its line budget and a seeded
    random sample of the rest, and says so in its title.

    Returns:
        ``hv.Overlay`` of the axes (``hv.VLines``), the ``hv.Segments`` (vdims ``value`` and
        ``number``) and ``hv.Labels`` of the axis ranges.

    Example::

        parallel_coordinates_plot(trials_frame(study), log_params=log_scaled_params(study))
    """
    check_direction(direction)
    use_bokeh_options()
    value = hv.Dimension("value", label=value_label)
    number = hv.Dimension("number", label="trial")
    title = "Parallel coordinates"
    done = complete_rows(frame)
    names = param_names(frame)
    if done.empty or not names:
        reason = "no complete trials yet" if done.empty else "the trials have no parameters"
        return empty_overlay(hv.Segments, _SEGMENT_DIMS, [value, number], f"{title}: {reason}")

    axes = [*names, "value"]
    line_budget = max(1, max_glyphs // (len(axes) - 1))
    ranked = best_first(done, direction)
    shown = sample_rows(done, line_budget, keep=ranked.index[: max(1, line_budget // 4)], seed=seed)
    if len(shown) < len(done):
        n_best = min(len(shown), max(1, line_budget // 4))
        title += (
            f" (best {count(n_best)} + {count(len(shown) - n_best)} random"
            f" of {count(len(done))} trials)"
        )

    positions, labels = [], []
    for axis, name in enumerate(axes):
        column = "value" if name == "value" else PARAM_PREFIX + name
        position, ticks = _normalise(done[column], log=name in log_params)
        positions.append(position.loc[shown.index].to_numpy(dtype=np.float64))
        labels += [(axis, y, text) for y, text in ticks]

    # Worst first, so the best lines are drawn last and stay visible.
    order = np.argsort(shown["value"].to_numpy())
    if direction == "minimize":
        order = order[::-1]
    segments = pd.DataFrame(
        {
            "axis_from": np.repeat(np.arange(len(axes) - 1, dtype=float), len(shown)),
            "position_from": np.concatenate([p[order] for p in positions[:-1]]),
            "axis_to": np.repeat(np.arange(1, len(axes), dtype=float), len(shown)),
            "position_to": np.concatenate([p[order] for p in positions[1:]]),
            "value": np.tile(shown["value"].to_numpy()[order], len(axes) - 1),
            "number": np.tile(shown["number"].to_numpy()[order], len(axes) - 1),
        }
    )
    lines = hv.Segments(segments, _SEGMENT_DIMS, [value, number]).opts(
        color="value",
        cmap=blues(reverse=direction == "minimize"),
        colorbar=True,
        line_width=1.5,
        alpha=0.7,
        hover_tooltips=[("trial", "@{number}"), (value_label, "@{value}")],
        backend="bokeh",
    )
    ticks = hv.Labels(labels, ["axis", "position"], "text").opts(
        text_font_size="8pt",
        text_color="#333333",
        text_align="left",
        xoffset=0.04,
        backend="bokeh",
    )
    rules = hv.VLines(list(range(len(axes)))).opts(color="#999999", line_width=1, backend="bokeh")
    return (rules * lines * ticks).opts(
        title=title,
        xticks=[(i, "objective" if a == "value" else a) for i, a in enumerate(axes)],
        yaxis=None,
        width=max(480, 130 * len(axes)),
        height=400,
        backend="bokeh",
    )


def _normalise(column: pd.Series, *, log: bool) -> tuple[pd.Series, list[tuple[float, str]]]:
    """Positions in 0..1 (NaN where missing) and the axis labels as (position, text)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = list(column.cat.categories)
        step = 1 / (len(categories) - 1) if len(categories) > 1 else 0.0
        offset = 0.0 if len(categories) > 1 else 0.5
        codes = column.cat.codes.to_numpy(dtype=np.float64)
        codes[codes < 0] = np.nan
        ticks = [(offset + i * step, str(c)) for i, c in enumerate(categories)]
        return pd.Series(offset + codes * step, index=column.index), ticks
    raw = column.to_numpy(dtype=np.float64)
    if np.isnan(raw).all():
        return pd.Series(raw, index=column.index), []
    scaled = np.log10(raw) if log else raw
    low, high = np.nanmin(scaled), np.nanmax(scaled)
    if not high > low:
        return pd.Series(np.where(np.isnan(raw), np.nan, 0.5), index=column.index), [
            (0.5, format_tick(float(np.nanmin(raw))))
        ]
    ticks = [(0.0, format_tick(float(np.nanmin(raw)))), (1.0, format_tick(float(np.nanmax(raw))))]
    return pd.Series((scaled - low) / (high - low), index=column.index), ticks
