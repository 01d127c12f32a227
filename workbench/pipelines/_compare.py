"""Compare one value of a pipeline run with its golden entry (see ``_golden``).

Each comparison returns ``(outcome, detail)``: outcome ``exact``, ``tolerance`` (floats,
JSON numbers or model predictions that differ within ``rtol``/``atol``), ``diverged`` or
``skipped`` (a value marked nondeterministic, compared by kind and shape only, or one the
notebook run could not record).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from workbench.pipelines._golden import first_rows, predict

EXACT, TOLERANCE, DIVERGED, SKIPPED = "exact", "tolerance", "diverged", "skipped"
Loader = Callable[[str, str], Any]  # (step, variable) → the run's value


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _numbers_close(actual: Any, expected: Any, rtol: float, atol: float) -> bool:
    """Same structure, with every number within tolerance (bools and text equal)."""
    if isinstance(actual, dict) and isinstance(expected, dict):
        return actual.keys() == expected.keys() and all(
            _numbers_close(actual[k], expected[k], rtol, atol) for k in actual
        )
    if isinstance(actual, list) and isinstance(expected, list):
        return len(actual) == len(expected) and all(
            _numbers_close(a, e, rtol, atol) for a, e in zip(actual, expected, strict=True)
        )
    numeric = (int, float)
    if isinstance(actual, bool) or isinstance(expected, bool):
        return actual is expected
    if isinstance(actual, numeric) and isinstance(expected, numeric):
        import numpy as np

        return bool(np.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True))
    return bool(actual == expected)


def _shape(value: Any) -> list[int] | None:
    shape = getattr(value, "shape", None)
    return list(shape) if shape is not None else None


def _data_detail(value: Any, entry: Mapping[str, Any]) -> str:
    """Why a frame, series or array differs: its shape, else its content."""
    expected = entry.get("shape")
    shape = _shape(value)
    if expected is not None and shape != expected:
        return f"shape {tuple(shape or ())} vs {tuple(expected)} in the notebook"
    return f"same shape {tuple(shape or ())}, different content"


def compare_value(
    step: str,
    name: str,
    entry: Mapping[str, Any],
    saved_kind: str,
    saved_fingerprint: str,
    load: Loader,
    *,
    rtol: float,
    atol: float,
) -> tuple[str, str]:
    """Compare the run's ``name`` (made by ``step``) with the golden ``entry``."""
    kind = entry.get("kind")
    if kind in ("missing", "unsaveable"):
        return SKIPPED, f"not recorded in the notebook run ({kind})"
    run_kind = "float" if saved_kind == "json" and kind == "float" else saved_kind
    if kind != run_kind:
        return DIVERGED, f"a {run_kind} vs a {kind} in the notebook"
    if entry.get("nondeterministic"):
        if kind in ("frame", "series", "array"):
            shape = _shape(load(step, name))
            if shape != entry.get("shape"):
                return DIVERGED, f"shape {shape} vs {entry.get('shape')} in the notebook"
        return SKIPPED, "differs between runs of the notebook: compared by kind and shape"
    if kind == "model" and "predictions" in entry:
        return _compare_model(step, name, entry, load, rtol=rtol, atol=atol)
    if saved_fingerprint == entry.get("fingerprint"):
        return EXACT, ""
    if kind == "model":
        return DIVERGED, "the saved model differs (no sample to compare predictions on)"
    if kind in ("float", "json"):
        actual = load(step, name)
        if "value" in entry and _numbers_close(actual, entry["value"], rtol, atol):
            return TOLERANCE, f"{_short(actual)} vs {_short(entry['value'])} in the notebook"
        expected = _short(entry["value"]) if "value" in entry else "another value"
        return DIVERGED, f"{_short(actual)} vs {expected} in the notebook"
    return DIVERGED, _data_detail(load(step, name), entry)


def _compare_model(
    step: str, name: str, entry: Mapping[str, Any], load: Loader, *, rtol: float, atol: float
) -> tuple[str, str]:
    import numpy as np

    sample = entry["sample"]
    what = f"predictions on {sample['rows']} rows of {sample['input']}"
    try:
        rows = first_rows(load(sample["from"], sample["input"]), int(sample["rows"]))
        _, predicted = predict(load(step, name), rows, entry["method"])
    except Exception as error:
        return DIVERGED, f"cannot compute the {what}: {type(error).__name__}: {error}"
    if predicted == entry["predictions"]:
        return EXACT, ""
    actual, expected = np.asarray(predicted), np.asarray(entry["predictions"])
    if actual.shape != expected.shape:
        return DIVERGED, f"{what} have shape {actual.shape} vs {expected.shape} in the notebook"
    if actual.dtype.kind not in "fiub" or expected.dtype.kind not in "fiub":
        return DIVERGED, f"{what} differ ({int((actual != expected).sum())} of {actual.size})"
    gap = float(np.max(np.abs(actual.astype(float) - expected.astype(float))))
    if np.allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True):
        return TOLERANCE, f"{what} differ by up to {gap:.3g}"
    return DIVERGED, f"{what} differ by up to {gap:.3g}"
