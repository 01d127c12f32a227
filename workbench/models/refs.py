"""Model references: ``name`` (latest version), ``name/3`` (a version), ``name@champion``.

>>> parse_ref("churn@champion")
ModelRef(name='churn', version=None, alias='champion')
>>> parse_ref("churn/3").version
3
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,249}$")


def check_name(value: str, what: str = "model name") -> str:
    """``value`` if it is a valid model name or alias, else a ValueError saying why.

    >>> check_name("churn-model")
    'churn-model'
    """
    if not isinstance(value, str) or not _NAME.match(value):
        raise ValueError(
            f"Invalid {what} {value!r}: use 1-250 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit (e.g. 'churn-model', 'champion')."
        )
    return value


@dataclass(frozen=True)
class ModelRef:
    """A parsed reference: ``version`` and ``alias`` are both None for the latest version."""

    name: str
    version: int | None = None
    alias: str | None = None

    def __str__(self) -> str:
        if self.alias is not None:
            return f"{self.name}@{self.alias}"
        if self.version is not None:
            return f"{self.name}/{self.version}"
        return self.name


def parse_ref(ref: str) -> ModelRef:
    """Read ``name``, ``name/<version>`` or ``name@<alias>``.

    >>> parse_ref("churn")
    ModelRef(name='churn', version=None, alias=None)
    """
    if not isinstance(ref, str):
        raise TypeError(f"A model reference is a string like 'churn@champion', got {ref!r}.")
    if "@" in ref:
        name, alias = ref.split("@", 1)
        return ModelRef(check_name(name), alias=check_name(alias, "alias"))
    if "/" in ref:
        name, version = ref.split("/", 1)
        if not version.isdigit() or int(version) < 1:
            raise ValueError(
                f"Invalid model reference {ref!r}: the version after '/' is a positive "
                "integer (e.g. 'churn/3'); use 'churn@champion' for an alias."
            )
        return ModelRef(check_name(name), version=int(version))
    return ModelRef(check_name(ref))
