"""Aliases (``champion``, ``challenger``, any name): promote, roll back, and their audit trail."""

from __future__ import annotations

from workbench._project import user
from workbench.models._backend import require_alias, require_model, require_version, stores
from workbench.models.errors import NoEarlierVersionError
from workbench.models.refs import check_name
from workbench.store.registry_store import ModelVersionRecord


def promote(name: str, version: int, alias: str = "champion") -> ModelVersionRecord:
    """Point ``alias`` of model ``name`` at ``version``; the move is kept in the history.

    Promoting the version that already holds the alias changes nothing.

    Example:
        >>> import workbench as wb
        >>> wb.models.promote("churn-model", version=3).aliases  # doctest: +SKIP
        ('champion',)
    """
    check_name(alias, "alias")
    _, registry = stores()
    require_version(registry, name, int(version))
    registry.promote(name, alias, int(version), user())
    return require_version(registry, name, int(version))


def rollback(name: str, alias: str = "champion") -> ModelVersionRecord:
    """Move ``alias`` back to the version that held it before; returns that version.

    Rollbacks walk back through the promotions in the alias history: after promoting
    1, 2 and 3, two rollbacks lead to 2 and then 1.

    Raises:
        ModelNotFoundError: no such model, or the alias is not set.
        NoEarlierVersionError: the alias never held another version.

    Example:
        >>> import workbench as wb
        >>> wb.models.rollback("churn-model").version  # doctest: +SKIP
        2
    """
    check_name(alias, "alias")
    _, registry = stores()
    require_model(registry, name)
    current = require_alias(registry, name, alias)
    try:
        _, target = registry.rollback(name, alias, user())
    except NoEarlierVersionError:
        raise NoEarlierVersionError(
            f"Cannot roll back alias {alias!r} of model {name!r}: it holds version "
            f"{current.version} and held no earlier version (see "
            f"wb.models.alias_history({name!r}))."
        ) from None
    return require_version(registry, name, target)
