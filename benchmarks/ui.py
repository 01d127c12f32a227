"""Dashboard benchmark (issue #7), measured in Debian's Chromium driven by Playwright:

- Runs page first render with 10,000 runs in the store: navigation → the table shows rows
  (target ≤ 2 s);
- Compare view of 10 runs with 10,000 metric points each: navigation → the plots are drawn
  (target ≤ 2 s);
- ``workbench ui`` from command to serving (HTTP 200 on ``/``) (target ≤ 4 s).

    .venv/bin/python benchmarks/ui.py

Writes ``benchmarks/ui_results.json``. Each figure is the median of several cold page loads
(a new browser context each time) against one server.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tqdm.auto import tqdm

RESULTS = Path(__file__).resolve().parent / "ui_results.json"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
N_RUNS, N_COMPARE, N_POINTS, REPEATS = 10_000, 10, 10_000, 5


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed(home: Path) -> list[str]:
    """10,000 small runs, and 10 runs with a 10,000-point history each; returns the latter."""
    os.environ["WORKBENCH_HOME"] = str(home)
    os.environ.pop("WORKBENCH_DB_URL", None)
    import numpy as np

    import workbench as wb

    wb.set_experiment("bench-ui")
    rng = np.random.default_rng(0)
    for index in tqdm(range(N_RUNS - N_COMPARE), desc="seeding runs"):
        with wb.start_run(name=f"run {index}") as run:
            run.log_params({"lr": float(rng.uniform(0.01, 0.3)), "depth": int(index % 12)})
            run.log_metrics({"auc": float(rng.uniform(0.6, 0.99)), "loss": float(rng.random())})
    compared = []
    for index in tqdm(range(N_COMPARE), desc="seeding histories"):
        with wb.start_run(name=f"long {index}") as run:
            run.log_params({"lr": 0.01 * (index + 1)})
            noise = rng.normal(0, 0.01, N_POINTS)
            curve = 1 - np.exp(-np.arange(N_POINTS) / (500 * (index + 1))) + noise
            for step, value in enumerate(curve):
                run.log_metric("val/auc", float(value), step=step)
            compared.append(run.id)
    return compared


def start_ui(home: Path) -> tuple[subprocess.Popen[bytes], str, float]:
    """Start ``workbench ui``; returns the process, its URL and seconds until it served /."""
    port = _free_port()
    env = {**os.environ, "WORKBENCH_HOME": str(home)}
    begin = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench", "ui", "--port", str(port)],
        env=env, cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    while True:
        try:
            with urllib.request.urlopen(url + "/", timeout=10):
                return proc, url, time.perf_counter() - begin
        except OSError:
            if proc.poll() is not None or time.perf_counter() - begin > 120:
                raise RuntimeError("workbench ui did not start") from None
            time.sleep(0.02)


def page_load(browser: object, url: str, ready: str) -> float:
    context = browser.new_context(viewport={"width": 1400, "height": 900})  # type: ignore[attr-defined]
    tab = context.new_page()
    begin = time.perf_counter()
    tab.goto(url, wait_until="commit")
    tab.locator(ready).first.wait_for(state="visible", timeout=60_000)
    elapsed = time.perf_counter() - begin
    context.close()
    return elapsed


def main() -> int:
    chromium = os.environ.get("WORKBENCH_CHROMIUM") or shutil.which("chromium")
    if not chromium:
        print("chromium is not installed (apt-get install chromium)")
        return 1
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-ui-") as folder:
        home = Path(folder)
        compared = seed(home)
        starts = []
        for _ in range(3):
            proc, url, seconds = start_ui(home)
            starts.append(seconds)
            proc.terminate()
            proc.wait(timeout=30)
        proc, url, _ = start_ui(home)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                page_load(browser, url + "/runs", ".tabulator-row")  # warm the server
                runs = [page_load(browser, url + "/runs", ".tabulator-row") for _ in range(REPEATS)]
                compare_url = url + "/compare?runs=" + ",".join(compared)
                page_load(browser, compare_url, ".wb-histories canvas")
                compare = [
                    page_load(browser, compare_url, ".wb-histories canvas") for _ in range(REPEATS)
                ]
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    figures = [
        ("Runs page first render, 10,000 runs", statistics.median(runs), 2.0),
        ("Compare 10 runs x 10,000 points", statistics.median(compare), 2.0),
        ("`workbench ui` command to serving", statistics.median(starts), 4.0),
    ]
    print(f"{'figure':<42} {'median':>8} {'target':>8}")
    for name, value, target in figures:
        verdict = "PASS" if value <= target else "FAIL"
        print(f"{name:<42} {value:>7.2f}s {target:>7.1f}s  {verdict}")
    RESULTS.write_text(
        json.dumps(
            {"runs_page_s": runs, "compare_s": compare, "ui_start_s": starts,
             "medians": {name: value for name, value, _ in figures}},
            indent=2,
        )
    )  # fmt: skip
    return 0 if all(value <= target for _, value, target in figures) else 1


if __name__ == "__main__":
    raise SystemExit(main())
