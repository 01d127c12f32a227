"""Golden values: what a value crossing steps looked like when the notebook ran.

This module runs in two places. Inside the kernel that executes the notebook, cells the
verifier injects call :func:`start`, :func:`define`, :func:`before`, :func:`after` and
:func:`finish`
(so the kernel imports nothing heavy before the notebook does); in the verifier, the
same :func:`describe` and :func:`predict` describe a pipeline run's values, so both sides
compute fingerprints and predictions with the same code.

One golden entry per step output: ``kind`` (``frame``, ``series``, ``array``, ``model``,
``json`` or ``float``), ``fingerprint`` (:mod:`workbench.pipelines._values`' content hash,
the one the runner records), ``shape`` for data, ``value`` for floats and small JSON,
and for models the ``predictions`` (with the ``method`` used) on the first rows of a
``sample``: ``{"step", "input", "from", "rows"}`` — the step whose input ``input`` (as step
``from`` produced it) the model was asked to predict, i.e. the first step that reads the
model, or the one that makes it when none does.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path
from typing import Any

SAMPLE_ROWS = 50
MAX_PREDICTIONS = 2000  # numbers kept per model: rows are dropped beyond it
MAX_VALUE_CHARS = 10_000  # JSON values kept verbatim (for tolerant comparison) up to this size
_HELD_OUT_WORDS = ("test", "valid", "val", "holdout", "eval")


def describe(value: Any, directory: Path, *, name: str, step: str) -> dict[str, Any]:
    """The golden entry of ``value`` (without model predictions), saving it under
    ``directory`` exactly as the runner would to get the same fingerprint."""
    from workbench.pipelines._values import save_value

    directory.mkdir(parents=True, exist_ok=True)
    saved = save_value(value, directory, name=name, step=step)
    entry: dict[str, Any] = {"kind": saved.kind, "fingerprint": saved.fingerprint}
    if saved.kind in ("frame", "series", "array"):
        entry["shape"] = list(value.shape)
    elif saved.kind == "json":
        if isinstance(saved.value, float):
            entry["kind"] = "float"
            entry["value"] = saved.value
        elif len(json.dumps(saved.value)) <= MAX_VALUE_CHARS:
            entry["value"] = saved.value
    return entry


def is_sample(value: Any) -> bool:
    """A table a model can predict on: a DataFrame or a 2-D numpy array."""
    pd, np = sys.modules.get("pandas"), sys.modules.get("numpy")
    if pd is not None and isinstance(value, pd.DataFrame):
        return True
    return np is not None and isinstance(value, np.ndarray) and value.ndim == 2


def first_rows(value: Any, rows: int = SAMPLE_ROWS) -> Any:
    """A copy of the first ``rows`` rows of a DataFrame or array."""
    head = value.iloc[:rows] if hasattr(value, "iloc") else value[:rows]
    return head.copy()


def predict(model: Any, sample: Any, method: str | None = None) -> tuple[str, list[Any]]:
    """(method, predictions as nested lists) of ``model`` on ``sample``: ``predict_proba``
    when the model has it, else ``predict`` (or the given ``method``)."""
    import numpy as np

    if method is None:
        method = "predict_proba" if hasattr(model, "predict_proba") else "predict"
    predicted = np.asarray(getattr(model, method)(sample))
    width = int(np.prod(predicted.shape[1:])) if predicted.ndim > 1 else 1
    keep = max(1, MAX_PREDICTIONS // max(width, 1))
    return method, predicted[:keep].tolist()


def held_out_first(names: list[str]) -> list[str]:
    """Input names with held-out data (``X_test``, ``X_valid``) first."""

    def held_out(name: str) -> bool:
        words = name.lower().replace("-", "_").split("_")
        return any(word in _HELD_OUT_WORDS for word in words)

    return sorted(names, key=lambda name: not held_out(name))


class _Recorder:
    """The kernel side: golden entries of every step's outputs as the notebook runs."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.steps = {step["name"]: step for step in spec["steps"]}
        self.output = Path(spec["output"])
        self.workdir = Path(spec["workdir"])
        self.golden: dict[str, dict[str, Any]] = {}
        self.producer: dict[str, str] = {}  # variable → the step whose version is current
        self.samples: dict[str, list[tuple[str, str, Any]]] = {}
        self.errors: list[str] = []

    def before(self, step: str, namespace: dict[str, Any]) -> None:
        spec = self.steps[step]
        samples = []
        for name in held_out_first(list(spec["inputs"])):
            value = namespace.get(name)
            if is_sample(value):
                samples.append((name, self.producer.get(name, ""), first_rows(value)))
        self.samples[step] = samples
        for producer, outputs in self.golden.items():
            for name, entry in outputs.items():
                consumer = self.steps[producer]["consumers"].get(name)
                if entry["kind"] == "model" and consumer == step and name in namespace:
                    self._predict(entry, namespace[name], step)

    def after(self, step: str, namespace: dict[str, Any]) -> None:
        spec = self.steps[step]
        outputs: dict[str, Any] = {}
        for name in spec["outputs"]:
            if name not in namespace:
                outputs[name] = {"kind": "missing"}
                continue
            value = namespace[name]
            try:
                outputs[name] = describe(value, self.workdir / step, name=name, step=step)
            except Exception as error:  # the pipeline run will fail the same way
                outputs[name] = {"kind": "unsaveable", "error": str(error)}
                continue
            if outputs[name]["kind"] == "model" and spec["consumers"].get(name) is None:
                self._predict(outputs[name], value, step)
            self.producer[name] = step
        self.golden[step] = outputs

    def _predict(self, entry: dict[str, Any], model: Any, step: str) -> None:
        for name, origin, sample in self.samples.get(step, []):
            try:
                method, predictions = predict(model, sample)
            except Exception:  # this sample does not fit the model: try the next one
                continue
            entry["method"] = method
            entry["predictions"] = predictions
            entry["sample"] = {
                "step": step,
                "input": name,
                "from": origin,
                "rows": len(predictions),
            }
            return

    def finish(self) -> None:
        payload = {"steps": self.golden, "errors": self.errors}
        partial = self.output.with_suffix(".partial")
        partial.write_text(json.dumps(payload, allow_nan=True))
        partial.replace(self.output)


