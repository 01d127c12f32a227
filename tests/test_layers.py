"""The package keeps the layers DESIGN.md draws: every import points down, none skips the
services to reach the store, and no module-level imports go round a cycle.

    cli/ ui/ jupyter/ demo          the front ends: they call the services
    workbench (the wb.* facade)     names resolved lazily to the services
    services                        tracking < models, drift < tuning, autologging, serving
                                    < pipelines (a service uses only lower ones)
    workbench._project              the project handle: where it lives, its stores, its user
    workbench.store                 the only place that knows SQL

Imports are read from the source with ``ast``. An import inside a function loads lazily: it
never makes a cycle, but it still must point down, except the few up-calls listed in
``LAZY_UP_CALLS``. Imports under ``if TYPE_CHECKING:`` are annotations only and are skipped.
``workbench/labextension/`` holds the built JupyterLab extension (JSON and JavaScript): no
Python module, so it has no place here.
"""

from __future__ import annotations

import ast
import fnmatch
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import workbench

PACKAGE = Path(workbench.__file__).parent

# The modules any layer above the store may use: they import nothing else of workbench.
HELPERS = ("helpers",)
# What every service may use below itself.
BELOW_SERVICES = ("project", "store", *HELPERS)
SERVICES = ("tracking", "models", "drift", "tuning", "autologging", "serving", "pipelines")
# What every front end may use: the facade, every service, the project's location.
BELOW_FRONT_ENDS = ("api", *SERVICES, "project", *HELPERS)

# layer: (module patterns, the layers it may import besides its own). A pattern matches the
# module itself and everything under it, so subpackages may move without touching this table.
LAYERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "store": (("workbench.store",), ()),
    "helpers": (("workbench._network", "workbench._notebook", "workbench._deprecation"), ()),
    "project": (("workbench._project", "workbench._doctor"), ("store",)),
    "tracking": (("workbench.tracking",), BELOW_SERVICES),
    "models": (("workbench.models",), ("tracking", *BELOW_SERVICES)),
    "drift": (("workbench.drift",), ("tracking", *BELOW_SERVICES)),
    "tuning": (("workbench.tuning",), ("tracking", "models", *BELOW_SERVICES)),
    "autologging": (("workbench.autologging",), ("tracking", "models", *BELOW_SERVICES)),
    "serving": (("workbench.serving",), ("tracking", "models", *BELOW_SERVICES)),
    "pipelines": (("workbench.pipelines",), ("api", *SERVICES[:-1], *BELOW_SERVICES)),
    # The package root: ``wb.start_run`` and friends, each loaded on first use.
    "api": (("workbench", "workbench.admin"), (*SERVICES, *HELPERS)),
    # ``workbench.testing``: a fresh project per test, for the users' tests and ours.
    "testing": (("workbench.testing",), ("api", *SERVICES, "project", *HELPERS)),
    "demo": (("workbench.demo",), BELOW_FRONT_ENDS),
    "ui": (("workbench.ui",), BELOW_FRONT_ENDS),
    "jupyter": (("workbench.jupyter",), ("ui", *BELOW_FRONT_ENDS)),
    "cli": (
        ("workbench.cli", "workbench.cli_*", "workbench.__main__"),
        ("demo", "ui", "jupyter", *BELOW_FRONT_ENDS),
    ),
}

# (importer layer, imported layer): lazy imports that go up, each for a reason a user sees.
LAZY_UP_CALLS = {
    # ``%load_ext workbench``: IPython looks for load_ipython_extension on the package itself.
    ("api", "jupyter"),
    # ``run.log_model(model, name=...)``: the run hands its model to the registry above it.
    ("tracking", "models"),
}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    lazy: bool


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _matches(module: str, pattern: str) -> bool:
    if pattern == "workbench":  # the root is its own layer; its modules have theirs
        return module == pattern
    return fnmatch.fnmatchcase(module, pattern) or fnmatch.fnmatchcase(module, pattern + ".*")


def layer_of(module: str) -> str | None:
    """The layer whose patterns match ``module`` (None: the table does not place it)."""
    matching = [
        layer
        for layer, (patterns, _) in LAYERS.items()
        if any(_matches(module, pattern) for pattern in patterns)
    ]
    assert len(matching) <= 1, f"{module} matches several layers: {matching}"
    return matching[0] if matching else None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The workbench modules an import statement loads (``from a import b``: ``a.b`` when
    that is a module, else ``a``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.split(".")[0] == "workbench"]
    if node.level:
        is_package = MODULES[module].name == "__init__.py"
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - node.level + 1]
        source = ".".join([*base, node.module] if node.module else base)
    else:
        source = node.module or ""
    if source.split(".")[0] != "workbench":
        return []
    found = {f"{source}.{alias.name}" for alias in node.names} & MODULES.keys()
    plain = [alias.name for alias in node.names if f"{source}.{alias.name}" not in MODULES]
    return sorted(found) + ([source] if plain else [])


