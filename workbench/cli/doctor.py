"""``workbench doctor``: where the project's database, artifacts, caches and studies live,
and whether each works, with the fix for each that does not."""

from __future__ import annotations

import typer

from workbench.cli._output import FAILURE, JsonOption, print_json


def doctor(as_json: JsonOption = False) -> None:
    """Show where the database, artifacts, caches and studies live and check each one
    (exit code 1 when a check fails)."""
    from workbench._doctor import project_checks

    checks = project_checks()
    if as_json:
        print_json(
            {
                check.name: {
                    "where": check.where,
                    "ok": check.ok,
                    "detail": check.detail,
                    "fix": check.fix,
                }
                for check in checks
            }
        )
    else:
        width = max(len(check.name) for check in checks)
        for check in checks:
            status = "ok" if check.ok else "FAIL"
            line = f"{check.name:<{width}}  {status:<4}  {check.where}: {check.detail}"
            typer.secho(line, fg=None if check.ok else typer.colors.RED)
            if check.fix:
                typer.echo(f"{'':<{width}}  fix:  {check.fix}")
    if not all(check.ok for check in checks):
        raise typer.Exit(FAILURE)
