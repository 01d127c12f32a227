"""Column kinds, their preparation, and Evidently's default test for each."""

from __future__ import annotations

import datetime as dt
import decimal

import numpy as np
import pandas as pd
import pytest

from workbench.drift.columns import (
    ColumnKind,
    column_sample,
    default_test,
    infer_kind,
    infer_kinds,
    parse_kind,
    select_test,
)
from workbench.drift.samples import CategoricalSample, NumericSample, numeric_sample
from workbench.drift.stattests import DriftCriterion

N = 200
IDS = [f"user-{i:05d}" for i in range(N)]


@pytest.mark.parametrize(
    ("series", "kind"),
    [
        (pd.Series(np.arange(N)), ColumnKind.NUMERIC),
        (pd.Series(np.linspace(0, 1, N)), ColumnKind.NUMERIC),
        (pd.Series([1, None, 3], dtype="Int64"), ColumnKind.NUMERIC),
        (pd.Series([1.5, None], dtype="Float64"), ColumnKind.NUMERIC),
        (pd.Series([1, 2.5, None], dtype=object), ColumnKind.NUMERIC),
        (pd.Series([decimal.Decimal("1.5")], dtype=object), ColumnKind.NUMERIC),
        (pd.to_timedelta(pd.Series([1, 2]), unit="s"), ColumnKind.NUMERIC),
        (pd.Series([True, False]), ColumnKind.BOOLEAN),
        (pd.Series([True, None], dtype="boolean"), ColumnKind.BOOLEAN),
        (pd.Series([True, False, None], dtype=object), ColumnKind.BOOLEAN),
        (pd.Series(pd.date_range("2024-01-01", periods=3)), ColumnKind.DATETIME),
        (pd.Series(pd.date_range("2024-01-01", periods=3, tz="Europe/Paris")), ColumnKind.DATETIME),
        (pd.Series([dt.date(2024, 1, 1), None], dtype=object), ColumnKind.DATETIME),
        (pd.Series(["red", "green"] * (N // 2)), ColumnKind.CATEGORICAL),
        (pd.Series(["red", "green"] * (N // 2), dtype=object), ColumnKind.CATEGORICAL),
        (pd.Series(pd.Categorical([1, 2, 1])), ColumnKind.CATEGORICAL),
        (pd.Series([pd.Period("2024-01"), pd.Period("2024-02")]), ColumnKind.CATEGORICAL),
        (pd.Series(["a-only"] * 10 + IDS[:10]), ColumnKind.CATEGORICAL),  # few distinct
        (pd.Series(IDS), ColumnKind.TEXT),
        (pd.Series([1 + 2j, 3j]), ColumnKind.UNSUPPORTED),
        (pd.Series([[1], [2]], dtype=object), ColumnKind.UNSUPPORTED),
    ],
)
def test_infer_kind_from_dtype_then_values(series: pd.Series, kind: ColumnKind) -> None:
    assert infer_kind(series).kind is kind


def test_id_like_columns_are_skipped_with_a_note_saying_why() -> None:
    inferred = infer_kind(pd.Series(IDS[:190] + [None] * 10))
    assert inferred.skipped
    assert inferred.note == (
        "190 distinct values in 190 rows (100%): looks like an ID or free text; skipped"
    )


def test_nearly_unique_but_short_columns_stay_categorical() -> None:
    assert infer_kind(pd.Series(IDS[:49])).kind is ColumnKind.CATEGORICAL


def test_infer_kinds_applies_overrides_by_column() -> None:
    frame = pd.DataFrame({"zip": [75001, 10115], "id": ["a", "b"], "age": [30, 40]})
    kinds = infer_kinds(frame, {"zip": "categorical", "id": ColumnKind.TEXT})
    assert {name: t.kind.value for name, t in kinds.items()} == {
        "zip": "categorical",
        "id": "text",
        "age": "numeric",
    }
    assert kinds["zip"].note == "kind set by the caller"


def test_overrides_must_name_real_columns_and_kinds() -> None:
    frame = pd.DataFrame({"age": [1]})
    with pytest.raises(ValueError, match=r"not in the reference: \['agge'\]"):
        infer_kinds(frame, {"agge": "numeric"})
    with pytest.raises(ValueError, match="unknown column kind 'number'; choose one of"):
        parse_kind("number")


def test_numeric_columns_become_numeric_samples_counting_what_did_not_fit() -> None:
    sample = column_sample(pd.Series(["1.5", "x", None, "2"], dtype=object), "numeric")
    assert isinstance(sample, NumericSample)
    assert (sample.values.tolist(), sample.n_dropped) == ([1.5, 2.0], 2)
    durations = column_sample(pd.to_timedelta(pd.Series([90, None]), unit="s"), "numeric")
    assert isinstance(durations, NumericSample) and durations.values.tolist() == [90.0]


@pytest.mark.parametrize("dtype", ["float64", "int64", "Int64", "float32"])
def test_preparing_a_column_leaves_the_users_data_untouched(dtype: str) -> None:
    series = pd.Series([3, 1, 2], dtype=dtype)
    values = series.to_numpy().copy()
    sample = column_sample(series, "numeric")
    assert isinstance(sample, NumericSample) and sample.values.tolist() == [1.0, 2.0, 3.0]
    assert np.array_equal(series.to_numpy(), values)


def test_datetimes_compare_as_utc_seconds_since_the_epoch() -> None:
    naive = pd.Series(pd.to_datetime(["1970-01-01 00:01", None]))
    paris = pd.Series(pd.to_datetime(["1970-01-01 01:01"])).dt.tz_localize("Europe/Paris")
    text = pd.Series(["1970-01-01T00:01:00+00:00", "not a date"])
    for series in (naive, paris, text):
        sample = column_sample(series, ColumnKind.DATETIME)
        assert isinstance(sample, NumericSample) and sample.values.tolist() == [60.0]


def test_boolean_and_categorical_columns_become_category_counts() -> None:
    sample = column_sample(pd.Series([True, False, True, None], dtype="boolean"), "boolean")
    assert isinstance(sample, CategoricalSample)
    assert (sample.categories.tolist(), sample.counts.tolist()) == ([False, True], [1, 2])


@pytest.mark.parametrize("kind", [ColumnKind.TEXT, ColumnKind.UNSUPPORTED])
def test_skipped_kinds_have_no_sample_and_no_test(kind: ColumnKind) -> None:
    with pytest.raises(ValueError, match="skipped"):
        column_sample(pd.Series(["a"]), kind)
    with pytest.raises(ValueError, match="skipped"):
        default_test(kind, 10, 10)


P_VALUE = {"ks", "chisquare", "z"}


@pytest.mark.parametrize(
    ("kind", "n_unique", "n_rows", "expected"),
    [
        # reference <= 1000 rows
        ("numeric", 1000, 1000, "ks"),
        ("numeric", 6, 1000, "ks"),
        ("numeric", 5, 1000, "chisquare"),
        ("numeric", 3, 10, "chisquare"),
        ("numeric", 2, 1000, "z"),
        ("numeric", 1, 1, "z"),
        ("datetime", 6, 500, "ks"),
        ("categorical", 3, 1000, "chisquare"),
        ("categorical", 2, 1000, "z"),
        ("categorical", 1, 5, "z"),
        ("boolean", 2, 1000, "z"),
        # reference > 1000 rows
        ("numeric", 6, 1001, "wasserstein"),
        ("numeric", 5, 1001, "jensenshannon"),
        ("numeric", 2, 10**6, "jensenshannon"),
        ("datetime", 10**6, 10**6, "wasserstein"),
        ("categorical", 50, 1001, "jensenshannon"),
        ("categorical", 2, 1001, "jensenshannon"),
        ("boolean", 2, 5000, "jensenshannon"),
    ],
)
def test_default_test_follows_evidentlys_rule(
    kind: str, n_unique: int, n_rows: int, expected: str
) -> None:
    threshold, p_value = (0.05, True) if expected in P_VALUE else (0.1, False)
    assert default_test(kind, n_unique, n_rows) == DriftCriterion(expected, threshold, p_value)


def test_select_test_uses_the_prepared_reference_or_the_callers_choice() -> None:
    reference = numeric_sample(np.r_[np.arange(2000.0), np.nan])  # 2000 valid values
    assert select_test("numeric", reference).test == "wasserstein"
    assert select_test("numeric", reference, threshold=0.2) == DriftCriterion(
        "wasserstein", 0.2, False
    )
    assert select_test("numeric", reference, test="psi") == DriftCriterion("psi", 0.1, False)
    with pytest.raises(ValueError, match="unknown drift test 'kolmogorov'"):
        select_test("numeric", reference, test="kolmogorov")
