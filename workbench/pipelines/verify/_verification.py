"""Verify an exported package: golden values from the notebook, a run of the package, the
comparison. ``export_notebook(..., verify=True)`` calls :func:`verify_export`.

The package runs in a subprocess (``python -m <pkg> run --no-cache --report-json PATH``
with ``PYTHONPATH=<folder>/src``, in the notebook's folder and the project's
``WORKBENCH_HOME``) started first, so it runs while the notebook executes in its kernels —
unless the notebook writes files (``df.to_csv(...)``, ``joblib.dump``, ``plt.savefig``): then
the package and the second execution of the notebook each run in a copy of the notebook's
folder made before anything ran, so none reads another's files (without a copy — a folder
too big, a path above it — they run one after the other in the folder). The files the
package declares it writes go to an output folder of its own, compared with those the
notebook's first execution wrote (see ``_files``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from workbench.pipelines.analysis._plan import NotebookPlan
from workbench.pipelines.verify import (
    DIVERGED_STATUS,
    GOLDEN_FORMAT,
    NOT_VERIFIED,
    UNSEEDED_STATUS,
    Verdict,
    Verification,
    compare_to_golden,
    mark_randomness,
    record_golden,
)

__all__ = ["verify_export"]


class _PackageRun:
    """``python -m <pkg> run --no-cache`` in a subprocess, writing its report to a file."""

    def __init__(
        self, folder: Path, package: str, workdir: Path, cwd: Path, alongside: bool = False
    ) -> None:
        from workbench.pipelines.verify._execute import SHARED_CORES_ENV
        from workbench.store import location

        self.report = workdir / "report.json"
        self._stderr: IO[bytes] = (workdir / "stderr.txt").open("wb")
        source = str(folder / "src")
        path = os.environ.get("PYTHONPATH")
        env = {
            **(SHARED_CORES_ENV if alongside else {}),  # kernels run meanwhile
            **os.environ,
            "PYTHONPATH": source + (os.pathsep + path if path else ""),
            "WORKBENCH_HOME": str(location.project_home()),
        }
        command = [sys.executable, "-m", package, "run", "--no-cache", "--quiet"]
        manifest = json.loads((folder / "src" / package / "manifest.json").read_text())
        if manifest.get("files"):  # older packages have no --output-dir (and write no files)
            command += ["--output-dir", str(workdir / "outputs")]
        self.process = subprocess.Popen(
            [*command, "--report-json", str(self.report)],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )

    def wait(self) -> tuple[dict[str, Any] | None, str]:
        """(the run's report, or None when it wrote none; the end of its stderr)."""
        code = self.process.wait()
        self._stderr.close()
        errors = Path(self._stderr.name).read_text(errors="replace").strip().splitlines()
        tail = errors[-1] if errors else f"exit code {code}"
        if not self.report.is_file():
            return None, tail
        report: dict[str, Any] = json.loads(self.report.read_text())
        return report, tail

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._stderr.close()


def _write_golden(folder: Path, manifest_path: Path, golden: dict[str, Any]) -> None:
    """Put ``golden`` into the package's manifest (and the kept copy of its version):
    results, not code, so neither the fingerprint nor the version change."""
    _update_manifest(folder, manifest_path, golden=golden)


def _write_verdict(folder: Path, manifest_path: Path, verdict: Verdict, run_id: str | None) -> None:
    """Record the last verification's verdict in the manifest (the dashboard, the JupyterLab
    notification and ``workbench pipelines show`` read it from there)."""
    import datetime

    _update_manifest(
        folder,
        manifest_path,
        verification={
            "verdict": verdict.label,
            "status": verdict.status,
            "step": verdict.step,
            "detail": verdict.detail,
            "run_id": run_id,
            "verified_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        },
    )


def _update_manifest(folder: Path, manifest_path: Path, **values: Any) -> None:
    from workbench.pipelines.package.versioning import VERSIONS_DIR

    manifest = json.loads(manifest_path.read_text())
    manifest.update(values)
    kept = folder / VERSIONS_DIR / f"{manifest['version']}.json"
    for path in (manifest_path, kept):
        if path == kept and not path.is_file():
            continue
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(json.dumps(manifest, indent=2) + "\n")
        os.replace(partial, path)


def _needs_recording(
    golden: dict[str, Any],
    notebook_sha256: str,
    check_randomness: bool,
    seed: int | None,
    plan: NotebookPlan,
) -> bool:
    return (
        not golden.get("steps")
        or (any(step.files for step in plan.steps) and "files" not in golden)
        or golden.get("seed") != seed
        or golden.get("notebook_sha256") != notebook_sha256
        or golden.get("format", 1) < GOLDEN_FORMAT  # older golden values lack model behaviour
        or (check_randomness and not golden.get("randomness_checked"))
    )


@contextlib.contextmanager
def _importable(folder: Path, package: str) -> Iterator[None]:
    """The package importable while its run is compared (a saved model may hold one of its
    functions, ``<package>.shared.f``), and forgotten afterwards."""
    source, before = str(folder / "src"), set(sys.modules)
    sys.path.insert(0, source)
    try:
        yield
    finally:
        sys.path.remove(source)
        for name in set(sys.modules) - before:
            if name == package or name.startswith(f"{package}."):
                del sys.modules[name]


def _explained_by_randomness(
    plan: NotebookPlan, notebook: Path, verdict: Verdict, seed: int | None
) -> Verdict:
    """A divergence at a step that draws random numbers without a seed (in its cells or the
    notebook functions it calls) is that randomness, even when the notebook's own two
    executions drew alike: the verdict names the call to seed (with ``export --seed``, one
    the seed did not reach)."""
    from workbench.pipelines.verify._randomness import step_calls

    if verdict.status != DIVERGED_STATUS or verdict.step not in {s.name for s in plan.steps}:
        return verdict
    calls = step_calls(plan, notebook, verdict.step)
    if seed is not None:  # estimators and splits got random_state=seed in both runs
        calls = [call for call in calls if call.missing != "random_state"]
    if not calls:
        return verdict
    more = f" (and {len(calls) - 1} more)" if len(calls) > 1 else ""
    return dataclasses.replace(verdict, status=UNSEEDED_STATUS, detail=f"{calls[0]}{more}")


def _write_values_section(folder: Path, manifest_path: Path, report: dict[str, Any] | None) -> None:
    """Rewrite the README's list of values kept in memory: those the pipeline's run kept
    (a model holding a notebook function is kept in the kernel but saved by the package),
    else those of the notebook's run."""
    from workbench.pipelines.package._readme import update_values_section

    manifest = json.loads(manifest_path.read_text())
    if report is not None and "steps" in report:
        kinds = {
            step["name"]: {
                name: {"kind": saved["kind"], "type": saved.get("flavor") or ""}
                for name, saved in step["outputs"].items()
            }
            for step in report["steps"]
        }
        manifest = {**manifest, "golden": {**manifest.get("golden", {}), "steps": kinds}}
    update_values_section(folder, manifest)


def _randomness_foreseen(plan: NotebookPlan, notebook: Path, seed: int | None) -> bool:
    """The notebook has unseeded random calls that the analysis sees (those ``seed`` does
    not fix): a second execution is worth running at once, beside the first."""
    from workbench.pipelines.verify._randomness import unseeded_calls

    cells = {cell for step in plan.steps for cell in step.cells}
    cells |= {definition.cell for definition in plan.definitions}
    calls = unseeded_calls(notebook, cells)
    if seed is not None:  # estimators and splits got random_state=seed
        calls = [call for call in calls if call.missing != "random_state"]
    return bool(calls)


def verify_export(
    folder: Path,
    package: str,
    notebook: Path,
    plan: NotebookPlan,
    *,
    check_randomness: bool = True,
    timeout: float | None = None,
    show_progress: bool = False,
    seed: int | None = None,
) -> Verification:
    """Record the notebook's golden values into the package in ``folder`` unless it already
    has those of this notebook, run the package and compare (see :mod:`.verify`). Pass the
    ``seed`` the package was generated with (``export --seed N``): the notebook then runs
    with the same ``random_state`` added.

    The randomness check costs an execution only when it can tell something: when the
    analysis sees unseeded random calls, the notebook runs twice at once (beside the
    package); otherwise once, and only if the package's run then differs from it does it
    run a second time, to tell randomness the analysis cannot see from a divergence. A
    package whose run gives the notebook's values was that second execution.
    """
    from tqdm.auto import tqdm

    from workbench.pipelines.verify._execute import (
        NotebookExecutionError,
        cells_per_run,
        execute_notebook,
        scratch_folder,
        writes_files,
    )

    manifest_path = folder / "src" / package / "manifest.json"
    golden: dict[str, Any] = json.loads(manifest_path.read_text()).get("golden") or {}
    digest = hashlib.sha256(notebook.read_bytes()).hexdigest()
    record = _needs_recording(golden, digest, check_randomness, seed, plan)
    eager = record and check_randomness and _randomness_foreseen(plan, notebook, seed)
    lazy = record and check_randomness and not eager
    per_run = cells_per_run(notebook, plan) if record else 0
    seconds: dict[str, float] = {}
    cwd = notebook.resolve().parent
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="workbench-verify-") as tmp,
        tqdm(
            total=per_run * (2 if eager else 1) + 2,
            desc=f"verify {package}",
            disable=not show_progress,
        ) as progress,
    ):
        concurrent = not writes_files(notebook)
        second: Path | None = None  # a fresh copy of the folder for a later second execution
        if not concurrent and record:  # the package runs on a fresh copy, as the notebook does
            scratch = scratch_folder(notebook, Path(tmp) / "folder")
            if scratch is not None:
                cwd, concurrent = scratch.parent, True
                if lazy:
                    again = scratch_folder(notebook, Path(tmp) / "folder-again")
                    second = again.parent if again is not None else None
        package_run = (
            _PackageRun(folder, package, Path(tmp), cwd, alongside=record) if concurrent else None
        )
        try:
            if record:
                kernels = "in two kernels" if eager else "in a kernel"
                progress.set_postfix_str(f"executing the notebook {kernels}")
                try:
                    golden = record_golden(
                        notebook,
                        plan,
                        check_randomness=eager,
                        timeout=timeout,
                        on_cell=progress.update,
                        seed=seed,
                        alongside=package_run is not None,
                    )
                except NotebookExecutionError as error:
                    verdict = Verdict(NOT_VERIFIED, detail=str(error))
                    warning = f"not verified: {error}"
                    return Verification(verdict, False, False, (warning,))
                _write_golden(folder, manifest_path, golden)
                seconds["execute"] = time.perf_counter() - started
            progress.set_postfix_str("running the pipeline")
            if package_run is None:
                package_run = _PackageRun(folder, package, Path(tmp), cwd)
            report, problem = package_run.wait()
        finally:
            if package_run is not None:
                package_run.stop()
        seconds["run"] = time.perf_counter() - started - seconds.get("execute", 0.0)
        progress.update()
        progress.set_postfix_str("comparing")
        compared = time.perf_counter()
        verdict = _verdict(folder, package, plan, notebook, report, problem, golden, seed)
        seconds["compare"] = time.perf_counter() - compared
        if lazy and report is not None and verdict.status == DIVERGED_STATUS:
            # Randomness the analysis cannot see, or a divergence? Ask the notebook again.
            progress.total += per_run
            progress.set_postfix_str("executing the notebook again")
            again_started = time.perf_counter()
            try:
                other = execute_notebook(
                    notebook,
                    plan,
                    timeout=timeout,
                    on_cell=progress.update,
                    seed=seed,
                    folder=second,
                )[0]
            except NotebookExecutionError as error:
                golden["warnings"] = [
                    *golden.get("warnings", ()),
                    f"the randomness check did not run: {error}",
                ]
            else:
                mark_randomness(golden, notebook, plan, other)
                verdict = _verdict(folder, package, plan, notebook, report, problem, golden, seed)
            seconds["execute_again"] = time.perf_counter() - again_started
            _write_golden(folder, manifest_path, golden)
        elif lazy and report is not None:
            golden["randomness_checked"] = True  # the package's run was the second execution
            _write_golden(folder, manifest_path, golden)
        progress.update()
        progress.set_postfix_str(verdict.label[:40])
        _write_verdict(folder, manifest_path, verdict, report.get("run_id") if report else None)
        _write_values_section(folder, manifest_path, report)
    warnings = list(golden.get("warnings", ()))
    return Verification(
        verdict=verdict,
        golden_recorded=record,
        randomness_checked=bool(golden.get("randomness_checked")),
        warnings=tuple(warnings),
        run_id=report.get("run_id") if report else None,
        seconds=seconds,
    )


def _verdict(
    folder: Path,
    package: str,
    plan: NotebookPlan,
    notebook: Path,
    report: dict[str, Any] | None,
    problem: str,
    golden: dict[str, Any],
    seed: int | None,
) -> Verdict:
    """The package's run (its report, or the end of its stderr) against ``golden``."""
    if report is None:
        return Verdict(DIVERGED_STATUS, detail=f"the pipeline did not run: {problem}")
    with _importable(folder, package):
        verdict = compare_to_golden(report, golden)
    return _explained_by_randomness(plan, notebook, verdict, seed)
