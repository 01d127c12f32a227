"""``workbench serve`` as a real process: it follows the alias without failing a request."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import workbench as wb
import workbench.serving


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(*args: str) -> list[str]:
    return [sys.executable, "-m", "workbench", "serve", *args]


@pytest.fixture
def server(flip, sqlite_project: Path) -> Iterator[tuple[subprocess.Popen[str], httpx.Client]]:
    """``workbench serve flip@champion --log-inputs`` on a free port, and a client for it."""
    port = _free_port()
    process = subprocess.Popen(
        _serve("flip@champion", "--port", str(port), "--log-inputs"),
        env=dict(os.environ),  # WORKBENCH_HOME is the test's project
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()
            try:
                if client.get("/health").status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not start within 60 s"
                time.sleep(0.1)
        yield process, client
    finally:
        client.close()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)


class RequestLoop:
    """Sends the same prediction request in a loop from a thread, counting the answers."""

    def __init__(self, client: httpx.Client, rows: list[dict]) -> None:
        self.client, self.rows = client, rows
        self.answers: Counter[tuple[int, tuple]] = Counter()  # (version, predictions)
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                response = self.client.post("/predict", json=self.rows)
            except httpx.HTTPError as error:
                self.failures.append(repr(error))
                continue
            if response.status_code != 200:
                self.failures.append(f"{response.status_code}: {response.text}")
                continue
            body = response.json()
            self.answers[(body["model"]["version"], tuple(body["predictions"]))] += 1

    def wait_for_version(self, version: int, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(v == version for v, _ in self.answers) and time.monotonic() < deadline:
            time.sleep(0.05)

    def __enter__(self) -> RequestLoop:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def test_the_server_follows_promote_and_rollback_without_failing_a_request(flip, server):
    process, client = server
    rows = flip.rows(10)
    v1 = tuple(flip.v1.predict(flip.frame.head(10)).tolist())
    v2 = tuple(flip.v2.predict(flip.frame.head(10)).tolist())
    assert v1 != v2
    assert client.post("/predict", json=rows).json()["predictions"] == list(v1)

    with RequestLoop(client, rows) as loop:
        wb.models.promote("flip", version=2)
        loop.wait_for_version(2)
        assert client.get("/model").json()["version"] == 2
        wb.models.rollback("flip")
        deadline = time.monotonic() + 15
        while client.get("/model").json()["version"] != 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.get("/model").json()["version"] == 1
    assert loop.failures == []
    assert set(loop.answers) <= {(1, v1), (2, v2)}  # every answer came from one whole version
    assert loop.answers[(1, v1)] > 0 and loop.answers[(2, v2)] > 0
    assert client.post("/predict", json=rows).json() == {
        "predictions": list(v1),
        "model": {"name": "flip", "version": 1},
    }

    process.send_signal(signal.SIGTERM)  # a graceful stop writes the buffered inputs
    out, _ = process.communicate(timeout=30)
    assert process.returncode in (0, -signal.SIGTERM)  # uvicorn re-raises it once stopped
    assert "Serving flip version 1 (follows flip@champion) at http://127.0.0.1:" in out
    logged = wb.serving.logged_inputs("flip")
    assert len(logged) == sum(loop.answers.values()) * 10 + 2 * 10
    assert set(logged["_model_version"]) == {1, 2}


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("nope@champion", "No registered model 'nope'; known models: flip"),
        ("flip@staging", "no alias 'staging'; known aliases: champion (version 1)"),
    ],
)
def test_a_bad_reference_exits_with_code_2_and_a_clear_error(flip, ref, message):
    done = subprocess.run(_serve(ref, "--port", "1"), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert message in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr
