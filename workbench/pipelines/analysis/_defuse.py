"""Static def/use of one top-level statement: what it reads before writing, what it binds,
what it modifies in place.

Reads are *upward exposed*: a name read after the same statement definitely bound it is
not a read. Bindings inside a branch or loop body are writes, but not definite ones. A
mutation (``x[k] = v``, ``x.a = v``, ``x.fit(...)``, ``x.append(...)``, any
``inplace=True`` call, or a call of a notebook function that mutates that argument) both
reads ``x`` and makes a new version of it.
"""

from __future__ import annotations

import ast
import symtable
from collections.abc import Mapping
from dataclasses import dataclass, field

# Methods that modify their receiver: containers, pandas/numpy in-place methods, and
# estimators (fitting changes the estimator even when the result is also assigned).
MUTATING_METHODS = frozenset(
    {
        "append", "extend", "update", "insert", "pop", "popitem", "remove", "sort", "reverse",
        "clear", "setdefault", "add", "discard", "difference_update", "intersection_update",
        "symmetric_difference_update", "appendleft", "extendleft", "popleft", "rotate",
        "fill", "resize", "put", "itemset", "fit", "partial_fit", "fit_transform",
        "fit_predict", "fit_resample", "set_params", "set_output", "compile",
    }
)  # fmt: skip
# Functions that shuffle their first argument in place (random.shuffle, rng.shuffle).
SHUFFLES = frozenset({"shuffle"})
DYNAMIC_CALLS = {
    "exec": "`exec` runs code the analysis cannot see",
    "eval": "`eval` runs code the analysis cannot see",
    "globals": "`globals()` reads or writes notebook variables the analysis cannot see",
    "locals": "`locals()` reads or writes notebook variables the analysis cannot see",
    "vars": "`vars()` without an argument reads notebook variables the analysis cannot see",
}


@dataclass(frozen=True)
class FunctionEffect:
    """What calling a notebook function does to its arguments: ``params`` in positional
    order, ``mutated`` the ones it modifies in place."""

    params: tuple[str, ...]
    mutated: frozenset[str]


@dataclass(frozen=True)
class DefUse:
    """Names one statement reads (before writing), writes, modifies and deletes.

    ``problems`` holds (line in the parsed cell, reason) for code the analysis cannot
    follow (``exec``, ``eval``, ``globals()``, ``global`` inside a function).
    """

    reads: frozenset[str]
    writes: frozenset[str]
    definite_writes: frozenset[str]
    mutates: frozenset[str]
    deletes: frozenset[str]
    problems: tuple[tuple[int, str], ...] = ()


