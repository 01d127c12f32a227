"""Tidy frames behind the study plots, and the helpers every plot shares.

Every plot function takes one of these frames, so a notebook cell, a Panel page and an
HTML report build the same picture from the same data.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import optuna

#: Upper bound of glyphs (points, line vertices, segments) in any one plot element.
MAX_GLYPHS = 5_000
COMPLETE = "COMPLETE"
PARAM_PREFIX = "params_"
_ABSENT = object()


def resolve_target(study: optuna.Study, target: int | None) -> int:
    """The objective index to plot: ``target``, or 0 for a single-objective study.

    Raises:
        ValueError: ``target`` is missing for a multi-objective study, or out of range.
    """
    n_objectives = len(study.directions)
    if target is None:
        if n_objectives == 1:
            return 0
        directions = ", ".join(d.name.lower() for d in study.directions)
        raise ValueError(
            f"The study has {n_objectives} objectives ({directions}); pass "
            f"target=0..{n_objectives - 1} to choose the one to plot."
        )
    if isinstance(target, bool) or not 0 <= target < n_objectives:
        raise ValueError(
            f"target must be an objective index in 0..{n_objectives - 1}, got {target!r}"
        )
    return target


def check_direction(direction: str) -> None:
    """Raise ``ValueError`` unless ``direction`` is ``"minimize"`` or ``"maximize"``."""
    if direction not in ("minimize", "maximize"):
        raise ValueError(f"direction must be 'minimize' or 'maximize', got {direction!r}")


def direction_of(study: optuna.Study, target: int) -> str:
    """``"minimize"`` or ``"maximize"`` for objective ``target``."""
    return study.directions[target].name.lower()


def value_label(study: optuna.Study, target: int) -> str:
    """The objective's metric name when set, else ``objective`` (numbered when several)."""
    names = study.metric_names
    if names is not None:
        return names[target]
    return "objective" if len(study.directions) == 1 else f"objective {target}"


def trials_frame(study: optuna.Study, target: int | None = None) -> pd.DataFrame:
    """One row per trial: ``number``, ``state``, ``value`` and a ``params_<name>`` per parameter.

    ``value`` is objective ``target`` of COMPLETE trials and NaN for every other state (Optuna
    stores the last intermediate value on pruned trials; it is not an objective value). A
    parameter a trial did not suggest (conditional search spaces) is NaN. Categorical parameters
    are pandas categoricals of their choices' ``str``, in choice order; numeric ones are floats.

    Raises:
        ValueError: as :func:`resolve_target`.

    Example::

        study.optimize(lambda t: t.suggest_float("x", 0, 1) ** 2, n_trials=3)
        trials_frame(study).columns  # number, state, value, params_x
    """
    from optuna.distributions import CategoricalDistribution

    target = resolve_target(study, target)
    trials = study.get_trials(deepcopy=False)
    categories: dict[str, dict[str, None]] = {}
    numeric: set[str] = set()
    for trial in trials:
        for name, distribution in trial.distributions.items():
            if isinstance(distribution, CategoricalDistribution):
                known = categories.setdefault(name, {})
                known.update(dict.fromkeys(str(choice) for choice in distribution.choices))
            else:
                numeric.add(name)
    columns: dict[str, Any] = {
        "number": np.array([t.number for t in trials], dtype=np.int64),
        "state": [t.state.name for t in trials],
        "value": np.array(
            [t.values[target] if t.state.name == COMPLETE else np.nan for t in trials],
            dtype=np.float64,
        ),
    }
    for name in sorted(numeric | categories.keys()):
        raw = [t.params.get(name, _ABSENT) for t in trials]
        if name in categories:
            # A parameter categorical in any trial stays categorical, so its axis has positions.
            labels = [None if v is _ABSENT else str(v) for v in raw]
            order = dict.fromkeys([*categories[name], *(v for v in labels if v is not None)])
            columns[PARAM_PREFIX + name] = pd.Categorical(
                np.array(labels, dtype=object), categories=list(order)
            )
        else:
            columns[PARAM_PREFIX + name] = np.array(
                [np.nan if v is _ABSENT else v for v in raw], dtype=np.float64
            )
    return pd.DataFrame(columns)


