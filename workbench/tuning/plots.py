"""HoloViews plots of an Optuna study: history, importances, parallel coordinates, slices.

Each plot is a function of a tidy pandas frame (:func:`trials_frame`,
:func:`intermediate_frame`, :func:`importance_frame`), so a notebook cell, a Panel page and an
HTML file draw the same thing; :class:`StudyPlots` wires them to a study. Plots use the bokeh
backend; display them after ``hv.extension("bokeh")`` (or ``pn.extension()``).

Two rules hold for every plot:

- **Bounded size.** No element carries more than ``MAX_GLYPHS`` (5,000) points, line vertices
  or segments, and each builds in well under 2 s for a 10,000-trial study. Large studies are
  sampled with a fixed seed; the title says what is shown ("... 833 of 10,000 trials").
- **Missing data is drawn, not raised.** A study without complete trials, parameters or
  intermediate values gives an empty plot whose title says why, so a dashboard of a study
  that is still running keeps working. Only wrong arguments raise ``ValueError``: an unknown
  ``param``, a ``target`` out of range, or no ``target`` for a multi-objective study.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import holoviews as hv

from workbench.tuning._plot_frames import (
    MAX_GLYPHS,
    complete_rows,
    direction_of,
    intermediate_frame,
    log_scaled_params,
    param_names,
    resolve_target,
    trials_frame,
    value_label,
)
from workbench.tuning._plot_history import history_plot
from workbench.tuning._plot_importances import (
    MAX_IMPORTANCE_TRIALS,
    importance_frame,
    importance_plot,
)
from workbench.tuning._plot_intermediate import MAX_INTERMEDIATE_TRIALS, intermediate_plot
from workbench.tuning._plot_parallel import parallel_coordinates_plot
from workbench.tuning._plot_slice import slice_plot

if TYPE_CHECKING:
    import optuna
    import pandas as pd

__all__ = [
    "MAX_GLYPHS",
    "MAX_IMPORTANCE_TRIALS",
    "MAX_INTERMEDIATE_TRIALS",
    "StudyPlots",
    "history_plot",
    "importance_frame",
    "importance_plot",
    "intermediate_frame",
    "intermediate_plot",
    "log_scaled_params",
    "parallel_coordinates_plot",
    "slice_plot",
    "trials_frame",
]


class StudyPlots:
    """The plots of one study, read afresh from its storage at every call.

    Args:
        study: the Optuna study (any storage; trials in every state are fine).
        max_glyphs: the most points, vertices or segments in one plot element.
        seed: seed of every sample drawn from a large study, so plots are reproducible.

    Every method taking ``target`` plots that objective index; it may be omitted for a
    single-objective study.

    Example::

        plots = wb.tune(objective, n_trials=100).plots
        plots.all()  # in a notebook, Bokeh's JavaScript is loaded inline on first use
    """

    def __init__(self, study: optuna.Study, *, max_glyphs: int = MAX_GLYPHS, seed: int = 0) -> None:
        if max_glyphs < 2:
            raise ValueError(f"max_glyphs must be at least 2, got {max_glyphs}")
        self.study = study
        self.max_glyphs = max_glyphs
        self.seed = seed

    def history(self, target: int | None = None) -> hv.Overlay:
        """Objective value per trial number and the best value so far (:func:`history_plot`)."""
        target = resolve_target(self.study, target)
        return self._history(trials_frame(self.study, target), target)

    def importances(self, target: int | None = None) -> hv.Bars:
        """fANOVA parameter importances as horizontal bars (:func:`importance_frame`)."""
        frame = importance_frame(self.study, target=target, seed=self.seed)
        return importance_plot(frame)

    def parallel_coordinates(self, target: int | None = None) -> hv.Overlay:
        """One line per trial across the parameters and the objective."""
        target = resolve_target(self.study, target)
        return self._parallel_coordinates(trials_frame(self.study, target), target)

    def slice(self, param: str | None = None, target: int | None = None) -> hv.Layout | hv.Scatter:
        """Objective against each parameter (a Layout), or against ``param`` (one Scatter)."""
        target = resolve_target(self.study, target)
        return self._slice(trials_frame(self.study, target), target, param)

    def intermediate(self) -> hv.Overlay:
        """Values reported with ``trial.report`` per step, pruned trials dashed red."""
        return intermediate_plot(
            intermediate_frame(self.study),
            direction=direction_of(self.study, 0),
            max_glyphs=self.max_glyphs,
        )

    def all(self, target: int | None = None) -> hv.Layout:
        """Every plot that has something to show for this study, in one Layout.

        The history always (titled with why when empty); importances from 2 complete trials
        with parameters; parallel coordinates and slices from 1; intermediate values when a
        trial reported any. For a multi-objective study without ``target``: the history of each
        objective.
        """
        n_objectives = len(self.study.directions)
        if target is None and n_objectives > 1:
            return hv.Layout([self.history(i) for i in range(n_objectives)]).cols(2)
        target = resolve_target(self.study, target)
        frame = trials_frame(self.study, target)
        plots: list[Any] = [self._history(frame, target)]
        n_complete = len(complete_rows(frame))
        if param_names(frame) and n_complete >= 2:
            plots.append(self.importances(target))
        if param_names(frame) and n_complete >= 1:
            plots.append(self._parallel_coordinates(frame, target))
            plots.extend(self._slice(frame, target, None))
        intermediate = intermediate_frame(self.study)
        if not intermediate.empty:
            plots.append(
                intermediate_plot(
                    intermediate,
                    direction=direction_of(self.study, 0),
                    max_glyphs=self.max_glyphs,
                )
            )
        return hv.Layout(plots).cols(2)

    def _history(self, frame: pd.DataFrame, target: int) -> hv.Overlay:
        return history_plot(frame, **self._options(target))

    def _parallel_coordinates(self, frame: pd.DataFrame, target: int) -> hv.Overlay:
        log_params = log_scaled_params(self.study)
        return parallel_coordinates_plot(frame, log_params=log_params, **self._options(target))

    def _slice(self, frame: pd.DataFrame, target: int, param: str | None) -> Any:
        log_params = log_scaled_params(self.study)
        return slice_plot(frame, param=param, log_params=log_params, **self._options(target))

    def _options(self, target: int) -> dict[str, Any]:
        return {
            "direction": direction_of(self.study, target),
            "value_label": value_label(self.study, target),
            "max_glyphs": self.max_glyphs,
            "seed": self.seed,
        }
