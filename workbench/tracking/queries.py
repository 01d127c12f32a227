"""Reading and managing recorded runs: search, details, history, compare, delete, move."""

from __future__ import annotations

import datetime
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.store.records import RunDetails, SearchResult
from workbench.tracking import environment
from workbench.tracking.fluent import current_experiment, get_store
from workbench.tracking.info import with_info
from workbench.tracking.validation import check_key

if TYPE_CHECKING:
    import pandas as pd

STALE_AFTER_SECONDS = 60.0


def _experiment_ids(experiment: str | Sequence[str] | None) -> list[int] | None:
    names: list[str]
    if experiment is None:
        current = current_experiment()
        if current is None:
            return None  # every experiment
        names = [current]
    elif isinstance(experiment, str):
        names = [experiment]
    else:
        names = list(experiment)
    known = {e.name: e.id for e in get_store().list_experiments()}
    missing = [n for n in names if n not in known]
    if missing:
        listed = ", ".join(repr(n) for n in sorted(known)) or "none yet"
        raise ValueError(f"Unknown experiment {missing[0]!r}; known experiments: {listed}.")
    return [known[n] for n in names]


def _to_frame(result: SearchResult) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    n = len(result.runs)
    index = {run.id: i for i, run in enumerate(result.runs)}
    columns: dict[str, Any] = {
        "run_id": [r.id for r in result.runs],
        "experiment": [r.experiment for r in result.runs],
        "name": [r.name for r in result.runs],
        "status": [r.status for r in result.runs],
        "start_time": pd.to_datetime([r.start_time for r in result.runs], unit="s", utc=True),
        "end_time": pd.to_datetime(
            [r.end_time if r.end_time is not None else np.nan for r in result.runs],
            unit="s",
            utc=True,
        ),
        "duration": [
            (r.end_time - r.start_time) if r.end_time is not None else np.nan for r in result.runs
        ],
        "parent_id": [r.parent_id for r in result.runs],
        "user": [r.user for r in result.runs],
        "source": [r.source for r in result.runs],
        "git_commit": [r.git_commit for r in result.runs],
        "git_dirty": [r.git_dirty for r in result.runs],
    }
    for prefix, rows, empty in (
        ("params", result.params, None),
        ("metrics", result.metrics, np.nan),
        ("tags", result.tags, None),
    ):
        values: dict[str, list[Any]] = {}
        for run_id, key, value in rows:
            column = values.get(key)
            if column is None:
                column = values[key] = [empty] * n
            column[index[run_id]] = value
        for key in sorted(values):
            columns[f"{prefix}.{key}"] = (
                np.asarray(values[key], dtype=float) if prefix == "metrics" else values[key]
            )
    return pd.DataFrame(columns)


def runs(
    experiment: str | Sequence[str] | None = None,
    filter: str | None = None,
    order_by: str | Sequence[str] | None = None,
    max_results: int | None = None,
    include_deleted: bool = False,
    offset: int = 0,
) -> pd.DataFrame:
    """Runs as a DataFrame with ``params.*``, ``metrics.*`` (last values) and ``tags.*`` columns.

    ``experiment`` is a name or a list of names (default: the current experiment, or all).
    ``filter`` uses MLflow's syntax plus ``OR``, parentheses, ``NOT``, numeric params
    and metric aggregates (``metrics.loss.min``); ``order_by`` e.g. ``"metrics.auc DESC"``.
    ``offset`` skips that many runs: with ``max_results`` it reads one page of a long list
    (:func:`count_runs` gives the total).

    >>> import workbench as wb
    >>> wb.runs(filter="metrics.auc > 0.9 and params.lr < 0.1")  # doctest: +SKIP
    """
    if max_results is not None and max_results < 0:
        raise ValueError(f"max_results must be >= 0, got {max_results}")
    if offset < 0:
        raise ValueError(f"offset must be >= 0, got {offset}")
    orders = [order_by] if isinstance(order_by, str) else list(order_by or [])
    result = get_store().search(
        experiment_ids=_experiment_ids(experiment),
        filter=filter,
        order_by=orders,
        max_results=max_results,
        offset=offset,
        include_deleted=include_deleted,
    )
    return _to_frame(result)


