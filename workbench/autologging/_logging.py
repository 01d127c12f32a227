"""Where an autologged fit is recorded, and recording it without ever failing the fit.

``FitRecorder`` picks the run: the active run (the thread's run in a ``wb.tune`` trial),
a nested child when that run already holds an autologged fit, or a new run it ends itself.
Every write goes through :meth:`FitRecorder.attempt`, which turns an error into an
:class:`~workbench.autologging.AutologWarning`.
"""

from __future__ import annotations

import contextlib
import threading
import time
import traceback
import warnings
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from workbench.autologging._config import AutologWarning, config
from workbench.tracking import fluent
from workbench.tracking.run import ActiveRun
from workbench.tracking.validation import MAX_KEY_LENGTH, MAX_PARAM_LENGTH

FLAVOR_TAG = "autolog.flavor"
CLASS_TAG = "estimator_class"
EXAMPLE_ROWS = 5
ELLIPSIS = "..."

# Runs (not created by autolog) that already hold an autologged fit: the next one nests.
_logged_into: weakref.WeakSet[ActiveRun] = weakref.WeakSet()


def warn(what: str, error: BaseException) -> None:
    warnings.warn(
        f"workbench autolog could not {what}: {type(error).__name__}: {error}. "
        "The model was trained; only this record is missing.",
        AutologWarning,
        stacklevel=4,
    )


class FitRecorder:
    """The run one outermost ``fit`` is logged into, opened before and closed after it."""

    def __init__(self, flavor: str, estimator_class: str) -> None:
        self.flavor = flavor
        self.estimator_class = estimator_class
        self.run: ActiveRun | None = None
        self.owned = False
        self.started = time.perf_counter()
        self._background: tuple[threading.Thread, list[Exception]] | None = None
        self.attempt("start a run", self._open)

    def _open(self) -> None:
        tags = {FLAVOR_TAG: self.flavor, CLASS_TAG: self.estimator_class}
        active = fluent.active_run()
        if active is not None and active not in _logged_into:
            _logged_into.add(active)
            active.set_tags(tags)
            self.run = active
            return
        parent_id = experiment = None
        if active is not None:
            active.flush()  # a deferred parent (a tuning trial) must exist before its child
            parent_id, experiment = active.id, active.experiment
        self.run = fluent.create_run(
            self.estimator_class, experiment=experiment, tags=tags, parent_id=parent_id, defer=True
        )
        self.owned = True

    def attempt(self, what: str, action: Callable[[], Any]) -> Any:
        """``action()``, or None and an AutologWarning if it raised."""
        try:
            return action()
        except Exception as error:
            warn(what, error)
            return None

    @contextlib.contextmanager
    def training(self) -> Iterator[None]:
        """Make a run autolog created the thread's active run while the model trains."""
        self.started = time.perf_counter()
        if self.run is None or not self.owned:
            yield
            return
        with fluent.using_run(self.run):
            yield

    @property
    def duration(self) -> float:
        return time.perf_counter() - self.started

    # -- writes ----------------------------------------------------------------------------
    def params(self, values: Mapping[str, Any]) -> None:
        run = self.run
        if run is not None and values:
            self.attempt("log params", lambda: run.log_params(values))

    def metrics(self, values: Mapping[str, float]) -> None:
        run = self.run
        if run is not None and values:
            self.attempt("log metrics", lambda: run.log_metrics(values))

    def dataset_meanwhile(self, features: Any, target: Any = None) -> None:
        """Log the training dataset on another thread while the model trains.

        Training in native code (LightGBM, most of scikit-learn) leaves the interpreter
        free, so describing the data costs the fit little wall time. :meth:`finish` waits.
        """
        run = self.run
        if run is None or not config.log_datasets:
            return
        errors: list[Exception] = []

        def describe() -> None:
            try:
                _log_dataset(run, features, target)
            except Exception as error:  # warned from the fitting thread by finish()
                errors.append(error)

        worker = threading.Thread(target=describe, name="workbench-autolog-dataset", daemon=True)
        worker.start()
        self._background = (worker, errors)

    def _wait(self) -> None:
        if self._background is not None:
            worker, errors = self._background
            self._background = None
            worker.join()
            for error in errors:
                warn("log the training dataset", error)

    def model(self, model: Any, features: Any) -> None:
        run = self.run
        if run is None or not config.log_models:
            return
        example = input_example(features)
        self.attempt("log the model", lambda: run.log_model(model, input_example=example))

    def finish(self, error: BaseException | None = None) -> None:
        """End a run autolog created: FINISHED, or FAILED (KILLED on Ctrl-C) after ``error``."""
        self._wait()
        run = self.run
        if run is None or not self.owned:
            return
        if error is None:
            self.attempt("end the run", lambda: run.end("FINISHED"))
            return
        status = "KILLED" if isinstance(error, KeyboardInterrupt) else "FAILED"
        message = "".join(traceback.format_exception_only(type(error), error)).strip()

        def end_failed() -> None:
            run.set_tag("workbench.error", message[:5000])
            run.end(status)

        self.attempt("mark the run failed", end_failed)


