"""Model signatures: the input columns and dtypes a model was trained on, and its output.

:func:`infer_signature` reads them from an input example (a DataFrame, or a 2-D array
whose columns are positional) and optionally a prediction. :meth:`Signature.check`
validates data before predicting: it names a missing column or a column whose dtype
cannot safely become the expected one, reorders columns to the signature's order,
widens safely (int → float, see :mod:`workbench.models._dtype_rules`) and drops extra
columns with a warning.

>>> import pandas as pd
>>> signature = infer_signature(pd.DataFrame({"age": [31, 45], "city": ["Oslo", "Rome"]}))
>>> [(column.name, column.dtype) for column in signature.inputs]
[('age', 'int64'), ('city', 'str')]
>>> try:
...     signature.check(pd.DataFrame({"city": ["Oslo"]}))
... except SignatureError as error:
...     print(error)
Input does not match the model signature: missing column 'age' (int64).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workbench.models._dtype_rules import accepts, family, holds_only_strings

__all__ = ["ColumnSpec", "OutputSpec", "Signature", "SignatureError", "infer_signature"]

INPUT_KINDS = ("dataframe", "array")


class SignatureError(ValueError):
    """Data does not match a model signature; ``columns`` names the offending columns."""

    def __init__(self, problems: list[str], columns: tuple[str | int, ...]) -> None:
        super().__init__("Input does not match the model signature: " + "; ".join(problems) + ".")
        self.problems = problems
        self.columns = columns


@dataclass(frozen=True)
class ColumnSpec:
    """One input column: its name (an int position for arrays) and dtype string.

    >>> ColumnSpec("age", "int64").to_dict()
    {'name': 'age', 'dtype': 'int64'}
    """

    name: str | int
    dtype: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnSpec:
        return cls(name=data["name"], dtype=str(data["dtype"]))


@dataclass(frozen=True)
class OutputSpec:
    """What the model returns: ``kind`` (array, series, dataframe), dtype and shape.

    ``shape`` has ``None`` for the number of rows; a dataframe lists its ``columns``.

    >>> OutputSpec("array", "float64", (None, 2)).to_dict()["shape"]
    [None, 2]
    """

    kind: str
    dtype: str | None
    shape: tuple[int | None, ...]
    columns: tuple[ColumnSpec, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "dtype": self.dtype,
            "shape": list(self.shape),
            "columns": [column.to_dict() for column in self.columns],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OutputSpec:
        return cls(
            kind=str(data["kind"]),
            dtype=data.get("dtype"),
            shape=tuple(data["shape"]),
            columns=tuple(ColumnSpec.from_dict(c) for c in data.get("columns") or ()),
        )


def _as_frame(data: Any) -> Any:
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, Mapping):
        return pd.DataFrame(dict(data))
    if isinstance(data, list) and data and all(isinstance(row, Mapping) for row in data):
        return pd.DataFrame.from_records(data)
    return None


@dataclass(frozen=True)
class Signature:
    """The inputs a model expects (``input_kind`` dataframe or array) and its output.

    >>> import numpy as np
    >>> signature = infer_signature(np.zeros((4, 2)), output=np.zeros(4, dtype=int))
    >>> signature.check(np.ones((1, 2), dtype=np.int32)).dtype
    dtype('float64')
    """

    inputs: tuple[ColumnSpec, ...]
    input_kind: str = "dataframe"
    output: OutputSpec | None = None

    def __post_init__(self) -> None:
        if self.input_kind not in INPUT_KINDS:
            raise ValueError(f"input_kind must be one of {INPUT_KINDS}, got {self.input_kind!r}.")

    @property
    def column_names(self) -> list[str | int]:
        """The input column names (positions for arrays), in order."""
        return [column.name for column in self.inputs]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; :meth:`from_dict` reads it back."""
        return {
            "input_kind": self.input_kind,
            "inputs": [column.to_dict() for column in self.inputs],
            "output": self.output.to_dict() if self.output is not None else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Signature:
        """Rebuild a signature from :meth:`to_dict` output."""
        output = data.get("output")
        return cls(
            inputs=tuple(ColumnSpec.from_dict(column) for column in data["inputs"]),
            input_kind=str(data.get("input_kind", "dataframe")),
            output=OutputSpec.from_dict(output) if output is not None else None,
        )

    def check(self, data: Any) -> Any:
        """``data`` as the model expects it, or a :class:`SignatureError` naming the columns.

        DataFrames (also a dict of columns or a list of records) come back with the
        signature's columns in its order, safely widened dtypes cast to the expected ones,
        and extra columns dropped with a warning. Arrays come back as 2-D numpy arrays.
        """
        if self.input_kind == "array":
            return self._check_array(data)
        frame = _as_frame(data)
        if frame is None:
            raise SignatureError(
                [f"expected a DataFrame with columns {self.column_names}, got "
                 f"{type(data).__name__}"],
                columns=(),
            )  # fmt: skip
        return self._check_frame(frame)

    def _check_frame(self, frame: Any) -> Any:
        import pandas as pd

        if not frame.columns.is_unique:
            duplicated = sorted({repr(name) for name in frame.columns[frame.columns.duplicated()]})
            raise SignatureError([f"duplicate column(s) {', '.join(duplicated)}"], ())
        problems: list[str] = []
        bad: list[str | int] = []
        present = set(frame.columns)
        missing = [column for column in self.inputs if column.name not in present]
        if missing:
            listed = ", ".join(f"{c.name!r} ({c.dtype})" for c in missing)
            problems.append(f"missing column{'s' if len(missing) > 1 else ''} {listed}")
            bad.extend(column.name for column in missing)
        expected_names = set(self.column_names)
        extra = [name for name in frame.columns if name not in expected_names]
        result: dict[str | int, Any] = {}
        for column in self.inputs:
            if column.name not in present:
                continue
            values = frame[column.name]
            converted = _converted(values, column)
            if isinstance(converted, str):
                problems.append(converted)
                bad.append(column.name)
            else:
                result[column.name] = converted
        if problems:
            raise SignatureError(problems, columns=tuple(bad))
        if extra:
            warnings.warn(
                "Dropping columns that are not in the model signature: "
                + ", ".join(repr(name) for name in extra),
                UserWarning,
                stacklevel=3,
            )
        return pd.DataFrame(result, index=frame.index)

    def _check_array(self, data: Any) -> Any:
        import numpy as np

        array = np.asarray(data)
        width = len(self.inputs)
        if array.ndim != 2:
            raise SignatureError(
                [f"expected a 2-D array with {width} columns, got shape {array.shape}"], ()
            )
        if array.shape[1] < width:
            missing = tuple(range(array.shape[1], width))
            listed = ", ".join(str(position) for position in missing)
            raise SignatureError([f"missing column(s) {listed} of {width}"], missing)
        if array.shape[1] > width:
            warnings.warn(
                f"Dropping {array.shape[1] - width} column(s) beyond the {width} in the model "
                "signature.",
                UserWarning,
                stacklevel=3,
            )
            array = array[:, :width]
        expected = np.dtype(self.inputs[0].dtype) if self.inputs else array.dtype
        if not accepts(expected, array.dtype):
            raise SignatureError(
                [f"the array has dtype {array.dtype}, expected {expected}"],
                tuple(column.name for column in self.inputs),
            )
        # Unicode widths differ between batches; only numeric arrays are cast.
        if family(expected) in ("text", "category") or array.dtype == expected:
            return array
        return array.astype(expected)


def _converted(values: Any, column: ColumnSpec) -> Any:
    """``values`` cast to ``column.dtype``, or a message saying why they cannot be."""
    import pandas as pd

    expected = pd.api.types.pandas_dtype(column.dtype)
    got = values.dtype
    where = f"column {column.name!r}"
    if not accepts(expected, got):
        return f"{where} has dtype {got}, expected {column.dtype}"
    if str(got) == column.dtype:
        return values
    if family(expected) in ("text", "category") and not holds_only_strings(values):
        kind = pd.api.types.infer_dtype(values, skipna=True)
        return f"{where} holds {kind} values, expected strings ({column.dtype})"
    try:
        return values.astype(expected)
    except (TypeError, ValueError) as error:  # e.g. missing values into a plain int64
        return f"{where} cannot become {column.dtype} ({error})"


def _column_name(name: Any) -> str | int:
    import numpy as np

    if isinstance(name, np.integer):
        return int(name)
    if isinstance(name, str | int) and not isinstance(name, bool):
        return name
    raise ValueError(f"Column names must be strings or integers, got {name!r}.")


def _output_spec(output: Any) -> OutputSpec:
    import numpy as np
    import pandas as pd

    if isinstance(output, pd.DataFrame):
        columns = tuple(
            ColumnSpec(_column_name(name), str(dtype)) for name, dtype in output.dtypes.items()
        )
        return OutputSpec("dataframe", None, (None, output.shape[1]), columns)
    if isinstance(output, pd.Series):
        return OutputSpec("series", str(output.dtype), (None,))
    array = np.asarray(output)
    return OutputSpec("array", str(array.dtype), (None, *array.shape[1:]) if array.ndim else ())


def infer_signature(input_example: Any, output: Any = None) -> Signature:
    """The signature of a model fed ``input_example`` and (optionally) returning ``output``.

    Args:
        input_example: a DataFrame (or dict of columns, or list of records): its column
            names and dtypes; or a 2-D array-like: positional columns with its dtype.
        output: a prediction (array, Series or DataFrame) for its type and shape.

    Example:
        >>> import numpy as np, pandas as pd
        >>> frame = pd.DataFrame({"x": [1.0, 2.0], "n": [1, 2]})
        >>> infer_signature(frame, output=np.array([0, 1])).output.shape
        (None,)
    """
    import numpy as np

    output_spec = _output_spec(output) if output is not None else None
    frame = _as_frame(input_example)
    if frame is not None:
        names = [_column_name(name) for name in frame.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"Column names must be unique, got {names}.")
        inputs = tuple(
            ColumnSpec(name, str(dtype)) for name, dtype in zip(names, frame.dtypes, strict=True)
        )
        return Signature(inputs=inputs, input_kind="dataframe", output=output_spec)
    array = np.asarray(input_example)
    if array.ndim != 2:
        raise ValueError(
            "input_example must be a DataFrame or a 2-D array, got "
            f"{type(input_example).__name__} of shape {array.shape}."
        )
    inputs = tuple(ColumnSpec(position, str(array.dtype)) for position in range(array.shape[1]))
    return Signature(inputs=inputs, input_kind="array", output=output_spec)
