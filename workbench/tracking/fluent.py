"""The module-level tracking API: ``wb.set_experiment``, ``wb.start_run``, ``wb.log_metric``..."""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench._project import _stores as _stores  # tests start each project afresh
from workbench._project import get_store
from workbench.store.records import ArtifactRecord, ExperimentRecord
from workbench.tracking import environment
from workbench.tracking.run import ActiveRun
from workbench.tracking.validation import check_key, check_name, storable, tag_value

if TYPE_CHECKING:
    from workbench.models.signature import Signature
    from workbench.store.registry_store import ModelVersionRecord

DEFAULT_EXPERIMENT = "Default"

_experiment: str | None = None
_run_stack: list[ActiveRun] = []
# Runs made current for one thread only (a tuning trial), taking precedence over _run_stack.
_thread_runs = threading.local()


def set_experiment(name: str) -> ExperimentRecord:
    """Make ``name`` the experiment new runs go to (created if it does not exist)."""
    global _experiment
    check_key(name, "experiment")
    record = get_store().get_or_create_experiment(name)
    _experiment = name
    return record


def current_experiment() -> str | None:
    """The name set with :func:`set_experiment`, or None."""
    return _experiment


def active_run() -> ActiveRun | None:
    """The innermost run started with :func:`start_run` and not ended yet."""
    local: list[ActiveRun] | None = getattr(_thread_runs, "stack", None)
    if local:
        return local[-1]
    return _run_stack[-1] if _run_stack else None


@contextlib.contextmanager
def nesting_runs() -> Iterator[None]:
    """In this block (this thread), ``start_run`` without ``nested=True`` while a run is active
    makes a child of it (in the same experiment) instead of refusing: how an exported pipeline
    runs the notebook's own ``with wb.start_run(...)`` cells inside its step runs."""
    _thread_runs.auto_nest = getattr(_thread_runs, "auto_nest", 0) + 1
    try:
        yield
    finally:
        _thread_runs.auto_nest -= 1


@contextlib.contextmanager
def using_run(run: ActiveRun) -> Iterator[ActiveRun]:
    """Make ``run`` the active run of this thread only, e.g. inside a tuning trial."""
    local: list[ActiveRun] = _thread_runs.__dict__.setdefault("stack", [])
    local.append(run)
    try:
        yield run
    finally:
        local.remove(run)


def _forget(run: ActiveRun) -> None:
    if run in _run_stack:
        _run_stack.remove(run)


def start_run(
    name: str | None = None,
    *,
    experiment: str | None = None,
    tags: Mapping[str, Any] | None = None,
    nested: bool = False,
    parent_id: str | None = None,
    run_id: str | None = None,
) -> ActiveRun:
    """Start a run; use it as a context manager or end it with :func:`end_run`.

    Inside the ``with`` block an exception marks the run FAILED (and propagates),
    Ctrl-C marks it KILLED. ``nested=True`` makes it a child of the active run;
    ``run_id`` resumes an ended run (it is RUNNING again until it ends).

    >>> import workbench as wb
    >>> with wb.start_run(name="baseline", tags={"owner": "ana"}) as run:  # doctest: +SKIP
    ...     run.log_params({"lr": 0.05})
    ...     run.log_metric("auc", 0.91)
    """
    current = active_run()
    if current is not None and not nested and parent_id is None and run_id is None:
        if getattr(_thread_runs, "auto_nest", 0):  # notebook code run as a pipeline step
            return start_run(
                name, experiment=experiment or current.experiment, tags=tags, nested=True
            )
        raise ValueError(
            f"Run {current.id} is still active. End it with wb.end_run(), or pass "
            "nested=True to start a child run."
        )
    if nested and parent_id is None and current is not None:
        parent_id = current.id
        experiment = experiment or current.experiment  # a child lives with its parent
    run = create_run(
        name, experiment=experiment, tags=tags, parent_id=parent_id, run_id=run_id, track=True
    )
    _run_stack.append(run)
    return run