def count_runs(
    experiment: str | Sequence[str] | None = None,
    filter: str | None = None,
    include_deleted: bool = False,
) -> int:
    """How many runs :func:`runs` would return for the same ``experiment`` and ``filter``
    (one ``COUNT`` query: cheap on 100,000 runs)."""
    return get_store().count(
        experiment_ids=_experiment_ids(experiment), filter=filter, include_deleted=include_deleted
    )


def run_keys(experiment: str | Sequence[str] | None = None) -> dict[str, list[str]]:
    """The metric, param and tag keys the runs logged: ``{"metrics": [...], "params": [...],
    "tags": [...]}`` (for column pickers)."""
    return get_store().keys(experiment_ids=_experiment_ids(experiment))


def get_run(run_id: str) -> RunDetails:
    """Everything stored about a run: info, params, last metrics, tags, artifacts, datasets.

    ``info`` is a :class:`~workbench.tracking.info.RunInfo` (``.info.run_id`` as in MLflow).
    """
    store = get_store()
    return with_info(store.get_run_details(run_id), store.blobs)


def metric_history(run_id: str, key: str) -> pd.DataFrame:
    """The points of one metric: columns ``step``, ``timestamp`` (UTC), ``value``."""
    import numpy as np
    import pandas as pd

    points = get_store().metric_history(run_id, key)
    array = np.array(points, dtype=float).reshape(-1, 3)  # None (NaN) becomes nan
    steps = array[:, 0]
    if len(steps) and np.abs(steps).max() >= 2**53:  # beyond the integers a float holds exactly
        steps = np.array([point[0] for point in points], dtype=np.int64)
    return pd.DataFrame(
        {
            "step": steps.astype(np.int64),
            "timestamp": pd.to_datetime(array[:, 1], unit="s", utc=True),
            "value": array[:, 2],
        }
    )


def run_id_list(run_ids: tuple[str | Sequence[str], ...], where: str) -> list[str]:
    """The run ids given to ``where`` as varargs, a list, or both (``f(a, b)``, ``f([a, b])``)."""
    ids: list[str] = []
    for item in run_ids:
        for run_id in [item] if isinstance(item, str) else item:
            if not isinstance(run_id, str):
                raise TypeError(f"{where}: run ids are strings, got {type(run_id).__name__}.")
            ids.append(run_id)
    if not ids:
        raise ValueError(f"Give the runs to compare, e.g. {where}(run_id_1, run_id_2).")
    return ids


def compare_runs(*run_ids: str | Sequence[str]) -> pd.DataFrame:
    """One row per param/metric/tag/attribute, one column per run (``None`` where a run lacks
    the field), and ``differs``: True where the runs' values are not all equal, a value next
    to a missing one included. Runs are given as ids or lists of ids.

    >>> wb.compare_runs(run_id_1, run_id_2)  # doctest: +SKIP
    >>> wb.compare_runs([run_id_1, run_id_2])  # doctest: +SKIP  (the same)
    """
    ids = run_id_list(run_ids, "wb.compare_runs")
    return compare_details([get_run(run_id) for run_id in ids])


def compare_details(details: Sequence[RunDetails]) -> pd.DataFrame:
    """:func:`compare_runs` of runs already read with :func:`get_run`."""
    import pandas as pd

    table: dict[str, dict[str, Any]] = {}
    for detail in details:
        info = detail.info
        column: dict[str, Any] = {
            "attributes.name": info.name,
            "attributes.experiment": info.experiment,
            "attributes.status": info.status,
            "attributes.duration": (info.end_time - info.start_time) if info.end_time else None,
            "attributes.git_commit": info.git_commit,
        }
        column.update({f"params.{k}": v for k, v in detail.params.items()})
        column.update({f"metrics.{k}": v for k, v in detail.metrics.items()})
        column.update({f"tags.{k}": v for k, v in detail.tags.items()})
        column.update({f"datasets.{d.role}/{d.name}": d.fingerprint[:12] for d in detail.datasets})
        table[info.id] = column
    order = sorted(
        {key for column in table.values() for key in column},
        key=lambda key: (not key.startswith("attributes."), key),
    )
    # a field a run lacks is None; NaN stays a logged NaN
    frame = pd.DataFrame(
        {
            run_id: pd.Series([column.get(key) for key in order], index=order, dtype=object)
            for run_id, column in table.items()
        }
    )
    frame["differs"] = [
        len({_comparable(column.get(key, _MISSING)) for column in table.values()}) > 1
        for key in order
    ]
    frame.index.name = "field"
    return frame


