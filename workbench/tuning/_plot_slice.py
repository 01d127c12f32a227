"""Slice plots: the objective against each parameter's value."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import holoviews as hv
import pandas as pd

from workbench.tuning._plot_frames import (
    MAX_GLYPHS,
    PARAM_PREFIX,
    best_first,
    blues,
    check_direction,
    complete_rows,
    count,
    param_names,
    sample_rows,
    use_bokeh_options,
)


def slice_plot(
    frame: pd.DataFrame,
    *,
    param: str | None = None,
    log_params: Collection[str] = (),
    value_label: str = "objective",
    direction: str = "minimize",
    max_glyphs: int = MAX_GLYPHS,
    seed: int = 0,
) -> Any:
    """Scatter of the objective against the value of ``param``, or of every parameter.

    Only COMPLETE trials that suggested the parameter are drawn, coloured by trial number
    (later trials darker). ``log_params`` get a log x axis; categorical parameters a categorical
    axis in choice order, with jitter. Each scatter holds at most ``max_glyphs`` points: the best
    quarter of that budget and a seeded random sample of the rest, stated in its title.

    Returns:
        One ``hv.Scatter`` (kdim ``params_<name>``, vdims ``value`` and ``number``) for ``param``,
        else an ``hv.Layout`` of one per parameter, or of one empty scatter titled with why.

    Raises:
        ValueError: ``param`` is not a parameter of the trials.

    Example::

        slice_plot(trials_frame(study), param="lr", log_params=log_scaled_params(study))
    """
    check_direction(direction)
    names = param_names(frame)
    if param is not None and param not in names:
        raise ValueError(f"param must be one of the study's parameters {names}, got {param!r}")
    use_bokeh_options()
    done = complete_rows(frame)
    if done.empty or not names:
        reason = "no complete trials yet" if done.empty else "the trials have no parameters"
        empty = hv.Scatter([], PARAM_PREFIX + (param or "param"), ["value", "number"]).opts(
            title=f"Slice: {reason}", backend="bokeh"
        )
        return empty if param is not None else hv.Layout([empty])
    scatters = [
        _scatter(
            done,
            name,
            log=name in log_params,
            value_label=value_label,
            direction=direction,
            max_glyphs=max_glyphs,
            seed=seed,
        )
        for name in ([param] if param is not None else names)
    ]
    return scatters[0] if param is not None else hv.Layout(scatters).cols(3)


def _scatter(
    done: pd.DataFrame,
    name: str,
    *,
    log: bool,
    value_label: str,
    direction: str,
    max_glyphs: int,
    seed: int,
) -> Any:
    column = PARAM_PREFIX + name
    rows = done[done[column].notna()]
    n_best = max(1, max_glyphs // 4)
    shown = sample_rows(
        rows, max_glyphs, keep=best_first(rows, direction).index[:n_best], seed=seed
    )
    title = name
    if len(shown) < len(rows):
        title += f" ({count(len(shown))} of {count(len(rows))} trials)"
    x = hv.Dimension(column, label=name)
    value = hv.Dimension("value", label=value_label)
    number = hv.Dimension("number", label="trial")
    options: dict[str, Any] = {"logx": log}
    data = shown[[column, "value", "number"]]
    if isinstance(data[column].dtype, pd.CategoricalDtype):
        categories = [str(c) for c in data[column].cat.categories]
        data = data.astype({column: str})
        x = x.clone(values=categories)
        options = {"jitter": 0.3}
    return hv.Scatter(data, x, [value, number]).opts(
        title=title,
        color="number",
        cmap=blues(),
        size=5,
        alpha=0.7,
        tools=["hover"],
        width=320,
        height=280,
        **options,
        backend="bokeh",
    )
