"""A notebook as cells of top-level statements, each with its exact source, cell and line.

IPython syntax is rewritten with IPython's own ``TransformerManager`` before ``ast.parse``;
magics and shell lines are then either removed (with a warning) or refused.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.pipelines._errors import AnalysisError, where

# Line magics that change nothing a later cell could read.
HARMLESS_LINE_MAGICS = frozenset(
    {
        "matplotlib", "load_ext", "reload_ext", "unload_ext", "autoreload", "aimport", "config",
        "timeit", "pip", "conda", "mamba", "who", "whos", "who_ls", "lsmagic", "pwd", "ls",
        "history", "hist", "xmode", "pdb", "precision", "pprint", "colors", "magic",
        "quickref", "page", "pinfo", "pinfo2", "psearch", "pdoc", "pdef", "psource", "pfile",
        "autosave", "watermark", "notebook",
    }
)  # fmt: skip
# Cell magics whose body is ordinary code run in the notebook's namespace.
UNWRAPPED_CELL_MAGICS = frozenset({"time", "capture"})
# Cell magics that only render or time something.
DROPPED_CELL_MAGICS = frozenset(
    {"timeit", "html", "HTML", "markdown", "latex", "javascript", "js", "svg", "prun"}
)
# Shell commands that install packages or only look at the machine.
HARMLESS_SHELL = frozenset(
    {
        "pip", "pip3", "conda", "mamba", "uv", "ls", "cat", "head", "tail", "nvidia-smi", "pwd",
        "echo", "which", "wc", "du", "df", "free", "nproc", "lscpu", "python", "date",
    }
)  # fmt: skip

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
    """A ``NotebookNode`` from a path (see :func:`read_notebook_file`) or an already-read
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
    import nbformat

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


def read_cells(notebook: Any, warnings: list[str]) -> list[Cell]:
    """Every cell of ``notebook``; code cells split into top-level statements."""
    cells = []
    for index, raw in enumerate(notebook.cells):
        tags = tuple(str(tag) for tag in raw.get("metadata", {}).get("tags", []))
        source = raw.source if isinstance(raw.source, str) else "".join(raw.source)
        if raw.cell_type == "markdown":
            cells.append(Cell(index, "markdown", tags, headings=_headings(source)))
        elif raw.cell_type == "code":
            statements = () if "skip" in tags else tuple(_cell_statements(index, source, warnings))
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
    cell: int, source: str, warnings: list[str], offset: int = 0
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
            return _cell_statements(cell, body, warnings, offset + 1)
        raise AnalysisError(
            f"the cell magic `%%{name}` runs code the analysis cannot follow; rewrite the "
            "cell in Python or tag it `skip`",
            cell,
            offset + 1,
        )
    from IPython.core.inputtransformer2 import TransformerManager

    text = TransformerManager().transform_cell(source)
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
        magic = _magic_call(node)
        if magic is not None:
            statements.extend(_magic_statements(cell, line, magic, warnings))
        else:
            _refuse_nested_magic(node, cell, offset)
            comments = [
                row for row in lines[previous_end : start - 1] if row.lstrip().startswith("#")
            ]
            body = _segment(text, lines, node, start)
            statements.append(Statement(cell, line, "\n".join([*comments, body]), node))
        previous_end = node.end_lineno or start
    return statements


def _segment(text: str, lines: list[str], node: ast.stmt, start: int) -> str:
    if start != node.lineno:  # decorators: whole lines, from the first decorator to the end
        return "\n".join(lines[start - 1 : node.end_lineno])
    return ast.get_source_segment(text, node) or ast.unparse(node)


def _magic_call(node: ast.stmt) -> tuple[str, list[str]] | None:
    """(kind, string arguments) when ``node`` is ``get_ipython().<kind>(...)`` as a statement."""
    value = node.value if isinstance(node, ast.Expr | ast.Assign) else None
    call = _ipython_call(value)
    if call is None:
        return None
    if isinstance(node, ast.Assign):
        return "assigned_" + call[0], call[1]
    return call


def _ipython_call(value: ast.AST | None) -> tuple[str, list[str]] | None:
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
        return None
    owner = value.func.value
    if not (
        isinstance(owner, ast.Call)
        and isinstance(owner.func, ast.Name)
        and owner.func.id == "get_ipython"
    ):
        return None
    args = [a.value if isinstance(a, ast.Constant) else ast.unparse(a) for a in value.args]
    return value.func.attr, [str(a) for a in args]


def _refuse_nested_magic(node: ast.stmt, cell: int, offset: int) -> None:
    for inner in ast.walk(node):
        if _ipython_call(inner) is not None:
            raise AnalysisError(
                "IPython magic or shell command inside a Python statement; the analysis "
                "cannot follow it — rewrite it in Python",
                cell,
                offset + getattr(inner, "lineno", 1),
            )


def _magic_statements(
    cell: int, line: int, magic: tuple[str, list[str]], warnings: list[str]
) -> list[Statement]:
    kind, args = magic
    if kind.startswith("assigned_"):
        raise AnalysisError(
            "assigns the output of a magic or shell command; the pipeline cannot re-create "
            "it — compute the value in Python",
            cell,
            line,
        )
    if kind == "system":
        command = args[0] if args else ""
        program = command.split(maxsplit=1)[0] if command.strip() else ""
        if program in HARMLESS_SHELL:
            warnings.append(f"{where(cell, line)}: removed the shell command `!{command}`")
            return []
        raise AnalysisError(
            f"the shell command `!{command}` may create files or state the pipeline needs; "
            "do it in Python or tag the cell `skip`",
            cell,
            line,
        )
    if kind != "run_line_magic" or not args:
        raise AnalysisError(f"unsupported IPython call `{kind}`", cell, line)
    name, rest = args[0], args[1] if len(args) > 1 else ""
    if name == "time":
        warnings.append(f"{where(cell, line)}: removed the timing magic `%time`; kept `{rest}`")
        try:
            nodes = ast.parse(rest).body
        except SyntaxError as error:
            raise AnalysisError(f"syntax error after %time: {error.msg}", cell, line) from None
        return [Statement(cell, line, ast.get_source_segment(rest, n) or rest, n) for n in nodes]
    if name in HARMLESS_LINE_MAGICS or (name == "env" and "=" not in rest and " " not in rest):
        shown = f"%{name} {rest}".strip()
        warnings.append(f"{where(cell, line)}: removed the magic `{shown}` (no effect on results)")
        return []
    raise AnalysisError(
        f"the magic `%{name}` may change the notebook's state in a way the analysis cannot "
        "follow; replace it with Python code or tag the cell `skip`",
        cell,
        line,
    )
