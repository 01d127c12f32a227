"""Worker processes of ``wb.tune(n_jobs>1)``: fresh interpreters, never a fork.

A fork after OpenMP has started its threads (any LightGBM or scikit-learn fit, e.g. the
baseline fitted before tuning) hangs the child in OpenMP forever, so each worker is a new
``python -m workbench.tuning._workers JOB`` process. The objective travels with cloudpickle,
which sends functions defined in a notebook or a script's ``__main__`` by value; the
parent's ``sys.path`` and working folder come along, so its other functions import by name.

Each worker's OpenMP and BLAS thread pools are capped before anything is imported, so that
workers x threads <= cores (``threads_per_worker``, or ``WORKBENCH_TUNE_THREADS``).
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import optuna

    from workbench.tuning._tracking import TrialTracker

THREADS_ENV = "WORKBENCH_TUNE_THREADS"
# The thread pools LightGBM (OpenMP), numpy/scipy (OpenBLAS, MKL) and friends size by.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_STDERR_TAIL = 4000
_TERMINATE_GRACE_SECONDS = 10.0


def worker_threads(workers: int, given: int | None = None) -> int:
    """Threads each worker may use: ``given``, else ``$WORKBENCH_TUNE_THREADS``, else an
    equal share of the cores (at least one)."""
    value: Any = given if given is not None else os.environ.get(THREADS_ENV)
    if value is None:
        return max(1, (os.cpu_count() or 1) // workers)
    try:
        threads = int(value)
    except ValueError:
        threads = 0
    if threads < 1 or str(threads) != str(value).strip():
        source = "threads_per_worker" if given is not None else f"${THREADS_ENV}"
        raise ValueError(f"{source} must be a positive integer, got {value!r}")
    return threads


def _payload(job: dict[str, Any]) -> bytes:
    import cloudpickle

    try:
        body = cloudpickle.dumps(job)
    except Exception as error:
        raise TypeError(
            f"The objective cannot be sent to worker processes (n_jobs > 1): {error}. Keep what "
            "it uses picklable (data, models, functions; not open files, locks, connections or "
            "generators), or tune with n_jobs=1."
        ) from error
    return pickle.dumps({"sys_path": list(sys.path), "job": body})


def run_workers(
    study: optuna.Study,
    storage: Any,
    tracker: TrialTracker,
    shares: list[int | None],
    timeout: float | None,
    catch: tuple[type[Exception], ...],
    threads: int,
    on_progress: Callable[[int], None],
) -> None:
    """Run ``tracker`` on ``study`` in one process per share of trials; wait for them all."""
    tracker.parent_pid = os.getpid()
    job = {"study": study.study_name, "storage": storage, "tracker": tracker,
           "timeout": timeout, "catch": catch}  # fmt: skip
    env = {**os.environ, **dict.fromkeys(THREAD_VARIABLES, str(threads))}
    started_with = len(study.get_trials(deepcopy=False))
    with tempfile.TemporaryDirectory(prefix="workbench-tune-") as folder:
        processes: list[tuple[subprocess.Popen[bytes], Any]] = []
        try:
            for index, share in enumerate(shares):
                if share is not None and share <= 0:
                    continue
                path = Path(folder) / f"job-{index}.pickle"
                path.write_bytes(_payload({**job, "n_trials": share}))
                errors = open(Path(folder) / f"worker-{index}.err", "w+b")  # noqa: SIM115
                command = [sys.executable, "-m", "workbench.tuning._workers", str(path)]
                processes.append((subprocess.Popen(command, env=env, stderr=errors), errors))
            while any(process.poll() is None for process, _ in processes):
                on_progress(len(study.get_trials(deepcopy=False)) - started_with)
                time.sleep(0.5)
        except BaseException:
            for process, _ in processes:
                if process.poll() is None:
                    process.terminate()  # the worker fails its running trial and stops
            for process, _ in processes:
                try:
                    process.wait(timeout=_TERMINATE_GRACE_SECONDS)
                except subprocess.TimeoutExpired:  # stuck in native code: a restart recovers
                    process.kill()
            raise
        finally:
            for process, _ in processes:
                process.wait()
            failures = [_report(index, process, errors) for index, (process, errors) in
                        enumerate(processes)]  # fmt: skip
        on_progress(len(study.get_trials(deepcopy=False)) - started_with)
    failed = [message for message in failures if message]
    if failed:
        raise RuntimeError(
            "Tuning worker(s) stopped with an error; their completed trials are kept in the "
            "study.\n" + "\n".join(failed)
        )


def _report(index: int, process: subprocess.Popen[bytes], errors: Any) -> str:
    """Forward a worker's stderr (warnings, tracebacks) here; a message if it failed."""
    errors.seek(0)
    text = errors.read().decode(errors="replace")
    errors.close()
    if text:
        sys.stderr.write(text)
    if process.returncode == 0:
        return ""
    return f"worker {index} (exit code {process.returncode}):\n{text[-_STDERR_TAIL:]}"


def _stop_on_terminate(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt  # Optuna then fails the running trial and the tracker its run


def main(path: str) -> None:
    """A worker process: load the job, join the study, run its share of trials."""
    import logging

    import cloudpickle
    import optuna

    from workbench.tuning._storage import open_storage, sync_storage

    signal.signal(signal.SIGTERM, _stop_on_terminate)
    with open(path, "rb") as handle:
        envelope = pickle.load(handle)
    sys.path[:] = envelope["sys_path"]
    job = cloudpickle.loads(envelope["job"])
    optuna.logging.set_verbosity(logging.WARNING)
    tracker: TrialTracker = job["tracker"]
    storage = open_storage(job["study"], job["storage"])
    study = optuna.load_study(study_name=job["study"], storage=storage)
    try:
        study.optimize(
            tracker,
            n_trials=job["n_trials"],
            timeout=job["timeout"],
            catch=job["catch"],
            callbacks=[tracker.callback],
        )
    finally:
        sync_storage(storage)
    if tracker.return_error is not None:
        raise tracker.return_error


if __name__ == "__main__":
    main(sys.argv[1])
