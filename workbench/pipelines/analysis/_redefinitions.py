"""Functions and classes a notebook defines again, differently, in a later cell.

Jupyter runs the cells top to bottom, so each use sees the definition in force at that point.
The shared module keeps every version under its own name (``true_fun``, then ``true_fun_2``)
and each statement's references are rewritten to the version in force where it stands; a
use above the first definition (a notebook run out of order) gets the first one.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterator

from workbench.pipelines.analysis._cells import Cell, Statement
from workbench.pipelines.analysis._errors import where

_Def = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
_Position = tuple[int, int]


def distinct_versions(cells: list[Cell], warnings: list[str]) -> list[Cell]:
    """``cells`` with each later, different definition of a function or class renamed
    (``true_fun_2``) and every reference pointing at the version in force where it is."""
    statements = [s for cell in cells for s in cell.statements]
    taken = {name for s in statements for name in _identifiers(s.node)}
    versions: dict[str, list[tuple[str, str, Statement]]] = {}  # name → (code, new name, where)
    timeline: dict[str, list[tuple[_Position, str]]] = {}
    for statement in statements:
        node = statement.node
        if not isinstance(node, _Def):
            continue
        code = ast.unparse(node)
        known = versions.setdefault(node.name, [])
        chosen = next((renamed for text, renamed, _ in known if text == code), None)
        if chosen is None:
            chosen = node.name if not known else _free_name(node.name, len(known) + 1, taken)
            taken.add(chosen)
            if known:
                first = known[0][2]
                warnings.append(
                    f"{where(statement.cell, statement.line)}: `{node.name}` is defined again, "
                    f"differently from {where(first.cell, first.line)}; the code below uses "
                    f"this definition, kept in the shared module as `{chosen}`"
                )
            known.append((code, chosen, statement))
        timeline.setdefault(node.name, []).append(((statement.cell, statement.line), chosen))
    redefined = {name for name, found in versions.items() if len(found) > 1}
    if not redefined:
        return cells
    _warn_late_redefinitions(statements, redefined, timeline, warnings)
    replaced: dict[Statement, Statement] = {}
    for statement in statements:
        position = (statement.cell, statement.line)
        mapping = {
            name: _in_force(timeline[name], position)
            for name in _identifiers(statement.node) & redefined
        }
        if isinstance(statement.node, _Def) and statement.node.name in redefined:
            own = next(n for at, n in timeline[statement.node.name] if at == position)
            mapping[statement.node.name] = own
        mapping = {old: new for old, new in mapping.items() if old != new}
        if mapping:
            replaced[statement] = _renamed(statement, mapping)
    return [
        dataclasses.replace(c, statements=tuple(replaced.get(s, s) for s in c.statements))
        for c in cells
    ]


def _identifiers(node: ast.AST) -> set[str]:
    names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    names |= {n.name for n in ast.walk(node) if isinstance(n, _Def)}
    for found in ast.walk(node):
        if isinstance(found, ast.Import | ast.ImportFrom):
            names |= {a.asname or a.name.split(".")[0] for a in found.names}
    return names


def _free_name(name: str, number: int, taken: set[str]) -> str:
    while f"{name}_{number}" in taken:
        number += 1
    return f"{name}_{number}"


def _in_force(timeline: list[tuple[_Position, str]], position: _Position) -> str:
    """The version defined last at or above ``position``; the first one above them all."""
    earlier = [renamed for at, renamed in timeline if at <= position]
    return earlier[-1] if earlier else timeline[0][1]


def _warn_late_redefinitions(
    statements: list[Statement],
    redefined: set[str],
    timeline: dict[str, list[tuple[_Position, str]]],
    warnings: list[str],
) -> None:
    """A function using a redefined name calls, in Jupyter, whichever version was defined last
    when it runs; here it keeps the one in force where it is defined."""
    for statement in statements:
        node = statement.node
        if not isinstance(node, _Def):
            continue
        position = (statement.cell, statement.line)
        for name in sorted((_identifiers(node) - {node.name}) & redefined):
            later = [at for at, _ in timeline[name] if at > position]
            if later:
                warnings.append(
                    f"{where(statement.cell, statement.line)}: `{node.name}` uses `{name}`, "
                    f"which {where(*later[0])} defines again; `{node.name}` keeps using the "
                    "definition above it"
                )


def _renamed(statement: Statement, mapping: dict[str, str]) -> Statement:
    """``statement`` with the names in ``mapping`` replaced where they refer to the notebook's
    global (not where a function's own argument or local variable shadows it)."""
    source = statement.source
    tree = ast.parse(source)
    edits: dict[int, list[tuple[int, int, str]]] = {}
    for lineno, start, end, new in _references(tree, mapping, frozenset()):
        edits.setdefault(lineno, []).append((start, end, new))
    lines = source.split("\n")
    for lineno, found in edits.items():
        encoded = lines[lineno - 1].encode()
        for start, end, new in sorted(found, reverse=True):  # ast offsets count UTF-8 bytes
            encoded = encoded[:start] + new.encode() + encoded[end:]
        lines[lineno - 1] = encoded.decode()
    node = ast.parse("\n".join(lines)).body[0]
    if isinstance(node, _Def) and node.name in mapping:
        keyword = r"^(\s*(?:async\s+)?(?:def|class)\s+)" + re.escape(node.name) + r"\b"
        renamed = r"\g<1>" + mapping[node.name]
        lines[node.lineno - 1] = re.sub(keyword, renamed, lines[node.lineno - 1], count=1)
    text = "\n".join(lines)
    node = ast.parse(text).body[0]
    ast.increment_lineno(node, statement.node.lineno - node.lineno)
    return Statement(statement.cell, statement.line, text, node)


def _references(
    node: ast.AST, mapping: dict[str, str], shadowed: frozenset[str]
) -> Iterator[tuple[int, int, int, str]]:
    """(line, start, end, new name) of each global reference to a name in ``mapping``."""
    if isinstance(node, ast.Name) and node.id in mapping and node.id not in shadowed:
        assert node.end_col_offset is not None
        yield node.lineno, node.col_offset, node.end_col_offset, mapping[node.id]
        return
    inner = shadowed
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        arguments = node.args
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
        local = {a.arg for a in every}
        if not isinstance(node, ast.Lambda):
            local |= {
                n.id
                for body in node.body
                for n in ast.walk(body)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
            }
        inner = shadowed | (local & set(mapping))
    for child in ast.iter_child_nodes(node):
        yield from _references(child, mapping, inner)
