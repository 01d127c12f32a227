"""Notebook analysis: a ``.ipynb`` becomes a step plan for the pipeline package generator.

Rules the analysis follows where a notebook leaves room for choice:

- Steps: ``step:<name>`` tags, then ``#``/``##`` headings (when two or more have code
  under them), then roles inferred from calls (see ``_steps`` and ``_roles``).
- Imports, functions and classes are notebook-wide: imports are repeated in every step
  that needs them, definitions go to the shared module whatever cell defined them; one
  defined again differently keeps each version under its own name (see ``_redefinitions``).
- Parameters: the literal assignments of the cell tagged ``parameters``; without that
  tag, every ``NAME = <literal>`` assigned once and read somewhere. Once there is a
  ``parameters`` cell, other literals stay ordinary code.
- Display-only statements (bare inspections, prints, plots) are dropped with a warning; a
  bare call that may change state (``model.fit(X, y)``, ``df.to_csv(...)``) is kept.
- The fingerprint hashes ``ast.unparse`` of the code, so comment and whitespace edits do
  not change it, and nor do cell positions or markdown.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

from workbench.pipelines.analysis._cells import Cell, Statement, load_notebook, read_cells
from workbench.pipelines.analysis._dataflow import (
    BUILTIN_NAMES,
    SHARED_IMPORT,
    check_defined_before_use,
    find_constants,
    needed_constants,
    set_shared_variables,
    step_flows,
)
from workbench.pipelines.analysis._defuse import (
    DefUse,
    analyze_statement,
    function_effects,
    root_name,
)
from workbench.pipelines.analysis._errors import AnalysisError, where
from workbench.pipelines.analysis._magics import Install
from workbench.pipelines.analysis._params import find_parameters
from workbench.pipelines.analysis._plan import Definition, NotebookPlan, Parameter, Step
from workbench.pipelines.analysis._redefinitions import distinct_versions
from workbench.pipelines.analysis._roles import (
    display_assignment,
    is_display_only,
    is_metric_value,
    statement_role,
    strongest,
    unsupervised_models,
)
from workbench.pipelines.analysis._steps import group_cells

__all__ = ["AnalysisError", "Definition", "NotebookPlan", "Parameter", "Step", "analyze_notebook"]

_Def = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def analyze_notebook(notebook: str | Path | Any) -> NotebookPlan:
    """Cut a notebook into pipeline steps, parameters and shared code.

    Args:
        notebook: a path to a ``.ipynb`` file or a ``nbformat`` ``NotebookNode``.

    Raises:
        AnalysisError: for code the analysis cannot follow, naming the cell and line.

    Example:
        >>> import nbformat.v4 as nbf
        >>> nb = nbf.new_notebook(cells=[
        ...     nbf.new_code_cell("from sklearn.datasets import load_iris"),
        ...     nbf.new_code_cell("X, y = load_iris(return_X_y=True)"),
        ... ])
        >>> [step.name for step in analyze_notebook(nb).steps]
        ['load']
    """
    warnings: list[str] = []
    installs: list[Install] = []
    cells = distinct_versions(read_cells(load_notebook(notebook), warnings, installs), warnings)
    statements = [s for cell in cells for s in cell.statements]
    imports, definitions = _imports_and_definitions(statements)
    functions = [
        s.node
        for s in definitions.values()
        if isinstance(s.node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    effects = function_effects(functions)
    defuse = {s: analyze_statement(s.node, effects) for s in statements}
    # `np.sort(x)` looks like `values.sort()`, but a module is imported anew by every step:
    # calling one of its functions changes no value that crosses steps.
    defuse = {
        s: dataclasses.replace(du, mutates=du.mutates - imports.keys()) if du.mutates else du
        for s, du in defuse.items()
    }
    _refuse_problems(defuse)
    _refuse_rebinding(statements, defuse, imports, definitions)

    names_read = Counter(name for du in defuse.values() for name in du.reads)
    parameters, parameter_statements = find_parameters(cells, defuse, names_read, warnings)
    parameter_names = {p.name for p in parameters}
    code = [
        s
        for s in statements
        if s not in parameter_statements
        and not isinstance(s.node, ast.Import | ast.ImportFrom | _Def)
    ]
    display = _display_statements(code, defuse, warnings)
    kept = [s for s in code if s not in display]
    for statement in kept:
        if isinstance(statement.node, ast.Expr) and is_metric_value(statement.node.value):
            warnings.append(
                f"{where(statement.cell, statement.line)}: a metric computed but not "
                "assigned is kept in the step; assign it to a name to export it"
            )

    notebook_wide = frozenset(imports) | frozenset(parameter_names) | frozenset(definitions)
    data_names = {n for s in kept for n in defuse[s].writes} - notebook_wide
    read_by_definitions = {r for s in definitions.values() for r in defuse[s].reads}
    # A value computed from parameters must follow their overrides: a step variable, not this.
    computable = frozenset(imports) | frozenset(definitions)
    constants = find_constants(read_by_definitions & data_names, kept, defuse, computable)
    kept = [s for s in kept if s not in set(constants.values())]
    notebook_wide |= frozenset(constants)
    data_names -= set(constants)
    setup = {s for s in kept if _is_setup(s, defuse[s], imports, data_names)}
    shared_cells = {**definitions, **constants}
    models = unsupervised_models(s.node for s in kept)
    step_cells, categories = _cell_roles(
        cells, kept, setup, parameter_statements, shared_cells, models
    )
    groups, cell_map = group_cells(cells, step_cells, categories, warnings)
    by_cell: dict[int, list[Statement]] = {}
    for statement in kept:
        by_cell.setdefault(statement.cell, []).append(statement)
    grouped = [[s for index in g.cells for s in by_cell[index]] for g in groups]
    grouped = [_with_constants(members, constants, defuse) for members in grouped]

    shared = _definitions(shared_cells, defuse, imports, parameter_names, data_names, warnings)
    grouped, setters = set_shared_variables(grouped, defuse, _variables_read(shared))
    check_defined_before_use(grouped, defuse, notebook_wide, definitions, warnings, setters)
    flows = step_flows(grouped, defuse, data_names, models)
    steps = []
    for group, members, flow in zip(groups, grouped, flows, strict=True):
        reads = {n for s in members for n in defuse[s].reads}
        used = _used_definitions(reads, shared)
        params = reads & parameter_names
        params |= {p for d in shared if d.name in used for p in d.parameters}
        sources = ["\n".join(s.source for s in members if s.cell == cell) for cell in group.cells]
        step_imports = _render_imports(reads, imports)
        if any(s in setters for s in members):
            step_imports += (SHARED_IMPORT,)
        steps.append(
            Step(
                name=group.name,
                role=group.role,
                cells=tuple(group.cells),
                source="\n\n".join(source for source in sources if source),
                inputs=flow.inputs,
                outputs=flow.outputs,
                mutated=flow.mutated,
                imports=step_imports,
                parameters=tuple(sorted(params)),
                functions=used,
            )
        )
    needed = {name for d in shared for name in d.imports}
    parts = ["\n".join(_render_imports(needed, imports)), *(d.source for d in shared)]
    shared_code = "\n\n\n".join(part for part in parts if part)
    plan = NotebookPlan(
        steps=tuple(steps),
        parameters=tuple(parameters),
        shared_code=shared_code + "\n" if shared_code else "",
        definitions=tuple(shared),
        cell_map=cell_map,
        warnings=tuple(warnings),
        installs=tuple(installs),
    )
    fingerprint = _fingerprint(plan, grouped, shared, shared_cells)
    return dataclasses.replace(plan, fingerprint=fingerprint)


def _imports_and_definitions(
    statements: list[Statement],
) -> tuple[dict[str, list[tuple[Statement, str]]], dict[str, Statement]]:
    """Import statements by bound name (each rendered for one name), and top-level
    functions and classes by name."""
    imports: dict[str, list[tuple[Statement, str]]] = {}
    definitions: dict[str, Statement] = {}
    for statement in statements:
        node = statement.node
        if isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                if alias.name == "*":
                    raise AnalysisError(
                        f"`{statement.source.strip()}` hides which names it defines; import "
                        "the names you use",
                        statement.cell,
                        statement.line,
                    )
                bound = alias.asname or alias.name.split(".")[0]
                single: ast.stmt = (
                    ast.Import(names=[alias])
                    if isinstance(node, ast.Import)
                    else ast.ImportFrom(module=node.module, names=[alias], level=node.level)
                )
                imports.setdefault(bound, []).append((statement, ast.unparse(single)))
        elif isinstance(node, _Def):  # a different later version has its own name by now
            definitions.setdefault(node.name, statement)
    return imports, definitions


def _line(statement: Statement, lineno: int) -> int:
    node = statement.node
    start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    return statement.line + lineno - start


def _refuse_problems(defuse: dict[Statement, DefUse]) -> None:
    for statement, du in defuse.items():
        for lineno, reason in du.problems:
            raise AnalysisError(reason, statement.cell, _line(statement, lineno))


def _refuse_rebinding(
    statements: list[Statement],
    defuse: dict[Statement, DefUse],
    imports: dict[str, list[tuple[Statement, str]]],
    definitions: dict[str, Statement],
) -> None:
    """An imported or defined name must not also be a variable."""
    for statement in statements:
        if isinstance(statement.node, ast.Import | ast.ImportFrom | _Def):
            continue
        du = defuse[statement]
        for name in sorted(du.writes | du.deletes):
            origin = definitions.get(name) or (imports[name][0][0] if name in imports else None)
            if origin is not None:
                kind = "defined" if name in definitions else "imported"
                raise AnalysisError(
                    f"`{name}` is {kind} in {where(origin.cell, origin.line)} and assigned "
                    "here; use a different variable name",
                    statement.cell,
                    statement.line,
                )


def _display_statements(
    code: list[Statement], defuse: dict[Statement, DefUse], warnings: list[str]
) -> set[Statement]:
    """Display-only statements; a figure assignment stays display only while no kept
    statement reads the figure. Nothing in a cell that writes a file (``fig.savefig(
    "fig.png")``) is display only: its plotting draws what the file holds."""
    from workbench.pipelines.analysis._written_files import written_paths

    saving = {s.cell for s in code if written_paths(s.source)}
    candidates = [s for s in code if s.cell not in saving]
    figures = {s: display_assignment(s.node) for s in candidates}
    figures = {s: names for s, names in figures.items() if names}
    while True:
        names = {n for found in figures.values() for n in found}
        display = set(figures) | {s for s in candidates if is_display_only(s.node, names)}
        read = {n for s in code if s not in display for n in defuse[s].reads}
        needed = {s for s, found in figures.items() if found & read}
        if not needed:
            break
        for statement in needed:
            del figures[statement]
    for statement in sorted(display, key=lambda s: (s.cell, s.line)):
        code_lines = [r for r in statement.source.splitlines() if not r.lstrip().startswith("#")]
        shown = code_lines[0].strip() if code_lines else statement.source.strip()
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        warnings.append(
            f"{where(statement.cell, statement.line)}: dropped display-only code `{shown}`"
        )
    return display


def _is_setup(
    statement: Statement, du: DefUse, imports: dict[str, Any], data_names: set[str]
) -> bool:
    """A configuration call on a library (``warnings.filterwarnings(...)``,
    ``np.random.seed(SEED)``) that touches no notebook variable."""
    node = statement.node
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
        return False
    return root_name(node.value.func) in imports and not (du.reads | du.writes) & data_names


def _cell_roles(
    cells: list[Cell],
    kept: list[Statement],
    setup: set[Statement],
    parameter_statements: set[Statement],
    definitions: dict[str, Statement],
    models: frozenset[str],
) -> tuple[dict[int, str], dict[int, str]]:
    """(role of each cell holding step code — ``setup`` when it only configures libraries —,
    what each other code cell is); ``models`` are names bound to unsupervised estimators."""
    roles: dict[int, list[str | None]] = {}
    for statement in kept:
        role = "setup" if statement in setup else statement_role(statement.node, models)
        roles.setdefault(statement.cell, []).append(role)
    step_cells = {
        index: "setup" if set(found) == {"setup"} else strongest(found) or "features"
        for index, found in roles.items()
    }
    defined = {s.cell for s in definitions.values()}
    categories: dict[int, str] = {}
    for cell in cells:
        if cell.kind != "code" or cell.index in step_cells:
            continue
        if "skip" in cell.tags:
            categories[cell.index] = "skip"
        elif "parameters" in cell.tags or any(s in parameter_statements for s in cell.statements):
            categories[cell.index] = "parameters"
        elif cell.index in defined:
            categories[cell.index] = "shared"
        elif any(isinstance(s.node, ast.Import | ast.ImportFrom) for s in cell.statements):
            categories[cell.index] = "imports"
        elif cell.statements:
            categories[cell.index] = "display"
    return step_cells, categories


def _definitions(
    definitions: dict[str, Statement],
    defuse: dict[Statement, DefUse],
    imports: dict[str, list[tuple[Statement, str]]],
    parameter_names: set[str],
    data_names: set[str],
    warnings: list[str],
) -> list[Definition]:
    """The shared functions, classes and constants in notebook order, each with the globals
    it reads; a step variable one reads is set by the steps that use it."""
    shared = []
    for name, statement in sorted(definitions.items(), key=lambda i: (i[1].cell, i[1].line)):
        reads = sorted(defuse[statement].reads - {name})
        node = statement.node
        variables = [read for read in reads if read in data_names]
        for read in variables:
            line = _line(statement, _first_read(node, read))
            warnings.append(
                f"{where(statement.cell, line)}: `{name}` reads the notebook variable `{read}`; "
                f"the steps that use `{name}` set `{read}` for it first"
            )
        for read in reads:
            known = read in imports or read in parameter_names or read in definitions
            if not known and read not in BUILTIN_NAMES and read not in data_names:
                raise AnalysisError(
                    f"`{name}` reads `{read}`, which no cell defines (cells tagged `skip` do "
                    f"not count); define `{read}` in a cell or pass it to `{name}`",
                    statement.cell,
                    _line(statement, _first_read(node, read)),
                )
        kind = "class" if isinstance(node, ast.ClassDef) else "function"
        if not isinstance(node, _Def):
            kind = "constant"
            warnings.append(
                f"{where(statement.cell, statement.line)}: `{name}` is read by a function; it "
                "became a shared constant (in shared.py and in each step that reads it)"
            )
        shared.append(
            Definition(
                name=name,
                kind=kind,
                cell=statement.cell,
                line=statement.line,
                source=statement.source,
                globals_read=tuple(r for r in reads if r not in BUILTIN_NAMES or r in imports),
                imports=tuple(r for r in reads if r in imports),
                parameters=tuple(r for r in reads if r in parameter_names),
                definitions=tuple(
                    r for r in reads if r in definitions and isinstance(definitions[r].node, _Def)
                ),
                constants=tuple(
                    r
                    for r in reads
                    if r in definitions and not isinstance(definitions[r].node, _Def)
                ),
                variables=tuple(variables),
            )
        )
    return shared


def _first_read(node: ast.stmt, name: str) -> int:
    """The line in ``node``'s parsed cell where ``name`` is first read."""
    lines = [n.lineno for n in ast.walk(node) if isinstance(n, ast.Name) and n.id == name]
    return min(lines, default=node.lineno)


