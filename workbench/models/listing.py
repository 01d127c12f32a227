"""Registered models, their versions and alias history as pandas DataFrames."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.models._backend import require_model, stores
from workbench.models.refs import check_name

if TYPE_CHECKING:
    import pandas as pd

_MODEL_COLUMNS = ["name", "latest_version", "aliases", "created_at", "description"]
_VERSION_COLUMNS = [
    "name", "version", "aliases", "created_at", "user", "run_id", "format", "flavor",
    "sha256", "size", "dataset_fingerprint",
]  # fmt: skip
_HISTORY_COLUMNS = ["timestamp", "alias", "action", "version", "previous_version", "user"]


def list_models() -> pd.DataFrame:
    """One row per registered model: latest version, aliases (alias → version), created.

    Example:
        >>> import workbench as wb
        >>> wb.models.list_models().columns.tolist()  # doctest: +SKIP
        ['name', 'latest_version', 'aliases', 'created_at', 'description']
    """
    import pandas as pd

    _, registry = stores()
    rows = [
        {
            "name": m.name,
            "latest_version": m.latest_version,
            "aliases": m.aliases,
            "created_at": pd.Timestamp(m.created_at, unit="s"),
            "description": m.description,
        }
        for m in registry.list_models()
    ]
    return pd.DataFrame(rows, columns=_MODEL_COLUMNS)


def versions(name: str) -> pd.DataFrame:
    """One row per version of ``name``, oldest first, with ``metrics.<key>`` columns
    holding the run's metrics at registration.

    Example:
        >>> import workbench as wb
        >>> wb.models.versions("churn-model")["version"].tolist()  # doctest: +SKIP
        [1, 2, 3]
    """
    import pandas as pd

    _, registry = stores()
    require_model(registry, check_name(name))
    rows = []
    for v in registry.versions(name):
        row = {column: getattr(v, column) for column in _VERSION_COLUMNS}
        row["aliases"] = list(v.aliases)
        row["created_at"] = pd.Timestamp(v.created_at, unit="s")
        row.update({f"metrics.{key}": value for key, value in sorted(v.metrics.items())})
        rows.append(row)
    frame = pd.DataFrame(rows)
    return frame if rows else pd.DataFrame(columns=_VERSION_COLUMNS)


def alias_history(name: str, alias: str | None = None) -> pd.DataFrame:
    """Every alias move of ``name`` (or of one ``alias``), oldest first: when, which
    alias, promote or rollback, the version before and after, and who (the OS user).

    Example:
        >>> import workbench as wb
        >>> wb.models.alias_history("churn-model")["action"].tolist()  # doctest: +SKIP
        ['promote', 'promote', 'rollback']
    """
    import pandas as pd

    _, registry = stores()
    require_model(registry, check_name(name))
    rows = [
        {
            "timestamp": pd.Timestamp(change.timestamp, unit="s"),
            "alias": change.alias,
            "action": change.action,
            "version": change.version,
            "previous_version": change.previous_version,
            "user": change.user,
        }
        for change in registry.alias_history(name, alias)
    ]
    return pd.DataFrame(rows, columns=_HISTORY_COLUMNS).astype({"previous_version": "Int64"})
