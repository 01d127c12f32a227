"""Semantic versions of an exported pipeline, from what changed since its last export.

Rules, comparing the new manifest with the one in ``pipelines/<name>/``:

- major: a step removed, a step's inputs or outputs changed, a parameter removed or its
  type changed — code calling the package or reading its outputs may break;
- minor: a new step or a new parameter, nothing removed;
- patch: only code (a step's code or imports, the shared code, a parameter's default);
- none: the same fingerprint — the export writes nothing and keeps the version.

The first export is ``1.0.0``. Every manifest written is also kept as
``pipelines/<name>/.versions/<version>.json``, which :func:`list_versions` and :func:`diff`
read.

>>> bump("1.4.2", "minor")
'1.5.0'
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "FIRST_VERSION",
    "VersionChange",
    "bump",
    "compare",
    "diff",
    "latest_record",
    "list_versions",
    "package_problems",
]

FIRST_VERSION = "1.0.0"
VERSIONS_DIR = ".versions"
_LEVELS = ("none", "patch", "minor", "major")


@dataclass(frozen=True)
class VersionChange:
    """What an export changes: ``level`` is ``initial``, ``none``, ``patch``, ``minor`` or
    ``major``, and ``reasons`` say why, one line each."""

    version: str
    previous_version: str | None
    level: str
    reasons: tuple[str, ...]


def bump(version: str, level: str) -> str:
    """The version after a change of ``level`` (``major``, ``minor``, ``patch`` or ``none``)."""
    major, minor, patch = (int(part) for part in version.split("."))
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    if level == "patch":
        return f"{major}.{minor}.{patch + 1}"
    if level == "none":
        return version
    raise ValueError(f"level must be one of {_LEVELS}, got {level!r}")


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[str, list[str]]:
    """(level, reasons) for going from manifest ``old`` to manifest ``new``."""
    if old["fingerprint"] == new["fingerprint"]:
        return "none", []
    reasons: list[tuple[str, str]] = []
    old_steps = {s["name"]: s for s in old["steps"]}
    new_steps = {s["name"]: s for s in new["steps"]}
    for name in sorted(old_steps.keys() - new_steps.keys()):
        reasons.append(("major", f"step {name!r} removed"))
    for name in sorted(new_steps.keys() - old_steps.keys()):
        reasons.append(("minor", f"step {name!r} added"))
    for name in sorted(old_steps.keys() & new_steps.keys()):
        before, after = old_steps[name], new_steps[name]
        for side in ("inputs", "outputs"):
            if before[side] != after[side]:
                reasons.append(
                    ("major", f"step {name!r} {side} changed: {before[side]} → {after[side]}")
                )
        if before["code_sha256"] != after["code_sha256"]:
            reasons.append(("patch", f"step {name!r} code changed"))
    old_params = {p["name"]: p for p in old["parameters"]}
    new_params = {p["name"]: p for p in new["parameters"]}
    for name in sorted(old_params.keys() - new_params.keys()):
        reasons.append(("major", f"parameter {name!r} removed"))
    for name in sorted(new_params.keys() - old_params.keys()):
        reasons.append(("minor", f"parameter {name!r} added"))
    for name in sorted(old_params.keys() & new_params.keys()):
        before, after = old_params[name], new_params[name]
        if before["type"] != after["type"]:
            reasons.append(
                ("major", f"parameter {name!r} type changed: {before['type']} → {after['type']}")
            )
        elif before["value"] != after["value"]:
            reasons.append(
                ("patch", f"parameter {name!r} default changed: {before['value']!r} → "
                 f"{after['value']!r}")
            )  # fmt: skip
    if old.get("seed") != new.get("seed"):
        reasons.append(("patch", f"seed changed: {old.get('seed')} → {new.get('seed')}"))
    if old.get("shared_sha256") != new.get("shared_sha256"):
        reasons.append(("patch", "shared functions changed"))
    if not reasons:
        reasons.append(("patch", "code changed"))  # e.g. a step's role or step order
    level = max((lvl for lvl, _ in reasons), key=_LEVELS.index)
    order = sorted(reasons, key=lambda item: -_LEVELS.index(item[0]))
    return level, [text for _, text in order]


def next_version(previous: Mapping[str, Any] | None, manifest: Mapping[str, Any]) -> VersionChange:
    """The version of ``manifest`` given the previous export's manifest (or None)."""
    if previous is None:
        return VersionChange(FIRST_VERSION, None, "initial", ("first export",))
    level, reasons = compare(previous, manifest)
    old = previous["version"]
    return VersionChange(bump(old, level), old, level, tuple(reasons))


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of the package in ``folder``, or None when there is none."""
    found = sorted((Path(folder) / "src").glob("*/manifest.json"))
    if not found:
        return None
    data: dict[str, Any] = json.loads(found[0].read_text())
    return data


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def latest_record(folder: Path) -> dict[str, Any] | None:
    """The newest readable ``.versions/<version>.json`` of the package in ``folder``."""
    records = [_read_json(p) for p in (Path(folder) / VERSIONS_DIR).glob("*.json")]
    found = [r for r in records if r is not None and isinstance(r.get("version"), str)]
    return max(found, key=lambda r: _version_key(r["version"]), default=None)


def package_problems(folder: Path, manifest: Mapping[str, Any]) -> list[str]:
    """What is missing or broken in the package in ``folder`` that ``manifest`` describes (an
    export killed half-way by an earlier workbench); empty when the package is complete."""
    import ast
    import hashlib

    folder = Path(folder)
    problems = []
    record = _read_json(folder / VERSIONS_DIR / f"{manifest['version']}.json")
    if record is None or record.get("fingerprint") != manifest["fingerprint"]:
        problems.append(f"its version record {VERSIONS_DIR}/{manifest['version']}.json is "
                        "missing or does not match the manifest")  # fmt: skip
    src = f"src/{manifest['package']}"
    modules = ["__init__", "__main__", "cli", "pipeline", "shared", "steps/__init__"]
    modules += [f"steps/{step['name']}" for step in manifest["steps"]]
    for relative in ["pyproject.toml", "README.md", "params.yaml"]:
        if not (folder / relative).is_file():
            problems.append(f"{relative} is missing")
    for relative in (f"{src}/{module}.py" for module in modules):
        try:
            ast.parse((folder / relative).read_bytes())
        except OSError:
            problems.append(f"{relative} is missing")
        except (SyntaxError, ValueError):
            problems.append(f"{relative} is cut short")
    notebook = manifest.get("notebook") or {}
    if notebook.get("copy"):
        copy = folder / notebook["copy"]
        sha256 = hashlib.sha256(copy.read_bytes()).hexdigest() if copy.is_file() else None
        if sha256 != notebook.get("sha256"):
            problems.append(f"{notebook['copy']} is missing or cut short")
    return problems


def save_version(folder: Path, manifest: Mapping[str, Any]) -> Path:
    """Keep ``manifest`` as ``.versions/<version>.json`` in ``folder``."""
    path = Path(folder) / VERSIONS_DIR / f"{manifest['version']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    return path


def _folder(name: str, out: str | Path) -> Path:
    from workbench.store import location

    out = Path(out)
    return (out if out.is_absolute() else location.project_home() / out) / name


def _load_version(name: str, version: str, out: str | Path) -> dict[str, Any]:
    path = _folder(name, out) / VERSIONS_DIR / f"{version}.json"
    if not path.is_file():
        known = [v["version"] for v in list_versions(name, out=out)]
        raise ValueError(f"pipeline {name!r} has no version {version!r}; versions: {known}")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def list_versions(name: str, out: str | Path = "pipelines") -> list[dict[str, Any]]:
    """Every kept version of pipeline ``name``, oldest first: ``version``, ``fingerprint``,
    ``notebook_sha256``, ``level`` and ``reasons`` of its change, ``steps``, ``parameters``.
    """
    folder = _folder(name, out) / VERSIONS_DIR
    rows = []
    for path in folder.glob("*.json"):
        manifest = json.loads(path.read_text())
        change = manifest.get("change") or {}
        rows.append(
            {
                "version": manifest["version"],
                "fingerprint": manifest["fingerprint"],
                "notebook_sha256": manifest["notebook"]["sha256"],
                "level": change.get("level"),
                "reasons": change.get("reasons", []),
                "steps": [s["name"] for s in manifest["steps"]],
                "parameters": {p["name"]: p["value"] for p in manifest["parameters"]},
            }
        )
    return sorted(rows, key=lambda row: _version_key(row["version"]))


def diff(name: str, v1: str, v2: str, out: str | Path = "pipelines") -> dict[str, Any]:
    """What changed from version ``v1`` to ``v2`` of pipeline ``name``: ``level``, ``changes``
    (one line each), and the steps and parameters added and removed."""
    old, new = _load_version(name, v1, out), _load_version(name, v2, out)
    level, changes = compare(old, new)
    old_steps = {s["name"] for s in old["steps"]}
    new_steps = {s["name"] for s in new["steps"]}
    old_params = {p["name"] for p in old["parameters"]}
    new_params = {p["name"] for p in new["parameters"]}
    return {
        "name": name,
        "from": v1,
        "to": v2,
        "level": level,
        "changes": changes,
        "steps_added": sorted(new_steps - old_steps),
        "steps_removed": sorted(old_steps - new_steps),
        "parameters_added": sorted(new_params - old_params),
        "parameters_removed": sorted(old_params - new_params),
    }
