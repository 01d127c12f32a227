"""Files a notebook writes by a relative path become declared outputs of the steps writing them.

A write whose path is known without running anything — a string literal, or one built from
literals with ``Path(...)``, ``/``, ``os.path.join`` or ``+`` — is found for ``to_csv``,
``to_parquet``, ``to_json`` and the other ``DataFrame.to_*`` writers, ``np.save`` /
``savetxt`` / ``savez``, ``savefig`` (``plt`` or a figure), ``joblib.dump`` / ``torch.save``,
``save`` / ``save_model`` / ``write_html`` / ``write_image`` of any object,
``open(path, "w")`` (also ``"a"``, ``"x"``) and ``Path(...).write_text`` / ``write_bytes``.

In the step, the path becomes ``output_path("<path>")`` (see
:mod:`workbench.pipelines.runtime.outputs`): the run writes the file under its output
folder, never the working directory. Reading a written file back (``pd.read_csv`` or
``open`` of the same path) and making its folder (``os.makedirs("out")``) go through
``output_path`` too. The manifest keeps each file's path, the step writing it (the last one
when several do), the writer and where the notebook writes it.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
import re
from pathlib import PurePosixPath
from typing import Any

from workbench.pipelines.analysis._data_files import _cell_and_line, _reads, _rewrite_nodes
from workbench.pipelines.analysis._errors import where
from workbench.pipelines.analysis._plan import NotebookPlan

__all__ = ["OUTPUT_IMPORT", "declare_outputs", "written_paths"]

OUTPUT_IMPORT = "from workbench.pipelines.runtime import output_path"
_FRAME_WRITERS = frozenset(
    {"to_csv", "to_parquet", "to_json", "to_excel", "to_feather", "to_pickle", "to_html",
     "to_hdf", "to_orc", "to_stata", "to_xml", "to_latex"}
)  # fmt: skip
_FIRST_ARGUMENT_WRITERS = frozenset(
    {"savefig", "save_model", "write_html", "write_image", "imsave", "to_file"}
)  # fmt: skip
_NUMPY_WRITERS = frozenset({"save", "savetxt", "savez", "savez_compressed"})
_PATH_KEYWORDS = ("path_or_buf", "path", "excel_writer", "buf", "fname", "file", "filename")
_PATH_CLASSES = frozenset({"Path", "PurePath", "PosixPath", "PurePosixPath"})
_MAKE_FOLDER = frozenset({"makedirs", "mkdir"})


def _static_path(node: ast.expr) -> str | None:
    """The text of a path made of literals only (``"out/x.csv"``, ``Path("out") / "x.csv"``,
    ``os.path.join("out", "x.csv")``), else None."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div | ast.Add):
        left, right = _static_path(node.left), _static_path(node.right)
        if left is None or right is None:
            return None
        return f"{left}/{right}" if isinstance(node.op, ast.Div) else left + right
    if isinstance(node, ast.Call) and not node.keywords and node.args:
        name = ast.unparse(node.func)
        if name.split(".")[-1] in _PATH_CLASSES or name in ("os.path.join", "path.join"):
            parts = [_static_path(argument) for argument in node.args]
            if all(part is not None for part in parts):
                return "/".join(str(part) for part in parts)
    return None


def _relative_file(text: str) -> str | None:
    """``text`` as a normalised relative path to a file (one with a suffix), else None."""
    if "://" in text or text.startswith(("~", "/", "\\")) or re.match(r"^[A-Za-z]:", text):
        return None
    path = PurePosixPath(text.replace("\\", "/"))
    if ".." in path.parts or not path.suffix:
        return None
    return path.as_posix()


def _argument(call: ast.Call, position: int) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in _PATH_KEYWORDS:
            return keyword.value
    return call.args[position] if len(call.args) > position else None


def _write_target(call: ast.Call) -> tuple[ast.expr, str] | None:
    """The path expression a call writes to and the writer's name, or None."""
    function = call.func
    if isinstance(function, ast.Name):
        if function.id != "open":
            return None
        mode = call.args[1] if len(call.args) > 1 else None
        mode = next((k.value for k in call.keywords if k.arg == "mode"), mode)
        if isinstance(mode, ast.Constant) and set(str(mode.value)) & set("wax"):
            target = call.args[0] if call.args else None
            return (target, "open") if target is not None else None
        return None
    if not isinstance(function, ast.Attribute):
        return None
    owner = ast.unparse(function.value)
    attr = function.attr
    if attr in ("write_text", "write_bytes"):
        return function.value, attr
    position: int | None = None
    numpy = attr in _NUMPY_WRITERS and owner in ("np", "numpy")
    if (attr == "dump" and owner == "joblib") or (attr == "save" and owner == "torch"):
        position = 1
    elif attr in _FRAME_WRITERS | _FIRST_ARGUMENT_WRITERS or numpy or attr == "save":
        position = 0  # .save of anything else: an image, a Keras model ("m.keras")
    if position is None:
        return None
    target = _argument(call, position)
    if target is None:
        return None
    return target, f"{owner}.{attr}" if owner in ("np", "numpy", "joblib", "torch") else attr