def create_run(
    name: str | None = None,
    *,
    experiment: str | None = None,
    tags: Mapping[str, Any] | None = None,
    parent_id: str | None = None,
    run_id: str | None = None,
    track: bool = False,
    defer: bool = False,
) -> ActiveRun:
    """A new (or resumed) run that is not made the active run; end it yourself.

    ``defer=True`` writes the run with its first flush (one transaction for a short run).
    """
    store = get_store()
    if run_id is not None:
        record = store.reopen_run(run_id)
        return ActiveRun(store, record, on_end=_forget if track else None, resumed=True)
    experiment_name = experiment if experiment is not None else _experiment or DEFAULT_EXPERIMENT
    check_key(experiment_name, "experiment")
    checked_tags = {check_key(k, "tag"): tag_value(k, v) for k, v in (tags or {}).items()}
    if name is not None:
        check_name(name, "run name")
    exp = store.get_or_create_experiment(experiment_name)
    source, source_type = environment.source()
    commit, dirty = environment.git_state(Path.cwd())
    env = environment.environment_snapshot()
    record = store.create_run(
        experiment=exp,
        name=name,
        parent_id=parent_id,
        tags=checked_tags,
        user=storable(environment.user(), 250),
        host=storable(environment.host(), 250),
        pid=os.getpid(),
        source=storable(source, 1000),
        source_type=source_type,
        git_commit=commit,
        git_dirty=dirty,
        environment=env,
        defer=defer,
    )
    pending = (env, checked_tags) if defer else None
    return ActiveRun(store, record, on_end=_forget if track else None, pending=pending)


def end_run(status: str = "FINISHED") -> None:
    """End the active run (FINISHED unless told otherwise)."""
    run = active_run()
    if run is not None:
        run.end(status)


def _require_active() -> ActiveRun:
    run = active_run()
    if run is None:
        raise RuntimeError(
            "No active run. Start one first: `with wb.start_run():` or `wb.start_run()`."
        )
    return run


def log_param(key: str, value: Any) -> None:
    _require_active().log_param(key, value)


def log_params(params: Mapping[str, Any]) -> None:
    _require_active().log_params(params)


def log_metric(key: str, value: float, step: int | None = None) -> None:
    _require_active().log_metric(key, value, step=step)


def log_metrics(metrics: Mapping[str, float], step: int | None = None) -> None:
    _require_active().log_metrics(metrics, step=step)


def set_tag(key: str, value: Any) -> None:
    _require_active().set_tag(key, value)


def set_tags(tags: Mapping[str, Any]) -> None:
    _require_active().set_tags(tags)


def log_dataset(data: Any, name: str | None = None, role: str = "train") -> str:
    return _require_active().log_dataset(data, name=name, role=role)


def log_model(
    model: Any,
    name: str | None = None,
    signature: Signature | None = None,
    input_example: Any = None,
    format: str | None = None,
) -> ModelVersionRecord | ArtifactRecord:
    """:meth:`ActiveRun.log_model` on the active run (in a tuning trial: the trial's run)."""
    return _require_active().log_model(
        model, name=name, signature=signature, input_example=input_example, format=format
    )


def log_artifact(local_path: str | Path, artifact_path: str | None = None) -> ArtifactRecord:
    return _require_active().log_artifact(local_path, artifact_path)


@atexit.register
def _end_runs_at_exit() -> None:
    # A normal exit (end of script, kernel shutdown) keeps every buffered point.
    for run in reversed(list(_run_stack)):
        try:
            run.end("FINISHED")
        except Exception as error:  # never turn interpreter exit into a traceback storm
            print(f"workbench: could not end run {run.id} at exit: {error}")


def _reset_after_fork() -> None:
    # A forked child (multiprocessing) starts without the parent's runs or connections.
    _run_stack.clear()
    _thread_runs.__dict__.pop("stack", None)


os.register_at_fork(after_in_child=_reset_after_fork)
