"""Kept for packages exported before the move: see :mod:`workbench.pipelines.runtime`."""

from workbench.pipelines.runtime.runner import (
    Pipeline,
    PipelineResult,
    PipelineStep,
    StepFailedError,
    last_runs,
    parse_assignment,
)

__all__ = [
    "Pipeline",
    "PipelineResult",
    "PipelineStep",
    "StepFailedError",
    "last_runs",
    "parse_assignment",
]
