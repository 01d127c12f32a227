"""Plain, frozen records the store hands to services (never ORM objects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ExperimentRecord:
    id: int
    name: str
    created_at: float
    lifecycle: str


@dataclass(frozen=True)
class RunRecord:
    id: str
    experiment_id: int
    experiment: str
    name: str
    status: str
    parent_id: str | None
    start_time: float
    end_time: float | None
    heartbeat_at: float
    user: str
    host: str
    pid: int
    source: str
    source_type: str
    git_commit: str | None
    git_dirty: bool | None
    environment_hash: str | None
    lifecycle: str


@dataclass(frozen=True)
class ArtifactRecord:
    path: str
    sha256: str
    size: int
    created_at: float


@dataclass(frozen=True)
class DatasetRecord:
    fingerprint: str
    name: str
    role: str
    source: str
    n_rows: int
    n_cols: int
    columns: list[dict[str, str]]
    profile: dict[str, Any]


@dataclass(frozen=True)
class EnvironmentRecord:
    hash: str
    python_version: str
    platform: str
    packages: dict[str, str]


@dataclass(frozen=True)
class RunDetails:
    """Everything stored about one run."""

    info: RunRecord
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    artifacts: list[ArtifactRecord] = field(default_factory=list)
    datasets: list[DatasetRecord] = field(default_factory=list)
    environment: EnvironmentRecord | None = None
    children: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def status(self) -> str:
        return self.info.status


@dataclass(frozen=True)
class SearchResult:
    """Runs matching a search, in order, with their params, last metric values and tags."""

    runs: list[RunRecord]
    params: list[tuple[str, str, str]]  # run_id, key, value
    metrics: list[tuple[str, str, float]]  # run_id, key, last value
    tags: list[tuple[str, str, str]]  # run_id, key, value
