"""``workbench retrain NAME --data NEW`` (or ``--data INPUT=PATH``): continuous training of
an exported pipeline."""

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
        list[str],
        typer.Option(
            "--data",
            metavar="FILE|INPUT=PATH",
            help="CSV or Parquet file with the columns the notebook loaded; or INPUT=PATH: "
            "a new file for a data file the notebook reads (repeatable, e.g. "
            "--data train=new_train.csv --data test=new_test.csv).",
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
    model becomes `champion` only if it passes the gate in params.yaml. With INPUT=PATH the
    pipeline reads PATH instead of the notebook's data file INPUT, and the drift check
    compares the two files. Exit code 3 when the gate keeps the champion, 2 for bad input,
    1 when a step fails.
    """
    from workbench.pipelines.retrain import RetrainFailedError, retrain_package

    overrides = {}
    for text in param or []:
        key, sep, value = text.partition("=")
        if not sep:
            fail(f"--param takes NAME=VALUE, got {text!r}", "E.g. --param n_estimators=200.")
        overrides[key] = value
    source = _data_source(data)
    try:
        result = retrain_package(
            name,
            source,
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


def _data_source(texts: list[str]) -> Path | dict[str, Path]:
    """One ``--data FILE``, or the ``--data INPUT=PATH`` given (an existing file whose name
    holds ``=`` is a FILE)."""
    files = [Path(text) for text in texts if "=" not in text or Path(text).is_file()]
    inputs = {}
    for text in texts:
        if "=" in text and not Path(text).is_file():
            key, _, path = text.partition("=")
            if not key.strip() or not path:
                fail(f"--data takes FILE or INPUT=PATH, got {text!r}", "E.g. --data train=new.csv.")
            inputs[key.strip()] = Path(path)
    if (files and inputs) or len(files) > 1:
        fail(
            f"--data takes one FILE or INPUT=PATH pairs, got {' '.join(texts)}",
            "Give one file for the load step, or a new file for each data input to replace.",
        )
    for file in files or inputs.values():
        if not file.is_file():
            fail(f"--data {file}: no such file", "Give a CSV or Parquet file.")
    return files[0] if files else inputs
