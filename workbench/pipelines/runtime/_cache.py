"""The step cache of an exported pipeline: one folder per step and cache key.

``<root>/<step>/<key>/`` holds the step's saved outputs and ``entry.json`` (written last, by
renaming a finished folder into place, so an entry that exists is complete). The key is
the sha256 of the step's code, the code of the shared functions it calls and of the shared
constants they read, the values of the parameters it reads and the fingerprints of its
inputs (see :func:`cache_key`).

With ``WORKBENCH_ARTIFACTS_URL`` set, finished entries are also published to the team's
object storage and an entry missing here is fetched from there (see
:mod:`workbench.pipelines.runtime._shared_cache`).
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.pipelines.runtime._shared_cache import SharedStepCache
from workbench.pipelines.runtime._values import SavedValue, save_value
from workbench.pipelines.runtime.inputs import file_sha256

CACHE_FORMAT = 1
ENTRY_FILE = "entry.json"
FILES_DIR = "files"  # the files a step wrote, kept in its entry


def code_digest(source: str) -> str:
    """sha256 of Python code as ``ast.unparse`` prints it: comments and layout do not count."""
    with contextlib.suppress(SyntaxError):  # hashed as written; running it will say why
        source = ast.unparse(ast.parse(source))
    return hashlib.sha256(source.encode()).hexdigest()


def cache_key(
    *,
    code: str,
    shared: Mapping[str, str],
    parameters: Mapping[str, Any],
    inputs: Mapping[str, str],
) -> str:
    """The cache key of one step run.

    Args:
        code: the source of the step's module (its imports and its function).
        shared: name → source of every shared function or class the step uses and of the
            module-level assignments (shared constants) they read.
        parameters: name → value of every parameter the step reads.
        inputs: name → content fingerprint of every input.
    """
    payload = {
        "format": CACHE_FORMAT,
        "code": code_digest(code),
        "shared": {name: code_digest(text) for name, text in shared.items()},
        "parameters": parameters,
        "inputs": dict(inputs),
    }
    text = json.dumps(payload, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class CacheEntry:
    """A finished step run: its saved outputs and what the pipeline recorded about it
    (``extra``: ``duration``, ``datasets``, ``model_version``)."""

    step: str
    key: str
    directory: Path
    outputs: dict[str, SavedValue]
    extra: dict[str, Any] = field(default_factory=dict)


class StepCache:
    """The cache folders of one pipeline, under ``root``; ``shared`` is the team's cache in
    object storage (by default the project's, when ``WORKBENCH_ARTIFACTS_URL`` is set)."""

    def __init__(self, root: Path, shared: SharedStepCache | None = None) -> None:
        self.root = Path(root)
        self.shared = shared if shared is not None else SharedStepCache.of_project()

    def lookup(self, step: str, key: str) -> CacheEntry | None:
        """The entry for ``step`` and ``key``, or None when it was never stored (here, or
        in the shared cache, from which it is then fetched)."""
        directory = self.root / step / key
        if self.shared is not None and not (directory / ENTRY_FILE).is_file():
            directory.parent.mkdir(parents=True, exist_ok=True)
            self.shared.materialize(step, key, directory)
        try:
            data = json.loads((directory / ENTRY_FILE).read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        outputs = {name: SavedValue.from_dict(v) for name, v in data["outputs"].items()}
        return CacheEntry(step, key, directory, outputs, data.get("extra", {}))

    def store(
        self,
        step: str,
        key: str,
        values: Mapping[str, Any],
        extra: Mapping[str, Any],
        files: Mapping[str, Path] | None = None,
    ) -> CacheEntry:
        """Save a step's outputs under ``key``, replacing an older entry with that key;
        ``files`` (path in the notebook → the file the step wrote) are kept in the entry's
        ``files/`` and described in its ``extra["files"]`` (sha256 and bytes)."""
        target = self.root / step / key
        staging = self.root / step / f".staging-{uuid.uuid4().hex}"
        staging.mkdir(parents=True)
        try:
            outputs = {
                name: save_value(value, staging, name=name, step=step)
                for name, value in values.items()
            }
            extra = dict(extra)
            if files:
                extra["files"] = {}
                for path, file in files.items():
                    kept = staging / FILES_DIR / path
                    kept.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(file, kept)
                    described = {"sha256": file_sha256(kept), "bytes": kept.stat().st_size}
                    extra["files"][path] = described
            entry = CacheEntry(step, key, target, outputs, extra)
            _write_entry(staging, entry)
            if target.exists():
                # --no-cache recomputed it: the fresh values replace the old ones.
                shutil.rmtree(target)
            os.replace(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self._publish(entry)
        return entry

    def restore_file(self, entry: CacheEntry, path: str, target: Path) -> None:
        """Copy the file ``path`` kept in ``entry`` to ``target``."""
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(entry.directory / FILES_DIR / path, target)

    def annotate(self, entry: CacheEntry, **extra: Any) -> CacheEntry:
        """Add to what an entry records (e.g. the model version registered from it)."""
        updated = CacheEntry(
            entry.step, entry.key, entry.directory, entry.outputs, {**entry.extra, **extra}
        )
        _write_entry(entry.directory, updated)
        self._publish(updated)
        return updated

    def keys(self, step: str) -> list[str]:
        """The keys stored for ``step``, oldest first."""
        folder = self.root / step
        if not folder.is_dir():
            return []
        found = [p for p in folder.iterdir() if (p / ENTRY_FILE).is_file()]
        return [p.name for p in sorted(found, key=lambda p: (p / ENTRY_FILE).stat().st_mtime)]

    def _publish(self, entry: CacheEntry) -> None:
        if self.shared is not None:
            self.shared.publish(entry.step, entry.key, entry.directory)


def _write_entry(directory: Path, entry: CacheEntry) -> None:
    payload = {
        "step": entry.step,
        "key": entry.key,
        "written": time.time(),
        "outputs": {name: saved.to_dict() for name, saved in entry.outputs.items()},
        "extra": entry.extra,
    }
    partial = directory / f".{ENTRY_FILE}.{uuid.uuid4().hex}"
    partial.write_text(json.dumps(payload, indent=1, sort_keys=True, default=str))
    os.replace(partial, directory / ENTRY_FILE)
