"""`workbench doctor` on a team project: PostgreSQL and a bucket on a real S3 server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.store.artifacts import blob_store


@pytest.mark.postgres
def test_doctor_finds_the_team_database_and_bucket_working(
    pg_url: str,
    s3_env: dict[str, str],
    sqlite_project: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WORKBENCH_DB_URL", pg_url)
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0

    result = runner.invoke(app, ["doctor", "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert all(check["ok"] for check in report.values()), report
    assert report["artifacts"]["where"] == s3_env["WORKBENCH_ARTIFACTS_URL"]
    assert report["artifacts"]["detail"] == "object storage, writable"
    assert report["database"]["detail"].startswith("schema current (")
    assert "127.0.0.1" in report["database"]["where"]
    assert report["studies"]["where"].endswith("(schema optuna)")
    assert blob_store().all_blobs() == {}  # the probe was removed
