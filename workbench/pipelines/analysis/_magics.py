"""IPython magics and shell commands in notebook code, wherever they are (a cell's top level or
inside a ``def``, ``for`` or ``with`` block): which are dropped with a warning, which keep the
code they wrap, which the export refuses, and what an install command asks the package to
depend on."""

from __future__ import annotations

import ast
import contextlib
import shlex
from dataclasses import dataclass

from workbench.pipelines.analysis._errors import AnalysisError, where

# Line magics that change nothing a later cell could read.
HARMLESS_LINE_MAGICS = frozenset(
    {
        "matplotlib", "load_ext", "reload_ext", "unload_ext", "autoreload", "aimport", "config",
        "timeit", "pip", "conda", "mamba", "who", "whos", "who_ls", "lsmagic", "pwd", "ls",
        "history", "hist", "xmode", "pdb", "precision", "pprint", "colors", "magic",
        "quickref", "page", "pinfo", "pinfo2", "psearch", "pdoc", "pdef", "psource", "pfile",
        "autosave", "watermark", "notebook", "uv",
    }
)  # fmt: skip
# Line magics that run the statement after them in the notebook's namespace.
CODE_LINE_MAGICS = frozenset({"time", "prun"})
# Cell magics whose body is ordinary code run in the notebook's namespace.
UNWRAPPED_CELL_MAGICS = frozenset({"time", "capture", "prun"})
# Cell magics that only render or time something.
DROPPED_CELL_MAGICS = frozenset(
    {"timeit", "html", "HTML", "markdown", "latex", "javascript", "js", "svg"}
)
# Shell commands that install packages or only look at the machine.
HARMLESS_SHELL = frozenset(
    {
        "pip", "pip3", "conda", "mamba", "uv", "ls", "cat", "head", "tail", "nvidia-smi", "pwd",
        "echo", "which", "wc", "du", "df", "free", "nproc", "lscpu", "python", "date",
    }
)  # fmt: skip
# The fix for the magics that change the notebook's state.
_FIXES = {
    "run": "copy the script's code into a cell, or import it as a module",
    "load": "run the cell once in Jupyter (`%load` replaces itself with the file's code) and "
    "save the notebook",
    "store": "save the value to a file in the notebook that makes it and read that file here",
    "pylab": "write `import numpy as np` and `import matplotlib.pyplot as plt` instead",
    "cd": "use paths relative to the notebook's folder instead",
    "env": "set the variable in Python with `os.environ[...] = ...`",
}
# pip options followed by a value, which is not a package to install.
_PIP_VALUE_OPTIONS = frozenset(
    {
        "-c", "--constraint", "-e", "--editable", "-i", "--index-url", "--extra-index-url",
        "-t", "--target", "-f", "--find-links", "--prefix", "--root", "--platform",
        "--python-version", "--implementation", "--abi", "--src", "--upgrade-strategy",
        "--progress-bar", "--trusted-host", "--proxy", "--cache-dir", "--log", "--timeout",
        "--retries", "--exists-action", "--python",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Install:
    """A package an install command of the notebook (``!pip install X``, ``%pip install X``)
    asks for: ``requirement`` as written (``lightgbm``, ``shap==0.45``), at ``cell``
    (0-based) and ``line``."""

    cell: int
    line: int
    requirement: str


def ipython_call(value: ast.AST | None) -> tuple[str, list[str]] | None:
    """(kind, string arguments) when ``value`` is ``get_ipython().<kind>(...)``: what IPython's
    transformer turns ``%magic`` and ``!command`` into."""
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


def magic_call(node: ast.stmt) -> tuple[str, list[str]] | None:
    """(kind, string arguments) when ``node`` is a magic or shell line as a statement; kind is
    prefixed ``assigned_`` for ``files = !ls``."""
    value = node.value if isinstance(node, ast.Expr | ast.Assign) else None
    call = ipython_call(value)
    if call is None:
        return None
    if isinstance(node, ast.Assign):
        return "assigned_" + call[0], call[1]
    return call


def magic_code(
    cell: int,
    line: int,
    magic: tuple[str, list[str]],
    warnings: list[str],
    installs: list[Install] | None = None,
) -> str:
    """The Python code a magic or shell line stands for: ``""`` when it is dropped (with a
    warning), the wrapped statement for ``%time``/``%prun``. An install command's packages
    are added to ``installs``.

    Raises:
        AnalysisError: for a line that may change the notebook's state, naming the fix.
    """
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
        words = command.split()
        program = words[0] if words else ""
        if program not in HARMLESS_SHELL:
            raise AnalysisError(
                f"the shell command `!{command}` may create files or state the pipeline needs; "
                "do it in Python or tag the cell `skip`",
                cell,
                line,
            )
        found = _pip_installs(cell, line, words, warnings, installs)
        warnings.append(f"{where(cell, line)}: removed the shell command `!{command}`{found}")
        return ""
    if kind != "run_line_magic" or not args:
        raise AnalysisError(f"unsupported IPython call `{kind}`", cell, line)
    name, rest = args[0], args[1] if len(args) > 1 else ""
    if name in CODE_LINE_MAGICS:
        warnings.append(f"{where(cell, line)}: removed the magic `%{name}`; kept `{rest}`")
        return rest
    if name in HARMLESS_LINE_MAGICS or (name == "env" and "=" not in rest and " " not in rest):
        shown = f"%{name} {rest}".strip()
        found = _pip_installs(cell, line, [name, *rest.split()], warnings, installs)
        note = found or " (no effect on results)"
        warnings.append(f"{where(cell, line)}: removed the magic `{shown}`{note}")
        return ""
    fix = _FIXES.get(name, "replace it with Python code or tag the cell `skip`")
    raise AnalysisError(
        f"the magic `%{name}` may change the notebook's state in a way the analysis cannot "
        f"follow; {fix}",
        cell,
        line,
    )


def _pip_installs(
    cell: int, line: int, words: list[str], warnings: list[str], installs: list[Install] | None
) -> str:
    """Add the packages of ``pip install ...`` (also ``python -m pip``, ``uv pip``) to
    ``installs``; what the warning about the command adds (``""`` for another command). A
    requirements file is named in a warning, it is not read."""
    with contextlib.suppress(ValueError):  # an unclosed quote: take the words as they are
        words = shlex.split(" ".join(words))
    while words and words[0] in ("python", "python3", "-m", "uv"):
        words = words[1:]
    if len(words) < 2 or words[0] not in ("pip", "pip3") or words[1] != "install":
        return ""
    from packaging.requirements import InvalidRequirement, Requirement

    skip_next = False
    found: list[str] = []
    for word in words[2:]:
        if skip_next:
            skip_next = False
        elif word in ("-r", "--requirement"):
            skip_next = True
            warnings.append(
                f"{where(cell, line)}: the packages of an install from a requirements file are "
                "not added to the exported package; add the ones the pipeline needs to its "
                "pyproject.toml"
            )
        elif word in _PIP_VALUE_OPTIONS:
            skip_next = True
        elif not word.startswith("-"):
            try:
                requirement = Requirement(word)
            except InvalidRequirement:  # a path, URL or {variable}: nothing to name
                warnings.append(
                    f"{where(cell, line)}: `{word}` in the install command is not a package "
                    "name; the exported package does not depend on it"
                )
                continue
            found.append(str(requirement))
    if installs is not None:
        installs += [Install(cell, line, requirement) for requirement in found]
    if not found:
        return ""
    return f"; the exported package depends on {', '.join(found)}"
