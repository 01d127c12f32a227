"""The data a drift comparison is given: a DataFrame or a CSV/Parquet path, with string
column names that each name one column.

Reports, plots and the stored history name columns by strings, so other names are
converted once, here: ``3`` becomes ``"3"`` and a MultiIndex column ``("sales", "eu")``
becomes ``"sales.eu"``. Names that would collide, and duplicate names, are refused.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

_Value = TypeVar("_Value")


def column_label(name: Any) -> str:
    """The string a column is known by in drift reports (MultiIndex levels joined by ``.``).

    >>> column_label(3), column_label(("sales", "eu")), column_label("age")
    ('3', 'sales.eu', 'age')
    """
    if isinstance(name, tuple):
        return ".".join(str(level) for level in name)
    return name if isinstance(name, str) else str(name)


def labelled_keys(mapping: Mapping[Any, _Value]) -> dict[str, _Value]:
    """A per-column mapping keyed by :func:`column_label` (kind names stay as they are)."""
    return {column_label(key): value for key, value in mapping.items()}


def read_frame(data: Any, role: str) -> pd.DataFrame:
    """``data`` (a DataFrame or a CSV/Parquet path) as a frame with unique string columns.

    Raises:
        FileNotFoundError: the path does not exist.
        IsADirectoryError: the path is a folder.
        ValueError: the file cannot be read, or column names repeat.
        TypeError: ``data`` is neither a DataFrame nor a path.
    """
    return _string_columns(_load(data, role), role)


def _load(data: Any, role: str) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    if not isinstance(data, (str, Path)):
        raise TypeError(
            f"The {role} data must be a DataFrame or a CSV/Parquet path, got {type(data).__name__}"
        )
    path = Path(data)
    if path.is_dir():
        raise IsADirectoryError(
            f"The {role} data {str(path)!r} is a directory; give a .csv or .parquet file."
        )
    if not path.is_file():
        raise FileNotFoundError(f"The {role} data {str(path)!r} does not exist.")
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".pq", ".csv"):
        raise ValueError(f"Cannot read {str(path)!r}: use a .csv or .parquet file, or a DataFrame.")
    kind = "CSV" if suffix == ".csv" else "Parquet"
    try:
        return pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
    except (OSError, ValueError) as error:  # unreadable, empty, or not that format inside
        raise ValueError(
            f"Cannot read the {role} data {str(path)!r} as {kind}: {error}. Check that the "
            f"file is a complete {kind} file."
        ) from None


def _string_columns(frame: pd.DataFrame, role: str) -> pd.DataFrame:
    names = list(frame.columns)
    repeated = _repeated(names)
    if repeated:
        raise ValueError(
            f"The {role} data has duplicate column names {repeated}; each column needs its own "
            "name (rename them, e.g. frame.columns = [...])."
        )
    if all(isinstance(name, str) for name in names):
        return frame
    labels = [column_label(name) for name in names]
    clashing = _repeated(labels)
    if clashing:
        sources = [repr(name) for name in names if column_label(name) in clashing]
        raise ValueError(
            f"The {role} data has columns {', '.join(sources)} that all read as {clashing} "
            "once names are strings; rename them so that each has its own name."
        )
    return frame.set_axis(labels, axis=1)


def _repeated(names: list[Any]) -> list[Any]:
    return [name for name, count in Counter(names).items() if count > 1]
