"""``workbench pipelines list|show|diff``: exported pipeline packages and their versions."""

from __future__ import annotations

from typing import Annotated

import typer

from workbench.cli._output import JsonOption, counted, fail, print_json, table
from workbench.cli._typer import WorkbenchTyper

pipelines_app = WorkbenchTyper(
    help="Exported pipeline packages: versions and what changed between them."
)

NameArgument = Annotated[str, typer.Argument(help="The pipeline's folder under pipelines/.")]
_FIX = "`workbench pipelines list` shows the exported pipelines."


@pipelines_app.command("list")
def pipelines_list(as_json: JsonOption = False) -> None:
    """The packages under pipelines/ with their current version."""
    from dataclasses import asdict

    from workbench.pipelines.catalog import list_packages

    packages = list_packages()
    if as_json:
        print_json([asdict(p) for p in packages])
    elif not packages:
        typer.echo("No exported pipeline yet: `workbench export notebook.ipynb` makes one.")
    else:
        from contextlib import suppress
        from datetime import datetime

        rows = [asdict(p) for p in packages]
        for row in rows:
            with suppress(ValueError):  # a local time; a hand-written date stays as written
                row["exported_at"] = datetime.fromisoformat(row["exported_at"])
        columns = ["name", "version", "fingerprint", "exported_at", "verdict", "note"]
        table(rows, columns, title=counted(len(packages), "pipeline"))


@pipelines_app.command("show")
def pipelines_show(name: NameArgument, as_json: JsonOption = False) -> None:
    """The versions of pipeline NAME, oldest first, with why each changed."""
    from workbench.pipelines.catalog import pipelines_folder, read_manifest
    from workbench.pipelines.package.versioning import list_versions

    try:
        manifest = read_manifest(name)
    except (LookupError, ValueError) as error:
        fail(error, _FIX)
    versions = list_versions(name, out=pipelines_folder())
    if as_json:
        print_json({"name": name, "version": manifest.get("version"), "versions": versions})
        return
    steps = " → ".join(step["name"] for step in manifest.get("steps", []))
    rows = [
        {"version": v["version"], "change": v["level"] or "initial",
         "why": "; ".join(v["reasons"]) or "first export"}
        for v in versions
    ]  # fmt: skip
    table(rows, title=f"{name} {manifest.get('version')}: {steps}")


@pipelines_app.command("diff")
def pipelines_diff(
    name: NameArgument,
    v1: Annotated[str, typer.Argument(metavar="V1", help="The older version, e.g. 1.0.0.")],
    v2: Annotated[str, typer.Argument(metavar="V2", help="The newer version, e.g. 1.1.0.")],
    as_json: JsonOption = False,
) -> None:
    """What changed in pipeline NAME from version V1 to V2."""
    from workbench.pipelines.catalog import pipelines_folder
    from workbench.pipelines.package.versioning import diff

    try:
        change = diff(name, v1, v2, out=pipelines_folder())
    except (FileNotFoundError, LookupError, ValueError) as error:
        fail(error, f"`workbench pipelines show {name}` lists its versions.")
    if as_json:
        print_json(change)
        return
    typer.echo(f"{name} {v1} → {v2}: {change['level']}")
    for line in change["changes"]:
        typer.echo(f"  - {line}")
