"""Proof of reproduction: the exported pipeline gives the values the notebook gave.

At export time (``export_notebook(..., verify=True)``) the notebook runs in a fresh kernel
and the values crossing its steps are recorded as the manifest's ``golden``: content
fingerprints for data, values for floats and small JSON, predictions on a held-out sample
for models (see :mod:`workbench.pipelines.verify._golden`). Then the exported package runs in a
subprocess (``python -m <pkg> run --no-cache --report-json PATH``) and
:func:`compare_to_golden` compares, step by step in run order:

- data (frames, series, arrays, indexes, JSON) by exact content hash;
- floats, and the numbers of JSON values that differ, with ``numpy.isclose``;
- models, and lists/tuples/dicts of models, by their predictions on a sample of the
  notebook's own data (``allclose``), or, when no data fits them, by their parameters and
  fitted attributes — never by their bytes, and never by timings (``cv_results_``'s
  ``mean_fit_time``, ``refit_time_``, ``cross_validate``'s ``fit_time``);
- the other elements of lists, tuples, dicts and ``Bunch``es one by one, sparse matrices
  by where their nonzeros are and their values, splitters (``KFold(10)``) by parameters;
- a value kept in memory (no safe format) through the values made from it, and by the
  behaviour of the models in it when the pipeline could save it;
- the files a step writes (``submission.csv``, ``fig.png``) with those the notebook wrote:
  CSV/TSV and Parquet as frames and JSON as data, numbers within tolerance; figures and
  pickles by existence and size; anything else by sha256 (see ``_files``).

The verdict is ``reproduced`` (everything exact), ``within tolerance`` (some numbers
differ within ``rtol``/``atol``), ``diverged at step X (variable Y: ...)`` (or ``(file
out.csv: ...)``) naming the first value that differs, or ``unseeded randomness at cell C,
line L: ...`` naming the call to seed when everything else reproduced but some values
differ between runs of the notebook.

Unseeded randomness: with ``check_randomness`` a second execution of the notebook tells
randomness from divergence. When the analysis sees unseeded random calls, the notebook runs
twice, in two kernels at the same time (memory doubles); otherwise once, and a second time
only when the package's run differs from it (a run that gives the notebook's values was the
second execution). Values that differ between the two executions are marked
``"nondeterministic": true`` (:func:`mark_randomness`), compared by kind and shape only,
and reported with the unseeded calls of their step.

>>> verdict = compare_to_golden(result, manifest["golden"])  # doctest: +SKIP
>>> str(verdict)  # doctest: +SKIP
'reproduced'
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.pipelines.runtime._report import failure_report, run_report
from workbench.pipelines.runtime._values import SavedValue, load_value
from workbench.pipelines.verify._compare import DIVERGED, EXACT, SKIPPED, TOLERANCE, compare_value
from workbench.pipelines.verify._files import LOOSE, compare_file

if TYPE_CHECKING:
    from workbench.pipelines.analysis._plan import NotebookPlan
    from workbench.pipelines.runtime.runner import PipelineResult

__all__ = [
    "DIVERGED_STATUS",
    "GOLDEN_FORMAT",
    "NOT_VERIFIED",
    "UNSEEDED_STATUS",
    "Difference",
    "Verdict",
    "Verification",
    "compare_to_golden",
    "failure_report",
    "mark_randomness",
    "record_golden",
    "run_report",
]

GOLDEN_FORMAT = 3  # 3: containers, sparse matrices, indexes and splitters by content
REPRODUCED, WITHIN_TOLERANCE, DIVERGED_STATUS = "reproduced", "within tolerance", "diverged"
UNSEEDED_STATUS = "unseeded randomness"
NOT_VERIFIED = "not verified"


@dataclass(frozen=True)
class Difference:
    """A value of the run that is not exactly the notebook's: ``within_tolerance`` tells
    whether it is still close enough."""

    step: str
    variable: str
    detail: str
    within_tolerance: bool


@dataclass(frozen=True)
class Verdict:
    """The outcome of comparing a run with the golden values.

    Attributes:
        status: ``reproduced``, ``within tolerance``, ``diverged`` or ``not verified``.
        step, variable: the first value (in run order) that diverged, when one did.
        detail: what differs about it (or why nothing could be verified).
        differences: every value not exactly reproduced, in run order.
        compared: how many values were compared.
        skipped: ``step.variable`` of the values compared by kind and shape only
            (nondeterministic in the notebook).
    """

    status: str
    step: str | None = None
    variable: str | None = None
    detail: str = ""
    differences: tuple[Difference, ...] = ()
    compared: int = 0
    skipped: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the run reproduced the notebook, exactly or within tolerance (with
        unseeded randomness: every value that does not depend on it)."""
        return self.status in (REPRODUCED, WITHIN_TOLERANCE, UNSEEDED_STATUS)

    @property
    def label(self) -> str:
        """``reproduced``, ``within tolerance``, ``diverged at step X (variable Y: ...)`` or
        ``unseeded randomness at cell C, line L: `call` has no random_state``."""
        if self.status == UNSEEDED_STATUS:
            joiner = " at " if self.detail.startswith("cell ") else " in "
            return f"{self.status}{joiner}{self.detail}" if self.detail else self.status
        if self.status != DIVERGED_STATUS:
            return self.status
        where = f" at step {self.step}" if self.step else ""
        named = self.variable or ""
        named = named if named.startswith("file ") else f"variable {named}"
        what = f"{named}: {self.detail}" if self.variable else self.detail
        return f"diverged{where}" + (f" ({what})" if what else "")

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Verification:
    """How an export was verified.

    Attributes:
        verdict: the comparison of the pipeline's run with the golden values.
        golden_recorded: the notebook was executed for this verification (False: the
            golden values an earlier export recorded for the same notebook were reused).
        randomness_checked: the golden values come from two executions compared.
        warnings: unseeded randomness found, and what else the user should know.
        run_id: the tracked run of the pipeline (None when it did not run).
        seconds: time spent executing the notebook (``execute``), running the pipeline
            beyond that (``run``, it starts at the same time) and comparing (``compare``).
    """

    verdict: Verdict
    golden_recorded: bool
    randomness_checked: bool
    warnings: tuple[str, ...] = ()
    run_id: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def _run_outputs(
    result: PipelineResult | Mapping[str, Any],
) -> dict[str, tuple[Path, dict[str, SavedValue]]]:
    if isinstance(result, Mapping):
        return {
            step["name"]: (
                Path(step["directory"]),
                {n: SavedValue.from_dict(v) for n, v in step["outputs"].items()},
            )
            for step in result["steps"]
        }
    return result.step_outputs