def log_scaled_params(study: optuna.Study) -> list[str]:
    """Names of the parameters whose latest numeric distribution is log-scaled."""
    latest: dict[str, bool] = {}
    for trial in study.get_trials(deepcopy=False):
        for name, distribution in trial.distributions.items():
            latest[name] = bool(getattr(distribution, "log", False))
    return sorted(name for name, log in latest.items() if log)


def intermediate_frame(study: optuna.Study) -> pd.DataFrame:
    """One row per reported step of any trial.

    Columns: ``number``, ``state``, ``step``, ``intermediate_value`` and ``value``, which is
    the trial's objective when COMPLETE, else NaN. Multi-objective studies cannot report
    intermediate values, so their frame is empty.
    """
    columns = ["number", "state", "step", "intermediate_value", "value"]
    trials = study.get_trials(deepcopy=False) if len(study.directions) == 1 else []
    rows = [
        (t.number, t.state.name, step, reported, t.value if t.state.name == COMPLETE else np.nan)
        for t in trials
        for step, reported in t.intermediate_values.items()
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({"number": "int64", "step": "int64", "intermediate_value": "float64"})


def param_names(frame: pd.DataFrame) -> list[str]:
    """The parameter names of a :func:`trials_frame`, without the column prefix."""
    return [c.removeprefix(PARAM_PREFIX) for c in frame.columns if c.startswith(PARAM_PREFIX)]


def complete_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """COMPLETE trials with a finite value (bokeh cannot place an infinite one)."""
    finite = np.isfinite(frame["value"].to_numpy(dtype=np.float64))
    return frame[(frame["state"] == COMPLETE).to_numpy() & finite]


def best_first(frame: pd.DataFrame, direction: str) -> pd.DataFrame:
    """Rows ordered from best to worst value; ties keep trial order."""
    return frame.sort_values("value", ascending=direction == "minimize", kind="stable")


def sample_rows(
    frame: pd.DataFrame, limit: int, *, keep: pd.Index | None = None, seed: int = 0
) -> pd.DataFrame:
    """At most ``limit`` rows, sorted by trial number: the ``keep`` rows, then a random rest.

    Without room for all ``keep`` rows they are thinned evenly, so the picture keeps its shape.
    """
    if len(frame) <= limit:
        return frame
    kept = frame.loc[keep] if keep is not None else frame.iloc[:0]
    if len(kept) >= limit:
        return kept.iloc[np.linspace(0, len(kept) - 1, limit).round().astype(int)]
    rest = frame.drop(index=kept.index)
    chosen = np.random.default_rng(seed).choice(len(rest), size=limit - len(kept), replace=False)
    return pd.concat([kept, rest.iloc[np.sort(chosen)]]).sort_values("number")


def count(n: int) -> str:
    """``10,000`` rather than ``10000`` in titles."""
    return f"{n:,}"


def format_tick(value: float) -> str:
    """A short label for an axis end: integers stay whole, others get 4 significant digits."""
    if math.isfinite(value) and value == int(value) and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.4g}"


def blues(reverse: bool = False) -> list[str]:
    """A light-to-dark blue palette without the near-white end (invisible on white)."""
    from holoviews.plotting.util import process_cmap

    colors = process_cmap("Blues", 256)[72:]
    return colors[::-1] if reverse else colors


def use_bokeh_options() -> None:
    """Register bokeh's plot options so ``.opts(backend="bokeh")`` works before hv.extension;
    in a notebook, also load Bokeh's JavaScript (once, inline) so the plots render."""
    import holoviews.plotting.bokeh  # noqa: F401

    from workbench._notebook import load_plotting

    load_plotting()


def empty_overlay(element: Any, kdims: list[Any], vdims: list[Any], title: str) -> Any:
    """An overlay holding one empty element whose title says why there is nothing to draw."""
    import holoviews as hv

    use_bokeh_options()
    return hv.Overlay([element([], kdims, vdims)]).opts(title=title, backend="bokeh")
