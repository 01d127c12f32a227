"""Stored drift reports: written once, listed over time."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from workbench.store._tables import drift_reports_table as reports
from workbench.store.engine import write


@dataclass(frozen=True)
class DriftReportSummary:
    id: int
    created_at: float
    dataset: str
    run_id: str | None
    model_version: str | None
    reference_fingerprint: str | None
    current_fingerprint: str | None
    drifted: bool
    share: float
    n_columns: int
    n_drifted: int


class DriftStore:
    """SQL access for drift reports, on the tracking store's engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, *, report_json: str, **summary: Any) -> int:
        with write(self.engine) as conn:
            result = conn.execute(
                reports.insert().values(created_at=time.time(), report_json=report_json, **summary)
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def list(
        self, dataset: str | None = None, limit: int | None = None
    ) -> list[DriftReportSummary]:
        columns = [c for c in reports.c if c.name != "report_json"]
        query = sa.select(*columns).order_by(reports.c.created_at.desc(), reports.c.id.desc())
        if dataset is not None:
            query = query.where(reports.c.dataset == dataset)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [DriftReportSummary(**row._mapping) for row in conn.execute(query)]

    def report_json(self, report_id: int) -> str:
        with self.engine.connect() as conn:
            found = conn.execute(
                sa.select(reports.c.report_json).where(reports.c.id == report_id)
            ).scalar()
        if found is None:
            raise LookupError(f"No drift report with id {report_id}.")
        return str(found)
