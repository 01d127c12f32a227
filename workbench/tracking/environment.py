"""What a run captures about where it ran: source, git commit, user, Python environment."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

from workbench._project import user as user  # who ran it is the project's user
from workbench.store.records import EnvironmentRecord

_GIT_CACHE_SECONDS = 2.0
_git_cache: dict[str, tuple[float, tuple[str | None, bool | None]]] = {}


@functools.cache
def environment_snapshot() -> EnvironmentRecord:
    """Python version, platform and installed distributions, hashed (computed once)."""
    packages = installed_distributions()
    python_version = sys.version.split()[0]
    plat = platform.platform()
    content = json.dumps([python_version, plat, sorted(packages.items())])
    digest = hashlib.sha256(content.encode()).hexdigest()
    return EnvironmentRecord(digest, python_version, plat, dict(sorted(packages.items())))


def installed_distributions() -> dict[str, str]:
    """Normalised name → version of every distribution importable from ``sys.path``.

    Read from the ``<name>-<version>.dist-info`` folder names (the wheel spec fixes that
    form), not by parsing every METADATA file as ``importlib.metadata`` does: ten times
    faster, which matters because every process that starts a run pays it. A folder whose
    name does not parse (old ``.egg-info``) has its METADATA/PKG-INFO headers read.
    The first distribution on ``sys.path`` wins, as for imports.
    """
    packages: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in names:
            if not folder.endswith((".dist-info", ".egg-info")):
                continue
            found = _name_and_version(os.path.join(entry or ".", folder), folder)
            if found is not None:
                packages.setdefault(*found)
    return packages


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _name_and_version(path: str, folder: str) -> tuple[str, str] | None:
    stem = folder.rsplit(".", 1)[0]
    if folder.endswith(".dist-info") and stem.count("-") == 1:
        name, version = stem.split("-")
        return _normalise(name), version
    headers: dict[str, str] = {}
    for filename in ("METADATA", "PKG-INFO"):
        try:
            with open(os.path.join(path, filename), encoding="utf-8", errors="replace") as file:
                for line in file:
                    if not line.strip():
                        break  # the headers end at the first blank line
                    key, sep, value = line.partition(":")
                    if sep and key in ("Name", "Version"):
                        headers.setdefault(key, value.strip())
        except OSError:
            continue
        break
    if "Name" not in headers or "Version" not in headers:
        return None
    return _normalise(headers["Name"]), headers["Version"]


def git_state(folder: Path) -> tuple[str | None, bool | None]:
    """(commit, dirty) of the git work tree holding ``folder``; (None, None) outside git.

    Cached for two seconds per folder: creating hundreds of runs must not spawn git each time.
    """
    key = str(folder)
    now = time.monotonic()
    cached = _git_cache.get(key)
    if cached and now - cached[0] < _GIT_CACHE_SECONDS:
        return cached[1]
    state: tuple[str | None, bool | None] = (None, None)
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, timeout=5
        )
        if commit.returncode == 0:
            status = subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=folder,
                capture_output=True,
                text=True,
                timeout=5,
            )
            state = (commit.stdout.strip(), bool(status.stdout.strip()))
    except (OSError, subprocess.SubprocessError):
        pass
    _git_cache[key] = (now, state)
    return state


def source() -> tuple[str, str]:
    """(path, kind) of the code starting the run: a notebook, a script, or interactive."""
    notebook = os.environ.get("JPY_SESSION_NAME")
    if notebook:
        return notebook, "notebook"
    main = sys.modules.get("__main__")
    main_file = getattr(main, "__file__", None)
    if main_file and Path(main_file).is_file():
        return str(Path(main_file).resolve()), "script"
    return "<interactive>", "interactive"


@functools.cache
def host() -> str:
    return socket.gethostname()
