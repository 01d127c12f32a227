"""SIGKILL in the middle of heavy logging and of model registration, on SQLite and PostgreSQL:
afterwards the store is consistent (the run is marked KILLED, each metric is a contiguous
prefix, no model version without its files, no alias to a missing version)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import workbench as wb
from workbench.tracking.fluent import get_store

LOGGER = textwrap.dedent(
    """
    import workbench as wb
    wb.set_experiment("killed")
    run = wb.start_run(name="heavy")
    print(run.id, flush=True)
    step = 0
    while True:
        run.log_metric("loss", float(step), step=step)
        run.log_metrics({"acc": step / 2.0, "lr": 0.1}, step=step)
        step += 1
    """
)

REGISTRAR = textwrap.dedent(
    """
    from sklearn.linear_model import LogisticRegression
    import workbench as wb
    model = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    while True:
        with wb.start_run(name="register") as run:
            run.log_metric("auc", 0.9)
            version = run.log_model(model, name="killed-model")
        wb.models.promote("killed-model", version.version, alias="champion")
        wb.models.promote("killed-model", version.version, alias="challenger")
    """
)


def _start(code: str, home: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code], cwd=home, env=dict(os.environ),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _kill_when(process: subprocess.Popen[str], ready: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 120
    while not ready():
        if process.poll() is not None:
            pytest.fail(f"the child died before {what}: {process.stderr.read()}")  # type: ignore[union-attr]
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)  # reaped: its pid is gone, as after a real crash


def _stored_steps(run_id: str, key: str) -> list[int]:
    return [step for step, _, _ in get_store().metric_history(run_id, key)]


def test_a_run_killed_while_logging_keeps_a_contiguous_prefix_and_is_marked_killed(project):
    process = _start(LOGGER, project)
    run_id = process.stdout.readline().strip()  # type: ignore[union-attr]
    assert len(run_id) == 32, process.stderr.read()  # type: ignore[union-attr]
    # Killed once several batches (5,000 points each) are in, while more are being written.
    _kill_when(process, lambda: len(_stored_steps(run_id, "loss")) > 6_000, "6,000 points")

    assert wb.get_run(run_id).info.status == "RUNNING"  # nobody has noticed yet
    assert run_id in wb.admin.mark_stale_runs()
    details = wb.get_run(run_id)
    assert details.info.status == "KILLED"
    loss = _stored_steps(run_id, "loss")
    assert loss == list(range(len(loss)))  # a contiguous prefix, nothing in between lost
    for key in ("acc", "lr"):
        steps = _stored_steps(run_id, key)
        assert steps == list(range(len(steps)))
        assert abs(len(steps) - len(loss)) <= 1  # logged together, flushed together
    assert details.metrics["loss"] == float(len(loss) - 1)  # the summary matches the history
    history = wb.metric_history(run_id, "loss")
    assert history["value"].tolist() == [float(step) for step in range(len(loss))]


@pytest.mark.parametrize("versions_before_kill", [2, 5])
def test_a_kill_during_registration_leaves_no_version_without_files(project, versions_before_kill):
    process = _start(REGISTRAR, project)

    def registered() -> int:
        try:
            return len(wb.models.versions("killed-model"))
        except wb.models.ModelNotFoundError:
            return 0

    _kill_when(process, lambda: registered() >= versions_before_kill, "registered versions")

    wb.admin.mark_stale_runs()
    versions = wb.models.versions("killed-model")
    numbers = versions["version"].tolist()
    assert numbers == list(range(1, len(numbers) + 1))  # no gap, no duplicate
    for number in numbers:
        model = wb.models.load(f"killed-model/{number}")  # files present, sha256 verified
        assert model.predict([[3.0]]).tolist() == [1]
        record = wb.models.resolve(f"killed-model/{number}")
        assert wb.get_run(record.run_id).info.status in ("FINISHED", "KILLED")
    for alias in ("champion", "challenger"):
        try:
            held = wb.models.resolve(f"killed-model@{alias}")
        except wb.models.ModelNotFoundError:
            continue  # killed before the first promotion to it
        assert held.version in numbers
    history = wb.models.alias_history("killed-model")
    assert set(history["version"]) <= set(numbers)
    assert not [run for run in get_store().running_runs() if run.name == "register"]
