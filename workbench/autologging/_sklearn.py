"""Autolog for scikit-learn: which methods are patched, and what a logged fit records.

As in MLflow, every estimator class of scikit-learn is covered except the data
preparation ones (``preprocessing``, ``impute``, ``feature_extraction``,
``feature_selection``, ``ColumnTransformer``), which are logged only as part of a
Pipeline. Instead of importing all of scikit-learn to list its estimators, each module is
patched as it loads: a class that defines ``fit`` (or ``fit_transform`` / ``fit_predict``)
itself gets that method wrapped, so subclasses that inherit it are covered too.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

from workbench.autologging import _patching

if TYPE_CHECKING:  # the tracking API loads with the first logged fit, not with sklearn
    from workbench.autologging._logging import FitRecorder

FLAVOR = "sklearn"
FIT_METHODS = ("fit", "fit_transform", "fit_predict")
EXCLUDED_MODULES = (
    "sklearn.preprocessing",
    "sklearn.impute",
    "sklearn.feature_extraction",
    "sklearn.feature_selection",
    "sklearn.compose._column_transformer",
    "sklearn.utils",
    "sklearn.tests",
    "sklearn.externals",
    "sklearn.frozen",  # FrozenEstimator.fit does nothing
)
SILHOUETTE_SAMPLE = 2_000

_excluded_types: dict[type, bool] = {}


def _excluded_module(name: str) -> bool:
    return name.startswith(EXCLUDED_MODULES) or ".tests" in name


def _excluded(cls: type) -> bool:
    """Whether instances of ``cls`` are fitted without a run (data preparation steps)."""
    known = _excluded_types.get(cls)
    if known is None:
        known = _excluded_types[cls] = _excluded_module(cls.__module__)
    return known


def patch_module(module: ModuleType) -> None:
    """Wrap the fit methods of the estimator classes defined in ``module``."""
    estimator = getattr(sys.modules.get("sklearn.base"), "BaseEstimator", None)
    if estimator is None or _excluded_module(module.__name__):
        return  # no estimator class can exist before sklearn.base defines BaseEstimator
    for cls in list(vars(module).values()):
        defined_here = isinstance(cls, type) and cls.__module__ == module.__name__
        if defined_here and issubclass(cls, estimator):
            _patch_class(cls)


def _patch_class(cls: type) -> None:
    for name in FIT_METHODS:
        raw: Any = cls.__dict__.get(name)
        if inspect.isfunction(raw):
            owner, attribute, function = cls, name, raw
        elif hasattr(raw, "check") and inspect.isfunction(getattr(raw, "fn", None)):
            # ``@available_if`` methods (Pipeline.fit_transform): wrap the function inside.
            owner, attribute, function = raw, "fn", raw.fn
        else:
            continue
        if not _patching.is_wrapper(function):
            _patching.patch(owner, attribute, _fit_wrapper(function), FLAVOR)


def _fit_wrapper(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _patching.inside_fit() or _excluded(type(self)):
            return original(self, *args, **kwargs)
        with _patching.outermost_fit():
            return _logged_fit(original, self, args, kwargs)

    return _patching.mark_wrapper(fit)


def _fit_data(original: Callable[..., Any], estimator: Any, args: Any, kwargs: Any) -> Any:
    """(X, y, sample_weight) as passed to ``fit`` (None for what was not passed)."""
    signature = inspect.signature(original)
    try:
        bound = signature.bind(estimator, *args, **kwargs).arguments
    except TypeError:  # fit will say what is wrong with the call
        return None, None, None
    extra: dict[str, Any] = {}
    for parameter in signature.parameters.values():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            extra = bound.pop(parameter.name, {})
    names = [name for name in bound if name != "self"]
    features = bound.get("X", bound[names[0]] if names else None)
    target = bound.get("y", bound.get("Y"))
    if target is None and len(names) > 1 and names[1] != "sample_weight":
        target = bound[names[1]]
    return features, target, bound.get("sample_weight", extra.get("sample_weight"))


def _logged_fit(original: Callable[..., Any], estimator: Any, args: Any, kwargs: Any) -> Any:
    from workbench.autologging._logging import FitRecorder

    recorder = FitRecorder(FLAVOR, type(estimator).__name__)
    features, target, weight = recorder.attempt(
        "read the training data", lambda: _fit_data(original, estimator, args, kwargs)
    ) or (None, None, None)
    recorder.dataset_meanwhile(features, target)
    with recorder.training():
        try:
            result = original(estimator, *args, **kwargs)
        except BaseException as error:
            recorder.finish(error)
            raise
    record_fit(recorder, estimator, features, target, weight, recorder.duration)
    recorder.finish()
    return result


def record_fit(
    recorder: FitRecorder,
    estimator: Any,
    features: Any,
    target: Any,
    weight: Any,
    duration: float,
) -> None:
    """Log the params, training metrics, dataset and model of a fitted estimator."""
    from workbench.autologging import _search

    recorder.params(recorder.attempt("read params", lambda: _params(estimator)) or {})
    metrics = {"fit_duration_s": duration}
    model = estimator
    if _search.is_search(estimator):
        searched = recorder.attempt("read the search results", lambda: _search.summary(estimator))
        if searched is not None:
            recorder.params(searched.params)
            metrics.update(searched.metrics)
        model = getattr(estimator, "best_estimator_", None)
    scores = recorder.attempt(
        "compute training metrics", lambda: training_metrics(estimator, features, target, weight)
    )
    metrics.update(scores or {})
    recorder.metrics(metrics)
    if model is not None:
        recorder.model(model, features)
    if _search.is_search(estimator) and recorder.run is not None:
        run = recorder.run
        recorder.attempt(
            "log the search candidates", lambda: _search.log_candidates(run, estimator)
        )


def _params(estimator: Any) -> dict[str, str]:
    from workbench.autologging._logging import flat_params

    return flat_params(estimator.get_params(deep=False))


def _quietly(function: Callable[[], Any]) -> Any:
    """A metric that is not defined for this data (one class, ...) is left out."""
    try:
        return function()
    except (ValueError, TypeError, AttributeError, IndexError):
        return None


def training_metrics(estimator: Any, features: Any, target: Any, weight: Any) -> dict[str, float]:
    """Scores on the training data: one prediction pass, the metrics computed from it."""
    import sklearn.base
    from sklearn import metrics as sk

    if features is None:
        return {}
    if sklearn.base.is_classifier(estimator) and target is not None:
        return _classifier_metrics(estimator, features, target, weight)
    if sklearn.base.is_regressor(estimator) and target is not None:
        predicted = estimator.predict(features)
        r2 = sk.r2_score(target, predicted, sample_weight=weight)
        return {
            "training_score": _own_score(
                estimator, sklearn.base.RegressorMixin, r2, features, target, weight
            ),
            "training_r2": r2,
            "training_rmse": sk.root_mean_squared_error(target, predicted, sample_weight=weight),
            "training_mae": sk.mean_absolute_error(target, predicted, sample_weight=weight),
        }
    if sklearn.base.is_clusterer(estimator):
        return _clusterer_metrics(estimator, features)
    return {}


def _own_score(
    estimator: Any, mixin: type, computed: float, features: Any, target: Any, weight: Any
) -> float:
    """``estimator.score``: the metric already computed unless the class overrides it."""
    if getattr(type(estimator), "score", None) is getattr(mixin, "score", None):
        return computed
    kwargs = {"sample_weight": weight} if weight is not None else {}
    return float(estimator.score(features, target, **kwargs))


def _classifier_metrics(
    estimator: Any, features: Any, target: Any, weight: Any
) -> dict[str, float]:
    import numpy as np
    import sklearn.base
    from sklearn import metrics as sk

    predicted = estimator.predict(features)
    if np.ndim(predicted) != 1:
        return {}  # multi-output: no single accuracy
    accuracy = sk.accuracy_score(target, predicted, sample_weight=weight)
    metrics: dict[str, float] = {
        "training_score": _own_score(
            estimator, sklearn.base.ClassifierMixin, accuracy, features, target, weight
        ),
        "training_accuracy": accuracy,
    }
    averaged = {"average": "weighted", "zero_division": 0, "sample_weight": weight}
    for name, metric in (
        ("training_precision", sk.precision_score),
        ("training_recall", sk.recall_score),
        ("training_f1", sk.f1_score),
    ):
        value = _quietly(functools.partial(metric, target, predicted, **averaged))
        if value is not None:
            metrics[name] = value
    if hasattr(estimator, "predict_proba"):
        metrics.update(_probability_metrics(estimator, features, target, weight))
    return {key: float(value) for key, value in metrics.items()}


def _probability_metrics(
    estimator: Any, features: Any, target: Any, weight: Any
) -> dict[str, float]:
    """Log loss and ROC AUC (one-vs-rest when multiclass) from ``predict_proba``."""
    import numpy as np
    from sklearn import metrics as sk

    proba = _quietly(lambda: estimator.predict_proba(features))
    labels = getattr(estimator, "classes_", None)
    if proba is None or labels is None or np.ndim(proba) != 2:
        return {}
    binary = proba.shape[1] == 2
    values = {
        "training_log_loss": _quietly(
            lambda: sk.log_loss(target, proba, sample_weight=weight, labels=labels)
        ),
        "training_roc_auc": _quietly(
            lambda: (
                sk.roc_auc_score(target, proba[:, 1], sample_weight=weight)
                if binary
                else sk.roc_auc_score(
                    target, proba, sample_weight=weight, multi_class="ovr", labels=labels
                )
            )
        ),
    }
    return {key: float(value) for key, value in values.items() if value is not None}


def _clusterer_metrics(estimator: Any, features: Any) -> dict[str, float]:
    """Inertia when the model has it; silhouette on a sample (cheap at any size)."""
    import numpy as np
    from sklearn.metrics import silhouette_score

    metrics: dict[str, float] = {}
    inertia = getattr(estimator, "inertia_", None)
    if inertia is not None:
        metrics["training_inertia"] = float(inertia)
    labels = getattr(estimator, "labels_", None)
    if labels is not None:
        rows = len(labels)
        count = len(np.unique(labels))
        if 2 <= count < rows:
            sample = min(rows, SILHOUETTE_SAMPLE)
            value = _quietly(
                lambda: silhouette_score(features, labels, sample_size=sample, random_state=0)
            )
            if value is not None:
                metrics["training_silhouette"] = float(value)
    return metrics
