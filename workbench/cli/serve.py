"""``workbench serve NAME@ALIAS``: predictions over HTTP that follow a registry alias."""

from __future__ import annotations

import math
from typing import Annotated

import typer

from workbench.cli._output import fail


def serve_command(
    ref: Annotated[
        str,
        typer.Argument(
            metavar="REF",
            help="Model to serve: NAME@ALIAS (follows the alias), NAME (follows the latest "
            "version) or NAME/VERSION (fixed).",
        ),
    ],
    port: Annotated[int, typer.Option(metavar="PORT", help="Port to listen on.")] = 8000,
    address: Annotated[
        str,
        typer.Option(
            metavar="ADDRESS", help="Address to listen on; other than loopback, anyone can call it."
        ),
    ] = "127.0.0.1",
    log_inputs: Annotated[
        bool,
        typer.Option(
            "--log-inputs",
            help="Append the received rows to Parquet under .workbench/ for drift checks.",
        ),
    ] = False,
    max_body_mb: Annotated[
        float,
        typer.Option(
            "--max-body-mb",
            metavar="MB",
            help="Largest POST /predict body in megabytes (10^6 bytes); a larger one gets 413.",
        ),
    ] = 10.0,
) -> None:
    """Serve a registered model: POST /predict, GET /health, GET /model."""
    from workbench.models.errors import ModelNotFoundError
    from workbench.serving import ModelLoadError, run_server

    if not 0 < max_body_mb < math.inf:
        fail(f"--max-body-mb must be a positive number of megabytes, got {max_body_mb}")
    try:
        run_server(
            ref,
            port=port,
            address=address,
            log_inputs=log_inputs,
            max_body_bytes=int(max_body_mb * 1_000_000),
        )
    except (ModelNotFoundError, ModelLoadError, ValueError) as error:
        fail(error, "`workbench models list` shows the registered models.")