@dataclass
class _Walker:
    effects: Mapping[str, FunctionEffect]
    bound: set[str] = field(default_factory=set)
    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    mutates: set[str] = field(default_factory=set)
    deletes: set[str] = field(default_factory=set)
    problems: list[tuple[int, str]] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)

    # -- names ---------------------------------------------------------------------------
    def read(self, name: str) -> None:
        if name not in self.bound:
            self.reads.add(name)

    def bind(self, name: str) -> None:
        self.writes.add(name)
        self.bound.add(name)

    def mutate(self, name: str) -> None:
        self.read(name)
        self.mutates.add(name)
        if name in self.aliases:  # a loop variable: its container changes too
            self.mutate(self.aliases.pop(name))

    def mutate_root(self, node: ast.expr) -> None:
        root = root_name(node)
        if root is not None:
            self.mutate(root)

    # -- statements ----------------------------------------------------------------------
    def stmts(self, body: list[ast.stmt]) -> None:
        for node in body:
            self.stmt(node)

    def branch(self, body: list[ast.stmt]) -> set[str]:
        """Walk a body that may not run; return what it definitely binds on top of now."""
        saved = set(self.bound)
        self.stmts(body)
        result, self.bound = self.bound, saved
        return result

    def stmt(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Assign):
            self.expr(node.value)
            for target in node.targets:
                self.target(target)
        elif isinstance(node, ast.AugAssign):
            self.expr(node.value)
            if isinstance(node.target, ast.Name):
                self.read(node.target.id)
                self.bind(node.target.id)
            else:
                self.target(node.target)
        elif isinstance(node, ast.AnnAssign):
            self.expr(node.annotation)
            if node.value is not None:
                self.expr(node.value)
                self.target(node.target)
        elif isinstance(node, ast.For | ast.AsyncFor):
            self.expr(node.iter)
            saved = set(self.bound)
            container = _container(node.iter)
            if container is not None:
                for name in target_names(node.target):
                    self.aliases[name] = container
            self.target(node.target)
            self.stmts(node.body)
            self.stmts(node.orelse)
            self.aliases.clear()
            self.bound = saved
        elif isinstance(node, ast.While):
            self.expr(node.test)
            self.branch(node.body + node.orelse)
        elif isinstance(node, ast.If):
            self.expr(node.test)
            self.bound = self.branch(node.body) & self.branch(node.orelse)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                self.expr(item.context_expr)
                if item.optional_vars is not None:
                    self.target(item.optional_vars)
            self.stmts(node.body)
        elif isinstance(node, ast.Try | ast.TryStar):
            after = self.branch(node.body + node.orelse)
            for handler in node.handlers:
                if handler.type is not None:
                    self.expr(handler.type)
                saved = set(self.bound)
                if handler.name:
                    self.bind(handler.name)
                self.stmts(handler.body)
                after &= self.bound
                self.bound = saved
            self.bound = after
            self.stmts(node.finalbody)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.read(target.id)
                    self.deletes.add(target.id)
                    self.bound.discard(target.id)
                else:
                    self.target(target)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                if alias.name != "*":
                    self.bind(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            free, global_writes = scope_globals(node)
            for name in sorted(free - {node.name}):
                self.read(name)
            declarations = [n for n in ast.walk(node) if isinstance(n, ast.Global)]
            for name in sorted(global_writes):
                line = next((d.lineno for d in declarations if name in d.names), node.lineno)
                self.problems.append(
                    (
                        line,
                        f"`{node.name}` declares `global {name}` and assigns it; a pipeline "
                        "step cannot see that change — return the value instead",
                    )
                )
            self.bind(node.name)
        elif isinstance(node, ast.Match):
            self.expr(node.subject)
            for case in node.cases:
                saved = set(self.bound)
                self.pattern(case.pattern)
                if case.guard is not None:
                    self.expr(case.guard)
                self.stmts(case.body)
                self.bound = saved
        elif isinstance(node, ast.Global | ast.Nonlocal):
            return  # at the top level, `global` changes nothing
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.expr(child)
                elif isinstance(child, ast.stmt):
                    self.stmt(child)

    def pattern(self, node: ast.pattern) -> None:
        for child in ast.walk(node):
            if isinstance(child, ast.MatchValue):
                self.expr(child.value)
            elif isinstance(child, ast.MatchClass):
                self.expr(child.cls)
            elif isinstance(child, ast.MatchAs | ast.MatchStar) and child.name:
                self.bind(child.name)
            elif isinstance(child, ast.MatchMapping) and child.rest:
                self.bind(child.rest)

    def target(self, node: ast.expr) -> None:
        if isinstance(node, ast.Name):
            self.bind(node.id)
        elif isinstance(node, ast.Tuple | ast.List):
            for element in node.elts:
                self.target(element)
        elif isinstance(node, ast.Starred):
            self.target(node.value)
        elif isinstance(node, ast.Attribute | ast.Subscript):
            self.expr_parts(node)
            self.mutate_root(node)

    def expr_parts(self, node: ast.Attribute | ast.Subscript) -> None:
        """Reads inside a store target other than its root (the subscript's index)."""
        if isinstance(node, ast.Subscript):
            self.expr(node.slice)
        if isinstance(node.value, ast.Attribute | ast.Subscript):
            self.expr_parts(node.value)
        elif not isinstance(node.value, ast.Name):
            self.expr(node.value)

    # -- expressions ---------------------------------------------------------------------
    def expr(self, node: ast.expr) -> None:
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                self.read(node.id)
        elif isinstance(node, ast.NamedExpr):
            self.expr(node.value)
            self.bind(node.target.id)
        elif isinstance(node, ast.Lambda):
            for default in [*node.args.defaults, *node.args.kw_defaults]:
                if default is not None:
                    self.expr(default)
            free, _ = scope_globals(node)
            for name in sorted(free):
                self.read(name)
        elif isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            self.comprehension(node)
        elif isinstance(node, ast.Call):
            self.call(node)
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.expr(child)

    def comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
    ) -> None:
        # The first iterable is evaluated outside; the targets are local to the comprehension.
        self.expr(node.generators[0].iter)
        local = {n for gen in node.generators for n in target_names(gen.target)}
        inner = _Walker(self.effects, bound=self.bound | local, aliases={})
        parts: list[ast.expr] = [gen.iter for gen in node.generators[1:]]
        parts += [cond for gen in node.generators for cond in gen.ifs]
        parts += [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        for part in parts:
            inner.expr(part)
        self.reads |= inner.reads - local
        self.mutates |= inner.mutates - local
        self.problems += inner.problems
        for name in inner.writes - local:  # walrus binds in the enclosing scope
            self.bind(name)

    def call(self, node: ast.Call) -> None:
        func = node.func
        dynamic = func.id if isinstance(func, ast.Name) and func.id in DYNAMIC_CALLS else None
        if dynamic is not None and not (dynamic == "vars" and node.args):
            self.problems.append((node.lineno, DYNAMIC_CALLS[dynamic]))
        self.expr(func)
        for arg in node.args:
            self.expr(arg)
        for keyword in node.keywords:
            self.expr(keyword.value)
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if isinstance(func, ast.Attribute) and (func.attr in MUTATING_METHODS or has_inplace(node)):
            self.mutate_root(func.value)
        if name in SHUFFLES and node.args:
            self.mutate_root(node.args[0])
        effect = self.effects.get(name or "") if isinstance(func, ast.Name) else None
        if effect is not None:
            for param, arg in zip(effect.params, node.args, strict=False):
                if param in effect.mutated:
                    self.mutate_root(arg)
            for keyword in node.keywords:
                if keyword.arg in effect.mutated:
                    self.mutate_root(keyword.value)


def root_name(node: ast.expr) -> str | None:
    """``df`` for ``df``, ``df.loc[0, "a"]`` or ``model.steps[0].coef_``; None otherwise."""
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _container(node: ast.expr) -> str | None:
    """The variable whose elements a loop visits: ``models`` in ``models``,
    ``models.items()``, ``enumerate(models)``."""
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in {"items", "values"}:
            return root_name(func.value)
        if isinstance(func, ast.Name) and func.id in {"enumerate", "reversed", "list"}:
            return root_name(node.args[0]) if node.args else None
        return None
    return root_name(node)


def target_names(node: ast.expr) -> set[str]:
    """Names a store target binds (``a, (b, *c)`` → a, b, c)."""
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.Tuple | ast.List):
        return {name for element in node.elts for name in target_names(element)}
    if isinstance(node, ast.Starred):
        return target_names(node.value)
    return set()