def _variables_read(shared: list[Definition]) -> dict[str, dict[str, str]]:
    """{definition: {step variable it reads, directly or through the definitions it uses:
    where}}, for the definitions that read any."""
    by_name = {d.name: d for d in shared}
    found: dict[str, dict[str, str]] = {}
    for definition in shared:
        reads: dict[str, str] = {}
        seen, stack = {definition.name}, [definition.name]
        while stack:
            used = by_name[stack.pop()]
            for variable in used.variables:
                reads.setdefault(variable, f"{where(used.cell, used.line)}, `{used.name}`")
            for name in set(used.definitions) - seen:
                seen.add(name)
                stack.append(name)
        if reads and definition.kind != "constant":
            found[definition.name] = reads
    return found


def _with_constants(
    members: list[Statement], constants: dict[str, Statement], defuse: dict[Statement, DefUse]
) -> list[Statement]:
    """A step's statements with the shared constants it reads assigned before their first use
    (so its cache key covers their values)."""
    names = set(constants)
    first = next((i for i, s in enumerate(members) if defuse[s].reads & names), None)
    if first is None:
        return members
    reads = {n for s in members for n in defuse[s].reads}
    target = members[first]
    copies = []
    for constant in needed_constants(reads, constants, defuse):
        copy = Statement(target.cell, target.line, constant.source, constant.node)
        defuse[copy] = defuse[constant]
        copies.append(copy)
    return [*members[:first], *copies, *members[first:]]


