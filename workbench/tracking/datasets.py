"""Dataset fingerprints (from content), schemas and small profiles."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

from workbench.store.records import DatasetRecord

PROFILED_COLUMNS = 200


def _finite_or_none(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def _as_frame(data: Any) -> Any:
    import numpy as np
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, pd.Series):
        return data.to_frame(name=str(data.name) if data.name is not None else "value")
    if isinstance(data, (str, Path)):
        path = Path(data)
        if not path.is_file():
            raise FileNotFoundError(f"Cannot log dataset {str(path)!r}: no such file.")
        suffix = path.suffix.lower()
        if suffix == ".csv":
            return pd.read_csv(path)
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
        raise ValueError(
            f"Cannot log dataset {str(path)!r}: unsupported file type {path.suffix!r}; "
            "use .csv or .parquet, or pass a DataFrame."
        )
    array = np.asarray(data)
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        raise ValueError(
            f"Cannot log a dataset of shape {array.shape}: pass a DataFrame, a Series, "
            "or a 1-D/2-D array."
        )
    return pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])


def fingerprint_frame(frame: Any) -> str:
    """sha256 over column names, dtypes and the values (index included)."""
    import pandas as pd

    digest = hashlib.sha256()
    for name, dtype in frame.dtypes.items():
        digest.update(f"{name}\x1f{dtype}\x1e".encode())
    try:
        hashed = pd.util.hash_pandas_object(frame, index=True)
        digest.update(hashed.to_numpy().tobytes())
    except TypeError:  # unhashable cells (lists, dicts): fall back to their text
        digest.update(frame.to_csv().encode())
    return digest.hexdigest()


def _numeric_summary(frame: Any, names: list[Any]) -> dict[Any, dict[str, Any]]:
    """mean/std/min/max of numeric columns, in one vectorised pass over a float block."""
    import warnings

    import numpy as np

    if not names:
        return {}
    block = frame[names].to_numpy(dtype=np.float64, na_value=np.nan)
    counts = np.sum(~np.isnan(block), axis=0)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-missing columns give NaN
        stats = {
            "mean": np.nanmean(block, axis=0),
            "std": np.nanstd(block, axis=0, ddof=1),
            "min": np.nanmin(block, axis=0),
            "max": np.nanmax(block, axis=0),
        }
    summary: dict[Any, dict[str, Any]] = {}
    for index, name in enumerate(names):
        if counts[index] == 0:
            summary[name] = {}
            continue
        entry = {key: _finite_or_none(values[index]) for key, values in stats.items()}
        if counts[index] < 2:
            entry["std"] = None
        summary[name] = entry
    return summary


def profile_frame(frame: Any) -> dict[str, Any]:
    """Per column: dtype, missing count, and mean/std/min/max or distinct count and top values."""
    import pandas as pd

    columns = list(frame.columns)[:PROFILED_COLUMNS]
    subset = frame[columns]
    missing = subset.isna().sum().to_numpy()
    types = pd.api.types
    numeric = [
        name for name in columns
        if types.is_numeric_dtype(subset[name]) and not types.is_bool_dtype(subset[name])
    ]  # fmt: skip
    summaries = _numeric_summary(subset, numeric)
    for name in numeric:  # integer columns keep integer bounds
        if types.is_integer_dtype(subset[name]) and summaries[name]:
            for key in ("min", "max"):
                summaries[name][key] = int(
                    subset[name].min() if key == "min" else subset[name].max()
                )
    profile: dict[str, Any] = {}
    for position, name in enumerate(columns):
        column = subset.iloc[:, position]
        entry: dict[str, Any] = {"dtype": str(column.dtype), "missing": int(missing[position])}
        if name in summaries:
            entry.update(summaries[name])
        else:
            counts = column.astype("string").value_counts()
            entry.update(
                distinct=len(counts),
                top={str(k): int(v) for k, v in counts.head(5).items()},
            )
        profile[str(name)] = entry
    return profile


def describe_dataset(data: Any, *, name: str, role: str) -> DatasetRecord:
    """Fingerprint, schema and profile of a DataFrame, Series, array, or CSV/Parquet path."""
    frame = _as_frame(data)
    source = str(Path(data).resolve()) if isinstance(data, (str, Path)) else ""
    return DatasetRecord(
        fingerprint=fingerprint_frame(frame),
        name=name,
        role=role,
        source=source,
        n_rows=int(frame.shape[0]),
        n_cols=int(frame.shape[1]),
        columns=[{"name": str(c), "dtype": str(t)} for c, t in frame.dtypes.items()],
        profile=profile_frame(frame),
    )
