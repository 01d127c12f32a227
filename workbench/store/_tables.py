"""The tracking store's tables as plain SQLAlchemy Core, without SQLModel or pydantic.

GENERATED from the SQLModel classes in ``workbench/store/models.py``, the schema's source of
truth; do not edit. After changing models.py, regenerate it with

    .venv/bin/python -m workbench.store._tables_gen

``tests/store/test_generated_tables.py`` fails while the two disagree.
"""

from __future__ import annotations

import sqlalchemy as sa

RUN_STATUSES = ("RUNNING", "FINISHED", "FAILED", "KILLED")
ACTIVE = "active"
DELETED = "deleted"

metadata = sa.MetaData()

experiments_table = sa.Table(
    "experiments",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
    sa.Column("name", sa.String(length=250), nullable=False, unique=True),
    sa.Column("created_at", sa.Float(), nullable=False),
    sa.Column("lifecycle", sa.String(length=16), nullable=False, default="active"),
)

environments_table = sa.Table(
    "environments",
    metadata,
    sa.Column("hash", sa.String(length=64), primary_key=True, nullable=False),
    sa.Column("python_version", sa.String(length=64), nullable=False),
    sa.Column("platform", sa.String(length=250), nullable=False),
    sa.Column("packages", sa.Text(), nullable=False),
    sa.Column("created_at", sa.Float(), nullable=False),
)

runs_table = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.String(length=32), primary_key=True, nullable=False),
    sa.Column("experiment_id", sa.Integer(), sa.ForeignKey("experiments.id"), nullable=False),
    sa.Column("name", sa.String(length=250), nullable=False),
    sa.Column("status", sa.String(length=16), nullable=False),
    sa.Column(
        "parent_id",
        sa.String(length=32),
        sa.ForeignKey("runs.id"),
        nullable=True,
        index=True,
    ),
    sa.Column("start_time", sa.Float(), nullable=False),
    sa.Column("end_time", sa.Float(), nullable=True),
    sa.Column("heartbeat_at", sa.Float(), nullable=False),
    sa.Column("user", sa.String(length=250), nullable=False, default=""),
    sa.Column("host", sa.String(length=250), nullable=False, default=""),
    sa.Column("pid", sa.Integer(), nullable=False, default=0),
    sa.Column("source", sa.String(length=1000), nullable=False, default=""),
    sa.Column("source_type", sa.String(length=16), nullable=False, default=""),
    sa.Column("git_commit", sa.String(length=64), nullable=True),
    sa.Column("git_dirty", sa.Boolean(), nullable=True),
    sa.Column(
        "environment_hash",
        sa.String(length=64),
        sa.ForeignKey("environments.hash"),
        nullable=True,
    ),
    sa.Column("lifecycle", sa.String(length=16), nullable=False, default="active"),
    sa.Index("ix_runs_experiment_start", "experiment_id", "start_time"),
    sa.Index("ix_runs_status", "status"),
)

params_table = sa.Table(
    "params",
    metadata,
    sa.Column(
        "run_id",
        sa.String(length=32),
        sa.ForeignKey("runs.id"),
        primary_key=True,
        nullable=False,
    ),
    sa.Column("key", sa.String(length=250), primary_key=True, nullable=False),
    sa.Column("value", sa.String(length=6000), nullable=False),
    sa.Column("value_num", sa.Float(), nullable=True),
)

metrics_table = sa.Table(
    "metrics",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        nullable=False,
    ),
    sa.Column("run_id", sa.String(length=32), sa.ForeignKey("runs.id"), nullable=False),
    sa.Column("key", sa.String(length=250), nullable=False),
    sa.Column("step", sa.BigInteger(), nullable=False),
    sa.Column("timestamp", sa.Float(), nullable=False),
    sa.Column("value", sa.Float(), nullable=True),
    sa.Index("ix_metrics_run_key_step", "run_id", "key", "step", "timestamp"),
)

latest_metrics_table = sa.Table(
    "latest_metrics",
    metadata,
    sa.Column(
        "run_id",
        sa.String(length=32),
        sa.ForeignKey("runs.id"),
        primary_key=True,
        nullable=False,
    ),
    sa.Column("key", sa.String(length=250), primary_key=True, nullable=False),
    sa.Column("value", sa.Float(), nullable=True),
    sa.Column("step", sa.BigInteger(), nullable=False),
    sa.Column("timestamp", sa.Float(), nullable=False),
    sa.Column("min", sa.Float(), nullable=True),
    sa.Column("max", sa.Float(), nullable=True),
    sa.Column("sum", sa.Float(), nullable=False, default=0.0),
    sa.Column("count", sa.Integer(), nullable=False, default=0),
    sa.Index("ix_latest_metrics_key_value", "key", "value"),
)

tags_table = sa.Table(
    "tags",
    metadata,
    sa.Column(
        "run_id",
        sa.String(length=32),
        sa.ForeignKey("runs.id"),
        primary_key=True,
        nullable=False,
    ),
    sa.Column("key", sa.String(length=250), primary_key=True, nullable=False),
    sa.Column("value", sa.Text(), nullable=False),
)

