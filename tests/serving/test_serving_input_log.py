"""``--log-inputs``: received rows land in Parquet and read back for drift checks."""

from __future__ import annotations

import time

import pandas as pd
from fastapi.testclient import TestClient

import workbench as wb
import workbench.serving
from workbench.serving import InputLog, create_app


def test_received_rows_are_logged_with_their_time_and_model_version(flip, sqlite_project):
    before = pd.Timestamp.now(tz="UTC")
    with TestClient(create_app("flip@champion", log_inputs=True)) as client:
        client.post("/predict", json=flip.rows(3))
        client.post("/predict", json={"columns": flip.frame.iloc[3:5].to_dict(orient="list")})
        assert client.post("/predict", json=[{"x1": 1.0}]).status_code == 422  # not logged
    after = pd.Timestamp.now(tz="UTC")

    logged = wb.serving.logged_inputs("flip")
    assert list(logged.columns) == ["x1", "x2", "count", "_received_at", "_model_version"]
    pd.testing.assert_frame_equal(logged[["x1", "x2", "count"]], flip.frame.head(5))
    assert logged["_model_version"].tolist() == [1] * 5
    assert logged["_received_at"].between(before, after).all()
    folder = sqlite_project / ".workbench" / "serving" / "flip"
    assert [path.suffix for path in folder.iterdir()] == [".parquet"]  # no partial files left
    assert wb.serving.logged_inputs("flip", since=after).empty
    assert len(wb.serving.logged_inputs("flip", since=before.isoformat())) == 5


def test_logged_rows_feed_a_drift_comparison_with_the_training_data(flip):
    shifted = flip.frame.assign(x1=flip.frame["x1"] + 3.0)
    with TestClient(create_app("flip@champion", log_inputs=True)) as client:
        client.post("/predict", json=shifted.to_dict(orient="records"))
    report = wb.drift.compare(flip.frame, wb.serving.logged_inputs("flip"))
    by_column = report.to_frame().set_index("column")
    assert set(by_column.index) == {"x1", "x2", "count"}
    assert bool(by_column.loc["x1", "drifted"]) and not bool(by_column.loc["x2", "drifted"])


def test_a_full_buffer_is_written_by_the_background_thread(flip):
    log = InputLog("flip", flush_rows=4, flush_interval=60.0)
    log.start()
    try:
        log.append(flip.frame.head(4), version=2, received_at=time.time())
        deadline = time.monotonic() + 10
        while wb.serving.logged_inputs("flip").empty and time.monotonic() < deadline:
            time.sleep(0.02)
        logged = wb.serving.logged_inputs("flip")
    finally:
        log.close()
    assert len(logged) == 4 and logged["_model_version"].tolist() == [2] * 4


def test_a_model_without_logged_inputs_reads_as_an_empty_frame(flip):
    logged = wb.serving.logged_inputs("flip")
    assert logged.empty and list(logged.columns) == ["_received_at", "_model_version"]
