"""Write the pipeline package for a notebook's step plan.

``pipelines/<name>/`` gets ``pyproject.toml``, ``README.md``, ``params.yaml``, a copy of the
notebook, ``tests/test_reproduce.py``, a GitHub Actions workflow and the ``src/<pkg>/``
package: one module per step under ``steps/`` (a function whose body is the notebook's
code, taking the step's inputs and keyword-only parameters and returning its outputs),
``shared.py`` (the notebook's functions and classes), ``pipeline.py`` (the steps in
order), ``cli.py``, ``__main__.py`` and ``manifest.json``. Python files are formatted with
``ruff format`` when ruff is installed; without it they stay as written, still valid.

The runner lives in :mod:`workbench.pipelines.runtime.runner`, so the generated code stays small.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.metadata
import importlib.util
import io
import json
import keyword
import re
import subprocess
import sys
import tempfile
import textwrap
import tokenize
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench.pipelines.analysis._dataflow import SHARED_ALIAS, SHARED_IMPORT
from workbench.pipelines.analysis._plan import NotebookPlan, Step
from workbench.pipelines.package import _templates
from workbench.pipelines.package._readme import (
    gate_metrics,
    plain,
    render_params_yaml,
    render_readme,
)
from workbench.pipelines.retrain._gate import default_gate
from workbench.pipelines.runtime._cache import code_digest

__all__ = ["build_manifest", "default_name", "package_name", "render_package", "write_package"]

MANIFEST_FORMAT = 1
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
# Import names whose distribution is called differently (the rest: installed metadata).
_DISTRIBUTIONS = {
    "sklearn": "scikit-learn", "yaml": "pyyaml", "PIL": "pillow", "cv2": "opencv-python",
    "skimage": "scikit-image", "bs4": "beautifulsoup4", "dateutil": "python-dateutil",
}  # fmt: skip
_ANNOTATIONS = {
    "int": "int", "float": "float", "str": "str", "bool": "bool", "none": "None",
    "list": "list", "dict": "dict",
}  # fmt: skip


def default_name(notebook: Path) -> str:
    """``notebooks/Breast Cancer.ipynb`` → ``breast-cancer``."""
    slug = re.sub(r"[^0-9A-Za-z]+", "-", Path(notebook).stem).strip("-").lower()
    return slug or "pipeline"


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(
            f"name must be letters, digits, '.', '_' or '-' (starting and ending with a letter "
            f"or digit), got {name!r}"
        )
    return name


def package_name(name: str, plan: NotebookPlan) -> str:
    """The import name of the package: ``breast-cancer`` → ``breast_cancer``; suffixed with
    ``_pipeline`` when it would shadow a module the notebook or Python uses."""
    ident = re.sub(r"[^0-9A-Za-z]+", "_", name).strip("_").lower() or "pipeline"
    if ident[0].isdigit():
        ident = f"pipeline_{ident}"
    taken = _imported_modules(plan) | {"workbench", "test", "tests"}
    if keyword.iskeyword(ident) or ident in sys.stdlib_module_names or ident in taken:
        ident = f"{ident}_pipeline"
    return ident


def _import_texts(plan: NotebookPlan) -> list[str]:
    texts = [text for step in plan.steps for text in step.imports]
    if plan.shared_code:
        tree = ast.parse(plan.shared_code)
        texts += [ast.unparse(n) for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    return texts


def _imported_modules(plan: NotebookPlan) -> set[str]:
    modules = set()
    for text in _import_texts(plan):
        node = ast.parse(text).body[0]
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.add(node.module.split(".")[0])
    return modules


@functools.cache
def _installed_distributions() -> Mapping[str, list[str]]:
    return importlib.metadata.packages_distributions()


def requirements(plan: NotebookPlan, package: str) -> list[str]:
    """``workbench``, the distributions of the libraries the notebook imports, each at least
    at the version installed now, and the packages its install commands name that it does
    not import (``!pip install openpyxl`` for ``read_excel``): as written when pinned or not
    installed here, else at least at the installed version."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    from workbench import __version__

    found = {f"workbench>={__version__}"}
    for module in _imported_modules(plan) - set(sys.stdlib_module_names) - {package}:
        if module in ("workbench", "__future__"):
            continue
        dist = _DISTRIBUTIONS.get(module)
        if dist is None:
            candidates = _installed_distributions().get(module, [])
            dist = candidates[0] if len(candidates) == 1 else module
        try:
            found.add(f"{dist}>={importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            found.add(dist)
    names = {canonicalize_name(Requirement(text).name) for text in found}
    for install in plan.installs:
        wanted = Requirement(install.requirement)
        if canonicalize_name(wanted.name) in names:
            continue
        names.add(canonicalize_name(wanted.name))
        try:
            installed = importlib.metadata.version(wanted.name)
        except importlib.metadata.PackageNotFoundError:
            installed = None
        pinned = wanted.specifier or wanted.url or installed is None
        found.add(install.requirement if pinned else f"{wanted.name}>={installed}")
    return sorted(found, key=str.lower)


def function_names(plan: NotebookPlan) -> dict[str, str]:
    """Step → its function's name: the step's name, unless its code or arguments use that
    name (a step ``model`` assigning ``model``), then ``<step>_step``."""
    names = {}
    for step in plan.steps:
        used = {n.id for n in ast.walk(ast.parse(step.source)) if isinstance(n, ast.Name)}
        used |= {n for text in step.imports for n in _bound_names(text)}
        used |= {*step.functions, *step.inputs, *step.parameters}
        names[step.name] = f"{step.name}_step" if step.name in used else step.name
    return names


def _bound_names(import_text: str) -> set[str]:
    node = ast.parse(import_text).body[0]
    assert isinstance(node, ast.Import | ast.ImportFrom)
    return {alias.asname or alias.name.split(".")[0] for alias in node.names}


def step_code_digest(step: Step) -> str:
    payload = json.dumps([list(step.imports), code_digest(step.source)])
    return hashlib.sha256(payload.encode()).hexdigest()


def shared_parameters(plan: NotebookPlan) -> list[str]:
    """The parameters the shared functions read as globals, in notebook order."""
    read = {p for d in plan.definitions for p in d.parameters}
    return [p.name for p in plan.parameters if p.name in read]


def build_manifest(
    plan: NotebookPlan,
    *,
    name: str,
    package: str,
    notebook_sha256: str,
    notebook_source: str,
    seed: int | None = None,
    seeded: list[dict[str, Any]] | None = None,
    inputs: list[dict[str, Any]] | None = None,
    folder_from_package: str | None = None,
    files: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The manifest without ``version`` and ``change`` (versioning fills them); ``seed`` and
    ``seeded`` are those of ``export --seed`` (see ``_seeding.seed_plan``)."""
    from workbench import __version__

    functions = function_names(plan)
    return {
        "format": MANIFEST_FORMAT,
        "name": name,
        "package": package,
        "version": None,
        "exporter": {"name": "workbench", "version": __version__},
        "notebook": {
            "source": notebook_source,
            "copy": "notebook.ipynb",
            "sha256": notebook_sha256,
            "folder_from_package": folder_from_package,
        },
        "inputs": list(inputs or []),
        "files": list(files or []),
        "fingerprint": plan.fingerprint,
        "seed": seed,
        "seeded": list(seeded or []),
        "cell_map": {str(index): what for index, what in sorted(plan.cell_map.items())},
        "steps": [
            {
                "name": step.name,
                "function": functions[step.name],
                "role": step.role,
                "cells": list(step.cells),
                "inputs": list(step.inputs),
                "outputs": list(step.outputs),
                "mutated": list(step.mutated),
                "parameters": list(step.parameters),
                "functions": list(step.functions),
                "data": list(step.data),
                "files": list(step.files),
                "imports": list(step.imports),
                "code_sha256": step_code_digest(step),
            }
            for step in plan.steps
        ],
        "parameters": [
            {
                "name": p.name,
                "type": p.type,
                "value": plain(p.value),
                "cell": p.cell,
                "line": p.line,
            }
            for p in plan.parameters
        ],
        "shared_parameters": shared_parameters(plan),
        "shared_sha256": code_digest(plan.shared_code),
        "interface": plan.interface(),
        "dependencies": requirements(plan, package),
        "warnings": list(plan.warnings),
        "gate": default_gate(gate_metrics(plan)).to_dict(),
        "change": None,
        "golden": {},
    }


def _has_multiline_string(source: str) -> bool:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return any(t.type == tokenize.STRING and t.start[0] != t.end[0] for t in tokens)


def _indented_body(source: str) -> str:
    # Indenting a triple-quoted string would change it: print such code from its AST.
    if _has_multiline_string(source):
        source = ast.unparse(ast.parse(source))
    return textwrap.indent(source.strip("\n"), "    ")


def render_step(step: Step, package: str, function: str, types: Mapping[str, str]) -> str:
    """The module of one step: its imports, then one function with the notebook's code."""
    used = {n.id for n in ast.walk(ast.parse(step.source)) if isinstance(n, ast.Name)}
    imports = [text for text in step.imports if text != SHARED_IMPORT]
    shared_imports = []
    if SHARED_IMPORT in step.imports:  # the package's own name reads better than `..`
        shared_imports.append(f"from {package} import shared as {SHARED_ALIAS}")
    shared = sorted(set(step.functions) & used)
    if shared:
        shared_imports.append(f"from {package}.shared import {', '.join(shared)}")
    if shared_imports:
        imports += ["", *shared_imports] if imports else shared_imports
    arguments = list(step.inputs)
    if step.parameters:
        arguments += ["*", *(f"{p}: {_ANNOTATIONS[types[p]]}" for p in step.parameters)]
    if len(step.outputs) == 1:
        returned = f"return {{{step.outputs[0]!r}: {step.outputs[0]}}}"
    else:
        items = "".join(f"        {name!r}: {name},\n" for name in step.outputs)
        returned = f"return {{\n{items}    }}" if items else "return {}"
    cells = ", ".join(str(c + 1) for c in step.cells)
    reads = ", ".join(step.inputs) or "nothing from earlier steps"
    writes = ", ".join(step.outputs) or "nothing later steps read"
    parts = [
        f'"""Step `{step.name}` ({step.role}): cell(s) {cells} of the notebook."""',
        "\n".join(imports),
        f"def {function}({', '.join(arguments)}) -> dict[str, object]:\n"
        f'    """Reads {reads}; returns {writes}."""\n'
        f"{_indented_body(step.source)}\n"
        f"    {returned}",
    ]
    return "\n\n\n".join(part for part in parts if part.strip()) + "\n"


def render_shared(plan: NotebookPlan) -> str:
    parts = ['"""Functions and classes defined in the notebook, used by the steps."""']
    if plan.shared_code:
        tree = ast.parse(plan.shared_code)
        imports = [ast.unparse(n) for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
        parts.append("\n".join(imports))
    read = shared_parameters(plan)
    if read:
        values = {p.name: p.value for p in plan.parameters}
        lines = [f"{name} = {plain(values[name])!r}" for name in read]
        parts.append(
            "# Parameters these functions read; the pipeline sets them before every run.\n"
            + "\n".join(lines)
        )
    readers: dict[str, list[str]] = {}
    for definition in plan.definitions:
        for variable in definition.variables:
            readers.setdefault(variable, []).append(definition.name)
    if readers:
        lines = [
            f"{variable} = None  # set by each step that uses {', '.join(names)}"
            for variable, names in readers.items()
        ]
        parts.append("# Notebook variables these functions read.\n" + "\n".join(lines))
    parts += [d.source.strip("\n") for d in plan.definitions]
    return "\n\n\n".join(part for part in parts if part) + "\n"


def render_pipeline(plan: NotebookPlan, package: str, name: str) -> str:
    functions = function_names(plan)
    entries = []
    for step in plan.steps:
        fields = ", ".join(
            f"{field}={tuple(getattr(step, field))!r}"
            for field in ("inputs", "outputs", "parameters", "functions")
        )
        if step.data:
            fields += f", data={step.data!r}"
        if step.files:
            fields += f", files={step.files!r}"
        reference = f"{package}.steps.{step.name}:{functions[step.name]}"
        entries.append(
            f"    PipelineStep({step.name!r}, {reference!r}, role={step.role!r}, {fields}),"
        )
    return _templates.PIPELINE.format(name=name, package=package, steps="\n".join(entries))


def render_package(
    plan: NotebookPlan, manifest: Mapping[str, Any], notebook: bytes
) -> dict[str, str | bytes]:
    """Every file of the package, by path relative to ``pipelines/<name>/``."""
    name, package, version = manifest["name"], manifest["package"], manifest["version"]
    source = manifest["notebook"]["source"]
    exporter = manifest["exporter"]["version"]
    src = f"src/{package}"
    types = {p.name: p.type for p in plan.parameters}
    functions = function_names(plan)
    final = [
        output
        for index, step in enumerate(plan.steps)
        for output in step.outputs
        if not any(output in later.inputs for later in plan.steps[index + 1 :])
    ]
    files: dict[str, str | bytes] = {
        "pyproject.toml": _templates.PYPROJECT.format(
            name=name,
            version=version,
            notebook=source,
            package=package,
            dependencies="\n".join(f'    "{d}",' for d in manifest["dependencies"]),
        ),
        "README.md": render_readme(plan, manifest),
        "params.yaml": render_params_yaml(plan, package, manifest.get("gate")),
        "notebook.ipynb": notebook,
        ".github/workflows/pipeline.yml": _templates.WORKFLOW.format(
            name=name, package=package, exporter=exporter
        ),
        "tests/test_reproduce.py": _templates.TEST_REPRODUCE.format(
            package=package, final_outputs=repr(sorted(dict.fromkeys(final)))
        ),
        f"{src}/__init__.py": _templates.INIT.format(
            name=name, notebook=source, exporter=exporter, package=package, version=version
        ),
        f"{src}/__main__.py": _templates.MAIN.format(package=package),
        f"{src}/cli.py": _templates.CLI.format(name=name, package=package),
        f"{src}/pipeline.py": render_pipeline(plan, package, name),
        f"{src}/shared.py": render_shared(plan),
        f"{src}/steps/__init__.py": f'"""The steps of {name}, one module each."""\n',
        f"{src}/manifest.json": json.dumps(manifest, indent=2) + "\n",
    }
    for step in plan.steps:
        files[f"{src}/steps/{step.name}.py"] = render_step(
            step, package, functions[step.name], types
        )
    return files


def format_python(folder: Path) -> bool:
    """``ruff format`` the Python files under ``folder``; False when ruff is missing or fails.

    Only ``.py`` files: ruff also formats notebooks, and the package's copy of the notebook
    must stay the bytes its manifest's sha256 was taken from."""
    if importlib.util.find_spec("ruff") is None:
        return False
    command = [
        sys.executable,
        "-m",
        "ruff",
        "format",
        "--isolated",
        "--no-cache",
        "--line-length",
        "100",
    ]
    files = [str(path) for path in sorted(folder.rglob("*.py"))]
    if not files:
        return True
    try:
        done = subprocess.run([*command, *files], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def write_package(folder: Path, files: Mapping[str, str | bytes], package: str) -> list[str]:
    """Write ``files`` into ``folder``, formatted; returns the paths whose content changed.

    Files whose content is the same are not touched; step modules of steps that no
    longer exist are removed.
    """
    changed = []
    with tempfile.TemporaryDirectory(prefix="workbench-export-") as tmp:
        staging = Path(tmp)
        for relative, content in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        format_python(staging)
        for relative in files:
            content = (staging / relative).read_bytes()
            target = folder / relative
            if target.is_file() and target.read_bytes() == content:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            changed.append(relative)
    steps = folder / "src" / package / "steps"
    for stale in sorted(steps.glob("*.py")):
        if f"src/{package}/steps/{stale.name}" not in files:
            stale.unlink()
            changed.append(f"src/{package}/steps/{stale.name}")
    return changed
