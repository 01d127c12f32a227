"""Tuning is safe from any notebook state (issue #15, classes 2 and 3).

Every scenario runs real processes: a hang fails by its timeout instead of blocking the
suite, a crash is a real SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import workbench as wb

HANG_TIMEOUT = 240  # seconds; a healthy run takes a few (plus interpreter start-ups)


def _run_script(code: str, cwd: Path, timeout: float = HANG_TIMEOUT) -> str:
    try:
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            cwd=cwd, env=os.environ.copy(), capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"the script hung for {timeout} s:\n{error.stderr or ''}")
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _trial_runs(study: str):
    return wb.runs(filter=f"tags.`optuna.study` = '{study}' and tags.`workbench.kind` IS NULL")


def _study_runs(study: str):
    return wb.runs(filter=f"tags.`optuna.study` = '{study}' and tags.`workbench.kind` = 'study'")


def test_tuning_in_processes_after_a_lightgbm_fit_completes(sqlite_project):
    # The natural order: fit a baseline, then tune; the objective lives in __main__.
    out = _run_script(
        """
        import lightgbm as lgb
        import numpy as np
        import workbench as wb

        rng = np.random.default_rng(0)
        X = rng.normal(size=(400, 5))
        y = (X[:, 0] + rng.normal(scale=0.5, size=400) > 0).astype(int)
        lgb.LGBMClassifier(n_estimators=20, verbose=-1).fit(X, y)

        def objective(trial):
            leaves = trial.suggest_int("num_leaves", 4, 32)
            model = lgb.LGBMClassifier(n_estimators=10, num_leaves=leaves, verbose=-1)
            return model.fit(X, y).score(X, y)

        result = wb.tune(objective, n_trials=4, n_jobs=2, direction="maximize",
                         name="after-fit", show_progress=False)
        print("trials", len(result.study.trials))
        """,
        sqlite_project,
    )
    assert "trials 4" in out
    runs = _trial_runs("after-fit")
    assert len(runs) == 4 and set(runs["status"]) == {"FINISHED"}


def _openmp_threads_objective(trial):
    import lightgbm as lgb
    import numpy as np
    from threadpoolctl import threadpool_info

    x = trial.suggest_float("x", 0, 1)
    data = np.random.default_rng(trial.number).normal(size=(200, 3))
    lgb.LGBMRegressor(n_estimators=5, verbose=-1).fit(data, data[:, 0])
    openmp = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "openmp"]
    wb.log_param("openmp_threads", max(openmp))
    return x


@pytest.mark.parametrize(
    ("given", "env", "expected"),
    [
        (None, None, max(1, (os.cpu_count() or 1) // 2)),  # an equal share of the cores
        (1, None, 1),
        (None, "1", 1),
    ],
)
def test_workers_cap_openmp_threads(sqlite_project, monkeypatch, given, env, expected):
    if env is None:
        monkeypatch.delenv("WORKBENCH_TUNE_THREADS", raising=False)
    else:
        monkeypatch.setenv("WORKBENCH_TUNE_THREADS", env)
    cap = {} if given is None else {"threads_per_worker": given}
    wb.tune(
        _openmp_threads_objective, n_trials=4, n_jobs=2, name="threads",
        show_progress=False, **cap,
    )  # fmt: skip
    runs = _trial_runs("threads")
    assert len(runs) == 4
    assert set(runs["params.openmp_threads"].astype(int)) == {expected}


def test_a_bad_thread_count_is_a_clear_error(sqlite_project, monkeypatch):
    monkeypatch.setenv("WORKBENCH_TUNE_THREADS", "all")
    with pytest.raises(ValueError, match=r"\$WORKBENCH_TUNE_THREADS must be a positive integer"):
        wb.tune(_openmp_threads_objective, n_trials=2, n_jobs=2, show_progress=False)
    with pytest.raises(ValueError, match="threads_per_worker must be a positive integer, got 0"):
        wb.tune(_openmp_threads_objective, n_trials=2, n_jobs=2, threads_per_worker=0)
    assert wb.runs().empty


def test_an_objective_that_cannot_reach_workers_is_a_clear_error(sqlite_project):
    import threading

    lock = threading.Lock()

    def objective(trial):
        with lock:
            return trial.suggest_float("x", 0, 1)

    with pytest.raises(TypeError, match=r"cannot be sent to worker processes \(n_jobs > 1\)"):
        wb.tune(objective, n_trials=2, n_jobs=2, name="unpicklable", show_progress=False)
    assert _trial_runs("unpicklable").empty


STARTER = """
import sys, time
from pathlib import Path
import optuna, sqlalchemy, workbench as wb
from workbench.tuning import _tune  # everything imported: the starts overlap

here = Path.cwd()
(here / f"ready-{sys.argv[1]}").touch()
while not (here / "go").exists():
    time.sleep(0.01)

