"""Which variables cross steps: a step's inputs are the names it reads that an earlier step
produced; its outputs the names a later step reads from it, its final metrics and models,
and whatever it modifies in place."""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Mapping
from dataclasses import dataclass

from workbench.pipelines.analysis._cells import Statement
from workbench.pipelines.analysis._defuse import DefUse, root_name, target_names
from workbench.pipelines.analysis._errors import AnalysisError, where
from workbench.pipelines.analysis._roles import (
    fitted_names,
    is_metric_value,
    is_model_value,
    statement_role,
)
from workbench.pipelines.runtime._tracking import looks_like_metric

# Names a notebook may read without defining them (IPython adds `display`).
BUILTIN_NAMES = frozenset(dir(builtins)) | {"display", "get_ipython", "__name__"}
_HISTORY = frozenset({"_", "__", "___", "In", "Out", "_i", "_ii", "_iii"})


@dataclass(frozen=True)
class Flow:
    """The variables crossing one step's boundary, each sorted."""

    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    mutated: tuple[str, ...]


def check_defined_before_use(
    steps: list[list[Statement]],
    defuse: Mapping[Statement, DefUse],
    notebook_wide: frozenset[str],
    definitions: Mapping[str, Statement],
    warnings: list[str],
    setters: Mapping[Statement, VariableSetter] | None = None,
) -> None:
    """Raise on a variable read before any earlier cell defines it.

    ``notebook_wide`` names (imports, parameters, definitions) are available to every
    step; a definition used before the cell that defines it only earns a warning. A
    ``setters`` statement reading an undefined variable is the shared code's read of it.
    """
    ordered = [s for step in steps for s in step]
    defined: set[str] = set()
    for position, statement in enumerate(ordered):
        du = defuse[statement]
        for name in sorted(du.reads):
            if name in definitions and _after(definitions[name], statement):
                later = definitions[name]
                warnings.append(
                    f"{where(statement.cell, statement.line)}: `{name}` is defined later, in "
                    f"{where(later.cell, later.line)} (the notebook was run out of order); "
                    "this works in the pipeline because the shared module is imported by "
                    "every step"
                )
            if name in notebook_wide or name in defined or name in BUILTIN_NAMES:
                continue
            setter = (setters or {}).get(statement)
            if setter is not None:
                raise AnalysisError(
                    f"`{setter.definition}` reads the notebook variable `{name}` ({setter.where})"
                    f", and this code uses `{setter.definition}` before any cell assigns "
                    f"`{name}`; pass `{name}` to `{setter.definition}` as an argument",
                    statement.cell,
                    statement.line,
                )
            reason = _undefined(name, ordered[position + 1 :], defuse)
            raise AnalysisError(reason, statement.cell, statement.line)
        defined |= du.writes
        defined -= du.deletes - du.definite_writes


def _after(first: Statement, second: Statement) -> bool:
    return (first.cell, first.line) > (second.cell, second.line)


def _undefined(name: str, later: list[Statement], defuse: Mapping[Statement, DefUse]) -> str:
    message = f"`{name}` is used before any cell defines it"
    if name in _HISTORY or (name.startswith("_") and name[1:].isdigit()):
        return message + " (it is IPython's output history; assign the value to a variable)"
    writer = next((s for s in later if name in defuse[s].writes), None)
    if writer is not None:
        return message + (
            f"; {where(writer.cell, writer.line)} defines it later: the notebook was run "
            "out of order — move that code up"
        )
    return message + " (no cell of the pipeline defines it; cells tagged `skip` do not count)"


def final_results(statements: list[Statement], models: frozenset[str] = frozenset()) -> set[str]:
    """Metrics and models a step computes: assigned from a metric or a training call, named
    like a metric (``cv_auc = scores.mean()``), fitted in place (with a target, or an
    unsupervised estimator in ``models``), or a frame given a column of cluster labels
    (``df['cluster'] = km.fit_predict(X)``)."""
    found: set[str] = set()
    for statement in statements:
        node = statement.node
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and (
                is_metric_value(node.value)
                or is_model_value(node.value, models)
                or looks_like_metric(target.id)
            ):
                found.add(target.id)
            column_of = root_name(target) if isinstance(target, ast.Subscript) else None
            if column_of is not None and is_model_value(node.value, models):
                found.add(column_of)
        found |= fitted_names(node, models)
    return found


def step_flows(
    steps: list[list[Statement]],
    defuse: Mapping[Statement, DefUse],
    data_names: set[str],
    models: frozenset[str] = frozenset(),
) -> list[Flow]:
    """Inputs, outputs and in-place changes of each step, given its statements in order;
    ``models`` are the names bound to unsupervised estimators."""
    producer: dict[str, int] = {}
    inputs: list[set[str]] = []
    outputs: list[set[str]] = [set() for _ in steps]
    mutated: list[set[str]] = []
    results: list[set[str]] = []
    for index, statements in enumerate(steps):
        definite: set[str] = set()
        exposed: set[str] = set()
        changed: set[str] = set()
        written: set[str] = set()
        deleted: set[str] = set()
        for statement in statements:
            du = defuse[statement]
            exposed |= {n for n in du.reads | du.mutates if n not in definite}
            changed |= {n for n in du.mutates if n not in definite}
            # A variable only sometimes rebound here still needs its earlier value.
            exposed |= {n for n in du.writes - du.definite_writes if n not in definite}
            definite |= du.definite_writes
            definite -= du.deletes
            written |= du.writes | du.mutates
            deleted = (deleted | du.deletes) - du.writes
        step_inputs = {n for n in exposed & data_names if n in producer}
        for name in step_inputs:
            outputs[producer[name]].add(name)
        inputs.append(step_inputs)
        mutated.append(changed & step_inputs)
        results.append(final_results(statements, models) & written)
        for name in written & data_names:
            producer[name] = index
        for name in deleted:
            producer.pop(name, None)
    for name, index in producer.items():
        if name in results[index]:
            outputs[index].add(name)
    return [
        Flow(tuple(sorted(i)), tuple(sorted(o | m)), tuple(sorted(m)))
        for i, o, m in zip(inputs, outputs, mutated, strict=True)
    ]


