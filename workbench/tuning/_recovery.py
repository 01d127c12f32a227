"""Restarting a study after a process died in it (killed, crashed, its machine lost)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from workbench.tracking import environment
from workbench.tuning._tracking import STATE_TAG, WORKER_ATTR, TrialRuns

if TYPE_CHECKING:
    import optuna


def _dead_here(owner: str) -> bool:
    from workbench.tracking.queries import _process_alive

    host, _, pid = owner.rpartition(":")
    if host != environment.host() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    return not _process_alive(int(pid))


def fail_orphaned_trials(study: optuna.Study, runs: TrialRuns) -> list[int]:
    """Fail the RUNNING trials whose process is gone, and end their runs; their numbers.

    A trial's process is gone when it ran on this machine and its pid is dead, or when its
    run was marked KILLED (``mark_stale_runs``: a dead pid, or no heartbeat from another
    machine). Such a trial would otherwise stay RUNNING forever, and its run with it.
    """
    from optuna.exceptions import UpdateFinishedTrialError
    from optuna.trial import TrialState

    from workbench.tracking.queries import mark_stale_runs
    from workbench.tuning._tune import trial_run_ids

    running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    if not running:
        return []
    mark_stale_runs()
    run_ids = trial_run_ids(study.study_name)
    failed = []
    for trial in running:
        owner = str(trial.system_attrs.get(WORKER_ATTR, ""))
        run_id = run_ids.get(trial.number)
        killed = run_id is not None and runs.store.get_run(run_id).status == "KILLED"
        if not (killed or _dead_here(owner)):
            continue
        reason = f"its process ({owner or 'unknown'}) stopped before the trial ended"
        try:
            study._storage.set_trial_system_attr(trial._trial_id, "fail_reason", reason)
            study.tell(trial.number, state=TrialState.FAIL)
        except UpdateFinishedTrialError:
            continue  # its process was alive after all and has just finished it
        tags = {STATE_TAG: "FAIL", "workbench.error": reason}
        if run_id is not None:  # marked KILLED by mark_stale_runs (here or before)
            runs.store.set_tags(run_id, tags)
        else:  # killed before its run's first write: record it now, so every trial has one
            run = runs.new(trial.number)
            run.log_params(trial.params)
            run.set_tags(tags)
            run.end("KILLED")
        failed.append(trial.number)
    return failed