def has_inplace(node: ast.Call) -> bool:
    return any(
        k.arg == "inplace" and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in node.keywords
    )


def scope_globals(
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda,
) -> tuple[frozenset[str], frozenset[str]]:
    """(global names the definition reads — at definition or call time —, names its body
    declares ``global`` and assigns), from Python's own symbol table."""
    table = symtable.symtable(ast.unparse(node), "<notebook>", "exec")
    reads = {s.get_name() for s in table.get_symbols() if s.is_referenced()}
    global_writes: set[str] = set()
    stack = list(table.get_children())
    while stack:
        scope = stack.pop()
        stack.extend(scope.get_children())
        for symbol in scope.get_symbols():
            if symbol.is_global() and symbol.is_referenced():
                reads.add(symbol.get_name())
            if symbol.is_declared_global() and symbol.is_assigned():
                global_writes.add(symbol.get_name())
    return frozenset(reads), frozenset(global_writes)


def analyze_statement(
    node: ast.stmt, effects: Mapping[str, FunctionEffect] | None = None
) -> DefUse:
    """The def/use of one top-level statement; ``effects`` says which arguments the
    notebook's own functions mutate.

    Example:
        >>> du = analyze_statement(ast.parse("df['y'] = df.x * k").body[0])
        >>> sorted(du.reads), sorted(du.mutates)
        (['df', 'k'], ['df'])
    """
    walker = _Walker(effects or {})
    walker.stmt(node)
    return DefUse(
        reads=frozenset(walker.reads),
        writes=frozenset(walker.writes),
        definite_writes=frozenset(walker.bound),
        mutates=frozenset(walker.mutates),
        deletes=frozenset(walker.deletes),
        problems=tuple(walker.problems),
    )


def function_effects(
    definitions: list[ast.FunctionDef | ast.AsyncFunctionDef],
) -> dict[str, FunctionEffect]:
    """Which parameters each function mutates, through calls of the others too (to a
    fixed point)."""
    effects: dict[str, FunctionEffect] = {}
    for node in definitions:
        args = node.args
        positional = tuple(a.arg for a in [*args.posonlyargs, *args.args])
        effects[node.name] = FunctionEffect(positional, frozenset())
    changed = True
    while changed:
        changed = False
        for node in definitions:
            args = node.args
            params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
            walker = _Walker(effects, bound=set(params))
            walker.stmts(node.body)
            mutated = frozenset(walker.mutates & params)
            if mutated != effects[node.name].mutated:
                effects[node.name] = FunctionEffect(effects[node.name].params, mutated)
                changed = True
    return effects
