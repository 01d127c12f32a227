"""The tracking store: every read and write of experiments, runs and what they log."""

from __future__ import annotations

import functools
import json
import math
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from workbench.store import location
from workbench.store.artifacts import BlobStore
from workbench.store.engine import get_engine, write
from workbench.store.filter_parser import parse_filter
from workbench.store.models import (
    ACTIVE,
    RUN_STATUSES,
)
from workbench.store.models import artifacts_table as artifacts_t
from workbench.store.models import datasets_table as datasets_t
from workbench.store.models import environments_table as environments_t
from workbench.store.models import experiments_table as experiments_t
from workbench.store.models import latest_metrics_table as latest_t
from workbench.store.models import metrics_table as metrics_t
from workbench.store.models import params_table as params_t
from workbench.store.models import run_datasets_table as run_datasets_t
from workbench.store.models import runs_table as runs_t
from workbench.store.models import tags_table as tags_t
from workbench.store.records import (
    ArtifactRecord,
    DatasetRecord,
    EnvironmentRecord,
    ExperimentRecord,
    RunDetails,
    RunRecord,
)
from workbench.store.search import compile_filter, order_columns, parse_order_by

MetricPoint = tuple[str, float, int, float]  # key, value, step, timestamp


class RunNotFoundError(LookupError):
    """No run has this id."""


class ParamConflictError(ValueError):
    """A param was logged again with a different value (params are immutable per run)."""


@dataclass(frozen=True)
class SearchResult:
    """Runs matching a search, in order, with their params, last metric values and tags."""

    runs: list[RunRecord]
    params: list[tuple[str, str, str]]  # run_id, key, value
    metrics: list[tuple[str, str, float]]  # run_id, key, last value
    tags: list[tuple[str, str, str]]  # run_id, key, value


def _number_or_none(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return None if math.isnan(number) else number


def _nan_to_none(value: float) -> float | None:
    return None if math.isnan(value) else value


def _none_to_nan(value: float | None) -> float:
    return math.nan if value is None else value


_RUN_COLUMNS = [c for c in runs_t.c if c.name != "experiment_id"]


def _run_select() -> sa.Select[Any]:
    return sa.select(
        runs_t.c.id,
        runs_t.c.experiment_id,
        experiments_t.c.name.label("experiment"),
        *[c for c in _RUN_COLUMNS if c.name != "id"],
    ).join_from(runs_t, experiments_t, runs_t.c.experiment_id == experiments_t.c.id)


def _run_record(row: Any) -> RunRecord:
    return RunRecord(**row._mapping)


def _raw(conn: Connection, sql: str, params: Any = ()) -> Any:
    """Run plain SQL written with ``?`` placeholders on the hot paths (no compile step)."""
    if conn.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    return conn.exec_driver_sql(sql, params)


_LATEST_COLUMNS = ("run_id", "key", "value", "step", "timestamp", "min", "max", "sum", "count")
_UPSERT_LATEST = (
    f"INSERT INTO latest_metrics ({', '.join(_LATEST_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_LATEST_COLUMNS))}) ON CONFLICT (run_id, key) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _LATEST_COLUMNS[2:])
)


@functools.cache
def _upsert_statement(dialect: str, table: sa.Table, keys: tuple[str, ...]) -> Any:
    """INSERT ... ON CONFLICT (keys) DO UPDATE, built once per table and dialect."""
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]
    statement = insert(table)
    updated = {c.name: statement.excluded[c.name] for c in table.c if c.name not in keys}
    return statement.on_conflict_do_update(index_elements=list(keys), set_=updated)


def _insert_if_absent(conn: Connection, table: sa.Table, values: dict[str, Any]) -> None:
    """Insert a row unless one with the same key exists (safe when processes race)."""
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]
    else:
        try:
            with conn.begin_nested():
                conn.execute(table.insert().values(**values))
        except sa.exc.IntegrityError:
            pass
        return
    conn.execute(insert(table).values(**values).on_conflict_do_nothing())


