"""``wb.export_notebook``: a notebook becomes a versioned pipeline package.

Analysis (:mod:`workbench.pipelines.analysis`), then versioning against the last export
into the same folder (:mod:`workbench.pipelines.package.versioning`), then generation
(:mod:`workbench.pipelines.package.generate`). Exporting an unchanged notebook writes nothing.

With ``verify=True`` the export also proves that the package reproduces the notebook (see
:mod:`workbench.pipelines.verify`): the notebook runs in a fresh kernel to record golden
values into the manifest — results, not code, so neither the fingerprint nor the version
change — then the package runs in a subprocess and is compared with them. Re-exporting an
unchanged notebook with ``verify=True`` reuses the golden values recorded for it. Without
``verify`` the verdict is ``"not verified"``, and a new or changed notebook's manifest has
an empty ``golden``, which the package's ``tests/test_reproduce.py`` skips.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.pipelines.analysis import NotebookPlan, analyze_notebook
from workbench.pipelines.analysis._cells import read_notebook_file
from workbench.pipelines.analysis._data_files import declare_inputs, folder_from_package
from workbench.pipelines.analysis._written_files import declare_outputs
from workbench.pipelines.package.generate import (
    build_manifest,
    check_name,
    default_name,
    package_name,
    render_package,
    write_package,
)
from workbench.pipelines.package.versioning import (
    VERSIONS_DIR,
    latest_record,
    next_version,
    package_problems,
    read_manifest,
    save_version,
)
from workbench.pipelines.verify._seeding import seed_plan, seeded_lines

if TYPE_CHECKING:
    from workbench.pipelines.verify import Verification

__all__ = ["ExportResult", "export_notebook"]

NOT_VERIFIED = "not verified"


@dataclass(frozen=True)
class ExportResult:
    """An exported pipeline.

    Attributes:
        path: the package folder, ``<out>/<name>``.
        name: the folder and distribution name; ``package`` is the import name.
        version: the package's version; ``previous_version`` the one it had before this
            export (None for a first export; equal to ``version`` when nothing changed).
        changed: False when the notebook's fingerprint matched the last export (no code
            was written; a verification may still record golden values).
        steps: the step names in run order.
        fingerprint: the notebook plan's content fingerprint.
        verdict: ``"reproduced"``, ``"within tolerance"``, ``"diverged at step X (variable
            Y: ...)"``, or ``"not verified"`` (exported without ``verify``, or the notebook
            itself failed to run).
        warnings: what the analysis did that the user should know, with cell and line, and
            what the verification found (unseeded randomness, with the line to fix).
        reasons: why the version changed, one line each.
        verification: the verification's details (None without ``verify``).
        seed: the ``random_state`` given to unseeded estimators and splits (``seed``), and
            ``seeded`` the calls it was added to, one line each with cell and line.
    """

    path: Path
    name: str
    package: str
    version: str
    previous_version: str | None
    changed: bool
    steps: tuple[str, ...]
    fingerprint: str
    verdict: str
    warnings: tuple[str, ...]
    reasons: tuple[str, ...] = ()
    verification: Verification | None = None
    seed: int | None = None
    seeded: tuple[str, ...] = ()


def _source_label(notebook: Path, home: Path) -> str:
    """The notebook's path relative to the project, or its file name when outside it."""
    try:
        return notebook.resolve().relative_to(home).as_posix()
    except ValueError:
        return notebook.name


# Whether an export proves the package reproduces the notebook unless told otherwise: the one
# default of wb.export_notebook, `workbench export` and the JupyterLab export endpoint. An
# export is worth having when it is proven; the toolbar button asks for verify=False.
VERIFY_BY_DEFAULT = True


