"""Pickle, for models with no safe format: written only on request, read only with trust.

>>> import tempfile
>>> d = Path(tempfile.mkdtemp())
>>> files = save_pickle({"weights": [1, 2]}, d, flavor="python")
>>> load_pickle(d, files, trust=True)["weights"]
[1, 2]
"""

from __future__ import annotations

import pickle
import platform
import sys
import warnings
from pathlib import Path
from typing import Any

from workbench.models.errors import UnsafeFormatWarning, UntrustedModelError
from workbench.models.manifest import ModelFiles

MODEL_FILE = "model.pkl"


def _versions(model: Any) -> dict[str, str]:
    versions = {"python": platform.python_version()}
    # The model's own library decides whether the pickle can be read back at all.
    root = type(model).__module__.split(".")[0]
    version = getattr(sys.modules.get(root), "__version__", None)
    if root not in ("builtins", "__main__") and isinstance(version, str):
        versions["scikit-learn" if root == "sklearn" else root] = version
    return versions


def save_pickle(model: Any, directory: Path, flavor: str) -> ModelFiles:
    """Pickle ``model`` to ``directory/model.pkl``, warning that loading it needs trust."""
    warnings.warn(
        f"Saving {type(model).__name__} with pickle: loading it can run arbitrary code, "
        "so load_model will require trust=True.",
        UnsafeFormatWarning,
        stacklevel=3,
    )
    with (Path(directory) / MODEL_FILE).open("wb") as handle:
        pickle.dump(model, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return ModelFiles(
        format="pickle",
        flavor=flavor,
        path=MODEL_FILE,
        model_class=f"{type(model).__module__}.{type(model).__qualname__}",
        files=(MODEL_FILE,),
        versions=_versions(model),
    )


def load_pickle(directory: Path, files: ModelFiles, *, trust: bool = False) -> Any:
    """Unpickle ``files.path``; refuse unless ``trust=True``, and warn even then."""
    path = Path(directory) / files.path
    if not trust:
        raise UntrustedModelError(
            f"Refusing to load {path.name}: it is a pickle file ({files.model_class}), and "
            "unpickling can run arbitrary code. Pass trust=True only if you trust its origin."
        )
    warnings.warn(
        f"Loading {path.name} with pickle (trust=True): this runs code from the file.",
        UnsafeFormatWarning,
        stacklevel=3,
    )
    with path.open("rb") as handle:
        return pickle.load(handle)
