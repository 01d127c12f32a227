"""What ``wb.tune`` returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import optuna
    import pandas as pd

    from workbench.tuning.plots import StudyPlots


@dataclass
class TuneResult:
    """The outcome of a study: best trial, its run, all trials, and plots.

    For several objectives ``best_*`` describe the first trial of the Pareto front
    (``best_trials`` lists them all).
    """

    study: optuna.Study
    study_run_id: str
    best_params: dict[str, Any] = field(default_factory=dict)
    best_values: list[float] = field(default_factory=list)
    best_run_id: str | None = None
    best_trials: list[optuna.trial.FrozenTrial] = field(default_factory=list)

    @classmethod
    def from_study(cls, study: optuna.Study, study_run_id: str) -> TuneResult:
        from workbench.tuning._tune import trial_run_ids

        best = study.best_trials  # Pareto front; one trial for a single objective
        result = cls(study=study, study_run_id=study_run_id, best_trials=list(best))
        if best:
            result.best_params = dict(best[0].params)
            result.best_values = list(best[0].values)
            result.best_run_id = trial_run_ids(study.study_name).get(best[0].number)
        return result

    @property
    def has_best(self) -> bool:
        return bool(self.best_trials)

    @property
    def best_value(self) -> float:
        if not self.best_values:
            raise ValueError("No trial completed, so there is no best value.")
        return self.best_values[0] if len(self.best_values) == 1 else self.best_values  # type: ignore[return-value]

    @property
    def trials(self) -> pd.DataFrame:
        """One row per trial: number, state, value(s), params, duration and its run id."""
        from workbench.tuning._tune import trial_run_ids

        value = "value" if len(self.study.directions) == 1 else "values"
        attrs = ("number", "state", value, "params", "datetime_start", "datetime_complete")
        frame = self.study.trials_dataframe(attrs=(*attrs, "duration"))
        run_ids = trial_run_ids(self.study.study_name)
        frame["run_id"] = [run_ids.get(int(number)) for number in frame["number"]]
        return frame

    @property
    def plots(self) -> StudyPlots:
        """HoloViews plots of the study (history, importances, parallel coordinates, ...)."""
        from workbench.tuning.plots import StudyPlots

        return StudyPlots(self.study)

    def register_best(self, name: str, artifact: str = "models/model") -> Any:
        """Register the model the best trial logged (``wb.log_model`` in the objective) as a
        new version of ``name``, linked to the trial's run."""
        from workbench.models.registration import register

        if self.best_run_id is None:
            raise ValueError("No trial completed, so there is no best model to register.")
        return register(self.best_run_id, name, artifact=artifact)

    def __repr__(self) -> str:
        return (
            f"TuneResult(study={self.study.study_name!r}, trials={len(self.study.trials)}, "
            f"best_values={self.best_values}, best_params={self.best_params})"
        )