def _upsert(conn: Connection, table: sa.Table, rows: list[dict[str, Any]], keys: list[str]) -> None:
    """Insert rows, replacing those whose primary key already exists."""
    if conn.dialect.name in ("sqlite", "postgresql"):
        conn.execute(_upsert_statement(conn.dialect.name, table, tuple(keys)), rows)
        return
    for row in rows:
        conn.execute(table.delete().where(*(table.c[k] == row[k] for k in keys)))
    conn.execute(table.insert(), rows)


class TrackingStore:
    """SQL access for tracking. ``url`` defaults to the project's database."""

    def __init__(self, url: str | None = None, artifact_root: Path | None = None) -> None:
        self.url = url or location.database_url()
        self.engine: Engine = get_engine(self.url)
        self.blobs = BlobStore(artifact_root or location.artifact_root())
        self._known_environments: set[str] = set()
        self._experiments: dict[str, ExperimentRecord] = {}  # experiments are never renamed

    # -- experiments ---------------------------------------------------------------------
    def get_or_create_experiment(self, name: str) -> ExperimentRecord:
        found = self._experiments.get(name) or self.get_experiment(name)
        if found is not None:
            self._experiments[name] = found
            return found
        with write(self.engine) as conn:
            # Another process may create it at the same time: insert only if still absent.
            _insert_if_absent(
                conn, experiments_t, {"name": name, "created_at": time.time(), "lifecycle": ACTIVE}
            )
        found = self.get_experiment(name)
        assert found is not None
        return found

    def get_experiment(self, name: str) -> ExperimentRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(experiments_t).where(experiments_t.c.name == name)).first()
        return ExperimentRecord(**row._mapping) if row else None

    def list_experiments(self) -> list[ExperimentRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(experiments_t).order_by(experiments_t.c.id)).all()
        return [ExperimentRecord(**row._mapping) for row in rows]

    # -- runs ----------------------------------------------------------------------------
    def create_run(
        self,
        *,
        experiment: ExperimentRecord,
        name: str | None = None,
        parent_id: str | None = None,
        tags: Mapping[str, str] | None = None,
        user: str = "",
        host: str = "",
        pid: int = 0,
        source: str = "",
        source_type: str = "",
        git_commit: str | None = None,
        git_dirty: bool | None = None,
        environment: EnvironmentRecord | None = None,
    ) -> RunRecord:
        run_id = uuid.uuid4().hex
        now = time.time()
        values: dict[str, Any] = {
            "id": run_id,
            "experiment_id": experiment.id,
            "name": name or f"run-{run_id[:8]}",
            "status": "RUNNING",
            "parent_id": parent_id,
            "start_time": now,
            "end_time": None,
            "heartbeat_at": now,
            "user": user,
            "host": host,
            "pid": pid,
            "source": source,
            "source_type": source_type,
            "git_commit": git_commit,
            "git_dirty": git_dirty,
            "environment_hash": environment.hash if environment else None,
            "lifecycle": ACTIVE,
        }
        with write(self.engine) as conn:
            if parent_id is not None:
                self._require_run(conn, parent_id)
            if environment is not None and environment.hash not in self._known_environments:
                self._store_environment(conn, environment)
            conn.execute(runs_t.insert(), values)
            if tags:
                conn.execute(
                    tags_t.insert(),
                    [{"run_id": run_id, "key": k, "value": v} for k, v in tags.items()],
                )
        if environment is not None:
            self._known_environments.add(environment.hash)
        return RunRecord(experiment=experiment.name, **values)

    def _store_environment(self, conn: Connection, env: EnvironmentRecord) -> None:
        _insert_if_absent(
            conn,
            environments_t,
            {
                "hash": env.hash,
                "python_version": env.python_version,
                "platform": env.platform,
                "packages": json.dumps(env.packages, sort_keys=True),
                "created_at": time.time(),
            },
        )

    def _require_run(self, conn: Connection, run_id: str) -> None:
        found = conn.execute(sa.select(runs_t.c.id).where(runs_t.c.id == run_id)).first()
        if found is None:
            raise RunNotFoundError(f"No run with id {run_id!r} in {self.describe()}.")

    def describe(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def get_run(self, run_id: str) -> RunRecord:
        with self.engine.connect() as conn:
            row = conn.execute(_run_select().where(runs_t.c.id == run_id)).first()
        if row is None:
            raise RunNotFoundError(f"No run with id {run_id!r} in {self.describe()}.")
        return _run_record(row)

    def end_run(self, run_id: str, status: str, final_points: Sequence[MetricPoint] = ()) -> None:
        """Mark a run ended; ``final_points`` are written in the same transaction."""
        if status not in RUN_STATUSES:
            raise ValueError(f"status must be one of {', '.join(RUN_STATUSES)}, got {status!r}")
        now = time.time()
        with write(self.engine) as conn:
            if final_points:
                self._write_metrics(conn, run_id, final_points)
            conn.execute(
                runs_t.update()
                .where(runs_t.c.id == run_id)
                .values(status=status, end_time=now, heartbeat_at=now)
            )

    def heartbeat(self, run_id: str) -> None:
        with write(self.engine) as conn:
            conn.execute(
                runs_t.update()
                .where(runs_t.c.id == run_id, runs_t.c.status == "RUNNING")
                .values(heartbeat_at=time.time())
            )

    def running_runs(self) -> list[RunRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(_run_select().where(runs_t.c.status == "RUNNING")).all()
        return [_run_record(row) for row in rows]

    def mark_killed(self, run_ids: Sequence[str]) -> None:
        """Mark RUNNING runs KILLED; their end time is their last heartbeat."""
        if not run_ids:
            return
        with write(self.engine) as conn:
            conn.execute(
                runs_t.update()
                .where(runs_t.c.id.in_(list(run_ids)), runs_t.c.status == "RUNNING")
                .values(status="KILLED", end_time=runs_t.c.heartbeat_at)
            )

    def _family(self, conn: Connection, run_id: str) -> list[str]:
        """The run and all its descendants."""
        self._require_run(conn, run_id)
        family, frontier = [run_id], [run_id]
        while frontier:
            frontier = list(
                conn.execute(
                    sa.select(runs_t.c.id).where(runs_t.c.parent_id.in_(frontier))
                ).scalars()
            )
            family.extend(frontier)
        return family

    def set_lifecycle(self, run_id: str, lifecycle: str) -> None:
        """Mark a run and its descendants active or deleted."""
        with write(self.engine) as conn:
            family = self._family(conn, run_id)
            conn.execute(runs_t.update().where(runs_t.c.id.in_(family)).values(lifecycle=lifecycle))

    def move_run(self, run_id: str, experiment_id: int) -> None:
        """Move a run and its descendants to another experiment."""
        with write(self.engine) as conn:
            family = self._family(conn, run_id)
            conn.execute(
                runs_t.update().where(runs_t.c.id.in_(family)).values(experiment_id=experiment_id)
            )

    # -- params, metrics, tags ---------------------------------------------------------------
    def log_params(self, run_id: str, values: Mapping[str, str]) -> None:
        if not values:
            return
        with write(self.engine) as conn:
            existing: dict[str, str] = dict(
                _raw(conn, "SELECT key, value FROM params WHERE run_id = ?", (run_id,)).all()
            )
            for key, value in values.items():
                if key in existing and existing[key] != value:
                    raise ParamConflictError(
                        f"Param {key!r} of run {run_id} is already {existing[key]!r}; cannot "
                        f"change it to {value!r}. Params are immutable: log the new value "
                        "under another key, or start a new run."
                    )
            new = [
                (run_id, k, v, _number_or_none(v)) for k, v in values.items() if k not in existing
            ]
            if new:
                _raw(
                    conn,
                    "INSERT INTO params (run_id, key, value, value_num) VALUES (?, ?, ?, ?)",
                    new,
                )

    def set_tags(self, run_id: str, values: Mapping[str, str]) -> None:
        if not values:
            return
        with write(self.engine) as conn:
            self._require_run(conn, run_id)
            conn.execute(
                tags_t.delete().where(tags_t.c.run_id == run_id, tags_t.c.key.in_(list(values)))
            )
            conn.execute(
                tags_t.insert(),
                [{"run_id": run_id, "key": k, "value": v} for k, v in values.items()],
            )

    def log_metrics(self, run_id: str, points: Sequence[MetricPoint]) -> None:
        """Append points to the history and fold them into the latest/aggregate table."""
        if not points:
            return
        with write(self.engine) as conn:
            self._write_metrics(conn, run_id, points)

    def _write_metrics(self, conn: Connection, run_id: str, points: Sequence[MetricPoint]) -> None:
        summary: dict[str, dict[str, Any]] = {}
        for key, value, step, timestamp in points:
            entry = summary.get(key)
            if entry is None:
                entry = summary[key] = {
                    "value": value,
                    "step": step,
                    "timestamp": timestamp,
                    "min": None,
                    "max": None,
                    "sum": 0.0,
                    "count": 0,
                }
            elif (step, timestamp) >= (entry["step"], entry["timestamp"]):
                entry["value"], entry["step"], entry["timestamp"] = value, step, timestamp
            if not math.isnan(value):
                entry["min"] = value if entry["min"] is None else min(entry["min"], value)
                entry["max"] = value if entry["max"] is None else max(entry["max"], value)
                if math.isfinite(value):  # mean = sum / count over finite points
                    entry["sum"] += value
                    entry["count"] += 1
        # The history insert is the hot path: plain DBAPI executemany, no per-row dicts.
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        conn.exec_driver_sql(
            f"INSERT INTO metrics (run_id, key, value, step, timestamp) "
            f"VALUES ({mark}, {mark}, {mark}, {mark}, {mark})",
            [(run_id, k, None if v != v else v, s, t) for k, v, s, t in points],
        )
        previous = {
            row[1]: dict(zip(_LATEST_COLUMNS, row, strict=True))
            for row in _raw(
                conn,
                f"SELECT {', '.join(_LATEST_COLUMNS)} FROM latest_metrics WHERE run_id = ?",
                (run_id,),
            )
            if row[1] in summary
        }
        rows = []
        for key, entry in summary.items():
            old = previous.get(key)
            if old is not None:
                if (old["step"], old["timestamp"]) > (entry["step"], entry["timestamp"]):
                    entry["value"] = _none_to_nan(old["value"])
                    entry["step"], entry["timestamp"] = old["step"], old["timestamp"]
                for name, pick in (("min", min), ("max", max)):
                    known = [v for v in (old[name], entry[name]) if v is not None]
                    entry[name] = pick(known) if known else None
                entry["sum"] += old["sum"]
                entry["count"] += old["count"]
            entry["value"] = _nan_to_none(entry["value"])
            rows.append(tuple({**entry, "run_id": run_id, "key": key}[c] for c in _LATEST_COLUMNS))
        if conn.dialect.name in ("sqlite", "postgresql"):
            _raw(conn, _UPSERT_LATEST, rows)
        else:
            _upsert(conn, latest_t, [dict(zip(_LATEST_COLUMNS, r, strict=True)) for r in rows],
                    ["run_id", "key"])  # fmt: skip

    def metric_history(self, run_id: str, key: str) -> list[tuple[int, float, float | None]]:
        """(step, timestamp, value) points of one metric, by step then time; NaN is None."""
        with self.engine.connect() as conn:
            self._require_run(conn, run_id)
            mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
            # Read through the DBAPI cursor: 100k points come back in well under 0.2 s.
            cursor = conn.connection.cursor()
            try:
                cursor.execute(
                    "SELECT step, timestamp, value FROM metrics "
                    f"WHERE run_id = {mark} AND key = {mark} ORDER BY step, timestamp, id",
                    (run_id, key),
                )
                return list(cursor.fetchall())
            finally:
                cursor.close()

    def metric_keys(self, run_id: str) -> list[str]:
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    sa.select(latest_t.c.key).where(latest_t.c.run_id == run_id).order_by("key")
                ).scalars()
            )

    # -- artifacts and datasets ------------------------------------------------------------
    def add_artifact(self, run_id: str, path: str, sha256: str, size: int) -> None:
        with write(self.engine) as conn:
            self._require_run(conn, run_id)
            conn.execute(
                artifacts_t.delete().where(
                    artifacts_t.c.run_id == run_id, artifacts_t.c.path == path
                )
            )
            conn.execute(
                artifacts_t.insert().values(
                    run_id=run_id, path=path, sha256=sha256, size=size, created_at=time.time()
                )
            )

    def artifact(self, run_id: str, path: str) -> ArtifactRecord:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(artifacts_t).where(
                    artifacts_t.c.run_id == run_id, artifacts_t.c.path == path
                )
            ).first()
        if row is None:
            raise FileNotFoundError(f"Run {run_id} has no artifact {path!r}.")
        return ArtifactRecord(row.path, row.sha256, row.size, row.created_at)

    def add_dataset(self, run_id: str, dataset: DatasetRecord) -> None:
        with write(self.engine) as conn:
            self._require_run(conn, run_id)
            _insert_if_absent(
                conn,
                datasets_t,
                {
                    "fingerprint": dataset.fingerprint,
                    "n_rows": dataset.n_rows,
                    "n_cols": dataset.n_cols,
                    "columns_json": json.dumps(dataset.columns),
                    "profile_json": json.dumps(dataset.profile, allow_nan=True),
                    "created_at": time.time(),
                },
            )
            conn.execute(
                run_datasets_t.delete().where(
                    run_datasets_t.c.run_id == run_id,
                    run_datasets_t.c.fingerprint == dataset.fingerprint,
                    run_datasets_t.c.role == dataset.role,
                )
            )
            conn.execute(
                run_datasets_t.insert().values(
                    run_id=run_id,
                    fingerprint=dataset.fingerprint,
                    role=dataset.role,
                    name=dataset.name,
                    source=dataset.source,
                )
            )

    # -- reading runs ----------------------------------------------------------------------
    def get_run_details(self, run_id: str) -> RunDetails:
        info = self.get_run(run_id)
        with self.engine.connect() as conn:
            params: dict[str, str] = dict(
                conn.execute(
                    sa.select(params_t.c.key, params_t.c.value).where(params_t.c.run_id == run_id)
                ).all()
            )
            metrics = {
                key: _none_to_nan(value)
                for key, value in conn.execute(
                    sa.select(latest_t.c.key, latest_t.c.value).where(latest_t.c.run_id == run_id)
                ).all()
            }
            tags: dict[str, str] = dict(
                conn.execute(
                    sa.select(tags_t.c.key, tags_t.c.value).where(tags_t.c.run_id == run_id)
                ).all()
            )
            artifacts = [
                ArtifactRecord(r.path, r.sha256, r.size, r.created_at)
                for r in conn.execute(
                    sa.select(artifacts_t)
                    .where(artifacts_t.c.run_id == run_id)
                    .order_by(artifacts_t.c.path)
                )
            ]
            datasets = [
                DatasetRecord(
                    fingerprint=r.fingerprint,
                    name=r.name,
                    role=r.role,
                    source=r.source,
                    n_rows=r.n_rows,
                    n_cols=r.n_cols,
                    columns=json.loads(r.columns_json),
                    profile=json.loads(r.profile_json),
                )
                for r in conn.execute(
                    sa.select(run_datasets_t, datasets_t)
                    .join(datasets_t, datasets_t.c.fingerprint == run_datasets_t.c.fingerprint)
                    .where(run_datasets_t.c.run_id == run_id)
                    .order_by(run_datasets_t.c.role, run_datasets_t.c.name)
                )
            ]
            environment = None
            if info.environment_hash:
                env = conn.execute(
                    sa.select(environments_t).where(environments_t.c.hash == info.environment_hash)
                ).first()
                if env is not None:
                    environment = EnvironmentRecord(
                        env.hash, env.python_version, env.platform, json.loads(env.packages)
                    )
            children = list(
                conn.execute(
                    sa.select(runs_t.c.id)
                    .where(runs_t.c.parent_id == run_id)
                    .order_by(runs_t.c.start_time)
                ).scalars()
            )
        return RunDetails(info, params, metrics, tags, artifacts, datasets, environment, children)

    def search(
        self,
        *,
        experiment_ids: Iterable[int] | None = None,
        filter: str | None = None,
        order_by: Sequence[str] = (),
        max_results: int | None = None,
        include_deleted: bool = False,
    ) -> SearchResult:
        """Runs matching an MLflow-style filter; newest first unless ``order_by`` says."""
        query = _run_select()
        if experiment_ids is not None:
            query = query.where(runs_t.c.experiment_id.in_(list(experiment_ids)))
        if not include_deleted:
            query = query.where(runs_t.c.lifecycle == ACTIVE)
        node = parse_filter(filter)
        if node is not None:
            query = query.where(compile_filter(node))
        ordering: list[Any] = []
        for item in order_by:
            field, descending = parse_order_by(item)
            for column in order_columns(field):
                # NULLs (runs without the key) sort last in both directions.
                ordering += [column.is_(None), column.desc() if descending else column.asc()]
        ordering += [runs_t.c.start_time.desc(), runs_t.c.id]
        query = query.order_by(*ordering)
        if max_results is not None:
            query = query.limit(max_results)
        with self.engine.connect() as conn:
            found = [_run_record(row) for row in conn.execute(query)]
            if not found:
                return SearchResult([], [], [], [])
            ids_query = query.with_only_columns(runs_t.c.id)
            if max_results is None:
                ids_query = ids_query.order_by(None)
            ids = ids_query.scalar_subquery()

            def rows(table: sa.Table, value: Any) -> list[Any]:
                return list(
                    conn.execute(
                        sa.select(table.c.run_id, table.c.key, value).where(table.c.run_id.in_(ids))
                    ).all()
                )

            params = rows(params_t, params_t.c.value)
            metrics = [(r, k, _none_to_nan(v)) for r, k, v in rows(latest_t, latest_t.c.value)]
            tags = rows(tags_t, tags_t.c.value)
        return SearchResult(found, params, metrics, tags)

    # -- maintenance -----------------------------------------------------------------------
    def referenced_blobs(self) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.execute(sa.select(artifacts_t.c.sha256).distinct()).scalars())

    def purge_deleted_runs(self) -> int:
        """Permanently remove runs marked deleted (and everything they logged)."""
        with write(self.engine) as conn:
            doomed = list(
                conn.execute(sa.select(runs_t.c.id).where(runs_t.c.lifecycle != ACTIVE)).scalars()
            )
            if not doomed:
                return 0
            conn.execute(
                runs_t.update().where(runs_t.c.parent_id.in_(doomed)).values(parent_id=None)
            )
            for table in (params_t, metrics_t, latest_t, tags_t, artifacts_t, run_datasets_t):
                conn.execute(table.delete().where(table.c.run_id.in_(doomed)))
            conn.execute(runs_t.delete().where(runs_t.c.id.in_(doomed)))
        return len(doomed)
