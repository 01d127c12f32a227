"""`workbench tune --worker`: processes (or machines) joining one PostgreSQL-backed study."""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import textwrap

import pytest

import workbench as wb

OBJECTIVE = textwrap.dedent(
    """
    import time

    def objective(trial):
        x = trial.suggest_float("x", -5, 5)
        time.sleep(0.02)  # long enough for the three workers to interleave
        return x * x
    """
)


def _study_trial_runs(name):
    return wb.runs(filter=f"tags.`optuna.study` = '{name}' and tags.`workbench.kind` IS NULL")


@pytest.mark.postgres
def test_three_workers_share_a_postgres_study(pg_url, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    monkeypatch.setenv("WORKBENCH_DB_URL", pg_url)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "shared_objective.py").write_text(OBJECTIVE)
    sys.path.insert(0, str(tmp_path))
    try:
        from shared_objective import objective  # type: ignore[import-not-found]

        wb.tune(objective, n_trials=1, name="distributed", show_progress=False)
    finally:
        sys.path.remove(str(tmp_path))

    command = [
        sys.executable, "-m", "workbench", "tune", "--worker", "--study", "distributed",
        "--objective", "shared_objective:objective", "--n-trials", "10",
    ]  # fmt: skip
    workers = [
        subprocess.Popen(
            command,
            cwd=tmp_path,
            env=os.environ.copy(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        assert "Ran 10 trial(s)" in out

    runs = _study_trial_runs("distributed")
    assert len(runs) == 31 and runs["run_id"].is_unique
    assert set(runs["status"]) == {"FINISHED"}
    numbers = sorted(int(n) for n in runs["tags.optuna.trial"])
    assert numbers == list(range(31))  # no trial lost or duplicated
    pids = collections.Counter(wb.get_run(run_id).info.pid for run_id in runs["run_id"])
    assert sorted(pids.values()) == [1, 10, 10, 10]  # the starter's trial + 10 per worker


def test_joining_a_missing_study_is_a_clear_error(sqlite_project):
    from typer.testing import CliRunner

    from workbench.cli import app

    (sqlite_project / "obj.py").write_text("def f(trial):\n    return 1.0\n")
    result = CliRunner().invoke(
        app, ["tune", "--worker", "--study", "nope", "--objective", "obj:f", "--n-trials", "1"]
    )
    assert result.exit_code == 2
    assert "No study named 'nope' to join" in result.output
