"""Looking up a study's trial runs before any trial has one (another process's trial is still
starting): an empty answer, not a KeyError that stops the process joining the study."""

from __future__ import annotations

import workbench as wb
from workbench.tuning._tune import trial_run_ids


def test_a_study_whose_trials_have_no_runs_yet_maps_to_nothing(project):
    with wb.start_run(name="unrelated", tags={"owner": "ana"}):
        pass
    assert trial_run_ids("not-started-yet") == {}


def test_trials_with_runs_are_found_by_number(project):
    wb.set_experiment("tuning")
    result = wb.tune(lambda trial: trial.suggest_float("x", 0, 1), n_trials=3,
                     name="found", show_progress=False)  # fmt: skip
    ids = trial_run_ids("found")
    assert sorted(ids) == [0, 1, 2]
    assert result.best_run_id in ids.values()