def _used_definitions(reads: set[str], shared: list[Definition]) -> tuple[str, ...]:
    """The definitions among ``reads`` and every definition they use, directly or not."""
    uses = {d.name: set(d.definitions) for d in shared if d.kind != "constant"}
    seen = reads & set(uses)
    stack = list(seen)
    while stack:
        for used in uses[stack.pop()] - seen:
            seen.add(used)
            stack.append(used)
    return tuple(sorted(seen))


def _render_imports(
    names: set[str], imports: dict[str, list[tuple[Statement, str]]]
) -> tuple[str, ...]:
    """The import statements binding ``names``, in notebook order."""
    found = sorted(
        (imports[name][0][0].cell, imports[name][0][0].line, imports[name][0][1])
        for name in names
        if name in imports
    )
    return tuple(dict.fromkeys(text for _, _, text in found))


def _fingerprint(
    plan: NotebookPlan,
    grouped: list[list[Statement]],
    shared: list[Definition],
    definitions: dict[str, Statement],
) -> str:
    payload = {
        "steps": [
            {
                "name": step.name,
                "role": step.role,
                "code": [ast.unparse(s.node) for s in members],
                "imports": list(step.imports),
                "inputs": list(step.inputs),
                "outputs": list(step.outputs),
                "parameters": list(step.parameters),
            }
            for step, members in zip(plan.steps, grouped, strict=True)
        ],
        "parameters": [[p.name, p.type, repr(p.value)] for p in plan.parameters],
        "shared": [ast.unparse(definitions[d.name].node) for d in shared],
        "shared_imports": sorted({name for d in shared for name in d.imports}),
    }
    if plan.installs:  # only then, so the fingerprints of other notebooks stay as they were
        payload["installs"] = sorted({i.requirement for i in plan.installs})
    text = json.dumps(payload, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
