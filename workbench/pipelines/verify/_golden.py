"""Golden values: what a value crossing steps looked like when the notebook ran.

This module runs in two places. Inside the kernel that executes the notebook, cells the
verifier injects call :func:`start`, :func:`define`, :func:`after` and :func:`finish` (so
the kernel imports nothing heavy before the notebook does, and the notebook's own cells run
unchanged); in the verifier, the same :func:`describe`, :func:`predict` and
:func:`model_state` describe a pipeline run's values, so both sides compute fingerprints,
predictions and model states with the same code.

One golden entry per step output: ``kind`` (``frame``, ``series``, ``array``, ``model``,
``json``, ``float`` or whatever else :mod:`workbench.pipelines.runtime._values` saves),
``fingerprint`` (its content hash, the one the runner records), ``shape`` for data,
``value`` for floats and small JSON. Models are compared by behaviour, not bytes (a search
object's ``cv_results_`` holds timings): a fitted model gets the ``predictions`` (with the
``method`` used) on rows spread over a ``sample`` of the notebook's own data — ``{"step",
"input", "from", "rows"}``, the output ``input`` of step ``from`` it accepts, or
``{"inline", "rows"}``, rows kept in the entry when no step output fits — and a model
nothing fits gets its ``state`` (parameters and fitted attributes, timings left out). A
list, tuple or dict holding models gets ``models`` (one such description per model, with
its ``path`` in the container); every container gets ``rest`` (its :func:`canonical` data,
models left out), so its elements are compared one by one within tolerance. A sparse
matrix gets ``shape`` and ``content`` (the positions of its nonzeros by hash, their values
when few); an index or a scikit-learn object saved with skops (a ``KFold``) gets its
``content``; a value kept in memory gets its ``type`` and the ``reason``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import sys
import traceback
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SAMPLE_ROWS = 50
MAX_PREDICTIONS = 2000  # numbers kept per model: rows are dropped beyond it
MAX_VALUE_CHARS = 10_000  # JSON values kept verbatim (for tolerant comparison) up to this size
MAX_INLINE_CELLS = 5000  # numbers of a sample kept in the manifest when no step output fits
MAX_MODELS = 50  # models described per container
METHODS = ("predict_proba", "predict", "transform", "decision_function", "score_samples")
_HELD_OUT_WORDS = ("test", "valid", "val", "holdout", "eval")
_VOLATILE = re.compile(r"(^|_)time(_|$)")  # fit/score timings differ on every run


def describe(value: Any, directory: Path, *, name: str, step: str) -> dict[str, Any]:
    """The golden entry of ``value`` (without model behaviour), saving it under
    ``directory`` exactly as the runner would to get the same fingerprint."""
    from workbench.pipelines.runtime._values import save_value

    directory.mkdir(parents=True, exist_ok=True)
    saved = save_value(value, directory, name=name, step=step)
    entry: dict[str, Any] = {"kind": saved.kind, "fingerprint": saved.fingerprint}
    if saved.kind in ("frame", "series", "array", "index", "sparse"):
        entry["shape"] = list(value.shape)
    if saved.kind == "json" and saved.path is None:  # a value written to a file is too large
        if isinstance(saved.value, float):
            entry["kind"] = "float"
            entry["value"] = saved.value
        elif len(json.dumps(saved.value)) <= MAX_VALUE_CHARS:
            entry["value"] = saved.value
    elif saved.kind == "memory":
        entry["type"], entry["reason"] = saved.flavor, saved.value
    elif saved.kind == "sparse":
        entry["content"] = sparse_content(value, MAX_PREDICTIONS)
    elif saved.kind in ("index", "skops"):
        entry["content"] = small_or_digest(canonical(value))
    elif saved.kind == "container":
        entry["rest"] = small_or_digest(canonical(without_models(value)))
    return entry


def is_sample(value: Any) -> bool:
    """Data a model can be asked about: a DataFrame, Series, 2-D array or sparse matrix."""
    pd, np = sys.modules.get("pandas"), sys.modules.get("numpy")
    if pd is not None and isinstance(value, pd.DataFrame | pd.Series):
        return len(value) > 0
    if np is not None and isinstance(value, np.ndarray):
        return value.ndim == 2 and len(value) > 0
    sparse = sys.modules.get("scipy.sparse")
    return sparse is not None and sparse.issparse(value) and value.shape[0] > 0


def sample_rows(value: Any, rows: int = SAMPLE_ROWS) -> Any:
    """A copy of up to ``rows`` of ``SAMPLE_ROWS`` rows spread evenly over a DataFrame,
    Series, array or sparse matrix (its first rows may all be of one class)."""
    every = max(1, value.shape[0] // SAMPLE_ROWS)
    spread = value.iloc[::every] if hasattr(value, "iloc") else value[::every]
    return spread[:rows].copy()


def is_model(value: Any) -> bool:
    """A fitted-or-not estimator: an object (not a class) with ``fit`` or LightGBM's
    ``predict``, and a way to be asked about data."""
    if isinstance(value, type) or not (
        hasattr(type(value), "fit") or type(value).__module__.startswith("lightgbm")
    ):
        return False
    return any(callable(getattr(type(value), method, None)) for method in METHODS)


def models_in(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[list[Any], Any]]:
    """(path, model) of ``value`` itself when it is a model, else of the models in it when
    it is a list, tuple or dict (nested up to three levels)."""
    if is_model(value):
        yield list(path), value
    elif len(path) < 3 and isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from models_in(item, (*path, index))
    elif len(path) < 3 and isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str | int) and not isinstance(key, bool):
                yield from models_in(item, (*path, key))


def item_at(value: Any, path: list[Any]) -> Any:
    """The element of a container at ``path`` (dict keys may have become strings)."""
    for key in path:
        if isinstance(value, dict) and key not in value and str(key) in value:
            key = str(key)
        value = value[key]
    return value


def predict(model: Any, sample: Any, method: str | None = None) -> tuple[str, list[Any]]:
    """(method, outputs as nested lists) of ``model`` on ``sample``: the first of
    ``predict_proba``, ``predict``, ``transform``, ... that works (or the given ``method``).

    Raises:
        ValueError: no method works on this sample (the last error chained).
    """
    import numpy as np

    error: Exception | None = None
    for name in [method] if method else METHODS:
        try:
            function = getattr(model, name)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a feature-names notice is not the user's
                predicted = function(sample)
        except Exception as failed:  # this method does not apply: try the next one
            error = failed
            continue
        if hasattr(predicted, "toarray"):
            predicted = predicted.toarray()
        predicted = np.asarray(predicted)
        width = int(np.prod(predicted.shape[1:])) if predicted.ndim > 1 else 1
        keep = max(1, MAX_PREDICTIONS // max(width, 1))
        return name, predicted[:keep].tolist()
    raise ValueError(f"{type(model).__name__} cannot be asked about this sample") from error


def is_volatile(name: str) -> bool:
    """A timing (``mean_fit_time``, ``refit_time_``, ``fit_time``): never compared."""
    return bool(_VOLATILE.search(str(name)))


def _digest(data: bytes) -> dict[str, str]:
    return {"sha256": hashlib.sha256(data).hexdigest()}


def canonical(value: Any, depth: int = 0) -> Any:
    """``value`` as plain JSON data that is equal when the value behaves the same: models by
    class, parameters and fitted attributes, large arrays and frames by hash, timings and
    other objects left out (by type name)."""
    np = sys.modules.get("numpy")
    pd = sys.modules.get("pandas")
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if depth > 6:
        return type(value).__qualname__
    if np is not None and isinstance(value, np.generic):
        item = value.item()  # a datetime64 or complex number is kept as its text
        return item if item is None or isinstance(item, bool | int | float | str) else str(value)
    if np is not None and isinstance(value, np.ndarray):
        if value.dtype.hasobject or isinstance(value, np.ma.MaskedArray):
            return [canonical(item, depth + 1) for item in list(value.ravel()[:200])]
        if value.size <= 100:
            return value.tolist()
        header = f"{value.dtype.str}{value.shape}".encode()
        return _digest(header + np.ascontiguousarray(value).tobytes())
    if pd is not None and isinstance(value, pd.Index) and len(value) <= 100:
        labels = value.tolist()
        if all(label is None or isinstance(label, bool | int | float | str) for label in labels):
            return {"index": labels, "name": canonical(value.name, depth + 1)}
    if pd is not None and isinstance(value, pd.DataFrame | pd.Series | pd.Index):
        hashed = pd.util.hash_pandas_object(value, index=True).to_numpy()
        names = [*getattr(value, "columns", []), getattr(value, "name", None), str(value.dtypes)]
        return _digest(repr(names).encode() + hashed.tobytes())
    sparse = sys.modules.get("scipy.sparse")
    if sparse is not None and sparse.issparse(value):
        return sparse_content(value, 100)
    if isinstance(value, list | tuple):
        return [canonical(item, depth + 1) for item in value]
    if isinstance(value, set | frozenset):  # in an order that does not depend on the process
        items = [canonical(item, depth + 1) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, default=str))
    if isinstance(value, dict):
        return {str(k): canonical(v, depth + 1) for k, v in value.items() if not is_volatile(k)}
    if hasattr(value, "get_params"):
        return {"class": type(value).__qualname__, **model_state(value, depth + 1)}
    if type(value).__module__.startswith("sklearn.") and hasattr(value, "__dict__"):
        attributes = {k: canonical(v, depth + 1) for k, v in sorted(vars(value).items())}
        return {"class": type(value).__qualname__, **attributes}  # a splitter: its parameters
    return type(value).__qualname__


def sparse_content(matrix: Any, values: int) -> dict[str, Any]:
    """A sparse matrix as JSON data: its shape, the positions of its nonzeros by hash and
    their ``values`` when there are at most that many (else by hash)."""
    import numpy as np

    csr = matrix.tocsr(copy=True)
    csr.sum_duplicates()  # also sorts the indices: the same matrix, the same hashes
    positions = np.concatenate([csr.indptr, csr.indices]).astype(np.int64)
    if csr.nnz <= values:
        data: Any = csr.data.tolist()
    else:
        data = _digest(csr.data.dtype.str.encode() + csr.data.tobytes())["sha256"]
    return {
        "sparse": list(csr.shape),
        "positions": _digest(positions.tobytes())["sha256"],
        "values": data,
    }


def model_state(model: Any, depth: int = 0) -> dict[str, Any]:
    """A model's parameters (``params``) and fitted attributes (``coef_``, ``best_params_``,
    ``cv_results_`` without its timings ...) as :func:`canonical` data; a large one by hash."""
    state: dict[str, Any] = {}
    with contextlib.suppress(Exception):  # not scikit-learn: its fitted attributes still tell
        state["params"] = canonical(model.get_params(deep=False), depth)
    for name, value in sorted(vars(model).items()):
        if name.endswith("_") and not name.startswith("_") and not is_volatile(name):
            state[name] = canonical(value, depth)
    if depth == 0:
        for name, value in state.items():
            text = json.dumps(value, sort_keys=True, allow_nan=True)
            state[name] = value if len(text) <= 2000 else _digest(text.encode())
    return state


def _held_out(name: str) -> bool:
    words = name.lower().replace("-", "_").split("_")
    return any(word in _HELD_OUT_WORDS for word in words)


def encode_rows(rows: Any) -> dict[str, Any] | None:
    """Sample rows as JSON to keep in the manifest (None when too large or not plain)."""
    import numpy as np

    width = int(np.prod(rows.shape[1:])) if len(rows.shape) > 1 else 1
    rows = sample_rows(rows, max(1, MAX_INLINE_CELLS // max(width, 1)))
    try:
        if hasattr(rows, "to_json"):
            series = rows.ndim == 1
            return {"table": rows.to_json(orient="table"), "series": series}
        if isinstance(rows, np.ndarray) and rows.dtype.kind in "biufU":
            return {"array": rows.tolist(), "dtype": rows.dtype.str}
    except (TypeError, ValueError):  # a column JSON cannot hold: no inline sample
        return None
    return None


def decode_rows(data: dict[str, Any]) -> Any:
    """The rows :func:`encode_rows` kept."""
    if "array" in data:
        import numpy as np

        return np.asarray(data["array"], dtype=data["dtype"])
    import pandas as pd

    frame = pd.read_json(io.StringIO(data["table"]), orient="table")
    return frame.iloc[:, 0] if data["series"] else frame


def _width(value: Any) -> int | None:
    """How many features a model takes, or a sample has (None: unknown)."""
    if hasattr(value, "shape"):
        return int(value.shape[1]) if len(value.shape) == 2 else None
    try:
        width = value.num_feature() if hasattr(value, "num_feature") else value.n_features_in_
    except Exception:  # unfitted, or a model that does not say
        return None
    return int(width)


def without_models(value: Any, depth: int = 0) -> Any:
    """A container with each model in it replaced by ``"<model>"``."""
    if is_model(value):
        return "<model>"
    if depth < 3 and isinstance(value, list | tuple):
        return [without_models(item, depth + 1) for item in value]
    if depth < 3 and isinstance(value, dict):
        return {k: without_models(v, depth + 1) for k, v in value.items()}
    return value


def small_or_digest(value: Any) -> Any:
    """``value`` (plain JSON data) itself when small, else its hash."""
    text = json.dumps(value, sort_keys=True, allow_nan=True)
    return value if len(text) <= MAX_VALUE_CHARS else _digest(text.encode())


class _Recorder:
    """The kernel side: golden entries of every step's outputs as the notebook runs."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.steps = {step["name"]: step for step in spec["steps"]}
        self.output = Path(spec["output"])
        self.workdir = Path(spec["workdir"])
        self.golden: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}  # step → path → the file's entry
        self.samples: list[tuple[str, str, Any]] = []  # (step, output, rows spread over it)
        self.errors: list[str] = []

    def after(self, step: str, namespace: dict[str, Any]) -> None:
        from workbench.pipelines.verify._files import record_file

        written = self.steps[step].get("files", ())
        copies = self.workdir.parent / "files"
        self.files[step] = {path: record_file(Path.cwd() / path, copies) for path in written}
        outputs: dict[str, Any] = {}
        for name in self.steps[step]["outputs"]:
            if name not in namespace:
                outputs[name] = {"kind": "missing"}
                continue
            value = namespace[name]
            outputs[name] = describe(value, self.workdir / step, name=name, step=step)
            if is_sample(value):
                self.samples.append((step, name, sample_rows(value)))
        self.golden[step] = outputs
        for name, entry in outputs.items():
            if entry["kind"] != "missing":  # a model kept in memory is still asked about data
                self._describe_models(entry, namespace[name], step, namespace)

    def _describe_models(
        self, entry: dict[str, Any], value: Any, step: str, namespace: dict[str, Any]
    ) -> None:
        found = []
        for path, model in models_in(value):
            found.append({"path": path, **self._behaviour(model, step, namespace)})
            if len(found) == MAX_MODELS:
                break
        if not found:
            return
        if found[0]["path"] == []:
            entry.update({k: v for k, v in found[0].items() if k != "path"})
            return
        entry["models"] = found
        if "rest" not in entry:  # a container kept in memory
            entry["rest"] = small_or_digest(canonical(without_models(value)))

    def _behaviour(self, model: Any, step: str, namespace: dict[str, Any]) -> dict[str, Any]:
        width = _width(model)

        def order(item: tuple[int, str, Any]) -> tuple[bool, bool, int]:
            index, name, rows = item
            return (width is not None and _width(rows) != width, not _held_out(name), -index)

        outputs = [(i, name, (origin, rows)) for i, (origin, name, rows) in enumerate(self.samples)]
        for _, name, (origin, rows) in sorted(outputs, key=order):
            try:
                method, predictions = predict(model, rows)
            except ValueError:
                continue
            sample = {"step": step, "input": name, "from": origin, "rows": len(predictions)}
            return {"method": method, "predictions": predictions, "sample": sample}
        others = [
            (i, name, value)
            for i, (name, value) in enumerate(namespace.items())
            if not name.startswith("_") and is_sample(value)
        ]
        for _, name, value in sorted(others, key=order):
            encoded = encode_rows(sample_rows(value))
            if encoded is None:
                continue
            try:
                method, predictions = predict(model, decode_rows(encoded))
            except (ValueError, TypeError):
                continue
            sample = {"step": step, "input": name, "inline": encoded, "rows": len(predictions)}
            return {"method": method, "predictions": predictions, "sample": sample}
        try:
            return {"state": model_state(model)}
        except Exception:  # nothing to compare but the saved bytes
            return {}

    def finish(self) -> None:
        files = {step: entries for step, entries in self.files.items() if entries}
        payload = {"steps": self.golden, "files": files, "errors": self.errors}
        partial = self.output.with_suffix(".partial")
        partial.write_text(json.dumps(payload, allow_nan=True))
        partial.replace(self.output)


