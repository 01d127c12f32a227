"""Unseeded randomness: values that differ between two executions of the same notebook,
and the calls in a step's cells that draw random numbers without a seed.

The calls recognised (by name, wherever they are imported from):

- scikit-learn splitters and estimators that take ``random_state`` (``train_test_split``,
  ``RandomForestClassifier``, ``KMeans``, ... and ``KFold(shuffle=True)``) called without it;
- numpy's and Python's global generators (``np.random.rand``, ``random.shuffle``) when the
  notebook never seeds them, and ``default_rng()`` / ``RandomState()`` without a seed;
- ``DataFrame.sample(...)`` without ``random_state``.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.pipelines.analysis._cells import Statement, load_notebook, read_cells
from workbench.pipelines.analysis._errors import where
from workbench.pipelines.analysis._plan import NotebookPlan

__all__ = [
    "Nondeterminism",
    "UnseededCall",
    "differing_values",
    "nondeterministic_values",
    "randomness_warnings",
    "seed_notebook",
    "seed_source",
    "step_calls",
    "unseeded_calls",
    "unseeded_verdict",
]

RANDOM_STATE_APIS = frozenset(
    {
        "train_test_split", "ShuffleSplit", "StratifiedShuffleSplit", "GroupShuffleSplit",
        "RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier",
        "ExtraTreesRegressor", "GradientBoostingClassifier", "GradientBoostingRegressor",
        "HistGradientBoostingClassifier", "HistGradientBoostingRegressor",
        "DecisionTreeClassifier", "DecisionTreeRegressor", "ExtraTreeClassifier",
        "ExtraTreeRegressor", "BaggingClassifier", "BaggingRegressor", "AdaBoostClassifier",
        "AdaBoostRegressor", "IsolationForest", "RandomTreesEmbedding", "SGDClassifier",
        "SGDRegressor", "Perceptron", "MLPClassifier", "MLPRegressor", "KMeans",
        "MiniBatchKMeans", "TSNE", "RandomizedSearchCV", "make_classification",
        "make_regression", "make_blobs", "make_moons", "make_circles", "shuffle", "resample",
    }
)  # fmt: skip
SHUFFLING_SPLITTERS = frozenset({"KFold", "StratifiedKFold", "RepeatedKFold"})
GLOBAL_RANDOM_FUNCTIONS = frozenset(
    {
        "rand", "randn", "randint", "random", "random_sample", "choice", "permutation",
        "shuffle", "normal", "uniform", "binomial", "poisson", "exponential", "beta", "gamma",
        "standard_normal", "sample", "gauss", "randrange",
    }
)  # fmt: skip
GENERATORS = frozenset({"default_rng", "RandomState", "Random"})
SEED_KEYWORDS = frozenset({"random_state", "seed", "random_seed", "rng"})


@dataclass(frozen=True)
class UnseededCall:
    """A call drawing random numbers without a seed: ``cell`` 0-based, ``line`` 1-based."""

    cell: int
    line: int
    call: str
    missing: str

    def __str__(self) -> str:
        return f"{where(self.cell, self.line)}: `{self.call}` has no {self.missing}"


def _dotted(node: ast.expr) -> str:
    return ast.unparse(node)


def _is_global_generator(dotted: str) -> bool:
    parts = dotted.split(".")
    return len(parts) >= 2 and parts[-2] == "random"


def _seeds_globally(statements: Iterable[Statement]) -> bool:
    """The notebook calls ``np.random.seed(...)`` or ``random.seed(...)`` somewhere."""
    for statement in statements:
        for node in ast.walk(statement.node):
            if isinstance(node, ast.Call) and _dotted(node.func).endswith("random.seed"):
                return True
    return False


def _missing_seed(call: ast.Call, seeded_globally: bool) -> str | None:
    """What ``call`` lacks to be reproducible, or None when it is seeded (or not random)."""
    keywords = {k.arg for k in call.keywords}
    if None in keywords:  # **kwargs may carry the seed
        return None
    dotted = _dotted(call.func)
    last = dotted.rsplit(".", 1)[-1]
    if last in GENERATORS:
        return None if call.args or keywords & SEED_KEYWORDS else "seed"
    if _is_global_generator(dotted) and last in GLOBAL_RANDOM_FUNCTIONS:
        return None if seeded_globally else "seed (the global generator is never seeded)"
    if keywords & SEED_KEYWORDS:
        return None
    if last in RANDOM_STATE_APIS:
        return "random_state"
    if last in SHUFFLING_SPLITTERS:
        shuffled = any(
            k.arg == "shuffle" and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in call.keywords
        )
        return "random_state" if shuffled else None
    if last == "sample" and isinstance(call.func, ast.Attribute):
        return "random_state"
    return None


def _assigns(node: ast.AST, names: set[str]) -> bool:
    """The statement binds one of ``names`` (``a = ...``, ``a, b = ...``, ``a: T = ...``)."""
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    bound = {n.id for t in targets if t is not None for n in ast.walk(t) if isinstance(n, ast.Name)}
    return bool(bound & names)


def unseeded_calls(
    notebook: Path | Any, cells: Iterable[int], assigning: Iterable[str] | None = None
) -> list[UnseededCall]:
    """The unseeded random calls in the given cells (0-based) of the notebook, in order;
    with ``assigning``, only those in statements that bind one of these names."""
    chosen = set(cells)
    names = None if assigning is None else set(assigning)
    statements = [s for cell in read_cells(load_notebook(notebook), []) for s in cell.statements]
    seeded = _seeds_globally(statements)
    found = []
    for statement in statements:
        if statement.cell not in chosen or (
            names is not None and not _assigns(statement.node, names)
        ):
            continue
        node = statement.node
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        for inner in ast.walk(node):
            if not isinstance(inner, ast.Call):
                continue
            missing = _missing_seed(inner, seeded)
            if missing is None:
                continue
            text = ast.unparse(inner)
            text = text if len(text) <= 60 else text[:57] + "..."
            line = statement.line + inner.lineno - start
            found.append(UnseededCall(statement.cell, line, text, missing))
    return sorted(set(found), key=lambda c: (c.cell, c.line, c.call))


_BEHAVIOUR = ("predictions", "state", "models", "rest")  # what models are compared by


def _same(first: Mapping[str, Any], second: Mapping[str, Any]) -> bool:
    """Two executions gave the same value: models (and containers of models) by behaviour,
    so the timings in a search's ``cv_results_`` do not count as randomness."""
    if first.get("kind") != second.get("kind"):
        return False
    behaviour = [key for key in _BEHAVIOUR if key in first]
    # A value kept in memory is fingerprinted by its type only: its models tell more.
    if first.get("fingerprint") == second.get("fingerprint") and not (
        behaviour and first.get("kind") == "memory"
    ):
        return True
    if not behaviour or any(key not in second for key in _BEHAVIOUR if key in behaviour):
        return False
    text = [json.dumps([e[key] for key in behaviour], sort_keys=True) for e in (first, second)]
    return text[0] == text[1]


