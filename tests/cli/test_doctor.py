"""`workbench doctor` says where the database, artifacts, caches and studies live, checks
each, and gives the fix for each failure (exit code 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from browsertools import free_port
from typer.testing import CliRunner

import workbench as wb
from workbench.cli import app

runner = CliRunner()
CHECKS = ["database", "artifacts", "caches", "studies"]


@pytest.fixture
def used_project(sqlite_project: Path) -> Path:
    with wb.start_run(name="first", experiment="doctor") as run:
        run.log_text("hello", "notes.txt")
    return sqlite_project


def test_a_working_local_project_is_all_ok(used_project: Path) -> None:
    shown = runner.invoke(app, ["doctor"])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert [line.split()[:2] for line in lines] == [[name, "ok"] for name in CHECKS]
    assert f"{used_project / '.workbench' / 'workbench.db'}: schema current" in lines[0]
    assert str(used_project / ".workbench" / "artifacts") in lines[1]

    report = json.loads(runner.invoke(app, ["doctor", "--json"]).stdout)
    assert list(report) == CHECKS
    assert all(check["ok"] and check["fix"] == "" for check in report.values())
    # The probe blob is gone: the store holds the one artifact logged.
    blobs = [p for p in (used_project / ".workbench" / "artifacts").rglob("*") if p.is_file()]
    assert len(blobs) == 1
    assert not any((used_project / ".workbench" / "artifacts").glob("*/.doctor-*"))


def test_an_artifacts_folder_that_cannot_be_written_fails_with_the_fix(
    used_project: Path,
) -> None:
    # A file where the folder should be: not writable, even for root (who ignores modes).
    artifacts = used_project / ".workbench" / "artifacts"
    for blob in artifacts.rglob("*"):
        if blob.is_file():
            blob.unlink()
    for folder in sorted(artifacts.rglob("*"), reverse=True):
        folder.rmdir()
    artifacts.rmdir()
    artifacts.write_text("not a folder")

    shown = runner.invoke(app, ["doctor"])
    assert shown.exit_code == 1
    failed = [line for line in shown.output.splitlines() if " FAIL " in line]
    assert [line.split()[0] for line in failed] == ["artifacts"]
    report = json.loads(runner.invoke(app, ["doctor", "--json"]).stdout)
    assert report["artifacts"]["ok"] is False
    assert report["artifacts"]["fix"] == (
        f"make {artifacts} writable, or set WORKBENCH_ARTIFACTS_URL"
    )
    assert f"fix:  make {artifacts} writable" in shown.output
    assert report["database"]["ok"] and report["caches"]["ok"]


def test_an_object_store_that_does_not_answer_fails_naming_the_variable(
    used_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    for name, value in {
        "WORKBENCH_ARTIFACTS_URL": "s3://team-bucket/project",
        "AWS_ENDPOINT_URL": closed,
        "AWS_ALLOW_HTTP": "true",
        "AWS_ACCESS_KEY_ID": "someone",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)

    result = runner.invoke(app, ["doctor", "--json"])
    assert result.exit_code == 1
    artifacts = json.loads(result.stdout)["artifacts"]
    assert artifacts["where"] == "s3://team-bucket/project"
    assert artifacts["ok"] is False
    assert f"the server at {closed} does not answer" in artifacts["detail"]
    assert artifacts["fix"] == "check AWS_ENDPOINT_URL and that the server is running"


def test_a_database_server_that_does_not_answer_fails_naming_the_variable(
    sqlite_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"postgresql+psycopg://team:secret@127.0.0.1:{free_port()}/workbench"
    monkeypatch.setenv("WORKBENCH_DB_URL", url)

    result = runner.invoke(app, ["doctor", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["database"]["ok"] is False
    assert "secret" not in report["database"]["where"]
    assert report["database"]["detail"].startswith("cannot connect: ")
    assert "WORKBENCH_DB_URL" in report["database"]["fix"]
    # Studies live in that database, so they fail with it.
    assert report["studies"]["ok"] is False
    assert report["studies"]["where"].endswith("(schema optuna)")
