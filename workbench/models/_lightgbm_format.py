"""LightGBM models in LightGBM's own text format, with the sklearn wrapper state in JSON.

A ``Booster`` is its text file. An ``LGBMClassifier``/``LGBMRegressor``/``LGBMRanker`` is
the booster text plus a small JSON state (parameters, objective, feature counts and, for
classifiers, the class labels and their dtype) from which the wrapper is rebuilt, so
``predict`` and ``predict_proba`` give the same results without pickle.

>>> import tempfile, lightgbm as lgb, numpy as np
>>> X, y = np.random.default_rng(0).normal(size=(60, 3)), np.arange(60) % 2
>>> model = lgb.LGBMClassifier(n_estimators=3, verbose=-1).fit(X, y)
>>> d = Path(tempfile.mkdtemp())
>>> files = save_lightgbm(model, d)
>>> bool((load_lightgbm(d, files).predict(X) == model.predict(X)).all())
True
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench.models.errors import UnsupportedModelError
from workbench.models.manifest import ModelFiles

MODEL_FILE = "model.txt"
WRAPPER_CLASSES = ("LGBMClassifier", "LGBMRegressor", "LGBMRanker")


def is_booster(model: Any) -> bool:
    """Whether ``model`` is a ``lightgbm.Booster`` (without importing LightGBM)."""
    import sys

    lgb = sys.modules.get("lightgbm")
    return lgb is not None and isinstance(model, lgb.Booster)


def is_wrapper(model: Any) -> bool:
    """Whether ``model`` is exactly one of the sklearn-API wrappers this format rebuilds."""
    # Subclasses may carry state we do not know how to rebuild: they go to skops or pickle.
    cls = type(model)
    return cls.__module__.startswith("lightgbm") and cls.__name__ in WRAPPER_CLASSES


def _versions(*libraries: str) -> dict[str, str]:
    import importlib
    import platform

    versions = {"python": platform.python_version()}
    for name in libraries:
        module = importlib.import_module(name)
        versions["scikit-learn" if name == "sklearn" else name] = str(module.__version__)
    return versions


def _json_value(value: Any) -> Any:
    def numpy_item(obj: Any) -> Any:
        if hasattr(obj, "item") and hasattr(obj, "dtype"):
            return obj.item()
        raise TypeError(f"{type(obj).__name__} is not JSON serialisable")

    return json.loads(json.dumps(value, default=numpy_item))


def _as_lists(value: Any) -> Any:
    # JSON has no tuples: a tuple parameter comes back as a list, which LightGBM accepts.
    if isinstance(value, tuple | list):
        return [_as_lists(item) for item in value]
    if isinstance(value, dict):
        return {key: _as_lists(item) for key, item in value.items()}
    return value


def _wrapper_params(model: Any) -> tuple[dict[str, Any], list[list[Any]] | None]:
    """``get_params()`` as JSON, with a ``class_weight`` dict kept as (label, weight) pairs."""
    params = dict(model.get_params(deep=False))
    class_weight = params.get("class_weight")
    weight_items = None
    if isinstance(class_weight, dict):
        # JSON object keys are strings; pairs keep integer class labels intact.
        weight_items = _json_value([[k, v] for k, v in class_weight.items()])
        params["class_weight"] = None
    stored: dict[str, Any] = {}
    for name, value in params.items():
        try:
            decoded = _json_value(value)
        except (TypeError, ValueError):
            decoded = None
        if decoded != _as_lists(value) or (value is not None and decoded is None):
            raise UnsupportedModelError(
                f"Cannot save {type(model).__name__} in LightGBM's text format: parameter "
                f"{name}={value!r} cannot be stored as JSON (a custom objective or a "
                "RandomState, for example). Pass format='pickle' to save it anyway."
            )
        stored[name] = decoded
    return stored, weight_items


def _class_state(model: Any) -> dict[str, Any]:
    import numpy as np

    classes = np.asarray(model.classes_)
    try:
        values = _json_value(classes.tolist())
    except (TypeError, ValueError) as error:
        raise UnsupportedModelError(
            f"Cannot save the class labels {classes!r} as JSON; pass format='pickle'."
        ) from error
    restored = np.asarray(values, dtype=classes.dtype)
    if restored.shape != classes.shape or not (restored == classes).all():
        raise UnsupportedModelError(
            f"The class labels {classes!r} do not survive JSON; pass format='pickle'."
        )
    return {"classes": values, "classes_dtype": classes.dtype.str}


def save_lightgbm(model: Any, directory: Path) -> ModelFiles:
    """Write a Booster or a fitted sklearn-API wrapper to ``directory/model.txt``."""
    directory = Path(directory)
    if is_booster(model):
        booster, flavor, wrapper = model, "lightgbm.booster", None
        versions = _versions("lightgbm", "numpy")
    elif is_wrapper(model):
        if not model.__sklearn_is_fitted__():
            raise ValueError(f"Cannot save an unfitted {type(model).__name__}: call fit() first.")
        booster, flavor = model.booster_, "lightgbm.sklearn"
        params, weight_items = _wrapper_params(model)
        wrapper = {
            "estimator": type(model).__name__,
            "params": params,
            "class_weight_items": weight_items,
            "objective": model.objective_,
            "n_features_in": int(model.n_features_in_),
            "fitted_with_feature_names": bool(model._fitted_with_feature_names),
            "best_score": _json_value(model.best_score_),
            "evals_result": _json_value(model.evals_result_),
        }
        if callable(wrapper["objective"]):
            raise UnsupportedModelError(
                f"Cannot save {type(model).__name__} with a custom objective function in "
                "LightGBM's text format; pass format='pickle'."
            )
        if type(model).__name__ == "LGBMClassifier":
            wrapper.update(_class_state(model))
        if hasattr(model, "_eval_at"):
            wrapper["eval_at"] = _json_value(model._eval_at)
        versions = _versions("lightgbm", "sklearn", "numpy")
    else:
        raise UnsupportedModelError(
            "format='lightgbm' needs a lightgbm.Booster or a fitted "
            f"{'/'.join(WRAPPER_CLASSES)}, got {type(model).__name__}."
        )
    # num_iteration=-1 keeps every tree; best_iteration is restored from the manifest.
    booster.save_model(str(directory / MODEL_FILE), num_iteration=-1)
    return ModelFiles(
        format="lightgbm",
        flavor=flavor,
        path=MODEL_FILE,
        model_class=f"{type(model).__module__}.{type(model).__qualname__}",
        files=(MODEL_FILE,),
        versions=versions,
        wrapper=wrapper,
        best_iteration=int(booster.best_iteration),
    )


def _rebuild_wrapper(booster: Any, state: Mapping[str, Any]) -> Any:
    import lightgbm as lgb
    import numpy as np
    from sklearn.preprocessing import LabelEncoder

    name = state["estimator"]
    if name not in WRAPPER_CLASSES:  # never import a class named by a file
        raise ValueError(f"Unknown LightGBM wrapper {name!r}; expected one of {WRAPPER_CLASSES}.")
    model = getattr(lgb, name)(**state["params"])
    if state.get("class_weight_items") is not None:
        model.class_weight = {label: weight for label, weight in state["class_weight_items"]}
    # The attributes LGBMModel.fit sets (lightgbm 4.x); predict reads them.
    model._Booster = booster
    model._objective = state["objective"]
    model._n_features = booster.num_feature()
    model._n_features_in = state["n_features_in"]
    model._fitted_with_feature_names = state["fitted_with_feature_names"]
    model._best_iteration = booster.best_iteration
    model._best_score = state["best_score"]
    model._evals_result = state["evals_result"]
    if "classes" in state:
        classes = np.asarray(state["classes"], dtype=np.dtype(state["classes_dtype"]))
        encoder = LabelEncoder()
        encoder.classes_ = classes
        model._le = encoder
        model._classes = classes
        model._n_classes = len(classes)
        model._class_map = {label: index for index, label in enumerate(classes.tolist())}
    if "eval_at" in state:
        model._eval_at = state["eval_at"]
    model.fitted_ = True
    return model


def load_lightgbm(directory: Path, files: ModelFiles) -> Any:
    """Read a model written by :func:`save_lightgbm`: a Booster or the rebuilt wrapper."""
    import lightgbm as lgb

    booster = lgb.Booster(model_file=str(Path(directory) / files.path))
    if files.best_iteration is not None:
        booster.best_iteration = files.best_iteration
    if files.flavor == "lightgbm.booster":
        return booster
    if files.flavor == "lightgbm.sklearn" and files.wrapper is not None:
        return _rebuild_wrapper(booster, files.wrapper)
    raise ValueError(
        f"Cannot load LightGBM flavor {files.flavor!r}; expected 'lightgbm.booster', or "
        "'lightgbm.sklearn' with its wrapper state."
    )
