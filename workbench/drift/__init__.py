"""Data-drift detection: per-column tests chosen like Evidently's, a dataset verdict,
windows over time, plots, small HTML reports, and reports stored in the tracking store.

>>> import workbench as wb
>>> report = wb.drift.compare(reference_df, current_df, target="churned")  # doctest: +SKIP
>>> report.drifted, report.to_frame()  # doctest: +SKIP
"""

from workbench.drift._compare import ReferenceProfile, compare, profile
from workbench.drift._history import history, load_report
from workbench.drift._report import ColumnDrift, DriftReport
from workbench.drift.stattests import TESTS

__all__ = [
    "TESTS",
    "ColumnDrift",
    "DriftReport",
    "ReferenceProfile",
    "compare",
    "history",
    "load_report",
    "profile",
]
