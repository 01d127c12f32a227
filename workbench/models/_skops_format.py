"""scikit-learn estimators and Pipelines in the skops format, with trusted types checked.

skops rebuilds objects from a schema instead of running pickle's bytecode, and only
constructs types it trusts. Types outside its default list (``sklearn.tree._tree.Tree``
in forests, for instance) are refused until the caller names them in ``trusted_types``.

>>> import tempfile
>>> from sklearn.linear_model import LogisticRegression
>>> model = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
>>> d = Path(tempfile.mkdtemp())
>>> files = save_skops(model, d)
>>> load_skops(d, files).predict([[1.0]]).tolist()
[1]
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workbench.models.errors import UnsupportedModelError, UntrustedModelError
from workbench.models.manifest import ModelFiles

MODEL_FILE = "model.skops"


def _versions() -> dict[str, str]:
    import platform

    import numpy
    import sklearn
    import skops

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "skops": skops.__version__,
        "numpy": numpy.__version__,
    }


def save_skops(model: Any, directory: Path, flavor: str = "sklearn") -> ModelFiles:
    """Dump ``model`` to ``directory/model.skops`` and note the types it will need trusted."""
    import skops.io as sio

    path = Path(directory) / MODEL_FILE
    try:
        sio.dump(model, path)
    except Exception as error:  # skops raises several types for objects it cannot describe
        path.unlink(missing_ok=True)
        raise UnsupportedModelError(
            f"skops cannot save {type(model).__name__}: {error}. "
            "Pass format='pickle' to save it anyway (loading will then need trust=True)."
        ) from error
    return ModelFiles(
        format="skops",
        flavor=flavor,
        path=MODEL_FILE,
        model_class=f"{type(model).__module__}.{type(model).__qualname__}",
        files=(MODEL_FILE,),
        versions=_versions(),
        untrusted_types=tuple(sio.get_untrusted_types(file=path)),
    )


def _refusal(path: Path, refused: Sequence[str]) -> str:
    try:
        from skops.io.exceptions import UNTRUSTED_TYPE_REASONS as reasons
    except ImportError:  # older skops: no per-type explanations
        reasons = {}
    names = ", ".join(repr(name) for name in refused)
    why = "".join(f"\n  - {name}: {reasons[name]}" for name in refused if name in reasons)
    return (
        f"Refusing to load {path.name}: it contains types that are not trusted: {names}.{why}\n"
        f"Review them; if you trust the file's origin, pass trusted_types=[{names}] "
        "to load_model (or trust=True to trust the whole file)."
    )


def load_skops(
    directory: Path,
    files: ModelFiles,
    *,
    trust: bool = False,
    trusted_types: Sequence[str] | None = None,
) -> Any:
    """Load ``files.path`` if every type in it is trusted by skops or by the caller.

    The untrusted types are read from the file itself, never from the manifest, so an
    edited manifest cannot widen what gets constructed; the bytes are read once so the
    file checked is the file loaded.
    """
    import skops.io as sio

    path = Path(directory) / files.path
    data = path.read_bytes()
    untrusted = sio.get_untrusted_types(data=data)
    allowed = set(trusted_types or ())
    refused = [name for name in untrusted if name not in allowed]
    if refused and not trust:
        raise UntrustedModelError(_refusal(path, refused), untrusted_types=tuple(refused))
    if refused:
        warnings.warn(
            f"Loading {path.name} with trust=True, which trusts the types "
            f"{', '.join(refused)}; name them in trusted_types to trust only those.",
            UserWarning,
            stacklevel=3,
        )
    return sio.loads(data, trusted=untrusted)
