"""Reading tuning studies back: the list of studies of a project and one study's result.

>>> import workbench as wb
>>> wb.tuning.studies()  # doctest: +SKIP
>>> wb.tuning.get_study("breast-cancer/logreg-C").plots.history()  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.tuning._tracking import STUDY_TAG

if TYPE_CHECKING:
    import pandas as pd

    from workbench.tuning._result import TuneResult

STUDY_KIND_FILTER = "tags.`workbench.kind` = 'study'"


def _all_experiments() -> list[str]:
    from workbench.tracking.queries import experiments

    return experiments()


def studies() -> pd.DataFrame:
    """One row per tracked study, newest first: ``study``, ``experiment`` (its id),
    ``run_id`` of the study run, ``status``, ``n_trials``, ``best_value``, ``started``."""
    import pandas as pd

    from workbench.tracking.queries import runs

    names = _all_experiments()
    columns = ["study", "run_id", "status", "n_trials", "best_value", "started"]
    if not names:
        return pd.DataFrame(columns=columns)
    frame = runs(experiment=names, filter=STUDY_KIND_FILTER)
    if frame.empty:
        return pd.DataFrame(columns=columns)
    trials = runs(experiment=names, filter=f"tags.`{STUDY_TAG}` IS NOT NULL and "
                  "tags.`optuna.trial` IS NOT NULL")  # fmt: skip
    counts = {
        str(name): int(size)
        for name, size in (
            trials.groupby(f"tags.{STUDY_TAG}").size().items() if len(trials) else []
        )
    }
    study_names = frame[f"tags.{STUDY_TAG}"]
    return pd.DataFrame(
        {
            "study": study_names,
            "run_id": frame["run_id"],
            "status": frame["status"],
            "n_trials": [int(counts.get(name, 0)) for name in study_names],
            "best_value": frame.get("metrics.best_value"),
            "started": frame["start_time"],
        }
    ).reset_index(drop=True)


def get_study(name: str) -> TuneResult:
    """The result of a stored study (trials, best trial and its run, plots).

    >>> result = wb.tuning.get_study("objective-churn")  # doctest: +SKIP
    >>> result.best_params  # doctest: +SKIP
    """
    import optuna

    from workbench.tuning._logging import optuna_info_silenced
    from workbench.tuning._result import TuneResult
    from workbench.tuning._storage import open_storage

    known = studies()
    found = known[known["study"] == name]
    if found.empty:
        listed = ", ".join(repr(s) for s in known["study"]) or "none yet"
        raise LookupError(f"No study named {name!r}; known studies: {listed}.")
    with optuna_info_silenced():
        study = optuna.load_study(study_name=name, storage=open_storage(name))
    return TuneResult.from_study(study, str(found["run_id"].iloc[0]))
