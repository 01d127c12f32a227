"""The registry verbs as ``wb.models.*``: register, promote, rollback, load, list, versions.

They live in :mod:`workbench.registry`; this module gives them their public names.

>>> import workbench as wb
>>> wb.models.load("churn-model@champion")  # doctest: +SKIP
"""

from workbench.registry import (
    AliasChange,
    ModelNotFoundError,
    ModelVersionRecord,
    NoEarlierVersionError,
    NotAModelError,
    alias_history,
    load,
    promote,
    register,
    resolve,
    rollback,
    versions,
)
from workbench.registry import list_models as list  # wb.models.list()

__all__ = [
    "AliasChange",
    "ModelNotFoundError",
    "ModelVersionRecord",
    "NoEarlierVersionError",
    "NotAModelError",
    "alias_history",
    "list",
    "load",
    "promote",
    "register",
    "resolve",
    "rollback",
    "versions",
]
