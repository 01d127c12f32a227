"""``workbench drift REF CUR``: exits 1 when the data drifted (for CI and cron).

Exit codes: 0 no dataset drift, 1 dataset drift found, 2 bad input (a missing or unreadable
file, a folder, an unknown or duplicate column, a bad option, an HTML path that cannot be
written); bad input is one line naming the problem and the fix, never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from workbench.cli._output import fail, table

DRIFT_FOUND = 1


def _check_html_path(html: Path) -> None:
    # Checked before the comparison, so that a typo does not cost a long run.
    if html.is_dir():
        fail(f"--html {str(html)!r} is a directory; give a file name such as drift.html.")
    folder = html.parent
    if not folder.is_dir():
        fail(
            f"--html {str(html)!r}: the folder {str(folder)!r} does not exist; create it "
            "or write the report elsewhere."
        )


def _verdict(report: Any) -> str:
    verdict = "DRIFT" if report.drifted else "No drift"
    return (
        f"{verdict}: {report.n_drifted} of {len(report.tested)} columns drifted "
        f"(share {report.share:.2f}, threshold {report.drift_share}); "
        f"{report.reference_rows} reference vs {report.current_rows} current rows"
    )


def drift_command(
    reference: Annotated[
        Path, typer.Argument(metavar="REF", help="Reference data (CSV or Parquet).")
    ],
    current: Annotated[Path, typer.Argument(metavar="CUR", help="Current data (CSV or Parquet).")],
    target: Annotated[
        str | None, typer.Option(metavar="COLUMN", help="Target column, reported apart.")
    ] = None,
    prediction: Annotated[
        str | None, typer.Option(metavar="COLUMN", help="Prediction column.")
    ] = None,
    time_column: Annotated[
        str | None, typer.Option("--time-column", metavar="COLUMN", help="Time column.")
    ] = None,
    window: Annotated[
        str | None, typer.Option(metavar="WINDOW", help="Window: '1D', '7D' or a row count.")
    ] = None,
    drift_share: Annotated[
        float,
        typer.Option(
            "--drift-share", metavar="SHARE", help="Share of drifted columns that means drift."
        ),
    ] = 0.5,
    html: Annotated[
        Path | None, typer.Option("--html", metavar="FILE", help="Write a standalone HTML report.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as strict JSON.")
    ] = False,
    log: Annotated[
        str | None,
        typer.Option("--log", metavar="DATASET", help="Store the report under this dataset name."),
    ] = None,
) -> None:
    """Compare CUR with REF column by column.

    Exit code 0: no drift; 1: drift was found; 2: bad input (the error names it).
    """
    import workbench as wb

    if html is not None:
        _check_html_path(html)
    parsed_window: str | int | None = int(window) if window and window.isdigit() else window
    try:
        report = wb.drift.compare(
            reference, current, target=target, prediction=prediction, time_column=time_column,
            window=parsed_window, drift_share=drift_share, show_progress=not as_json,
        )  # fmt: skip
    except (ValueError, OSError, TypeError) as error:
        fail(str(error))
    if html is not None:
        try:
            report.save_html(html)
        except OSError as error:  # e.g. no permission to write there
            fail(f"cannot write the HTML report to {str(html)!r}: {error.strerror or error}")
    if log is not None:
        report.log(dataset=log)
    if as_json:
        typer.echo(report.to_json(indent=2))
    else:
        columns = ["column", "type", "test", "statistic", "p_value", "drifted", "status"]
        table(report.to_frame().to_dict(orient="records"), columns, title=_verdict(report))
        if html is not None:
            typer.echo(f"HTML report: {html}")
    if report.drifted:
        raise typer.Exit(DRIFT_FOUND)
