"""Running measurement scripts in fresh subprocesses and fresh temp project folders."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_common import RESULT_PREFIX

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TAIL_LINES = 30


@dataclass(frozen=True)
class Side:
    """One contender: its interpreter and measurement script."""

    name: str
    python: Path
    script: Path

    def env(self, project: Path) -> dict[str, str]:
        """The environment of a measurement process whose project folder is ``project``."""
        env = dict(os.environ)
        for name in ("WORKBENCH_DB_URL", "WORKBENCH_HOME", "MLFLOW_TRACKING_URI"):
            env.pop(name, None)
        env["PYTHONUNBUFFERED"] = "1"
        if self.name == "workbench":
            env["WORKBENCH_HOME"] = str(project)
        else:
            env["MLFLOW_TRACKING_URI"] = f"sqlite:///{project / 'mlflow.db'}"
            env["BENCH_ARTIFACTS"] = str(project / "mlartifacts")
            env["MLFLOW_DISABLE_TELEMETRY"] = "true"  # no network calls from the anchor
            env["DO_NOT_TRACK"] = "true"
        return env


def workbench_side() -> Side:
    return Side("workbench", ROOT / ".venv" / "bin" / "python", HERE / "wb_cases.py")


def mlflow_side(python: Path) -> Side:
    return Side("mlflow", python, HERE / "mlflow_cases.py")


@dataclass
class Outcome:
    """What one measurement process reported, or why it reported nothing."""

    result: dict[str, Any] | None
    error: str | None = None
    seconds: float = 0.0
    stderr_tail: list[str] = field(default_factory=list)
    skipped: bool = False  # deliberately not measured; ``error`` says why

    @property
    def ok(self) -> bool:
        return self.result is not None and self.error is None


@contextlib.contextmanager
def fresh_project(label: str) -> Iterator[Path]:
    """A new, empty temp project folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{label}-") as folder:
        yield Path(folder)


def _tail(text: str) -> list[str]:
    return text.strip().splitlines()[-TAIL_LINES:] if text.strip() else []


def _parse(stdout: str) -> dict[str, Any] | None:
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            parsed: dict[str, Any] = json.loads(line[len(RESULT_PREFIX) :])
            return parsed
    return None


def _outcome(code: int, stdout: str, stderr: str, seconds: float) -> Outcome:
    result = _parse(stdout)
    tail = _tail(stderr)
    if code != 0 or result is None:
        reason = f"exit code {code}" if code != 0 else "no result line"
        detail = "\n".join(tail or _tail(stdout))
        return Outcome(None, f"{reason}\n{detail}".strip(), seconds, tail)
    return Outcome(result, None, seconds, tail)


def run_case(side: Side, case: str, args: dict[str, Any], project: Path, timeout: float) -> Outcome:
    """Run ``case`` of ``side`` in a new process inside ``project``."""
    command = [str(side.python), str(side.script), case, json.dumps(args)]
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command,
            cwd=project,
            env=side.env(project),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as expired:
        stderr = expired.stderr.decode(errors="replace") if expired.stderr else ""
        error = f"timed out after {timeout:.0f} s\n" + "\n".join(_tail(stderr))
        return Outcome(None, error, time.perf_counter() - started, _tail(stderr))
    seconds = time.perf_counter() - started
    return _outcome(done.returncode, done.stdout, done.stderr, seconds)


def best_import_time(side: Side, module: str, repeats: int, project: Path) -> Outcome:
    """Best wall time of ``python -c "import <module>"`` over ``repeats`` new processes."""
    times: list[float] = []
    for _ in range(repeats):
        started = time.perf_counter()
        done = subprocess.run(
            [str(side.python), "-c", f"import {module}"],
            cwd=project,
            env=side.env(project),
            capture_output=True,
            text=True,
            timeout=120,
        )
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            return Outcome(None, f"import {module} failed:\n{done.stderr.strip()}", elapsed)
        times.append(elapsed)
    return Outcome({"value": min(times), "all": times}, None, sum(times))


@dataclass
class GroupOutcome:
    """The concurrent figure: every worker's outcome and the group's wall time."""

    seconds: float | None
    workers: list[Outcome]
    error: str | None = None

    @property
    def failures(self) -> list[Outcome]:
        return [worker for worker in self.workers if not worker.ok]


def run_group(
    side: Side, case: str, args: list[dict[str, Any]], project: Path, timeout: float
) -> GroupOutcome:
    """Start one process per ``args`` entry; once all are ready, release them together.

    The clock runs from the release (the ``go`` file) until the last process has exited.
    """
    barrier = project / "barrier"
    barrier.mkdir()
    logs = project / "logs"
    logs.mkdir()
    processes: list[subprocess.Popen[bytes]] = []
    for index, worker_args in enumerate(args):
        payload = json.dumps({**worker_args, "worker": index, "folder": str(barrier)})
        with (
            (logs / f"{index}.out").open("wb") as out,
            (logs / f"{index}.err").open("wb") as err,
        ):
            processes.append(
                subprocess.Popen(
                    [str(side.python), str(side.script), case, payload],
                    cwd=project,
                    env=side.env(project),
                    stdout=out,
                    stderr=err,
                )
            )
    deadline = time.monotonic() + timeout
    error: str | None = None
    while len(list(barrier.glob("ready-*"))) < len(processes):
        if any(p.poll() is not None for p in processes):
            error = "a worker exited before the start signal"
            break
        if time.monotonic() > deadline:
            error = f"workers not ready after {timeout:.0f} s"
            break
        time.sleep(0.01)
    started = time.perf_counter()
    (barrier / "go").touch()
    for process in processes:
        try:
            process.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            error = error or f"workers still running after {timeout:.0f} s: killed"
    seconds = time.perf_counter() - started
    workers = [
        _outcome(
            process.returncode,
            (logs / f"{index}.out").read_text(errors="replace"),
            (logs / f"{index}.err").read_text(errors="replace"),
            seconds,
        )
        for index, process in enumerate(processes)
    ]
    return GroupOutcome(None if error else seconds, workers, error)
