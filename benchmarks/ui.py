"""Dashboard benchmark, measured in Debian's Chromium driven by Playwright:

- Runs page first render with 10,000 runs in the store: navigation → the table shows rows
  (target ≤ 2 s);
- Compare view of 10 runs with 10,000 metric points each: navigation → the plots are drawn
  (target ≤ 2 s);
- ``workbench ui`` from command to serving (HTTP 200 on ``/``) (target ≤ 4 s);
- filtering the runs page (no target in the issue): Enter in the filter box → the table shows
  only matching rows, alternating two filters that keep different sets of metric columns.

    .venv/bin/python benchmarks/ui.py
    .venv/bin/python benchmarks/ui.py --only compare --home /tmp/bench-ui   # one part, reused store

Writes ``benchmarks/ui_results.json`` (a partial run updates its own figures only). Each
figure is the median of several page loads against one server, with the browser's cache warm
(Bokeh's and Panel's JavaScript, about 3.9 MB, cached as on every visit after the first) and
cold (a fresh profile). ``--home`` keeps the seeded store in that folder and reuses it.
"""

from __future__ import annotations

import argparse
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
PARTS = ("runs", "compare", "start", "filter")


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


def navigate(tab: object, url: str, ready: str) -> float:
    """Seconds from navigating ``tab`` to ``url`` until ``ready`` is visible."""
    begin = time.perf_counter()
    tab.goto(url, wait_until="commit")  # type: ignore[attr-defined]
    tab.locator(ready).first.wait_for(state="visible", timeout=60_000)  # type: ignore[attr-defined]
    return time.perf_counter() - begin


def measure(browser: object, url: str, ready: str) -> tuple[list[float], list[float]]:
    """Warm: one tab of one browser profile navigates to the page again and again (as a
    user following links: Bokeh's and Panel's JavaScript are in the browser's cache after
    the first visit); cold: a fresh profile and a new tab each time."""
    viewport = {"width": 1400, "height": 900}
    warm_context = browser.new_context(viewport=viewport)  # type: ignore[attr-defined]
    tab = warm_context.new_page()
    warm = []
    for index in range(REPEATS + 1):
        tab.goto("about:blank")
        seconds = navigate(tab, url, ready)
        if index:  # the first visit fills the cache and warms the server
            warm.append(seconds)
    warm_context.close()
    cold = []
    for _ in range(REPEATS):
        context = browser.new_context(viewport=viewport)  # type: ignore[attr-defined]
        cold.append(navigate(context.new_page(), url, ready))
        context.close()
    return warm, cold


# Alternating filters: the second matches only the 10 long runs, which have no ``auc``.
FILTERS = ("metrics.auc > 0.98", "attributes.name LIKE 'long%'")


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("nan")


def _rows_match(tab: object, index: int) -> bool:
    """Whether every row the table shows matches filter ``index`` (the table lives in a
    shadow root: Playwright's locators reach it, ``document.querySelectorAll`` does not)."""
    rows = tab.locator(".wb-runs-table .tabulator-row")  # type: ignore[attr-defined]
    if index == 0:
        cells = rows.locator(".tabulator-cell[tabulator-field='metrics.auc']").all_inner_texts()
        # a run without auc shows "-": the table still holds the other filter's rows
        return bool(cells) and all(_number(text) > 0.98 for text in cells)
    names = rows.locator(".tabulator-cell[tabulator-field='name']").all_inner_texts()
    return len(names) == 10 and all(name.startswith("long ") for name in names)


def measure_filter(browser: object, url: str) -> list[float]:
    """Seconds from Enter in the filter box until every row shown matches the filter."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})  # type: ignore[attr-defined]
    tab = context.new_page()
    navigate(tab, url, ".tabulator-row")
    box = tab.locator(".wb-filter input")
    seconds = []
    for index in range(2 * REPEATS + 2):
        box.fill(FILTERS[index % 2])
        begin = time.perf_counter()
        box.press("Enter")
        while not _rows_match(tab, index % 2):
            if time.perf_counter() - begin > 60:
                raise TimeoutError(f"the table never showed the rows of {FILTERS[index % 2]!r}")
            time.sleep(0.01)
        if index >= 2:  # the first two fill the server's and the browser's caches
            seconds.append(time.perf_counter() - begin)
    context.close()
    return seconds


def seeded(home: Path) -> list[str]:
    """The compared run ids of the store in ``home``, seeding it first if it is new."""
    ids_file = home / "compared-runs.json"
    if ids_file.exists():
        os.environ["WORKBENCH_HOME"] = str(home)
        return list(json.loads(ids_file.read_text()))
    compared = seed(home)
    ids_file.write_text(json.dumps(compared))
    return compared


def run(home: Path, parts: set[str], chromium: str) -> dict[str, list[float]]:
    """The timings of ``parts`` against the store in ``home``."""
    from playwright.sync_api import sync_playwright

    compared = seeded(home)
    timings: dict[str, list[float]] = {}
    if "start" in parts:
        timings["ui_start_s"] = []
        for _ in range(3):
            proc, url, seconds = start_ui(home)
            timings["ui_start_s"].append(seconds)
            proc.terminate()
            proc.wait(timeout=30)
    if not parts & {"runs", "compare", "filter"}:
        return timings
    proc, url, _ = start_ui(home)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            if "runs" in parts:
                warm, cold = measure(browser, url + "/runs", ".tabulator-row")
                timings.update(runs_page_s=warm, runs_page_cold_s=cold)
            if "filter" in parts:
                timings["runs_filter_s"] = measure_filter(browser, url + "/runs")
            if "compare" in parts:
                compare_url = url + "/compare?runs=" + ",".join(compared)
                warm, cold = measure(browser, compare_url, ".wb-histories canvas")
                timings.update(compare_s=warm, compare_cold_s=cold)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Dashboard benchmark.")
    parser.add_argument("--only", choices=PARTS, action="append", help="measure only this part")
    parser.add_argument("--home", type=Path, help="keep the seeded store here and reuse it")
    args = parser.parse_args(argv)
    chromium = os.environ.get("WORKBENCH_CHROMIUM") or shutil.which("chromium")
    if not chromium:
        print("chromium is not installed (apt-get install chromium)")
        return 1
    parts = set(args.only or PARTS)
    if args.home:
        args.home.mkdir(parents=True, exist_ok=True)
        timings = run(args.home, parts, chromium)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-ui-") as folder:
            timings = run(Path(folder), parts, chromium)
    figures = [
        ("Runs page, 10,000 runs (warm cache)", "runs_page_s", 2.0),
        ("Compare 10 runs x 10,000 points (warm cache)", "compare_s", 2.0),
        ("`workbench ui` command to serving", "ui_start_s", 4.0),
        ("Runs page, filter → matching rows (no target)", "runs_filter_s", float("inf")),
    ]
    print(f"{'figure':<46} {'median':>8} {'target':>8}   cold cache (fresh profile)")
    medians, passed = {}, True
    for name, key, target in figures:
        if key not in timings:
            continue
        value = medians[name] = statistics.median(timings[key])
        passed &= value <= target
        verdict = "PASS" if value <= target else "FAIL"
        cold = timings.get(key[:-2] + "_cold_s")
        extra = f"{statistics.median(cold):.2f}s" if cold else ""
        print(f"{name:<46} {value:>7.2f}s {target:>7.1f}s  {verdict}  {extra}")
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.update(timings)
    results["medians"] = {**results.get("medians", {}), **medians}
    RESULTS.write_text(json.dumps(results, indent=2))
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
