"""Each Optuna trial becomes a child run of the study's run."""

from __future__ import annotations

import math
import os
import threading
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.tracking import environment, fluent
from workbench.tracking.run import ActiveRun
from workbench.tracking.validation import is_number

if TYPE_CHECKING:
    import optuna

STUDY_TAG = "optuna.study"
STATE_TAG = "optuna.state"
# "host:pid" of the process running a trial, so a restart can tell a dead worker's trial.
WORKER_ATTR = "workbench.worker"


def worker_id() -> str:
    return f"{environment.host()}:{os.getpid()}"


class TrialRuns:
    """Makes the runs of one study's trials in this process.

    What ``fluent.create_run`` works out for every run (the store, the experiment, source,
    git state, environment) is the same for every trial of a study in one process: worked
    out once here, a trial's run costs a record in memory until its first write.
    """

    def __init__(self, study_name: str, parent_id: str, experiment: str) -> None:
        self.store = fluent.get_store()
        self.study_name = study_name
        self.parent_id = parent_id
        self.experiment = self.store.get_or_create_experiment(experiment)
        self.environment = environment.environment_snapshot()
        source, source_type = environment.source()
        commit, dirty = environment.git_state(Path.cwd())
        self.fields: dict[str, Any] = {
            "user": environment.user(), "host": environment.host(), "pid": os.getpid(),
            "source": source, "source_type": source_type, "git_commit": commit, "git_dirty": dirty,
        }  # fmt: skip

    def new(self, number: int) -> ActiveRun:
        """The run of trial ``number``, inserted with its first write."""
        tags = {STUDY_TAG: self.study_name, "optuna.trial": str(number)}
        record = self.store.create_run(
            experiment=self.experiment,
            name=f"trial {number}",
            parent_id=self.parent_id,
            tags=tags,
            environment=self.environment,
            defer=True,
            **self.fields,
        )
        return ActiveRun(self.store, record, pending=(self.environment, tags))


class ObjectiveReturnError(TypeError):
    """The objective returned something that is not a number (or a list of numbers)."""


def _objective_names(n_objectives: int) -> list[str]:
    return ["objective"] if n_objectives == 1 else [f"objective_{i}" for i in range(n_objectives)]


def check_return(value: Any, n_objectives: int) -> None:
    values = value if isinstance(value, Sequence) and not isinstance(value, str) else [value]
    if len(values) != n_objectives or not all(is_number(v) for v in values):
        expected = "a number" if n_objectives == 1 else f"a list of {n_objectives} numbers"
        raise ObjectiveReturnError(
            f"The objective returned {value!r} ({type(value).__name__}); it must return "
            f"{expected}, one per direction."
        )


class TrialTracker:
    """Wraps the objective (opens the trial's run) and ends the run from a study callback.

    Picklable (with cloudpickle for the objective): worker processes get a copy. With
    ``parent_pid``, a worker stops its study once that process is gone.
    """

    def __init__(
        self,
        objective: Callable[[optuna.Trial], Any],
        *,
        study_name: str,
        parent_id: str,
        experiment: str,
        n_objectives: int,
    ) -> None:
        self.objective = objective
        self.study_name = study_name
        self.parent_id = parent_id
        self.experiment = experiment
        self.n_objectives = n_objectives
        self.parent_pid: int | None = None
        self.return_error: ObjectiveReturnError | None = None
        self._open: dict[int, ActiveRun] = {}
        self._lock = threading.Lock()
        self._runs: TrialRuns | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for runtime in ("_open", "_lock", "_runs"):
            del state[runtime]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _open={}, _lock=threading.Lock(), _runs=None)

    def runs(self) -> TrialRuns:
        """The run maker of this process (made on the first trial)."""
        if self._runs is None or self._runs.fields["pid"] != os.getpid():
            self._runs = TrialRuns(self.study_name, self.parent_id, self.experiment)
        return self._runs

    def __call__(self, trial: optuna.Trial) -> Any:
        import optuna

        run = self.runs().new(trial.number)
        # The run is found again by its tags (study, trial number); the trial keeps only
        # which process runs it, so a restart can fail the trials of a dead process.
        trial.storage.set_trial_system_attr(trial._trial_id, WORKER_ATTR, worker_id())
        with self._lock:
            self._open[trial.number] = run
        try:
            with fluent.using_run(run):
                value = self.objective(trial)
            check_return(value, self.n_objectives)
        except optuna.TrialPruned:
            raise
        except ObjectiveReturnError as error:
            # Not an ordinary failure: stop the study and tell the user after optimize().
            self.return_error = error
            trial.study.stop()
            self._finish(run, trial.params, "FAILED", str(error), trial.number)
            return math.nan
        except BaseException as error:
            message = "".join(traceback.format_exception_only(type(error), error)).strip()
            self._finish(run, trial.params, "FAILED", message, trial.number)
            raise
        return value

    def _finish(
        self, run: ActiveRun, params: dict[str, Any], status: str, error: str | None, number: int
    ) -> None:
        with self._lock:
            if self._open.pop(number, None) is None:
                return  # already ended
        run.log_params(params)
        tags = {STATE_TAG: "FAIL" if status == "FAILED" else status}
        if error:
            tags["workbench.error"] = error[:5000]
        run.set_tags(tags)
        run.end(status)

    def callback(self, study: optuna.Study, frozen: optuna.trial.FrozenTrial) -> None:
        """Study callback: the trial's state is final; record it and end its run."""
        with self._lock:
            run = self._open.pop(frozen.number, None)
        if self.parent_pid is not None and os.getppid() != self.parent_pid:
            study.stop()  # the process that started this worker is gone: so is its user
        if run is None:
            return
        run.log_params(frozen.params)
        for step, value in sorted(frozen.intermediate_values.items()):
            run.log_metric("intermediate", value, step=step)
        if frozen.values is not None:
            for name, value in zip(_objective_names(self.n_objectives), frozen.values, strict=True):
                run.log_metric(name, value)
        state = frozen.state.name
        tags = {STATE_TAG: state}
        status = "FINISHED"
        if state == "FAIL":
            status = "FAILED"
            reason = frozen.system_attrs.get("fail_reason") or "the objective returned NaN"
            tags["workbench.error"] = str(reason)[:5000]
        run.set_tags(tags)
        run.end(status)
