"""Helpers of the dashboard's browser tests (imported by conftest.py and the tests)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
ROOT = Path(__file__).resolve().parents[2]


def chromium_path() -> str:
    found = os.environ.get("WORKBENCH_CHROMIUM") or shutil.which("chromium")
    if not found:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: CI must install Debian's `chromium` (see .ci/run).")
        pytest.skip("chromium not installed (apt-get install chromium); the UI tests need it")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("WORKBENCH_DB_URL",)}
    env["WORKBENCH_HOME"] = str(home)
    return env


def wait_for_http(url: str, proc: subprocess.Popen[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            raise AssertionError(f"the server stopped (exit {proc.returncode}):\n{out}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def start_ui(home: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench", "ui", "--port", str(port), *extra],
        cwd=home, env=clean_env(home), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    return proc, f"http://127.0.0.1:{port}"


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def artifacts_dir() -> Path:
    folder = Path(os.environ.get("WORKBENCH_TEST_ARTIFACTS", ROOT / "build" / "test-artifacts"))
    folder = folder / "ui"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Page:
    """A Chromium tab that records console errors and failed requests."""

    def __init__(self, tab: Any, base: str) -> None:
        self.tab, self.base = tab, base
        self.errors: list[str] = []
        tab.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: self.errors.append(str(e)))
        tab.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))

    def open(self, path: str, ready: str = ".wb-nav", timeout: float = 30_000) -> Any:
        self.tab.goto(self.base + path)
        self.tab.locator(ready).first.wait_for(state="visible", timeout=timeout)
        return self.tab

    def screenshot(self, name: str) -> Path:
        target = artifacts_dir() / f"{name}.png"
        self.tab.screenshot(path=str(target), full_page=True)
        return target
