"""wb.autolog() on LightGBM: per-round evaluation history, best iteration, the model."""

from __future__ import annotations

from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression

import workbench as wb


@pytest.fixture
def data() -> tuple[np.ndarray, np.ndarray]:
    return make_classification(n_samples=400, n_features=6, flip_y=0.3, random_state=0)


pytestmark = pytest.mark.filterwarnings("ignore:The argument 'eval_set' is deprecated")


def history(run_id: str, key: str) -> list[tuple[int, float]]:
    points = wb.metric_history(run_id, key)
    return list(zip(points.step.tolist(), points.value.tolist(), strict=True))


def test_classifier_with_early_stopping_logs_history_and_best_iteration(
    sqlite_project: Path, data
) -> None:
    X, y = data
    wb.autolog()
    model = lgb.LGBMClassifier(n_estimators=60, learning_rate=0.5, verbose=-1).fit(
        X[:300], y[:300], eval_set=[(X[300:], y[300:])],
        callbacks=[lgb.early_stopping(3, verbose=False)],
    )  # fmt: skip

    [run_id] = wb.runs().run_id
    run = wb.get_run(run_id)
    assert run.info.name == "LGBMClassifier" and run.info.status == "FINISHED"
    assert run.tags == {"autolog.flavor": "lightgbm", "estimator_class": "LGBMClassifier"}
    assert run.params["n_estimators"] == "60" and run.params["learning_rate"] == "0.5"
    assert 0 < model.best_iteration_ < 60  # early stopping did stop
    assert run.metrics["best_iteration"] == model.best_iteration_
    logged = history(run_id, "valid_0/binary_logloss")
    expected = model.evals_result_["valid_0"]["binary_logloss"]
    assert [step for step, _ in logged] == list(range(len(expected)))
    assert [value for _, value in logged] == pytest.approx(expected)
    assert run.datasets[0].n_rows == 300 and run.datasets[0].n_cols == 7

    version = wb.models.register(run_id, "autolog-lgbm")
    assert version.flavor == "lightgbm.sklearn"
    loaded = wb.models.load("autolog-lgbm")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_train_logs_params_and_every_named_valid_set(sqlite_project: Path, data) -> None:
    X, y = data
    train, valid = lgb.Dataset(X[:300], y[:300]), lgb.Dataset(X[300:], y[300:])
    mine: dict[str, dict[str, list[float]]] = {}
    params = {"objective": "binary", "metric": ["auc", "binary_logloss"], "verbose": -1}
    wb.autolog()
    booster = lgb.train(
        params, train, num_boost_round=8, valid_sets=[train, valid],
        valid_names=["train", "valid"], callbacks=[lgb.record_evaluation(mine)],
    )  # fmt: skip

    [run_id] = wb.runs().run_id
    run = wb.get_run(run_id)
    assert run.info.name == "Booster" and run.tags["estimator_class"] == "Booster"
    assert run.params["num_boost_round"] == "8" and run.params["objective"] == "binary"
    assert run.params["metric"] == "['auc', 'binary_logloss']"
    for name in ("train", "valid"):
        for metric in ("auc", "binary_logloss"):
            logged = history(run_id, f"{name}/{metric}")
            assert [step for step, _ in logged] == list(range(8))
            assert [v for _, v in logged] == pytest.approx(mine[name][metric])  # user callback ran
    assert "best_iteration" not in run.metrics  # no early stopping
    [dataset] = run.datasets
    assert (dataset.n_rows, dataset.n_cols) == (300, 7)
    version = wb.models.register(run_id, "autolog-booster")
    loaded = wb.models.load(f"autolog-booster/{version.version}")
    np.testing.assert_allclose(loaded.predict(X), booster.predict(X))


def test_regressor_inside_a_run_is_one_fit_not_two(sqlite_project: Path) -> None:
    X, y = make_regression(n_samples=200, n_features=4, random_state=0)
    wb.autolog(log_models=False)
    with wb.start_run(name="mine") as run:
        # LGBMRegressor.fit calls lightgbm's train internally: that one is not logged again.
        lgb.LGBMRegressor(n_estimators=5, verbose=-1).fit(X, y, eval_set=[(X, y)])

    assert list(wb.runs().name) == ["mine"]
    logged = wb.get_run(run.id)
    assert logged.params["n_estimators"] == "5"
    assert len(history(run.id, "training/l2")) == 5
    assert logged.tags["estimator_class"] == "LGBMRegressor"


def test_lightgbm_can_be_left_alone(sqlite_project: Path, data) -> None:
    X, y = data
    original = vars(lgb.LGBMClassifier)["fit"]
    wb.autolog(lightgbm=False)
    assert vars(lgb.LGBMClassifier)["fit"] is original and lgb.train.__module__ == "lightgbm.engine"
    lgb.LGBMClassifier(n_estimators=3, verbose=-1).fit(X, y)
    assert wb.runs().empty
