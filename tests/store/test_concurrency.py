"""Several processes on one store, and processes that die mid-run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import workbench as wb

WRITER = textwrap.dedent(
    """
    import sys
    import workbench as wb
    index, points = int(sys.argv[1]), int(sys.argv[2])
    wb.set_experiment("parallel")
    with wb.start_run(name=f"writer-{index}") as run:
        run.log_params({f"p{i}": i for i in range(50)})
        for step in range(points):
            run.log_metric("loss", step * 0.5, step=step)
    """
)


def _spawn(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_parallel_processes_lose_nothing(project):
    writers, points = 4, 5_000
    procs = [_spawn(WRITER, str(i), str(points)) for i in range(writers)]
    for proc in procs:
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
    frame = wb.runs(experiment="parallel")
    assert len(frame) == writers
    assert set(frame["status"]) == {"FINISHED"}
    for run_id in frame["run_id"]:
        history = wb.metric_history(run_id, "loss")
        assert len(history) == points
        assert list(history["step"]) == list(range(points))
        assert len(wb.get_run(run_id).params) == 50


KILLED_MID_RUN = textwrap.dedent(
    """
    import sys, time
    import workbench as wb
    run = wb.start_run(name="doomed")
    for step in range(100):
        run.log_metric("loss", float(step), step=step)
    run.flush()
    print(run.id, flush=True)
    for step in range(100, 10_000_000):
        run.log_metric("loss", float(step), step=step)  # buffered, partly flushed
        if step % 1000 == 0:
            time.sleep(0.001)
    """
)


def test_sigkill_leaves_a_readable_store_and_runs_list_marks_the_run_killed(project):
    from typer.testing import CliRunner

    from workbench.cli import app

    proc = _spawn(KILLED_MID_RUN)
    assert proc.stdout is not None
    run_id = proc.stdout.readline().strip()
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)

    assert wb.get_run(run_id).info.status == "RUNNING"  # nobody could mark it yet
    history = wb.metric_history(run_id, "loss")
    assert list(history["step"][:100]) == list(range(100))  # flushed points are intact
    assert list(history["step"]) == list(range(len(history)))  # and no gap or half batch

    result = CliRunner().invoke(app, ["runs", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert wb.get_run(run_id).info.status == "KILLED"


def test_stale_runs_on_other_hosts_need_a_missed_heartbeat(project):
    from workbench.tracking.fluent import get_store

    store = get_store()
    experiment = store.get_or_create_experiment("remote")
    fresh = store.create_run(experiment=experiment, host="elsewhere", pid=1)
    old = store.create_run(experiment=experiment, host="elsewhere", pid=1)
    with store.engine.begin() as conn:
        from workbench.store.models import Run

        table = Run.__table__
        conn.execute(
            table.update().where(table.c.id == old.id).values(heartbeat_at=time.time() - 3600)
        )
    assert wb.admin.mark_stale_runs(stale_after=60) == [old.id]
    assert wb.get_run(fresh.id).info.status == "RUNNING"


@pytest.mark.parametrize("processes", [4])
def test_processes_opening_a_new_store_at_once(sqlite_project, processes):
    code = "import workbench as wb\nwith wb.start_run():\n    wb.log_metric('x', 1.0)\n"
    procs = [_spawn(code) for _ in range(processes)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert len(wb.runs()) == processes
