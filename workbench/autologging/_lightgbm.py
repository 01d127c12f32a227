"""Autolog for LightGBM: ``lightgbm.train`` and ``LGBMClassifier/LGBMRegressor/LGBMRanker.fit``.

During training a callback only appends LightGBM's own per-round evaluation list to a
Python list; after training the whole history is logged at once (buffered, written in one
transaction when the run ends), each ``<valid set>/<metric>`` at step = boosting round.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

from workbench.autologging import _patching

if TYPE_CHECKING:  # the tracking API loads with the first logged fit, not with LightGBM
    from workbench.autologging._logging import FitRecorder
    from workbench.tracking.run import ActiveRun

FLAVOR = "lightgbm"
WRAPPERS = ("LGBMClassifier", "LGBMRegressor", "LGBMRanker")


class EvaluationHistory:
    """A LightGBM callback keeping ``(round, time, evaluation list)`` of every round."""

    order = 5  # before early stopping (order 30) raises, so the last round is kept
    before_iteration = False

    def __init__(self) -> None:
        self.rounds: list[tuple[int, float, list[Any]]] = []

    def __call__(self, env: Any) -> None:
        self.rounds.append((env.iteration, time.time(), env.evaluation_result_list))

    def log_to(self, run: ActiveRun) -> int:
        """Log every recorded value as ``<data>/<metric>`` at step = round; returns the count."""
        count = 0
        for iteration, stamp, results in self.rounds:
            for entry in results or ():
                run.log_metric(f"{entry[0]}/{entry[1]}", entry[2], step=iteration, timestamp=stamp)
                count += 1
        return count


def patch_module(module: ModuleType) -> None:
    """Wrap the sklearn-API wrappers' ``fit`` and the package's ``train`` as they load."""
    if module.__name__ == "lightgbm.sklearn":
        for name in WRAPPERS:
            cls = getattr(module, name, None)
            raw = vars(cls).get("fit") if isinstance(cls, type) else None
            if inspect.isfunction(raw) and not _patching.is_wrapper(raw):
                _patching.patch(cls, "fit", _wrap(raw, _fit_wrapper_call), FLAVOR)
    elif module.__name__ == "lightgbm":
        raw = vars(module).get("train")
        if inspect.isfunction(raw) and not _patching.is_wrapper(raw):
            _patching.patch(module, "train", _wrap(raw, _train_call), FLAVOR)


def _wrap(original: Callable[..., Any], logged: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(original)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _patching.inside_fit():
            return original(*args, **kwargs)
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:  # let LightGBM report the bad call
            return original(*args, **kwargs)
        with _patching.outermost_fit():
            return logged(original, bound)

    return _patching.mark_wrapper(wrapper)


def _train(
    recorder: FitRecorder, original: Callable[..., Any], bound: inspect.BoundArguments
) -> tuple[Any, EvaluationHistory]:
    """Call ``original`` with the history callback added to the user's callbacks."""
    history = EvaluationHistory()
    arguments = bound.arguments
    arguments["callbacks"] = [*(arguments.get("callbacks") or []), history]
    with recorder.training():
        try:
            result = original(*bound.args, **bound.kwargs)
        except BaseException as error:
            recorder.finish(error)
            raise
    return result, history


def _record(
    recorder: FitRecorder,
    params: Any,
    history: EvaluationHistory,
    best_iteration: Any,
    duration: float,
) -> None:
    recorder.params(params or {})
    run = recorder.run
    if run is not None:
        recorder.attempt("log the evaluation history", lambda: history.log_to(run))
    metrics = {"fit_duration_s": duration}
    if isinstance(best_iteration, int) and best_iteration > 0:
        metrics["best_iteration"] = best_iteration
    recorder.metrics(metrics)


def _fit_wrapper_call(original: Callable[..., Any], bound: inspect.BoundArguments) -> Any:
    from workbench.autologging._logging import FitRecorder, flat_params

    estimator = bound.arguments["self"]
    features, target = bound.arguments.get("X"), bound.arguments.get("y")
    recorder = FitRecorder(FLAVOR, type(estimator).__name__)
    recorder.dataset_meanwhile(features, target)
    result, history = _train(recorder, original, bound)
    duration = recorder.duration
    params = recorder.attempt("read params", lambda: flat_params(estimator.get_params(deep=False)))
    _record(recorder, params, history, getattr(estimator, "best_iteration_", None), duration)
    recorder.model(estimator, features)
    recorder.finish()
    return result


def _train_call(original: Callable[..., Any], bound: inspect.BoundArguments) -> Any:
    from workbench.autologging._logging import FitRecorder, flat_params

    train_set = bound.arguments.get("train_set")
    # Read before training: LightGBM frees a Dataset's raw data once it is constructed.
    features = getattr(train_set, "data", None)
    target = getattr(train_set, "label", None)
    rounds = bound.arguments.get("num_boost_round", 100)
    recorder = FitRecorder(FLAVOR, "Booster")
    recorder.dataset_meanwhile(features, target)
    booster, history = _train(recorder, original, bound)
    duration = recorder.duration
    params = recorder.attempt(
        "read params",
        lambda: flat_params({**(bound.arguments.get("params") or {}), "num_boost_round": rounds}),
    )
    _record(recorder, params, history, getattr(booster, "best_iteration", None), duration)
    recorder.model(booster, features)
    recorder.finish()
    return booster
