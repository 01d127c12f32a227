"""``workbench gc`` while others write, on the local folder and on object storage: an
unreferenced blob stored less than the grace period ago is kept (its row may not be committed
yet), storing a blob again renews it, and a referenced blob never goes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from typer.testing import CliRunner

import workbench as wb
from workbench.cli import app
from workbench.store.artifacts import blob_store
from workbench.tracking.queries import read_artifact

runner = CliRunner()


def gc(*args: str) -> dict:
    result = runner.invoke(app, ["gc", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_fresh_unreferenced_blob_stays_for_the_grace_period(
    sqlite_project: Path, store_kind: str
) -> None:
    (sqlite_project / "keep.txt").write_text("kept")
    with wb.start_run() as run:
        run.log_artifact("keep.txt")
    kept = hashlib.sha256(b"kept").hexdigest()
    orphan, _ = blob_store().put_bytes(b"just stored, its run not saved yet")

    by_default = gc()
    assert by_default["blobs"] == [] and by_default["kept_for_grace"] == 1
    assert set(blob_store().all_blobs()) == {kept, orphan}
    assert gc("--grace", "10m")["blobs"] == []

    at_once = gc("--grace", "0")
    assert at_once["blobs"] == [orphan] and at_once["kept_for_grace"] == 0
    assert set(blob_store().all_blobs()) == {kept}
    assert read_artifact(run.id, "keep.txt") == b"kept"

    said = runner.invoke(app, ["gc"]).output
    assert "Removed 0 unreferenced blob(s)" in said and "Kept" not in said


def test_storing_a_blob_again_renews_its_grace_period(
    sqlite_project: Path, store_kind: str
) -> None:
    store = blob_store()
    renewed, _ = store.put_bytes(b"logged again by a new run")
    forgotten, _ = store.put_bytes(b"nobody logs me again")
    time.sleep(2.5)
    store.put_bytes(b"logged again by a new run")

    report = wb.admin.collect_garbage(dry_run=False, grace=2)

    assert report.blobs == [forgotten] and report.kept_for_grace == 1
    assert set(store.all_blobs()) == {renewed}
    assert store.read_bytes(renewed) == b"logged again by a new run"


def test_a_bad_grace_is_refused(sqlite_project: Path) -> None:
    result = runner.invoke(app, ["gc", "--grace", "soon"])
    assert result.exit_code == 2
    assert "'soon' is not a duration" in result.output


WRITER = """
import hashlib, json, os, sys
import workbench as wb

logged = []
for number in range(int(sys.argv[1])):
    with wb.start_run(name=f"writer-{number}") as run:
        unique = os.urandom(64 + number)
        run.log_text(unique.hex(), "unique.txt")
        # The same content in every run: stored again, never uploaded twice.
        run.log_text("shared by every run", "shared.txt")
        logged.append([run.id, hashlib.sha256(unique.hex().encode()).hexdigest()])
    if number % 3 == 2:
        wb.delete_run(run.id)  # gc purges these, and their blobs become unreferenced
        logged.pop()
print(json.dumps(logged))
"""


def test_gc_running_beside_a_writer_loses_nothing(sqlite_project: Path, store_kind: str) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WRITER), "24"],
        cwd=sqlite_project,
        env={**os.environ, "WORKBENCH_HOME": str(sqlite_project)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    collections = 0
    while writer.poll() is None:
        wb.admin.collect_garbage(dry_run=False, purge_deleted=True)
        collections += 1
    out, err = writer.communicate()
    assert writer.returncode == 0, err[-3000:]
    logged = json.loads(out.strip().splitlines()[-1])

    assert collections >= 2 and len(logged) == 16
    for run_id, sha in logged:
        assert hashlib.sha256(read_artifact(run_id, "unique.txt")).hexdigest() == sha
        assert read_artifact(run_id, "shared.txt") == b"shared by every run"
    assert len(wb.runs()) == 16
