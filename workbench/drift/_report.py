"""The result of a drift comparison: per-column verdicts, the dataset verdict, exports."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

FRAME_COLUMNS = [
    "column", "role", "type", "test", "statistic", "p_value", "threshold", "drifted",
    "missing_reference", "missing_current", "missing_share_change", "missing_drifted",
    "status", "note",
]  # fmt: skip


@dataclass(frozen=True)
class Distribution:
    """Aggregated counts for plots and reports (never raw rows)."""

    kind: str  # "histogram": edges (n+1) and counts; "categories": labels and counts
    reference: list[int]
    current: list[int]
    edges: list[float] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ColumnDrift:
    """The verdict for one column. ``status`` is ``ok``, ``skipped``, ``empty`` or ``error``."""

    column: str
    role: str  # "feature", "target" or "prediction"
    type: str
    test: str | None
    statistic: float | None
    p_value: float | None
    threshold: float | None
    drifted: bool
    missing_reference: int
    missing_current: int
    missing_share_change: float
    missing_drifted: bool
    status: str
    note: str | None = None
    distribution: Distribution | None = None

    @property
    def score(self) -> float | None:
        """The number compared with the threshold: the p-value of a test, else the distance."""
        return self.p_value if self.p_value is not None else self.statistic


@dataclass
class DriftReport:
    """Drift of ``current`` against ``reference``: per column, for the dataset, over time.

    >>> report = wb.drift.compare(reference_df, current_df)  # doctest: +SKIP
    >>> report.drifted, report.share  # doctest: +SKIP
    (True, 0.6)
    """

    columns: list[ColumnDrift]
    drift_share: float
    reference_rows: int
    current_rows: int
    reference_fingerprint: str | None = None
    current_fingerprint: str | None = None
    windows: list[dict[str, Any]] | None = None
    notes: list[str] = field(default_factory=list)

    # -- verdicts --------------------------------------------------------------------------
    @property
    def features(self) -> list[ColumnDrift]:
        return [c for c in self.columns if c.role == "feature"]

    @property
    def tested(self) -> list[ColumnDrift]:
        return [c for c in self.features if c.status == "ok"]

    @property
    def n_drifted(self) -> int:
        return sum(c.drifted for c in self.tested)

    @property
    def share(self) -> float:
        """Share of the tested feature columns that drifted."""
        tested = self.tested
        return self.n_drifted / len(tested) if tested else 0.0

    @property
    def drifted(self) -> bool:
        """The dataset verdict: drifted when ``share >= drift_share``."""
        return bool(self.tested) and self.share >= self.drift_share

    def _role(self, role: str) -> ColumnDrift | None:
        return next((c for c in self.columns if c.role == role), None)

    @property
    def target_drift(self) -> ColumnDrift | None:
        return self._role("target")

    @property
    def prediction_drift(self) -> ColumnDrift | None:
        return self._role("prediction")

    def __getitem__(self, column: str) -> ColumnDrift:
        for entry in self.columns:
            if entry.column == column:
                return entry
        raise KeyError(f"No column {column!r} in this report; columns: {self.column_names}")

    @property
    def column_names(self) -> list[str]:
        return [c.column for c in self.columns]

    def __repr__(self) -> str:
        verdict = "DRIFT" if self.drifted else "no drift"
        return (
            f"<DriftReport {verdict}: {self.n_drifted}/{len(self.tested)} columns drifted "
            f"(share {self.share:.2f}, threshold {self.drift_share}), "
            f"{self.reference_rows} reference vs {self.current_rows} current rows>"
        )

    # -- exports ---------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per column: test, statistic, p-value, threshold, verdict, missing counts."""
        import pandas as pd

        rows = [{name: getattr(c, name) for name in FRAME_COLUMNS} for c in self.columns]
        return pd.DataFrame(rows, columns=FRAME_COLUMNS)

    def windows_frame(self) -> pd.DataFrame:
        """Drift over time (one row per window and column) when ``window`` was used."""
        import pandas as pd

        if not self.windows:
            return pd.DataFrame(columns=["window", "start", "end", "rows", "column", "score",
                                         "drifted", "share", "dataset_drifted"])  # fmt: skip
        return pd.DataFrame(self.windows)

    def to_dict(self) -> dict[str, Any]:
        """Everything in the report as plain JSON-able data."""
        return {
            "drifted": self.drifted,
            "share": self.share,
            "drift_share": self.drift_share,
            "n_drifted": self.n_drifted,
            "n_tested": len(self.tested),
            "reference_rows": self.reference_rows,
            "current_rows": self.current_rows,
            "reference_fingerprint": self.reference_fingerprint,
            "current_fingerprint": self.current_fingerprint,
            "columns": [_clean(asdict(c)) for c in self.columns],
            "windows": _clean(self.windows) if self.windows else None,
            "notes": list(self.notes),
        }

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DriftReport:
        columns = []
        for entry in data["columns"]:
            entry = dict(entry)
            dist = entry.pop("distribution", None)
            columns.append(
                ColumnDrift(**entry, distribution=Distribution(**dist) if dist else None)
            )
        return cls(
            columns=columns,
            drift_share=data["drift_share"],
            reference_rows=data["reference_rows"],
            current_rows=data["current_rows"],
            reference_fingerprint=data.get("reference_fingerprint"),
            current_fingerprint=data.get("current_fingerprint"),
            windows=data.get("windows"),
            notes=list(data.get("notes") or []),
        )

    def plot(self) -> Any:
        """HoloViews layout: drift scores, distributions per column, drift over time."""
        from workbench.drift._plots import report_layout

        return report_layout(self)

    def save_html(self, path: str | Path, title: str = "Drift report") -> Path:
        """A small standalone HTML file (aggregated histograms as inline SVG, no scripts)."""
        from workbench.drift._html import render_html

        target = Path(path)
        target.write_text(render_html(self, title=title), encoding="utf-8")
        return target

    def log(
        self, run: Any = None, dataset: str = "default", model_version: str | None = None
    ) -> int:
        """Store the report in the tracking store (linked to ``run`` if given); returns its id."""
        from workbench.drift._history import log_report

        return log_report(self, run=run, dataset=dataset, model_version=model_version)


def _clean(value: Any) -> Any:
    """NaN/inf to None, numpy scalars to Python: strict JSON."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
