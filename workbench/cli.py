"""The ``workbench`` command line (Typer). Human tables by default, ``--json`` for scripts."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from workbench._project import StoreError
from workbench.cli_drift import drift_command
from workbench.cli_export import export_command
from workbench.cli_models import models_app
from workbench.cli_pipelines import pipelines_app
from workbench.cli_retrain import retrain_command
from workbench.cli_serve import serve_command
from workbench.cli_tuning import studies_app, tune_command


class _WorkbenchGroup(TyperGroup):
    """Every command: a store that cannot be used (not a SQLite file, a folder, unreadable,
    read-only for a write, a newer schema) is one line naming it and the fix, exit code 2."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except StoreError as error:
            typer.secho(f"Error: {error}", fg=typer.colors.RED, err=True)
            raise typer.Exit(2) from None


app = typer.Typer(
    cls=_WorkbenchGroup,
    help="workbench: local-first experiment tracking for notebooks.",
    no_args_is_help=True,
)
runs_app = typer.Typer(help="List, show, compare and delete runs.", no_args_is_help=True)
db_app = typer.Typer(help="Manage the tracking database.", no_args_is_help=True)
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

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # NaN/inf are not JSON; keep them visible
    if hasattr(value, "isoformat"):
        return None if value != value else value.isoformat()
    if hasattr(value, "item"):
        return _jsonable(value.item())
    return value


def _finite(payload: Any) -> Any:
    """NaN and ±inf as the strings "nan"/"inf"/"-inf": ``json.dumps`` would write bare
    ``NaN``/``Infinity``, which JSON parsers refuse."""
    if isinstance(payload, float):
        return _jsonable(payload)
    if isinstance(payload, Mapping):
        return {key: _finite(value) for key, value in payload.items()}
    if isinstance(payload, list | tuple):
        return [_finite(value) for value in payload]
    return payload


def _print_json(payload: Any) -> None:
    text = json.dumps(_finite(payload), indent=2, default=_jsonable, allow_nan=False)
    typer.echo(text)


def _fail(message: str, code: int = 2) -> None:
    typer.secho(f"Error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _table(rows: Sequence[Mapping[Any, Any]], title: str | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    columns = list(rows[0]) if rows else []
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if row[c] is None else str(row[c]) for c in columns))
    Console(width=200).print(table)


@runs_app.command("list")
def runs_list(
    experiment: Annotated[
        list[str] | None, typer.Option("--experiment", "-e", help="Experiment name (repeatable).")
    ] = None,
    filter: Annotated[
        str | None,
        typer.Option("--filter", "-f", help='e.g. "metrics.auc > 0.9 and params.lr < 0.1"'),
    ] = None,
    order_by: Annotated[
        list[str] | None, typer.Option("--order-by", "-o", help="e.g. 'metrics.auc DESC'.")
    ] = None,
    max_results: Annotated[int, typer.Option("--max", "-n", help="At most this many runs.")] = 50,
    stale_after: Annotated[
        float, typer.Option(help="Seconds without a heartbeat before a RUNNING run is KILLED.")
    ] = 60.0,
    as_json: JsonOption = False,
) -> None:
    """List runs, newest first. Runs whose process is gone are marked KILLED first."""
    import workbench as wb
    from workbench.tracking.errors import FilterError

    wb.mark_stale_runs(stale_after)
    try:
        frame = wb.runs(
            experiment=experiment or None, filter=filter, order_by=order_by, max_results=max_results
        )
    except FilterError as error:
        _fail(str(error))
    except ValueError as error:
        _fail(str(error))
    if as_json:
        _print_json(frame.to_dict(orient="records"))
        return
    if frame.empty:
        typer.echo("No runs match. Track one with `with wb.start_run(): ...` in a notebook.")
        return
    metric_columns = [c for c in frame.columns if c.startswith("metrics.")][:6]
    shown = frame[["run_id", "experiment", "name", "status", "start_time", *metric_columns]].copy()
    shown["run_id"] = shown["run_id"].str[:12]
    shown["start_time"] = shown["start_time"].dt.strftime("%Y-%m-%d %H:%M:%S")
    for column in metric_columns:
        shown[column] = shown[column].map(lambda v: f"{v:.4g}")
    _table(shown.to_dict(orient="records"), title=f"{len(frame)} run(s)")


def _resolve(run_id: str) -> str:
    """Accept a unique id prefix, as shown by `runs list`."""
    import workbench as wb

    if len(run_id) == 32:
        return run_id
    ids = [i for i in wb.runs(include_deleted=True)["run_id"] if i.startswith(run_id)]
    if len(ids) != 1:
        _fail(f"{'No run' if not ids else 'Several runs'} with an id starting with {run_id!r}.")
    return ids[0]


