"""Parameters: literal settings from the ``parameters`` cell (papermill's convention) or,
when no cell carries that tag, literal constants the notebook assigns once and reads."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from workbench.pipelines.analysis._cells import Cell, Statement
from workbench.pipelines.analysis._defuse import DefUse
from workbench.pipelines.analysis._errors import AnalysisError, where
from workbench.pipelines.analysis._plan import Parameter

_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "bool"),  # before int: True is an int
    (int, "int"),
    (float, "float"),
    (str, "str"),
    (type(None), "none"),
    (list, "list"),
    (tuple, "list"),
    (dict, "dict"),
)


def parameter_type(value: Any) -> str | None:
    """The parameter type of a literal value, or None when it is not a plain literal."""
    kind = next((name for cls, name in _TYPES if isinstance(value, cls)), None)
    if kind == "list" and not all(parameter_type(v) for v in value):
        return None
    if kind == "dict" and not all(
        parameter_type(k) in {"str", "int", "float", "bool", "none"} and parameter_type(v)
        for k, v in value.items()
    ):
        return None
    return kind


def literal_assignment(node: ast.stmt) -> tuple[str, Any, str] | None:
    """(name, value, type) for ``NAME = <literal>`` (or ``NAME: T = <literal>``)."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target, value = node.targets[0], node.value
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        target, value = node.target, node.value
    else:
        return None
    if not isinstance(target, ast.Name):
        return None
    try:
        literal = ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    kind = parameter_type(literal)
    return (target.id, literal, kind) if kind else None


def find_parameters(
    cells: list[Cell],
    defuse: Mapping[Statement, DefUse],
    names_read: Mapping[str, int],
    warnings: list[str],
) -> tuple[list[Parameter], set[Statement]]:
    """The parameters and the statements that define them.

    ``names_read`` counts, per name, the statements and definitions that read it.
    """
    writers: dict[str, list[Statement]] = {}
    for statement, du in defuse.items():
        for name in du.writes | du.mutates | du.deletes:
            writers.setdefault(name, []).append(statement)
    tagged = [cell for cell in cells if cell.kind == "code" and "parameters" in cell.tags]
    parameters: list[Parameter] = []
    consumed: set[Statement] = set()
    if tagged:
        for statement in (s for cell in tagged for s in cell.statements):
            if isinstance(statement.node, ast.Import | ast.ImportFrom):
                continue
            found = literal_assignment(statement.node)
            if found is None:
                raise AnalysisError(
                    "the `parameters` cell may hold only literal assignments (numbers, "
                    "strings, bools, None, lists/dicts of them) and imports; move "
                    f"`{statement.source.splitlines()[-1].strip()}` to another cell",
                    statement.cell,
                    statement.line,
                )
            if _reassigned(found[0], statement, writers, warnings):
                continue
            parameters.append(Parameter(*found, statement.cell, statement.line))
            consumed.add(statement)
        return parameters, consumed
    # A function reads at call time, so only statements order the reads.
    order = {statement: position for position, statement in enumerate(defuse)}
    first_read: dict[str, int] = {}
    for statement, du in defuse.items():
        if not isinstance(statement.node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for name in du.reads:
                first_read.setdefault(name, order[statement])
    for cell in cells:
        for statement in cell.statements if cell.kind == "code" else ():
            found = literal_assignment(statement.node)
            if found is None or not names_read.get(found[0]):
                continue
            if first_read.get(found[0], len(order)) < order[statement]:
                continue  # read before it is set: the notebook ran out of order
            if found[0].isupper() and _reassigned(found[0], statement, writers, warnings):
                continue
            if len(writers.get(found[0], [])) == 1:
                parameters.append(Parameter(*found, statement.cell, statement.line))
                consumed.add(statement)
    return parameters, consumed


def _reassigned(
    name: str, statement: Statement, writers: Mapping[str, list[Statement]], warnings: list[str]
) -> bool:
    others = [w for w in writers.get(name, []) if w is not statement]
    if others:
        warnings.append(
            f"{where(statement.cell, statement.line)}: `{name}` is not a parameter: it is "
            f"changed again in {where(others[0].cell, others[0].line)}"
        )
    return bool(others)
