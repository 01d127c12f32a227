"""A project whose artifacts live in a bucket: runs write there, not to the local folder,
and ``workbench gc`` frees the bucket's blobs that no run references."""

from __future__ import annotations

import hashlib
from pathlib import Path

import workbench as wb
from workbench.store.artifacts import blob_store
from workbench.tracking.queries import read_artifact


def test_gc_frees_the_buckets_unreferenced_blobs(
    sqlite_project: Path, s3_env: dict[str, str]
) -> None:
    (sqlite_project / "keep.txt").write_text("kept")
    with wb.start_run() as run:
        run.log_artifact("keep.txt")
    orphan, _ = blob_store().put_bytes(b"nobody refers to me")
    kept = hashlib.sha256(b"kept").hexdigest()

    assert wb.admin.collect_garbage(dry_run=True, grace=0).blobs == [orphan]
    report = wb.admin.collect_garbage(dry_run=False, grace=0)

    assert report.blobs == [orphan]
    assert blob_store().all_blobs() == {kept: 4}
    assert read_artifact(run.id, "keep.txt") == b"kept"
    assert wb.get_run(run.id).info.artifact_uri == s3_env["WORKBENCH_ARTIFACTS_URL"]
    assert not (sqlite_project / ".workbench" / "artifacts").exists()