def export_notebook(
    path: str | Path,
    name: str | None = None,
    out: str | Path = "pipelines",
    *,
    show_progress: bool = False,
    verify: bool = VERIFY_BY_DEFAULT,
    check_randomness: bool = True,
    timeout: float | None = None,
    seed: int | None = None,
) -> ExportResult:
    """Export a notebook as the pipeline package ``<out>/<name>/``.

    Args:
        path: the ``.ipynb`` file.
        name: the package folder and distribution name (default: from the notebook's file
            name, ``Breast Cancer.ipynb`` → ``breast-cancer``); the import name is the same
            with ``_`` for ``-``.
        out: where packages go; a relative folder is taken in the project home.
        show_progress: show progress bars of the export and of the verification.
        verify: prove the package reproduces the notebook: execute the notebook in a fresh
            kernel (in its folder) to record golden values, run the package (a tracked run
            with a registered model, like ``python -m <pkg> run --no-cache``) and compare.
            Costs the notebook's execution time plus a few seconds.
        check_randomness: with ``verify``, execute the notebook twice, in two kernels at
            the same time (twice the CPU and memory), to find values that differ between
            runs (unseeded randomness) and name the line to fix.
        timeout: with ``verify``, seconds each notebook cell may take (None: no limit, as
            ``jupyter nbconvert --execute``).
        seed: add ``random_state=seed`` to the notebook's scikit-learn estimators, splits
            and shuffling splitters that have none, in the package (the notebook file is
            left alone) and in the notebook's verification run, so both draw the same
            numbers. The seed is part of the fingerprint; the manifest records it and the
            calls seeded. Global generators (``np.random.rand``) are left for you to seed.

    Raises:
        AnalysisError: the notebook uses code the analysis cannot follow (the message
            names the cell and line), or the file is not a notebook (the message names the
            file and the fix).
        FileNotFoundError: no such notebook.

    Example:
        >>> import workbench as wb
        >>> result = wb.export_notebook("notebooks/churn.ipynb", verify=True)  # doctest: +SKIP
        >>> result.version, result.steps, result.verdict  # doctest: +SKIP
        ('1.0.0', ('load', 'features', 'train', 'evaluate'), 'reproduced')
    """
    from tqdm.auto import tqdm

    from workbench.store import location

    notebook = Path(path)
    node = read_notebook_file(notebook)
    name = check_name(name or default_name(notebook))
    home = location.project_home()
    folder = (Path(out) if Path(out).is_absolute() else home / out) / name
    source = _source_label(notebook, home)
    with tqdm(total=3, desc=f"export {name}", disable=not show_progress) as progress:
        progress.set_postfix_str("analysing")
        raw = notebook.read_bytes()
        plan = analyze_notebook(node)
        plan, inputs, input_warnings = declare_inputs(plan, node, notebook)
        plan, files, file_warnings = declare_outputs(plan, node)
        input_warnings += file_warnings
        seeded: list[dict[str, Any]] = []
        if seed is not None:
            plan, seeded = seed_plan(plan, node, seed)
        package = package_name(name, plan)
        progress.update()
        progress.set_postfix_str("versioning")
        warnings = [*plan.warnings, *input_warnings]
        if recover_interrupted(folder):
            warnings.append(f"an earlier export of {name} was interrupted; finished or undone it")
        previous, problems = _previous_export(folder, package)
        if previous is not None and previous["notebook"]["source"] != source:
            warnings.append(
                f"{name} was exported from {previous['notebook']['source']}; now from {source}"
            )
        progress.update()
        progress.set_postfix_str("writing")
        reasons: tuple[str, ...] = ()
        if previous is not None and previous["fingerprint"] == plan.fingerprint and not problems:
            changed, version = False, str(previous["version"])
        else:
            changed = True
            extra = {
                "seed": seed,
                "seeded": seeded,
                "inputs": inputs,
                "files": files,
                "folder_from_package": folder_from_package(notebook, folder),
            }
            version, reasons = _write(
                folder, plan, name, package, raw, source, previous, tuple(problems), extra
            )
        progress.update()
    verification = None
    if verify:
        from workbench.pipelines.verify._verification import verify_export

        verification = verify_export(
            folder,
            package,
            notebook,
            plan,
            check_randomness=check_randomness,
            timeout=timeout,
            show_progress=show_progress,
            seed=seed,
        )
        warnings += verification.warnings
    return ExportResult(
        path=folder,
        name=name,
        package=package,
        version=version,
        previous_version=previous["version"] if previous else None,
        changed=changed,
        steps=tuple(step.name for step in plan.steps),
        fingerprint=plan.fingerprint,
        verdict=verification.verdict.label if verification else NOT_VERIFIED,
        warnings=tuple(warnings),
        reasons=reasons,
        verification=verification,
        seed=seed,
        seeded=tuple(seeded_lines(seeded, seed)) if seed is not None else (),
    )


