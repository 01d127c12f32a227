"""The randomness check runs a second execution of the notebook only when it can tell
something: at once when the analysis sees unseeded random calls, after the package's run
when that run differs from the notebook and the analysis saw nothing, never when the
package's run gives the notebook's values (that run was the second execution)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import nbformat.v4 as nbf

from workbench.pipelines.export import ExportResult, export_notebook

DETERMINISTIC = [
    nbf.new_code_cell("import numpy as np"),
    nbf.new_code_cell("data = np.arange(100.0) ** 1.5"),
    nbf.new_code_cell("mean_score = float(data.mean())"),
]
# Random numbers from the operating system: no call the analysis knows as random.
HIDDEN_RANDOMNESS = [
    nbf.new_code_cell("import os\nimport numpy as np"),
    nbf.new_code_cell("data = np.frombuffer(os.urandom(800), dtype=np.uint8).astype(float)"),
    nbf.new_code_cell("mean_score = float(data.mean())"),
]
# The same in every execution of the notebook, another value in the package's run.
DIVERGES = [
    nbf.new_code_cell("import sys\nimport numpy as np"),
    nbf.new_code_cell(
        "in_kernel = sys.argv[0].endswith('ipykernel_launcher.py')\n"
        "data = np.arange(50.0) * (2.0 if in_kernel else 1.0)"
    ),
    nbf.new_code_cell("mean_score = float(data.mean())"),
]
FORESEEN = [
    nbf.new_code_cell("import numpy as np"),
    nbf.new_code_cell("data = np.random.rand(50)"),
    nbf.new_code_cell("mean_score = float(data.mean())"),
]


def _export(project: Path, name: str, cells: list) -> ExportResult:
    path = project / f"{name}.ipynb"
    nbformat.write(nbf.new_notebook(cells=cells), path)
    return export_notebook(path, verify=True)


def _golden(result: ExportResult) -> dict:
    manifests = list(Path(result.path).glob("src/*/manifest.json"))
    assert len(manifests) == 1, manifests
    golden: dict = json.loads(manifests[0].read_text())["golden"]
    return golden


def test_a_package_that_reproduces_the_notebook_is_its_second_execution(
    sqlite_project: Path,
) -> None:
    result = _export(sqlite_project, "steady", DETERMINISTIC)
    verification = result.verification
    assert verification is not None and result.verdict == "reproduced"
    assert verification.randomness_checked and verification.warnings == ()
    assert "execute_again" not in verification.seconds  # one execution of the notebook
    assert _golden(result)["randomness_checked"] is True


def test_randomness_the_analysis_cannot_see_is_found_by_a_second_execution(
    sqlite_project: Path,
) -> None:
    result = _export(sqlite_project, "urandom", HIDDEN_RANDOMNESS)
    verification = result.verification
    assert verification is not None and "execute_again" in verification.seconds
    assert result.verdict.startswith("unseeded randomness"), result.verdict
    assert "cannot locate the unseeded call" in result.verdict
    golden = _golden(result)
    assert golden["randomness_checked"] is True
    nondeterministic = {
        name
        for outputs in golden["steps"].values()
        for name, entry in outputs.items()
        if entry.get("nondeterministic")
    }
    assert nondeterministic == {"mean_score"}, golden["steps"]


def test_a_divergence_the_notebook_does_not_share_stays_a_divergence(
    sqlite_project: Path,
) -> None:
    result = _export(sqlite_project, "launcher", DIVERGES)
    verification = result.verification
    assert verification is not None and "execute_again" in verification.seconds
    assert result.verdict.startswith("diverged at step"), result.verdict
    assert "mean_score" in result.verdict, result.verdict
    golden = _golden(result)
    assert golden["randomness_checked"] is True and "unseeded" not in golden
    assert not any(
        entry.get("nondeterministic")
        for outputs in golden["steps"].values()
        for entry in outputs.values()
    )


def test_unseeded_calls_the_analysis_sees_run_both_executions_at_once(
    sqlite_project: Path,
) -> None:
    result = _export(sqlite_project, "noise", FORESEEN)
    verification = result.verification
    assert verification is not None and "execute_again" not in verification.seconds
    assert result.verdict.startswith("unseeded randomness at cell 2, line 1"), result.verdict
    assert _golden(result)["randomness_checked"] is True
