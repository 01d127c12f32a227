"""Parameter importances (fANOVA) as horizontal bars."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import holoviews as hv
import numpy as np
import pandas as pd

from workbench.tuning._plot_frames import (
    count,
    resolve_target,
    use_bokeh_options,
)

if TYPE_CHECKING:
    import optuna
    from optuna.importance import BaseImportanceEvaluator

#: fANOVA fits on at most this many trials, a seeded random sample of the complete ones.
MAX_IMPORTANCE_TRIALS = 2_000
# Optuna's default forest (64 trees, depth 64) takes ~4 s on 200 trials and minutes on 2,000:
# its marginal variance walks every split of every tree in Python. 16 trees of depth 6 bound
# that walk (~0.5 s on 2,000 trials, 5 parameters) and rank parameters the same way.
FANOVA_TREES = 16
FANOVA_DEPTH = 6


def importance_frame(
    study: optuna.Study,
    *,
    target: int | None = None,
    max_trials: int = MAX_IMPORTANCE_TRIALS,
    seed: int = 0,
    evaluator: BaseImportanceEvaluator | None = None,
) -> pd.DataFrame:
    """One row per parameter: ``param`` and its ``importance`` (normalised to sum to 1).

    Importances come from ``optuna.importance.get_param_importances`` with fANOVA
    (``FanovaImportanceEvaluator(n_trees=16, max_depth=6, seed=seed)`` unless ``evaluator`` is
    given), fitted on the COMPLETE trials with a finite value, or on a seeded random sample of
    ``max_trials`` of them. fANOVA needs every parameter in every trial, so conditional
    parameters are left out. ``frame.attrs`` records ``fitted_trials``, ``complete_trials``,
    ``skipped_params`` and, when nothing could be assessed, a ``reason``.

    Example::

        importance_frame(study).plot.barh(x="param", y="importance")
    """
    import optuna

    target = resolve_target(study, target)
    trials = [
        t
        for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
        if np.isfinite(t.values[target])
    ]
    frame = pd.DataFrame({"param": pd.Series(dtype=str), "importance": pd.Series(dtype=float)})
    every = set(trials[0].params) if trials else set()
    for trial in trials[1:]:
        every &= trial.params.keys()
    seen = set().union(*(t.params for t in trials)) if trials else set()
    frame.attrs.update(
        fitted_trials=min(len(trials), max_trials),
        complete_trials=len(trials),
        skipped_params=sorted(seen - every),
    )
    values = np.array([t.values[target] for t in trials])
    if len(trials) < 2:
        frame.attrs["reason"] = f"needs 2 complete trials, the study has {len(trials)}"
    elif not every:
        frame.attrs["reason"] = "no parameter was suggested in every complete trial"
    elif np.ptp(values) == 0:
        frame.attrs["reason"] = "every complete trial has the same objective value"
    if "reason" in frame.attrs:
        return frame

    fitted = {t.number for t in trials}
    if len(trials) > max_trials:
        chosen = np.random.default_rng(seed).choice(len(trials), size=max_trials, replace=False)
        fitted = {trials[i].number for i in chosen}
    if evaluator is None:
        evaluator = optuna.importance.FanovaImportanceEvaluator(
            n_trees=FANOVA_TREES, max_depth=FANOVA_DEPTH, seed=seed
        )
    # Evaluators skip trials whose target is not finite: a NaN target leaves a trial out of the
    # fit without copying the sample into a new study (add_trials deep-copies every trial).
    importances = optuna.importance.get_param_importances(
        study,
        evaluator=evaluator,
        params=sorted(every),
        target=lambda t: t.values[target] if t.number in fitted else math.nan,
    )
    if not sum(importances.values()) > 0:
        frame.attrs["reason"] = "the objective does not vary with any parameter"
        return frame
    result = pd.DataFrame({"param": list(importances), "importance": list(importances.values())})
    result.attrs.update(frame.attrs)
    return result


def importance_plot(frame: pd.DataFrame) -> Any:
    """Horizontal ``hv.Bars`` of an :func:`importance_frame`, the most important on top.

    The title names the method and, when it fitted a sample, how many trials it used. An empty
    frame gives empty bars whose title carries ``frame.attrs["reason"]``.
    """
    use_bokeh_options()
    param = hv.Dimension("param", label="parameter")
    importance = hv.Dimension("importance", label="importance (fANOVA)", range=(0, None))
    fitted, total = frame.attrs.get("fitted_trials", 0), frame.attrs.get("complete_trials", 0)
    title = "Parameter importances"
    if frame.empty:
        reason = frame.attrs.get("reason", "nothing to assess")
        return hv.Bars([], param, importance).opts(title=f"{title}: {reason}", backend="bokeh")
    title += (
        f" (fANOVA on {count(fitted)} of {count(total)} trials)"
        if fitted < total
        else f" (fANOVA on {count(total)} trials)"
    )
    skipped = frame.attrs.get("skipped_params", [])
    if skipped:
        title += f"; not in every trial: {', '.join(skipped)}"
    ordered = frame.sort_values("importance", kind="stable")  # bottom-up: largest ends on top
    return hv.Bars(ordered, param, importance).opts(
        title=title,
        invert_axes=True,
        tools=["hover"],
        color="#4c78a8",
        width=640,
        height=max(160, 60 + 28 * len(frame)),
        backend="bokeh",
    )
