"""run.log_model: safe save, one packed blob per model, registration and round trips."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.models.errors import NotAModelError
from workbench.store.records import ArtifactRecord


@pytest.fixture
def data() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(200, 4)), columns=["age", "tenure", "spend", "calls"])
    y = ((X["age"] + 0.5 * X["spend"] + rng.normal(scale=0.3, size=200)) > 0).astype(int)
    return X, y


def test_logistic_regression_round_trip_predicts_identically(project, data):
    from sklearn.linear_model import LogisticRegression

    X, y = data
    model = LogisticRegression().fit(X, y)
    with wb.start_run() as run:
        version = run.log_model(model, name="churn", input_example=X.head())
    assert version.version == 1 and version.run_id == run.id
    assert version.format == "skops" and version.artifact_path == "models/churn"
    loaded = wb.models.load("churn/1")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_lightgbm_round_trip_predicts_identically(project, data):
    import lightgbm as lgb

    X, y = data
    model = lgb.LGBMClassifier(n_estimators=20, num_threads=1, verbose=-1).fit(X, y)
    with wb.start_run() as run:
        run.log_model(model, name="churn-lgbm")
    loaded = wb.models.load("churn-lgbm")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert wb.models.resolve("churn-lgbm").format == "lightgbm"


def test_version_records_signature_train_dataset_and_metrics(project, data):
    from sklearn.linear_model import LogisticRegression

    X, y = data
    with wb.start_run() as run:
        fingerprint = run.log_dataset(X, name="train", role="train")
        run.log_dataset(X.head(50), name="test", role="test")
        run.log_metric("auc", 0.5)
        run.log_metric("auc", 0.9)
        version = run.log_model(LogisticRegression().fit(X, y), name="churn", input_example=X)
    assert version.dataset_fingerprint == fingerprint
    assert version.metrics == {"auc": 0.9}
    assert [c["name"] for c in version.signature["inputs"]] == list(X.columns)
    assert version.user != "" and version.created_at > 0


def test_without_a_name_the_model_is_an_artifact_registered_later(project, data):
    from sklearn.linear_model import LogisticRegression

    X, y = data
    with wb.start_run() as run:
        logged = run.log_model(LogisticRegression().fit(X, y))
    assert isinstance(logged, ArtifactRecord) and logged.path == "models/model"
    assert wb.models.list_models().empty
    version = wb.models.register(run.id, "later")
    assert (version.name, version.version, version.sha256) == ("later", 1, logged.sha256)


def test_the_same_model_packs_to_the_same_blob(project, data):
    import lightgbm as lgb

    X, y = data
    model = lgb.LGBMClassifier(n_estimators=5, num_threads=1, verbose=-1).fit(X, y)
    with wb.start_run() as run:
        first = run.log_model(model, name="a")
        second = run.log_model(model, name="b")
    assert first.sha256 == second.sha256


def test_versions_increase_per_name(project, data):
    from sklearn.linear_model import LogisticRegression

    X, y = data
    with wb.start_run() as run:
        numbers = [
            run.log_model(LogisticRegression(C=c).fit(X, y), name="m").version for c in (1, 2, 3)
        ]
        other = run.log_model(LogisticRegression().fit(X, y), name="other")
    assert numbers == [1, 2, 3] and other.version == 1
    frame = wb.models.versions("m")
    assert frame["version"].tolist() == [1, 2, 3]
    listed = wb.models.list_models().set_index("name")
    assert listed.loc["m", "latest_version"] == 3 and listed.loc["other", "latest_version"] == 1


def test_register_refuses_a_run_without_that_model(project):
    with wb.start_run() as run:
        run.log_text("not a model", "models/notes")
    with pytest.raises(NotAModelError, match=r"no artifact 'models/model'.*models/notes"):
        wb.models.register(run.id, "m")
    with pytest.raises(NotAModelError, match="not a model"):
        wb.models.register(run.id, "m", artifact="models/notes")


def test_invalid_model_names_are_refused(project, data):
    from sklearn.linear_model import LogisticRegression

    X, y = data
    with wb.start_run() as run, pytest.raises(ValueError, match="Invalid model name 'a@b'"):
        run.log_model(LogisticRegression().fit(X, y), name="a@b")
