"""Saving and loading models: safe formats round-trip predictions; unsafe ones need consent."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from workbench.models.errors import (
    ModelVersionWarning,
    UnsafeFormatWarning,
    UnsupportedModelError,
    UntrustedModelError,
)
from workbench.models.formats import load_model, model_flavor, save_model
from workbench.models.manifest import MANIFEST_NAME, read_manifest

TREE = "sklearn.tree._tree.Tree"
LGBM: dict[str, Any] = {"n_estimators": 20, "n_jobs": 1, "verbose": -1, "random_state": 0}
PREDICT_METHODS = ("predict", "predict_proba", "decision_function", "transform")


def _cancer() -> tuple[pd.DataFrame, pd.Series]:
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return X.iloc[:300], y.iloc[:300]


def _iris_with_text() -> tuple[pd.DataFrame, np.ndarray]:
    X, y = load_iris(return_X_y=True, as_frame=True)
    X["size"] = np.where(X["petal length (cm)"] > 4.0, "large", "small")
    names = np.array(["setosa", "versicolor", "virginica"], dtype=object)
    return X, names[y]


def logistic_regression() -> tuple[Any, Any]:
    X, y = load_iris(return_X_y=True, as_frame=True)
    return LogisticRegression(max_iter=500).fit(X, y), X


def random_forest() -> tuple[Any, Any]:
    X, y = _cancer()
    return RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y), X


def column_transformer_pipeline() -> tuple[Any, Any]:
    X, y = _iris_with_text()
    columns = ColumnTransformer(
        [
            ("numbers", StandardScaler(), list(X.columns[:4])),
            ("text", OneHotEncoder(handle_unknown="ignore"), ["size"]),
        ]
    )
    pipeline = Pipeline([("columns", columns), ("model", LogisticRegression(max_iter=500))])
    return pipeline.fit(X, y), X


def grid_search_best_estimator() -> tuple[Any, Any]:
    X, y = load_iris(return_X_y=True)
    search = GridSearchCV(LogisticRegression(max_iter=500), {"C": [0.1, 1.0]}, cv=3)
    return search.fit(X, y).best_estimator_, X


def kmeans() -> tuple[Any, Any]:
    X, _ = load_iris(return_X_y=True)
    return KMeans(n_clusters=3, n_init=2, random_state=0).fit(X), X


def lgbm_binary() -> tuple[Any, Any]:
    X, y = _cancer()
    return lgb.LGBMClassifier(**LGBM).fit(X, y), X


def lgbm_binary_text_labels() -> tuple[Any, Any]:
    X, y = _cancer()
    labels = np.where(y == 1, "benign", "malignant")
    return lgb.LGBMClassifier(**LGBM).fit(X.to_numpy(), labels), X.to_numpy()


def lgbm_multiclass_text_labels() -> tuple[Any, Any]:
    X, y = _iris_with_text()
    X = X.drop(columns="size")
    weights = {"setosa": 1.0, "versicolor": 2.0, "virginica": 1.0}
    return lgb.LGBMClassifier(class_weight=weights, **LGBM).fit(X, y), X


def lgbm_regressor() -> tuple[Any, Any]:
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return lgb.LGBMRegressor(**LGBM).fit(X, y), X


def lgbm_ranker() -> tuple[Any, Any]:
    X, y = load_diabetes(return_X_y=True)
    relevance = np.digitize(y, np.quantile(y, [0.25, 0.5, 0.75]))
    model = lgb.LGBMRanker(**LGBM).fit(X[:400], relevance[:400], group=[40] * 10)
    return model, X


ROUND_TRIPS: dict[str, tuple[Callable[[], tuple[Any, Any]], str, list[str]]] = {
    "LogisticRegression": (logistic_regression, "skops", []),
    "RandomForest": (random_forest, "skops", [TREE]),
    "Pipeline+ColumnTransformer": (column_transformer_pipeline, "skops", []),
    "GridSearchCV.best_estimator_": (grid_search_best_estimator, "skops", []),
    "KMeans": (kmeans, "skops", []),
    "LGBMClassifier binary": (lgbm_binary, "lightgbm", []),
    "LGBMClassifier binary, text labels": (lgbm_binary_text_labels, "lightgbm", []),
    "LGBMClassifier multiclass, text labels": (lgbm_multiclass_text_labels, "lightgbm", []),
    "LGBMRegressor": (lgbm_regressor, "lightgbm", []),
    "LGBMRanker": (lgbm_ranker, "lightgbm", []),
}


def assert_same_predictions(original: Any, loaded: Any, X: Any) -> None:
    compared = 0
    for method in PREDICT_METHODS:
        if hasattr(original, method):
            expected, got = getattr(original, method)(X), getattr(loaded, method)(X)
            np.testing.assert_array_equal(got, expected, err_msg=method)
            assert np.asarray(got).dtype == np.asarray(expected).dtype, method
            compared += 1
    assert compared, "the model exposes no prediction method"


@pytest.mark.parametrize("case", list(ROUND_TRIPS))
def test_round_trip_gives_identical_predictions(case: str, tmp_path: Path) -> None:
    build, expected_format, trusted_types = ROUND_TRIPS[case]
    model, X = build()

    files = save_model(model, tmp_path / "model")
    loaded = load_model(tmp_path / "model", trusted_types=trusted_types)

    assert files.format == expected_format
    assert read_manifest(tmp_path / "model") == files
    assert type(loaded) is type(model)
    assert_same_predictions(model, loaded, X)


def test_lgbm_classifier_keeps_its_labels_params_and_feature_names(tmp_path: Path) -> None:
    model, _ = lgbm_multiclass_text_labels()

    files = save_model(model, tmp_path)
    loaded = load_model(tmp_path)

    assert files.flavor == "lightgbm.sklearn"
    assert files.wrapper is not None and files.wrapper["classes"] == list(model.classes_)
    assert loaded.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    assert loaded.get_params() == model.get_params()
    assert list(loaded.feature_names_in_) == list(model.feature_names_in_)
    assert loaded.n_features_in_ == model.n_features_in_ == 4


@pytest.mark.filterwarnings("ignore:The argument 'eval_set' is deprecated")
def test_lgbm_classifier_with_early_stopping_predicts_at_its_best_iteration(
    tmp_path: Path,
) -> None:
    X, y = _cancer()
    stop_early = lgb.early_stopping(3, verbose=False)
    model = lgb.LGBMClassifier(**{**LGBM, "n_estimators": 200}).fit(
        X[:200], y[:200], eval_set=[(X[200:], y[200:])], callbacks=[stop_early]
    )
    assert 0 < model.best_iteration_ < 200

    save_model(model, tmp_path)
    loaded = load_model(tmp_path)

    assert loaded.best_iteration_ == model.best_iteration_
    assert loaded.evals_result_.keys() == model.evals_result_.keys()
    assert_same_predictions(model, loaded, X)


def test_booster_round_trip_keeps_best_iteration(tmp_path: Path) -> None:
    X, y = _cancer()
    train = lgb.Dataset(X[:200], y[:200])
    valid = lgb.Dataset(X[200:], y[200:], reference=train)
    params = {"objective": "binary", "num_threads": 1, "verbose": -1}
    booster = lgb.train(
        params, train, 200, valid_sets=[valid], callbacks=[lgb.early_stopping(3, verbose=False)]
    )

    files = save_model(booster, tmp_path)
    loaded = load_model(tmp_path)

    assert (files.format, files.flavor, files.path) == ("lightgbm", "lightgbm.booster", "model.txt")
    assert loaded.best_iteration == booster.best_iteration
    np.testing.assert_array_equal(loaded.predict(X), booster.predict(X))


def test_load_accepts_the_files_record_instead_of_reading_the_manifest(tmp_path: Path) -> None:
    model, X = lgbm_regressor()
    files = save_model(model, tmp_path)
    (tmp_path / MANIFEST_NAME).unlink()

    assert_same_predictions(model, load_model(tmp_path, files), X)


class MeanPredictor:
    """Not a scikit-learn estimator: no safe format knows it."""

    def __init__(self, value: float) -> None:
        self.value = value

    def predict(self, X: Any) -> np.ndarray:
        return np.full(len(X), self.value)


def test_a_custom_class_needs_pickle_on_save_and_trust_on_load(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedModelError, match="format='pickle'"):
        save_model(MeanPredictor(2.5), tmp_path / "refused")
    assert not (tmp_path / "refused").exists()

    with pytest.warns(UnsafeFormatWarning, match="pickle"):
        files = save_model(MeanPredictor(2.5), tmp_path / "model", format="pickle")
    assert (files.format, files.flavor) == ("pickle", "python")

    with pytest.raises(UntrustedModelError, match="trust=True"):
        load_model(tmp_path / "model")
    with pytest.warns(UnsafeFormatWarning):
        loaded = load_model(tmp_path / "model", trust=True)
    assert loaded.predict([1, 2]).tolist() == [2.5, 2.5]


def test_a_forest_is_refused_until_its_tree_type_is_trusted(tmp_path: Path) -> None:
    X, y = _cancer()
    forest = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
    files = save_model(forest, tmp_path)
    assert files.untrusted_types == (TREE,)

    with pytest.raises(UntrustedModelError) as refused:
        load_model(tmp_path)
    assert TREE in str(refused.value)
    assert f"trusted_types=['{TREE}']" in str(refused.value)
    assert refused.value.untrusted_types == (TREE,)

    with pytest.warns(UserWarning, match=TREE):
        assert_same_predictions(forest, load_model(tmp_path, trust=True), X)


class ScaledMean(BaseEstimator):
    """A user's own estimator: skops can store it, but its type is not trusted by default."""

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale

    def fit(self, X: Any, y: Any) -> ScaledMean:
        self.mean_ = float(np.mean(y)) * self.scale
        return self

    def predict(self, X: Any) -> np.ndarray:
        return np.full(len(X), self.mean_)


