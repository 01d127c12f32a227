"""Each Optuna trial becomes a child run of the study's run."""

from __future__ import annotations

import math
import threading
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from workbench.tracking import fluent
from workbench.tracking.run import ActiveRun
from workbench.tracking.validation import is_number

if TYPE_CHECKING:
    import optuna

STUDY_TAG = "optuna.study"
STATE_TAG = "optuna.state"


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
    """Wraps the objective (opens the trial's run) and ends the run from a study callback."""

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
        self.return_error: ObjectiveReturnError | None = None
        self._open: dict[int, ActiveRun] = {}
        self._lock = threading.Lock()

    def __call__(self, trial: optuna.Trial) -> Any:
        import optuna

        run = fluent.create_run(
            f"trial {trial.number}",
            experiment=self.experiment,
            parent_id=self.parent_id,
            tags={STUDY_TAG: self.study_name, "optuna.trial": trial.number},
            defer=True,  # inserted with its first flush: one transaction for a short trial
        )
        # The run is found again by its tags (study, trial number): writing its id into the
        # Optuna storage would cost one more locked, fsynced journal append per trial.
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
