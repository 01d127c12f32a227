"""Models: safe persistence (LightGBM text, skops; pickle only when asked), signatures, and
the registry: named models, numbered versions, aliases with an audit trail.

>>> import workbench as wb
>>> with wb.start_run() as run:  # doctest: +SKIP
...     run.log_model(model, name="churn-model", input_example=X_train.head())
>>> wb.models.promote("churn-model", version=1)  # doctest: +SKIP
>>> wb.models.load("churn-model@champion").predict(X_test)  # doctest: +SKIP
>>> wb.models.load_from_dir("exported/model").predict(X_test)  # doctest: +SKIP

The registry verbs load on first use, so ``import workbench.models`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from workbench._deprecation import RENAMED, renamed_attribute
from workbench.models.errors import (
    ModelNotFoundError,
    NoEarlierVersionError,
    NotAModelError,
    UnsupportedModelError,
    UntrustedModelError,
)
from workbench.models.formats import load_model as load_from_dir
from workbench.models.formats import save_model
from workbench.models.manifest import ModelFiles
from workbench.models.signature import Signature, SignatureError, infer_signature

if TYPE_CHECKING:
    from workbench.models._backend import AliasChange as AliasChange
    from workbench.models._backend import ModelVersionRecord as ModelVersionRecord
    from workbench.models.aliases import promote as promote
    from workbench.models.aliases import rollback as rollback
    from workbench.models.listing import alias_history as alias_history
    from workbench.models.listing import list_models as list_models
    from workbench.models.listing import versions as versions
    from workbench.models.loading import load as load
    from workbench.models.loading import resolve as resolve
    from workbench.models.registration import register as register

# Public name -> "module:attribute" of the registry verbs (they load SQLAlchemy and pandas).
_REGISTRY = {
    "AliasChange": "workbench.models._backend:AliasChange",
    "ModelVersionRecord": "workbench.models._backend:ModelVersionRecord",
    "alias_history": "workbench.models.listing:alias_history",
    "list_models": "workbench.models.listing:list_models",
    "load": "workbench.models.loading:load",
    "promote": "workbench.models.aliases:promote",
    "register": "workbench.models.registration:register",
    "resolve": "workbench.models.loading:resolve",
    "rollback": "workbench.models.aliases:rollback",
    "versions": "workbench.models.listing:versions",
}

__all__ = [
    "ModelFiles",
    "ModelNotFoundError",
    "NoEarlierVersionError",
    "NotAModelError",
    "Signature",
    "SignatureError",
    "UnsupportedModelError",
    "UntrustedModelError",
    "infer_signature",
    "load_from_dir",
    "save_model",
    *_REGISTRY,
]


def __getattr__(name: str) -> Any:
    if name in _REGISTRY:
        module, _, attribute = _REGISTRY[name].partition(":")
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    if f"wb.models.{name}" in RENAMED:
        return renamed_attribute(f"wb.models.{name}")
    raise AttributeError(f"module 'workbench.models' has no attribute {name!r}")
