"""``workbench serve NAME@ALIAS``: predictions over HTTP that follow a registry alias."""

from __future__ import annotations

from typing import Annotated

import typer


def serve_command(
    ref: Annotated[
        str,
        typer.Argument(
            help="Model to serve: NAME@ALIAS (follows the alias), NAME (follows the latest "
            "version) or NAME/VERSION (fixed)."
        ),
    ],
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    address: Annotated[
        str, typer.Option(help="Address to listen on; other than loopback, anyone can call it.")
    ] = "127.0.0.1",
    log_inputs: Annotated[
        bool,
        typer.Option(
            "--log-inputs",
            help="Append the received rows to Parquet under .workbench/ for drift checks.",
        ),
    ] = False,
) -> None:
    """Serve a registered model: POST /predict, GET /health, GET /model."""
    from workbench.registry import ModelNotFoundError
    from workbench.serving import ModelLoadError, run_server

    try:
        run_server(ref, port=port, address=address, log_inputs=log_inputs)
    except (ModelNotFoundError, ModelLoadError, ValueError) as error:
        typer.secho(f"Error: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
