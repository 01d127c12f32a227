"""The exported pipeline packages of a project: each folder of ``pipelines/`` holding a
``manifest.json`` (at its top, or in ``src/<pkg>/`` as the exporter writes it).

>>> from workbench.pipelines.catalog import list_packages
>>> [(p.name, p.version) for p in list_packages()]  # doctest: +SKIP
[('churn', '1.1.0')]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

PIPELINES_DIR = "pipelines"
MANIFEST = "manifest.json"
SHORT_HASH = 12


def pipelines_folder() -> Path:
    """The project's ``pipelines/`` folder (it may not exist yet)."""
    from workbench.store.location import project_home

    return project_home() / PIPELINES_DIR


@dataclass(frozen=True)
class PipelinePackage:
    """What a package's ``manifest.json`` says about it; missing keys stay empty."""

    name: str
    version: str
    fingerprint: str
    exported_at: str
    folder: str
    note: str = ""
    verdict: str = ""  # of the last verification (see manifest_verdict)


def manifest_verdict(manifest: dict[str, Any]) -> str:
    """The reproduction verdict an export recorded in its manifest."""
    verification = manifest.get("verification")
    if isinstance(verification, dict) and verification.get("verdict"):
        return str(verification["verdict"])
    return "not verified" if not manifest.get("golden") else "golden values recorded"


def _manifest_path(package: Path) -> Path | None:
    """``<package>/manifest.json``, else the one inside ``src/<pkg>/`` (the package layout)."""
    direct = package / MANIFEST
    if direct.is_file():
        return direct
    nested = sorted(package.glob(f"src/*/{MANIFEST}"))
    return nested[0] if nested else None


def read_package(package: Path, root: Path) -> PipelinePackage | None:
    """The package in folder ``package`` (``None`` when it holds no manifest)."""
    manifest = _manifest_path(package)
    if manifest is None:
        return None
    folder = f"{PIPELINES_DIR}/{package.relative_to(root).as_posix()}"
    try:
        data: Any = json.loads(manifest.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as error:
        return PipelinePackage(package.name, "", "", "", folder, f"unreadable {MANIFEST}: {error}")

    def text(*keys: str) -> str:
        return next((str(data[k]) for k in keys if data.get(k) not in (None, "")), "")

    version = text("version", "package_version")
    return PipelinePackage(
        name=text("name", "package_name") or package.name,
        version=version,
        fingerprint=text("fingerprint", "content_fingerprint")[:SHORT_HASH],
        exported_at=text("exported_at") or _export_time(package, version, manifest),
        folder=folder,
        verdict=manifest_verdict(data),
    )


def _export_time(package: Path, version: str, manifest: Path) -> str:
    """When the package's current version was written, as ISO text with its UTC offset.

    An export keeps manifests reproducible (the same notebook gives the same bytes), so they
    hold no date: the version's record ``.versions/<version>.json`` is written by the export
    that made the version (and by its verification, seconds later); without one, the
    manifest's own modification time."""
    from workbench.pipelines.package.versioning import VERSIONS_DIR

    record = package / VERSIONS_DIR / f"{version}.json"
    for path in (record, manifest) if version else (manifest,):
        try:
            return datetime.fromtimestamp(path.stat().st_mtime).astimezone().isoformat()
        except OSError:
            continue
    return ""


def _package_folders(root: Path) -> list[Path]:
    """The folders under ``root``, without the hidden ones an export stages a package in."""
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def list_packages(root: Path | None = None) -> list[PipelinePackage]:
    """Every subfolder of ``pipelines/`` holding a manifest, by name."""
    root = root or pipelines_folder()
    if not root.is_dir():
        return []
    found = (read_package(p, root) for p in _package_folders(root))
    return [package for package in found if package is not None]


def read_manifest(name: str) -> dict[str, Any]:
    """The current manifest of package folder ``name`` (a LookupError names the known ones)."""
    root = pipelines_folder()
    folder = root / name
    manifest = _manifest_path(folder) if folder.is_dir() else None
    if manifest is None:
        known = ", ".join(p.name for p in list_packages(root)) or "none yet"
        raise LookupError(f"No exported pipeline named {name!r}; known pipelines: {known}.")
    data = json.loads(manifest.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{manifest} is not a JSON object.")
    return data


def package_signature(root: Path | None = None) -> tuple[tuple[str, int], ...]:
    """A cheap value that changes when a package is exported, re-exported or removed: each
    manifest's path and modification time."""
    root = root or pipelines_folder()
    if not root.is_dir():
        return ()
    found = []
    for package in _package_folders(root):
        manifest = _manifest_path(package)
        if manifest is not None:
            found.append((str(manifest.relative_to(root)), manifest.stat().st_mtime_ns))
    return tuple(found)