def compare_to_golden(
    result: PipelineResult | Mapping[str, Any],
    golden: Mapping[str, Any],
    rtol: float = 1e-7,
    atol: float = 1e-9,
) -> Verdict:
    """Compare a pipeline run with the golden values of the notebook it came from.

    Args:
        result: a :class:`~workbench.pipelines.runtime.runner.PipelineResult`, or the report of a
            run (:func:`run_report`, :func:`failure_report`).
        golden: the manifest's ``golden``.
        rtol, atol: the tolerance for floats and model predictions (``numpy.allclose``).

    Example:
        >>> from my_pipeline import run  # doctest: +SKIP
        >>> compare_to_golden(run(), MANIFEST["golden"]).label  # doctest: +SKIP
        'reproduced'
    """
    if not golden or not golden.get("steps"):
        return Verdict(NOT_VERIFIED, detail="no golden values recorded")
    if isinstance(result, Mapping) and "failed" in result:
        failed = result["failed"]
        return Verdict(
            DIVERGED_STATUS, step=failed["step"], detail=f"the step failed: {failed['error']}"
        )
    outputs = _run_outputs(result)
    loaded: dict[tuple[str, str], Any] = {}

    def load(step: str, name: str) -> Any:
        if (step, name) not in loaded:
            directory, saved = outputs[step]
            loaded[step, name] = load_value(saved[name], directory)
        return loaded[step, name]

    differences: list[Difference] = []
    first: Difference | None = None
    skipped: list[str] = []
    loose: list[str] = []  # figures and pickles compared by existence and size
    compared = 0
    written = _run_files(result)
    golden_files = golden.get("files") or {}
    for step in dict.fromkeys([*golden["steps"], *golden_files]):
        compared_here = [
            (name, _compare_one(step, name, entry, outputs, load, rtol, atol))
            for name, entry in golden["steps"].get(step, {}).items()
        ]
        for path, entry in golden_files.get(step, {}).items():
            found = compare_file(path, entry, written.get((step, path)), rtol=rtol, atol=atol)
            compared_here.append((f"file {path}", found))
        for name, (outcome, detail) in compared_here:
            compared += 1
            if outcome == LOOSE:
                loose.append(detail)
            elif outcome == SKIPPED:
                skipped.append(f"{step}.{name}")
            elif outcome != EXACT:
                difference = Difference(step, name, detail, outcome == TOLERANCE)
                differences.append(difference)
                if outcome == DIVERGED and first is None:
                    first = difference
    if first is not None:
        return Verdict(
            DIVERGED_STATUS,
            first.step,
            first.variable,
            first.detail,
            tuple(differences),
            compared,
            tuple(skipped),
        )
    unseeded = golden.get("unseeded")
    if unseeded or any(_nondeterministic(golden, item) for item in skipped):
        unseeded = unseeded or {"detail": "values differ between two runs of the notebook"}
        return Verdict(
            UNSEEDED_STATUS,
            unseeded.get("step"),
            unseeded.get("variable"),
            unseeded["detail"],
            tuple(differences),
            compared,
            tuple(skipped),
        )
    status = WITHIN_TOLERANCE if differences else REPRODUCED
    detail = "; ".join(loose)
    return Verdict(status, None, None, detail, tuple(differences), compared, tuple(skipped))


