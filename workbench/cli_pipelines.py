"""``workbench pipelines list|show|diff``: exported pipeline packages and their versions."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

pipelines_app = typer.Typer(
    help="Exported pipeline packages: versions and what changed between them.",
    no_args_is_help=True,
)
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _fail(error: Exception) -> None:
    typer.secho(f"Error: {error}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def _echo_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, indent=2, default=str))


@pipelines_app.command("list")
def pipelines_list(as_json: JsonOption = False) -> None:
    """The packages under pipelines/ with their current version."""
    from dataclasses import asdict

    from workbench.pipelines.catalog import list_packages

    packages = list_packages()
    if as_json:
        _echo_json([asdict(p) for p in packages])
    elif not packages:
        typer.echo("No exported pipeline yet: `workbench export notebook.ipynb` makes one.")
    for package in packages if not as_json else []:
        note = f"  ({package.note})" if package.note else ""
        typer.echo(f"{package.name}\t{package.version}\t{package.fingerprint}{note}")


@pipelines_app.command("show")
def pipelines_show(name: str, as_json: JsonOption = False) -> None:
    """The versions of pipeline NAME, oldest first, with why each changed."""
    from workbench.pipelines.catalog import pipelines_folder, read_manifest
    from workbench.pipelines.package.versioning import list_versions

    try:
        manifest = read_manifest(name)
    except (LookupError, ValueError) as error:
        _fail(error)
    versions = list_versions(name, out=pipelines_folder())
    if as_json:
        _echo_json({"name": name, "version": manifest.get("version"), "versions": versions})
        return
    steps = " → ".join(step["name"] for step in manifest.get("steps", []))
    typer.echo(f"{name} {manifest.get('version')}: {steps}")
    for version in versions:
        why = "; ".join(version["reasons"]) or "first export"
        typer.echo(f"  {version['version']:<10} {version['level'] or 'initial':<8} {why}")


@pipelines_app.command("diff")
def pipelines_diff(name: str, v1: str, v2: str, as_json: JsonOption = False) -> None:
    """What changed in pipeline NAME from version V1 to V2."""
    from workbench.pipelines.catalog import pipelines_folder
    from workbench.pipelines.package.versioning import diff

    try:
        change = diff(name, v1, v2, out=pipelines_folder())
    except (FileNotFoundError, LookupError, ValueError) as error:
        _fail(error)
    if as_json:
        _echo_json(change)
        return
    typer.echo(f"{name} {v1} → {v2}: {change['level']}")
    for line in change["changes"]:
        typer.echo(f"  - {line}")
