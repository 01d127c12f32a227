"""Optimization history: every trial's objective value and the best value so far."""

from __future__ import annotations

from typing import Any

import holoviews as hv
import numpy as np
import pandas as pd

from workbench.tuning._plot_frames import (
    MAX_GLYPHS,
    check_direction,
    complete_rows,
    count,
    empty_overlay,
    sample_rows,
    use_bokeh_options,
)


def history_plot(
    frame: pd.DataFrame,
    *,
    direction: str = "minimize",
    value_label: str = "objective",
    max_glyphs: int = MAX_GLYPHS,
    seed: int = 0,
) -> Any:
    """Scatter of the objective value per trial number, with a best-so-far step line.

    Args:
        frame: a :func:`~workbench.tuning.plots.trials_frame`; only COMPLETE trials are drawn.
        direction: ``"minimize"`` or ``"maximize"``, which decides what "best" means.
        value_label: the objective's name on the y axis.
        max_glyphs: points per element; beyond it the scatter keeps every trial that improved
            the best value plus a seeded random sample of the others, and the title says so.
        seed: seed of that sample.

    Returns:
        ``hv.Overlay`` of an ``hv.Scatter`` (``number``, ``value``) and an ``hv.Curve`` drawn
        with ``steps-post``: its vertices are the trials that improved the best value.

    Example::

        history_plot(trials_frame(study), direction="maximize", value_label="auc")
    """
    check_direction(direction)
    use_bokeh_options()
    number = hv.Dimension("number", label="trial")
    value = hv.Dimension("value", label=value_label)
    title = f"Optimization history of {value_label}"
    done = complete_rows(frame).sort_values("number")
    if done.empty:
        return empty_overlay(hv.Scatter, [number], [value], f"{title}: no complete trials yet")

    values = done["value"].to_numpy()
    accumulate = np.minimum.accumulate if direction == "minimize" else np.maximum.accumulate
    best = accumulate(values)
    improved = np.r_[True, best[1:] != best[:-1]]
    numbers = done["number"].to_numpy()
    # The step line needs a vertex only where the best changes, plus one to reach the last trial.
    ends = improved.copy()
    ends[-1] = True
    steps = pd.DataFrame({"number": numbers[ends], "value": best[ends]})
    steps = sample_rows(steps, max_glyphs, keep=steps.index)
    shown = sample_rows(done, max_glyphs, keep=done.index[improved], seed=seed)
    if len(shown) < len(done):
        title += f" ({count(len(shown))} of {count(len(done))} trials, every improvement kept)"

    points = hv.Scatter(shown[["number", "value"]], number, value, label="trial").opts(
        color="#4c78a8", alpha=0.6, size=5, tools=["hover"], backend="bokeh"
    )
    line = hv.Curve(steps, number, value, label="best so far").opts(
        interpolation="steps-post", color="#e45756", line_width=2, backend="bokeh"
    )
    return (points * line).opts(
        title=title, legend_position="top_right", width=640, height=360, backend="bokeh"
    )