def _nondeterministic(golden: Mapping[str, Any], skipped: str) -> bool:
    step, name = skipped.split(".", 1)
    if name.startswith("file "):
        entry = (golden.get("files") or {}).get(step, {}).get(name[len("file ") :], {})
    else:
        entry = golden["steps"][step][name]
    return bool(entry.get("nondeterministic"))


def _run_files(
    result: PipelineResult | Mapping[str, Any],
) -> dict[tuple[str, str], tuple[Path, str]]:
    """(step, path) → (the file the run wrote, its sha256)."""
    if isinstance(result, Mapping):
        return {
            (entry["step"], entry["path"]): (Path(entry["file"]), entry["sha256"])
            for entry in result.get("files") or []
        }
    return {(f.step, f.path): (f.file, f.sha256) for f in result.files}


def _compare_one(
    step: str,
    name: str,
    entry: Mapping[str, Any],
    outputs: Mapping[str, tuple[Path, dict[str, SavedValue]]],
    load: Callable[[str, str], Any],
    rtol: float,
    atol: float,
) -> tuple[str, str]:
    if step not in outputs:
        return DIVERGED, "the pipeline has no such step"
    saved = outputs[step][1].get(name)
    if saved is None:
        return DIVERGED, "the step does not return it"
    try:
        return compare_value(
            step, name, entry, saved.kind, saved.fingerprint, load, rtol=rtol, atol=atol
        )
    except Exception as error:  # an unreadable cache entry is a failed reproduction
        return DIVERGED, f"cannot read it: {type(error).__name__}: {error}"


