"""``workbench models list|versions|show|promote|rollback``."""

from __future__ import annotations

import dataclasses
import json
from typing import Annotated, Any

import typer

models_app = typer.Typer(
    help="The model registry: versions, aliases, promote, rollback.", no_args_is_help=True
)
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _fail(error: Exception) -> None:
    typer.secho(f"Error: {error}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def _print_frame(frame: Any, as_json: bool, empty: str) -> None:
    if as_json:
        typer.echo(frame.to_json(orient="records", date_format="iso", indent=2))
    elif frame.empty:
        typer.echo(empty)
    else:
        typer.echo(frame.to_string(index=False))


@models_app.command("list")
def models_list(as_json: JsonOption = False) -> None:
    """Registered models with their latest version and aliases."""
    import workbench as wb

    empty = "No registered models yet: run.log_model(model, name=...) registers one."
    _print_frame(wb.models.list(), as_json, empty)


@models_app.command("versions")
def models_versions(name: str, as_json: JsonOption = False) -> None:
    """The versions of one model, with their metrics at registration."""
    import workbench as wb

    try:
        frame = wb.models.versions(name)
    except (LookupError, ValueError) as error:
        _fail(error)
    _print_frame(frame, as_json, f"Model {name!r} has no versions.")


@models_app.command("show")
def models_show(ref: str, as_json: JsonOption = False) -> None:
    """One version: ``name``, ``name/3`` or ``name@champion``."""
    import workbench as wb

    try:
        record = wb.models.resolve(ref)
    except (LookupError, ValueError) as error:
        _fail(error)
    payload = dataclasses.asdict(record)
    if as_json:
        typer.echo(json.dumps(payload, indent=2, default=str))
        return
    for key in ("name", "version", "aliases", "run_id", "sha256", "size", "format", "flavor",
                "dataset_fingerprint", "metrics", "user", "created_at"):  # fmt: skip
        typer.echo(f"{key:>20}: {payload[key]}")
    if record.signature:
        columns = [f"{c['name']}:{c['dtype']}" for c in record.signature.get("inputs", [])]
        typer.echo(f"{'signature':>20}: {', '.join(columns)}")


@models_app.command("promote")
def models_promote(
    name: str,
    version: int,
    alias: Annotated[str, typer.Option(help="Alias to move.")] = "champion",
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Point ``alias`` (default champion) at ``version``; recorded with user and time."""
    import workbench as wb

    if not yes:
        typer.confirm(f"Move {name}@{alias} to version {version}?", abort=True)
    try:
        record = wb.models.promote(name, version, alias=alias)
    except (LookupError, ValueError) as error:
        _fail(error)
    typer.echo(f"{name}@{alias} -> version {record.version}")


@models_app.command("rollback")
def models_rollback(
    name: str,
    alias: Annotated[str, typer.Option(help="Alias to move back.")] = "champion",
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Move ``alias`` back to the version that held it before."""
    import workbench as wb

    if not yes:
        typer.confirm(f"Roll {name}@{alias} back to its previous version?", abort=True)
    try:
        record = wb.models.rollback(name, alias=alias)
    except (LookupError, ValueError) as error:
        _fail(error)
    typer.echo(f"{name}@{alias} -> version {record.version}")
