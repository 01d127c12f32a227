"""Save and load models in a safe format chosen by what the model is.

- a ``lightgbm.Booster`` (flavor ``lightgbm.booster``) and an ``LGBMClassifier``,
  ``LGBMRegressor`` or ``LGBMRanker`` (flavor ``lightgbm.sklearn``): LightGBM's text
  format, ``model.txt``, plus the wrapper state in the manifest;
- scikit-learn estimators, Pipelines and searches (flavor ``sklearn``): skops,
  ``model.skops``;
- anything else (flavor ``python``): only with ``format="pickle"``, ``model.pkl``.

Every directory also gets ``manifest.json`` (see :mod:`workbench.models.manifest`).

>>> import tempfile
>>> from sklearn.linear_model import LinearRegression
>>> model = LinearRegression().fit([[0.0], [1.0]], [0.0, 2.0])
>>> directory = Path(tempfile.mkdtemp()) / "model"
>>> save_model(model, directory).format
'skops'
>>> load_model(directory).predict([[2.0]]).round(6).tolist()
[4.0]
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workbench.models.errors import ModelVersionWarning, UnsupportedModelError
from workbench.models.manifest import (
    FORMATS,
    MANIFEST_NAME,
    ModelFiles,
    read_manifest,
    write_manifest,
)

__all__ = ["FORMATS", "MANIFEST_NAME", "ModelFiles", "load_model", "model_flavor", "save_model"]

SAFE_FORMAT = {"lightgbm.booster": "lightgbm", "lightgbm.sklearn": "lightgbm", "sklearn": "skops"}


def model_flavor(model: Any) -> str:
    """What kind of model this is: ``lightgbm.booster``, ``lightgbm.sklearn``, ``sklearn``
    or ``python`` (no safe format).

    Libraries are looked up in ``sys.modules`` rather than imported: a model of a library
    that was never imported cannot exist, and the check stays cheap.

    >>> model_flavor({"weights": [1, 2]})
    'python'
    """
    from workbench.models._lightgbm_format import is_booster, is_wrapper

    if is_booster(model):
        return "lightgbm.booster"
    if is_wrapper(model):
        return "lightgbm.sklearn"
    sklearn_base = sys.modules.get("sklearn.base")
    if sklearn_base is not None and isinstance(model, sklearn_base.BaseEstimator):
        return "sklearn"
    return "python"


def _chosen_format(model: Any, flavor: str, format: str | None) -> str:
    if format is not None and format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS} or None, got {format!r}.")
    if format == "lightgbm" and not flavor.startswith("lightgbm."):
        raise ValueError(
            "format='lightgbm' needs a lightgbm.Booster or an "
            f"LGBMClassifier/LGBMRegressor/LGBMRanker, got {type(model).__name__}."
        )
    if format is not None:
        return format
    if flavor not in SAFE_FORMAT:
        raise UnsupportedModelError(
            f"No safe format for {type(model).__module__}.{type(model).__qualname__}: "
            "workbench saves LightGBM models in LightGBM's text format and scikit-learn "
            "estimators with skops. Pass format='pickle' to save it with pickle "
            "(loading will then need trust=True)."
        )
    return SAFE_FORMAT[flavor]


def save_model(model: Any, directory: Path, *, format: str | None = None) -> ModelFiles:
    """Write ``model`` into ``directory`` (created; must be empty) in a safe format.

    Args:
        model: a LightGBM Booster or sklearn-API wrapper, a scikit-learn estimator or
            Pipeline, or (with ``format="pickle"``) anything picklable.
        directory: where to write; it must not exist yet or be empty.
        format: ``None`` picks the safe format for the model; ``"lightgbm"``, ``"skops"``
            or ``"pickle"`` force one. Pickle warns, and loading it needs ``trust=True``.

    Returns:
        The :class:`ModelFiles` describing what was written (also in ``manifest.json``).

    Raises:
        UnsupportedModelError: the model has no safe format and ``format`` is not
            ``"pickle"`` (or it holds something its format cannot store).
        FileExistsError: ``directory`` is not empty.

    Example:
        >>> import tempfile, lightgbm as lgb, numpy as np
        >>> X, y = np.random.default_rng(0).normal(size=(50, 2)), np.arange(50) % 2
        >>> clf = lgb.LGBMClassifier(n_estimators=2, verbose=-1).fit(X, y)
        >>> files = save_model(clf, Path(tempfile.mkdtemp()))
        >>> files.flavor, files.files
        ('lightgbm.sklearn', ('model.txt',))
    """
    from workbench.models._lightgbm_format import save_lightgbm
    from workbench.models._pickle_format import save_pickle
    from workbench.models._skops_format import save_skops

    flavor = model_flavor(model)
    chosen = _chosen_format(model, flavor, format)
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        # Leftovers from another model would sit next to ours and confuse a reader.
        raise FileExistsError(f"Cannot save a model into {str(directory)!r}: it is not empty.")
    directory.mkdir(parents=True, exist_ok=True)
    if chosen == "lightgbm":
        files = save_lightgbm(model, directory)
    elif chosen == "skops":
        files = save_skops(model, directory, flavor=flavor)
    else:
        files = save_pickle(model, directory, flavor=flavor)
    # The manifest goes last: a directory holding one is complete.
    write_manifest(directory, files)
    return files


def _warn_on_version_change(files: ModelFiles) -> None:
    import importlib

    for name, saved in files.versions.items():
        if name == "python":
            continue
        try:
            module = importlib.import_module("sklearn" if name == "scikit-learn" else name)
        except ImportError:
            continue  # the load itself will say what is missing
        installed = getattr(module, "__version__", saved)
        if installed != saved:
            warnings.warn(
                f"{files.path} was saved with {name} {saved} and is loaded with {installed}; "
                "its predictions may differ.",
                ModelVersionWarning,
                stacklevel=3,
            )


def load_model(
    directory: Path,
    files: ModelFiles | None = None,
    *,
    trust: bool = False,
    trusted_types: Sequence[str] | None = None,
) -> Any:
    """Read back a model written by :func:`save_model`.

    Args:
        directory: the directory ``save_model`` wrote.
        files: its :class:`ModelFiles` (e.g. from a registry row); default: the manifest.
        trust: load files that can run code: pickle, or skops types that are not trusted
            by default. Warns either way. Only for files whose origin you trust.
        trusted_types: skops type names to trust beyond skops' defaults, as listed by the
            error that refused them (e.g. ``["sklearn.tree._tree.Tree"]`` for forests).

    Raises:
        UntrustedModelError: a pickle without ``trust=True``, or a skops file holding
            types that are neither trusted by default nor in ``trusted_types``.
        FileNotFoundError: the directory holds no manifest.

    Example:
        >>> import tempfile
        >>> from sklearn.ensemble import RandomForestClassifier
        >>> forest = RandomForestClassifier(n_estimators=2, random_state=0)
        >>> forest = forest.fit([[0.0], [1.0]], [0, 1])
        >>> d = Path(tempfile.mkdtemp())
        >>> _ = save_model(forest, d)
        >>> model = load_model(d, trusted_types=["sklearn.tree._tree.Tree"])
        >>> model.predict([[1.0]]).tolist()
        [1]
    """
    from workbench.models._lightgbm_format import load_lightgbm
    from workbench.models._pickle_format import load_pickle
    from workbench.models._skops_format import load_skops

    directory = Path(directory)
    files = files if files is not None else read_manifest(directory)
    _warn_on_version_change(files)
    if files.format == "lightgbm":
        return load_lightgbm(directory, files)
    if files.format == "skops":
        return load_skops(directory, files, trust=trust, trusted_types=trusted_types)
    return load_pickle(directory, files, trust=trust)
