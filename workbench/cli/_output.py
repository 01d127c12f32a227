"""Everything the command line prints goes through here: one table renderer (rich), one way
to write times, numbers and mappings, strict JSON for ``--json``, and one error style.

Errors are one line on stderr, ``error: <problem>. <fix>``; the exit code is 2 for bad input
(an unknown id, a bad filter, a missing file) and 1 for a failure.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any, NoReturn

import typer

BAD_INPUT, FAILURE = 2, 1

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print strict JSON (full precision) instead of a table.")
]


def fail(problem: object, fix: str = "", code: int = BAD_INPUT) -> NoReturn:
    """Print ``error: <problem>. <fix>`` on stderr and exit with ``code``. A problem of several
    lines (a filter with a caret under the bad spot) keeps them, indented, under that line."""
    first, *context = str(problem).strip().splitlines() or [""]
    if first and first[-1] not in ".!?:":
        first += "."
    lines = [f"error: {first}{' ' + fix if fix else ''}", *(f"  {line}" for line in context)]
    typer.secho("\n".join(lines), fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def warn(message: str) -> None:
    typer.secho(f"warning: {message}", fg=typer.colors.YELLOW, err=True)


def _as_datetime(value: Any) -> datetime | None:
    if not isinstance(value, datetime) or value != value:  # pandas' NaT is not equal to itself
        return None
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp
        return value.to_pydatetime(warn=False)
    return value


def format_time(value: Any) -> str:
    """A timestamp (epoch seconds or a datetime) as local ISO text to the second."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    moment = _as_datetime(value)
    if moment is None:
        moment = datetime.fromtimestamp(float(value), tz=UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def format_number(value: float) -> str:
    """Floats to 4 significant digits; integers whole."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or (
        isinstance(value, float) and value.is_integer() and abs(value) < 1e15
    ):
        return str(int(value))
    return f"{value:.4g}"


def format_score(value: float) -> str:
    """A score to four decimals (``0.9880``), or four significant digits when that would
    hide it (``1.2e-05``, ``3.4e+07``)."""
    return f"{value:.4f}" if 1e-3 <= abs(value) < 1e6 or value == 0 else f"{value:.4g}"


def format_mapping(mapping: Mapping[Any, Any]) -> str:
    """``{'champion': 2, 'challenger': 3}`` as ``champion=2, challenger=3``."""
    return ", ".join(f"{key}={format_cell(value)}" for key, value in mapping.items())


def format_cell(value: Any) -> str:
    """One value as a table shows it."""
    if value is None:
        return ""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalars
    if isinstance(value, float) and math.isnan(value):
        return ""
    if _as_datetime(value) is not None:
        return format_time(value)
    if isinstance(value, (int, float)):
        return format_number(value)
    if isinstance(value, Mapping):
        return format_mapping(value)
    if isinstance(value, (list, tuple, set)):
        return ", ".join(format_cell(v) for v in value)
    return str(value)


def _console() -> Any:
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:  # piped or captured: wide enough that ids are never folded
        console = Console(highlight=False, width=max(console.width, 160))
    return console


def table(
    rows: Sequence[Mapping[Any, Any]],
    columns: Sequence[str] | None = None,
    title: str | None = None,
) -> None:
    """Rows (mappings) as one table; ``columns`` picks and orders them."""
    from rich.table import Table

    names = list(columns) if columns is not None else list(rows[0]) if rows else []
    shown = Table(title=title, title_justify="left", show_lines=False)
    for name in names:
        shown.add_column(name, overflow="fold")
    for row in rows:
        shown.add_row(*(format_cell(row.get(name)) for name in names))
    _console().print(shown)


def fields(values: Mapping[str, Any], title: str | None = None) -> None:
    """A mapping as a two-column table: field, value."""
    table([{"field": key, "value": value} for key, value in values.items()], title=title)


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``1 study``, ``2 studies``."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def count_title(shown: int, total: int, noun: str, order: str, more_option: str = "-n") -> str:
    """``3 of 20 runs (newest first; -n to see more)`` when capped, else
    ``20 runs (newest first)``."""
    if shown < total:
        return f"{shown} of {counted(total, noun)} ({order}; {more_option} to see more)"
    return f"{counted(total, noun)} ({order})"


def _jsonable(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)  # NaN/inf are not JSON
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    if isinstance(value, datetime | date):
        moment = _as_datetime(value) if isinstance(value, datetime) else value
        return None if moment is None else moment.isoformat()  # NaT: no time
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        return _jsonable(value.item())  # numpy scalars
    if isinstance(value, Iterable) and not isinstance(value, bytes):
        return [_jsonable(item) for item in value]
    if _missing(value):  # pandas' NA
        return None
    return str(value)


def print_json(payload: Any) -> None:
    """Strict JSON on stdout: NaN and ±inf as the strings "nan"/"inf"/"-inf", times as ISO."""
    typer.echo(json.dumps(_jsonable(payload), indent=2, allow_nan=False))


def frame_records(frame: Any) -> list[dict[str, Any]]:
    """A DataFrame as JSON-ready records (a missing time as null, NaN as "nan")."""
    return [
        {str(key): _jsonable(value) for key, value in row.items()}
        for row in frame.to_dict(orient="records")
    ]


def _missing(value: Any) -> bool:
    try:
        return bool(value != value)
    except (TypeError, ValueError):  # arrays compare element-wise
        return False
