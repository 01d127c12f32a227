"""Registered models, their versions, aliases and the alias audit trail."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from workbench.store._sql import insert_if_absent
from workbench.store._tables import alias_history_table as history_t
from workbench.store._tables import model_aliases_table as aliases_t
from workbench.store._tables import model_versions_table as versions_t
from workbench.store._tables import registered_models_table as models_t
from workbench.store.engine import write
from workbench.store.errors import NoEarlierVersionError

PROMOTE = "promote"
ROLLBACK = "rollback"
# Racing registrations can pick the same number once; the unique key refuses one and it retries.
_REGISTER_ATTEMPTS = 10


@dataclass(frozen=True)
class ModelVersionRecord:
    """One registered model version, as stored.

    ``files`` is the model's ``ModelFiles`` manifest and ``signature`` its ``Signature``,
    both as dicts; ``metrics`` are the run's latest metric values at registration.
    """

    name: str
    version: int
    run_id: str
    artifact_path: str
    sha256: str
    size: int
    format: str
    flavor: str
    files: dict[str, Any]
    signature: dict[str, Any] | None
    dataset_fingerprint: str | None
    metrics: dict[str, float]
    created_at: float
    user: str
    aliases: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class RegisteredModelRecord:
    name: str
    created_at: float
    description: str
    latest_version: int | None
    aliases: dict[str, int]


@dataclass(frozen=True)
class AliasChange:
    """One row of the alias audit trail."""

    name: str
    alias: str
    version: int
    previous_version: int | None
    action: str
    user: str
    timestamp: float


def rollback_target(history: Sequence[AliasChange]) -> int | None:
    """The version an alias returns to on rollback: its history replayed as a stack where a
    promote pushes and a rollback pops, so repeated rollbacks keep walking back."""
    stack: list[int] = []
    for change in history:
        if change.action == ROLLBACK:
            if stack:
                stack.pop()
        elif not stack or stack[-1] != change.version:
            stack.append(change.version)
    return stack[-2] if len(stack) >= 2 else None


class RegistryStore:
    """SQL access for the model registry, on the tracking store's engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- versions --------------------------------------------------------------------------
    def create_version(self, *, name: str, **values: Any) -> ModelVersionRecord:
        """Register the next version of ``name`` (created if new); ``values`` fill the row."""
        for attempt in range(_REGISTER_ATTEMPTS):
            try:
                with write(self.engine) as conn:
                    insert_if_absent(
                        conn, models_t, {"name": name, "created_at": time.time(), "description": ""}
                    )
                    self._lock_model(conn, name)
                    latest = conn.execute(
                        sa.select(sa.func.max(versions_t.c.version)).where(
                            versions_t.c.name == name
                        )
                    ).scalar()
                    version = int(latest or 0) + 1
                    conn.execute(
                        versions_t.insert().values(
                            name=name, version=version, created_at=time.time(), **values
                        )
                    )
                break
            except sa.exc.IntegrityError:
                if attempt == _REGISTER_ATTEMPTS - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))
        found = self.get_version(name, version)
        assert found is not None
        return found

    def get_version(self, name: str, version: int) -> ModelVersionRecord | None:
        found = self._versions(name, versions_t.c.version == version)
        return found[0] if found else None

    def latest_version(self, name: str) -> ModelVersionRecord | None:
        found = self._versions(name, None, newest_first=True, limit=1)
        return found[0] if found else None

    def versions(self, name: str) -> list[ModelVersionRecord]:
        return self._versions(name, None)

    def _versions(
        self,
        name: str,
        where: Any,
        *,
        newest_first: bool = False,
        limit: int | None = None,
    ) -> list[ModelVersionRecord]:
        order = versions_t.c.version.desc() if newest_first else versions_t.c.version
        query = sa.select(versions_t).where(versions_t.c.name == name).order_by(order)
        if where is not None:
            query = query.where(where)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            rows = list(conn.execute(query))
            aliases = self._aliases(conn, name)
        by_version: dict[int, list[str]] = {}
        for alias, version in sorted(aliases.items()):
            by_version.setdefault(version, []).append(alias)
        return [_version_record(row, tuple(by_version.get(row.version, ()))) for row in rows]

    # -- models ----------------------------------------------------------------------------
    def model_names(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(
                conn.execute(sa.select(models_t.c.name).order_by(models_t.c.name)).scalars()
            )

    def list_models(self) -> list[RegisteredModelRecord]:
        latest = (
            sa.select(versions_t.c.name, sa.func.max(versions_t.c.version).label("latest"))
            .group_by(versions_t.c.name)
            .subquery()
        )
        query = (
            sa.select(models_t, latest.c.latest)
            .join(latest, latest.c.name == models_t.c.name, isouter=True)
            .order_by(models_t.c.name)
        )
        with self.engine.connect() as conn:
            rows = list(conn.execute(query))
            all_aliases: dict[str, dict[str, int]] = {}
            for row in conn.execute(sa.select(aliases_t)):
                all_aliases.setdefault(row.name, {})[row.alias] = row.version
        return [
            RegisteredModelRecord(
                name=row.name,
                created_at=row.created_at,
                description=row.description,
                latest_version=row.latest,
                aliases=dict(sorted(all_aliases.get(row.name, {}).items())),
            )
            for row in rows
        ]

    # -- aliases ---------------------------------------------------------------------------
    def aliases(self, name: str) -> dict[str, int]:
        with self.engine.connect() as conn:
            return self._aliases(conn, name)

    @staticmethod
    def _aliases(conn: Connection, name: str) -> dict[str, int]:
        rows = conn.execute(sa.select(aliases_t).where(aliases_t.c.name == name))
        return {row.alias: row.version for row in rows}

    def promote(self, name: str, alias: str, version: int, user: str) -> int | None:
        """Point ``alias`` at ``version``; returns the version it held before (or None)."""
        with write(self.engine) as conn:
            self._lock_model(conn, name)
            previous = self._aliases(conn, name).get(alias)
            if previous != version:
                self._move(conn, name, alias, version, previous, PROMOTE, user)
            return previous

    def rollback(self, name: str, alias: str, user: str) -> tuple[int, int]:
        """Move ``alias`` back to the version it held before; returns (from, to)."""
        with write(self.engine) as conn:
            self._lock_model(conn, name)
            current = self._aliases(conn, name).get(alias)
            target = rollback_target(self._history(conn, name, alias))
            if current is None or target is None:
                raise NoEarlierVersionError(alias)
            self._move(conn, name, alias, target, current, ROLLBACK, user)
            return current, target

    def alias_history(self, name: str, alias: str | None = None) -> list[AliasChange]:
        with self.engine.connect() as conn:
            return self._history(conn, name, alias)

    @staticmethod
    def _history(conn: Connection, name: str, alias: str | None) -> list[AliasChange]:
        query = sa.select(history_t).where(history_t.c.name == name).order_by(history_t.c.id)
        if alias is not None:
            query = query.where(history_t.c.alias == alias)
        return [
            AliasChange(
                name=row.name,
                alias=row.alias,
                version=row.version,
                previous_version=row.previous_version,
                action=row.action,
                user=row.user,
                timestamp=row.timestamp,
            )
            for row in conn.execute(query)
        ]

    @staticmethod
    def _move(
        conn: Connection,
        name: str,
        alias: str,
        version: int,
        previous: int | None,
        action: str,
        user: str,
    ) -> None:
        now = time.time()
        conn.execute(aliases_t.delete().where(aliases_t.c.name == name, aliases_t.c.alias == alias))
        conn.execute(
            aliases_t.insert().values(name=name, alias=alias, version=version, updated_at=now)
        )
        conn.execute(
            history_t.insert().values(
                name=name,
                alias=alias,
                version=version,
                previous_version=previous,
                action=action,
                user=user,
                timestamp=now,
            )
        )

    @staticmethod
    def _lock_model(conn: Connection, name: str) -> None:
        # Serialises changes to one model on PostgreSQL (SQLite's BEGIN IMMEDIATE already does).
        conn.execute(sa.select(models_t.c.id).where(models_t.c.name == name).with_for_update())


def _version_record(row: Any, aliases: tuple[str, ...]) -> ModelVersionRecord:
    return ModelVersionRecord(
        name=row.name,
        version=row.version,
        run_id=row.run_id,
        artifact_path=row.artifact_path,
        sha256=row.sha256,
        size=row.size,
        format=row.format,
        flavor=row.flavor,
        files=json.loads(row.files_json),
        signature=json.loads(row.signature_json) if row.signature_json else None,
        dataset_fingerprint=row.dataset_fingerprint,
        metrics=json.loads(row.metrics_json),
        created_at=row.created_at,
        user=row.user,
        aliases=aliases,
    )
