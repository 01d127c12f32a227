"""Intermediate values: what each trial reported per step, pruned trials set apart."""

from __future__ import annotations

from typing import Any

import holoviews as hv
import numpy as np
import pandas as pd

from workbench.tuning._plot_frames import (
    COMPLETE,
    MAX_GLYPHS,
    best_first,
    check_direction,
    count,
    empty_overlay,
    use_bokeh_options,
)

#: How many trials the plot draws at most: the best half complete, the rest the latest.
MAX_INTERMEDIATE_TRIALS = 100
_STYLES = {
    "COMPLETE": {"color": "#4c78a8", "line_dash": "solid", "alpha": 0.6},
    "PRUNED": {"color": "#e45756", "line_dash": "dashed", "alpha": 0.8},
    "RUNNING": {"color": "#54a24b", "line_dash": "dotted", "alpha": 0.9},
    "WAITING": {"color": "#54a24b", "line_dash": "dotted", "alpha": 0.9},
    "FAIL": {"color": "#7f7f7f", "line_dash": "dotdash", "alpha": 0.6},
}


def intermediate_plot(
    frame: pd.DataFrame,
    *,
    direction: str = "minimize",
    max_trials: int = MAX_INTERMEDIATE_TRIALS,
    max_glyphs: int = MAX_GLYPHS,
) -> Any:
    """Lines of intermediate value against step, one per trial, styled by trial state.

    Draws at most ``max_trials`` trials (the best complete half by objective, then the most
    recent of the others) and at most ``max_glyphs`` vertices in all, keeping each trial's first
    and last step and evenly spaced ones between. Pruned trials are red dashed lines ending in
    an ``x`` where they were stopped; running ones green dotted; failed ones grey.

    Args:
        frame: an :func:`~workbench.tuning.plots.intermediate_frame`.

    Returns:
        ``hv.Overlay`` of one ``hv.Curve`` per state (trials separated by NaN rows, vdim
        ``number``) and an ``hv.Scatter`` of where pruned trials stopped.

    Example::

        intermediate_plot(intermediate_frame(study), direction="maximize")
    """
    check_direction(direction)
    use_bokeh_options()
    step = hv.Dimension("step")
    reported = hv.Dimension("intermediate_value", label="intermediate value")
    title = "Intermediate values"
    if frame.empty:
        return empty_overlay(hv.Curve, [step], [reported], f"{title}: no trial reported any")

    trials = frame.groupby("number", sort=True).agg(
        state=("state", "first"), value=("value", "first")
    )
    complete = trials[(trials["state"] == COMPLETE).to_numpy() & np.isfinite(trials["value"])]
    best = best_first(complete.reset_index(), direction)["number"].head(max_trials // 2)
    latest = trials.index.difference(pd.Index(best))[::-1][: max_trials - len(best)]
    chosen = frame[frame["number"].isin(best) | frame["number"].isin(latest)]
    n_chosen = chosen["number"].nunique()
    # Each trial also costs a NaN row that ends its line, and a pruned one its stop marker.
    per_trial = max(2, (max_glyphs - 2 * n_chosen) // n_chosen)
    shown = (
        chosen.sort_values(["number", "step"])
        .groupby("number", group_keys=False)[list(chosen.columns)]
        .apply(lambda rows: _thin(rows, per_trial))
    )
    n_trials = shown["number"].nunique()
    if n_trials < len(trials) or len(shown) < len(chosen):
        title += f" ({count(n_trials)} of {count(len(trials))} trials"
        title += f", ≤ {count(per_trial)} steps each)" if len(shown) < len(chosen) else ")"

    layers = []
    for state, rows in shown.groupby("state", sort=False):
        style = _STYLES[str(state)]
        layers.append(
            hv.Curve(_with_breaks(rows), step, [reported, "number"], label=str(state).lower())
            .opts(line_width=1.5, tools=["hover"], backend="bokeh")
            .opts(**style, backend="bokeh")
        )
    stops = shown[shown["state"] == "PRUNED"].groupby("number").tail(1)
    layers.append(
        hv.Scatter(
            stops[["step", "intermediate_value", "number"]], step, [reported, "number"]
        ).opts(marker="x", size=9, color=_STYLES["PRUNED"]["color"], backend="bokeh")
    )
    return hv.Overlay(layers).opts(
        title=title, legend_position="top_right", width=640, height=360, backend="bokeh"
    )


def _thin(rows: pd.DataFrame, limit: int) -> pd.DataFrame:
    """At most ``limit`` rows, evenly spaced, first and last included."""
    if len(rows) <= limit:
        return rows
    return rows.iloc[np.unique(np.linspace(0, len(rows) - 1, limit).round().astype(int))]


def _with_breaks(rows: pd.DataFrame) -> pd.DataFrame:
    """One frame for many lines: a NaN row after each trial makes bokeh lift the pen."""
    columns = ["step", "intermediate_value", "number"]
    pieces = []
    for _, trial in rows.groupby("number", sort=True):
        pieces.append(trial[columns].astype(float))
        pieces.append(pd.DataFrame({c: [np.nan] for c in columns}))
    return pd.concat(pieces, ignore_index=True)
