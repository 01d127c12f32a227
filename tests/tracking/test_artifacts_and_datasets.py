"""Artifacts (content-addressed, verified) and datasets (fingerprinted, profiled)."""

from __future__ import annotations

import pandas as pd
import pytest

import workbench as wb
from workbench.store.artifacts import ArtifactIntegrityError
from workbench.tracking.fluent import get_store


def test_artifact_is_stored_by_sha256_and_verified_on_read(project):
    plot = project / "roc.txt"
    plot.write_text("area under the curve")
    with wb.start_run() as run:
        record = run.log_artifact(plot, "plots/roc.txt")
    blob = project / ".workbench" / "artifacts" / record.sha256[:2] / record.sha256
    assert blob.read_text() == "area under the curve"
    assert wb.get_run(run.id).artifacts[0].path == "plots/roc.txt"
    store = get_store()
    assert store.blobs.read_bytes(record.sha256) == b"area under the curve"

    blob.write_text("tampered")
    with pytest.raises(ArtifactIntegrityError, match="corrupted"):
        store.blobs.read_bytes(record.sha256)


def test_same_content_is_stored_once(project):
    for name in ("a.txt", "b.txt"):
        (project / name).write_text("same")
    with wb.start_run() as run:
        first = run.log_artifact(project / "a.txt")
        second = run.log_artifact(project / "b.txt")
    assert first.sha256 == second.sha256
    assert len(get_store().blobs.all_blobs()) == 1


@pytest.mark.parametrize("bad", ["../escape.txt", "/etc/passwd", "a/../../b", "", "a\\b"])
def test_artifact_paths_cannot_escape_the_run(project, bad):
    (project / "f.txt").write_text("x")
    with wb.start_run() as run, pytest.raises(ValueError, match="artifact path"):
        run.log_artifact(project / "f.txt", bad)


def test_missing_file_is_a_clear_error(project):
    with wb.start_run() as run, pytest.raises(FileNotFoundError, match="no such file"):
        run.log_artifact(project / "missing.png")


def test_gc_removes_only_unreferenced_blobs(project):
    (project / "keep.txt").write_text("keep")
    (project / "drop.txt").write_text("drop")
    with wb.start_run() as kept:
        kept.log_artifact(project / "keep.txt")
    with wb.start_run() as dropped:
        dropped.log_artifact(project / "drop.txt")
    wb.delete_run(dropped.id)

    dry = wb.admin.collect_garbage(dry_run=True, purge_deleted=True, grace=0)
    assert dry.blobs == [] and dry.dry_run  # a deleted run can still be restored

    report = wb.admin.collect_garbage(dry_run=False, purge_deleted=True, grace=0)
    assert report.purged_runs == 1 and len(report.blobs) == 1
    assert list(get_store().blobs.all_blobs()) == [wb.get_run(kept.id).artifacts[0].sha256]


def test_dataset_fingerprint_schema_and_profile(project):
    frame = pd.DataFrame({"age": [30, 40, None], "city": ["a", "b", "a"]})
    with wb.start_run() as run:
        fingerprint = run.log_dataset(frame, name="customers", role="train")
        again = run.log_dataset(frame.copy(), name="customers", role="test")
        changed = run.log_dataset(frame.assign(age=[31, 40, None]), name="other", role="eval")
    assert fingerprint == again != changed
    datasets = {d.role: d for d in wb.get_run(run.id).datasets}
    train = datasets["train"]
    assert (train.n_rows, train.n_cols) == (3, 2)
    assert train.columns[0] == {"name": "age", "dtype": "float64"}
    assert train.columns[1]["name"] == "city"
    assert train.profile["age"]["missing"] == 1
    assert train.profile["age"]["mean"] == 35
    assert train.profile["city"]["top"] == {"a": 2, "b": 1}


def test_dataset_from_csv_path_and_array(project):
    import numpy as np

    path = project / "data.csv"
    pd.DataFrame({"x": [1, 2]}).to_csv(path, index=False)
    with wb.start_run() as run:
        run.log_dataset(path)
        run.log_dataset(np.zeros((4, 3)), name="features", role="eval")
    datasets = {d.name: d for d in wb.get_run(run.id).datasets}
    assert datasets["data.csv"].source == str(path.resolve())
    assert (datasets["features"].n_rows, datasets["features"].n_cols) == (4, 3)


def test_purging_keeps_deleted_runs_that_registered_a_model(project):
    from sklearn.linear_model import LogisticRegression

    x, y = [[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1]
    with wb.start_run() as run:
        run.log_model(LogisticRegression().fit(x, y), name="kept-model")
    wb.delete_run(run.id)
    report = wb.admin.collect_garbage(dry_run=False, purge_deleted=True, grace=0)
    assert report.purged_runs == 0 and report.blobs == []
    assert list(wb.models.load("kept-model").predict([[0.0], [3.0]])) == [0, 1]
