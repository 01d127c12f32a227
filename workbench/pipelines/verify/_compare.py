"""Compare one value of a pipeline run with its golden entry (see ``_golden``).

Each comparison returns ``(outcome, detail)``: outcome ``exact``, ``tolerance`` (floats,
JSON numbers, model predictions or fitted attributes that differ within ``rtol``/``atol``),
``diverged`` or ``skipped`` (a value marked nondeterministic, compared by kind and shape
but its number of rows, one the notebook run could not record, or one kept in memory with
no model in it to ask). Models, and the models in containers, are compared by what they
predict on the golden sample (or by their state), never by bytes; the other elements of a
container one by one (numbers within tolerance); sparse matrices by the positions of their
nonzeros and their values (within tolerance when few); an index exactly; a splitter by its
parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from workbench.pipelines.verify._golden import (
    MAX_PREDICTIONS,
    canonical,
    decode_rows,
    item_at,
    model_state,
    predict,
    sample_rows,
    small_or_digest,
    sparse_content,
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
    if kind == "missing":
        return SKIPPED, "not recorded in the notebook run (missing)"
    if "memory" in (kind, saved_kind):
        return _compare_in_memory(step, name, entry, saved_kind, load, rtol=rtol, atol=atol)
    run_kind = "float" if saved_kind == "json" and kind == "float" else saved_kind
    if kind != run_kind:
        return DIVERGED, f"a {run_kind} vs a {kind} in the notebook"
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
    if kind == "container" and "rest" in entry:
        actual = small_or_digest(canonical(load(step, name)))
        return _compare_data(actual, entry["rest"], rtol=rtol, atol=atol)
    if kind == "sparse" and "content" in entry:
        return _compare_sparse(load(step, name), entry, rtol=rtol, atol=atol)
    if kind in ("index", "skops") and "content" in entry:
        actual = small_or_digest(canonical(load(step, name)))
        exact = kind == "index"  # labels are names: no tolerance
        return _compare_data(
            actual, entry["content"], rtol=0 if exact else rtol, atol=0 if exact else atol
        )
    if kind == "float":
        actual = load(step, name)
        if _numbers_close(actual, entry["value"], rtol, atol):
            return TOLERANCE, f"{_short(actual)} vs {_short(entry['value'])} in the notebook"
        return DIVERGED, f"{_short(actual)} vs {_short(entry['value'])} in the notebook"
    if kind == "json":
        if "value" in entry:
            return _compare_data(load(step, name), entry["value"], rtol=rtol, atol=atol)
        return DIVERGED, "differs (a value too large to keep in the manifest: compared by hash)"
    return DIVERGED, _data_detail(load(step, name), entry)


def _compare_in_memory(
    step: str,
    name: str,
    entry: Mapping[str, Any],
    saved_kind: str,
    load: Loader,
    *,
    rtol: float,
    atol: float,
) -> tuple[str, str]:
    """A value kept in memory by the notebook run or the pipeline's: the models in it by
    their behaviour when the pipeline saved it (a model holding a notebook function is
    ``__main__.f`` in the kernel, ``<package>.shared.f`` in the pipeline), else nothing."""
    asked = any(key in entry for key in ("models", "predictions", "state"))
    if saved_kind == "memory" or not asked or entry.get("nondeterministic"):
        return SKIPPED, "kept in memory between steps: compared through the values made from it"
    value = load(step, name)
    if "models" in entry:
        return _compare_container(value, entry, load, rtol=rtol, atol=atol)
    return _compare_model(value, entry, load, rtol=rtol, atol=atol)


def _differences(
    actual: Any, expected: Any, rtol: float, atol: float, path: str = ""
) -> Iterator[tuple[str, Any, Any, bool]]:
    """(path, actual, expected, within tolerance) of every leaf of two JSON-like values
    that is not equal (NaN equals NaN); a list of another length or a dict with other keys
    is one difference, and so is a value kept by hash."""
    if _hashed(actual) or _hashed(expected):
        if actual != expected:
            yield path, actual, expected, False
    elif isinstance(actual, dict) and isinstance(expected, dict):
        if actual.keys() != expected.keys():
            yield path, sorted(map(str, actual)), sorted(map(str, expected)), False
            return
        for key in expected:
            yield from _differences(actual[key], expected[key], rtol, atol, f"{path}[{key!r}]")
    elif isinstance(actual, list) and isinstance(expected, list):
        if len(actual) != len(expected):
            yield f"{path} length", len(actual), len(expected), False
            return
        for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
            yield from _differences(a, e, rtol, atol, f"{path}[{index}]")
    elif not _numbers_close(actual, expected, 0, 0):
        yield path, actual, expected, _numbers_close(actual, expected, rtol, atol)


def _compare_data(actual: Any, expected: Any, *, rtol: float, atol: float) -> tuple[str, str]:
    """Plain data (JSON values, the :func:`canonical` data of containers, splitters and
    indexes), naming the first element that differs."""
    found = list(_differences(_plain(actual), expected, rtol, atol))
    if not found:
        return EXACT, ""
    worst = next((item for item in found if not item[3]), found[0])
    path, left, right, close = worst
    where = f"{path}: " if path else ""
    if _hashed(left) or _hashed(right):
        return DIVERGED, f"{where}differs (too large to keep in the manifest: compared by hash)"
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    detail = f"{where}{_short(left)} vs {_short(right)} in the notebook{more}"
    return (TOLERANCE if close else DIVERGED), detail


def _hashed(value: Any) -> bool:
    """Data :func:`canonical` kept as its hash only."""
    return isinstance(value, dict) and set(value) == {"sha256"}


def _plain(value: Any) -> Any:
    """Tuples as lists, as the golden JSON has them."""
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _compare_sparse(
    value: Any, entry: Mapping[str, Any], *, rtol: float, atol: float
) -> tuple[str, str]:
    """A sparse matrix: its shape, where its nonzeros are, then their values."""
    actual, expected = sparse_content(value, MAX_PREDICTIONS), entry["content"]
    if actual["sparse"] != expected["sparse"]:
        return (
            DIVERGED,
            f"shape {tuple(actual['sparse'])} vs {tuple(expected['sparse'])} in the notebook",
        )
    if actual["positions"] != expected["positions"]:
        return DIVERGED, f"same shape {tuple(actual['sparse'])}, nonzeros in other places"
    if actual["values"] == expected["values"]:  # the same matrix in another format
        return EXACT, ""
    if isinstance(expected["values"], list) and isinstance(actual["values"], list):
        import numpy as np

        left, right = np.asarray(actual["values"]), np.asarray(expected["values"])
        gap = float(np.max(np.abs(left - right), initial=0.0))
        if np.allclose(left, right, rtol=rtol, atol=atol, equal_nan=True):
            return TOLERANCE, f"its nonzero values differ by up to {gap:.3g}"
        return DIVERGED, f"its nonzero values differ by up to {gap:.3g}"
    return DIVERGED, "same nonzeros, other values (too many to keep: compared by hash)"


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
    outcome, detail = _compare_data(rest, entry["rest"], rtol=rtol, atol=atol)
    if outcome != EXACT:
        outcomes.append((outcome, f"besides the models, {detail}"))
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
        rows = sample_rows(data, int(sample["rows"]))
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