def test_an_untrusted_type_in_a_skops_file_is_named_and_only_loads_when_listed(
    tmp_path: Path,
) -> None:
    model = ScaledMean(2.0).fit([[0], [1]], [1.0, 3.0])
    name = f"{ScaledMean.__module__}.ScaledMean"
    save_model(model, tmp_path)

    with pytest.raises(UntrustedModelError, match=name):
        load_model(tmp_path, trusted_types=["something.Else"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # naming the type is trust without a warning
        loaded = load_model(tmp_path, trusted_types=[name])
    assert loaded.predict([[5]]).tolist() == [4.0]


def test_the_untrusted_types_come_from_the_file_not_the_manifest(tmp_path: Path) -> None:
    forest = RandomForestClassifier(n_estimators=2, random_state=0).fit(*_cancer())
    save_model(forest, tmp_path)
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text())
    manifest["untrusted_types"] = []
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(manifest))

    with pytest.raises(UntrustedModelError, match=TREE):
        load_model(tmp_path)


def test_a_manifest_cannot_point_outside_its_directory(tmp_path: Path) -> None:
    save_model(LogisticRegression().fit([[0], [1]], [0, 1]), tmp_path)
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text())
    manifest["path"] = "../elsewhere.skops"
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(manifest))

    with pytest.raises(ValueError, match="plain file names"):
        load_model(tmp_path)


