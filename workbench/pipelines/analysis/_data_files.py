"""Data files a notebook reads by a relative path become declared inputs of its pipeline.

A call of a pandas reader (``read_csv``, ``read_table``, ``read_parquet``, ``read_json``,
``read_excel``, ``read_feather``) or of ``np.load`` / ``np.loadtxt`` / ``np.genfromtxt``
whose path is a string literal naming a relative data file is rewritten in the step to
``input_path("<name>")`` (see :mod:`workbench.pipelines.runtime.inputs`); the name is the file's
stem made an identifier (``data/train.csv`` → ``train``). The manifest keeps each input's
path relative to the notebook's folder, its sha256 and where the notebook reads it.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from workbench.pipelines.analysis._errors import where
from workbench.pipelines.analysis._plan import NotebookPlan, Step
from workbench.pipelines.runtime.inputs import file_sha256

__all__ = ["INPUT_IMPORT", "declare_inputs"]

INPUT_IMPORT = "from workbench.pipelines.runtime import input_path"
_PANDAS_READERS = frozenset(
    {"read_csv", "read_table", "read_parquet", "read_json", "read_excel", "read_feather"}
)
_NUMPY_READERS = frozenset({"load", "loadtxt", "genfromtxt"})
_PATH_KEYWORDS = ("filepath_or_buffer", "path", "io", "fname", "file", "path_or_buf")
_DATA_SUFFIXES = frozenset(
    {".csv", ".tsv", ".txt", ".data", ".parquet", ".pq", ".json", ".jsonl", ".xlsx", ".xls",
     ".npy", ".npz", ".feather"}
)  # fmt: skip


def _reader(call: ast.Call) -> str | None:
    function = call.func
    if isinstance(function, ast.Name) and function.id in _PANDAS_READERS:
        return function.id
    if not isinstance(function, ast.Attribute):
        return None
    if function.attr in _PANDAS_READERS:
        return function.attr
    owner = function.value
    if function.attr in _NUMPY_READERS and isinstance(owner, ast.Name):
        return f"np.{function.attr}" if owner.id in ("np", "numpy") else None
    return None


def _path_argument(call: ast.Call) -> ast.Constant | None:
    candidates: list[ast.expr] = call.args[:1]
    candidates += [k.value for k in call.keywords if k.arg in _PATH_KEYWORDS]
    for node in candidates:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node if _is_relative_data_file(node.value) else None
    return None


def _is_relative_data_file(text: str) -> bool:
    if "://" in text or text.startswith(("~", "/", "\\")) or re.match(r"^[A-Za-z]:", text):
        return False
    suffixes = {suffix.lower() for suffix in Path(text).suffixes}
    return bool(suffixes & _DATA_SUFFIXES)


def _reads(source: str) -> list[tuple[ast.Constant, str, str]]:
    """The path literals of data-file reads in ``source``, their text and their readers."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (reader := _reader(node)) is not None:
            literal = _path_argument(node)
            if literal is not None:
                found.append((literal, str(literal.value), reader))
    return sorted(found, key=lambda item: (item[0].lineno, item[0].col_offset))


_WRITERS = frozenset(
    {"to_csv", "to_parquet", "to_json", "to_excel", "to_feather", "to_pickle", "savefig",
     "save", "savetxt", "savez", "savez_compressed"}
)  # fmt: skip


