"""Compare one value of a pipeline run with its golden entry (see ``_golden``).

Each comparison returns ``(outcome, detail)``: outcome ``exact``, ``tolerance`` (floats,
JSON numbers, model predictions or fitted attributes that differ within ``rtol``/``atol``),
``diverged`` or ``skipped`` (a value marked nondeterministic, compared by kind and shape
but its number of rows, or one the notebook run could not record). Models, and the models
in containers, are compared by what they predict on the golden sample (or by their state),
never by bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from workbench.pipelines._golden import (
    canonical,
    decode_rows,
    first_rows,
    item_at,
    model_state,
    predict,
    small_or_digest,
    without_models,
)

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
    if kind == "memory":  # no file to read: the values made from it are compared instead
        return SKIPPED, "kept in memory between steps: compared through the values made from it"
    if entry.get("nondeterministic"):
        if kind in ("frame", "series", "array"):
            shape, expected = _shape(load(step, name)), entry.get("shape")
            # A random split or sample changes how many rows, never the columns.
            if shape is None or expected is None or shape[1:] != expected[1:]:
                return DIVERGED, f"shape {shape} vs {expected} in the notebook"
        return SKIPPED, "differs between runs of the notebook: compared by kind and shape"
    if saved_fingerprint == entry.get("fingerprint"):
        return EXACT, ""
    if "models" in entry:
        return _compare_container(load(step, name), entry, load, rtol=rtol, atol=atol)
    if "predictions" in entry or "state" in entry:
        return _compare_model(load(step, name), entry, load, rtol=rtol, atol=atol)
    if kind == "model":
        return DIVERGED, "the saved model differs (it could not be asked about any data)"
    if kind in ("float", "json"):
        actual = load(step, name)
        if "value" in entry and _numbers_close(actual, entry["value"], rtol, atol):
            return TOLERANCE, f"{_short(actual)} vs {_short(entry['value'])} in the notebook"
        expected = _short(entry["value"]) if "value" in entry else "another value"
        return DIVERGED, f"{_short(actual)} vs {expected} in the notebook"
    return DIVERGED, _data_detail(load(step, name), entry)


def _worst(outcomes: list[tuple[str, str]]) -> tuple[str, str]:
    for outcome in (DIVERGED, TOLERANCE):
        details = [detail for result, detail in outcomes if result == outcome]
        if details:
            return outcome, "; ".join(details[:3]) + ("; ..." if len(details) > 3 else "")
    return EXACT, ""


def _compare_container(
    value: Any, entry: Mapping[str, Any], load: Loader, *, rtol: float, atol: float
) -> tuple[str, str]:
    """Each model of a list, tuple or dict by its behaviour, the rest by content."""
    outcomes = []
    for described in entry["models"]:
        where = "".join(f"[{key!r}]" for key in described["path"])
        try:
            model = item_at(value, described["path"])
        except (KeyError, IndexError, TypeError):
            outcomes.append((DIVERGED, f"{where}: no such model in the run"))
            continue
        outcome, detail = _compare_model(model, described, load, rtol=rtol, atol=atol)
        outcomes.append((outcome, f"{where}: {detail}"))
    rest = small_or_digest(canonical(without_models(value)))
    if rest != entry["rest"]:
        close = _numbers_close(rest, entry["rest"], rtol, atol)
        outcome = TOLERANCE if close else DIVERGED
        outcomes.append((outcome, f"the values besides the models differ: {_short(rest)}"))
    return _worst(outcomes)


def _compare_model(
    model: Any, described: Mapping[str, Any], load: Loader, *, rtol: float, atol: float
) -> tuple[str, str]:
    """A model by its predictions on the golden sample, else by its state."""
    if "predictions" not in described:
        if "state" not in described:
            return DIVERGED, "the saved model differs (it could not be asked about any data)"
        return _compare_state(model, described["state"], rtol=rtol, atol=atol)
    import numpy as np

    sample = described["sample"]
    what = f"predictions on {sample['rows']} rows of {sample['input']}"
    try:
        data = decode_rows(sample["inline"]) if "inline" in sample else None
        if data is None:
            data = load(sample["from"], sample["input"])
        rows = first_rows(data, int(sample["rows"]))
        _, predicted = predict(model, rows, described["method"])
    except Exception as error:
        cause = error.__cause__ or error
        return DIVERGED, f"cannot compute the {what}: {type(cause).__name__}: {cause}"
    if predicted == described["predictions"]:
        return EXACT, ""
    actual, expected = np.asarray(predicted), np.asarray(described["predictions"])
    if actual.shape != expected.shape:
        return DIVERGED, f"{what} have shape {actual.shape} vs {expected.shape} in the notebook"
    if actual.dtype.kind not in "fiub" or expected.dtype.kind not in "fiub":
        return DIVERGED, f"{what} differ ({int((actual != expected).sum())} of {actual.size})"
    gap = float(np.max(np.abs(actual.astype(float) - expected.astype(float))))
    if np.allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True):
        return TOLERANCE, f"{what} differ by up to {gap:.3g}"
    return DIVERGED, f"{what} differ by up to {gap:.3g}"


def _compare_state(
    model: Any, expected: Mapping[str, Any], *, rtol: float, atol: float
) -> tuple[str, str]:
    """Parameters and fitted attributes, timings left out (see ``_golden.model_state``)."""
    actual = model_state(model)
    names = sorted(set(actual) | set(expected))
    differing = [
        n
        for n in names
        if n not in actual or n not in expected or not _numbers_close(actual[n], expected[n], 0, 0)
    ]
    if not differing:
        return EXACT, ""
    close = all(
        n in actual and n in expected and _numbers_close(actual[n], expected[n], rtol, atol)
        for n in differing
    )
    listed = ", ".join(differing[:5]) + (", ..." if len(differing) > 5 else "")
    if close:
        return TOLERANCE, f"the model's {listed} differ within tolerance"
    return DIVERGED, f"the fitted model differs in {listed}"
