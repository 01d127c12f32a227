"""An active run: logs params, metrics (buffered), tags, datasets and artifacts."""

from __future__ import annotations

import collections
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from workbench.store._metrics import MetricPoint
from workbench.store._tables import RUN_STATUSES
from workbench.store.artifacts import check_artifact_path
from workbench.store.records import ArtifactRecord, EnvironmentRecord, RunRecord
from workbench.store.tracking_store import TrackingStore
from workbench.tracking._flusher import flusher
from workbench.tracking._salvage import DroppedValueWarning, is_refused_data, write_salvaging
from workbench.tracking.info import RunInfo
from workbench.tracking.validation import (
    MAX_STEP,
    MAX_TIMESTAMP,
    MIN_STEP,
    check_key,
    check_name,
    check_step_range,
    check_text,
    metric_step,
    metric_timestamp,
    metric_value,
    param_value,
    tag_value,
)

if TYPE_CHECKING:
    from workbench.models.signature import Signature
    from workbench.store.registry_store import ModelVersionRecord

FLUSH_EVERY_POINTS = 5_000
HEARTBEAT_SECONDS = 10.0


class ActiveRun:
    """A run being recorded. Use it as a context manager, or call :meth:`end`.

    >>> import workbench as wb
    >>> with wb.start_run(name="baseline") as run:  # doctest: +SKIP
    ...     run.log_metric("auc", 0.91)
    """

    def __init__(
        self,
        store: TrackingStore,
        record: RunRecord,
        on_end: Callable[[ActiveRun], None] | None = None,
        resumed: bool = False,
        pending: tuple[EnvironmentRecord | None, Mapping[str, str]] | None = None,
    ) -> None:
        self._store = store
        self._record = record
        self._on_end = on_end
        self._buffer: collections.deque[MetricPoint] = collections.deque()
        self._flush_lock = threading.Lock()
        self._next_step: dict[str, int] = {}
        self._params: dict[str, str] = {}
        self._ended = False
        self._last_heartbeat = time.monotonic()
        # A run created by this object starts empty: the store can skip reading what exists.
        self._fresh = record.status == "RUNNING" and record.end_time is None and not resumed
        self._flushed_keys: set[str] = set()
        self._pending_params: dict[str, str] = {}
        self._pending_tags: dict[str, str] = dict(pending[1]) if pending else {}
        # A deferred run is inserted by its first write (with its tags, params, metrics).
        self._pending_run = (record, pending[0]) if pending else None
        flusher.watch(self)

    # -- identity --------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self._record.id

    @property
    def name(self) -> str:
        return self._record.name

    @property
    def experiment(self) -> str:
        return self._record.experiment

    @property
    def parent_id(self) -> str | None:
        return self._record.parent_id

    @property
    def info(self) -> RunInfo:
        """The run as stored now (status, times, ...), also under MLflow's names
        (``run.info.run_id``, ``run.info.run_name``, ...)."""
        self._materialize()
        return RunInfo.of(self._store.get_run(self.id), self._store.blobs)

    def _materialize(self) -> None:
        """Insert a deferred run now: what follows refers to its row."""
        if self._pending_run is not None:
            self._write(end_status=None)

    def __repr__(self) -> str:
        state = "ended" if self._ended else "active"
        return f"<ActiveRun {self.id} {self.name!r} experiment={self.experiment!r} {state}>"

    def _check_open(self) -> None:
        if self._ended:
            raise RuntimeError(
                f"Run {self.id} has ended; start a new run with wb.start_run() to log more."
            )

    # -- params and tags -------------------------------------------------------------------
    def log_param(self, key: str, value: Any) -> None:
        self.log_params({key: value})

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Log params. A param cannot change: logging another value for a key is an error."""
        self._check_open()
        values = {check_key(key, "param"): param_value(key, value) for key, value in params.items()}
        for key, value in values.items():
            if key in self._params and self._params[key] != value:
                raise ValueError(
                    f"Param {key!r} of run {self.id} is already {self._params[key]!r}; cannot "
                    f"change it to {value!r}. Params are immutable: log the new value under "
                    "another key, or start a new run."
                )
        new = {k: v for k, v in values.items() if k not in self._params}
        if not new:
            return
        self._params.update(new)
        if self._fresh:
            # Nobody else writes a run created here: written with the next flush (timer,
            # 5,000 points or the end of the run), in the same transaction as the metrics.
            with self._flush_lock:
                self._pending_params.update(new)
        else:
            self._store.log_params(self.id, new)

    def set_tag(self, key: str, value: Any) -> None:
        self.set_tags({key: value})

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        """Set tags; on a run created here they are written with the next flush."""
        self._check_open()
        values = {check_key(k, "tag"): tag_value(k, v) for k, v in tags.items()}
        if self._fresh:
            with self._flush_lock:
                self._pending_tags.update(values)
        else:
            self._store.set_tags(self.id, values)

    # -- metrics ---------------------------------------------------------------------------
    def log_metric(
        self, key: str, value: float, step: int | None = None, timestamp: float | None = None
    ) -> None:
        """Record one point. Buffered: written in batches, on a timer, and when the run ends.

        Without ``step`` the point goes one step after the key's previous point. A bad key,
        value, step or timestamp is a ``ValueError`` here, and nothing is recorded.
        """
        if self._ended:
            self._check_open()
        self._buffer.append(self._point(key, value, step, timestamp))
        if len(self._buffer) >= FLUSH_EVERY_POINTS:
            self.flush()

    def log_metrics(
        self, metrics: Mapping[str, float], step: int | None = None, timestamp: float | None = None
    ) -> None:
        """Record several metrics at one step; one bad entry refuses them all."""
        self._check_open()
        stamp = time.time() if timestamp is None else timestamp
        points = [self._point(key, value, step, stamp) for key, value in metrics.items()]
        self._buffer.extend(points)
        if len(self._buffer) >= FLUSH_EVERY_POINTS:
            self.flush()

    def _point(self, key: str, value: Any, step: Any, timestamp: Any) -> MetricPoint:
        """A checked point; the key's next default step moves only once it is valid."""
        next_step = self._next_step.get(key)
        if next_step is None:
            check_key(key, "metric")
            next_step = 0
        number = value if type(value) is float else metric_value(key, value)
        if step is None:
            step = check_step_range(key, next_step)
        elif type(step) is not int or not MIN_STEP <= step <= MAX_STEP:
            step = metric_step(key, step)
        if timestamp is None:
            timestamp = time.time()
        elif type(timestamp) is not float or not 0.0 <= timestamp <= MAX_TIMESTAMP:
            timestamp = metric_timestamp(key, timestamp)
        self._next_step[key] = step + 1
        return (key, number, step, timestamp)

    def flush(self) -> None:
        """Write buffered metric points (and params) now."""
        self._write(end_status=None)

    def _write(self, end_status: str | None) -> None:
        with self._flush_lock:
            batch = [self._buffer.popleft() for _ in range(len(self._buffer))]
            params, self._pending_params = self._pending_params, {}
            tags, self._pending_tags = self._pending_tags, {}
            new_run = self._pending_run
            if not batch and not params and not tags and end_status is None and not new_run:
                return
            try:
                self._store.log_batch(
                    self.id,
                    params=params,
                    points=batch,
                    tags=tags,
                    params_new=self._fresh,
                    new_keys=self._new_keys(batch),
                    end_status=end_status,
                    new_run=new_run,
                )
            except BaseException as error:
                if not is_refused_data(error):
                    self._requeue(params, batch, tags)  # kept for the next try
                    raise
                self._salvage(params, batch, tags, end_status, new_run)
            self._flushed_keys.update(point[0] for point in batch)
            self._pending_run = None

    def _requeue(
        self, params: dict[str, str], batch: list[MetricPoint], tags: dict[str, str]
    ) -> None:
        self._buffer.extendleft(reversed(batch))
        self._pending_params = {**params, **self._pending_params}
        self._pending_tags = {**tags, **self._pending_tags}

    def _salvage(
        self,
        params: dict[str, str],
        batch: list[MetricPoint],
        tags: dict[str, str],
        end_status: str | None,
        new_run: Any,
    ) -> None:
        """The database refused the batch: store the run, then every row it accepts."""
        if new_run is not None:
            try:
                self._store.log_batch(self.id, new_run=new_run)
            except BaseException as error:
                if not is_refused_data(error):
                    self._requeue(params, batch, tags)
                    raise
                warnings.warn(
                    f"workbench: run {self.id} could not be stored ({error}); what it logged "
                    "is dropped.",
                    DroppedValueWarning,
                    stacklevel=4,
                )
            self._pending_run = None
        self._fresh = False  # rows may now exist: later writes check what is stored
        write_salvaging(
            self._store,
            self.id,
            params=params,
            points=batch,
            tags=tags,
            end_status=end_status,
            requeue=self._requeue,
        )

    def _new_keys(self, batch: list[MetricPoint]) -> bool:
        return self._fresh and not any(point[0] in self._flushed_keys for point in batch)

    # -- datasets and artifacts ------------------------------------------------------------
    def log_dataset(self, data: Any, name: str | None = None, role: str = "train") -> str:
        """Record a dataset's fingerprint, schema and profile; returns the fingerprint."""
        from workbench.tracking.datasets import describe_dataset

        self._check_open()
        if name is None:
            name = Path(data).name if isinstance(data, (str, Path)) else role
        check_name(role, "dataset role", limit=64)
        record = describe_dataset(data, name=check_key(name, "dataset"), role=role)
        self._materialize()
        self._store.add_dataset(self.id, record)
        return record.fingerprint

    def log_artifact(
        self, local_path: str | Path, artifact_path: str | None = None
    ) -> ArtifactRecord:
        """Copy a file into the content-addressed store and attach it to the run.

        ``artifact_path`` is its path within the run (default: the file name).
        """
        self._check_open()
        local = Path(local_path)
        logical = check_artifact_path(local.name if artifact_path is None else artifact_path)
        sha, size = self._store.blobs.put_file(local)
        self._materialize()
        self._store.add_artifact(self.id, logical, sha, size)
        return self._store.artifact(self.id, logical)

    def log_text(self, text: str, artifact_path: str) -> ArtifactRecord:
        """Store ``text`` as an artifact file at ``artifact_path`` (e.g. ``notes/summary.md``)."""
        self._check_open()
        logical = check_artifact_path(artifact_path)
        sha, size = self._store.blobs.put_bytes(check_text(text, f"text for {logical!r}").encode())
        self._materialize()
        self._store.add_artifact(self.id, logical, sha, size)
        return self._store.artifact(self.id, logical)

    def log_model(
        self,
        model: Any,
        name: str | None = None,
        signature: Signature | None = None,
        input_example: Any = None,
        format: str | None = None,
    ) -> ModelVersionRecord | ArtifactRecord:
        """Save ``model`` in a safe format and attach it as artifact ``models/<name>``.

        The saved files are packed into one content-addressed blob. The signature is
        inferred from ``input_example`` unless given. With a ``name``, the model is also
        registered as that model's next version, and the version record is returned;
        without one, the artifact record (register it later with ``wb.models.register``).

        Example:
            >>> with wb.start_run() as run:  # doctest: +SKIP
            ...     version = run.log_model(clf, name="churn-model", input_example=X.head())
        """
        from workbench.models.registration import log_model

        self._check_open()
        self._materialize()
        return log_model(
            self,
            model,
            name=name,
            signature=signature,
            input_example=input_example,
            format=format,
        )

    # -- ending ----------------------------------------------------------------------------
    def end(self, status: str = "FINISHED") -> None:
        """Flush what is buffered and mark the run ``status``. Ending twice does nothing."""
        if self._ended:
            return
        if status not in RUN_STATUSES:
            raise ValueError(f"status must be one of {', '.join(RUN_STATUSES)}, got {status!r}")
        self._write(end_status=status)
        self._ended = True
        flusher.forget(self)
        if self._on_end is not None:
            self._on_end(self)

    @property
    def ended(self) -> bool:
        return self._ended

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.end("FINISHED")
            return
        status = "KILLED" if isinstance(exc, KeyboardInterrupt) else "FAILED"
        try:
            self.set_tag("workbench.error", f"{type(exc).__name__}: {exc}"[:5000])
        except Exception as tag_error:  # the user's exception matters more than ours
            warnings.warn(f"Could not record the error on run {self.id}: {tag_error}", stacklevel=2)
        self.end(status)

    # -- background ------------------------------------------------------------------------
    def _tick(self) -> None:
        """Called by the background thread: flush, and beat the heart now and then."""
        self.flush()
        now = time.monotonic()
        if self._pending_run is None and now - self._last_heartbeat >= HEARTBEAT_SECONDS:
            self._last_heartbeat = now
            self._store.heartbeat(self.id)
