"""IPython magics for tracking from notebook cells, loaded with ``%load_ext workbench``.

``%wb_experiment NAME`` sets the experiment new runs go to (``wb.set_experiment``);
``%%wb_run`` runs its cell inside a tracked run, so ``wb.log_metric(...)`` in the cell logs
into that run::

    %load_ext workbench
    %wb_experiment churn

    %%wb_run --name lgbm --tag owner=ana --param lr=0.05
    model = train(lr=0.05)
    wb.log_metric("auc", evaluate(model))

The cell runs in the notebook's namespace as any cell would (its variables stay, its last
expression is displayed, its traceback is IPython's own). An exception ends the run FAILED
(Ctrl-C: KILLED) and fails the cell as usual; success prints the run id and its metrics.
"""

from __future__ import annotations

import ast
from typing import Any

from IPython.core.error import UsageError
from IPython.core.interactiveshell import ExecutionResult, InteractiveShell
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

import workbench as wb
from workbench.tracking.validation import check_key

# Tags saying where a run came from; the run's ``source`` stays the notebook's path.
KIND_TAG = "workbench.kind"
CELL_KIND = "notebook-cell"
CELL_TAG = "workbench.cell"


def _without_comment(line: str) -> str:
    """``churn   # a note`` is ``churn``: IPython hands a line magic its comment too."""
    quote = None
    for index, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].rstrip()
    return line


def _parse(magic: Any, line: str) -> Any:
    """The magic's arguments; a mistake is a ``UsageError`` that also shows the usage."""
    try:
        return parse_argstring(magic, _without_comment(line))
    except (UsageError, ValueError) as error:  # ValueError: an unclosed quote
        usage = magic.parser.format_usage().replace("::", "").strip()  # "%%wb_run [--name..."
        name = usage.split()[0]
        raise UsageError(f"{name}: {error}\nUsage: {usage}\nHelp: {name}?") from None


def _unquoted(text: str) -> str:
    """IPython splits magic arguments keeping their quotes: ``"my run"`` is ``my run``."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _pairs(values: list[str], option: str, example: str) -> dict[str, str]:
    """``["k=v", ...]`` as a dict, with errors that say what to write instead."""
    pairs: dict[str, str] = {}
    for value in map(_unquoted, values):
        key, equals, text = value.partition("=")
        key, text = key.strip(), _unquoted(text)
        if not equals or not key:
            raise UsageError(f"{option} expects KEY=VALUE, got {value!r}; e.g. {option} {example}")
        if key in pairs and pairs[key] != text:
            raise UsageError(
                f"{option} {key} is given twice ({pairs[key]!r} and {text!r}); give it once."
            )
        pairs[key] = text
    return pairs


def _summary(run_id: str) -> str:
    """One line: the run, where it went, and the last value of each metric."""
    details = wb.get_run(run_id)
    info = details.info
    metrics = ", ".join(f"{key}={value:.6g}" for key, value in sorted(details.metrics.items()))
    return (
        f"Run {info.id} ({info.name!r}) {info.status} in experiment {info.experiment!r}: "
        f"{metrics or 'no metrics logged'}"
    )


@magics_class
class WorkbenchMagics(Magics):
    """``%wb_experiment`` and ``%%wb_run``."""

    shell: InteractiveShell

    @magic_arguments()
    @argument("name", nargs="?", help="The experiment (created if new); none: show the current.")
    @line_magic
    def wb_experiment(self, line: str) -> None:
        """Set the experiment new runs go to, or show it.

        Example: ``%wb_experiment churn``; quote a name with spaces.
        """
        args = _parse(self.wb_experiment, line)
        if args.name is None:
            current = wb.current_experiment()
            if current is None:
                print("No experiment set: runs go to 'Default'. Set one: %wb_experiment NAME")
            else:
                print(f"Current experiment: {current!r}")
            return
        name = _unquoted(args.name)
        try:
            wb.set_experiment(name)
        except ValueError as error:
            raise UsageError(str(error)) from None
        print(f"Runs now go to experiment {name!r}.")

    @magic_arguments("%wb_run")  # IPython shows it with one more %
    @argument("--name", help="The run's name (default: a generated one).")
    @argument("--tag", action="append", default=[], metavar="KEY=VALUE", help="A tag; repeatable.")
    @argument(
        "--param", action="append", default=[], metavar="KEY=VALUE", help="A param; repeatable."
    )
    @cell_magic
    def wb_run(self, line: str, cell: str) -> None:
        """Run the cell inside a tracked run (``wb.start_run``).

        ``wb.log_metric(...)``, ``wb.log_params(...)``... in the cell log into the run. An
        exception ends it FAILED and fails the cell; success prints the run id and metrics.
        Example: ``%%wb_run --name lgbm --tag owner=ana --param lr=0.05``.
        """
        args = _parse(self.wb_run, line)
        tags = _pairs(args.tag, "--tag", "owner=ana")
        params = _pairs(args.param, "--param", "lr=0.05")
        try:
            for key in params:
                check_key(key, "param")
        except ValueError as error:
            raise UsageError(str(error)) from None
        # IPython counts this cell before running it: its In[n] is one less than the counter.
        number = self.shell.execution_count - 1
        tags.update({KIND_TAG: CELL_KIND, CELL_TAG: str(number)})
        # This cell's result: the body runs as a cell of its own, whose error must fail it.
        outer: ExecutionResult | None = self.shell.displayhook.exec_result
        try:
            run = wb.start_run(args.name and _unquoted(args.name), tags=tags)
        except ValueError as error:  # another run still active, a bad tag key...
            raise UsageError(str(error)) from None
        body: ExecutionResult | None = None
        try:
            with run:
                run.log_params(params)
                body = self._run_body(cell, number)
                body.raise_error()  # FAILED (KILLED on Ctrl-C), with the error as a tag
        except BaseException as error:
            if body is None or not (error is body.error_in_exec or error is body.error_before_exec):
                raise
            # IPython has shown the traceback; the cell fails with the same exception.
            if outer is not None:
                outer.error_in_exec = error
        print(_summary(run.id))

    def _run_body(self, cell: str, number: int) -> ExecutionResult:
        """Run the body as this very cell: its traceback says ``In[number]`` and its last value
        is ``Out[number]``.

        A nested ``run_cell`` names the code after the counter (already ``number + 1``) and
        numbers ``Out`` one below it: the counter is lowered while IPython names the code, and
        restored by an AST "transformer", which IPython calls between naming and running it.
        """
        counter = self.shell.execution_count
        restore = _RestoreCounter(self.shell, counter)
        self.shell.execution_count = number
        self.shell.ast_transformers.append(restore)
        try:
            return self.shell.run_cell(cell, store_history=False)
        finally:
            if restore in self.shell.ast_transformers:
                self.shell.ast_transformers.remove(restore)
            self.shell.execution_count = counter


class _RestoreCounter(ast.NodeTransformer):
    def __init__(self, shell: InteractiveShell, counter: int) -> None:
        self.shell = shell
        self.counter = counter

    def visit(self, node: ast.AST) -> ast.AST:
        self.shell.execution_count = self.counter
        return node


def load(ipython: InteractiveShell) -> None:
    ipython.register_magics(WorkbenchMagics)


def unload(ipython: InteractiveShell) -> None:
    manager = ipython.magics_manager
    manager.magics["line"].pop("wb_experiment", None)
    manager.magics["cell"].pop("wb_run", None)
    manager.registry.pop(WorkbenchMagics.__name__, None)