def _previous_export(folder: Path, package: str) -> tuple[dict[str, Any] | None, list[str]]:
    """The manifest of the last export into ``folder`` and what is missing from its package.

    A manifest cut short falls back to the newest version record; a package of another
    name in the folder counts as no previous export (its history starts afresh).
    """
    try:
        previous = read_manifest(folder)
    except (OSError, ValueError):
        previous = None
    if previous is not None:
        problems = package_problems(folder, previous)
    else:
        previous = latest_record(folder)
        problems = ["its manifest.json is missing or cut short"]
    if previous is None or previous.get("package") != package:
        return None, []
    return previous, problems


def _write(
    folder: Path,
    plan: NotebookPlan,
    name: str,
    package: str,
    raw: bytes,
    source: str,
    previous: dict[str, Any] | None,
    problems: tuple[str, ...] = (),
    extra: dict[str, Any] | None = None,
) -> tuple[str, tuple[str, ...]]:
    """Write the package of a new, changed or incomplete export: (its version, why it was
    written). The package is staged beside ``folder`` and renamed into place."""
    manifest = build_manifest(
        plan,
        name=name,
        package=package,
        notebook_sha256=hashlib.sha256(raw).hexdigest(),
        notebook_source=source,
        **(extra or {}),
    )
    if previous is not None and previous["fingerprint"] == plan.fingerprint:
        # The same notebook: finish the incomplete package under its version.
        version, reasons = (
            str(previous["version"]),
            tuple(f"repaired an incomplete export: {problem}" for problem in problems),
        )
        manifest["change"] = previous.get("change")
        manifest["golden"] = previous.get("golden") or {}
    else:
        change = next_version(previous, manifest)
        version, reasons = change.version, change.reasons
        manifest["change"] = {
            "from": change.previous_version,
            "level": change.level,
            "reasons": list(change.reasons),
        }
    manifest["version"] = version
    with _staged(folder) as staging:
        write_package(staging, render_package(plan, manifest, raw), package)
        kept = staging / VERSIONS_DIR / f"{previous['version']}.json" if previous else None
        if kept is not None and previous is not None and not kept.is_file():
            save_version(staging, previous)  # the history an interrupted export left out
        save_version(staging, manifest)
    return version, reasons


def _sibling(folder: Path, kind: str, token: str = "*") -> Path:
    return folder.with_name(f".{folder.name}.{kind}-{token}")


@contextlib.contextmanager
def _staged(folder: Path) -> Iterator[Path]:
    """A copy of ``folder`` to write into; once written it replaces ``folder`` by two renames,
    which :func:`recover_interrupted` completes when the export is killed between them."""
    token = uuid.uuid4().hex[:12]
    staging = _sibling(folder, "staging", token)
    if folder.is_dir():
        shutil.copytree(folder, staging, symlinks=True)
    else:
        staging.mkdir(parents=True)
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if folder.exists():
        retired = _sibling(folder, "old", token)
        os.rename(folder, retired)
        os.rename(staging, folder)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.rename(staging, folder)


def recover_interrupted(folder: Path) -> bool:
    """Finish or undo an export of ``folder`` that was killed: put the package in place if a
    kill came between the two renames, and remove half-written staging folders. True when
    an interrupted export was found."""
    parent = folder.parent
    if not parent.is_dir():
        return False
    retired = sorted(parent.glob(_sibling(folder, "old").name))
    leftovers = [*retired, *parent.glob(_sibling(folder, "staging").name)]
    for old in retired:
        if not folder.exists():  # killed between the renames: the staged copy is complete
            staged = _sibling(folder, "staging", old.name.rsplit("-", 1)[1])
            os.rename(staged if staged.is_dir() else old, folder)
    for leftover in leftovers:
        shutil.rmtree(leftover, ignore_errors=True)
    return bool(leftovers)
