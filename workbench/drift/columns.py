"""What each column is, and which drift test it gets by default.

Kinds are inferred from the reference column's dtype (then its values, for object and
string columns), and can be overridden per column. The default test follows Evidently's
rule (:func:`default_test`); any column or kind can use another test registered in
:data:`workbench.drift.stattests.TESTS` by name (see :func:`select_test`).

>>> import pandas as pd
>>> ref = pd.Series(range(5000), dtype=float)
>>> kind = infer_kind(ref).kind
>>> kind, default_test(kind, n_unique_reference=5000, n_reference_rows=5000)
(<ColumnKind.NUMERIC: 'numeric'>, DriftCriterion(test='wasserstein', threshold=0.1, p_value=False))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from workbench.drift.samples import Sample, categorical_sample, numeric_sample
from workbench.drift.stattests import TESTS, DriftCriterion, get_test

# Evidently's default rule: sizes and distinct-value counts where the test changes.
SMALL_REFERENCE_ROWS = 1000
FEW_NUMERIC_VALUES = 5
BINARY_VALUES = 2
# A string column is ID-like or free text when nearly every value is distinct.
TEXT_MIN_DISTINCT = 50
TEXT_DISTINCT_RATIO = 0.95


class ColumnKind(StrEnum):
    """How a column is compared; ``text`` and ``unsupported`` columns are skipped."""

    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"
    DATETIME = "datetime"  # compared as numbers: seconds since the epoch (UTC)
    TEXT = "text"  # IDs or free text: nearly every value distinct
    UNSUPPORTED = "unsupported"  # complex numbers, unhashable values (lists, dicts)


NUMBER_KINDS = frozenset({ColumnKind.NUMERIC, ColumnKind.DATETIME})
CATEGORY_KINDS = frozenset({ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN})


@dataclass(frozen=True)
class ColumnType:
    """An inferred (or overridden) kind, with a note saying why when the column is skipped.

    >>> ColumnType(ColumnKind.TEXT, "looks like an ID").skipped
    True
    """

    kind: ColumnKind
    note: str | None = None

    @property
    def skipped(self) -> bool:
        """Whether no drift test applies to this column."""
        return self.kind not in NUMBER_KINDS | CATEGORY_KINDS


def parse_kind(kind: ColumnKind | str) -> ColumnKind:
    """A kind from its name, e.g. an override given as a string.

    >>> parse_kind("boolean")
    <ColumnKind.BOOLEAN: 'boolean'>
    """
    try:
        return ColumnKind(kind)
    except ValueError:
        allowed = [member.value for member in ColumnKind]
        raise ValueError(f"unknown column kind {kind!r}; choose one of {allowed}") from None


def default_test(
    kind: ColumnKind | str, n_unique_reference: int, n_reference_rows: int
) -> DriftCriterion:
    """Evidently's default test for a column.

    ``n_reference_rows`` counts the valid reference values (after dropping missing, NaN
    and inf, as Evidently does); ``n_unique_reference`` the distinct ones among them.

    ============  ===========================  ==========================
    reference     numeric / datetime           categorical / boolean
    ============  ===========================  ==========================
    <= 1000 rows  > 5 distinct: KS             > 2 distinct: chi-square
                  3-5 distinct: chi-square     <= 2 distinct: Z-test
                  <= 2 distinct: Z-test
    > 1000 rows   > 5 distinct: Wasserstein    Jensen–Shannon
                  <= 5 distinct: Jensen–Shannon
    ============  ===========================  ==========================

    P-value tests drift when p < 0.05, distances when they reach 0.1.

    >>> default_test("categorical", n_unique_reference=2, n_reference_rows=300).test
    'z'
    """
    kind = parse_kind(kind)
    small = n_reference_rows <= SMALL_REFERENCE_ROWS
    if kind in NUMBER_KINDS:
        if n_unique_reference > FEW_NUMERIC_VALUES:
            name = "ks" if small else "wasserstein"
        elif not small:
            name = "jensenshannon"
        else:
            name = "chisquare" if n_unique_reference > BINARY_VALUES else "z"
    elif kind in CATEGORY_KINDS:
        if not small:
            name = "jensenshannon"
        else:
            name = "chisquare" if n_unique_reference > BINARY_VALUES else "z"
    else:
        raise ValueError(f"{kind.value} columns are skipped: no drift test applies")
    return TESTS[name].criterion()


def select_test(
    kind: ColumnKind | str,
    reference: Sample,
    test: str | None = None,
    threshold: float | None = None,
) -> DriftCriterion:
    """The criterion for a prepared reference column: the default test unless one is named.

    >>> from workbench.drift.samples import numeric_sample
    >>> select_test("numeric", numeric_sample(range(10)), threshold=0.01)
    DriftCriterion(test='ks', threshold=0.01, p_value=True)
    """
    if test is None:
        chosen = default_test(kind, reference.n_unique, reference.size)
        return chosen if threshold is None else get_test(chosen.test).criterion(threshold)
    return get_test(test).criterion(threshold)


def infer_kind(series: pd.Series) -> ColumnType:
    """The kind of a (reference) column, from its dtype, then its values for strings/objects.

    >>> infer_kind(pd.Series([f"user-{i}" for i in range(100)])).note
    '100 distinct values in 100 rows (100%): looks like an ID or free text; skipped'
    """
    dtype = series.dtype
    if ptypes.is_bool_dtype(dtype):
        return ColumnType(ColumnKind.BOOLEAN)
    if isinstance(dtype, pd.CategoricalDtype):
        return ColumnType(ColumnKind.CATEGORICAL)
    if ptypes.is_datetime64_any_dtype(dtype):
        return ColumnType(ColumnKind.DATETIME)
    if ptypes.is_complex_dtype(dtype):
        return ColumnType(ColumnKind.UNSUPPORTED, "complex numbers have no drift test; skipped")
    if ptypes.is_numeric_dtype(dtype) or ptypes.is_timedelta64_dtype(dtype):
        return ColumnType(ColumnKind.NUMERIC)
    if ptypes.is_string_dtype(dtype) or ptypes.is_object_dtype(dtype):
        return _infer_from_values(series)
    return ColumnType(ColumnKind.CATEGORICAL)  # periods, intervals: compared as categories


def infer_kinds(
    reference: pd.DataFrame, overrides: Mapping[str, ColumnKind | str] | None = None
) -> dict[str, ColumnType]:
    """The kind of every reference column; ``overrides`` (column → kind) take precedence.

    >>> frame = pd.DataFrame({"age": [30, 40], "zip": [75001, 10115]})
    >>> {name: t.kind.value for name, t in infer_kinds(frame, {"zip": "categorical"}).items()}
    {'age': 'numeric', 'zip': 'categorical'}
    """
    overrides = dict(overrides or {})
    unknown = sorted(map(str, set(overrides) - set(reference.columns)))
    if unknown:
        raise ValueError(f"kind overrides name columns not in the reference: {unknown}")
    kinds = {}
    for name in reference.columns:
        if name in overrides:
            kinds[name] = ColumnType(parse_kind(overrides[name]), "kind set by the caller")
        else:
            kinds[name] = infer_kind(reference[name])
    return kinds


def column_sample(series: pd.Series, kind: ColumnKind | str) -> Sample:
    """Prepare a column for testing as ``kind``; values that do not fit are counted as dropped.

    Numeric and datetime columns become a :class:`NumericSample` (datetimes as seconds
    since the epoch, UTC), the others category counts.

    >>> column_sample(pd.Series(["1.5", "x", None]), "numeric").n_dropped
    2
    """
    kind = parse_kind(kind)
    if kind is ColumnKind.NUMERIC:
        # Any dtype but numpy float64 converts into a fresh array, ours to sort in place.
        return numeric_sample(_as_float(series), overwrite=series.dtype != np.float64)
    if kind is ColumnKind.DATETIME:
        return numeric_sample(_epoch_seconds(series), overwrite=True)
    if kind in CATEGORY_KINDS:
        return categorical_sample(series)
    raise ValueError(f"{kind.value} columns are skipped: no drift test applies")


def _infer_from_values(series: pd.Series) -> ColumnType:
    inferred = ptypes.infer_dtype(series, skipna=True)
    if inferred == "boolean":
        return ColumnType(ColumnKind.BOOLEAN)
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal", "timedelta"):
        return ColumnType(ColumnKind.NUMERIC)
    if inferred in ("datetime", "datetime64", "date"):
        return ColumnType(ColumnKind.DATETIME)
    if inferred == "complex":
        return ColumnType(ColumnKind.UNSUPPORTED, "complex numbers have no drift test; skipped")
    try:
        n_distinct = int(series.nunique(dropna=True))
    except TypeError:
        return ColumnType(
            ColumnKind.UNSUPPORTED, "values are not hashable (lists, dicts?); skipped"
        )
    n_valid = int(series.count())
    if n_distinct >= TEXT_MIN_DISTINCT and n_distinct >= TEXT_DISTINCT_RATIO * n_valid:
        note = (
            f"{n_distinct:,} distinct values in {n_valid:,} rows ({n_distinct / n_valid:.0%}): "
            "looks like an ID or free text; skipped"
        )
        return ColumnType(ColumnKind.TEXT, note)
    return ColumnType(ColumnKind.CATEGORICAL)


def _as_float(series: pd.Series) -> np.ndarray:
    if ptypes.is_timedelta64_dtype(series.dtype):
        return series.dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan)
    if ptypes.is_numeric_dtype(series.dtype):  # booleans too, when overridden as numeric
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _epoch_seconds(series: pd.Series) -> np.ndarray:
    if ptypes.is_datetime64_any_dtype(series.dtype):
        moments = series
    else:
        # Text or objects: parse, normalising every offset to UTC (naive values are UTC).
        moments = pd.to_datetime(series, errors="coerce", utc=True)
    if moments.dt.tz is not None:
        moments = moments.dt.tz_convert("UTC").dt.tz_localize(None)
    seconds = (moments - pd.Timestamp(0)).dt.total_seconds()
    return seconds.to_numpy(dtype=np.float64, na_value=np.nan)
