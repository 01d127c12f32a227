"""Checks on keys and values, with errors that name the key and say what is allowed."""

from __future__ import annotations

import math
import numbers
import re
from typing import Any

MAX_KEY_LENGTH = 250
MAX_PARAM_LENGTH = 6000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_key(key: Any, kind: str) -> str:
    """Return ``key`` if it is a valid metric/param/tag key, else raise ``ValueError``.

    Keys are non-empty strings of at most 250 characters without control characters;
    ``/`` and ``.`` are allowed (``val/loss``).
    """
    if not isinstance(key, str):
        raise ValueError(f"Invalid {kind} key {key!r}: keys are strings, e.g. 'val/loss'.")
    if not key.strip():
        raise ValueError(f"Invalid {kind} key {key!r}: the key is empty; name it, e.g. 'auc'.")
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError(
            f"Invalid {kind} key {key[:40]!r}...: {len(key)} characters, the limit is "
            f"{MAX_KEY_LENGTH}. Use a shorter key."
        )
    if _CONTROL.search(key):
        raise ValueError(
            f"Invalid {kind} key {key!r}: it contains a control character (newline, tab, ...). "
            "Use printable characters only."
        )
    return key


def metric_value(key: str, value: Any) -> float:
    """A metric value as float. NaN and +/-inf are kept; non-numbers are a ValueError."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    if getattr(value, "shape", None) == () and getattr(value, "dtype", None) is not None:
        item = value.item()  # a 0-d numpy array
        if isinstance(item, numbers.Real) and not isinstance(item, bool):
            return float(item)
    raise ValueError(
        f"Invalid value for metric {key!r}: {value!r} ({type(value).__name__}) is not a "
        "number. Log numbers as metrics; log text as a param or a tag."
    )


def param_value(key: str, value: Any) -> str:
    """A param value as text (at most 6000 characters)."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        text = str(value)
    else:
        text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_PARAM_LENGTH:
        raise ValueError(
            f"Invalid value for param {key!r}: {len(text)} characters, the limit is "
            f"{MAX_PARAM_LENGTH}. Log long values as an artifact instead."
        )
    return text


def tag_value(key: str, value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def is_number(value: Any) -> bool:
    """Whether ``value`` converts to a float and is not text or a bool (numpy scalars are)."""
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, (str, bytes, bool))