artifacts_table = sa.Table(
    "artifacts",
    metadata,
    sa.Column(
        "run_id",
        sa.String(length=32),
        sa.ForeignKey("runs.id"),
        primary_key=True,
        nullable=False,
    ),
    sa.Column("path", sa.String(length=1000), primary_key=True, nullable=False),
    sa.Column("sha256", sa.String(length=64), nullable=False, index=True),
    sa.Column("size", sa.BigInteger(), nullable=False),
    sa.Column("created_at", sa.Float(), nullable=False),
)

datasets_table = sa.Table(
    "datasets",
    metadata,
    sa.Column("fingerprint", sa.String(length=64), primary_key=True, nullable=False),
    sa.Column("n_rows", sa.BigInteger(), nullable=False),
    sa.Column("n_cols", sa.Integer(), nullable=False),
    sa.Column("columns_json", sa.Text(), nullable=False),
    sa.Column("profile_json", sa.Text(), nullable=False),
    sa.Column("created_at", sa.Float(), nullable=False),
)

run_datasets_table = sa.Table(
    "run_datasets",
    metadata,
    sa.Column(
        "run_id",
        sa.String(length=32),
        sa.ForeignKey("runs.id"),
        primary_key=True,
        nullable=False,
    ),
    sa.Column(
        "fingerprint",
        sa.String(length=64),
        sa.ForeignKey("datasets.fingerprint"),
        primary_key=True,
        nullable=False,
    ),
    sa.Column("role", sa.String(length=64), primary_key=True, nullable=False),
    sa.Column("name", sa.String(length=250), nullable=False),
    sa.Column("source", sa.String(length=1000), nullable=False, default=""),
)

drift_reports_table = sa.Table(
    "drift_reports",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
    sa.Column("created_at", sa.Float(), nullable=False),
    sa.Column("dataset", sa.String(length=250), nullable=False),
    sa.Column("run_id", sa.String(length=32), sa.ForeignKey("runs.id"), nullable=True),
    sa.Column("model_version", sa.String(length=250), nullable=True),
    sa.Column("reference_fingerprint", sa.String(length=64), nullable=True),
    sa.Column("current_fingerprint", sa.String(length=64), nullable=True),
    sa.Column("drifted", sa.Boolean(), nullable=False),
    sa.Column("share", sa.Float(), nullable=False),
    sa.Column("n_columns", sa.Integer(), nullable=False),
    sa.Column("n_drifted", sa.Integer(), nullable=False),
    sa.Column("report_json", sa.Text(), nullable=False),
    sa.Index("ix_drift_reports_dataset_created", "dataset", "created_at"),
)

registered_models_table = sa.Table(
    "registered_models",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
    sa.Column("name", sa.String(length=250), nullable=False, unique=True),
    sa.Column("created_at", sa.Float(), nullable=False),
    sa.Column("description", sa.Text(), nullable=False, default=""),
)

model_versions_table = sa.Table(
    "model_versions",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
    sa.Column(
        "name",
        sa.String(length=250),
        sa.ForeignKey("registered_models.name"),
        nullable=False,
    ),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("run_id", sa.String(length=32), sa.ForeignKey("runs.id"), nullable=False, index=True),
    sa.Column("artifact_path", sa.String(length=1000), nullable=False),
    sa.Column("sha256", sa.String(length=64), nullable=False),
    sa.Column("size", sa.BigInteger(), nullable=False),
    sa.Column("format", sa.String(length=16), nullable=False),
    sa.Column("flavor", sa.String(length=64), nullable=False),
    sa.Column("files_json", sa.Text(), nullable=False),
    sa.Column("signature_json", sa.Text(), nullable=True),
    sa.Column("dataset_fingerprint", sa.String(length=64), nullable=True),
    sa.Column("metrics_json", sa.Text(), nullable=False),
    sa.Column("created_at", sa.Float(), nullable=False),
    sa.Column("user", sa.String(length=250), nullable=False, default=""),
    sa.UniqueConstraint("name", "version", name="uq_model_versions_name"),
)

model_aliases_table = sa.Table(
    "model_aliases",
    metadata,
    sa.Column(
        "name",
        sa.String(length=250),
        sa.ForeignKey("registered_models.name"),
        primary_key=True,
        nullable=False,
    ),
    sa.Column("alias", sa.String(length=250), primary_key=True, nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("updated_at", sa.Float(), nullable=False),
)

alias_history_table = sa.Table(
    "alias_history",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
    sa.Column(
        "name",
        sa.String(length=250),
        sa.ForeignKey("registered_models.name"),
        nullable=False,
    ),
    sa.Column("alias", sa.String(length=250), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("previous_version", sa.Integer(), nullable=True),
    sa.Column("action", sa.String(length=16), nullable=False),
    sa.Column("user", sa.String(length=250), nullable=False, default=""),
    sa.Column("timestamp", sa.Float(), nullable=False),
    sa.Index("ix_alias_history_name_alias", "name", "alias", "id"),
)