_RECORDER: _Recorder | None = None


def start(spec_path: str) -> None:
    """Begin recording, as described by the JSON file ``spec_path``: ``steps`` (each with
    ``name`` and ``outputs``), ``output`` (where :func:`finish` writes) and ``workdir``."""
    global _RECORDER
    _RECORDER = _Recorder(json.loads(Path(spec_path).read_text()))


def define(sources: list[str], namespace: dict[str, Any]) -> None:
    """Define the notebook's functions that a cell above their own uses (run out of order
    by the notebook's author), as the pipeline's shared module does. A definition that
    cannot run this early is left to its own cell."""
    for source in sources:
        try:
            exec(compile(source, "<notebook definitions>", "exec"), namespace)
        except Exception:  # its own cell will define it, or fail clearly
            continue


def after(step: str, namespace: dict[str, Any]) -> None:
    """Called just after the last cell of ``step``: record its outputs. A recording bug
    never fails the user's notebook."""
    if _RECORDER is None:
        return
    try:
        _RECORDER.after(step, namespace)
    except Exception:
        _RECORDER.errors.append(f"after {step}: {traceback.format_exc(limit=3)}")


def finish() -> None:
    """Called after the last cell: write what was recorded."""
    if _RECORDER is not None:
        _RECORDER.finish()
