"""What the study page shows, computed once per study and state of its trials while the
server lives: a page load of a 10,000-trial study then only draws (about 0.1 s) instead of
replaying the study's journal, reading its 10,000 trial runs and fitting fANOVA again.

A study is opened once per server (its storage reads only what was appended since); every
load reads its trials without copying them and reuses the :class:`StudySnapshot` computed for
the same trial count and states. The list of studies is cached per store revision.
"""

from __future__ import annotations

import html
import json
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import workbench as wb
from workbench.ui._layout import run_link

#: parallel coordinates draw at most this many lines: the best ones and a seeded sample
MAX_PARALLEL_LINES = 1_000
BEST_PARALLEL_LINES = 200
MIN_IMPORTANCE_TRIALS = 2  # fANOVA needs two complete trials with different values
KEPT_SNAPSHOTS = 8  # studies whose computed page is kept (a few MB each at 10,000 trials)

_lock = threading.RLock()
_studies: dict[str, Any] = {}  # "revision", "frame": the list of studies at that revision
# a study is known by its name and its study run's id (unique across projects and reruns)
_opened: dict[tuple[str, str], Any] = {}  # study → the opened Optuna study
_run_ids: dict[tuple[str, str], dict[int, str]] = {}  # study → trial number → run id
_snapshots: OrderedDict[tuple[Any, ...], StudySnapshot] = OrderedDict()


@dataclass(frozen=True)
class BestTrial:
    """The best trial (the first of the Pareto front with several objectives)."""

    number: int
    values: list[float]
    params: dict[str, Any]
    run_id: str | None


@dataclass(frozen=True)
class StudySnapshot:
    """One study as the page shows it, for one state of its trials.

    ``frame`` is a :func:`workbench.tuning.plots.trials_frame` of the plotted objective;
    ``parallel`` the rows drawn as parallel coordinates (at most ``MAX_PARALLEL_LINES``) and
    ``parallel_note`` what they are when not every trial; ``importances`` an
    :func:`~workbench.tuning.plots.importance_frame` or ``None`` with ``importance_reason``.
    """

    name: str
    study_run_id: str
    n_trials: int
    frame: pd.DataFrame
    table: pd.DataFrame
    best: BestTrial | None
    direction: str
    value_label: str
    log_params: list[str]
    parallel: pd.DataFrame
    parallel_note: str
    importances: pd.DataFrame | None
    importance_reason: str


def known_studies() -> pd.DataFrame:
    """:func:`wb.tuning.studies`, read again only when the store changed."""
    from workbench.tracking.fluent import get_store
    from workbench.tracking.queries import store_revision

    # the store's URL as well: a process may open several projects (tests, notebooks)
    revision = (get_store().url, store_revision())
    with _lock:
        if _studies.get("revision") != revision:
            _studies.update(revision=revision, frame=wb.tuning.studies())
        frame: pd.DataFrame = _studies["frame"]
        return frame


def study_snapshot(name: str) -> StudySnapshot:
    """The page of study ``name`` as it stands now.

    Raises:
        LookupError: no study of that name (the message lists the known ones).
    """
    known = known_studies()
    found = known[known["study"] == name]
    if found.empty:
        wb.tuning.get_study(name)  # raises the service's LookupError, naming the known studies
        raise LookupError(f"No study named {name!r} yet.")  # it was created a moment ago
    study_run_id = str(found["run_id"].iloc[0])
    with _lock:
        study = _opened.get((name, study_run_id))
        if study is None:
            study = _opened[name, study_run_id] = _open_study(name)
        trials = study.get_trials(deepcopy=False)
        states = tuple(sorted(pd.Series([t.state.name for t in trials]).value_counts().items()))
        key = (name, study_run_id, len(trials), states, tuple(study.metric_names or ()))
        snapshot = _snapshots.get(key)
        if snapshot is None:
            run_ids = _trial_run_ids((name, study_run_id), [t.number for t in trials])
            snapshot = _snapshots[key] = _compute(name, study_run_id, study, trials, run_ids)
            while len(_snapshots) > KEPT_SNAPSHOTS:
                _snapshots.popitem(last=False)
        _snapshots.move_to_end(key)
        return snapshot


def _open_study(name: str) -> Any:
    """The Optuna study ``name``, opened as :func:`wb.tuning.get_study` does but without
    finding its best trial there (Optuna copies every trial for it: seconds at 10,000)."""
    import optuna

    from workbench.tuning._logging import optuna_info_silenced
    from workbench.tuning._storage import open_storage

    with optuna_info_silenced():
        return optuna.load_study(study_name=name, storage=open_storage(name))


def _trial_run_ids(study: tuple[str, str], numbers: list[int]) -> dict[int, str]:
    """Trial number → run id, read from the store again only when a trial is new."""
    from workbench.tuning._tune import trial_run_ids

    known = _run_ids.get(study)
    if known is None or any(n not in known for n in numbers):
        known = _run_ids[study] = trial_run_ids(study[0])
    return known


