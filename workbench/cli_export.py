"""``workbench export NOTEBOOK``: a notebook becomes a versioned pipeline package.

Exit codes: 0 exported (or unchanged), 2 the notebook cannot be exported (the message
names the cell and line).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def export_command(
    notebook: Annotated[Path, typer.Argument(help="The notebook (.ipynb) to export.")],
    name: Annotated[
        str | None,
        typer.Option("--name", help="Package folder and name (default: from the file name)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Where packages go (default: pipelines/ in the project)."),
    ] = None,
) -> None:
    """Export NOTEBOOK as an installable pipeline package, versioned by what changed."""
    from workbench.pipelines.analysis import AnalysisError
    from workbench.pipelines.export import export_notebook

    try:
        result = export_notebook(
            notebook,
            name=name,
            out=out.resolve() if out is not None else "pipelines",
            show_progress=True,
        )
    except AnalysisError as error:
        typer.secho(f"Error: cannot export {notebook}: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    except (FileNotFoundError, ValueError) as error:
        typer.secho(f"Error: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    for warning in result.warnings:
        typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW, err=True)
    if not result.changed:
        typer.echo(
            f"{result.name} {result.version} is up to date: nothing changed, nothing written."
        )
    else:
        before = f" (was {result.previous_version})" if result.previous_version else ""
        typer.echo(f"Exported {result.name} {result.version}{before} to {result.path}")
        for reason in result.reasons:
            typer.echo(f"  - {reason}")
    typer.echo(f"Steps: {' → '.join(result.steps)}")
    typer.echo(f"Verdict: {result.verdict}")
    typer.echo(f"Run it: PYTHONPATH={result.path / 'src'} python -m {result.package} run")
