"""Which variables cross steps: a step's inputs are the names it reads that an earlier step
produced; its outputs the names a later step reads from it, its final metrics and models,
and whatever it modifies in place."""

from __future__ import annotations

import ast
import builtins
from collections.abc import Mapping
from dataclasses import dataclass

from workbench.pipelines._cells import Statement
from workbench.pipelines._defuse import DefUse
from workbench.pipelines._errors import AnalysisError, where
from workbench.pipelines._roles import fitted_names, is_metric_value, is_model_value
from workbench.pipelines._tracking import looks_like_metric

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
) -> None:
    """Raise on a variable read before any earlier cell defines it.

    ``notebook_wide`` names (imports, parameters, definitions) are available to every
    step; a definition used before the cell that defines it only earns a warning.
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


def final_results(statements: list[Statement]) -> set[str]:
    """Metrics and models a step computes: assigned from a metric or a training call, named
    like a metric (``cv_auc = scores.mean()``), or fitted in place with a target."""
    found: set[str] = set()
    for statement in statements:
        node = statement.node
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and (
                is_metric_value(node.value)
                or is_model_value(node.value)
                or looks_like_metric(target.id)
            ):
                found.add(target.id)
        found |= fitted_names(node)
    return found


def step_flows(
    steps: list[list[Statement]], defuse: Mapping[Statement, DefUse], data_names: set[str]
) -> list[Flow]:
    """Inputs, outputs and in-place changes of each step, given its statements in order."""
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
        results.append(final_results(statements) & written)
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