_MISSING = object()


def _comparable(value: Any) -> Any:
    """A hashable stand-in for a compared value: None and absent are one thing, NaN equals
    NaN, 31 equals 31.0, and a string is never equal to a number."""
    if value is None or value is _MISSING:
        return _MISSING
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", "nan") if value != value else ("number", value)
    return (type(value).__name__, str(value))


def delete_run(run_id: str) -> None:
    """Hide a run (and its child runs) from searches; :func:`restore_run` brings it back."""
    get_store().set_lifecycle(run_id, "deleted")


def restore_run(run_id: str) -> None:
    get_store().set_lifecycle(run_id, "active")


def move_run(run_id: str, experiment: str) -> None:
    """Move a run (and its child runs) to another experiment, created if needed."""
    check_key(experiment, "experiment")
    store = get_store()
    store.move_run(run_id, store.get_or_create_experiment(experiment).id)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_stale_runs(stale_after: float = STALE_AFTER_SECONDS) -> list[str]:
    """Mark KILLED the RUNNING runs whose process is gone: on this host, a dead pid;
    elsewhere, no heartbeat for ``stale_after`` seconds. Returns their ids."""
    store = get_store()
    if store.read_only:
        return []  # nothing can be marked in a store this user cannot write
    now, here, me = time.time(), environment.host(), os.getpid()
    stale = []
    for run in store.running_runs():
        if run.host == here and run.pid == me:
            continue
        dead_here = run.host == here and run.pid and not _process_alive(run.pid)
        if dead_here or now - run.heartbeat_at > stale_after:
            stale.append(run.id)
    store.mark_killed(stale)
    return stale


GC_GRACE_SECONDS = 3600.0


@dataclass(frozen=True)
class GarbageReport:
    blobs: list[str]
    bytes: int
    purged_runs: int
    dry_run: bool
    kept_for_grace: int = 0


def collect_garbage(
    dry_run: bool = True,
    purge_deleted: bool = False,
    grace: float | datetime.timedelta = GC_GRACE_SECONDS,
) -> GarbageReport:
    """Remove artifact blobs no run, model or index references (``dry_run`` only reports them).

    ``purge_deleted`` first removes deleted runs for good, freeing their blobs. An
    unreferenced blob stored (or stored again) less than ``grace`` ago (seconds or a
    timedelta; 1 hour by default) is kept: another process may have just stored it and not
    yet committed the row that refers to it.

    >>> wb.admin.collect_garbage(dry_run=False, grace=0)  # doctest: +SKIP
    """
    seconds = grace.total_seconds() if isinstance(grace, datetime.timedelta) else float(grace)
    if seconds < 0:
        raise ValueError(f"grace must be 0 or more seconds, got {grace!r}.")
    store = get_store()
    purged = 0
    if purge_deleted and not dry_run:
        purged = store.purge_deleted_runs()
    cutoff = time.time() - seconds
    # Listed before the references are read: a blob stored after the listing is not a candidate.
    stored = store.blobs.listing()
    referenced = store.referenced_blobs()
    unreferenced = {sha: blob for sha, blob in stored.items() if sha not in referenced}
    old = {sha: blob.size for sha, blob in unreferenced.items() if blob.stored_at < cutoff}
    if not dry_run:
        old = {
            sha: size
            for sha, size in old.items()
            if store.blobs.delete_if_stored_before(sha, cutoff)
        }
    kept = len(unreferenced) - len(old)
    return GarbageReport(sorted(old), sum(old.values()), purged, dry_run, kept)


def experiments() -> list[str]:
    """Names of the project's active experiments, oldest first."""
    return [e.name for e in get_store().list_experiments() if e.lifecycle == "active"]


def project_summary() -> dict[str, int]:
    """Counts of what the project holds: ``runs``, ``studies``, ``models``,
    ``drift_reports`` (one cheap query)."""
    return get_store().summary()


def store_revision() -> tuple[Any, ...]:
    """A cheap value that changes whenever runs, metrics, model versions, aliases or drift
    reports change: poll it to refresh a view only when there is something new."""
    return get_store().revision()


def read_artifact(run_id: str, path: str) -> bytes:
    """The bytes of one artifact of a run, checked against its sha256."""
    store = get_store()
    record = store.artifact(run_id, path)
    return store.blobs.read_bytes(record.sha256)
