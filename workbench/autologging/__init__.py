"""``wb.autolog()``: log scikit-learn and LightGBM training without writing logging code.

Each outermost ``fit`` (``lightgbm.train``) records params, training metrics or the
per-round evaluation history, the training dataset's fingerprint, the model, its fit
duration and the tags ``autolog.flavor`` and ``estimator_class``. Outside a run it gets a
run of its own; inside one (or inside a ``wb.tune`` trial) it logs into that run.

>>> import workbench as wb
>>> wb.autolog()  # doctest: +SKIP
>>> LogisticRegression().fit(X, y)  # doctest: +SKIP  (a run named "LogisticRegression")
>>> wb.autolog(disable=True)  # doctest: +SKIP  (the original methods are back)

Nothing is imported or patched until the libraries are: each module of scikit-learn and
LightGBM is patched as it loads, so ``wb.autolog()`` is cheap at the top of a notebook.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from workbench.autologging import _patching
from workbench.autologging._config import AutologWarning, config

__all__ = ["AutologWarning", "autolog"]


def _patch_sklearn_module(module: ModuleType) -> None:
    from workbench.autologging import _sklearn

    _sklearn.patch_module(module)


def _patch_lightgbm_module(module: ModuleType) -> None:
    from workbench.autologging import _lightgbm

    _lightgbm.patch_module(module)


_FLAVORS: dict[str, Callable[[ModuleType], None]] = {
    "sklearn": _patch_sklearn_module,
    "lightgbm": _patch_lightgbm_module,
}


def autolog(
    sklearn: bool = True,
    lightgbm: bool = True,
    log_models: bool = True,
    log_datasets: bool = True,
    disable: bool = False,
    max_tuning_runs: int | None = 100,
) -> None:
    """Log every outermost ``fit`` of scikit-learn and LightGBM models from now on.

    Args:
        sklearn: patch scikit-learn estimators, Pipelines and GridSearchCV/RandomizedSearchCV
            (except data preparation steps, which are logged as part of a Pipeline).
        lightgbm: patch ``lightgbm.train`` and ``LGBMClassifier/LGBMRegressor/LGBMRanker.fit``.
        log_models: save the fitted model as the run's ``models/model`` artifact, with a
            signature from the first training rows.
        log_datasets: record the training data's fingerprint, schema and profile (the
            target attached as a column when it is one column of the same length).
        disable: put every original method back; nothing is logged afterwards.
        max_tuning_runs: child runs per hyper-parameter search (the best-ranked
            candidates); None logs every candidate.

    A logging failure never fails the fit: it is an :class:`AutologWarning`, and the model
    is trained and returned. Calling ``autolog`` again changes the options without
    patching twice; a flavor turned off is unpatched.

    Example:
        >>> import workbench as wb
        >>> wb.autolog(log_datasets=False)  # doctest: +SKIP
        >>> with wb.start_run(name="baseline"):  # doctest: +SKIP
        ...     model = LGBMClassifier(n_estimators=50).fit(X, y, eval_set=[(X_val, y_val)])
    """
    if max_tuning_runs is not None and max_tuning_runs < 0:
        raise ValueError(f"max_tuning_runs must be None or >= 0, got {max_tuning_runs!r}")
    config.log_models = log_models
    config.log_datasets = log_datasets
    config.max_tuning_runs = max_tuning_runs
    wanted = {"sklearn": sklearn, "lightgbm": lightgbm}
    for flavor, on_load in _FLAVORS.items():
        if wanted[flavor] and not disable:
            _patching.watch_imports(flavor, on_load)
        else:
            _patching.unwatch_imports(flavor)
            _patching.unpatch_flavor(flavor)
