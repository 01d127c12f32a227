"""Dashboard benchmark, measured in Debian's Chromium driven by Playwright:

- Runs page first render with 10,000 runs in the store: navigation → the table shows rows
  (target ≤ 2 s);
- Compare view of 10 runs with 10,000 metric points each: navigation → the plots are drawn
  (target ≤ 2 s);
- ``workbench ui`` from command to serving (HTTP 200 on ``/``) (target ≤ 4 s);
- filtering the runs page (no target in the issue): Enter in the filter box → the table shows
  only matching rows, alternating two filters that keep different sets of metric columns;
- runs page with nesting: 10,000 runs, most of them trials folded under 20 study runs, the
  default page → the table shows rows (target ≤ 1 s warm, ≤ 2 s cold), the same page grouped
  by a param (``/runs?group=params.model``: the top-level runs) → the groups table shows rows,
  and the trials grouped by it (a filter on ``tags.optuna.trial`` as well) (same targets);
- a study with 10,000 trials: ``/studies?study=NAME`` → its history, importances and parallel
  coordinates are drawn (target ≤ 2 s);
- a drift report over 100 columns: ``/drift?report=ID`` → its columns table shows rows and its
  plots are drawn (target ≤ 2 s).

    .venv/bin/python benchmarks/ui.py
    .venv/bin/python benchmarks/ui.py --only compare --home /tmp/bench-ui   # one part, reused store
    .venv/bin/python benchmarks/ui.py --quick   # every part with small stores: does it work?

Each part seeds only the store it needs, in its own folder under the home: the flat runs store
(``runs``, ``compare``, ``filter``, ``start``), the nested one (``nested``, ``grouped``,
``grouped-trials``), the study and the drift report. Seeding goes through the public API
(``wb.tune`` with Optuna's random sampler for the trials, whose runs are written one
transaction each): about a minute per full-size store.

Writes ``benchmarks/ui_results.json`` (a partial run updates its own figures only). Each
figure is the median of several page loads against one server, with the browser's cache warm
(Bokeh's and Panel's JavaScript, about 3.9 MB, cached as on every visit after the first) and
cold (a fresh profile). ``--home`` keeps the seeded stores in that folder and reuses them.
``--quick`` uses small stores (kept apart, in ``quick/`` under ``--home``) and fewer page
loads, and writes no results.
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
from typing import Any
from urllib.parse import quote, urlencode

from tqdm.auto import tqdm

RESULTS = Path(__file__).resolve().parent / "ui_results.json"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
N_RUNS, N_COMPARE, N_POINTS, REPEATS = 10_000, 10, 10_000, 5
N_STUDIES, N_STUDY_TRIALS, N_DRIFT_COLUMNS, N_DRIFT_ROWS = 20, 10_000, 100, 5_000
PARTS = (
    "runs", "compare", "start", "filter", "nested", "grouped", "grouped-trials", "study", "drift",
)  # fmt: skip
# part → the folder of its store under the home ("" for the home itself)
STORES = {
    "runs": "", "compare": "", "start": "", "filter": "",
    "nested": "nested", "grouped": "nested", "grouped-trials": "nested", "study": "study",
    "drift": "drift",
}  # fmt: skip
STUDY_NAME = "bench-study"
GROUP_BY = "params.model"
# Without a filter the runs page groups top-level runs only; a filter reaches the trials.
TRIALS_FILTER = "tags.`optuna.trial` IS NOT NULL"
MODELS = ("lightgbm", "random-forest", "logistic")


def use_quick_sizes() -> None:
    """Small stores and fewer page loads: every part end to end in a few minutes."""
    global N_RUNS, N_POINTS, REPEATS, N_STUDY_TRIALS, N_DRIFT_COLUMNS, N_DRIFT_ROWS
    N_RUNS, N_POINTS, REPEATS = 400, 300, 2
    N_STUDY_TRIALS, N_DRIFT_COLUMNS, N_DRIFT_ROWS = 300, 20, 1_000


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


def navigate(tab: object, url: str, ready: str | tuple[str, ...]) -> float:
    """Seconds from navigating ``tab`` to ``url`` until ``ready`` (every one of them, when
    several) is visible."""
    begin = time.perf_counter()
    tab.goto(url, wait_until="commit")  # type: ignore[attr-defined]
    for selector in (ready,) if isinstance(ready, str) else ready:
        locator = tab.locator(selector).first  # type: ignore[attr-defined]
        locator.wait_for(state="visible", timeout=60_000)
    return time.perf_counter() - begin


def measure(
    browser: object, url: str, ready: str | tuple[str, ...]
) -> tuple[list[float], list[float]]:
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


def _objective(trial: Any) -> float:
    """A cheap objective over the kinds of parameter a real study has."""
    lr = trial.suggest_float("lr", 1e-3, 0.3, log=True)
    depth = trial.suggest_int("depth", 2, 12)
    model = trial.suggest_categorical("model", list(MODELS))
    return float(lr * depth + MODELS.index(model) * 0.01)


def _tune(name: str, n_trials: int) -> None:
    import optuna

    import workbench as wb

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.RandomSampler(seed=len(name))
    wb.tune(_objective, n_trials=n_trials, sampler=sampler, name=name, show_progress=False)


def seed_nested(home: Path) -> None:
    """``N_RUNS`` runs: 2% plain top-level runs, the rest 20 studies' runs and their trials."""
    os.environ["WORKBENCH_HOME"] = str(home)
    import numpy as np

    import workbench as wb

    wb.set_experiment("bench-nested")
    rng = np.random.default_rng(0)
    plain = N_RUNS // 50
    trials = N_RUNS - plain - N_STUDIES
    for index in tqdm(range(plain), desc="seeding plain runs"):
        with wb.start_run(name=f"run {index}") as run:
            run.log_params({"lr": float(rng.uniform(0.01, 0.3)), "model": MODELS[index % 3]})
            run.log_metrics({"objective": float(rng.random())})
    for index in tqdm(range(N_STUDIES), desc="seeding studies"):
        _tune(f"study {index}", trials // N_STUDIES + (index < trials % N_STUDIES))


def seed_study(home: Path) -> str:
    """One study of ``N_STUDY_TRIALS`` trials; returns its name."""
    os.environ["WORKBENCH_HOME"] = str(home)
    import workbench as wb

    wb.set_experiment("bench-study")
    _tune(STUDY_NAME, N_STUDY_TRIALS)
    return STUDY_NAME


def seed_drift(home: Path) -> int:
    """A stored drift report over ``N_DRIFT_COLUMNS`` columns (a fifth of them categorical,
    a quarter shifted); returns its id."""
    os.environ["WORKBENCH_HOME"] = str(home)
    import numpy as np
    import pandas as pd

    import workbench as wb

    rng = np.random.default_rng(0)

    def frame(shift: float) -> pd.DataFrame:
        columns: dict[str, Any] = {}
        for index in range(N_DRIFT_COLUMNS):
            moved = shift if index % 4 == 0 else 0.0
            if index % 5 == 4:
                weights = np.array([0.5 - moved / 4, 0.3, 0.2 + moved / 4])
                columns[f"c{index}"] = rng.choice(["a", "b", "c"], N_DRIFT_ROWS, p=weights)
            else:
                columns[f"x{index}"] = rng.normal(moved, 1.0, N_DRIFT_ROWS)
        return pd.DataFrame(columns)

    report = wb.drift.compare(frame(0.0), frame(0.5))
    return int(report.log(dataset="bench-drift"))


def seeded(home: Path, store: str) -> Any:
    """What the pages of ``store`` need (the compared run ids, the study's name, the report's
    id), seeding the store in its folder under ``home`` first if it is new."""
    folder = home / store if store else home
    folder.mkdir(parents=True, exist_ok=True)
    done = folder / ("compared-runs.json" if not store else "seeded.json")
    os.environ["WORKBENCH_HOME"] = str(folder)
    if done.exists():
        return json.loads(done.read_text())
    begin = time.perf_counter()
    seeders = {"": seed, "nested": seed_nested, "study": seed_study, "drift": seed_drift}
    value = seeders[store](folder)
    print(f"seeded the {store or 'flat runs'} store in {time.perf_counter() - begin:.1f}s")
    done.write_text(json.dumps(value))
    return value


# part → (timings key, path and query of its page, what shows it is ready)
PAGES = {
    "runs": ("runs_page", "/runs", ".tabulator-row"),
    "nested": ("nested_page", "/runs", ".wb-runs-table .tabulator-row"),
    "grouped": ("grouped_page", f"/runs?group={GROUP_BY}", ".wb-groups-table .tabulator-row"),
    "grouped-trials": (
        "grouped_trials_page",
        "/runs?" + urlencode({"filter": TRIALS_FILTER, "group": GROUP_BY}),
        ".wb-groups-table .tabulator-row",
    ),
    "study": (
        "study_page",
        "/studies?study={}",
        (".wb-study-history canvas", ".wb-study-importances canvas", ".wb-study-parallel canvas"),
    ),
    "drift": (
        "drift_report",
        "/drift?report={}",
        (".wb-drift-columns .tabulator-row", ".wb-drift-plots canvas"),
    ),
}


def measure_store(
    browser: object, home: Path, parts: set[str], seed_value: Any
) -> dict[str, list[float]]:
    """The page timings of ``parts``, all served by one ``workbench ui`` on one store."""
    timings: dict[str, list[float]] = {}
    proc, url, _ = start_ui(home)
    try:
        for part in PARTS:
            if part not in parts:
                continue
            if part == "filter":
                timings["runs_filter_s"] = measure_filter(browser, url + "/runs")
            elif part == "compare":
                compare_url = url + "/compare?runs=" + ",".join(seed_value)
                warm, cold = measure(browser, compare_url, ".wb-histories canvas")
                timings.update(compare_s=warm, compare_cold_s=cold)
            elif part in PAGES:
                key, path, ready = PAGES[part]
                if "{}" in path:  # the study's name or the report's id
                    path = path.format(quote(str(seed_value)))
                warm, cold = measure(browser, url + path, ready)
                timings.update({f"{key}_s": warm, f"{key}_cold_s": cold})
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return timings


def run(home: Path, parts: set[str], chromium: str) -> dict[str, list[float]]:
    """The timings of ``parts`` against the stores under ``home``."""
    from playwright.sync_api import sync_playwright

    stores = sorted({STORES[part] for part in parts})
    seed_values = {store: seeded(home, store) for store in stores}
    timings: dict[str, list[float]] = {}
    if "start" in parts:
        timings["ui_start_s"] = []
        for _ in range(3):
            proc, _, seconds = start_ui(home)
            timings["ui_start_s"].append(seconds)
            proc.terminate()
            proc.wait(timeout=30)
    if parts == {"start"}:
        return timings
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for store in stores:
            pages = {part for part in parts if STORES[part] == store and part != "start"}
            if pages:
                folder = home / store if store else home
                timings.update(measure_store(browser, folder, pages, seed_values[store]))
        browser.close()
    return timings


# (figure, timings key, target with a warm cache, target with a cold cache)
FIGURES = [
    ("Runs page, 10,000 runs", "runs_page_s", 2.0, None),
    ("Compare 10 runs x 10,000 points", "compare_s", 2.0, None),
    ("`workbench ui` command to serving", "ui_start_s", 4.0, None),
    ("Runs page, filter → matching rows (no target)", "runs_filter_s", None, None),
    ("Runs page, 10,000 runs nested (trials folded)", "nested_page_s", 1.0, 2.0),
    ("Runs page, 10,000 runs grouped by a param", "grouped_page_s", 1.0, 2.0),
    ("Runs page, its 9,780 trials grouped by a param", "grouped_trials_page_s", 1.0, 2.0),
    ("Study page, 10,000 trials → plots drawn", "study_page_s", 2.0, None),
    ("Drift report, 100 columns → table and plots", "drift_report_s", 2.0, None),
]


def _figure(value: float, target: float | None) -> tuple[str, bool]:
    """The cell ``median target verdict`` of one figure, and whether it met its target."""
    if target is None:
        return f"{value:>7.2f}s {'-':>7}       ", True
    passed = value <= target
    return f"{value:>7.2f}s {target:>6.1f}s  {'PASS' if passed else 'FAIL'}", passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Dashboard benchmark.")
    parser.add_argument("--only", choices=PARTS, action="append", help="measure only this part")
    parser.add_argument("--home", type=Path, help="keep the seeded stores here and reuse them")
    parser.add_argument(
        "--quick", action="store_true", help="small stores and fewer loads; writes no results"
    )
    args = parser.parse_args(argv)
    chromium = os.environ.get("WORKBENCH_CHROMIUM") or shutil.which("chromium")
    if not chromium:
        print("chromium is not installed (apt-get install chromium)")
        return 1
    if args.quick:
        use_quick_sizes()
        args.home = args.home / "quick" if args.home else None
    parts = set(args.only or PARTS)
    if args.home:
        args.home.mkdir(parents=True, exist_ok=True)
        timings = run(args.home, parts, chromium)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-ui-") as folder:
            timings = run(Path(folder), parts, chromium)
    print(f"{'figure (median)':<46} {'warm':>8} {'target':>7}        {'cold':>8} {'target':>7}")
    medians, passed = {}, True
    for name, key, target, cold_target in FIGURES:
        if key not in timings:
            continue
        value = medians[name] = statistics.median(timings[key])
        warm_cell, warm_passed = _figure(value, target)
        line, passed = f"{name:<46} {warm_cell}", passed and warm_passed
        cold = timings.get(key[:-2] + "_cold_s")
        if cold:
            value = medians[name + " (cold cache)"] = statistics.median(cold)
            cold_cell, cold_passed = _figure(value, cold_target)
            line, passed = f"{line} {cold_cell}", passed and cold_passed
        print(line)
    if args.quick:
        print(f"quick sizes ({N_RUNS} runs, {N_STUDY_TRIALS} trials): no results written")
        return 0
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.update(timings)
    results["medians"] = {**results.get("medians", {}), **medians}
    RESULTS.write_text(json.dumps(results, indent=2))
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
