"""Signatures: inferred from an example, stored as JSON, and checked before predicting."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.models.signature import (
    ColumnSpec,
    OutputSpec,
    Signature,
    SignatureError,
    infer_signature,
)

TRAINING = pd.DataFrame(
    {
        "age": np.array([31, 45, 28], dtype="int64"),
        "income": [52_000.0, 61_500.5, 38_250.0],
        "city": pd.Series(["Oslo", "Rome", "Lima"], dtype="str"),
        "plan": pd.Categorical(["basic", "pro", "basic"]),
    }
)


def test_a_dataframe_gives_its_column_names_and_dtypes() -> None:
    signature = infer_signature(TRAINING, output=np.array([0.1, 0.9, 0.4]))

    assert signature.input_kind == "dataframe"
    assert signature.inputs == (
        ColumnSpec("age", "int64"),
        ColumnSpec("income", "float64"),
        ColumnSpec("city", "str"),
        ColumnSpec("plan", "category"),
    )
    assert signature.output == OutputSpec("array", "float64", (None,))


def test_a_2d_array_gives_positional_columns_and_the_output_shape() -> None:
    signature = infer_signature(np.zeros((5, 3)), output=np.zeros((5, 2)))

    assert signature.input_kind == "array"
    assert signature.column_names == [0, 1, 2]
    assert signature.output == OutputSpec("array", "float64", (None, 2))


def test_a_signature_survives_json() -> None:
    output = pd.DataFrame({"label": ["a"], "score": [0.5]})
    signature = infer_signature(TRAINING, output=output)

    assert Signature.from_dict(json.loads(json.dumps(signature.to_dict()))) == signature


def test_a_missing_column_is_named_with_its_expected_dtype() -> None:
    signature = infer_signature(TRAINING)

    with pytest.raises(SignatureError, match=r"missing column 'income' \(float64\)") as error:
        signature.check(TRAINING.drop(columns="income"))
    assert error.value.columns == ("income",)


def test_a_wrong_dtype_names_the_column_with_expected_and_got() -> None:
    signature = infer_signature(TRAINING)
    data = TRAINING.assign(age=["31", "45", "28"])

    with pytest.raises(SignatureError, match="column 'age' has dtype str, expected int64"):
        signature.check(data)


def test_every_bad_column_is_reported_at_once() -> None:
    signature = infer_signature(TRAINING)
    data = TRAINING.drop(columns="city").assign(income=["high", "low", "low"])

    with pytest.raises(SignatureError) as error:
        signature.check(data)
    assert set(error.value.columns) == {"city", "income"}


def test_floats_do_not_narrow_into_an_int_column() -> None:
    with pytest.raises(SignatureError, match="column 'age' has dtype float64, expected int64"):
        infer_signature(TRAINING).check(TRAINING.assign(age=[31.0, 45.5, 28.0]))


def test_ints_widen_into_a_float_column_and_columns_take_the_signature_order() -> None:
    signature = infer_signature(TRAINING)
    data = TRAINING.assign(income=np.array([52_000, 61_000, 38_000], dtype="int32"))
    data = data[["plan", "city", "income", "age"]]

    checked = signature.check(data)

    assert list(checked.columns) == ["age", "income", "city", "plan"]
    assert checked["income"].dtype == np.float64
    assert checked["income"].tolist() == [52_000.0, 61_000.0, 38_000.0]


def test_extra_columns_are_dropped_with_a_warning_naming_them() -> None:
    signature = infer_signature(TRAINING)

    with pytest.warns(UserWarning, match="'customer_id'"):
        checked = signature.check(TRAINING.assign(customer_id=[7, 8, 9]))
    pd.testing.assert_frame_equal(checked, TRAINING)


def test_text_feeds_a_category_column_but_numbers_in_an_object_column_do_not() -> None:
    signature = infer_signature(TRAINING)

    checked = signature.check(TRAINING.assign(plan=["pro", "basic", "pro"]))
    assert isinstance(checked["plan"].dtype, pd.CategoricalDtype)

    with pytest.raises(SignatureError, match="column 'city' holds integer values"):
        signature.check(TRAINING.assign(city=pd.Series([1, 2, 3], dtype=object)))


def test_missing_values_cannot_enter_a_plain_int_column() -> None:
    data = TRAINING.assign(age=pd.array([31, None, 28], dtype="Int64"))

    with pytest.raises(SignatureError, match="column 'age' cannot become int64"):
        infer_signature(TRAINING).check(data)


def test_records_and_column_dicts_are_checked_like_frames() -> None:
    signature = infer_signature(TRAINING[["age", "income"]])

    from_records = signature.check([{"income": 1.5, "age": 3}])
    from_columns = signature.check({"age": [3], "income": [1.5]})

    pd.testing.assert_frame_equal(from_records, from_columns)


def test_an_array_signature_names_missing_positions_and_widens_ints() -> None:
    signature = infer_signature(np.zeros((4, 3)))

    with pytest.raises(SignatureError, match=r"missing column.* 2 of 3"):
        signature.check(np.zeros((1, 2)))
    with pytest.raises(SignatureError, match="dtype <U1, expected float64"):
        signature.check(np.array([["a", "b", "c"]]))
    assert signature.check(np.ones((2, 3), dtype=np.int64)).dtype == np.float64


def test_a_frame_signature_refuses_a_bare_array() -> None:
    with pytest.raises(SignatureError, match="expected a DataFrame with columns"):
        infer_signature(TRAINING).check(np.zeros((1, 4)))


DTYPES = (
    "int8", "int16", "int32", "int64", "uint8", "uint32", "float32", "float64",
    "bool", "str", "object", "category", "datetime64[ns]",
)  # fmt: skip
INT_DTYPES = {"int8", "int16", "int32", "int64", "uint8", "uint32"}


def _column(dtype: str, rows: int, rng: np.random.Generator) -> pd.Series:
    if dtype in ("str", "object", "category"):
        words = rng.choice(["a", "bb", "ccc"], size=rows).tolist()
        return pd.Series(words, dtype=dtype)
    if dtype == "bool":
        return pd.Series(rng.integers(0, 2, size=rows).astype(bool))
    if dtype == "datetime64[ns]":
        return pd.Series(pd.to_datetime(rng.integers(0, 10**9, size=rows), unit="s")).astype(
            pd.api.types.pandas_dtype(dtype)
        )
    return pd.Series(rng.integers(0, 100, size=rows)).astype(pd.api.types.pandas_dtype(dtype))


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    names = draw(st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=6, unique=True))
    dtypes = draw(st.lists(st.sampled_from(DTYPES), min_size=len(names), max_size=len(names)))
    rows = draw(st.integers(min_value=1, max_value=5))
    rng = np.random.default_rng(draw(st.integers(min_value=0, max_value=2**32 - 1)))
    return pd.DataFrame(
        {name: _column(dtype, rows, rng) for name, dtype in zip(names, dtypes, strict=True)}
    )


@settings(max_examples=60, deadline=None)
@given(frame=frames(), data=st.data())
def test_signatures_round_trip_and_accept_their_own_data_in_any_order(
    frame: pd.DataFrame, data: st.DataObject
) -> None:
    signature = infer_signature(frame)
    assert Signature.from_dict(json.loads(json.dumps(signature.to_dict()))) == signature

    shuffled = frame[data.draw(st.permutations(list(frame.columns)))]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing is extra, so nothing is dropped
        pd.testing.assert_frame_equal(signature.check(shuffled), frame)


@settings(max_examples=60, deadline=None)
@given(frame=frames())
def test_integer_columns_widen_into_a_float_signature(frame: pd.DataFrame) -> None:
    as_float = {
        str(name): "float64" if str(dtype) in INT_DTYPES else str(dtype)
        for name, dtype in frame.dtypes.items()
    }
    signature = Signature(inputs=tuple(ColumnSpec(n, d) for n, d in as_float.items()))

    checked = signature.check(frame)

    assert {name: str(dtype) for name, dtype in checked.dtypes.items()} == as_float
    pd.testing.assert_frame_equal(checked, frame.astype(as_float))