def _written(tree: ast.AST) -> list[tuple[ast.expr, str, str]]:
    """(path expression, relative path, writer) of every write with a static path."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (target := _write_target(node)) is not None:
            text = _static_path(target[0])
            path = _relative_file(text) if text is not None else None
            if path is not None:
                found.append((target[0], path, target[1]))
    return sorted(found, key=lambda item: (item[0].lineno, item[0].col_offset))


def written_paths(source: str) -> set[str]:
    """The relative paths ``source`` writes (``df.to_csv("out/x.csv")`` → ``out/x.csv``)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {path for _, path, _ in _written(tree)}


def _folders_made(tree: ast.AST, files: set[str], folders: set[str]) -> list[tuple[ast.expr, str]]:
    """``os.makedirs("out")``, ``Path("out").mkdir()`` and ``Path("out/x.csv").parent.mkdir()``
    of a folder holding a written file."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr not in _MAKE_FOLDER:
            continue
        owner = node.func.value
        if isinstance(owner, ast.Attribute) and owner.attr == "parent":
            text = _static_path(owner.value)  # Path("out/x.csv").parent.mkdir()
            if text is not None and _relative_file(text) in files:
                found.append((owner.value, str(_relative_file(text))))
            continue
        target = node.args[0] if ast.unparse(owner) == "os" and node.args else owner
        text = _static_path(target) if target is not owner or isinstance(owner, ast.Call) else None
        if text is not None and PurePosixPath(text).as_posix() in folders:
            found.append((target, PurePosixPath(text).as_posix()))
    return found


def _opened_for_reading(tree: ast.AST, paths: set[str]) -> list[tuple[ast.expr, str]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or ast.unparse(node.func) != "open":
            continue
        if node.args and _write_target(node) is None:
            text = _static_path(node.args[0])
            if text is not None and _relative_file(text) in paths:
                found.append((node.args[0], str(_relative_file(text))))
    return found


def declare_outputs(
    plan: NotebookPlan, notebook: Any
) -> tuple[NotebookPlan, list[dict[str, Any]], list[str]]:
    """``plan`` with its steps' file writes (and reads of those files) going through
    ``output_path``, the written files (``path`` relative to the run's output folder,
    ``step``, ``writer``, ``cell``, ``line``) and warnings."""
    cells = {
        index: cell.source if isinstance(cell.source, str) else "".join(cell.source)
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
    }
    trees = {}
    for step in plan.steps:
        try:
            trees[step.name] = ast.parse(step.source)
        except SyntaxError:
            continue
    every = {path for tree in trees.values() for _, path, _ in _written(tree)}
    folders = {str(parent) for path in every for parent in PurePosixPath(path).parents}
    folders.discard(".")
    files: dict[str, dict[str, Any]] = {}
    steps = []
    for step in plan.steps:
        tree = trees.get(step.name)
        if tree is None:
            steps.append(step)
            continue
        edits: list[tuple[ast.expr, str]] = []
        writes = _written(tree)
        for node, path, writer in writes:
            # the file's name: the path may be built from parts (os.path.join)
            cell, line = _cell_and_line(step, cells, PurePosixPath(path).name)
            files.pop(path, None)  # the last step writing a file is the one it comes from
            files[path] = {"path": path, "step": step.name, "writer": writer,
                           "cell": cell, "line": line}  # fmt: skip
            edits.append((node, path))
        reads = [(lit, path) for lit, path, _ in _reads(step.source) if path in every]
        edits += reads + _opened_for_reading(tree, every) + _folders_made(tree, every, folders)
        if edits:
            step = dataclasses.replace(
                step,
                source=_rewrite_nodes(step.source, edits, "output_path"),
                imports=(*step.imports, OUTPUT_IMPORT),
                files=tuple(sorted({path for _, path, _ in writes})),
            )
        steps.append(step)
    warnings = [
        f"{where(definition.cell)}: `{definition.name}` writes {path} relative to the working "
        "directory, not under the run's output folder"
        for definition in plan.definitions
        for path in sorted(written_paths(definition.source))
    ]
    declared = sorted(files.values(), key=lambda entry: entry["path"])
    if not declared:
        return plan, [], warnings
    payload = json.dumps({"fingerprint": plan.fingerprint, "files": [
        [entry["path"], entry["step"]] for entry in declared
    ]})  # fmt: skip
    new_plan = dataclasses.replace(
        plan, steps=tuple(steps), fingerprint=hashlib.sha256(payload.encode()).hexdigest()
    )
    return new_plan, declared, warnings