def _writes(source: str) -> set[str]:
    """The relative paths ``source`` writes by a literal (``df.to_csv('out/x.csv')``,
    ``np.save('x.npy', a)``, ``open('x.json', 'w')``): files the notebook makes itself."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    written = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        function, first = node.func, node.args[0]
        writer = isinstance(function, ast.Attribute) and function.attr in _WRITERS
        mode = node.args[1] if len(node.args) > 1 else None
        mode = next((k.value for k in node.keywords if k.arg == "mode"), mode)
        opened = (
            isinstance(function, ast.Name)
            and function.id == "open"
            and isinstance(mode, ast.Constant)
            and any(flag in str(mode.value) for flag in "wax")
        )
        if (writer or opened) and isinstance(first, ast.Constant) and isinstance(first.value, str):
            written.add(Path(first.value).as_posix())
    return written


def _identifier(path: str, taken: set[str]) -> str:
    parts = Path(path).as_posix().split("/")
    stem = parts[-1].split(".")[0]
    name = re.sub(r"\W+", "_", stem).strip("_") or "data"
    name = f"data_{name}" if name[0].isdigit() else name
    for parent in reversed(parts[:-1]):  # data/train.csv and train.csv: data_train
        if name not in taken:
            break
        prefix = re.sub(r"\W+", "_", parent).strip("_")
        name = f"{prefix}_{name}"
    base, number = name, 2
    while name in taken:
        name, number = f"{base}_{number}", number + 1
    return name


def _rewrite(source: str, edits: list[tuple[ast.Constant, str]]) -> str:
    return _rewrite_nodes(source, edits, "input_path")


def _rewrite_nodes(source: str, edits: list[tuple[Any, str]], function: str) -> str:
    """``source`` with each expression of ``edits`` replaced by ``function("<text>")``."""
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line.encode()))
    data = source.encode()
    for node, name in sorted(edits, key=lambda e: (e[0].lineno, e[0].col_offset), reverse=True):
        assert node.end_lineno is not None and node.end_col_offset is not None
        begin = starts[node.lineno - 1] + node.col_offset
        end = starts[node.end_lineno - 1] + node.end_col_offset
        data = data[:begin] + f'{function}("{name}")'.encode() + data[end:]
    return data.decode()


def _cell_and_line(step: Step, cells: dict[int, str], path: str) -> tuple[int | None, int | None]:
    """Where the notebook first reads ``path`` among the step's cells."""
    for index in step.cells:
        for lineno, text in enumerate(cells.get(index, "").splitlines(), start=1):
            if path in text:
                return index, lineno
    return None, None


def declare_inputs(
    plan: NotebookPlan, notebook: Any, notebook_path: Path
) -> tuple[NotebookPlan, list[dict[str, Any]], list[str]]:
    """``plan`` with its steps' data-file reads going through ``input_path``, the inputs
    (``name``, ``path`` relative to the notebook's folder, ``sha256`` and ``bytes`` — None
    when the file is missing —, ``reader``, ``step``, ``cell``, ``line``) and warnings."""
    folder = notebook_path.resolve().parent
    cells = {
        index: cell.source if isinstance(cell.source, str) else "".join(cell.source)
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
    }
    by_path: dict[str, dict[str, Any]] = {}
    warnings: list[str] = []
    steps = []
    from workbench.pipelines.analysis._written_files import written_paths

    # A file the notebook writes and reads back is its own intermediate, not an input.
    made_here = set().union(*(_writes(s) | written_paths(s) for s in cells.values()))
    for step in plan.steps:
        edits = []
        for literal, text, reader in _reads(step.source):
            path = Path(text).as_posix()
            if path in made_here:
                continue
            if path not in by_path:
                cell, line = _cell_and_line(step, cells, text)
                name = _identifier(path, {entry["name"] for entry in by_path.values()})
                file = folder / path
                found = file.is_file()
                by_path[path] = {
                    "name": name, "path": path, "reader": reader, "step": step.name,
                    "cell": cell, "line": line,
                    "sha256": file_sha256(file) if found else None,
                    "bytes": file.stat().st_size if found else None,
                }  # fmt: skip
                if not found:
                    place = f"{where(cell, line)}: " if cell is not None else ""
                    warnings.append(
                        f"{place}the notebook reads {path}, which is not in its folder "
                        f"{folder.name}/; pass it when running with --input {name}=PATH"
                    )
            edits.append((literal, by_path[path]["name"]))
        if edits:
            used = tuple(dict.fromkeys(name for _, name in edits))
            step = dataclasses.replace(
                step,
                source=_rewrite(step.source, edits),
                imports=(*step.imports, INPUT_IMPORT),
                data=tuple(sorted(used)),
            )
        steps.append(step)
    for definition in plan.definitions:
        for _, text, _ in _reads(definition.source):
            warnings.append(
                f"{where(definition.cell)}: `{definition.name}` reads {text} relative "
                "to the working directory; run the package from the notebook's folder"
            )
    inputs = list(by_path.values())
    if not inputs:
        return plan, [], warnings
    declared = [[e["name"], e["path"]] for e in inputs]
    payload = json.dumps({"fingerprint": plan.fingerprint, "inputs": declared})
    new_plan = dataclasses.replace(
        plan, steps=tuple(steps), fingerprint=hashlib.sha256(payload.encode()).hexdigest()
    )
    return new_plan, inputs, warnings


def folder_from_package(notebook_path: Path, package_folder: Path) -> str:
    """The notebook's folder relative to the package's (``../..`` for a notebook in the
    project home and its package in ``pipelines/<name>``)."""
    relative = os.path.relpath(notebook_path.resolve().parent, package_folder.resolve())
    return Path(relative).as_posix()