def imports_of(module: str) -> list[Import]:
    """Every workbench import of ``module``, outside ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: list[Import] = []

    def visit(node: ast.AST, lazy: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child, lazy)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.extend(Import(module, t, node.lineno, lazy) for t in _targets(module, node))
            return
        inner = lazy or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(tree, False)
    return found


ALL_IMPORTS = [found for module in MODULES for found in imports_of(module)]


def _loaded_with(target: str, importer: str) -> list[str]:
    """Importing ``target`` runs it and its parent packages' ``__init__`` first (the ones the
    importer has not started already: its own parents are being imported around it)."""
    parts = target.split(".")
    chain = [".".join(parts[:n]) for n in range(2, len(parts) + 1)]
    return [m for m in chain if m in MODULES and not importer.startswith(m + ".")]


def module_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for found in ALL_IMPORTS:
        if not found.lazy:
            graph[found.importer].update(
                m for m in _loaded_with(found.imported, found.importer) if m != found.importer
            )
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path that starts and ends at the same module, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_every_module_has_a_layer():
    unplaced = sorted(m for m in MODULES if layer_of(m) is None)
    assert not unplaced, f"place these modules in LAYERS: {unplaced}"


def test_a_cli_package_and_pipelines_subpackages_keep_their_layer():
    assert layer_of("workbench.cli") == layer_of("workbench.cli_models") == "cli"
    assert layer_of("workbench.cli.runs") == layer_of("workbench.cli_export") == "cli"
    assert layer_of("workbench.pipelines.analysis._cells") == "pipelines"
    assert layer_of("workbench.store.location") == "store"
    assert layer_of("workbench._project") == "project"
    assert layer_of("workbench") == "api"


def test_no_import_cycle_at_module_level():
    cycle = find_cycle(module_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def _package(module: str) -> str:
    """``workbench.tracking`` for ``workbench.tracking.run``; the CLI modules are one package."""
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else ""
    return "workbench.cli" if top.startswith("cli") else ".".join(parts[:2])


def test_no_import_cycle_between_packages():
    """Nor between packages: tracking importing models while models imports tracking would
    make the order of first imports decide which one fails."""
    graph: dict[str, set[str]] = {_package(m): set() for m in MODULES}
    for found in ALL_IMPORTS:
        source, target = _package(found.importer), _package(found.imported)
        if not found.lazy and source != target and target != "workbench":
            graph[source].add(target)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle between packages: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_every_import_points_down_and_skips_no_layer():
    breaches = []
    for found in ALL_IMPORTS:
        source, target = layer_of(found.importer), layer_of(found.imported)
        assert source is not None and target is not None, found
        if source == target or target in LAYERS[source][1]:
            continue
        if found.lazy and (source, target) in LAZY_UP_CALLS:
            continue
        where = f"{MODULES[found.importer].relative_to(PACKAGE.parent)}:{found.line}"
        kind = "lazy " if found.lazy else ""
        breaches.append(f"{where}: {source} -> {target} ({kind}import {found.imported})")
    assert not breaches, "imports against the layers:\n" + "\n".join(breaches)


def test_front_ends_never_import_the_store():
    front_ends = {"cli", "ui", "jupyter", "demo"}
    for layer in front_ends:
        assert "store" not in LAYERS[layer][1]
    reaching = [
        f"{f.importer}:{f.line} imports {f.imported}"
        for f in ALL_IMPORTS
        if layer_of(f.importer) in front_ends and layer_of(f.imported) == "store"
    ]
    assert not reaching


def test_every_module_imports():
    """Each module imports (after the others it needs): a cycle the ast missed would fail."""
    code = (
        "import importlib, pkgutil, workbench\n"
        "for info in pkgutil.walk_packages(workbench.__path__, 'workbench.'):\n"
        "    if '.migrations' in info.name or info.name.endswith('__main__'):\n"
        "        continue  # Alembic loads the migrations; __main__ runs the CLI\n"
        "    importlib.import_module(info.name)\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-3000:]
