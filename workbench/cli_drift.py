"""``workbench drift REF CUR``: exits 1 when the data drifted (for CI and cron)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def drift_command(
    reference: Annotated[Path, typer.Argument(help="Reference data (CSV or Parquet).")],
    current: Annotated[Path, typer.Argument(help="Current data (CSV or Parquet).")],
    target: Annotated[str | None, typer.Option(help="Target column, reported apart.")] = None,
    prediction: Annotated[str | None, typer.Option(help="Prediction column.")] = None,
    time_column: Annotated[str | None, typer.Option("--time-column", help="Time column.")] = None,
    window: Annotated[str | None, typer.Option(help="Window: '1D', '7D' or a row count.")] = None,
    drift_share: Annotated[
        float, typer.Option("--drift-share", help="Dataset verdict threshold.")
    ] = 0.5,
    html: Annotated[
        Path | None, typer.Option("--html", help="Write a standalone HTML report.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    log: Annotated[
        str | None, typer.Option("--log", help="Store the report under this dataset name.")
    ] = None,
) -> None:
    """Compare CUR with REF column by column; exit code 1 means drift was found."""
    import workbench as wb

    parsed_window: str | int | None = int(window) if window and window.isdigit() else window
    try:
        report = wb.drift.compare(
            reference, current, target=target, prediction=prediction, time_column=time_column,
            window=parsed_window, drift_share=drift_share, show_progress=not as_json,
        )  # fmt: skip
    except (ValueError, FileNotFoundError, TypeError) as error:
        typer.secho(f"Error: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    if html is not None:
        report.save_html(html)
    if log is not None:
        report.log(dataset=log)
    if as_json:
        typer.echo(report.to_json(indent=2))
    else:
        frame = report.to_frame()[
            ["column", "type", "test", "statistic", "p_value", "drifted", "status"]
        ]
        typer.echo(frame.to_string(index=False))
        typer.echo(repr(report))
        if html is not None:
            typer.echo(f"HTML report: {html}")
    if report.drifted:
        raise typer.Exit(1)
