"""The model registry: named models, numbered versions, aliases with an audit trail.

Users reach it as ``wb.models`` (see :mod:`workbench.models.registry`):

>>> import workbench as wb
>>> with wb.start_run() as run:  # doctest: +SKIP
...     run.log_model(model, name="churn-model", input_example=X_train.head())
>>> wb.models.promote("churn-model", version=1)  # doctest: +SKIP
>>> wb.models.load("churn-model@champion").predict(X_test)  # doctest: +SKIP
"""

from workbench.registry.aliases import promote, rollback
from workbench.registry.errors import ModelNotFoundError, NoEarlierVersionError, NotAModelError
from workbench.registry.listing import alias_history, list_models, versions
from workbench.registry.loading import load, resolve
from workbench.registry.refs import ModelRef, parse_ref
from workbench.registry.register import log_model, register
from workbench.store.registry_store import AliasChange, ModelVersionRecord

__all__ = [
    "AliasChange",
    "ModelNotFoundError",
    "ModelRef",
    "ModelVersionRecord",
    "NoEarlierVersionError",
    "NotAModelError",
    "alias_history",
    "list_models",
    "load",
    "log_model",
    "parse_ref",
    "promote",
    "register",
    "resolve",
    "rollback",
    "versions",
]
