"""``workbench models list|versions|show|promote|rollback``."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from workbench.cli._output import (
    JsonOption,
    counted,
    fail,
    fields,
    frame_records,
    print_json,
    table,
)
from workbench.cli._typer import WorkbenchTyper

models_app = WorkbenchTyper(help="The model registry: versions, aliases, promote, rollback.")

NameArgument = Annotated[str, typer.Argument(help="The registered model's name.")]
AliasOption = Annotated[str, typer.Option(metavar="ALIAS", help="The alias to move.")]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
_FIX = "`workbench models list` shows the registered models."


def _print_frame(frame: Any, as_json: bool, empty: str, title: str) -> None:
    if as_json:
        print_json(frame_records(frame))
    elif frame.empty:
        typer.echo(empty)
    else:
        table(frame.to_dict(orient="records"), title=title)


@models_app.command("list")
def models_list(as_json: JsonOption = False) -> None:
    """Registered models with their latest version and aliases."""
    from workbench.models.listing import list_models

    frame = list_models()
    empty = "No registered models yet: run.log_model(model, name=...) registers one."
    _print_frame(frame, as_json, empty, counted(len(frame), "registered model"))


@models_app.command("versions")
def models_versions(name: NameArgument, as_json: JsonOption = False) -> None:
    """The versions of one model, with their metrics at registration."""
    from workbench.models.listing import versions

    try:
        frame = versions(name)
    except (LookupError, ValueError) as error:
        fail(error, _FIX)
    if as_json or frame.empty:
        _print_frame(frame, as_json, f"Model {name!r} has no versions.", "")
        return
    # The name is the title; ids and hashes are cut to 12 characters, the flavor and dataset
    # left to `models show` (--json has everything whole).
    hidden = ["name", "flavor", "dataset_fingerprint"]
    rows = frame.drop(columns=hidden, errors="ignore").to_dict(orient="records")
    for row in rows:
        for key in ("run_id", "sha256"):
            if isinstance(row.get(key), str):
                row[key] = row[key][:12]
    table(rows, title=f"{counted(len(rows), 'version')} of {name}")


@models_app.command("show")
def models_show(
    ref: Annotated[
        str, typer.Argument(metavar="REF", help="NAME (latest), NAME/VERSION or NAME@ALIAS.")
    ],
    as_json: JsonOption = False,
) -> None:
    """One version: ``name``, ``name/3`` or ``name@champion``."""
    from workbench.models.loading import resolve

    try:
        record = resolve(ref)
    except (LookupError, ValueError) as error:
        fail(error, _FIX)
    payload = dataclasses.asdict(record)
    payload["created_at"] = datetime.fromtimestamp(payload["created_at"], tz=UTC)
    if as_json:
        print_json(payload)
        return
    keys = ("name", "version", "aliases", "run_id", "sha256", "size", "format", "flavor",
            "dataset_fingerprint", "metrics", "user", "created_at")  # fmt: skip
    shown = {key: payload[key] for key in keys}
    if record.signature:
        columns = [f"{c['name']}:{c['dtype']}" for c in record.signature.get("inputs", [])]
        shown["signature"] = ", ".join(columns)
    fields(shown, title=f"{record.name} version {record.version}")


@models_app.command("promote")
def models_promote(
    name: NameArgument,
    version: Annotated[int, typer.Argument(help="The version the alias moves to.")],
    alias: AliasOption = "champion",
    yes: YesOption = False,
) -> None:
    """Point ``alias`` (default champion) at ``version``; recorded with user and time."""
    from workbench.models.aliases import promote

    if not yes:
        typer.confirm(f"Move {name}@{alias} to version {version}?", abort=True)
    try:
        record = promote(name, version, alias=alias)
    except (LookupError, ValueError) as error:
        fail(error, _FIX)
    typer.echo(f"{name}@{alias} -> version {record.version}")


@models_app.command("rollback")
def models_rollback(
    name: NameArgument, alias: AliasOption = "champion", yes: YesOption = False
) -> None:
    """Move ``alias`` back to the version that held it before."""
    from workbench.models.aliases import rollback

    if not yes:
        typer.confirm(f"Roll {name}@{alias} back to its previous version?", abort=True)
    try:
        record = rollback(name, alias=alias)
    except (LookupError, ValueError) as error:
        fail(error, _FIX)
    typer.echo(f"{name}@{alias} -> version {record.version}")
