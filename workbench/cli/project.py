"""``workbench db upgrade``, ``gc``, ``demo`` and ``ui``: the project as a whole."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from workbench.cli._output import JsonOption, fail, print_json
from workbench.cli._typer import WorkbenchTyper

db_app = WorkbenchTyper(help="Manage the tracking database.")

PortOption = Annotated[int, typer.Option(metavar="PORT", help="Port to listen on.")]
AddressOption = Annotated[str, typer.Option(metavar="ADDRESS", help="Address to listen on.")]


@db_app.command("upgrade")
def db_upgrade(
    url: Annotated[
        str | None, typer.Option(metavar="URL", help="Database URL (default: the project's).")
    ] = None,
) -> None:
    """Migrate the tracking database to the newest schema (back it up first)."""
    from workbench._project import database_url, upgrade_database

    target = url or database_url()
    before, after = upgrade_database(target)
    if before == after:
        typer.echo(f"Already at the newest schema ({after}).")
    else:
        typer.echo(f"Upgraded from {before or 'an empty database'} to {after}.")


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """Seconds in a duration such as ``0``, ``90s``, ``10m``, ``1h`` or ``2d``.

    >>> parse_duration("10m")
    600.0
    """
    match = _DURATION.match(text.lower())
    if match is None:
        raise typer.BadParameter(
            f"{text!r} is not a duration; give a number with s, m, h or d, e.g. 10m or 0."
        )
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def gc(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would go.")] = False,
    purge_deleted: Annotated[
        bool, typer.Option("--purge-deleted", help="First remove deleted runs for good.")
    ] = False,
    grace: Annotated[
        str,
        typer.Option(
            metavar="DURATION",
            help="Keep unreferenced blobs stored less than this long ago (e.g. 10m, 2h, 0): "
            "another machine may have just stored one and not yet saved the run that refers "
            "to it.",
        ),
    ] = "1h",
    as_json: JsonOption = False,
) -> None:
    """Remove artifact blobs that no run, model or shared index references, except those
    stored within the grace period."""
    from workbench.tracking.queries import collect_garbage

    report = collect_garbage(
        dry_run=dry_run, purge_deleted=purge_deleted, grace=parse_duration(grace)
    )
    if as_json:
        print_json(
            {
                "dry_run": dry_run,
                "blobs": report.blobs,
                "bytes": report.bytes,
                "purged_runs": report.purged_runs,
                "kept_for_grace": report.kept_for_grace,
            }
        )
        return
    verb = "Would remove" if dry_run else "Removed"
    typer.echo(f"{verb} {len(report.blobs)} unreferenced blob(s), {report.bytes} bytes.")
    if report.kept_for_grace:
        typer.echo(
            f"Kept {report.kept_for_grace} unreferenced blob(s) stored within the last {grace} "
            "(--grace)."
        )
    if report.purged_runs:
        typer.echo(f"Purged {report.purged_runs} deleted run(s).")


def demo(
    home: Annotated[
        str, typer.Option(metavar="FOLDER", help="Folder of the demo project.")
    ] = "demo-project",
    port: PortOption = 5006,
    address: AddressOption = "127.0.0.1",
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the dashboard after seeding.")
    ] = True,
) -> None:
    """Seed a demo project with tracked runs on scikit-learn data and serve the dashboard."""
    from workbench.demo import seed_demo

    count = seed_demo(home)
    typer.echo(f"Demo project at {home}: {count} run(s) tracked.")
    if serve:
        from workbench.ui.app import serve as serve_ui

        serve_ui(port=port, address=address)


def ui(
    port: PortOption = 5006,
    address: AddressOption = "127.0.0.1",
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
        fail(error)
