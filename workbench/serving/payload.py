"""Read a ``POST /predict`` body into the input a model expects, checked against its signature.

The accepted bodies are MLflow's scoring formats plus a plain list of rows:

- rows: ``[{"age": 31, "city": "Oslo"}, ...]`` or ``{"dataframe_records": [...]}``;
- split: ``{"dataframe_split": {"columns": ["age", "city"], "data": [[31, "Oslo"], ...]}}``;
- columns: ``{"columns": {"age": [31, 45], "city": ["Oslo", "Rome"]}}``, or MLflow's
  ``{"inputs": {"age": [31, 45], ...}}``.

Values are checked against the model signature (:meth:`Signature.check`): JSON integers
widen to float columns, ``null`` is a missing value, extra columns are dropped with a
warning; a missing column or a value of the wrong type is an :class:`InputError` (422).

A model trained on a 2-D array (a positional signature) also takes a list of lists:
``[[0.1, 2.0], ...]``, ``{"inputs": [[...]]}``, ``{"instances": [[...]]}`` or a split.

>>> import pandas as pd
>>> from workbench.models.signature import infer_signature
>>> signature = infer_signature(pd.DataFrame({"age": [31.0], "city": ["Oslo"]}))
>>> read_input({"columns": {"age": [40], "city": ["Rome"]}}, signature).dtypes.tolist()
[dtype('float64'), <StringDtype(na_value=nan)>]
>>> try:
...     read_input([{"age": "old", "city": "Rome"}], signature)
... except InputError as error:
...     print(error.status, error.columns, error.expected)
422 ('age',) {'age': 'float64'}
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from workbench.models.signature import Signature, SignatureError

__all__ = ["FORMATS", "InputError", "InputReader", "read_input"]

FORMATS = (
    "a list of row objects, {'dataframe_records': [...]}, "
    "{'dataframe_split': {'columns': [...], 'data': [[...], ...]}} or "
    "{'columns': {'<column>': [values, ...]}} (also {'inputs': {...}})"
)
_ARRAY_FORMATS = "a list of lists, {'inputs': [[...]]}, {'instances': [[...]]} or a dataframe_split"


class InputError(ValueError):
    """A body that cannot be predicted on: ``status`` is the HTTP status to answer with,
    ``columns`` the offending columns and ``expected`` their signature dtypes."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 422,
        columns: tuple[str | int, ...] = (),
        expected: Mapping[str | int, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.columns = columns
        self.expected = dict(expected or {})

    def to_dict(self) -> dict[str, Any]:
        """The JSON body of the error response."""
        body: dict[str, Any] = {"detail": str(self)}
        if self.columns:
            body["columns"] = list(self.columns)
        if self.expected:
            body["expected"] = {str(name): dtype for name, dtype in self.expected.items()}
        return body


class InputReader:
    """Reads bodies for one signature; built once per served version.

    A frame whose columns already have the signature's names, order and exact dtypes is
    what :meth:`Signature.check` would return, so it skips the per-column check (most
    requests from a well-behaved client).
    """

    def __init__(self, signature: Signature | None) -> None:
        import pandas as pd

        self.signature = signature
        self._names: list[Any] = []
        self._dtypes: list[Any] = []
        if signature is not None and signature.input_kind == "dataframe":
            self._names = signature.column_names
            self._dtypes = [pd.api.types.pandas_dtype(c.dtype) for c in signature.inputs]

    def read(self, payload: Any) -> Any:
        """The model input held by a decoded JSON ``payload``, checked against the signature.

        Returns a DataFrame (a 2-D numpy array for a positional signature) with the
        signature's columns, in its order and dtypes. Without a signature the frame is
        returned as sent.

        Raises:
            InputError: the body has no known shape, holds no rows, or does not match the
                signature (naming the missing or mistyped columns and the expected dtypes).
        """
        signature = self.signature
        if signature is not None and signature.input_kind == "array":
            data = _array(payload)
        else:
            data = _frame(payload)
        if len(data) == 0:
            raise InputError("The body holds no rows to predict.")
        if signature is not None and not self._matches_exactly(data):
            try:
                data = signature.check(self._nulls_as_nan(data))
            except SignatureError as error:
                expected = {c.name: c.dtype for c in signature.inputs if c.name in error.columns}
                raise InputError(str(error), columns=error.columns, expected=expected) from None
        _refuse_infinity(data)
        return data

    def _nulls_as_nan(self, data: Any) -> Any:
        # A column of nulls only reads as object dtype; a float column takes them as NaN.
        for name, dtype in zip(self._names, self._dtypes, strict=True):
            if getattr(dtype, "kind", "") != "f" or name not in data.columns:
                continue
            values = data[name]
            if values.dtype == object and values.isna().all():
                data = data.copy(deep=False)
                data[name] = values.astype(dtype)
        return data

    def _matches_exactly(self, data: Any) -> bool:
        return (
            bool(self._names)
            and data.columns.tolist() == self._names
            and data.dtypes.tolist() == self._dtypes
        )


def _refuse_infinity(data: Any) -> None:
    # JSON has no infinity, but Python reads a number like 1e999 as one.
    import numpy as np

    columns: list[Any] = []
    if isinstance(data, np.ndarray):
        if data.dtype.kind == "f":
            columns = np.flatnonzero(np.isinf(data).any(axis=0)).tolist()
    else:
        columns = [
            name
            for name, dtype in data.dtypes.items()
            if dtype.kind == "f"
            and np.isinf(data[name].to_numpy(dtype=float, na_value=np.nan)).any()
        ]
    if columns:
        raise InputError(
            f"Column(s) {_names(columns)} hold a number too large for a float (it reads as "
            "infinity); send finite numbers, within ±1.8e308.",
            columns=tuple(columns),
        )


def read_input(payload: Any, signature: Signature | None) -> Any:
    """``InputReader(signature).read(payload)``: see :meth:`InputReader.read`."""
    return InputReader(signature).read(payload)


def _frame(payload: Any) -> Any:
    import pandas as pd

    try:
        if isinstance(payload, list):
            return _records(payload)
        if isinstance(payload, Mapping) and len(payload) == 1:
            key, value = next(iter(payload.items()))
            if key == "dataframe_records" and isinstance(value, list):
                return _records(value)
            if key == "dataframe_split" and isinstance(value, Mapping):
                return pd.DataFrame(_split_data(value), columns=_split_columns(value))
            if key in ("columns", "inputs") and isinstance(value, Mapping):
                return _columns(value)
    except InputError:
        raise
    except (TypeError, ValueError) as error:  # pandas refuses ragged or scalar data
        raise InputError(f"The body cannot be read as a table: {error}") from None
    raise InputError(f"Expected {FORMATS}; got {_describe(payload)}.")


def _records(rows: list[Any]) -> Any:
    import pandas as pd

    if not all(isinstance(row, dict) for row in rows):
        bad = next(index for index, row in enumerate(rows) if not isinstance(row, dict))
        raise InputError(
            f"Row {bad} is {_describe(rows[bad])}; each row is an object like "
            '{"column": value, ...}.'
        )
    if rows:
        keys = rows[0].keys()
        if not all(row.keys() == keys for row in rows):
            _raise_uneven_row(rows)
    return pd.DataFrame(rows)


def _raise_uneven_row(rows: list[dict[str, Any]]) -> None:
    # pandas would fill the gaps with NaN, turning a forgotten column into a silent guess.
    first = rows[0].keys()
    index, row = next((i, row) for i, row in enumerate(rows) if row.keys() != first)
    lacks = [name for name in first if name not in row]
    if lacks:
        problem = f"lacks column(s) {_names(lacks)} that row 0 has"
    else:
        problem = f"has column(s) {_names([n for n in row if n not in first])} that row 0 lacks"
    raise InputError(
        f"Row {index} {problem}; every row needs the same columns (send null for a missing value).",
        columns=tuple(lacks),
    )


def _names(names: list[Any]) -> str:
    return ", ".join(repr(name) for name in names)


def _columns(columns: Mapping[str, Any]) -> Any:
    import pandas as pd

    not_lists = [name for name, values in columns.items() if not isinstance(values, list)]
    if not_lists:
        raise InputError(
            f"Each column holds a list of values; {not_lists[0]!r} holds "
            f"{_describe(columns[not_lists[0]])}."
        )
    return pd.DataFrame(dict(columns))


def _split_columns(split: Mapping[str, Any]) -> list[Any] | None:
    columns = split.get("columns")
    if columns is None:
        return None
    if not isinstance(columns, list):
        raise InputError(f"dataframe_split.columns is a list of names, got {_describe(columns)}.")
    for position, name in enumerate(columns):
        if not isinstance(name, (str, int)) or isinstance(name, bool):
            raise InputError(
                f"dataframe_split.columns[{position}] is {_describe(name)}; "
                "a column name is a string."
            )
    if len(set(columns)) < len(columns):
        twice = [name for name, count in Counter(columns).items() if count > 1]
        raise InputError(
            f"dataframe_split.columns names {_names(twice)} more than once; name each column once.",
            columns=tuple(twice),
        )
    return columns


def _split_data(split: Mapping[str, Any]) -> list[Any]:
    data = split.get("data")
    if not isinstance(data, list) or not all(isinstance(row, list) for row in data):
        raise InputError("dataframe_split.data is a list of rows, each a list of values.")
    return data


def _array(payload: Any) -> Any:
    import numpy as np

    rows: Any = None
    if isinstance(payload, list):
        rows = payload
    elif isinstance(payload, Mapping) and len(payload) == 1:
        key, value = next(iter(payload.items()))
        if key in ("inputs", "instances"):
            rows = value
        elif key == "dataframe_split" and isinstance(value, Mapping):
            rows = _split_data(value)
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise InputError(
            f"This model takes positional columns: expected {_ARRAY_FORMATS}; "
            f"got {_describe(payload)}."
        )
    try:
        return np.array(rows)
    except ValueError as error:  # ragged rows
        raise InputError(f"The rows cannot form a 2-D array: {error}") from None


def _describe(value: Any) -> str:
    if isinstance(value, Mapping):
        keys = ", ".join(repr(key) for key in list(value)[:5])
        return f"an object with keys {keys}" if keys else "an empty object"
    return f"a JSON {type(value).__name__}".replace("NoneType", "null")