def _compute(
    name: str, study_run_id: str, study: Any, trials: list[Any], run_ids: dict[int, str]
) -> StudySnapshot:
    from workbench.tuning.plots import importance_frame, log_scaled_params, trials_frame

    # a study with several objectives is drawn for its first one
    target = 0 if len(study.directions) > 1 else None
    index = target or 0
    direction = study.directions[index].name.lower()
    names = study.metric_names
    if names is not None:
        label = names[index]
    else:
        label = "objective" if len(study.directions) == 1 else f"objective {index}"
    frame = trials_frame(study, target)
    complete = frame[(frame["state"] == "COMPLETE").to_numpy() & np.isfinite(frame["value"])]
    importances, reason = None, ""
    n_complete = int((frame["state"] == "COMPLETE").sum())
    if n_complete < MIN_IMPORTANCE_TRIALS:
        reason = f"Importances need {MIN_IMPORTANCE_TRIALS} complete trials ({n_complete} so far)."
    else:
        try:
            importances = importance_frame(study, target=target)
        except (ValueError, RuntimeError) as error:  # fANOVA on degenerate trials
            reason = f"Importances are not available: {error}"
    parallel, note = parallel_rows(complete, direction)
    return StudySnapshot(
        name=name,
        study_run_id=study_run_id,
        n_trials=len(trials),
        frame=frame,
        table=table_frame(trials, run_ids),
        best=_best_trial(study, trials, complete, direction, run_ids),
        direction=direction,
        value_label=label,
        log_params=log_scaled_params(study),
        parallel=parallel,
        parallel_note=note,
        importances=importances,
        importance_reason=reason,
    )


def parallel_rows(
    complete: pd.DataFrame,
    direction: str,
    limit: int = MAX_PARALLEL_LINES,
    n_best: int = BEST_PARALLEL_LINES,
    seed: int = 0,
) -> tuple[pd.DataFrame, str]:
    """The complete trials drawn as parallel coordinates and a note saying which they are:
    all of them up to ``limit``, else the ``n_best`` best and a seeded random sample of the
    others (the best trial is always drawn)."""
    if len(complete) <= limit:
        return complete, ""
    ranked = complete.sort_values("value", ascending=direction == "minimize", kind="stable")
    best, rest = ranked.iloc[:n_best], ranked.iloc[n_best:]
    chosen = np.random.default_rng(seed).choice(len(rest), size=limit - n_best, replace=False)
    shown = pd.concat([best, rest.iloc[np.sort(chosen)]]).sort_values("number", kind="stable")
    note = (
        f"Showing {len(shown):,} of {len(complete):,} complete trials: "
        f"the {n_best:,} best and a random sample of the others."
    )
    return shown, note


def table_frame(trials: list[Any], run_ids: dict[int, str]) -> pd.DataFrame:
    """One row per trial: number, state, value(s), parameters, start, duration and its run
    linked (read from the trials without copying them: 10,000 in about 0.1 s)."""
    several = any(t.values is not None and len(t.values) > 1 for t in trials)
    columns: dict[str, Any] = {
        "number": np.array([t.number for t in trials], dtype=np.int64),
        "state": [t.state.name for t in trials],
    }
    if several:
        width = max(len(t.values) for t in trials if t.values is not None)
        for i in range(width):
            columns[f"values_{i}"] = [
                t.values[i] if t.values is not None else math.nan for t in trials
            ]
    else:
        columns["value"] = np.array(
            [t.values[0] if t.values else math.nan for t in trials], dtype=np.float64
        )
    params = sorted({name for t in trials for name in t.params})
    for name in params:
        columns[name] = [t.params.get(name) for t in trials]
    starts = pd.to_datetime([t.datetime_start for t in trials])
    ends = pd.to_datetime([t.datetime_complete for t in trials])
    columns["started"] = starts.strftime("%H:%M:%S")
    columns["duration_s"] = np.round((ends - starts).total_seconds(), 2)
    columns["run"] = [run_link(run_ids[t.number]) if t.number in run_ids else "" for t in trials]
    return pd.DataFrame(columns)


def _best_trial(
    study: Any,
    trials: list[Any],
    complete: pd.DataFrame,
    direction: str,
    run_ids: dict[int, str],
) -> BestTrial | None:
    if len(study.directions) > 1:
        front = study.best_trials
        if not front:
            return None
        number = front[0].number
    else:
        if complete.empty:
            return None
        values = complete["value"].to_numpy()
        position = int(np.argmin(values) if direction == "minimize" else np.argmax(values))
        number = int(complete["number"].iloc[position])
    trial = next(t for t in trials if t.number == number)
    return BestTrial(number, list(trial.values), dict(trial.params), run_ids.get(number))


def best_trial_html(best: BestTrial | None) -> str:
    """The best trial: its value(s), parameters and a link to its run."""
    if best is None:
        return '<p class="wb-study-best">No trial has completed yet.</p>'
    values = ", ".join(f"{v:.6g}" for v in best.values)
    exact = json.dumps(best.params, default=str)
    # 4 significant digits to read, the exact values in the tooltip
    rounded = {k: float(f"{v:.4g}") if isinstance(v, float) else v for k, v in best.params.items()}
    params = json.dumps(rounded, default=str)
    run = run_link(best.run_id) if best.run_id else "—"
    return (
        '<div class="wb-study-best">'
        f"<b>Best trial</b> #{best.number}: value "
        f'<span class="wb-best-value">{values}</span> · params '
        f'<code class="wb-best-params" title="{html.escape(exact, quote=True)}">'
        f"{html.escape(params)}</code> · run {run}</div>"
    )
