"""An exported package depends on one narrow part of workbench, ``workbench.pipelines.runtime``:
running it loads nothing of the notebook analysis, the generator, the verifier or retraining,
so those can change under it. Packages exported before the subpackages existed import the old
paths (``workbench.pipelines.runner``, ``.inputs``, ``.verify``) and keep running."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import nbformat.v4 as nbf
import pandas as pd
import pytest

import workbench.pipelines
from workbench.pipelines.export import ExportResult, export_notebook

RUNTIME = "workbench.pipelines.runtime"
ABOVE_RUNTIME = ("analysis", "package", "retrain", "verify")

# The subpackages of workbench.pipelines and what each may import from its siblings
# (export.py and catalog.py, at the top, orchestrate them).
LAYERS = {
    "runtime": set(),
    "analysis": {"runtime"},
    "retrain": {"runtime", "catalog"},
    "package": {"runtime", "analysis", "retrain"},
    "verify": {"runtime", "analysis", "package"},
}

# Where each name a generated package imports lived before the runtime subpackage.
OLD_HOME = {
    "Pipeline": "workbench.pipelines.runner",
    "PipelineResult": "workbench.pipelines.runner",
    "PipelineStep": "workbench.pipelines.runner",
    "StepFailedError": "workbench.pipelines.runner",
    "last_runs": "workbench.pipelines.runner",
    "parse_assignment": "workbench.pipelines.runner",
    "failure_report": "workbench.pipelines.verify",
    "run_report": "workbench.pipelines.verify",
    "input_path": "workbench.pipelines.inputs",
}


def _export(project: Path) -> ExportResult:
    """A notebook that reads a data file (so a step imports ``input_path``) and computes a
    metric, exported without verification."""
    folder = project / "notebooks"
    folder.mkdir()
    pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [1.5, 1.5, 3.5, 3.5]}).to_csv(
        folder / "points.csv", index=False
    )
    cells = [
        nbf.new_code_cell("import pandas as pd"),
        nbf.new_code_cell("points = pd.read_csv('points.csv')"),
        nbf.new_code_cell("mean_error = float((points['y'] - points['x']).abs().mean())"),
    ]
    nbformat.write(nbf.new_notebook(cells=cells), folder / "points.ipynb")
    return export_notebook(folder / "points.ipynb", verify=False)


def _workbench_imports(path: Path) -> list[tuple[str, bool]]:
    """(module, at module level) of every ``workbench`` import of a Python file."""
    tree = ast.parse(path.read_text())
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        found += [(m, id(node) in top) for m in modules if m.split(".")[0] == "workbench"]
    return found


def _python(result: ExportResult, code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(result.path / "src")}
    command = [sys.executable, "-c", code]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def test_a_generated_package_imports_workbench_through_its_runtime(
    sqlite_project: Path,
) -> None:
    result = _export(sqlite_project)
    elsewhere = []
    for path in sorted(result.path.rglob("*.py")):
        relative = path.relative_to(result.path).as_posix()
        for module, at_top in _workbench_imports(path):
            if module != RUNTIME:
                elsewhere.append((relative, module, at_top))
    src = f"src/{result.package}"
    # Besides the runtime: the commands retrain, promote and rollback (each imported when
    # it runs) and the reproduction test.
    assert sorted(elsewhere) == [
        (f"{src}/cli.py", "workbench.models", False),
        (f"{src}/cli.py", "workbench.models", False),
        (f"{src}/cli.py", "workbench.pipelines.retrain", False),
        ("tests/test_reproduce.py", "workbench.pipelines.verify", True),
    ]
    reading = (result.path / src / "steps").glob("*.py")
    assert any((RUNTIME, True) in _workbench_imports(path) for path in reading)  # input_path


def test_running_a_generated_package_loads_only_the_runtime(sqlite_project: Path) -> None:
    result = _export(sqlite_project)
    code = (
        "import json, sys\n"
        f"from {result.package}.cli import main\n"
        "code = main(['run', '--quiet'])\n"
        "loaded = [m for m in sys.modules if m.startswith('workbench.pipelines')]\n"
        "print(json.dumps({'code': code, 'loaded': loaded}))\n"
    )
    ran = _python(result, code)
    assert ran.returncode == 0, ran.stderr
    outcome = json.loads(ran.stdout.strip().splitlines()[-1])
    assert outcome["code"] == 0
    assert f"{RUNTIME}.runner" in outcome["loaded"]
    others = [m for m in outcome["loaded"] if m != "workbench.pipelines"]
    assert [m for m in others if not m.startswith(RUNTIME)] == []


def _as_exported_before_the_move(path: Path) -> None:
    """Rewrite the file's runtime imports to the paths an earlier workbench generated."""
    source = path.read_text()
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    for node in reversed(tree.body):
        if isinstance(node, ast.ImportFrom) and node.module == RUNTIME:
            names = [alias.name for alias in node.names]
            old = [f"from {OLD_HOME[name]} import {name}\n" for name in names]
            lines[node.lineno - 1 : node.end_lineno] = old
    path.write_text("".join(lines))


def test_a_package_exported_before_the_move_still_runs(sqlite_project: Path) -> None:
    result = _export(sqlite_project)
    for path in (result.path / "src").rglob("*.py"):
        _as_exported_before_the_move(path)
    pipeline = (result.path / "src" / result.package / "pipeline.py").read_text()
    assert "from workbench.pipelines.runner import Pipeline\n" in pipeline
    assert RUNTIME not in "".join(p.read_text() for p in (result.path / "src").rglob("*.py"))

    report = sqlite_project / "report.json"
    env = {**os.environ, "PYTHONPATH": str(result.path / "src")}
    command = [sys.executable, "-m", result.package, "run", "--quiet"]
    ran = subprocess.run(
        [*command, "--report-json", str(report)],
        cwd=sqlite_project / "notebooks",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "mean_error = 0.5" in ran.stdout
    assert [step["name"] for step in json.loads(report.read_text())["steps"]] == list(result.steps)


def test_the_runtime_imports_nothing_above_it() -> None:
    code = (
        "import json, sys\n"
        f"import {RUNTIME}\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('workbench'))))\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    loaded = json.loads(ran.stdout)
    assert RUNTIME in loaded
    above = [f"workbench.pipelines.{name}" for name in ABOVE_RUNTIME]
    assert [m for m in loaded if m.startswith(tuple(above))] == []


def _pipelines_imports(path: Path) -> set[str]:
    """What ``path`` imports from ``workbench.pipelines``: the subpackage or top module."""
    parts = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            if node.module == "workbench.pipelines":
                parts |= {alias.name for alias in node.names}
            modules = [node.module or ""]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        parts |= {m.split(".")[2] for m in modules if m.startswith("workbench.pipelines.")}
    return parts


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_a_subpackage_imports_only_the_layers_below_it(layer: str) -> None:
    root = Path(workbench.pipelines.__file__).parent / layer
    crossings = {
        (path.name, part)
        for path in sorted(root.glob("*.py"))
        for part in _pipelines_imports(path) - {layer} - LAYERS[layer]
    }
    assert crossings == set()
