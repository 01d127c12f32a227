"""``workbench.testing``: the public way for a user's tests (and ours) to get a fresh project."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import workbench as wb
from workbench import testing


def test_isolated_project_tracks_into_its_folder_and_restores_everything(tmp_path: Path) -> None:
    before_cwd, before_env = Path.cwd(), os.environ.get("WORKBENCH_HOME")
    first, second = tmp_path / "first", tmp_path / "second"
    with testing.isolated_project(first) as home:
        assert home == first.resolve() and Path.cwd() == home
        wb.set_experiment("churn")
        with wb.start_run(name="kept") as run:
            run.log_metric("auc", 0.9)
        left_open = wb.start_run(name="left open")
    assert Path.cwd() == before_cwd and os.environ.get("WORKBENCH_HOME") == before_env
    assert (first / ".workbench" / "workbench.db").is_file()

    with testing.isolated_project(second):
        with pytest.raises(ValueError, match="Unknown experiment 'churn'"):
            wb.runs(experiment="churn")  # a new project knows nothing of the first
        assert wb.active_run() is None
    with testing.isolated_project(first):
        runs = wb.runs(experiment="churn").set_index("name")
        assert runs.loc["kept", "status"] == "FINISHED"
        assert runs.loc["left open", "status"] == "KILLED"  # ended by the reset
        assert wb.get_run(left_open.id).status == "KILLED"


def test_reset_forgets_the_current_experiment(tmp_path: Path) -> None:
    with testing.isolated_project(tmp_path):
        wb.set_experiment("churn")
        testing.reset()
        with wb.start_run() as run:
            pass
        assert run.experiment != "churn"