def differing_values(
    first: Mapping[str, Mapping[str, Any]], second: Mapping[str, Mapping[str, Any]]
) -> list[tuple[str, str]]:
    """(step, variable) of every value two executions' golden records disagree on."""
    return [
        (step, name)
        for step, outputs in first.items()
        for name, entry in outputs.items()
        if not _same(entry, second.get(step, {}).get(name, {}))
    ]


@dataclass(frozen=True)
class Nondeterminism:
    """The values of one step that cannot be expected to reproduce: ``differing`` ones
    came out differently in two executions, ``derived`` ones came out the same but the
    step read values that did not (``inputs``)."""

    step: str
    differing: tuple[str, ...]
    derived: tuple[str, ...]
    inputs: tuple[str, ...]

    @property
    def values(self) -> tuple[str, ...]:
        return self.differing + self.derived


def nondeterministic_values(
    plan: NotebookPlan,
    first: Mapping[str, Mapping[str, Any]],
    second: Mapping[str, Mapping[str, Any]],
) -> list[Nondeterminism]:
    """The values of each step, in run order, that differ between two executions or are
    made from values that do."""
    differing = set(differing_values(first, second))
    unstable: set[str] = set()  # variables whose current version is nondeterministic
    found = []
    for step in plan.steps:
        inputs = tuple(sorted(set(step.inputs) & unstable))
        outputs = list(first.get(step.name, {}))
        direct = tuple(n for n in outputs if (step.name, n) in differing)
        derived = tuple(n for n in outputs if n not in direct) if inputs else ()
        unstable = (unstable - set(outputs)) | set(direct) | set(derived)
        if direct or derived:
            found.append(Nondeterminism(step.name, direct, derived, inputs))
    return found


