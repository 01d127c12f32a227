"""``workbench ui`` started on demand by the Jupyter server, on a free loopback port."""

from __future__ import annotations

import atexit
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

READY_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


class Dashboard:
    """One dashboard process per Jupyter server, stopped when the server exits.

    Example:
        >>> dashboard = Dashboard(Path("."))  # doctest: +SKIP
        >>> dashboard.start()["url"]  # doctest: +SKIP
        'http://127.0.0.1:40123/'
    """

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self._process: subprocess.Popen[bytes] | None = None
        self._url: str | None = None
        self._lock = threading.Lock()
        atexit.register(self.stop)

    def status(self) -> dict[str, Any]:
        running = self._process is not None and self._process.poll() is None
        return {"running": running, "url": self._url if running else None}

    def start(self) -> dict[str, Any]:
        """Start ``workbench ui`` unless it runs; wait until it answers (blocking)."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                port = _free_port()
                self._process = subprocess.Popen(
                    [sys.executable, "-m", "workbench", "ui", "--port", str(port)],
                    cwd=self.cwd,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                self._url = f"http://127.0.0.1:{port}/"
            process, url = self._process, self._url
        assert url is not None
        deadline = time.monotonic() + READY_TIMEOUT
        while not _answers(url):
            if process.poll() is not None:
                raise RuntimeError(f"`workbench ui` stopped at start (exit {process.returncode})")
            if time.monotonic() > deadline:
                raise RuntimeError(f"`workbench ui` did not answer within {READY_TIMEOUT:.0f} s")
            time.sleep(0.2)
        return self.status()

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
