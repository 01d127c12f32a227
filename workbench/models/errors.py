"""Errors and warnings raised when saving, loading or looking up models.

>>> from workbench.models.errors import UntrustedModelError
>>> issubclass(UntrustedModelError, ValueError)
True
"""

from __future__ import annotations

from workbench.store.errors import NoEarlierVersionError

__all__ = [
    "ModelNotFoundError",
    "ModelVersionWarning",
    "NoEarlierVersionError",
    "NotAModelError",
    "UnsafeFormatWarning",
    "UnsupportedModelError",
    "UntrustedModelError",
]


class UnsupportedModelError(TypeError):
    """The model has no safe format; save it with ``format="pickle"`` if you must."""


class UntrustedModelError(ValueError):
    """Loading the file would need trust the caller has not given.

    ``untrusted_types`` names the types found in a skops file that are not trusted
    (empty for a pickle file, which is untrusted as a whole).
    """

    def __init__(self, message: str, untrusted_types: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.untrusted_types = untrusted_types


class UnsafeFormatWarning(UserWarning):
    """A model is saved or loaded with pickle, which can run arbitrary code on load."""


class ModelVersionWarning(UserWarning):
    """A model is loaded with library versions other than the ones that saved it."""


class ModelNotFoundError(LookupError):
    """No registered model, version or alias matches; the message lists the known ones."""


class NotAModelError(ValueError):
    """An artifact is not a model packed by ``run.log_model``."""
