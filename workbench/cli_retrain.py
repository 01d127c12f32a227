"""``workbench retrain NAME --data NEW``: continuous training of an exported pipeline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def retrain_command(
    name: Annotated[str, typer.Argument(help="The pipeline's folder under pipelines/.")],
    data: Annotated[
        Path,
        typer.Option("--data", help="CSV or Parquet file with the columns the notebook loaded."),
    ],
    if_drift: Annotated[
        bool, typer.Option("--if-drift", help="Retrain only when the new data drifted.")
    ] = False,
    drift_share: Annotated[
        float,
        typer.Option("--drift-share", help="Share of drifted columns that makes the data drift."),
    ] = 0.5,
    target: Annotated[
        str | None,
        typer.Option("--target", help="The label column, tested on its own for drift."),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", help="NAME=VALUE: override a parameter (repeatable)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the decision as JSON.")] = False,
) -> None:
    """Drift check of NEW against the training data, retrain on it, and promote the new model
    to `champion` only if it passes the gate in params.yaml. Exit code 3 when the gate keeps
    the champion, 2 for bad input, 1 when a step fails."""
    from workbench.pipelines.retrain import RetrainFailedError, retrain_package

    overrides = {}
    for text in param or []:
        key, sep, value = text.partition("=")
        if not sep:
            typer.secho(f"Error: --param takes NAME=VALUE, got {text!r}", fg="red", err=True)
            raise typer.Exit(2)
        overrides[key] = value
    if not data.is_file():
        typer.secho(f"Error: --data {data}: no such file", fg="red", err=True)
        raise typer.Exit(2)
    try:
        result = retrain_package(
            name,
            data,
            only_if_drift=if_drift,
            drift_share=drift_share,
            target=target,
            params=overrides,
            quiet=as_json,
            stream=True,
        )
    except RetrainFailedError as error:
        if as_json:  # its own output was not shown
            typer.secho(f"Error: {error}", fg="red", err=True)
        raise typer.Exit(error.exit_code or 1) from None
    except (LookupError, ValueError) as error:
        typer.secho(f"Error: {error}", fg="red", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, default=str))
    raise typer.Exit(3 if result.decision == "kept" else 0)
