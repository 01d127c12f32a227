"""wb.autolog() on scikit-learn: what a fit records, where, and that it never breaks fit."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import BaggingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier

import workbench as wb
from workbench.autologging import AutologWarning
from workbench.store.tracking_store import TrackingStore
from workbench.tracking import fluent


@pytest.fixture
def data() -> tuple[np.ndarray, np.ndarray]:
    return make_classification(n_samples=200, n_features=5, random_state=0)


def only_run(name: str | None = None) -> wb.ActiveRun:
    runs = wb.runs()
    assert len(runs) == 1, runs[["name", "status"]]
    details = wb.get_run(runs.run_id[0])
    if name is not None:
        assert details.info.name == name
    return details


def test_logistic_regression_logs_params_metrics_dataset_and_model(project: Path, data) -> None:
    X, y = data
    wb.autolog()
    model = LogisticRegression(C=0.5).fit(X, y)

    run = only_run("LogisticRegression")
    assert run.info.status == "FINISHED"
    assert run.params["C"] == "0.5" and run.params["solver"] == "lbfgs"
    assert run.tags == {"autolog.flavor": "sklearn", "estimator_class": "LogisticRegression"}
    assert run.metrics["training_accuracy"] == pytest.approx(model.score(X, y))
    assert run.metrics["training_score"] == run.metrics["training_accuracy"]
    for key in ("training_f1", "training_roc_auc", "training_log_loss", "fit_duration_s"):
        assert key in run.metrics
    [dataset] = run.datasets
    assert (dataset.role, dataset.n_rows, dataset.n_cols) == ("train", 200, 6)  # X and y
    assert [a.path for a in run.artifacts] == ["models/model"]

    version = wb.models.register(run.info.id, "autolog-lr")
    loaded = wb.models.load(f"autolog-lr/{version.version}")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert [c["name"] for c in version.signature["inputs"]] == [0, 1, 2, 3, 4]


def test_random_forest_is_one_run_not_one_per_tree(sqlite_project: Path, data) -> None:
    X, y = data
    wb.autolog(log_models=False)
    RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)

    run = only_run("RandomForestClassifier")
    assert run.params["n_estimators"] == "5"
    assert run.metrics["training_accuracy"] > 0.9
    assert run.artifacts == []  # log_models=False


def test_pipeline_with_column_transformer(sqlite_project: Path) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"age": rng.integers(18, 80, 120), "income": rng.normal(50, 10, 120),
         "city": rng.choice(["Oslo", "Rome", "Lima"], 120)}
    )  # fmt: skip
    target = pd.Series((frame["age"] > 45).astype(int), name="churned")
    prepare = ColumnTransformer(
        [("num", StandardScaler(), ["age", "income"]), ("cat", OneHotEncoder(), ["city"])]
    )
    pipeline = Pipeline([("prepare", prepare), ("clf", LogisticRegression())])
    wb.autolog()
    pipeline.fit(frame, target)

    run = only_run("Pipeline")
    assert (
        "ColumnTransformer" in run.params["steps"] and "LogisticRegression" in run.params["steps"]
    )
    assert run.metrics["training_accuracy"] > 0.8
    [dataset] = run.datasets
    assert [c["name"] for c in dataset.columns] == ["age", "income", "city", "churned"]
    version = wb.models.register(run.info.id, "autolog-pipeline")
    assert [c["name"] for c in version.signature["inputs"]] == ["age", "income", "city"]
    loaded = wb.models.load("autolog-pipeline")
    np.testing.assert_array_equal(loaded.predict(frame), pipeline.predict(frame))


def test_grid_search_logs_one_child_per_candidate_and_marks_the_best(
    sqlite_project: Path, data
) -> None:
    X, y = data
    wb.autolog()
    search = GridSearchCV(LogisticRegression(), {"C": [0.01, 0.1, 1.0]}, cv=3).fit(X, y)

    runs = wb.runs()
    parent = wb.get_run(runs[runs.parent_id.isna()].run_id.item())
    assert parent.info.name == "GridSearchCV"
    assert parent.params["best_C"] == str(search.best_params_["C"])
    assert parent.metrics["best_cv_score"] == pytest.approx(search.best_score_)
    assert "training_accuracy" in parent.metrics
    assert [a.path for a in parent.artifacts] == ["models/model"]
    children = [wb.get_run(i) for i in runs[runs.parent_id == parent.info.id].run_id]
    assert len(children) == 3 == len(runs) - 1  # the 3 × 3 inner CV fits made no runs
    assert sorted(c.params["C"] for c in children) == ["0.01", "0.1", "1.0"]
    best = [c for c in children if c.tags.get("best") == "true"]
    assert len(best) == 1 and best[0].params["C"] == str(search.best_params_["C"])
    assert best[0].metrics["rank_test_score"] == 1
    assert best[0].metrics["mean_test_score"] == pytest.approx(search.best_score_)
    assert all("std_test_score" in c.metrics and c.info.status == "FINISHED" for c in children)
    version = wb.models.register(parent.info.id, "autolog-search")
    best_model = wb.models.load(f"autolog-search/{version.version}")
    assert isinstance(best_model, LogisticRegression) and search.best_params_["C"] == best_model.C


def test_kmeans_logs_inertia_and_silhouette(sqlite_project: Path, data) -> None:
    X, _ = data
    wb.autolog(log_models=False)
    model = KMeans(n_clusters=3, n_init=2, random_state=0).fit(X)

    run = only_run("KMeans")
    assert run.metrics["training_inertia"] == pytest.approx(model.inertia_)
    assert -1 <= run.metrics["training_silhouette"] <= 1
    assert run.params["n_clusters"] == "3"
    assert run.datasets[0].n_cols == 5  # no target


def test_ridge_logs_regression_metrics(sqlite_project: Path) -> None:
    X, y = make_regression(n_samples=150, n_features=4, noise=5.0, random_state=0)
    wb.autolog(log_models=False, log_datasets=False)
    model = Ridge(alpha=2.0).fit(X, y)

    run = only_run("Ridge")
    assert run.metrics["training_r2"] == pytest.approx(model.score(X, y))
    assert run.metrics["training_score"] == run.metrics["training_r2"]
    assert run.metrics["training_rmse"] > 0 and run.metrics["training_mae"] > 0
    assert run.params["alpha"] == "2.0"
    assert run.datasets == []  # log_datasets=False


def test_inside_a_run_logs_into_it_then_nests_the_next_fit(sqlite_project: Path, data) -> None:
    X, y = data
    wb.autolog(log_models=False, log_datasets=False)
    with wb.start_run(name="mine") as run:
        LogisticRegression(C=0.5).fit(X, y)
        LogisticRegression(C=2.0).fit(X, y)  # its C would clash with the first: a child run

    mine = wb.get_run(run.id)
    assert mine.params["C"] == "0.5" and "training_accuracy" in mine.metrics
    assert mine.tags["autolog.flavor"] == "sklearn"
    [child_id] = mine.children
    child = wb.get_run(child_id)
    assert child.params["C"] == "2.0" and child.info.status == "FINISHED"
    assert len(wb.runs()) == 2


def test_meta_estimators_log_only_the_outermost_fit(sqlite_project: Path, data) -> None:
    X, y = data
    wb.autolog(log_models=False, log_datasets=False)
    Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())]).fit(X, y)
    BaggingClassifier(DecisionTreeClassifier(), n_estimators=3, random_state=0).fit(X, y)
    StandardScaler().fit(X)  # data preparation alone is not a model: no run

    assert sorted(wb.runs().name) == ["BaggingClassifier", "Pipeline"]


def test_failing_fit_raises_the_users_error_and_marks_the_run_failed(
    sqlite_project: Path, data
) -> None:
    X, y = data
    X = X.copy()
    X[0, 0] = np.nan
    wb.autolog()
    with pytest.raises(ValueError, match="NaN") as raised:
        LogisticRegression().fit(X, y)

    assert raised.type is ValueError
    run = only_run("LogisticRegression")
    assert run.info.status == "FAILED"
    assert "NaN" in run.tags["workbench.error"]
    assert fluent.active_run() is None


def test_store_failure_is_a_warning_and_the_model_is_still_fitted(
    sqlite_project: Path, data, monkeypatch: pytest.MonkeyPatch
) -> None:
    X, y = data
    wb.autolog()

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(TrackingStore, "add_artifact", broken)
    with pytest.warns(AutologWarning, match="could not log the model: RuntimeError: disk full"):
        model = LogisticRegression().fit(X, y)
    assert model.coef_.shape == (1, 5)
    run = only_run("LogisticRegression")
    assert run.info.status == "FINISHED" and "training_accuracy" in run.metrics

    monkeypatch.setattr(fluent, "create_run", broken)
    with pytest.warns(AutologWarning, match="could not start a run"):
        second = LogisticRegression(C=3.0).fit(X, y)
    assert second.coef_.shape == (1, 5)


def test_disable_restores_the_original_methods(sqlite_project: Path, data) -> None:
    import lightgbm
    from sklearn.ensemble._forest import BaseForest
    from sklearn.model_selection._search import BaseSearchCV

    places = [
        (LogisticRegression, "fit"), (BaseForest, "fit"), (BaseSearchCV, "fit"),
        (KMeans, "fit"), (vars(Pipeline)["fit_transform"], "fn"), (lightgbm, "train"),
        (lightgbm.LGBMClassifier, "fit"),
    ]  # fmt: skip
    originals = [vars(owner)[name] for owner, name in places]
    wb.autolog()
    wrappers = [vars(owner)[name] for owner, name in places]
    assert all(w is not o for w, o in zip(wrappers, originals, strict=True))
    wb.autolog()  # again: the same wrappers, not wrappers of wrappers
    assert all(vars(o)[n] is w for (o, n), w in zip(places, wrappers, strict=True))

    wb.autolog(disable=True)
    assert all(vars(o)[n] is orig for (o, n), orig in zip(places, originals, strict=True))
    assert LogisticRegression.fit is originals[0]
    LogisticRegression().fit(*data)
    assert wb.runs().empty


def test_autolog_is_light_and_patches_modules_imported_later(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import sys
        import workbench as wb
        from workbench.autologging import AutologWarning
        wb.autolog()  # still the function, though the subpackage was imported first
        heavy = {"sklearn", "lightgbm", "pandas", "sqlalchemy"} & set(sys.modules)
        assert not heavy, heavy
        from sklearn.linear_model import LogisticRegression
        from workbench.autologging._patching import is_wrapper
        assert is_wrapper(LogisticRegression.fit)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


def test_fit_transform_of_a_pipeline_is_logged_once(sqlite_project: Path, data) -> None:
    from sklearn.decomposition import PCA

    X, _ = data
    wb.autolog(log_models=False, log_datasets=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", AutologWarning)
        reduced = Pipeline([("scale", StandardScaler()), ("pca", PCA(2))]).fit_transform(X)
    assert reduced.shape == (200, 2)
    run = only_run("Pipeline")
    assert run.metrics["fit_duration_s"] > 0 and run.info.status == "FINISHED"
