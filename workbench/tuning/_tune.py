"""``wb.tune``: an Optuna study whose trials are tracked runs, in parallel processes if asked."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from workbench._deprecation import renamed_argument
from workbench.tracking import fluent
from workbench.tracking.run import ActiveRun
from workbench.tuning._logging import optuna_info_silenced
from workbench.tuning._recovery import fail_orphaned_trials
from workbench.tuning._result import TuneResult
from workbench.tuning._storage import open_storage, study_lock, sync_storage
from workbench.tuning._tracking import STUDY_TAG, TrialTracker

if TYPE_CHECKING:
    import optuna

DIRECTIONS = ("minimize", "maximize")
STUDY_RUN_ATTR = "workbench.study_run_id"


def _check_directions(direction: str | Sequence[str]) -> list[str]:
    directions = [direction] if isinstance(direction, str) else list(direction)
    if not directions:
        raise ValueError("direction must be 'minimize', 'maximize' or a non-empty list of them")
    for item in directions:
        if item not in DIRECTIONS:
            raise ValueError(f"direction must be 'minimize' or 'maximize', got {item!r}")
    return directions


def _default_study_name(objective: Callable[..., Any], experiment: str) -> str:
    name = getattr(objective, "__name__", type(objective).__name__)
    return f"{experiment}/{name}"


def _load_or_create(
    study_name: str,
    storage: Any,
    directions: list[str],
    sampler: Any,
    pruner: Any,
    resume: bool,
) -> optuna.Study:
    import optuna

    existing = {s.study_name: s for s in optuna.get_all_study_summaries(storage)}
    if study_name in existing:
        if not resume:
            raise ValueError(
                f"A study named {study_name!r} already exists. Pass resume=True to continue it, "
                "or choose another name."
            )
        stored = [d.name.lower() for d in existing[study_name].directions]
        if stored != directions:
            raise ValueError(
                f"Study {study_name!r} exists with direction(s) {stored}, not {directions}. "
                "Nothing was changed: use another name for a different direction."
            )
        return optuna.load_study(
            study_name=study_name, storage=storage, sampler=sampler, pruner=pruner
        )
    return optuna.create_study(
        study_name=study_name,
        storage=storage,
        directions=directions,  # type: ignore[arg-type]
        sampler=sampler,
        pruner=pruner,
    )


def _study_run(study: optuna.Study, name: str, experiment: str, directions: list[str]) -> ActiveRun:
    """The study's one run: resumed if the study has it, else created and linked to it."""
    previous_run = study.user_attrs.get(STUDY_RUN_ATTR)
    if previous_run is not None:
        return fluent.create_run(run_id=previous_run)
    parent = fluent.active_run()
    study_run = fluent.create_run(
        f"study {name}",
        experiment=experiment,
        parent_id=parent.id if parent else None,
        tags={STUDY_TAG: name, "workbench.kind": "study"},
    )
    study.set_user_attr(STUDY_RUN_ATTR, study_run.id)
    study_run.log_params(
        {"direction": ",".join(directions), "sampler": type(study.sampler).__name__}
    )
    return study_run


def _split(total: int | None, parts: int) -> list[int | None]:
    if total is None:
        return [None] * parts
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


class _Progress:
    """A tqdm bar with the best value so far (notebook widget or terminal)."""

    def __init__(self, total: int | None, enabled: bool, single: bool) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(total=total, desc="trials", unit="trial", disable=not enabled)
        self.single = single and enabled  # the best value costs a trial copy: only if shown
        self.done = 0

    def update(self, study: optuna.Study, done: int) -> None:
        if done > self.done:
            self.bar.update(done - self.done)
            self.done = done
            if self.single:
                with contextlib.suppress(ValueError):  # no completed trial yet
                    self.bar.set_postfix(best=f"{study.best_value:.6g}", refresh=False)

    def step(self, study: optuna.Study, _trial: optuna.trial.FrozenTrial) -> None:
        """Study callback: one more trial done (counted here, not read back from storage)."""
        self.update(study, self.done + 1)

    def close(self) -> None:
        self.bar.close()


