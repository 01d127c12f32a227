"""Helpers of the dashboard's browser tests (imported by conftest.py and the tests)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from browsertools import artifacts_dir, chromium_path, free_port, stop


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


@contextmanager
def served_ui(home: Path) -> Iterator[str]:
    """``workbench ui`` serving the project in ``home`` until the block ends; its base URL."""
    chromium_path()  # the browser tests that use it need Chromium: say so before serving
    proc, url = start_ui(home)
    try:
        wait_for_http(url + "/", proc)
        yield url
    finally:
        stop(proc)


def write_notebook(path: Path, cells: list[str]) -> None:
    """A notebook of ``cells``: a cell starting with ``#`` is markdown, the others code."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell(c) if c.startswith("#") else nbformat.v4.new_code_cell(c)
        for c in cells
    ]
    nbformat.write(notebook, path)


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
        target = artifacts_dir("ui") / f"{name}.png"
        self.tab.screenshot(path=str(target), full_page=True)
        return target
