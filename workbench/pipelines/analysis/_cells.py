"""A notebook as cells of top-level statements, each with its exact source, cell and line.

IPython syntax is rewritten with IPython's own ``TransformerManager`` before ``ast.parse``;
magics and shell lines, at a cell's top level or inside a block, are then either removed
(with a warning) or refused (see ``_magics``).
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.pipelines.analysis._errors import AnalysisError, where
from workbench.pipelines.analysis._magics import (
    DROPPED_CELL_MAGICS,
    UNWRAPPED_CELL_MAGICS,
    Install,
    ipython_call,
    magic_call,
    magic_code,
)

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True)
class Statement:
    """One top-level statement: ``cell`` is the 0-based cell index, ``line`` 1-based."""

    cell: int
    line: int
    source: str
    node: ast.stmt


@dataclass(frozen=True)
class Cell:
    """A notebook cell: ``kind`` is ``code``, ``markdown`` or ``raw``; ``headings`` holds
    (level, text) for markdown cells."""

    index: int
    kind: str
    tags: tuple[str, ...]
    statements: tuple[Statement, ...] = ()
    headings: tuple[tuple[int, str], ...] = ()


def load_notebook(notebook: Any) -> Any:
    """A notebook (nbformat 4) from a path (see :func:`read_notebook_file`) or an already-read
    notebook."""
    if isinstance(notebook, str | Path):
        return read_notebook_file(Path(notebook))
    return notebook


def read_notebook_file(path: Path) -> Any:
    """The notebook in ``path`` as nbformat 4; older formats are upgraded as Jupyter does.

    Raises:
        FileNotFoundError: no such file.
        AnalysisError: the file is a folder, empty, not JSON or not a notebook, or a cell
            has no source; the message names the file and the fix.
    """
    if path.is_dir():
        inside = ", ".join(sorted(p.name for p in path.glob("*.ipynb"))[:5])
        hint = f": one of {inside}" if inside else ""
        raise AnalysisError(f"{path} is a folder, not a notebook; pass the .ipynb file{hint}")
    if not path.is_file():
        raise FileNotFoundError(f"no notebook at {str(path)!r}: no such file; check the path")
    resave = "open it in Jupyter and save it again, or export the .ipynb file Jupyter saves"
    raw = path.read_bytes()
    if not raw.strip():
        raise AnalysisError(
            f"{path} is empty, not a notebook; restore it (Jupyter keeps a copy in "
            ".ipynb_checkpoints/) or save the notebook again"
        )
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise AnalysisError(f"{path} is not a notebook: it is not UTF-8 text; {resave}") from None
    except ValueError as error:
        raise AnalysisError(
            f"{path} is not a notebook: it is not JSON ({error}); {resave}"
        ) from None
    if not isinstance(data, dict) or "nbformat" not in data:
        raise AnalysisError(
            f"{path} is JSON but not a Jupyter notebook (it has no `nbformat` and `cells`); "
            "pass the .ipynb file Jupyter saves"
        )
    if not isinstance(data["nbformat"], int) or data["nbformat"] > 4:
        raise AnalysisError(
            f"{path} is nbformat {data['nbformat']!r}; this workbench reads nbformat 1 to 4 — "
            "save it as nbformat 4 (`jupyter nbconvert --to notebook --nbformat 4`)"
        )
    cells = data.get("cells")
    if data["nbformat"] == 4 and not (
        isinstance(cells, list) and all(isinstance(cell, dict) for cell in cells)
    ):
        raise AnalysisError(
            f"{path} is not a valid notebook (`cells` is not a list of cells); {resave}"
        )
    if data["nbformat"] == 4:  # as nbformat reads it, without its import (seconds: jsonschema)
        notebook = _Node.of(data)
    else:
        import nbformat

        try:
            notebook = nbformat.reads(raw.decode("utf-8"), as_version=4)
        except Exception as error:  # nbformat raises many kinds for a malformed notebook
            raise AnalysisError(f"{path} is not a valid notebook ({error}); {resave}") from None
    for index, cell in enumerate(notebook.get("cells", [])):
        if "cell_type" not in cell or "source" not in cell:
            missing = "cell_type" if "cell_type" not in cell else "source"
            raise AnalysisError(
                f"{path} is not a valid notebook: {where(index)} has no `{missing}`; add "
                f'`"{missing}": ""` to that cell in the file, or delete the cell'
            )
    return notebook


class _Node(dict[str, Any]):
    """A notebook's JSON with attribute access to its keys, like nbformat's ``NotebookNode``."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    @classmethod
    def of(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return cls({key: cls.of(item) for key, item in value.items()})
        if isinstance(value, list):
            return [cls.of(item) for item in value]
        return value


def read_cells(
    notebook: Any, warnings: list[str], installs: list[Install] | None = None
) -> list[Cell]:
    """Every cell of ``notebook``; code cells split into top-level statements. The packages
    its install commands (``!pip install X``) name are added to ``installs``."""
    cells = []
    for index, raw in enumerate(notebook.cells):
        tags = tuple(str(tag) for tag in raw.get("metadata", {}).get("tags", []))
        source = raw.source if isinstance(raw.source, str) else "".join(raw.source)
        if raw.cell_type == "markdown":
            cells.append(Cell(index, "markdown", tags, headings=_headings(source)))
        elif raw.cell_type == "code":
            statements = (
                () if "skip" in tags else tuple(_cell_statements(index, source, warnings, installs))
            )
            cells.append(Cell(index, "code", tags, statements))
        else:
            cells.append(Cell(index, str(raw.cell_type), tags))
    return cells


def _headings(markdown: str) -> tuple[tuple[int, str], ...]:
    """(level, text) of the ATX headings, skipping fenced code blocks."""
    found, fenced = [], False
    for row in markdown.splitlines():
        if row.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and (match := _HEADING.match(row)):
            found.append((len(match.group(1)), match.group(2)))
    return tuple(found)


def _cell_statements(
    cell: int, source: str, warnings: list[str], installs: list[Install] | None, offset: int = 0
) -> list[Statement]:
    # IPython drops leading blank lines; drop them here too, counting them.
    blank = re.match(r"(?:[ \t]*\n)*", source)
    if blank is not None and blank.end():
        offset += blank.group(0).count("\n")
        source = source[blank.end() :]
    if source.startswith("%%"):
        header, _, body = source.partition("\n")
        name = header[2:].split(maxsplit=1)[0] if header[2:].strip() else ""
        if name in DROPPED_CELL_MAGICS:
            warnings.append(f"{where(cell, offset + 1)}: dropped the cell magic `{header}`")
            return []
        if name in UNWRAPPED_CELL_MAGICS:
            warnings.append(
                f"{where(cell, offset + 1)}: removed the cell magic `{header}`; its body is kept"
            )
            return _cell_statements(cell, body, warnings, installs, offset + 1)
        raise AnalysisError(
            f"the cell magic `%%{name}` runs code the analysis cannot follow; rewrite the "
            "cell in Python or tag it `skip`",
            cell,
            offset + 1,
        )
    from IPython.core.inputtransformer2 import TransformerManager

    text = TransformerManager().transform_cell(source)
    text, removed = _without_nested_magics(cell, offset, text, warnings, installs)
    try:
        module = ast.parse(text)
    except SyntaxError as error:
        raise AnalysisError(
            f"syntax error: {error.msg}", cell, offset + (error.lineno or 1)
        ) from None
    lines = text.splitlines()
    statements: list[Statement] = []
    previous_end = 0
    for node in module.body:
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        line = offset + start
        magic = magic_call(node)
        if magic is not None:
            statements.extend(_magic_statements(cell, line, magic, warnings, installs))
        else:
            _refuse_nested_magic(node, cell, offset)
            comments = [
                row for row in lines[previous_end : start - 1] if row.lstrip().startswith("#")
            ]
            body = _segment(text, lines, node, start)
            if removed:  # the lines of dropped magics, kept blank so that line numbers hold
                rows = enumerate(body.split("\n"), start)
                body = "\n".join(row for number, row in rows if number not in removed)
            statements.append(Statement(cell, line, "\n".join([*comments, body]), node))
        previous_end = node.end_lineno or start
    return statements


def _segment(text: str, lines: list[str], node: ast.stmt, start: int) -> str:
    if start != node.lineno:  # decorators: whole lines, from the first decorator to the end
        return "\n".join(lines[start - 1 : node.end_lineno])
    return ast.get_source_segment(text, node) or ast.unparse(node)


def _refuse_nested_magic(node: ast.stmt, cell: int, offset: int) -> None:
    for inner in ast.walk(node):
        if ipython_call(inner) is not None:
            raise AnalysisError(
                "IPython magic or shell command inside a Python statement; the analysis "
                "cannot follow it — rewrite it in Python",
                cell,
                offset + getattr(inner, "lineno", 1),
            )


def _magic_statements(
    cell: int,
    line: int,
    magic: tuple[str, list[str]],
    warnings: list[str],
    installs: list[Install] | None,
) -> list[Statement]:
    kept = magic_code(cell, line, magic, warnings, installs)
    try:
        nodes = ast.parse(kept).body
    except SyntaxError as error:
        raise AnalysisError(f"syntax error after %{magic[1][0]}: {error.msg}", cell, line) from None
    return [Statement(cell, line, ast.get_source_segment(kept, n) or kept, n) for n in nodes]


def _without_nested_magics(
    cell: int, offset: int, text: str, warnings: list[str], installs: list[Install] | None
) -> tuple[str, set[int]]:
    """``text`` with each magic or shell line inside a block (``%matplotlib inline`` in a
    ``def``) replaced by the code it wraps or by a blank line (``pass`` when nothing else is
    left in the block), and the numbers of the blanked lines; line numbers do not change."""
    try:
        module = ast.parse(text)
    except SyntaxError:  # reported with its line by the caller
        return text, set()
    rows = text.split("\n")
    lines = list(rows)
    removed: list[ast.stmt] = []
    blank: set[int] = set()
    for top in module.body:
        for block in _blocks(top):
            for node in block:
                magic = magic_call(node)
                row = rows[node.lineno - 1]
                if magic is None or row.strip() != ast.get_source_segment(text, node):
                    continue  # a call written out in Python is refused by the caller
                kept = magic_code(cell, offset + node.lineno, magic, warnings, installs)
                indent = row[: len(row) - len(row.lstrip())]
                lines[node.lineno - 1] = indent + kept if kept else ""
                if not kept:
                    removed.append(node)
                    blank.add(node.lineno)
            if block and all(node in removed for node in block):
                row = rows[block[0].lineno - 1]
                lines[block[0].lineno - 1] = row[: len(row) - len(row.lstrip())] + "pass"
                blank.discard(block[0].lineno)
    return "\n".join(lines), blank


def _blocks(top: ast.stmt) -> list[list[ast.stmt]]:
    """The statement lists nested in ``top`` (bodies of defs, loops, branches, handlers)."""
    found = []
    for node in ast.walk(top):
        for _, value in ast.iter_fields(node):
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                found.append(value)
    return found
