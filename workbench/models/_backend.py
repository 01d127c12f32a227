"""The stores the registry works on, its records, and lookups shared by its verbs."""

from __future__ import annotations

from workbench._project import get_store
from workbench.models.errors import ModelNotFoundError
from workbench.store.registry_store import AliasChange, ModelVersionRecord, RegistryStore
from workbench.store.tracking_store import TrackingStore

__all__ = [
    "AliasChange",
    "ModelVersionRecord",
    "require_alias",
    "require_model",
    "require_version",
    "stores",
]


def stores() -> tuple[TrackingStore, RegistryStore]:
    """The project's tracking store and the registry store on its engine."""
    tracking = get_store()
    return tracking, RegistryStore(tracking.engine)


def _known(items: list[str], what: str) -> str:
    if not items:
        return f"there are no {what}"
    shown = ", ".join(items[:20]) + (", ..." if len(items) > 20 else "")
    return f"known {what}: {shown}"


def require_model(registry: RegistryStore, name: str) -> None:
    names = registry.model_names()
    if name not in names:
        raise ModelNotFoundError(
            f"No registered model {name!r}; {_known(names, 'models')}. Register one with "
            "run.log_model(model, name=...) or wb.models.register(run_id, name)."
        )


def require_version(registry: RegistryStore, name: str, version: int) -> ModelVersionRecord:
    require_model(registry, name)
    found = registry.get_version(name, version)
    if found is None:
        numbers = [str(v.version) for v in registry.versions(name)]
        raise ModelNotFoundError(
            f"Model {name!r} has no version {version}; {_known(numbers, 'versions')}."
        )
    return found


def require_alias(registry: RegistryStore, name: str, alias: str) -> ModelVersionRecord:
    require_model(registry, name)
    aliases = registry.aliases(name)
    if alias not in aliases:
        held = [f"{a} (version {v})" for a, v in sorted(aliases.items())]
        raise ModelNotFoundError(
            f"Model {name!r} has no alias {alias!r}; {_known(held, 'aliases')}. Set it with "
            f"wb.models.promote({name!r}, version=..., alias={alias!r})."
        )
    return require_version(registry, name, aliases[alias])
