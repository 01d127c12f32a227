"""Errors raised by the model registry.

>>> issubclass(ModelNotFoundError, LookupError)
True
"""

from __future__ import annotations

from workbench.store.registry_store import NoEarlierVersionError

__all__ = ["ModelNotFoundError", "NoEarlierVersionError", "NotAModelError"]


class ModelNotFoundError(LookupError):
    """No registered model, version or alias matches; the message lists the known ones."""


class NotAModelError(ValueError):
    """An artifact is not a model packed by ``run.log_model``."""
