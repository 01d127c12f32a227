"""Autolog inside wb.tune: each trial's fit is logged into that trial's run."""

from __future__ import annotations

from pathlib import Path

import optuna
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

import workbench as wb


def test_fits_in_trials_land_in_each_trials_run(sqlite_project: Path) -> None:
    X, y = make_classification(n_samples=150, n_features=4, random_state=0)
    wb.autolog(log_models=False)

    def objective(trial: optuna.Trial) -> float:
        model = LogisticRegression(C=trial.suggest_float("C", 0.01, 10.0, log=True)).fit(X, y)
        return float(model.score(X, y))

    result = wb.tune(
        objective, n_trials=3, direction="maximize", show_progress=False,
        sampler=optuna.samplers.RandomSampler(seed=0),
    )  # fmt: skip

    runs = wb.runs()
    trials = runs[runs["tags.optuna.trial"].notna()]
    assert len(trials) == 3
    assert "LogisticRegression" not in set(runs.name)  # no run of its own per fit
    for _, trial in trials.iterrows():
        details = wb.get_run(trial.run_id)
        assert details.tags["autolog.flavor"] == "sklearn"
        assert details.params["solver"] == "lbfgs"
        assert details.metrics["training_accuracy"] == details.metrics["objective"]
        assert len(details.datasets) == 1
    assert len(result.study.trials) == 3
