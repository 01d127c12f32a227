"""Real public notebooks (the corpus in ``../shared/corpus``, described by its SOURCES.md)
export and verify through the public API: each reproduces, exactly or within tolerance, or,
for a notebook whose results differ between two runs, the export reports the unseeded
randomness. ``benchmarks/corpus.py`` measures the same over the corpus, with timings.

The corpus is third-party code and is never copied into this repository: each test copies
one notebook's folder into its own temporary project. Without the corpus the tests fail in
CI and are skipped on a developer machine (``WORKBENCH_CORPUS`` points elsewhere).

``KNOWN_FAILURES`` marks the notebooks the exporter does not handle yet (strict xfail, so a
fix shows up as XPASS and the mark must go).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from projects import isolated_project

from workbench.pipelines.analysis import AnalysisError
from workbench.pipelines.export import ExportResult, export_notebook

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("WORKBENCH_CORPUS") or ROOT.parent / "shared" / "corpus")
# How the verification words unseeded randomness (see workbench/pipelines/verify/).
RANDOMNESS_MARKERS = ("unseeded randomness", "between two runs", "without a seed")
OK_STATUSES = ("reproduced", "within tolerance")
UNSEEDED = "unseeded randomness"

# notebook → "<failure class>: <cause>" (the triage of benchmarks/corpus.py); remove a mark
# when its fix lands.
KNOWN_FAILURES: dict[str, str] = {}


def corpus_folders() -> list[str]:
    if not CORPUS.is_dir():
        return []
    return sorted(p.name for p in CORPUS.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def unseeded_marks() -> dict[str, bool]:
    """Folder → True when SOURCES.md marks it unseeded (its 7th ``|`` field)."""
    marks = {}
    for line in (CORPUS / "SOURCES.md").read_text().splitlines():
        fields = [field.strip() for field in line.split(" | ")]
        if len(fields) >= 7 and (CORPUS / fields[0]).is_dir():
            marks[fields[0]] = fields[6].lower().startswith("unseeded")
    return marks


def require_corpus() -> None:
    if (CORPUS / "SOURCES.md").is_file():
        return
    message = f"no real-notebook corpus at {CORPUS} (set WORKBENCH_CORPUS)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}: CI must provide it")
    pytest.skip(message)


def corpus_params() -> list[object]:
    return [
        pytest.param(
            name,
            id=name,
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[name])]
            if name in KNOWN_FAILURES
            else [],
        )
        for name in corpus_folders()
    ]


def copy_notebook(name: str, into: Path) -> Path:
    """A fresh copy of the corpus folder ``name`` under ``into``; its notebook's path."""
    folder = into / name
    shutil.copytree(CORPUS / name, folder)
    for path in (folder, *folder.rglob("*")):  # the corpus is read-only; a user's copy is not
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    (notebook,) = folder.glob("*.ipynb")
    return notebook


def randomness_reports(result: ExportResult) -> list[str]:
    return [w for w in result.warnings if any(marker in w for marker in RANDOMNESS_MARKERS)]


def test_the_corpus_is_there_and_every_known_failure_names_one_of_its_notebooks() -> None:
    require_corpus()
    folders = corpus_folders()
    assert len(folders) >= 20, f"the corpus at {CORPUS} lost notebooks: {folders}"
    assert set(unseeded_marks()) == set(folders), "SOURCES.md must describe every folder"
    assert not set(KNOWN_FAILURES) - set(folders), "an xfail mark names no corpus notebook"


# jm_pipeline_coltransformer_wine (a 521-candidate grid search) takes about 10 minutes here:
# the notebook twice for the randomness check, and the package once.
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("name", corpus_params())
def test_a_real_notebook_exports_and_its_package_reproduces_it(name: str, tmp_path: Path) -> None:
    require_corpus()
    unseeded = unseeded_marks()[name]
    notebook = copy_notebook(name, tmp_path)
    with isolated_project(tmp_path):
        try:
            result = export_notebook(notebook, verify=True)
        except AnalysisError as error:
            pytest.fail(f"cannot export {name}: {error}")
    assert result.verification is not None
    verdict = result.verification.verdict
    reports = randomness_reports(result)
    if verdict.status == UNSEEDED:
        reports.append(verdict.label)  # the verdict itself names the unseeded call
    said = f"verdict: {result.verdict}\nwarnings:\n" + "\n".join(result.warnings)
    if unseeded:
        assert reports, f"{name} is unseeded but no randomness was reported; {said}"
        assert verdict.ok or verdict.status == "diverged", said
        assert re.search(r"cell \d+", "\n".join(reports)), f"no cell named; {said}"
    else:
        assert verdict.status in OK_STATUSES, said
        assert not reports, f"{name} is deterministic but was reported random; {said}"


@pytest.mark.timeout(900)
def test_a_notebook_failing_on_a_missing_data_file_gets_a_message_naming_the_cell(
    tmp_path: Path,
) -> None:
    """A real notebook whose data file is gone: the user reads which cell failed and why,
    not a Python traceback."""
    require_corpus()
    notebook = copy_notebook("parhamde_bike_lgbm_workingday", tmp_path)
    (notebook.parent / "bike.csv").unlink()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "export", notebook.name, "--verify"],
        cwd=notebook.parent,
        env={**env, "WORKBENCH_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = done.stdout + done.stderr
    assert done.returncode in (1, 2), output
    assert "Traceback (most recent call last)" not in output
    assert re.search(r"cell \d+", output), output
    assert "bike.csv" in output, output