# -- values --------------------------------------------------------------------------------
def trimmed(text: str, limit: int = MAX_PARAM_LENGTH) -> str:
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)] + ELLIPSIS


def param_text(value: Any) -> str:
    """A param value as text: estimators by their repr, callables by name, all trimmed."""
    if isinstance(value, str):
        return trimmed(value)
    if callable(value) and not hasattr(value, "get_params"):
        name = getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
        if name:
            return trimmed(f"{getattr(value, '__module__', '')}.{name}".lstrip("."))
    return trimmed(repr(value) if hasattr(value, "get_params") else str(value))


def flat_params(values: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Params as text; a dict value becomes ``key.subkey`` params (keys trimmed to the limit)."""
    flat: dict[str, str] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value and all(isinstance(k, str) for k in value):
            flat.update(flat_params(value, prefix=f"{name}."))
        else:
            flat[trimmed(name, MAX_KEY_LENGTH)] = param_text(value)
    return flat


def _is_sparse(data: Any) -> bool:
    return hasattr(data, "tocsr") or type(data).__module__.startswith("scipy.sparse")


def input_example(features: Any) -> Any:
    """The first rows of the training features (None when they cannot be sliced cheaply)."""
    import numpy as np
    import pandas as pd

    if features is None or _is_sparse(features):
        return None
    if isinstance(features, pd.DataFrame):
        return features.iloc[:EXAMPLE_ROWS]
    if isinstance(features, np.ndarray):
        return features[:EXAMPLE_ROWS] if features.ndim == 2 else None
    if isinstance(features, list):
        example = np.asarray(features[:EXAMPLE_ROWS])
        return example if example.ndim == 2 else None
    return None


def _target_column(target: Any, rows: int, taken: set[str]) -> tuple[str, Any] | None:
    """(name, 1-D values) of ``target`` when it is one column of ``rows`` values."""
    import numpy as np
    import pandas as pd

    if target is None or _is_sparse(target):
        return None
    if isinstance(target, pd.DataFrame):
        if target.shape[1] != 1:
            return None
        target = target.iloc[:, 0]
    name = str(target.name) if isinstance(target, pd.Series) and target.name is not None else "y"
    values = target.to_numpy() if isinstance(target, pd.Series) else np.asarray(target)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1 or len(values) != rows:
        return None
    while name in taken:
        name = f"{name}_target"
    return name, values


def training_frame(features: Any, target: Any = None) -> Any:
    """The training data as one DataFrame, the target attached as a last column when it is
    a single column of the same length (array columns are named ``x0, x1, ...`` as in
    ``run.log_dataset``). None for data that cannot be described cheaply (sparse)."""
    import numpy as np
    import pandas as pd

    if features is None or _is_sparse(features):
        return None
    if isinstance(features, pd.DataFrame):
        frame = features
    else:
        array = np.asarray(features)
        if array.ndim == 1:
            array = array.reshape(-1, 1)
        if array.ndim != 2:
            return None
        frame = pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])], copy=False)
    column = _target_column(target, len(frame), {str(c) for c in frame.columns})
    if column is None:
        return frame
    return frame.assign(**{column[0]: column[1]})


def _log_dataset(run: ActiveRun, features: Any, target: Any) -> None:
    frame = training_frame(features, target)
    if frame is not None:
        run.log_dataset(frame, name="train", role="train")
