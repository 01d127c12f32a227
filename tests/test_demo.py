"""`make demo`: the seeded project and the served dashboard."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import workbench as wb
from workbench.demo import DEMO_EXPERIMENT, seed_demo


def test_seed_demo_tracks_runs_once(sqlite_project):
    count = seed_demo(sqlite_project / "demo")
    frame = wb.runs(experiment=DEMO_EXPERIMENT)
    assert count == len(frame) == 4 + 1 + 15  # 4 models, a study run and its 15 trials
    assert set(frame["status"]) == {"FINISHED"}
    assert frame["metrics.auc"].min() > 0.9
    boosted = frame[frame["name"] == "gradient boosting"]["run_id"].iloc[0]
    assert len(wb.metric_history(boosted, "val/auc")) == 150
    assert seed_demo(sqlite_project / "demo") == count  # seeding again adds nothing
    assert len(wb.drift.history(dataset="breast-cancer")) == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_demo_command_serves_the_dashboard_on_loopback(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("WORKBENCH_HOME", "WORKBENCH_DB_URL")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench", "demo", "--home", str(tmp_path / "demo"),
         "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline, body = time.monotonic() + 180, ""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    body = response.read().decode()
                break
            except OSError:
                time.sleep(1)
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        assert "workbench" in body
    finally:
        proc.terminate()
        proc.wait(timeout=30)
