"""What the browser tests of the dashboard (tests/ui) and of JupyterLab (tests/jupyter) share:
Chromium's flags and path, a free loopback port, stopping a server, the screenshot folder.
(tests/ is on the import path through its conftest.py.)"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
ROOT = Path(__file__).resolve().parents[1]


def skip_or_fail(reason: str) -> None:
    """Skip on a developer machine, fail in CI (``CI`` set), where everything must be there."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def chromium_path() -> str:
    """Debian's Chromium (Playwright never downloads a browser here)."""
    found = os.environ.get("WORKBENCH_CHROMIUM") or shutil.which("chromium")
    if not found:
        skip_or_fail("chromium not installed (apt-get install chromium); browser tests need it")
    return str(found)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def artifacts_dir(kind: str) -> Path:
    """Where screenshots go: ``$WORKBENCH_TEST_ARTIFACTS/<kind>`` (default under build/)."""
    folder = Path(os.environ.get("WORKBENCH_TEST_ARTIFACTS", ROOT / "build" / "test-artifacts"))
    folder = folder / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder
