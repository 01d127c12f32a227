"""The tracking store: every read and write of experiments, runs and what they log."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from workbench.store import location
from workbench.store._metrics import MetricPoint, write_metrics
from workbench.store._sql import fetch_rows, insert_if_absent, none_to_nan, number_or_none, raw
from workbench.store._tables import ACTIVE, RUN_STATUSES
from workbench.store._tables import alias_history_table as history_t
from workbench.store._tables import artifacts_table as artifacts_t
from workbench.store._tables import datasets_table as datasets_t
from workbench.store._tables import drift_reports_table as drift_reports_t
from workbench.store._tables import environments_table as environments_t
from workbench.store._tables import experiments_table as experiments_t
from workbench.store._tables import latest_metrics_table as latest_t
from workbench.store._tables import metrics_table as metrics_t
from workbench.store._tables import model_versions_table as model_versions_t
from workbench.store._tables import params_table as params_t
from workbench.store._tables import registered_models_table as models_t
from workbench.store._tables import run_datasets_table as run_datasets_t
from workbench.store._tables import runs_table as runs_t
from workbench.store._tables import tags_table as tags_t
from workbench.store.artifacts import ArtifactStore, blob_store
from workbench.store.engine import get_engine, is_read_only, write
from workbench.store.records import (
    ArtifactRecord,
    DatasetRecord,
    EnvironmentRecord,
    ExperimentRecord,
    RunDetails,
    RunRecord,
    SearchResult,
)
from workbench.store.search import count_runs, run_keys, run_record, run_select, search_runs


class RunNotFoundError(LookupError):
    """No run has this id."""


class ParamConflictError(ValueError):
    """A param was logged again with a different value (params are immutable per run)."""


# Plain SQL on the per-run hot paths (the same text works on SQLite and PostgreSQL).
_RUN_INSERT_COLUMNS = (
    "id", "experiment_id", "name", "status", "parent_id", "start_time", "end_time",
    "heartbeat_at", "user", "host", "pid", "source", "source_type", "git_commit", "git_dirty",
    "environment_hash", "lifecycle",
)  # fmt: skip
_QUOTED_RUN_COLUMNS = ", ".join(f'"{column}"' for column in _RUN_INSERT_COLUMNS)  # "user"
_INSERT_RUN = (
    f"INSERT INTO runs ({_QUOTED_RUN_COLUMNS}) VALUES ({', '.join('?' * len(_RUN_INSERT_COLUMNS))})"
)
_UPSERT_TAGS = (
    "INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?) "
    "ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value"
)
_INSERT_PARAMS = "INSERT INTO params (run_id, key, value, value_num) VALUES (?, ?, ?, ?)"


class TrackingStore:
    """SQL access for tracking. ``url`` defaults to the project's database, ``blobs`` to the
    project's artifact store."""

    def __init__(self, url: str | None = None, blobs: ArtifactStore | None = None) -> None:
        self.url = url or location.database_url()
        self.engine: Engine = get_engine(self.url)
        self.blobs: ArtifactStore = blobs if blobs is not None else blob_store()
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
            insert_if_absent(
                conn, experiments_t, {"name": name, "created_at": time.time(), "lifecycle": ACTIVE}
            )
        found = self.get_experiment(name)
        assert found is not None
        return found

    def get_experiment(self, name: str) -> ExperimentRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(experiments_t).where(experiments_t.c.name == name)).first()
        return ExperimentRecord(**row._mapping) if row else None

    def revision(self) -> tuple[Any, ...]:
        """A cheap fingerprint of everything the dashboard shows: it changes whenever a run
        starts, ends, logs a metric or changes lifecycle, a model version or alias moves, or
        a drift report is stored (one query over indexed maxima and a count)."""

        def biggest(column: Any) -> Any:
            return sa.select(sa.func.max(column)).scalar_subquery()

        active = sa.select(sa.func.count()).select_from(runs_t).where(runs_t.c.lifecycle == ACTIVE)
        query = sa.select(
            active.scalar_subquery(),
            biggest(runs_t.c.start_time),
            biggest(runs_t.c.end_time),
            biggest(metrics_t.c.id),
            biggest(model_versions_t.c.id),
            biggest(history_t.c.id),
            biggest(drift_reports_t.c.id),
        )
        with self.engine.connect() as conn:
            return tuple(conn.execute(query).one())

    def summary(self) -> dict[str, int]:
        """How many active runs, tuning studies, registered models and drift reports the
        store holds (one query; the dashboard's home page)."""

        def count(query: Any) -> Any:
            return query.scalar_subquery()

        active = runs_t.c.lifecycle == ACTIVE
        studies = (
            sa.select(sa.func.count()).select_from(tags_t)
            .join(runs_t, runs_t.c.id == tags_t.c.run_id)
            .where(active, tags_t.c.key == "workbench.kind", tags_t.c.value == "study")
        )  # fmt: skip
        query = sa.select(
            count(sa.select(sa.func.count()).select_from(runs_t).where(active)),
            count(studies),
            count(sa.select(sa.func.count()).select_from(models_t)),
            count(sa.select(sa.func.count()).select_from(drift_reports_t)),
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).one()
        return dict(zip(("runs", "studies", "models", "drift_reports"), map(int, row), strict=True))

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
        defer: bool = False,
    ) -> RunRecord:
        """A new RUNNING run. ``defer=True`` only builds the record: pass it as ``new_run``
        to the first :meth:`log_batch`, which inserts it in the same transaction."""
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
        record = RunRecord(experiment=experiment.name, **values)
        if not defer:
            with write(self.engine) as conn:
                self._insert_run(conn, record, tags, environment)
        return record

    def _insert_run(
        self,
        conn: Connection,
        record: RunRecord,
        tags: Mapping[str, str] | None,
        environment: EnvironmentRecord | None,
        check_parent: bool = True,
    ) -> None:
        if check_parent and record.parent_id is not None:
            self._require_run(conn, record.parent_id)  # a clear error, before the FK's
        if environment is not None and environment.hash not in self._known_environments:
            self._store_environment(conn, environment)
        raw(conn, _INSERT_RUN, tuple(getattr(record, c) for c in _RUN_INSERT_COLUMNS))
        if tags:
            self._write_tags(conn, record.id, tags)
        if environment is not None:
            self._known_environments.add(environment.hash)

    def _store_environment(self, conn: Connection, env: EnvironmentRecord) -> None:
        insert_if_absent(
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

    @property
    def read_only(self) -> bool:
        """Whether this store can only be read (its file, folder or mount is read-only)."""
        return is_read_only(self.engine)

    def describe(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def get_run(self, run_id: str) -> RunRecord:
        with self.engine.connect() as conn:
            row = conn.execute(run_select().where(runs_t.c.id == run_id)).first()
        if row is None:
            raise RunNotFoundError(f"No run with id {run_id!r} in {self.describe()}.")
        return run_record(row)

    def end_run(
        self,
        run_id: str,
        status: str,
        final_points: Sequence[MetricPoint] = (),
        *,
        new_keys: bool = False,
    ) -> None:
        """Mark a run ended; ``final_points`` are written in the same transaction."""
        self.log_batch(run_id, points=final_points, new_keys=new_keys, end_status=status)

    def reopen_run(self, run_id: str) -> RunRecord:
        """Make an ended run RUNNING again (to resume logging into it)."""
        now = time.time()
        with write(self.engine) as conn:
            self._require_run(conn, run_id)
            conn.execute(
                runs_t.update()
                .where(runs_t.c.id == run_id)
                .values(status="RUNNING", end_time=None, heartbeat_at=now, pid=os.getpid())
            )
        return self.get_run(run_id)

    def heartbeat(self, run_id: str) -> None:
        with write(self.engine) as conn:
            conn.execute(
                runs_t.update()
                .where(runs_t.c.id == run_id, runs_t.c.status == "RUNNING")
                .values(heartbeat_at=time.time())
            )

    def running_runs(self) -> list[RunRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(run_select().where(runs_t.c.status == "RUNNING")).all()
        return [run_record(row) for row in rows]

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
    def log_params(
        self, run_id: str, values: Mapping[str, str], *, assume_new: bool = False
    ) -> None:
        """Add params; a key already logged with another value is a ParamConflictError."""
        self.log_batch(run_id, params=values, params_new=assume_new)

    def log_batch(
        self,
        run_id: str,
        *,
        params: Mapping[str, str] | None = None,
        points: Sequence[MetricPoint] = (),
        tags: Mapping[str, str] | None = None,
        params_new: bool = False,
        new_keys: bool = False,
        end_status: str | None = None,
        new_run: tuple[RunRecord, EnvironmentRecord | None] | None = None,
    ) -> None:
        """Params, metric points, tags and (optionally) the run's end, in one transaction.

        ``params_new``/``new_keys``: the caller knows none of these param keys / metric keys
        was stored for the run yet, so the reads are skipped; a param that exists after all
        is caught by its primary key and the batch is retried with the checked path.
        """
        if end_status is not None and end_status not in RUN_STATUSES:
            raise ValueError(f"status must be one of {', '.join(RUN_STATUSES)}, got {end_status!r}")
        try:
            with write(self.engine) as conn:
                if new_run is not None:
                    # The parent (a study run) is known to exist; the foreign key still checks.
                    self._insert_run(conn, new_run[0], None, new_run[1], check_parent=False)
                self._write_batch(
                    conn, run_id, params, points, tags, params_new, new_keys, end_status
                )
        except sa.exc.IntegrityError:
            if not params_new or new_run is not None:
                raise
            with write(self.engine) as conn:  # someone else logged one of the params
                self._write_batch(conn, run_id, params, points, tags, False, new_keys, end_status)

    def _write_batch(
        self,
        conn: Connection,
        run_id: str,
        params: Mapping[str, str] | None,
        points: Sequence[MetricPoint],
        tags: Mapping[str, str] | None,
        params_new: bool,
        new_keys: bool,
        end_status: str | None,
    ) -> None:
        if params:
            existing: dict[str, str] = {}
            if not params_new:
                existing = dict(
                    raw(conn, "SELECT key, value FROM params WHERE run_id = ?", (run_id,)).all()
                )
            for key, value in params.items():
                if key in existing and existing[key] != value:
                    raise ParamConflictError(
                        f"Param {key!r} of run {run_id} is already {existing[key]!r}; cannot "
                        f"change it to {value!r}. Params are immutable: log the new value "
                        "under another key, or start a new run."
                    )
            new = [
                (run_id, k, v, number_or_none(v)) for k, v in params.items() if k not in existing
            ]
            if new:
                raw(conn, _INSERT_PARAMS, new)
        if points:
            write_metrics(conn, run_id, points, new_keys=new_keys)
        if tags:
            self._write_tags(conn, run_id, tags)
        if end_status is not None:
            now = time.time()
            raw(
                conn,
                "UPDATE runs SET status = ?, end_time = ?, heartbeat_at = ? WHERE id = ?",
                (end_status, now, now, run_id),
            )

    def set_tags(self, run_id: str, values: Mapping[str, str]) -> None:
        """Set tags (a tag, unlike a param, can change)."""
        if values:
            with write(self.engine) as conn:
                self._require_run(conn, run_id)
                self._write_tags(conn, run_id, values)

    @staticmethod
    def _write_tags(conn: Connection, run_id: str, values: Mapping[str, str]) -> None:
        raw(conn, _UPSERT_TAGS, [(run_id, k, v) for k, v in values.items()])

    def log_metrics(
        self, run_id: str, points: Sequence[MetricPoint], *, new_keys: bool = False
    ) -> None:
        """Append points to the history and fold them into the latest/aggregate table."""
        if points:
            self.log_batch(run_id, points=points, new_keys=new_keys)

    def metric_history(self, run_id: str, key: str) -> list[tuple[int, float, float | None]]:
        """(step, timestamp, value) points of one metric, by step then time; NaN is None."""
        with self.engine.connect() as conn:
            self._require_run(conn, run_id)
            # Read through the DBAPI cursor: 100k points come back in well under 0.2 s.
            return fetch_rows(
                conn,
                "SELECT step, timestamp, value FROM metrics "
                "WHERE run_id = ? AND key = ? ORDER BY step, timestamp, id",
                (run_id, key),
            )

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
            insert_if_absent(
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
                key: none_to_nan(value)
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
        offset: int = 0,
        include_deleted: bool = False,
    ) -> SearchResult:
        """Runs matching an MLflow-style filter; newest first unless ``order_by`` says."""
        with self.engine.connect() as conn:
            return search_runs(
                conn,
                experiment_ids=experiment_ids,
                filter=filter,
                order_by=order_by,
                max_results=max_results,
                offset=offset,
                include_deleted=include_deleted,
            )

    def count(
        self,
        *,
        experiment_ids: Iterable[int] | None = None,
        filter: str | None = None,
        include_deleted: bool = False,
    ) -> int:
        """How many runs match ``filter`` (same syntax as :meth:`search`)."""
        with self.engine.connect() as conn:
            return count_runs(conn, experiment_ids=experiment_ids, filter=filter,
                              include_deleted=include_deleted)  # fmt: skip

    def keys(self, *, experiment_ids: Iterable[int] | None = None) -> dict[str, list[str]]:
        """Metric, param and tag keys in use (``{"metrics": [...], "params": [...], ...}``)."""
        with self.engine.connect() as conn:
            return run_keys(conn, experiment_ids=experiment_ids)

    # -- maintenance -----------------------------------------------------------------------
    def referenced_blobs(self) -> set[str]:
        with self.engine.connect() as conn:
            artifacts = sa.select(artifacts_t.c.sha256)
            models = sa.select(model_versions_t.c.sha256)  # registered versions never go
            referenced = set(conn.execute(sa.union(artifacts, models)).scalars())
        return referenced | self.blobs.indexed_blobs()

    def purge_deleted_runs(self) -> int:
        """Permanently remove runs marked deleted (and everything they logged).

        A deleted run that produced a registered model version is kept: the version (and
        its blob) must stay loadable. Drift reports of purged runs keep their verdicts.
        """
        with write(self.engine) as conn:
            registered = sa.select(model_versions_t.c.run_id).where(
                model_versions_t.c.run_id.is_not(None)
            )
            doomed = list(
                conn.execute(
                    sa.select(runs_t.c.id).where(
                        runs_t.c.lifecycle != ACTIVE, runs_t.c.id.not_in(registered)
                    )
                ).scalars()
            )
            if not doomed:
                return 0
            conn.execute(
                runs_t.update().where(runs_t.c.parent_id.in_(doomed)).values(parent_id=None)
            )
            conn.execute(
                drift_reports_t.update()
                .where(drift_reports_t.c.run_id.in_(doomed))
                .values(run_id=None)
            )
            for table in (params_t, metrics_t, latest_t, tags_t, artifacts_t, run_datasets_t):
                conn.execute(table.delete().where(table.c.run_id.in_(doomed)))
            conn.execute(runs_t.delete().where(runs_t.c.id.in_(doomed)))
        return len(doomed)
