"""Pruning out of the box: LightGBM per-round validation metrics, scikit-learn partial_fit."""

from __future__ import annotations

import numpy as np
import optuna
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

import workbench as wb
from workbench.tuning import lightgbm_pruning_callback


@pytest.fixture(scope="module")
def data():
    x, y = load_breast_cancer(return_X_y=True)
    return train_test_split(x, y, test_size=0.3, random_state=0, stratify=y)


def test_lightgbm_rounds_are_reported_and_pruned(sqlite_project, data):
    import lightgbm as lgb

    x_train, x_valid, y_train, y_valid = data

    def objective(trial):
        params = {
            "objective": "binary",
            "metric": "auc",
            "verbosity": -1,
            "num_threads": 1,  # tiny data: threads cost more than they give
            "learning_rate": trial.suggest_float("learning_rate", 1e-4, 0.3, log=True),
            "num_leaves": trial.suggest_int("num_leaves", 2, 64),
        }
        train = lgb.Dataset(x_train, y_train)
        valid = lgb.Dataset(x_valid, y_valid, reference=train)
        booster = lgb.train(
            params, train, num_boost_round=40, valid_sets=[valid], valid_names=["valid"],
            callbacks=[lightgbm_pruning_callback(trial, "auc")],
        )  # fmt: skip
        return booster.best_score["valid"]["auc"]

    result = wb.tune(
        objective, n_trials=14, direction="maximize", name="lgbm",
        sampler=optuna.samplers.RandomSampler(seed=0),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=5),
        show_progress=False,
    )  # fmt: skip
    states = [t.state.name for t in result.study.trials]
    assert "PRUNED" in states and "COMPLETE" in states
    assert result.best_value > 0.95
    history = wb.metric_history(result.best_run_id, "intermediate")
    assert len(history) == 40  # one point per boosting round
    assert history["value"].iloc[-1] == pytest.approx(result.best_value, abs=0.05)


def test_missing_metric_is_a_clear_error(sqlite_project, data):
    import lightgbm as lgb

    x_train, _, y_train, _ = data
    study = optuna.create_study()
    trial = study.ask()
    with pytest.raises(ValueError, match=r"no metric 'auc'.*pass valid_sets"):
        lgb.train(
            {"objective": "binary", "verbosity": -1}, lgb.Dataset(x_train, y_train),
            num_boost_round=2, callbacks=[lightgbm_pruning_callback(trial, "auc")],
        )  # fmt: skip


def test_sklearn_partial_fit_with_pruning(sqlite_project, data):
    from sklearn.linear_model import SGDClassifier
    from sklearn.preprocessing import StandardScaler

    x_train, x_valid, y_train, y_valid = data
    scaler = StandardScaler().fit(x_train)
    x_train, x_valid = scaler.transform(x_train), scaler.transform(x_valid)

    def objective(trial):
        alpha = trial.suggest_float("alpha", 1e-6, 1.0, log=True)
        model = SGDClassifier(alpha=alpha, random_state=0)
        for epoch in range(20):
            model.partial_fit(x_train, y_train, classes=np.unique(y_train))
            accuracy = model.score(x_valid, y_valid)
            trial.report(accuracy, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return accuracy

    result = wb.tune(
        objective, n_trials=12, direction="maximize", name="sgd",
        sampler=optuna.samplers.RandomSampler(seed=3),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=2),
        show_progress=False,
    )  # fmt: skip
    assert result.best_value > 0.9
    pruned = wb.runs(filter="tags.`optuna.study` = 'sgd' and tags.`optuna.state` = 'PRUNED'")
    completed = [t for t in result.study.trials if t.state.name == "COMPLETE"]
    assert len(pruned) + len(completed) == 12