def final_metrics(plan: NotebookPlan, steps: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    """The golden metrics, chosen as the runner chooses a run's metrics: the floats of
    ``evaluate`` steps and the final float outputs named like metrics."""
    from workbench.pipelines.runtime._tracking import looks_like_metric

    metrics: dict[str, float] = {}
    for index, step in enumerate(plan.steps):
        later = {name for s in plan.steps[index + 1 :] for name in s.inputs}
        for name, entry in steps.get(step.name, {}).items():
            if entry.get("kind") != "float":
                continue
            final = name not in later
            if step.role == "evaluate" or (final and looks_like_metric(name)):
                metrics[name] = entry["value"]
    return metrics


def record_golden(
    notebook: str | Path,
    plan: NotebookPlan,
    *,
    check_randomness: bool = True,
    parallel: bool = True,
    timeout: float | None = None,
    on_cell: Callable[[], None] = lambda: None,
    seed: int | None = None,
    alongside: bool = False,
) -> dict[str, Any]:
    """Execute the notebook (twice with ``check_randomness``, at once when ``parallel``) in
    fresh kernels and return the golden values: ``steps`` (step → output → entry),
    ``files`` (step → path → the entry of a file it writes, see ``_files``),
    ``metrics``, ``warnings`` (unseeded randomness), ``randomness_checked``, the
    ``notebook_sha256`` they are of and, when two executions differ, ``unseeded``: the step,
    variable and unseeded call the verdict names (see ``_randomness.unseeded_verdict``).
    With ``seed``, the notebook runs with ``random_state=seed`` added to its unseeded
    estimators and splits, as ``export --seed`` generates the package. ``alongside``: another
    process (the package's run) shares the cores meanwhile.

    Raises:
        NotebookExecutionError: the notebook fails or times out (``timeout`` s per cell).
    """
    from workbench.pipelines.verify._execute import execute_notebook

    path = Path(notebook)
    runs = execute_notebook(
        path,
        plan,
        runs=2 if check_randomness else 1,
        parallel=parallel,
        timeout=timeout,
        on_cell=on_cell,
        seed=seed,
        alongside=alongside,
    )
    golden = {
        "format": GOLDEN_FORMAT,
        "notebook_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "randomness_checked": False,
        "seed": seed,
        "steps": runs[0]["steps"],
        **({"files": runs[0]["files"]} if runs[0].get("files") else {}),
        "metrics": final_metrics(plan, runs[0]["steps"]),
        "warnings": [f"while recording golden values: {error}" for error in runs[0]["errors"]],
    }
    if check_randomness:
        mark_randomness(golden, path, plan, runs[1])
    return golden


def mark_randomness(
    golden: dict[str, Any], notebook: Path, plan: NotebookPlan, other: Mapping[str, Any]
) -> dict[str, Any]:
    """Compare ``golden`` with the record of ``other`` execution of the notebook, in place:
    values and files that differ (and those made from them) are marked
    ``"nondeterministic"``, each step's unseeded randomness is a warning, and ``unseeded``
    names what the verdict names. Returns ``golden``."""
    from workbench.pipelines.verify._files import (
        file_randomness_warnings,
        file_unseeded_verdict,
        nondeterministic_files,
    )
    from workbench.pipelines.verify._randomness import (
        nondeterministic_values,
        randomness_warnings,
        unseeded_verdict,
    )

    steps, files = golden["steps"], golden.get("files") or {}
    found = nondeterministic_values(plan, steps, other["steps"])
    for item in found:
        for name in item.values:
            steps[item.step][name]["nondeterministic"] = True
    warnings = randomness_warnings(plan, notebook, found)
    unseeded = unseeded_verdict(plan, notebook, found)
    differing = nondeterministic_files(files, other.get("files") or {})
    for step, written in differing:
        files[step][written]["nondeterministic"] = True
    warnings += file_randomness_warnings(plan, notebook, differing)
    unseeded = unseeded or file_unseeded_verdict(plan, notebook, differing)
    golden["warnings"] = [*golden.get("warnings", ()), *warnings]
    golden["randomness_checked"] = True
    if unseeded:
        golden["unseeded"] = unseeded
    return golden
