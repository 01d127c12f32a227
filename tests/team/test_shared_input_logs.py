"""Served inputs in team mode: each file a server's input log writes is uploaded to the
bucket, and ``logged_inputs`` on another machine reads what every machine logged."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import workbench.serving
from workbench.serving import InputLog
from workbench.store.artifacts import blob_store


def _log(rows: pd.DataFrame, version: int, received_at: float) -> Path:
    log = InputLog("churn")
    log.append(rows, version=version, received_at=received_at)
    written = log.flush()
    assert written is not None
    return written


def test_inputs_served_on_two_machines_are_read_together_on_either(
    s3_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home_a, home_b = tmp_path / "machine-a", tmp_path / "machine-b"
    early = pd.DataFrame({"tenure": [1.0, 2.0, 3.0], "plan": ["a", "b", "a"]})
    late = pd.DataFrame({"tenure": [40.0, 50.0], "plan": ["c", "c"]})

    monkeypatch.setenv("WORKBENCH_HOME", str(home_a))
    on_a = _log(early, version=1, received_at=1_700_000_000.0)
    monkeypatch.setenv("WORKBENCH_HOME", str(home_b))
    assert workbench.serving.logged_inputs("churn")[["tenure", "plan"]].equals(early)
    on_b = _log(late, version=2, received_at=1_700_000_100.0)

    for home in (home_a, home_b):
        monkeypatch.setenv("WORKBENCH_HOME", str(home))
        logged = workbench.serving.logged_inputs("churn")
        expected = pd.concat([early, late], ignore_index=True)
        pd.testing.assert_frame_equal(logged[["tenure", "plan"]], expected)
        assert logged["_model_version"].tolist() == [1, 1, 1, 2, 2]
        since = workbench.serving.logged_inputs("churn", since=pd.Timestamp.now(tz="UTC"))
        assert since.empty  # both files were written before now
    # Each machine keeps only its own file locally; the bucket holds both, kept by gc.
    assert [p.name for p in on_a.parent.iterdir()] == [on_a.name]
    assert [p.name for p in on_b.parent.iterdir()] == [on_b.name]
    store = blob_store(home_b)
    indexes = store.list_indexes("serving/churn")
    assert [store.read_index(name) for name in indexes] == [
        {path.name: store.put_file(path)[0]} for path in sorted((on_a, on_b))
    ]
    assert len(store.indexed_blobs()) == 2


def test_a_file_that_could_not_be_uploaded_is_sent_with_the_next(
    s3_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "server"))
    log = InputLog("churn")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    log.append(pd.DataFrame({"tenure": [1.0]}), version=1, received_at=1_700_000_000.0)
    first = log.flush()  # written here; the upload is refused
    assert first is not None and first.is_file()
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_env["AWS_SECRET_ACCESS_KEY"])
    assert blob_store().list_indexes("serving/churn") == []

    log.append(pd.DataFrame({"tenure": [2.0]}), version=1, received_at=1_700_000_001.0)
    second = log.flush()

    assert second is not None
    store = blob_store()
    named = [
        next(iter(store.read_index(name) or {})) for name in store.list_indexes("serving/churn")
    ]
    assert named == [first.name, second.name]