def objective(trial):
    return trial.suggest_float("x", -1, 1) ** 2

wb.tune(objective, n_trials=5, name="shared", show_progress=False)
"""


def test_processes_starting_one_study_at_once_share_one_study_run(project):
    starters = [
        subprocess.Popen(
            [sys.executable, "-c", STARTER, str(index)],
            cwd=project,
            env=os.environ.copy(),
            stderr=subprocess.PIPE,
            text=True,
        )
        for index in range(3)
    ]
    deadline = time.monotonic() + HANG_TIMEOUT
    while len(list(project.glob("ready-*"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    (project / "go").touch()
    for starter in starters:
        _, err = starter.communicate(timeout=HANG_TIMEOUT)
        assert starter.returncode == 0, err[-3000:]

    study_runs = _study_runs("shared")
    assert len(study_runs) == 1
    study = wb.tuning.get_study("shared").study
    assert len(study.trials) == 15
    assert all(t.state.name == "COMPLETE" for t in study.trials)
    runs = _trial_runs("shared")
    assert len(runs) == 15 and set(runs["status"]) == {"FINISHED"}
    assert set(runs["parent_id"]) == set(study_runs["run_id"])
    listed = wb.tuning.studies()
    assert list(listed["study"]) == ["shared"] and list(listed["n_trials"]) == [15]


KILLED = """
import sys, time
import workbench as wb
from pathlib import Path

def objective(trial):
    x = trial.suggest_float("x", -1, 1)
    if trial.number == 3:
        if sys.argv[1] == "stored":
            wb.log_metric("progress", 0.5)
            wb.active_run().flush()  # a long trial whose run is already in the store
        Path("inside").touch()
        time.sleep(600)
    return x * x

wb.tune(objective, n_trials=10, name="killed", show_progress=False)
"""


@pytest.mark.parametrize("trial_run", ["stored", "not yet written"])
def test_a_killed_study_is_consistent_and_a_restart_continues_it(sqlite_project, trial_run):
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED, trial_run], cwd=sqlite_project, env=os.environ.copy()
    )
    deadline = time.monotonic() + HANG_TIMEOUT
    while not (sqlite_project / "inside").exists():
        assert process.poll() is None and time.monotonic() < deadline, "no trial 3 started"
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    loaded = wb.tuning.get_study("killed")  # still loadable, trial 3 left RUNNING
    assert [t.state.name for t in loaded.study.trials] == ["COMPLETE"] * 3 + ["RUNNING"]

    def quick(trial):
        return trial.suggest_float("x", -1, 1) ** 2

    result = wb.tune(quick, n_trials=2, name="killed", show_progress=False)
    states = [t.state.name for t in result.study.trials]
    assert states == ["COMPLETE"] * 3 + ["FAIL"] + ["COMPLETE"] * 2
    runs = _trial_runs("killed").set_index("name")
    assert len(runs) == 6 and "RUNNING" not in set(runs["status"])
    assert runs.loc["trial 3", "status"] == "KILLED"
    assert runs.loc["trial 3", "tags.optuna.state"] == "FAIL"
    assert "stopped before the trial ended" in runs.loc["trial 3", "tags.workbench.error"]
    study_runs = _study_runs("killed")
    assert list(study_runs["status"]) == ["FINISHED"]
    assert set(runs["parent_id"]) == set(study_runs["run_id"])


ORPHANS = """
import os, time
from pathlib import Path
import workbench as wb

def objective(trial):
    Path(f"worker-{os.getpid()}").touch()
    time.sleep(0.2)
    return trial.suggest_float("x", 0, 1)

wb.tune(objective, n_trials=1000, n_jobs=2, name="orphans", show_progress=False)
"""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")  # a zombie has stopped; only its exit status is left


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states in /proc")
def test_workers_stop_when_the_process_that_started_them_is_killed(sqlite_project):
    parent = subprocess.Popen([sys.executable, "-c", ORPHANS], cwd=sqlite_project)
    deadline = time.monotonic() + HANG_TIMEOUT
    while len(list(sqlite_project.glob("worker-*"))) < 2:
        assert parent.poll() is None and time.monotonic() < deadline, "no two workers started"
        time.sleep(0.05)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    workers = [int(path.name.split("-")[1]) for path in sqlite_project.glob("worker-*")]
    deadline = time.monotonic() + 60
    while any(_running(pid) for pid in workers):
        assert time.monotonic() < deadline, "workers kept tuning after their parent was killed"
        time.sleep(0.1)

    result = wb.tune(lambda t: t.suggest_float("x", 0, 1), n_trials=1, name="orphans",
                     show_progress=False)  # fmt: skip
    assert "RUNNING" not in {t.state.name for t in result.study.trials}
    assert "RUNNING" not in set(_trial_runs("orphans")["status"])
