"""Resolve a model reference to a registered version, and load it with its sha256 checked."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workbench.models._backend import require_alias, require_model, require_version, stores
from workbench.models.formats import load_model
from workbench.models.manifest import ModelFiles
from workbench.models.packing import unpack
from workbench.models.refs import parse_ref
from workbench.store.registry_store import ModelVersionRecord


def resolve(ref: str) -> ModelVersionRecord:
    """The version ``ref`` names: ``name`` (latest), ``name/3`` or ``name@champion``.

    Example:
        >>> import workbench as wb
        >>> wb.models.resolve("churn-model@champion").version  # doctest: +SKIP
        3
    """
    parsed = parse_ref(ref)
    _, registry = stores()
    if parsed.alias is not None:
        return require_alias(registry, parsed.name, parsed.alias)
    if parsed.version is not None:
        return require_version(registry, parsed.name, parsed.version)
    require_model(registry, parsed.name)
    latest = registry.latest_version(parsed.name)
    assert latest is not None  # a model is created with its first version
    return latest


def load(
    ref: str | ModelVersionRecord,
    *,
    trust: bool = False,
    trusted_types: Sequence[str] | None = None,
) -> Any:
    """Load a registered model after checking its blob still matches the recorded sha256.

    Args:
        ref: ``"name"`` (latest version), ``"name/3"``, ``"name@champion"``, or a version
            record from :func:`resolve`.
        trust: load formats that can run code (pickle); see ``workbench.models.load_model``.
        trusted_types: extra skops types to trust, as named by the error that refused them.

    Raises:
        ModelNotFoundError: the name, version or alias is unknown (the known ones are listed).
        ArtifactIntegrityError: the stored blob was changed since it was logged.

    Example:
        >>> import workbench as wb
        >>> model = wb.models.load("churn-model@champion")  # doctest: +SKIP
    """
    version = resolve(ref) if isinstance(ref, str) else ref
    tracking, _ = stores()
    packed = tracking.blobs.read_bytes(version.sha256)  # raises if the bytes were changed
    files = ModelFiles.from_dict(version.files)
    with tempfile.TemporaryDirectory(prefix="workbench-load-") as tmp:
        directory = unpack(packed, Path(tmp), files)
        return load_model(directory, files, trust=trust, trusted_types=trusted_types)
