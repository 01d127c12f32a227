"""Export under failure: killed half-way, or given something that is not a notebook.

An export killed at any point leaves the last complete package in place (or no package
yet), and the next export finishes the job: it never reports a half-written package as
"up to date", and `pipelines diff` and the package's own `run` work afterwards. Bad input
is one clear line naming the file and the fix, exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.pipelines.analysis import analyze_notebook
from workbench.pipelines.package.versioning import package_problems, read_manifest

runner = CliRunner()

FIRST = ["N = 5", "values = list(range(N))", "total = sum(values)"]
SECOND = ["N = 5", "values = list(range(N))", "total = sum(values) * 2"]

# Runs an export in a child process that stops at `point` (touching `marker`) until killed.
_PAUSED_EXPORT = """
import os, pathlib, sys, time
notebook, point, marker = sys.argv[1:]
import workbench.pipelines.export as export
import workbench.pipelines.package.generate as generate

def pause(*_):
    pathlib.Path(marker).touch()
    time.sleep(300)

if point == "formatting":
    generate.format_python = pause
elif point == "step_module":
    write_bytes = pathlib.Path.write_bytes
    def cut_short(path, data):
        if path.parent.name == "steps" and path.name != "__init__.py":
            write_bytes(path, data[: len(data) // 2])
            pause()
        return write_bytes(path, data)
    pathlib.Path.write_bytes = cut_short
elif point == "version_record":
    export.save_version = pause
elif point == "swap":
    rename = os.rename
    def rename_then_pause(source, target):
        rename(source, target)
        if ".old-" in str(target):
            pause()
    os.rename = rename_then_pause
export.export_notebook(notebook, verify=False)
"""


def _write_notebook(path: Path, cells: list[str]) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(notebook, path)
    return path


def _export(notebook: Path) -> str:
    result = runner.invoke(app, ["export", str(notebook), "--no-verify"])
    assert result.exit_code == 0, result.output
    return result.output


def _kill_export_at(project: Path, notebook: Path, point: str) -> None:
    marker = project / f"paused-at-{point}"
    child = subprocess.Popen(
        [sys.executable, "-c", _PAUSED_EXPORT, str(notebook), point, str(marker)], cwd=project
    )
    deadline = time.monotonic() + 120
    try:
        while not marker.exists():
            assert child.poll() is None, f"the export finished without reaching {point}"
            assert time.monotonic() < deadline, f"the export never reached {point}"
            time.sleep(0.05)
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
        child.wait()


def _run_package(project: Path, folder: Path, package: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(folder / "src")}
    return subprocess.run(
        [sys.executable, "-m", package, "run", "--quiet"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _assert_complete(project: Path, version: str) -> None:
    folder = project / "pipelines" / "totals"
    manifest = read_manifest(folder)
    assert manifest is not None and manifest["version"] == version
    assert package_problems(folder, manifest) == []
    assert sorted(p.name for p in (project / "pipelines").iterdir()) == ["totals"]


@pytest.mark.parametrize("point", ["formatting", "step_module", "version_record", "swap"])
def test_an_export_killed_half_way_is_finished_by_the_next(
    sqlite_project: Path, point: str
) -> None:
    notebook = _write_notebook(sqlite_project / "totals.ipynb", FIRST)
    _export(notebook)
    _write_notebook(notebook, SECOND)
    _kill_export_at(sqlite_project, notebook, point)

    output = _export(notebook)
    if point == "swap":  # killed between the two renames: the staged package was complete
        assert "was interrupted" in output and "totals 1.0.1 is up to date" in output
    else:
        assert "up to date" not in output
        assert "Exported totals 1.0.1 (was 1.0.0)" in output
    _assert_complete(sqlite_project, "1.0.1")
    diff = runner.invoke(app, ["pipelines", "diff", "totals", "1.0.0", "1.0.1", "--json"])
    assert diff.exit_code == 0, diff.output
    assert json.loads(diff.output)["level"] == "patch"
    ran = _run_package(sqlite_project, sqlite_project / "pipelines" / "totals", "totals")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "up to date" in _export(notebook)


def test_a_first_export_killed_half_way_leaves_no_package(sqlite_project: Path) -> None:
    notebook = _write_notebook(sqlite_project / "totals.ipynb", FIRST)
    _kill_export_at(sqlite_project, notebook, "version_record")
    listed = runner.invoke(app, ["pipelines", "list", "--json"])
    assert listed.exit_code == 0 and json.loads(listed.output) == []
    assert "Exported totals 1.0.0 to" in _export(notebook)
    _assert_complete(sqlite_project, "1.0.0")


def _drop_version_record(folder: Path) -> None:
    (folder / ".versions" / "1.0.1.json").unlink()


def _cut_step_module(folder: Path) -> None:
    manifest = read_manifest(folder)
    assert manifest is not None
    module = folder / "src" / "totals" / "steps" / f"{manifest['steps'][-1]['name']}.py"
    module.write_bytes(module.read_bytes()[:40])


def _cut_manifest(folder: Path) -> None:
    manifest = folder / "src" / "totals" / "manifest.json"
    manifest.write_bytes(manifest.read_bytes()[:100])


@pytest.mark.parametrize(
    "damage", [_drop_version_record, _cut_step_module, _cut_manifest], ids=lambda f: f.__name__
)
def test_a_package_left_incomplete_by_an_earlier_workbench_is_repaired(
    sqlite_project: Path, damage: object
) -> None:
    notebook = _write_notebook(sqlite_project / "totals.ipynb", FIRST)
    _export(notebook)
    _write_notebook(notebook, SECOND)
    _export(notebook)
    assert callable(damage)
    damage(sqlite_project / "pipelines" / "totals")

    output = _export(notebook)
    assert "up to date" not in output and "repaired an incomplete export" in output
    _assert_complete(sqlite_project, "1.0.1")
    diff = runner.invoke(app, ["pipelines", "diff", "totals", "1.0.0", "1.0.1"])
    assert diff.exit_code == 0, diff.output
    assert "up to date" in _export(notebook)


# -- input that is not a notebook ------------------------------------------------------------


def _code_cell_without_source(path: Path) -> None:
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
    path.write_text(json.dumps(notebook))


BAD_INPUT = {
    "json_not_a_notebook": (
        lambda path: path.write_text('{"name": "data", "rows": [1, 2]}'),
        "is JSON but not a Jupyter notebook",
    ),
    "json_list": (lambda path: path.write_text("[1, 2]"), "is JSON but not a Jupyter notebook"),
    "text": (lambda path: path.write_text("print('hello')\n"), "is not JSON"),
    "binary": (lambda path: path.write_bytes(b"\x89PNG\r\n\x1a\n\xff"), "not UTF-8 text"),
    "empty": (lambda path: path.write_bytes(b""), "is empty, not a notebook"),
    "folder": (lambda path: path.mkdir(), "is a folder, not a notebook"),
    "missing": (lambda path: None, "no such file; check the path"),
    "newer_nbformat": (
        lambda path: path.write_text('{"cells": [], "metadata": {}, "nbformat": 5}'),
        "save it as nbformat 4",
    ),
    "code_cell_without_source": (_code_cell_without_source, "cell 1 has no `source`"),
    "cells_not_a_list": (
        lambda path: path.write_text('{"cells": {}, "metadata": {}, "nbformat": 4}'),
        "`cells` is not a list of cells",
    ),
}


def test_reading_a_notebook_does_not_import_nbformat(sqlite_project: Path) -> None:
    # nbformat imports jsonschema's format checkers: seconds per export on a busy machine.
    path = sqlite_project / "totals.ipynb"
    _write_notebook(path, FIRST)
    script = (
        "import sys\nfrom workbench.pipelines.analysis import analyze_notebook\n"
        f"steps = analyze_notebook({str(path)!r}).steps\n"
        "print(len(steps), 'nbformat' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == [str(len(analyze_notebook(path).steps)), "False"]


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_input_that_is_not_a_notebook_is_one_clear_line(sqlite_project: Path, case: str) -> None:
    make, message = BAD_INPUT[case]
    path = sqlite_project / "analysis.ipynb"
    make(path)
    result = runner.invoke(app, ["export", str(path)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    assert message in lines[0] and "analysis.ipynb" in lines[0]
    assert not (sqlite_project / "pipelines").exists()


def test_a_folder_of_notebooks_names_them(sqlite_project: Path) -> None:
    folder = sqlite_project / "notebooks"
    folder.mkdir()
    _write_notebook(folder / "churn.ipynb", FIRST)
    result = runner.invoke(app, ["export", str(folder)])
    assert result.exit_code == 2 and "pass the .ipynb file: one of churn.ipynb" in result.output


def test_an_nbformat_3_notebook_is_upgraded_and_exported(sqlite_project: Path) -> None:
    import nbformat.v3 as v3

    cells = [v3.new_code_cell(input=source) for source in FIRST]
    old = v3.new_notebook(worksheets=[v3.new_worksheet(cells=cells)])
    notebook = sqlite_project / "totals.ipynb"
    notebook.write_text(nbformat.writes(old, version=3))
    assert json.loads(notebook.read_text())["nbformat"] == 3

    assert "Exported totals 1.0.0 to" in _export(notebook)
    _assert_complete(sqlite_project, "1.0.0")
    ran = _run_package(sqlite_project, sqlite_project / "pipelines" / "totals", "totals")
    assert ran.returncode == 0, ran.stdout + ran.stderr
