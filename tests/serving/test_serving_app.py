"""The prediction app in process: payload formats, signature errors, /health, /model, aliases."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

import workbench as wb
from workbench.serving import ModelLoadError, create_app, logged_inputs


def _wait_for_version(client: TestClient, version: int, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        described = client.get("/model").json()
        if described["version"] == version or time.monotonic() > deadline:
            return described
        time.sleep(0.05)


def _tamper(version: int) -> None:
    record = wb.models.resolve(f"flip/{version}")
    blob = wb.admin.get_store().blobs.blob_path(record.sha256)
    data = bytearray(blob.read_bytes())
    data[-600] ^= 0xFF
    blob.write_bytes(bytes(data))


def test_predictions_equal_the_scikit_learn_model(flip):
    client = TestClient(create_app("flip@champion"))
    response = client.post("/predict", json=flip.rows(20))
    assert response.status_code == 200
    body = response.json()
    assert body["predictions"] == flip.v1.predict(flip.frame.head(20)).tolist()
    assert body["model"] == {"name": "flip", "version": 1}


def test_predictions_equal_the_lightgbm_model(flip):
    import lightgbm as lgb

    frame, labels = flip.frame, flip.labels
    model = lgb.LGBMClassifier(n_estimators=10, min_child_samples=5, verbose=-1)
    model.fit(frame, labels)
    with wb.start_run() as run:
        run.log_model(model, name="lgbm", input_example=frame.head())
    wb.models.promote("lgbm", version=1)
    client = TestClient(create_app("lgbm@champion"))
    rows = frame.tail(50)
    body = client.post("/predict?probabilities=true", json=rows.to_dict(orient="records")).json()
    assert body["predictions"] == model.predict(rows).tolist()
    np.testing.assert_allclose(body["probabilities"], model.predict_proba(rows), rtol=1e-12)


def test_records_split_and_columns_bodies_give_the_same_predictions(flip):
    client = TestClient(create_app("flip@champion"))
    rows = flip.frame.head(8)
    bodies = {
        "records": rows.to_dict(orient="records"),
        "dataframe_records": {"dataframe_records": rows.to_dict(orient="records")},
        "dataframe_split": {"dataframe_split": json.loads(rows.to_json(orient="split"))},
        "columns": {"columns": rows.to_dict(orient="list")},
        "inputs": {"inputs": rows.to_dict(orient="list")},
        "reordered": [dict(reversed(list(row.items()))) for row in rows.to_dict("records")],
    }
    expected = flip.v1.predict(rows).tolist()
    for name, body in bodies.items():
        response = client.post("/predict", json=body)
        assert response.status_code == 200, name
        assert response.json()["predictions"] == expected, name


def test_a_missing_column_is_a_422_naming_it(flip):
    client = TestClient(create_app("flip@champion"))
    rows = [{"x1": 0.1, "count": 3}]
    response = client.post("/predict", json=rows)
    assert response.status_code == 422
    body = response.json()
    assert body["columns"] == ["x2"] and body["expected"] == {"x2": "float64"}
    assert "missing column 'x2' (float64)" in body["detail"]


def test_a_wrong_dtype_is_a_422_naming_the_column_and_the_expected_dtype(flip):
    client = TestClient(create_app("flip@champion"))
    cases = [
        ({"x1": "high", "x2": 0.2, "count": 3}, "x1", "float64"),
        ({"x1": 0.1, "x2": 0.2, "count": 2.5}, "count", "int64"),
    ]
    for row, column, expected in cases:
        response = client.post("/predict", json=[row])
        assert response.status_code == 422
        body = response.json()
        assert body["columns"] == [column] and body["expected"] == {column: expected}
        assert f"column '{column}' has dtype" in body["detail"] and expected in body["detail"]


def test_integers_widen_to_float_columns_and_nulls_are_missing_values(flip):
    import lightgbm as lgb

    model = lgb.LGBMClassifier(n_estimators=5, min_child_samples=5, verbose=-1)
    model.fit(flip.frame, flip.labels)
    with wb.start_run() as run:
        run.log_model(model, name="lgbm", input_example=flip.frame.head())
    client = TestClient(create_app("lgbm"))
    response = client.post("/predict", json=[{"x1": 1, "x2": None, "count": 3}])
    assert response.status_code == 200
    expected = model.predict(pd.DataFrame({"x1": [1.0], "x2": [np.nan], "count": [3]}))
    assert response.json()["predictions"] == expected.tolist()


JSON_HEADERS = {"content-type": "application/json"}
MALFORMED = [  # body, status, what the message says
    (b"{not json", 422, "not valid JSON"),
    (b"42", 422, "got a JSON int"),
    (b'{"rows": []}', 422, "got an object with keys 'rows'"),
    (b"[1, 2]", 422, "Row 0 is a JSON int"),
    (b"[]", 422, "no rows"),
    (b'{"dataframe_split": {"columns": ["x1"], "data": 3}}', 422, "list of rows"),
    (b'{"columns": {"x1": [1, 2], "x2": [1]}}', 422, "cannot be read as a table"),
    (b'{"columns": {"x1": 1}}', 422, "holds a JSON int"),
]


def test_malformed_bodies_are_4xx_with_a_message(flip):
    client = TestClient(create_app("flip@champion"))
    for body, status, message in MALFORMED:
        response = client.post(
            "/predict", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == status, body
        assert message in response.json()["detail"], body


def test_health_and_model_describe_the_loaded_version(flip):
    client = TestClient(create_app("flip@champion"))
    assert client.get("/health").json() == {"status": "ok", "name": "flip", "version": 1}
    described = client.get("/model").json()
    record = wb.models.resolve("flip/1")
    assert described["name"] == "flip" and described["version"] == 1
    assert described["alias"] == "champion"
    assert described["sha256"] == record.sha256 and described["run_id"] == record.run_id
    assert [c["name"] for c in described["signature"]["inputs"]] == ["x1", "x2", "count"]
    assert described["loaded_at"].endswith("+00:00")


def test_the_app_follows_the_alias_and_rollback(flip_any_backend):
    flip = flip_any_backend
    rows = flip.rows(10)
    with TestClient(create_app("flip@champion", poll_interval=0.1)) as client:
        first = client.post("/predict", json=rows).json()
        assert first["predictions"] == flip.v1.predict(flip.frame.head(10)).tolist()
        wb.models.promote("flip", version=2)
        assert _wait_for_version(client, 2)["version"] == 2
        second = client.post("/predict", json=rows).json()
        assert second["model"]["version"] == 2
        assert second["predictions"] == flip.v2.predict(flip.frame.head(10)).tolist()
        assert second["predictions"] != first["predictions"]
        wb.models.rollback("flip")
        assert _wait_for_version(client, 1)["version"] == 1
        assert client.post("/predict", json=rows).json() == first


def test_a_version_that_fails_to_load_leaves_the_old_one_serving(flip):
    app = create_app("flip@champion")
    client = TestClient(app)
    _tamper(2)
    wb.models.promote("flip", version=2)
    app.state.follower.refresh()
    assert client.get("/health").json()["version"] == 1
    assert "version 2 failed to load" in app.state.follower.load_error
    assert client.post("/predict", json=flip.rows(1)).json()["model"]["version"] == 1
    wb.models.rollback("flip")
    assert app.state.follower.refresh().version == 1 and app.state.follower.load_error is None


def test_without_a_loadable_version_the_app_answers_503_until_one_is_promoted(flip):
    _tamper(1)
    app = create_app("flip@champion")
    client = TestClient(app)
    health = client.get("/health")
    assert health.status_code == 503 and "version 1 failed to load" in health.json()["detail"]
    assert client.post("/predict", json=flip.rows(1)).status_code == 503
    wb.models.promote("flip", version=2)
    app.state.follower.refresh()
    assert client.get("/health").json() == {"status": "ok", "name": "flip", "version": 2}


def test_a_fixed_version_does_not_follow_the_alias(flip):
    app = create_app("flip/1")
    wb.models.promote("flip", version=2)
    app.state.follower.refresh()
    assert TestClient(app).get("/model").json()["version"] == 1
    _tamper(2)
    with pytest.raises(ModelLoadError, match="version 2 failed to load"):
        create_app("flip/2")


def test_unknown_references_are_clear_errors(flip):
    with pytest.raises(wb.models.ModelNotFoundError, match="known models: flip"):
        create_app("nope@champion")
    with pytest.raises(wb.models.ModelNotFoundError, match=r"known aliases: champion \(version 1"):
        create_app("flip@staging")


def test_a_model_trained_on_an_array_takes_lists_of_rows(sqlite_project):
    from sklearn.linear_model import LinearRegression

    x = np.arange(12.0).reshape(6, 2)
    model = LinearRegression().fit(x, x[:, 0] * 2 + x[:, 1])
    with wb.start_run() as run:
        run.log_model(model, name="positional", input_example=x[:2])
    with TestClient(create_app("positional", log_inputs=True)) as client:
        for body in ({"inputs": x.tolist()}, {"instances": x.tolist()}, x.tolist()):
            predictions = client.post("/predict", json=body).json()["predictions"]
            np.testing.assert_allclose(predictions, model.predict(x))
        short = client.post("/predict", json={"inputs": [[1.0]]})
        assert short.status_code == 422 and short.json()["columns"] == [1]
    logged = logged_inputs("positional")
    assert list(logged.columns[:2]) == ["0", "1"] and len(logged) == 18
