"""The report of a pipeline run as JSON: what ``python -m <pkg> run --report-json PATH``
writes, and what :func:`workbench.pipelines.verify.compare_to_golden` reads.

>>> report = run_report(PIPELINE.run())  # doctest: +SKIP
>>> [step["name"] for step in report["steps"]]  # doctest: +SKIP
['load', 'train', 'evaluate']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.pipelines.runtime.runner import PipelineResult, StepFailedError

__all__ = ["REPORT_FORMAT", "failure_report", "run_report"]

REPORT_FORMAT = 1


def run_report(result: PipelineResult) -> dict[str, Any]:
    """A pipeline run as JSON: each step's cache folder and saved outputs, and the files
    the steps wrote under ``output_dir`` (what ``python -m <pkg> run --report-json PATH``
    writes)."""
    return {
        "format": REPORT_FORMAT,
        "run_id": result.run_id,
        "package": result.package,
        "version": result.version,
        "metrics": result.metrics,
        "steps": [
            {
                "name": step,
                "directory": str(directory),
                "outputs": {name: saved.to_dict() for name, saved in outputs.items()},
            }
            for step, (directory, outputs) in result.step_outputs.items()
        ],
        "output_dir": str(result.output_dir) if result.output_dir is not None else None,
        "files": [written.to_dict() for written in result.files],
    }


def failure_report(error: StepFailedError) -> dict[str, Any]:
    """The report of a run that failed in a step."""
    cause = error.__cause__
    message = f"{type(cause).__name__}: {cause}" if cause is not None else str(error)
    return {"format": REPORT_FORMAT, "failed": {"step": error.step, "error": message}}
