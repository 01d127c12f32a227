"""Checks on keys and values, with errors that name the key and say what is allowed.

The rules are what SQLite and PostgreSQL can both store and give back unchanged, so a value
accepted here is never refused later by the database:

- keys: non-empty text of at most 250 characters, no control characters;
- text (keys, param and tag values, names): valid Unicode (no lone surrogates such as
  ``"\\udcff"``) without NUL characters, which PostgreSQL cannot store;
- metric values: real numbers within float range; NaN and +/-inf are stored as such;
- steps: integers within int64 (-2**63 .. 2**63 - 1);
- timestamps: seconds since 1970 (``time.time()``), finite, between 0 and 9.2e9 (the year
  2262, the last instant pandas represents).
"""

from __future__ import annotations

import numbers
import re
from typing import Any

MAX_KEY_LENGTH = 250
MAX_PARAM_LENGTH = 6000
MAX_NAME_LENGTH = 250
MIN_STEP = -(2**63)
MAX_STEP = 2**63 - 1
MAX_TIMESTAMP = 9_223_372_036.0
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def show(value: Any) -> str:
    """A short ``repr`` for error messages, even for huge ints and odd objects."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"an integer of about {int(value.bit_length() * 0.30103)} digits"
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not hide the real problem
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= 80 else text[:77] + "..."


def check_text(value: str, what: str) -> str:
    """``value`` if both databases store it unchanged (UTF-8 encodable, no NUL character)."""
    if "\x00" in value:
        raise ValueError(
            f"Invalid {what}: {show(value)} contains a NUL character ('\\x00'), which "
            "PostgreSQL cannot store. Remove it."
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError(
            f"Invalid {what}: {show(value)} is not valid Unicode ({error.reason} at position "
            f"{error.start}, e.g. a lone surrogate from a mis-decoded file). Decode the text "
            "properly or replace the character."
        ) from None
    return value


def storable(text: str, limit: int) -> str:
    """``text`` made storable for a value workbench records itself (a script path, the user):
    lone surrogates (undecodable file names) become '?', NUL goes, cut to ``limit``."""
    cleaned = text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")
    return cleaned[:limit]


def check_key(key: Any, kind: str) -> str:
    """Return ``key`` if it is a valid metric/param/tag key, else raise ``ValueError``.

    Keys are non-empty strings of at most 250 characters without control characters;
    ``/`` and ``.`` are allowed (``val/loss``).
    """
    if not isinstance(key, str):
        raise ValueError(f"Invalid {kind} key {show(key)}: keys are strings, e.g. 'val/loss'.")
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
    return check_text(key, f"{kind} key")


def check_name(name: Any, what: str, limit: int = MAX_NAME_LENGTH) -> str:
    """A run or other display name: text of at most ``limit`` characters both databases store."""
    if not isinstance(name, str):
        raise ValueError(f"Invalid {what} {show(name)}: a name is a string.")
    if len(name) > limit:
        raise ValueError(
            f"Invalid {what} {name[:40]!r}...: {len(name)} characters, the limit is "
            f"{limit}. Use a shorter name."
        )
    return check_text(name, what)


def metric_value(key: str, value: Any) -> float:
    """A metric value as float. NaN and +/-inf are kept; non-numbers are a ValueError."""
    if getattr(value, "shape", None) == () and getattr(value, "dtype", None) is not None:
        value = value.item()  # a 0-d numpy array
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        try:
            return float(value)
        except (OverflowError, ValueError):
            raise ValueError(
                f"Invalid value for metric {key!r}: {show(value)} is too large for a float "
                "(the limit is about 1.8e308). Log it scaled, or as a param."
            ) from None
    raise ValueError(
        f"Invalid value for metric {key!r}: {show(value)} ({type(value).__name__}) is not a "
        "number. Log numbers as metrics; log text as a param or a tag."
    )


def metric_step(key: str, step: Any) -> int:
    """A step as int: an integer (or an integral float) within int64."""
    as_int = None
    if not isinstance(step, (bool, str, bytes)):
        try:
            as_int = int(step)
        except (TypeError, ValueError, OverflowError):
            as_int = None
    if as_int is None or as_int != step:
        raise ValueError(
            f"Invalid step {show(step)} for metric {key!r}: steps are integers, e.g. step=3."
        )
    return check_step_range(key, as_int)


def check_step_range(key: str, step: int) -> int:
    if not MIN_STEP <= step <= MAX_STEP:
        raise ValueError(
            f"Invalid step {show(step)} for metric {key!r}: steps are 64-bit integers, "
            f"from {MIN_STEP} to {MAX_STEP}."
        )
    return step


def metric_timestamp(key: str, timestamp: Any) -> float:
    """A timestamp as float: finite seconds since 1970, between 0 and 9.2e9."""
    stamp = None
    if isinstance(timestamp, numbers.Real) and not isinstance(timestamp, bool):
        try:
            stamp = float(timestamp)
        except (OverflowError, ValueError):
            stamp = None
    if stamp is None or not 0.0 <= stamp <= MAX_TIMESTAMP:
        hint = ""
        if stamp is not None and MAX_TIMESTAMP < stamp < 1e16:
            hint = " It looks like milliseconds: divide by 1000."
        raise ValueError(
            f"Invalid timestamp {show(timestamp)} for metric {key!r}: timestamps are seconds "
            f"since 1970 as a number (time.time()), from 0 to {MAX_TIMESTAMP:.3g}.{hint}"
        )
    return stamp


def _as_text(key: str, value: Any, kind: str) -> str:
    if isinstance(value, str):
        return value
    try:
        return str(value)
    except Exception as error:  # a broken __str__ is the caller's value, not our failure
        raise ValueError(
            f"Invalid value for {kind} {key!r}: str() of the {type(value).__name__} failed "
            f"({error}). Log a string."
        ) from None


def param_value(key: str, value: Any) -> str:
    """A param value as text (at most 6000 characters)."""
    text = _as_text(key, value, "param")
    if len(text) > MAX_PARAM_LENGTH:
        raise ValueError(
            f"Invalid value for param {key!r}: {len(text)} characters, the limit is "
            f"{MAX_PARAM_LENGTH}. Log long values as an artifact instead."
        )
    return check_text(text, f"value for param {key!r}")


def tag_value(key: str, value: Any) -> str:
    """A tag value as text."""
    return check_text(_as_text(key, value, "tag"), f"value for tag {key!r}")


def is_number(value: Any) -> bool:
    """Whether ``value`` converts to a float and is not text or a bool (numpy scalars are)."""
    try:
        float(value)
    except (TypeError, ValueError, OverflowError):
        return False
    return not isinstance(value, (str, bytes, bool))
