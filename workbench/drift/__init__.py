"""Data-drift detection: per-column tests chosen like Evidently's, a dataset verdict,
windows over time, plots, small HTML reports, and reports stored in the tracking store.

>>> import workbench as wb
>>> report = wb.drift.compare(reference_df, current_df, target="churned")  # doctest: +SKIP
>>> report.drifted, report.to_frame()  # doctest: +SKIP
"""

from typing import Any

from workbench._deprecation import RENAMED, renamed_attribute
from workbench.drift._compare import ReferenceProfile, compare, profile
from workbench.drift._history import get_report, history
from workbench.drift._report import ColumnDrift, DriftReport
from workbench.drift.stattests import TESTS

__all__ = [
    "TESTS",
    "ColumnDrift",
    "DriftReport",
    "ReferenceProfile",
    "compare",
    "get_report",
    "history",
    "profile",
]


def __getattr__(name: str) -> Any:
    if f"wb.drift.{name}" in RENAMED:
        return renamed_attribute(f"wb.drift.{name}")
    raise AttributeError(f"module 'workbench.drift' has no attribute {name!r}")
