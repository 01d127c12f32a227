"""Which input dtypes a signature column accepts: the same dtype, or a safe widening.

Families: ``bool``, ``int``, ``uint``, ``float``, ``text`` (object and string dtypes),
``category``, ``datetime``, ``timedelta``. Accepted, besides the same dtype:

- a narrower or equal-width int into an int; an unsigned int into a wider int;
- any int into any float (the usual int → float widening); a narrower float into a float;
- text into text or category and back (values are checked to be strings);
- datetimes of another unit but the same time-zone awareness; any timedelta.

Float into int, numbers into text, text into numbers are refused.

>>> import numpy as np
>>> accepts(np.dtype("float64"), np.dtype("int32")), accepts(np.dtype("int64"), np.dtype("float64"))
(True, False)
"""

from __future__ import annotations

from typing import Any


def family(dtype: Any) -> str:
    """The family of a numpy or pandas dtype (see the module docstring), else ``other``."""
    import pandas as pd
    from pandas.api import types

    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if types.is_bool_dtype(dtype):
        return "bool"
    if types.is_unsigned_integer_dtype(dtype):
        return "uint"
    if types.is_signed_integer_dtype(dtype):
        return "int"
    if types.is_float_dtype(dtype):
        return "float"
    if types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if types.is_timedelta64_dtype(dtype):
        return "timedelta"
    if types.is_string_dtype(dtype) or types.is_object_dtype(dtype):
        return "text"
    return "other"


def _width(dtype: Any) -> int:
    import numpy as np

    # Nullable pandas dtypes (Int64, Float32) carry their numpy counterpart.
    return int(np.dtype(getattr(dtype, "numpy_dtype", dtype)).itemsize)


def _has_timezone(dtype: Any) -> bool:
    return getattr(dtype, "tz", None) is not None


def accepts(expected: Any, got: Any) -> bool:
    """Whether a column of dtype ``got`` may feed a model that expects ``expected``."""
    if str(expected) == str(got):
        return True
    want, have = family(expected), family(got)
    if want == "float":
        return have in ("int", "uint") or (have == "float" and _width(got) <= _width(expected))
    if want == "int":
        return (have == "int" and _width(got) <= _width(expected)) or (
            have == "uint" and _width(got) < _width(expected)
        )
    if want == "uint":
        return have == "uint" and _width(got) <= _width(expected)
    if want in ("text", "category"):
        return have in ("text", "category")
    if want == "datetime":
        return have == "datetime" and _has_timezone(expected) == _has_timezone(got)
    return want == have and want in ("bool", "timedelta")


def holds_only_strings(values: Any) -> bool:
    """Whether an object/text column holds strings (or nothing but missing values)."""
    from pandas.api.types import infer_dtype

    return infer_dtype(values, skipna=True) in ("string", "empty")
