"""The ``workbench`` command line (Typer): human tables by default, ``--json`` for scripts.

One module per command group (``runs``, ``models``, ``studies`` and ``tune``, ``drift``,
``export``, ``retrain``, ``pipelines``, ``serve``, and ``project`` for db, gc, demo and ui);
everything they print goes through ``_output``.
"""

from __future__ import annotations

from typing import Any

from workbench._project import StoreError
from workbench.cli import _output
from workbench.cli._typer import WorkbenchGroup, WorkbenchTyper
from workbench.cli.drift import drift_command
from workbench.cli.export import export_command
from workbench.cli.models import models_app
from workbench.cli.pipelines import pipelines_app
from workbench.cli.project import db_app, demo, gc, ui
from workbench.cli.retrain import retrain_command
from workbench.cli.runs import runs_app
from workbench.cli.serve import serve_command
from workbench.cli.studies import studies_app, tune_command


class _RootGroup(WorkbenchGroup):
    """Every command: a store that cannot be used (not a SQLite file, a folder, unreadable,
    read-only for a write, a newer schema) is one line naming it and the fix, exit code 2."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except StoreError as error:
            _output.fail(error)


app = WorkbenchTyper(
    cls=_RootGroup, help="workbench: local-first experiment tracking for notebooks."
)
app.add_typer(runs_app, name="runs")
app.add_typer(db_app, name="db")
app.add_typer(studies_app, name="studies")
app.add_typer(models_app, name="models")
app.add_typer(pipelines_app, name="pipelines")
app.command("tune")(tune_command)
app.command("drift")(drift_command)
app.command("serve")(serve_command)
app.command("export")(export_command)
app.command("retrain")(retrain_command)
app.command("gc")(gc)
app.command("demo")(demo)
app.command("ui")(ui)


def main() -> None:
    app()
