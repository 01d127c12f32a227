"""What an exported pipeline package imports from workbench when it runs: the cached,
tracked runner, its data inputs, the files it writes and the report of a run. Nothing
here imports the notebook analysis, the package generator, the verifier or retraining,
so a package keeps running while those change.

>>> from workbench.pipelines.runtime import Pipeline
>>> pipeline = Pipeline.from_manifest(MANIFEST, STEPS, "my_pipeline.shared")  # doctest: +SKIP
>>> pipeline.run().metrics  # doctest: +SKIP
{'auc': 0.99}
"""

from workbench.pipelines.runtime._report import failure_report, run_report
from workbench.pipelines.runtime.inputs import input_path
from workbench.pipelines.runtime.outputs import output_path
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
    "failure_report",
    "input_path",
    "last_runs",
    "output_path",
    "parse_assignment",
    "run_report",
]
