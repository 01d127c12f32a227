"""``workbench export NOTEBOOK``: a notebook becomes a versioned pipeline package.

Exit codes: 0 exported (or unchanged) and, with ``--verify``, reproduced exactly or within
tolerance; 1 with ``--verify``: diverged, or not verified (the notebook itself failed); 2 the
notebook cannot be exported (the message names the cell and line).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from workbench.cli._output import FAILURE, fail, warn
from workbench.pipelines.export import VERIFY_BY_DEFAULT


def export_command(
    notebook: Annotated[
        Path, typer.Argument(metavar="NOTEBOOK", help="The notebook (.ipynb) to export.")
    ],
    name: Annotated[
        str | None,
        typer.Option(
            "--name", metavar="NAME", help="Package folder and name (default: from the file name)."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FOLDER",
            help="Where packages go (default: pipelines/ in the project).",
        ),
    ] = None,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify/--no-verify",
            help="Execute the notebook for golden values, run the package and compare "
            "(--no-verify: export only, in seconds).",
        ),
    ] = VERIFY_BY_DEFAULT,
    check_randomness: Annotated[
        bool,
        typer.Option(
            "--check-randomness/--no-check-randomness",
            help="With --verify: execute the notebook twice to find unseeded randomness.",
        ),
    ] = True,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            min=0,
            metavar="SEED",
            help="Add random_state=SEED to the estimators and splits that have none (in the "
            "package and the verification run; the notebook file is left alone).",
        ),
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
            verify=verify,
            check_randomness=check_randomness,
            seed=seed,
        )
    except AnalysisError as error:
        fail(f"cannot export {notebook}: {error}")
    except (OSError, ValueError) as error:
        fail(error)
    for warning in result.warnings:
        warn(warning)
    if not result.changed:
        typer.echo(
            f"{result.name} {result.version} is up to date: nothing changed, nothing written."
        )
    else:
        before = f" (was {result.previous_version})" if result.previous_version else ""
        typer.echo(f"Exported {result.name} {result.version}{before} to {result.path}")
        for reason in result.reasons:
            typer.echo(f"  - {reason}")
    if result.seeded:
        typer.echo(f"Seeded {len(result.seeded)} call(s) with random_state={result.seed}:")
        for line in result.seeded:
            typer.echo(f"  - {line}")
    elif result.seed is not None:
        typer.echo(f"--seed {result.seed}: every estimator and split already had a seed.")
    if result.verification is not None and result.verification.golden_recorded:
        typer.echo("Recorded the notebook's golden values in the manifest.")
    typer.echo(f"Steps: {' → '.join(result.steps)}")
    typer.echo(f"Verdict: {result.verdict}")
    verdict = result.verification.verdict if result.verification is not None else None
    if verdict is not None:
        for difference in verdict.differences:
            state = "within tolerance" if difference.within_tolerance else "differs"
            typer.echo(f"  {difference.step}.{difference.variable} {state}: {difference.detail}")
        if verdict.skipped:
            typer.echo(f"  compared by kind and shape only: {', '.join(verdict.skipped)}")
    typer.echo(f"Run it: PYTHONPATH={result.path / 'src'} python -m {result.package} run")
    if verdict is not None and not verdict.ok:
        raise typer.Exit(FAILURE)
