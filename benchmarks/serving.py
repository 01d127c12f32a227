"""Serving benchmark: ``POST /predict`` latency of ``workbench serve`` on loopback,
1 row ≤ 5 ms and 1,000 rows ≤ 30 ms (medians), for a 100-tree LightGBM classifier on 20
numeric columns.

    .venv/bin/python benchmarks/serving.py

Registers the model in a fresh temp project, starts the real server (``python -m workbench
serve``, uvicorn) on a free port, and times requests with one keep-alive ``httpx.Client``;
bodies are encoded once, so the figures are the server's (parse, check, predict, answer)
plus the loopback round trip. The in-process ``model.predict`` on the same rows is the
anchor that shows the HTTP overhead. Writes ``benchmarks/serving_results.json``.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "serving_results.json"
N_FEATURES = 20
CASES = (  # name, rows, body format, requests, target ms (median)
    ("1 row", 1, "records", 300, 5.0),
    ("1,000 rows", 1_000, "records", 60, 30.0),
    ("1,000 rows, dataframe_split", 1_000, "split", 60, 30.0),
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000,
    }


def _timed(call: Callable[[], Any], repeats: int, warmups: int) -> list[float]:
    for _ in range(warmups):
        call()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def _body(frame: Any, body_format: str) -> bytes:
    if body_format == "split":
        split = {"columns": list(frame.columns), "data": frame.to_numpy().tolist()}
        return json.dumps({"dataframe_split": split}).encode()
    return json.dumps(frame.to_dict(orient="records")).encode()


def _wait_until_healthy(client: Any, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with code {server.returncode}")
        try:
            if client.get("/health").status_code == 200:
                return
        except Exception:  # not listening yet
            pass
        time.sleep(0.1)
    raise TimeoutError("the server did not become healthy within 120 s")


def main() -> int:
    import httpx
    import lightgbm as lgb
    import numpy as np
    import pandas as pd

    import workbench as wb

    with tempfile.TemporaryDirectory(prefix="bench-serving-") as home:
        os.environ["WORKBENCH_HOME"] = home
        os.environ.pop("WORKBENCH_DB_URL", None)
        rng = np.random.default_rng(0)
        x = pd.DataFrame(
            rng.normal(size=(5_000, N_FEATURES)), columns=[f"f{i}" for i in range(N_FEATURES)]
        )
        y = (x["f0"] + rng.normal(size=len(x)) > 0).astype(int)
        model = lgb.LGBMClassifier(n_estimators=100, verbose=-1).fit(x, y)
        with wb.start_run() as run:
            run.log_model(model, name="bench-lgbm", input_example=x.head())
        wb.models.promote("bench-lgbm", version=1)

        port = _free_port()
        command = ["serve", "bench-lgbm@champion", "--port", str(port)]
        server = subprocess.Popen(
            [sys.executable, "-m", "workbench", *command],
            env=dict(os.environ),
            stdout=subprocess.DEVNULL,
        )
        results: dict[str, Any] = {}
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                _wait_until_healthy(client, server)
                for name, rows, body_format, repeats, target in CASES:
                    frame = x.head(rows)
                    body = _body(frame, body_format)
                    headers = {"content-type": "application/json"}

                    def post(body: bytes = body, headers: dict[str, str] = headers) -> None:
                        response = client.post("/predict", content=body, headers=headers)
                        response.raise_for_status()

                    expected = model.predict(frame).tolist()
                    answer = client.post("/predict", content=body, headers=headers).json()
                    if answer["predictions"] != expected:
                        raise AssertionError(f"{name}: the server predicts differently")
                    http = _percentiles(_timed(post, repeats, warmups=max(10, repeats // 5)))
                    local = _percentiles(_timed(lambda f=frame: model.predict(f), repeats, 10))
                    results[name] = {
                        **http,
                        "in_process_predict_median_ms": local["median_ms"],
                        "requests": repeats,
                        "body_bytes": len(body),
                        "target_median_ms": target,
                        "pass": http["median_ms"] <= target,
                    }
        finally:
            server.terminate()
            server.wait(timeout=30)

    print(f"{'POST /predict (100-tree LightGBM, 20 cols)':<44}{'median':>9}{'p95':>9}"
          f"{'predict()':>11}{'target':>9}  verdict")  # fmt: skip
    for name, row in results.items():
        print(
            f"{name:<44}{row['median_ms']:>7.2f}ms{row['p95_ms']:>7.2f}ms"
            f"{row['in_process_predict_median_ms']:>9.2f}ms{row['target_median_ms']:>7.0f}ms"
            f"  {'PASS' if row['pass'] else 'FAIL'}"
        )
    print("predict(): the same rows through model.predict in process (no HTTP, no parsing)")
    RESULTS.write_text(json.dumps(results, indent=2))
    print(f"results written to {RESULTS}")
    return 0 if all(row["pass"] for row in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