_RECORDER: _Recorder | None = None


def start(spec_path: str) -> None:
    """Begin recording, as described by the JSON file ``spec_path``: ``steps`` (each with
    ``name``, ``inputs``, ``outputs`` and ``consumers``: output → the first later step that
    reads it, or None), ``output`` (where :func:`finish` writes) and ``workdir``."""
    global _RECORDER
    _RECORDER = _Recorder(json.loads(Path(spec_path).read_text()))


def define(code: str, namespace: dict[str, Any]) -> None:
    """Run the notebook's imports, functions and classes first: they are notebook-wide
    for the pipeline, so a helper defined in a cell below its first use (run out of order
    by the notebook's author) works here too. A definition that cannot run this early is
    left to its own cell."""
    try:
        exec(compile(code, "<notebook definitions>", "exec"), namespace)
    except Exception:  # its own cell will define it, or fail clearly
        return


def _hook(method: str, step: str, namespace: dict[str, Any]) -> None:
    if _RECORDER is None:
        return
    try:
        getattr(_RECORDER, method)(step, namespace)
    except Exception:  # a recording bug must not fail the user's notebook
        _RECORDER.errors.append(f"{method} {step}: {traceback.format_exc(limit=3)}")


def before(step: str, namespace: dict[str, Any]) -> None:
    """Called just before the first cell of ``step``."""
    _hook("before", step, namespace)


def after(step: str, namespace: dict[str, Any]) -> None:
    """Called just after the last cell of ``step``."""
    _hook("after", step, namespace)


def finish() -> None:
    """Called after the last cell: write what was recorded."""
    if _RECORDER is not None:
        _RECORDER.finish()