def _names(names: Iterable[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def step_calls(plan: NotebookPlan, notebook: Path | Any, step: str) -> list[UnseededCall]:
    """The unseeded calls of a step's cells, else of the notebook functions it uses, else
    those that made its inputs (``tree = DecisionTreeClassifier()`` in an earlier step draws
    its random numbers when this step fits it)."""
    chosen = plan.step(step)
    calls = unseeded_calls(notebook, chosen.cells)
    if calls:
        return calls
    used = {d.cell for d in plan.definitions if d.name in chosen.functions}
    calls = unseeded_calls(notebook, used)
    if calls:
        return calls
    earlier = plan.steps[: plan.steps.index(chosen)]
    statements = [s for cell in read_cells(load_notebook(notebook), []) for s in cell.statements]
    for name in chosen.inputs:
        # A value this step changes (refits) draws here what its constructor left unseeded,
        # however many steps only fitted it in between (``tree.fit(X, y)``): go back to the
        # statement that binds it. A value it only reads drew in the step that made it.
        refitted = name in chosen.outputs
        for step_before in reversed(earlier):
            if name not in step_before.outputs:
                continue
            cells = set(step_before.cells)
            if not refitted or any(
                s.cell in cells and _assigns(s.node, {name}) for s in statements
            ):
                calls += unseeded_calls(notebook, step_before.cells, assigning=[name])
                break
    return sorted(set(calls), key=lambda c: (c.cell, c.line, c.call))


def unseeded_verdict(
    plan: NotebookPlan, notebook: Path | Any, found: Iterable[Nondeterminism]
) -> dict[str, Any] | None:
    """What the verdict names when two executions differ: the first step with values that
    differ, one of them, and the first unseeded call that explains it (``detail``, e.g.
    ``cell 3, line 2: `train_test_split(X, y)` has no random_state``); None when nothing
    differs."""
    direct = [item for item in found if item.differing]
    if not direct:
        return None
    for item in direct:
        calls = step_calls(plan, notebook, item.step)
        if calls:
            more = f" (and {len(calls) - 1} more)" if len(calls) > 1 else ""
            detail = f"{calls[0]}{more}"
            return {"step": item.step, "variable": item.differing[0], "detail": detail}
    item = direct[0]
    detail = (
        f"step {item.step}: {_names(item.differing)} differ between two runs of the notebook "
        "and the analysis cannot locate the unseeded call: seed it"
    )
    return {"step": item.step, "variable": item.differing[0], "detail": detail}


def randomness_warnings(
    plan: NotebookPlan, notebook: Path | Any, found: Iterable[Nondeterminism]
) -> list[str]:
    """One warning per step with nondeterministic values, naming them and the unseeded
    calls of the step (or the inputs their difference comes from)."""
    warnings = []
    for item in found:
        parts = []
        if item.differing:
            verb = "differs" if len(item.differing) == 1 else "differ"
            text = f"{_names(item.differing)} {verb} between two runs of the notebook"
            calls = step_calls(plan, notebook, item.step)
            if calls:
                fixes = "; ".join(str(call) for call in calls)
                text += f" (unseeded randomness — set the seed: {fixes})"
            elif item.inputs:
                text += f", as its inputs {_names(item.inputs)} do"
            else:
                text += " (unseeded randomness the analysis cannot locate: seed it)"
            parts.append(text)
        if item.derived:
            verb = "depends" if len(item.derived) == 1 else "depend"
            which = "which differs" if len(item.inputs) == 1 else "which differ"
            parts.append(f"{_names(item.derived)} {verb} on {_names(item.inputs)}, {which}")
        warnings.append(f"step {item.step!r}: {'; '.join(parts)} — compared by kind and shape only")
    return warnings


def seed_source(source: str, seed: int) -> tuple[str, list[UnseededCall]]:
    """``source`` with ``random_state=seed`` added to every call where that fix is
    unambiguous — a scikit-learn estimator, split or shuffling splitter without a seed —
    and the calls seeded (``cell`` 0, ``line`` in ``source``). Global generators
    (``np.random.rand``) and ``default_rng()`` are left alone: seeding them is a choice of
    where, which the notebook's author makes. Source that does not parse is returned as is.

    >>> seed_source("split = train_test_split(X, y)", 7)[0]
    'split = train_test_split(X, y, random_state=7)'
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source, []
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line.encode()))
    data = source.encode()
    edits: list[tuple[int, str]] = []
    seeded = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _missing_seed(node, True) != "random_state":
            continue
        assert node.end_lineno is not None and node.end_col_offset is not None
        close = starts[node.end_lineno - 1] + node.end_col_offset - 1  # the byte of ")"
        before = data[:close].rstrip()
        if before.endswith(b","):  # after a trailing comma, not on the line of ")"
            edits.append((len(before), f" random_state={seed}"))
        else:
            separator = "" if before.endswith(b"(") else ", "
            edits.append((close, f"{separator}random_state={seed}"))
        text = ast.unparse(node)
        text = text if len(text) <= 60 else text[:57] + "..."
        seeded.append(UnseededCall(0, node.lineno, text, "random_state"))
    for offset, added in sorted(edits, reverse=True):
        data = data[:offset] + added.encode() + data[offset:]
    return data.decode(), sorted(seeded, key=lambda c: (c.line, c.call))


def seed_notebook(notebook: Any, seed: int) -> tuple[Any, list[UnseededCall]]:
    """A copy of ``notebook`` whose code cells went through :func:`seed_source` (a cell with
    magics as IPython runs it), and the calls seeded, with their cells: what the golden run
    executes for ``export --seed N``, so the notebook and the package draw the same numbers."""
    import copy

    from IPython.core.inputtransformer2 import TransformerManager

    seeded_notebook = copy.deepcopy(notebook)
    seeded: list[UnseededCall] = []
    for index, cell in enumerate(seeded_notebook.cells):
        if cell.cell_type != "code":
            continue
        source, calls = seed_source(cell.source, seed)
        if not calls and ("%" in cell.source or "!" in cell.source):
            source, calls = seed_source(TransformerManager().transform_cell(cell.source), seed)
        if calls:
            cell.source = source
            seeded += [UnseededCall(index, c.line, c.call, c.missing) for c in calls]
    return seeded_notebook, seeded