# Calls whose result changes between runs or depends on files: never a shared constant.
_VOLATILE = re.compile(
    r"load|read|fetch|open|download|rand|choice|shuffle|sample|normal|uniform|seed|now|today"
    r"|time|input",
    re.IGNORECASE,
)


def _constant_assignment(node: ast.stmt) -> bool:
    """``NAME = <expression>`` that does no ML work, reads no file and draws no random number."""
    if isinstance(node, ast.Assign):
        simple = len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
    else:
        simple = isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
        simple = simple and getattr(node, "value", None) is not None
    calls = [n for n in ast.walk(node) if isinstance(n, ast.Call)]
    volatile = any(_VOLATILE.search(ast.unparse(call.func)) for call in calls)
    return simple and not volatile and statement_role(node) is None


def find_constants(
    names: set[str],
    statements: list[Statement],
    defuse: Mapping[Statement, DefUse],
    available: frozenset[str],
) -> dict[str, Statement]:
    """Which of ``names`` (variables the notebook's functions read) are constants, with the
    constants they are computed from: assigned once, never changed, from ``available``
    names (imports, parameters, definitions) and other constants. Each maps to the
    statement assigning it."""
    writers: dict[str, list[Statement]] = {}
    for statement in statements:
        du = defuse[statement]
        for name in du.writes | du.mutates | du.deletes:
            writers.setdefault(name, []).append(statement)
    found: dict[str, Statement] = {}

    def constant(name: str, seen: frozenset[str]) -> bool:
        if name in found or name in available or name in BUILTIN_NAMES:
            return True
        assigned = writers.get(name, [])
        if name in seen or len(assigned) != 1 or not _constant_assignment(assigned[0].node):
            return False
        du = defuse[assigned[0]]
        if du.mutates or name not in du.definite_writes:
            return False
        if all(constant(read, seen | {name}) for read in du.reads):
            found[name] = assigned[0]
            return True
        return False

    for name in sorted(names):
        constant(name, frozenset())
    return found


def needed_constants(
    reads: set[str], constants: Mapping[str, Statement], defuse: Mapping[Statement, DefUse]
) -> list[Statement]:
    """The statements of the constants ``reads`` names and of those they are computed from,
    in notebook order."""
    needed: set[str] = set()
    stack = [name for name in reads if name in constants]
    while stack:
        name = stack.pop()
        if name not in needed:
            needed.add(name)
            stack += [r for r in defuse[constants[name]].reads if r in constants]
    return sorted({constants[n] for n in needed}, key=lambda s: (s.cell, s.line))


SHARED_ALIAS = "_shared"
# How a step module reaches its package's shared module without knowing the package name.
SHARED_IMPORT = f"from .. import shared as {SHARED_ALIAS}"


@dataclass(frozen=True)
class VariableSetter:
    """A statement a step runs before it uses ``definition``, which reads the step variable
    ``variable`` as a global (at ``where`` in the notebook)."""

    statement: Statement
    variable: str
    definition: str
    where: str


def set_shared_variables(
    grouped: list[list[Statement]],
    defuse: dict[Statement, DefUse],
    variables: Mapping[str, Mapping[str, str]],
) -> tuple[list[list[Statement]], dict[Statement, VariableSetter]]:
    """Insert ``_shared.y = y`` before a step's first statement that uses a definition reading
    the step variable ``y`` — by its name, or through a value made with it (``model =
    DecisionTree()`` then ``model.fit(...)``) — so the shared code reads what the notebook's
    did. ``variables`` maps each definition to {variable: where it reads it}."""
    carriers: dict[str, dict[str, tuple[str, str]]] = {
        name: {v: (name, at) for v, at in found.items()} for name, found in variables.items()
    }
    setters: dict[Statement, VariableSetter] = {}
    result = []
    for statements in grouped:
        done: set[str] = set()
        members: list[Statement] = []
        for statement in statements:
            du = defuse[statement]
            needed: dict[str, tuple[str, str]] = {}
            for name in sorted(du.reads | du.mutates):
                needed.update(carriers.get(name, {}))
            for target in _made_from(statement.node, carriers):
                carriers.setdefault(target, {}).update(needed)
            for variable in sorted(needed.keys() - done):
                definition, at = needed[variable]
                source = f"{SHARED_ALIAS}.{variable} = {variable}  # `{definition}` reads it"
                setter = Statement(
                    statement.cell, statement.line, source, ast.parse(source).body[0]
                )
                defuse[setter] = DefUse(
                    reads=frozenset({variable}),
                    writes=frozenset(),
                    definite_writes=frozenset(),
                    mutates=frozenset(),
                    deletes=frozenset(),
                )
                setters[setter] = VariableSetter(setter, variable, definition, at)
                members.append(setter)
                done.add(variable)
            members.append(statement)
        result.append(members)
    return result, setters


def _made_from(node: ast.stmt, carriers: Mapping[str, object]) -> list[str]:
    """Names ``node`` binds to an instance of a carrier (``m = DecisionTree()``) or to a
    carrier itself (``best = m``)."""
    if not isinstance(node, ast.Assign):
        return []
    value = node.value.func if isinstance(node.value, ast.Call) else node.value
    if not (isinstance(value, ast.Name) and value.id in carriers):
        return []
    return sorted({n for target in node.targets for n in target_names(target)})