@optuna_info_silenced()
def tune(
    objective: Callable[[optuna.Trial], Any],
    n_trials: int | None = None,
    timeout: float | None = None,
    n_jobs: int = 1,
    direction: str | Sequence[str] = "minimize",
    sampler: Any = None,
    pruner: Any = None,
    name: str | None = None,
    experiment: str | None = None,
    resume: bool = True,
    storage: Any = None,
    catch: tuple[type[Exception], ...] = (Exception,),
    show_progress: bool = True,
    threads_per_worker: int | None = None,
    *,
    study_name: str | None = None,
) -> TuneResult:
    """Run an Optuna study whose trials are tracked runs under one "study" run.

    ``n_jobs > 1`` starts that many worker processes on the same study (a local journal
    file, or PostgreSQL with ``WORKBENCH_DB_URL``). They are fresh interpreters, never forks,
    so tuning is safe after LightGBM or scikit-learn ran here; the objective is sent with
    cloudpickle (a notebook's functions and the data they use travel by value). Each worker
    may use ``threads_per_worker`` OpenMP/BLAS threads (``OMP_NUM_THREADS`` and friends in
    its environment): by default ``$WORKBENCH_TUNE_THREADS``, else cores // ``n_jobs``, so
    workers never fight over the cores.

    A failing trial is recorded as FAIL and the study goes on, unless its exception is not
    in ``catch``. Trials left RUNNING by a process that died (killed, crashed) are failed,
    and their runs ended, when the study is started again. Any number of processes may start
    the same study at once: it gets one study run. The study is ``name``, by default
    ``<objective>-<experiment>`` (``study_name=`` is its deprecated spelling).

    Optuna's own per-trial log lines are silenced while the study runs (the progress bar
    replaces them); Optuna's log level is as it was afterwards.

    >>> import workbench as wb
    >>> def objective(trial):
    ...     x = trial.suggest_float("x", -10, 10)
    ...     return (x - 2) ** 2
    >>> result = wb.tune(objective, n_trials=20, show_progress=False)  # doctest: +SKIP
    >>> result.best_params  # doctest: +SKIP
    {'x': 2.03...}
    """
    import optuna

    # stacklevel 5: past the optuna_info_silenced decorator's wrapper, to the user's call
    name = renamed_argument("wb.tune", "study_name", "name", study_name, name, stacklevel=5)
    if not callable(objective):
        raise TypeError(f"objective must be callable, got {type(objective).__name__}")
    directions = _check_directions(direction)
    if n_trials is not None and (not isinstance(n_trials, int) or n_trials <= 0):
        raise ValueError(f"n_trials must be a positive integer or None, got {n_trials!r}")
    if n_trials is None and timeout is None:
        raise ValueError("Give n_trials, timeout, or both: otherwise the study never ends.")
    if timeout is not None and timeout <= 0:
        raise ValueError(f"timeout must be positive seconds, got {timeout!r}")
    workers = (os.cpu_count() or 1) if n_jobs == -1 else n_jobs
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"n_jobs must be a positive integer or -1 (all cores), got {n_jobs!r}")

    from workbench.tuning._workers import worker_threads

    threads = worker_threads(workers, threads_per_worker) if workers > 1 else 0
    if workers > 1 and isinstance(storage, optuna.storages.InMemoryStorage):
        raise ValueError(
            "n_jobs > 1 runs trials in other processes, which cannot see an in-memory storage: "
            "pass storage=None (the project's), a journal file or a database URL."
        )

    experiment_name = experiment or fluent.current_experiment() or fluent.DEFAULT_EXPERIMENT
    name = name or _default_study_name(objective, experiment_name)
    study_storage = open_storage(name, storage)
    # Processes starting this study at once: one creates it and its run, the others load them.
    with study_lock(name):
        study = _load_or_create(name, study_storage, directions, sampler, pruner, resume)
        study_run = _study_run(study, name, experiment_name, directions)
    tracker = TrialTracker(
        objective,
        study_name=name,
        parent_id=study_run.id,
        experiment=experiment_name,
        n_objectives=len(directions),
    )
    fail_orphaned_trials(study, tracker.runs())
    progress = _Progress(n_trials, show_progress, single=workers == 1 and len(directions) == 1)
    try:
        if workers == 1:
            study.optimize(
                tracker,
                n_trials=n_trials,
                timeout=timeout,
                catch=catch,
                callbacks=[tracker.callback, progress.step],
            )
        else:
            from workbench.tuning._workers import run_workers

            shares = _split(n_trials, workers)
            run_workers(
                study, storage, tracker, shares, timeout, catch, threads,
                on_progress=lambda done: progress.update(study, done),
            )  # fmt: skip
    except BaseException:
        study_run.end("KILLED")
        progress.close()
        raise
    finally:
        sync_storage(study_storage)
    progress.close()
    if tracker.return_error is not None:
        study_run.end("FAILED")
        raise tracker.return_error
    result = TuneResult.from_study(study, study_run.id)
    if result.has_best:
        study_run.log_metrics({"best_value": result.best_values[0]} if len(directions) == 1 else {})
        study_run.set_tag("workbench.best_run_id", result.best_run_id or "")
    study_run.end("FINISHED")
    return result


