"""The tracking store's tables (SQLModel). Only ``workbench.store`` reads or writes them.

This is the schema's source of truth. The store itself runs on the Core copies in
``_tables.py``, generated from these classes (``python -m workbench.store._tables_gen``) so
that opening a store does not import SQLModel and pydantic; a test keeps the two equal.

Times are UNIX epoch seconds (float). A metric value of NULL stands for NaN, because
SQLite cannot store NaN; +/-inf are stored as they are.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

RUN_STATUSES = ("RUNNING", "FINISHED", "FAILED", "KILLED")
ACTIVE = "active"
DELETED = "deleted"

# BIGINT on PostgreSQL, but SQLite only auto-increments an INTEGER PRIMARY KEY.
BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class Experiment(SQLModel, table=True):
    __tablename__ = "experiments"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=250, sa_column_kwargs={"unique": True, "nullable": False})
    created_at: float
    lifecycle: str = Field(default=ACTIVE, max_length=16)


class Environment(SQLModel, table=True):
    """A Python environment snapshot, stored once per distinct content hash."""

    __tablename__ = "environments"

    hash: str = Field(primary_key=True, max_length=64)
    python_version: str = Field(max_length=64)
    platform: str = Field(max_length=250)
    packages: str = Field(sa_type=sa.Text)  # JSON object: distribution name -> version
    created_at: float


class Run(SQLModel, table=True):
    __tablename__ = "runs"
    __table_args__ = (
        sa.Index("ix_runs_experiment_start", "experiment_id", "start_time"),
        sa.Index("ix_runs_status", "status"),
    )

    id: str = Field(primary_key=True, max_length=32)
    experiment_id: int = Field(foreign_key="experiments.id", nullable=False)
    name: str = Field(max_length=250)
    status: str = Field(max_length=16)
    parent_id: str | None = Field(default=None, foreign_key="runs.id", index=True, max_length=32)
    start_time: float
    end_time: float | None = None
    heartbeat_at: float
    user: str = Field(default="", max_length=250)
    host: str = Field(default="", max_length=250)
    pid: int = 0
    source: str = Field(default="", max_length=1000)
    source_type: str = Field(default="", max_length=16)
    git_commit: str | None = Field(default=None, max_length=64)
    git_dirty: bool | None = None
    environment_hash: str | None = Field(
        default=None, foreign_key="environments.hash", max_length=64
    )
    lifecycle: str = Field(default=ACTIVE, max_length=16)


class Param(SQLModel, table=True):
    __tablename__ = "params"

    run_id: str = Field(foreign_key="runs.id", primary_key=True, max_length=32)
    key: str = Field(primary_key=True, max_length=250)
    value: str = Field(max_length=6000)
    # The value as a number when it parses as one: params compare numerically in filters.
    value_num: float | None = None


class Metric(SQLModel, table=True):
    """Metric history: one row per logged point."""

    __tablename__ = "metrics"
    __table_args__ = (sa.Index("ix_metrics_run_key_step", "run_id", "key", "step", "timestamp"),)

    id: int | None = Field(default=None, sa_type=BigIntId, primary_key=True)
    run_id: str = Field(foreign_key="runs.id", max_length=32)
    key: str = Field(max_length=250)
    step: int = Field(sa_type=sa.BigInteger)
    timestamp: float
    value: float | None = None


class LatestMetric(SQLModel, table=True):
    """Per run and key: the last value (highest step, then latest time) and aggregates."""

    __tablename__ = "latest_metrics"
    __table_args__ = (sa.Index("ix_latest_metrics_key_value", "key", "value"),)

    run_id: str = Field(foreign_key="runs.id", primary_key=True, max_length=32)
    key: str = Field(primary_key=True, max_length=250)
    value: float | None = None
    step: int = Field(sa_type=sa.BigInteger)
    timestamp: float
    min: float | None = None
    max: float | None = None
    sum: float = 0.0
    count: int = 0  # points that are not NaN; mean = sum / count


class Tag(SQLModel, table=True):
    __tablename__ = "tags"

    run_id: str = Field(foreign_key="runs.id", primary_key=True, max_length=32)
    key: str = Field(primary_key=True, max_length=250)
    value: str = Field(sa_type=sa.Text)


class Artifact(SQLModel, table=True):
    __tablename__ = "artifacts"

    run_id: str = Field(foreign_key="runs.id", primary_key=True, max_length=32)
    path: str = Field(primary_key=True, max_length=1000)
    sha256: str = Field(max_length=64, index=True)
    size: int = Field(sa_type=sa.BigInteger)
    created_at: float


class Dataset(SQLModel, table=True):
    __tablename__ = "datasets"

    fingerprint: str = Field(primary_key=True, max_length=64)
    n_rows: int = Field(sa_type=sa.BigInteger)
    n_cols: int
    columns_json: str = Field(sa_type=sa.Text)  # JSON list of {"name", "dtype"}
    profile_json: str = Field(sa_type=sa.Text)  # JSON object: small per-column profile
    created_at: float


class RunDataset(SQLModel, table=True):
    __tablename__ = "run_datasets"

    run_id: str = Field(foreign_key="runs.id", primary_key=True, max_length=32)
    fingerprint: str = Field(foreign_key="datasets.fingerprint", primary_key=True, max_length=64)
    role: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=250)
    source: str = Field(default="", max_length=1000)


def _table(model: type[SQLModel]) -> sa.Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, sa.Table)
    return table


# The Core tables, under the names ``_tables.py`` gives its generated copies.
experiments_table = _table(Experiment)
environments_table = _table(Environment)
runs_table = _table(Run)
params_table = _table(Param)
metrics_table = _table(Metric)
latest_metrics_table = _table(LatestMetric)
tags_table = _table(Tag)
artifacts_table = _table(Artifact)
datasets_table = _table(Dataset)
run_datasets_table = _table(RunDataset)


class DriftReportRow(SQLModel, table=True):
    """A stored drift report: its verdict for queries, the whole report as JSON."""

    __tablename__ = "drift_reports"
    __table_args__ = (sa.Index("ix_drift_reports_dataset_created", "dataset", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    created_at: float
    dataset: str = Field(max_length=250)
    run_id: str | None = Field(default=None, foreign_key="runs.id", max_length=32)
    model_version: str | None = Field(default=None, max_length=250)
    reference_fingerprint: str | None = Field(default=None, max_length=64)
    current_fingerprint: str | None = Field(default=None, max_length=64)
    drifted: bool
    share: float
    n_columns: int
    n_drifted: int
    report_json: str = Field(sa_type=sa.Text)


drift_reports_table = _table(DriftReportRow)


class RegisteredModelRow(SQLModel, table=True):
    """A named model in the registry; its versions live in ``model_versions``."""

    __tablename__ = "registered_models"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=250, sa_column_kwargs={"unique": True, "nullable": False})
    created_at: float
    description: str = Field(default="", sa_type=sa.Text)


class ModelVersionRow(SQLModel, table=True):
    """One registered version: a packed model blob, where it came from and how it did."""

    __tablename__ = "model_versions"
    # The unique key is what keeps version numbers unique when registrations race.
    __table_args__ = (sa.UniqueConstraint("name", "version", name="uq_model_versions_name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(foreign_key="registered_models.name", max_length=250)
    version: int
    run_id: str = Field(foreign_key="runs.id", max_length=32, index=True)
    artifact_path: str = Field(max_length=1000)
    sha256: str = Field(max_length=64)
    size: int = Field(sa_type=sa.BigInteger)
    format: str = Field(max_length=16)
    flavor: str = Field(max_length=64)
    files_json: str = Field(sa_type=sa.Text)  # the model's ModelFiles manifest
    signature_json: str | None = Field(default=None, sa_type=sa.Text)
    dataset_fingerprint: str | None = Field(default=None, max_length=64)
    metrics_json: str = Field(sa_type=sa.Text)  # the run's latest metrics at registration
    created_at: float
    user: str = Field(default="", max_length=250)


class ModelAliasRow(SQLModel, table=True):
    """Which version an alias (``champion``, ``challenger``, ...) points at now."""

    __tablename__ = "model_aliases"

    name: str = Field(foreign_key="registered_models.name", primary_key=True, max_length=250)
    alias: str = Field(primary_key=True, max_length=250)
    version: int
    updated_at: float


class AliasHistoryRow(SQLModel, table=True):
    """Audit trail of alias moves; rollback replays it to find the version before."""

    __tablename__ = "alias_history"
    __table_args__ = (sa.Index("ix_alias_history_name_alias", "name", "alias", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(foreign_key="registered_models.name", max_length=250)
    alias: str = Field(max_length=250)
    version: int
    previous_version: int | None = None
    action: str = Field(max_length=16)  # "promote" or "rollback"
    user: str = Field(default="", max_length=250)
    timestamp: float


registered_models_table = _table(RegisteredModelRow)
model_versions_table = _table(ModelVersionRow)
model_aliases_table = _table(ModelAliasRow)
alias_history_table = _table(AliasHistoryRow)