@runs_app.command("show")
def runs_show(run_id: str, as_json: JsonOption = False) -> None:
    """Everything about one run."""
    import dataclasses

    import workbench as wb
    from workbench.tracking.errors import RunNotFoundError

    try:
        details = wb.get_run(_resolve(run_id))
    except RunNotFoundError as error:
        _fail(str(error))
    payload = dataclasses.asdict(details)
    if details.environment is not None:
        payload["environment"]["packages"] = len(details.environment.packages)
    if as_json:
        _print_json(payload)
        return
    info = payload.pop("info")
    _table([{"field": k, "value": v} for k, v in info.items()], title=f"run {details.id}")
    for section in ("params", "metrics", "tags"):
        if payload[section]:
            _table([{"key": k, "value": v} for k, v in payload[section].items()], title=section)
    if payload["artifacts"]:
        _table(payload["artifacts"], title="artifacts")
    if payload["datasets"]:
        rows = [
            {k: d[k] for k in ("role", "name", "fingerprint", "n_rows", "n_cols")}
            for d in payload["datasets"]
        ]
        _table(rows, title="datasets")
    if details.children:
        typer.echo(f"child runs: {', '.join(details.children)}")


@runs_app.command("compare")
def runs_compare(run_ids: list[str], as_json: JsonOption = False) -> None:
    """Params, metrics and tags of runs side by side; `*` marks differences."""
    import workbench as wb
    from workbench.tracking.errors import RunNotFoundError

    try:
        frame = wb.compare_runs([_resolve(r) for r in run_ids])
    except RunNotFoundError as error:
        _fail(str(error))
    if as_json:
        _print_json(frame.reset_index().to_dict(orient="records"))
        return
    rows = []
    for field, row in frame.iterrows():
        entry = {"": "*" if row["differs"] else "", "field": field}
        entry.update({str(c)[:12]: row[c] for c in frame.columns if c != "differs"})
        rows.append(entry)
    _table(rows)


@runs_app.command("delete")
def runs_delete(
    run_id: str,
    restore: Annotated[bool, typer.Option("--restore", help="Bring a deleted run back.")] = False,
) -> None:
    """Delete a run (and its child runs); `workbench gc --purge-deleted` removes it for good."""
    import workbench as wb
    from workbench.tracking.errors import RunNotFoundError

    full = _resolve(run_id)
    try:
        (wb.restore_run if restore else wb.delete_run)(full)
    except RunNotFoundError as error:
        _fail(str(error))
    typer.echo(f"{'Restored' if restore else 'Deleted'} run {full}.")


@db_app.command("upgrade")
def db_upgrade(
    url: Annotated[str | None, typer.Option(help="Database URL (default: the project's).")] = None,
) -> None:
    """Migrate the tracking database to the newest schema (back it up first)."""
    from workbench._project import database_url, upgrade_database

    target = url or database_url()
    before, after = upgrade_database(target)
    if before == after:
        typer.echo(f"Already at the newest schema ({after}).")
    else:
        typer.echo(f"Upgraded from {before or 'an empty database'} to {after}.")


@app.command("gc")
def gc(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would go.")] = False,
    purge_deleted: Annotated[
        bool, typer.Option("--purge-deleted", help="First remove deleted runs for good.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Remove artifact blobs that no run references."""
    import workbench as wb

    report = wb.collect_garbage(dry_run=dry_run, purge_deleted=purge_deleted)
    if as_json:
        _print_json(
            {
                "dry_run": dry_run,
                "blobs": report.blobs,
                "bytes": report.bytes,
                "purged_runs": report.purged_runs,
            }
        )
        return
    verb = "Would remove" if dry_run else "Removed"
    typer.echo(f"{verb} {len(report.blobs)} unreferenced blob(s), {report.bytes} bytes.")
    if report.purged_runs:
        typer.echo(f"Purged {report.purged_runs} deleted run(s).")


@app.command("demo")
def demo(
    home: Annotated[str, typer.Option(help="Folder of the demo project.")] = "demo-project",
    port: Annotated[int, typer.Option(help="Port of the dashboard.")] = 5006,
    address: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    serve: Annotated[bool, typer.Option(help="Serve the dashboard after seeding.")] = True,
) -> None:
    """Seed a demo project with tracked runs on scikit-learn data and serve the dashboard."""
    from workbench.demo import seed_demo

    count = seed_demo(home)
    typer.echo(f"Demo project at {home}: {count} run(s) tracked.")
    if serve:
        from workbench.ui.app import serve as serve_ui

        serve_ui(port=port, address=address)


@app.command("ui")
def ui(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 5006,
    address: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    show: Annotated[bool, typer.Option("--show", help="Open a browser tab.")] = False,
    allow_remote: Annotated[
        bool,
        typer.Option(
            "--allow-remote",
            help="Allow an address other than loopback; the app then requires a generated "
            "access token, printed once.",
        ),
    ] = False,
) -> None:
    """Serve the dashboard for the current project."""
    from workbench.ui.app import RemoteAccessError
    from workbench.ui.app import serve as serve_ui

    try:
        serve_ui(port=port, address=address, show=show, allow_remote=allow_remote)
    except RemoteAccessError as error:
        _fail(str(error))


def main() -> None:
    app()