def trial_run_ids(study_name: str) -> dict[int, str]:
    """Trial number -> tracking run id, for the trials of a study."""
    from workbench.tracking.queries import runs

    frame = runs(
        experiment=[e.name for e in fluent.get_store().list_experiments()],
        filter=f"tags.`{STUDY_TAG}` = '{study_name.replace(chr(39), chr(92) + chr(39))}' "
        "and tags.`optuna.trial` IS NOT NULL",
    )
    if frame.empty:  # no trial has a run yet: the frame has no tag columns either
        return {}
    return {
        int(n): str(r) for n, r in zip(frame["tags.optuna.trial"], frame["run_id"], strict=True)
    }


@optuna_info_silenced()
def join_study(
    name: str | None = None,
    objective: Callable[[optuna.Trial], Any] | None = None,
    n_trials: int | None = None,
    timeout: float | None = None,
    storage: Any = None,
    catch: tuple[type[Exception], ...] = (Exception,),
    show_progress: bool = True,
    *,
    study_name: str | None = None,
) -> int:
    """Work on the existing study ``name`` from another process or machine; returns the
    number of trials run here (``study_name=`` is the deprecated spelling of ``name``).

    Trials are tracked as children of the study's run, like those of :func:`tune`.

    >>> wb.tuning.join_study("objective-churn", objective, n_trials=10)  # doctest: +SKIP
    """
    name = renamed_argument(
        "wb.tuning.join_study", "study_name", "name", study_name, name, stacklevel=5
    )
    if name is None or objective is None:
        raise TypeError("join_study needs the study's name and the objective.")
    import optuna

    study_storage = open_storage(name, storage)
    names = [s.study_name for s in optuna.get_all_study_summaries(study_storage)]
    if name not in names:
        raise ValueError(
            f"No study named {name!r} to join; start it first with wb.tune(...) or "
            f"`workbench tune`. Known studies: {', '.join(sorted(names)) or 'none'}."
        )
    study = optuna.load_study(study_name=name, storage=study_storage)
    study_run_id = study.user_attrs.get(STUDY_RUN_ATTR)
    if study_run_id is None:
        raise ValueError(f"Study {name!r} was not started by workbench: no study run.")
    parent = fluent.get_store().get_run(study_run_id)
    tracker = TrialTracker(
        objective,
        study_name=name,
        parent_id=study_run_id,
        experiment=parent.experiment,
        n_objectives=len(study.directions),
    )
    fail_orphaned_trials(study, tracker.runs())
    mine: list[int] = []
    progress = _Progress(n_trials, show_progress, single=len(study.directions) == 1)

    def count(finished: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        mine.append(trial.number)
        progress.update(finished, len(mine))

    try:
        study.optimize(
            tracker,
            n_trials=n_trials,
            timeout=timeout,
            catch=catch,
            callbacks=[tracker.callback, count],
        )
    finally:
        progress.close()
        sync_storage(study_storage)
    if tracker.return_error is not None:
        raise tracker.return_error
    return len(mine)
