"""Models: safe persistence (LightGBM text, skops; pickle only when asked) and signatures,
and the registry verbs (``wb.models.register``, ``promote``, ``rollback``, ``load``, ...).

The registry verbs load on first use, so ``import workbench.models`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from workbench.models.errors import UnsupportedModelError, UntrustedModelError
from workbench.models.formats import load_model, save_model
from workbench.models.manifest import ModelFiles
from workbench.models.signature import Signature, SignatureError, infer_signature

if TYPE_CHECKING:
    from workbench.models.registry import AliasChange as AliasChange
    from workbench.models.registry import ModelNotFoundError as ModelNotFoundError
    from workbench.models.registry import ModelVersionRecord as ModelVersionRecord
    from workbench.models.registry import NoEarlierVersionError as NoEarlierVersionError
    from workbench.models.registry import NotAModelError as NotAModelError
    from workbench.models.registry import alias_history as alias_history
    from workbench.models.registry import list as list
    from workbench.models.registry import load as load
    from workbench.models.registry import promote as promote
    from workbench.models.registry import register as register
    from workbench.models.registry import resolve as resolve
    from workbench.models.registry import rollback as rollback
    from workbench.models.registry import versions as versions

_REGISTRY = (
    "AliasChange", "ModelNotFoundError", "ModelVersionRecord", "NoEarlierVersionError",
    "NotAModelError", "alias_history", "list", "load", "promote", "register", "resolve",
    "rollback", "versions",
)  # fmt: skip

__all__ = [
    "ModelFiles",
    "Signature",
    "SignatureError",
    "UnsupportedModelError",
    "UntrustedModelError",
    "infer_signature",
    "load_model",
    "save_model",
    *_REGISTRY,
]


def __getattr__(name: str) -> Any:
    if name in _REGISTRY:
        value = getattr(importlib.import_module("workbench.models.registry"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'workbench.models' has no attribute {name!r}")
