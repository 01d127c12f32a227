"""What a run captures about where it ran: source, git commit, user, Python environment."""

from __future__ import annotations

import functools
import getpass
import hashlib
import json
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path

from workbench.store.records import EnvironmentRecord

_GIT_CACHE_SECONDS = 2.0
_git_cache: dict[str, tuple[float, tuple[str | None, bool | None]]] = {}


@functools.cache
def environment_snapshot() -> EnvironmentRecord:
    """Python version, platform and installed distributions, hashed (computed once)."""
    from importlib import metadata

    packages: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            packages[name.lower()] = dist.version
    python_version = sys.version.split()[0]
    plat = platform.platform()
    content = json.dumps([python_version, plat, sorted(packages.items())])
    digest = hashlib.sha256(content.encode()).hexdigest()
    return EnvironmentRecord(digest, python_version, plat, dict(sorted(packages.items())))


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
def user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return os.environ.get("USER", "")


@functools.cache
def host() -> str:
    return socket.gethostname()