def test_a_changed_library_version_warns_on_load(tmp_path: Path) -> None:
    save_model(LogisticRegression().fit([[0], [1]], [0, 1]), tmp_path)
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text())
    manifest["versions"]["scikit-learn"] = "0.1.0"
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(manifest))

    with pytest.warns(ModelVersionWarning, match=r"scikit-learn 0\.1\.0"):
        load_model(tmp_path)


def test_save_refuses_a_directory_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not empty"):
        save_model(LogisticRegression().fit([[0], [1]], [0, 1]), tmp_path)


def test_a_directory_without_manifest_is_not_a_model(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=MANIFEST_NAME):
        load_model(tmp_path)


@pytest.mark.parametrize(
    ("model", "format", "error", "message"),
    [
        (LogisticRegression(), "lightgbm", ValueError, "format='lightgbm' needs"),
        (LogisticRegression(), "joblib", ValueError, "format must be one of"),
        (lgb.LGBMClassifier(), None, ValueError, "unfitted LGBMClassifier"),
    ],
)
def test_save_names_what_is_wrong_with_the_request(
    tmp_path: Path, model: Any, format: str | None, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        save_model(model, tmp_path, format=format)


def test_a_custom_lightgbm_objective_needs_pickle(tmp_path: Path) -> None:
    def squared_error(y_true: Any, y_pred: Any) -> tuple[Any, Any]:
        return y_pred - y_true, np.ones_like(y_true)

    X, y = load_diabetes(return_X_y=True)
    model = lgb.LGBMRegressor(objective=squared_error, **LGBM).fit(X, y)

    with pytest.raises(UnsupportedModelError, match="objective"):
        save_model(model, tmp_path)


def test_flavors_name_what_the_model_is() -> None:
    assert model_flavor(lgb.LGBMRegressor()) == "lightgbm.sklearn"
    assert model_flavor(Pipeline([("model", LogisticRegression())])) == "sklearn"
    assert model_flavor(MeanPredictor(1.0)) == "python"
