"""``workbench retrain NAME --data NEW``: continuous training of an exported pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from workbench.cli._output import BAD_INPUT, FAILURE, fail, print_json


def retrain_command(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="The pipeline's folder under pipelines/.")
    ],
    data: Annotated[
        Path,
        typer.Option(
            "--data",
            metavar="FILE",
            help="CSV or Parquet file with the columns the notebook loaded.",
        ),
    ],
    if_drift: Annotated[
        bool, typer.Option("--if-drift", help="Retrain only when the new data drifted.")
    ] = False,
    drift_share: Annotated[
        float,
        typer.Option(
            "--drift-share",
            metavar="SHARE",
            help="Share of drifted columns that makes the data drift.",
        ),
    ] = 0.5,
    target: Annotated[
        str | None,
        typer.Option(
            "--target", metavar="COLUMN", help="The label column, tested on its own for drift."
        ),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param", metavar="NAME=VALUE", help="NAME=VALUE: override a parameter (repeatable)."
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the decision as strict JSON.")
    ] = False,
) -> None:
    """Retrain pipeline NAME on new data; promote the model only if it passes the gate.

    A drift check of the new data against the training data, a retrain on it, and the new
    model becomes `champion` only if it passes the gate in params.yaml. Exit code 3 when the
    gate keeps the champion, 2 for bad input, 1 when a step fails.
    """
    from workbench.pipelines.retrain import RetrainFailedError, retrain_package

    overrides = {}
    for text in param or []:
        key, sep, value = text.partition("=")
        if not sep:
            fail(f"--param takes NAME=VALUE, got {text!r}", "E.g. --param n_estimators=200.")
        overrides[key] = value
    if not data.is_file():
        fail(f"--data {data}: no such file", "Give a CSV or Parquet file.")
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
            fail(error, code=error.exit_code or FAILURE)
        raise typer.Exit(error.exit_code or FAILURE) from None
    except (LookupError, ValueError) as error:
        fail(error, code=BAD_INPUT)
    if as_json:
        print_json(result.to_dict())
    raise typer.Exit(3 if result.decision == "kept" else 0)
