"""The ``workbench`` command line (Typer): human tables by default, ``--json`` for scripts.

One module per command group (``runs``, ``models``, ``studies`` and ``tune``, ``drift``,
``export``, ``retrain``, ``pipelines``, ``serve``, ``project`` for db, gc, demo and ui,
``doctor``); everything they print goes through ``_output``.
"""

from __future__ import annotations

from typing import Any

from workbench._project import StoreError
from workbench.cli import _output
from workbench.cli._typer import WorkbenchGroup, WorkbenchTyper
from workbench.cli.doctor import doctor
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

    def list_commands(self, ctx: Any) -> list[str]:
        """The commands in the order they are registered below (Typer lists the single
        commands before the groups), so the help's panels follow the workflow."""
        names = super().list_commands(ctx)
        return sorted(names, key=lambda name: ORDER.index(name) if name in ORDER else len(ORDER))


app = WorkbenchTyper(
    cls=_RootGroup,
    help="workbench: local-first experiment tracking for notebooks, from level 0 to level 1.",
)
# `workbench --help` lists the commands in panels, in the order of the guided workflow.
TRACK, TUNE, PIPELINE, SERVE, PROJECT = (
    "Track and compare",
    "Tune and watch",
    "Notebook to pipeline",
    "Serve and explore",
    "Project",
)
app.add_typer(runs_app, name="runs", rich_help_panel=TRACK)
app.add_typer(models_app, name="models", rich_help_panel=TRACK)
app.command("tune", rich_help_panel=TUNE)(tune_command)
app.add_typer(studies_app, name="studies", rich_help_panel=TUNE)
app.command("drift", rich_help_panel=TUNE)(drift_command)
app.command("export", rich_help_panel=PIPELINE)(export_command)
app.add_typer(pipelines_app, name="pipelines", rich_help_panel=PIPELINE)
app.command("retrain", rich_help_panel=PIPELINE)(retrain_command)
app.command("ui", rich_help_panel=SERVE)(ui)
app.command("serve", rich_help_panel=SERVE)(serve_command)
app.command("demo", rich_help_panel=SERVE)(demo)
app.add_typer(db_app, name="db", rich_help_panel=PROJECT)
app.command("gc", rich_help_panel=PROJECT)(gc)
app.command("doctor", rich_help_panel=PROJECT)(doctor)
ORDER = [
    "runs", "models", "tune", "studies", "drift", "export", "pipelines", "retrain",
    "ui", "serve", "demo", "db", "gc", "doctor",
]  # fmt: skip


def main() -> None:
    app()
