"""Drift reports in the tracking store: log one, list them over time, load one back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench._project import drift_store
from workbench.tracking.fluent import active_run

if TYPE_CHECKING:
    import pandas as pd

    from workbench.drift._report import DriftReport


def log_report(
    report: DriftReport, run: Any = None, dataset: str = "default", model_version: str | None = None
) -> int:
    """Store a report; ``run`` (an ActiveRun or id) defaults to the active run, if any."""
    run = run if run is not None else active_run()
    run_id = run if isinstance(run, str) or run is None else run.id
    report_id = drift_store().add(
        report_json=report.to_json(),
        dataset=dataset,
        run_id=run_id,
        model_version=model_version,
        reference_fingerprint=report.reference_fingerprint,
        current_fingerprint=report.current_fingerprint,
        drifted=report.drifted,
        share=report.share,
        n_columns=len(report.tested),
        n_drifted=report.n_drifted,
    )
    if run is not None and not isinstance(run, str):
        run.log_metrics({"drift/share": report.share, "drift/drifted": float(report.drifted)})
    return report_id


def history(dataset: str | None = None, limit: int | None = None) -> pd.DataFrame:
    """Stored reports, newest first: verdict, share, fingerprints, run and model version."""
    import pandas as pd

    rows = [vars(summary) for summary in drift_store().list(dataset=dataset, limit=limit)]
    frame = pd.DataFrame(rows, columns=[
        "id", "created_at", "dataset", "drifted", "share", "n_drifted", "n_columns", "run_id",
        "model_version", "reference_fingerprint", "current_fingerprint",
    ])  # fmt: skip
    frame["created_at"] = pd.to_datetime(frame["created_at"], unit="s", utc=True)
    return frame


def get_report(report_id: int) -> DriftReport:
    """A stored report, with its plots and HTML export available again.

    >>> wb.drift.get_report(report_id).plot()  # doctest: +SKIP
    """
    import json

    from workbench.drift._report import DriftReport

    return DriftReport.from_dict(json.loads(drift_store().report_json(report_id)))
