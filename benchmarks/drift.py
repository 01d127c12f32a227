"""Drift benchmark: ``wb.drift.compare`` against an Evidently 0.7 anchor (and scipy).

    .venv/bin/python benchmarks/drift.py [--quick] [--skip-anchor]

(1) 200,000 × 25 columns: compare vs Evidently's DataDriftPreset (anchor venv, see
anchor_env.ensure_evidently_env) and vs scipy's ks_2samp + wasserstein_distance on the 20
numeric columns, and how many per-column verdicts agree with Evidently's; (2) 1,000,000 × 100:
wall time and peak RSS; (3) the HTML report's size for 100 columns. Each measurement is a new
process (this file, ``CASE 'JSON'``) making its data from one seed; times are medians of 3
calls after the imports; ``--quick`` divides rows by 10. Writes drift_results.json.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from traceback import format_exc
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the helper modules beside us

from bench_common import Case
from bench_common import main as case_main
from harness import ROOT, Outcome, Side, fresh_project, run_case
from report import Row, cells, render_notes

HERE = Path(__file__).resolve()
RESULTS = HERE.parent / "drift_results.json"
HEADERS = ("figure", "workbench", "Evidently anchor", "ratio", "target", "pass/fail")
SEED = 20240601
REPEATS = 3
# Numeric column i changes by NUMERIC_CHANGES[i % 10] = (mean shift in reference stds,
# spread factor): none, below, near and above Evidently's 0.1 normed-Wasserstein threshold.
NUMERIC_CHANGES = (
    (0.0, 1.0), (0.02, 1.0), (0.05, 1.0), (0.08, 1.0), (0.12, 1.0),
    (0.25, 1.0), (0.5, 1.0), (0.0, 1.5), (0.0, 1.0), (0.0, 1.05),
)  # fmt: skip
Frames = tuple[pd.DataFrame, pd.DataFrame, str | None]  # reference, current, data checksum
TARGET_RATIO, TARGET_SMALL_S, TARGET_LARGE_S = 20.0, 1.3, 10.0
TARGET_RSS_BYTES, TARGET_HTML_BYTES = 3e9, 2e6  # decimal GB / MB: the stricter reading


def _numeric(rng: np.random.Generator, i: int, rows: int) -> np.ndarray:
    family = (i // 10) % 3
    if family == 0:
        return rng.normal(loc=i, scale=1 + i % 3, size=rows)
    if family == 1:
        return rng.lognormal(mean=0.0, sigma=0.5, size=rows)
    return rng.poisson(4.0, size=rows).astype(np.float64)


def _categories(j: int, current: bool) -> tuple[np.ndarray, np.ndarray]:
    """Labels and probabilities of categorical column j (Zipf-like; some change)."""
    count = 3 + 10 * (j % 5)
    labels = [f"c{j}-{level}" for level in range(count)]
    probs = 1.0 / np.arange(1, count + 1)
    change = j % 5 if current else 0
    if change == 2:  # mild: 10% uniform mixed in
        probs = 0.9 * probs / probs.sum() + 0.1 / count
    elif change == 3:  # the two most common levels swap
        probs[[0, 1]] = probs[[1, 0]]
    elif change == 4:  # a level the reference never had, 10% of the rows
        labels.append(f"c{j}-new")
        probs = np.append(0.9 * probs / probs.sum(), 0.1)
    return np.array(labels, dtype=object), probs / probs.sum()


def make_frames(rows: int, n_num: int, n_cat: int, checksum: bool = False) -> Frames:
    """Seeded reference and current frames (current = reference's laws, some changed)."""
    digest = hashlib.sha256() if checksum else None
    frames: list[pd.DataFrame] = []
    moments: list[tuple[float, float]] = []
    for side in (0, 1):
        rng = np.random.default_rng([SEED, rows, n_num, n_cat, side])
        block = np.empty((rows, n_num), order="F")  # columns contiguous, no copy in pandas
        for i in range(n_num):
            column = block[:, i]
            column[:] = _numeric(rng, i, rows)
            if side == 0:
                moments.append((float(column.mean()), float(column.std())))
                continue
            (shift, spread), (mean, std) = NUMERIC_CHANGES[i % 10], moments[i]
            column[:] = mean + (column - mean) * spread + shift * std
        frame = pd.DataFrame(block, columns=[f"num_{i:02d}" for i in range(n_num)], copy=False)
        for j in range(n_cat):
            labels, probs = _categories(j, current=side == 1)
            codes = rng.choice(len(labels), size=rows, p=probs)
            frame[f"cat_{j:02d}"] = labels[codes]
            if digest is not None:
                digest.update(codes.astype(np.int64).tobytes())
        if digest is not None:
            digest.update(block.tobytes(order="F"))
        frames.append(frame)
    return frames[0], frames[1], digest.hexdigest()[:16] if digest else None


def timed(function: Callable[[], Any], repeats: int = REPEATS) -> tuple[list[float], Any]:
    times: list[float] = []
    result: Any = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return times, result


def case_wb_small(args: dict[str, Any]) -> dict[str, Any]:
    """Figure 1, workbench side: compare, compare from a profile, scipy; per-column verdicts."""
    from scipy import stats

    from workbench import drift  # imports first: the clocks start after them

    reference, current, digest = make_frames(args["rows"], 20, 5, checksum=True)
    times, report = timed(lambda: drift.compare(reference, current))
    (profile_seconds,), profile = timed(lambda: drift.profile(reference), 1)
    profile_times, _ = timed(lambda: drift.compare(profile, current))
    numeric = [c for c in reference.columns if c.startswith("num_")]

    def scipy_pass() -> None:
        for name in numeric:
            a, b = reference[name].to_numpy(), current[name].to_numpy()
            stats.ks_2samp(a, b)
            stats.wasserstein_distance(a, b)

    scipy_times, _ = timed(scipy_pass)
    verdicts = {c.column: {"drifted": c.drifted, "test": c.test, "score": c.score,
                           "threshold": c.threshold} for c in report.columns}  # fmt: skip
    return {
        "times": times, "profile_seconds": profile_seconds, "profile_times": profile_times,
        "scipy_times": scipy_times, "verdicts": verdicts, "share": report.share,
        "dataset_drifted": report.drifted, "checksum": digest, "pandas": pd.__version__,
    }  # fmt: skip


def _status_kb(field: str) -> int | None:
    lines = Path("/proc/self/status").read_text().splitlines()
    return next((int(line.split()[1]) for line in lines if line.startswith(field + ":")), None)


def case_wb_large(args: dict[str, Any]) -> dict[str, Any]:
    """Figure 2: wall time and peak RSS (ru_maxrss, KB on Linux) of compare on a big frame."""
    from workbench import drift

    reference, current, _ = make_frames(args["rows"], 80, 20)
    rss_data_kb = _status_kb("VmRSS")
    maxrss_data_kb, reset = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, False
    with contextlib.suppress(OSError):  # reset VmHWM: then it tells the peak while comparing
        Path("/proc/self/clear_refs").write_text("5")
        reset = True
    times, report = timed(lambda: drift.compare(reference, current))
    maxrss_kb = max(maxrss_data_kb, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return {
        "times": times, "maxrss_kb": maxrss_kb, "rss_after_data_kb": rss_data_kb,
        "maxrss_after_data_kb": maxrss_data_kb, "share": report.share, "pandas": pd.__version__,
        "compare_phase_hwm_kb": _status_kb("VmHWM") if reset else None,
    }  # fmt: skip


def case_wb_html(args: dict[str, Any]) -> dict[str, Any]:
    """Figure 3: the size of ``save_html`` for 100 columns."""
    from workbench import drift

    reference, current, _ = make_frames(args["rows"], 80, 20)
    report = drift.compare(reference, current)
    path = Path.cwd() / "drift-report.html"
    (seconds,), _ = timed(lambda: report.save_html(path), 1)
    return {"bytes": path.stat().st_size, "save_seconds": seconds, "columns": len(report.columns)}


def case_evidently(args: dict[str, Any]) -> dict[str, Any]:
    """Figure 1, anchor side: Evidently 0.7's DataDriftPreset on the same seeded frames."""
    started = time.perf_counter()
    import evidently
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    import_seconds = time.perf_counter() - started  # numpy and pandas were already loaded
    reference, current, digest = make_frames(args["rows"], 20, 5, checksum=True)
    numeric = [c for c in reference.columns if c.startswith("num_")]
    cats = [c for c in reference.columns if c not in numeric]
    definition = DataDefinition(numerical_columns=numeric, categorical_columns=cats)

    def run() -> Any:  # include_tests: the per-column verdicts; the drift work is the same
        report = Report([DataDriftPreset()], include_tests=True)
        return report.run(
            Dataset.from_pandas(current, data_definition=definition),
            Dataset.from_pandas(reference, data_definition=definition),
        )

    times, snapshot = timed(run)
    data = snapshot.dict()
    verdicts: dict[str, dict[str, Any]] = {}
    share = None
    for metric in data["metrics"]:
        config = metric["config"]
        if config["type"].endswith("ValueDrift"):
            verdicts[config["column"]] = {"test": config.get("method"), "score": metric["value"],
                                          "threshold": config.get("threshold")}  # fmt: skip
        elif config["type"].endswith("DriftedColumnsCount"):
            share = metric["value"]["share"]
    prefix = "Value Drift for column "
    for test in data["tests"]:
        if test["name"].startswith(prefix):
            verdicts[test["name"][len(prefix) :]]["drifted"] = test["status"] == "FAIL"
    return {
        "times": times, "import_seconds": import_seconds, "verdicts": verdicts, "share": share,
        "checksum": digest, "evidently": evidently.__version__, "pandas": pd.__version__,
    }  # fmt: skip


CASES: dict[str, Case] = {"wb_small": case_wb_small, "wb_large": case_wb_large,
                          "wb_html": case_wb_html, "evidently": case_evidently}  # fmt: skip


def _measure(side: Side, case: str, args: dict[str, Any], timeout: float) -> Outcome:
    print(f"  {side.name}: {case} {json.dumps(args)} ...", flush=True)
    with fresh_project(f"drift-{case}") as project:
        outcome = run_case(side, case, args, project, timeout)
    print(f"  ... {'ok' if outcome.ok else 'FAILED'} ({outcome.seconds:.1f} s)", flush=True)
    return outcome


def _median(result: dict[str, Any], key: str = "times") -> float:
    return float(statistics.median(result[key]))


def _failed(figure: str, outcome: Outcome) -> list[Row]:
    return [Row(figure, "", status="ERROR", errors=[outcome.error or "no result"])]


def _agreement(figure: str, wb: dict[str, Any], ev: dict[str, Any]) -> Row:
    ours, theirs = wb["verdicts"], ev["verdicts"]
    names = sorted(set(ours) | set(theirs))
    agree = [n for n in names if n in ours and n in theirs and
             ours[n]["drifted"] == theirs[n].get("drifted")]  # fmt: skip
    row = Row(figure, "", workbench_text=f"{len(agree)}/{len(names)} agree",
              anchor_text=f"{sum(bool(v.get('drifted')) for v in theirs.values())} drifted",
              target=f"{len(names)}/{len(names)}",
              status="PASS" if len(agree) == len(names) else "FAIL")  # fmt: skip
    row.details = {"workbench": ours, "evidently": theirs}
    for name in (n for n in names if n not in agree):
        a, b = ours.get(name, {}), theirs.get(name, {})
        row.notes.append(
            f"{name}: workbench {a.get('test')} {a.get('score')} (thr {a.get('threshold')}) "
            f"drifted={a.get('drifted')}; Evidently {b.get('test')} {b.get('score')} "
            f"(thr {b.get('threshold')}) drifted={b.get('drifted')}"
        )
    row.notes.append(f"drifted share: workbench {wb['share']:.3f}, Evidently {ev['share']}")
    if wb["checksum"] != ev["checksum"]:
        row.status = "ERROR"
        row.errors.append(f"data differ: checksum {wb['checksum']} vs {ev['checksum']}")
    return row


def figure_small(rows: int, wb_side: Side, ev_side: Side | None, why: str) -> list[Row]:
    size = f"{rows:,}×25"
    wb = _measure(wb_side, "wb_small", {"rows": rows}, 900)
    ev = _measure(ev_side, "evidently", {"rows": rows}, 2400) if ev_side else None
    vs_ev, ev_res = f"compare {size} vs Evidently DataDriftPreset", ev.result if ev else None
    if not wb.ok or wb.result is None:
        return _failed(vs_ev, wb)
    res = wb.result
    target = f"≥ {TARGET_RATIO:.0f}× (≤ {TARGET_SMALL_S} s)"
    main = Row(vs_ev, "s", "lower", workbench=_median(res), target=target,
               details={"workbench": res, "evidently": ev_res})  # fmt: skip
    if ev_res is not None:
        main.anchor = _median(ev_res)
        main.status = "PASS" if (main.compute_ratio() or 0) >= TARGET_RATIO else "FAIL"
        main.notes.append(
            f"Evidently {ev_res['evidently']} runs {[round(t, 2) for t in ev_res['times']]} s "
            f"after a {ev_res['import_seconds']:.1f} s import; pandas {ev_res['pandas']} there, "
            f"{res['pandas']} for workbench"
        )
    else:  # no anchor: judged on the absolute bound
        main.status = "PASS" if _median(res) <= TARGET_SMALL_S else "FAIL"
        main.anchor_text = "error" if ev else "off"
        main.notes.append(f"no Evidently anchor ({why}): judged on the {TARGET_SMALL_S} s bound")
        main.errors += [ev.error or "no result"] if ev else []
    main.notes.append(f"workbench runs {[round(t, 3) for t in res['times']]} s")
    scipy = Row(f"compare {size} vs scipy ks_2samp+wasserstein (20 num)", "s", "lower",
                workbench=main.workbench, anchor=_median(res, "scipy_times"))  # fmt: skip
    scipy.compute_ratio()
    prof = Row(f"compare(profile, current) {size}", "s", "lower",
               workbench=_median(res, "profile_times"))  # fmt: skip
    prof.notes.append(f"profile(reference) itself took {res['profile_seconds']:.3f} s")
    verdicts = f"per-column verdicts vs Evidently ({size})"
    agreement = _agreement(verdicts, res, ev_res) if ev_res else Row(verdicts, "", status="n/a")
    return [main, scipy, prof, agreement]


def figure_large(rows: int, wb_side: Side) -> list[Row]:
    size = f"{rows:,}×100"
    outcome = _measure(wb_side, "wb_large", {"rows": rows}, 1800)
    if not outcome.ok or outcome.result is None:
        return _failed(f"compare {size}", outcome)
    res = outcome.result
    wall = Row(f"compare {size} wall time", "s", "lower", workbench=_median(res),
               anchor_text="—", target=f"≤ {TARGET_LARGE_S:.0f} s", details=res,
               status="PASS" if _median(res) <= TARGET_LARGE_S else "FAIL")  # fmt: skip
    wall.notes.append(f"runs {[round(t, 2) for t in res['times']]} s")
    peak = res["maxrss_kb"] * 1024
    memory = Row(f"compare {size} peak RSS", "B", "lower", workbench=peak, anchor_text="—",
                 workbench_text=f"{peak / 1e9:.2f} GB", target="≤ 3 GB",
                 status="PASS" if peak <= TARGET_RSS_BYTES else "FAIL")  # fmt: skip
    phase = res["compare_phase_hwm_kb"] or 0  # 0: VmHWM could not be reset
    memory.notes.append(f"RSS with both frames loaded: {res['rss_after_data_kb'] * 1024 / 1e9:.2f}"
                        f" GB; VmHWM while comparing: {phase * 1024 / 1e9:.2f} GB")  # fmt: skip
    return [wall, memory]


def figure_html(rows: int, wb_side: Side) -> list[Row]:
    figure = f"save_html size, 100 columns ({rows:,} rows)"
    outcome = _measure(wb_side, "wb_html", {"rows": rows}, 900)
    if not outcome.ok or outcome.result is None:
        return _failed(figure, outcome)
    size, res = outcome.result["bytes"], outcome.result
    return [Row(figure, "B", "lower", workbench=size, workbench_text=f"{size:,} B", anchor_text="—",
                target="≤ 2 MB", status="PASS" if size <= TARGET_HTML_BYTES else "FAIL",
                details=res, notes=[f"written in {res['save_seconds']:.2f} s"])]  # fmt: skip


def render(rows: list[Row]) -> str:
    table = [HEADERS, *[cells(row) for row in rows]]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADERS))]

    def line(values: tuple[str, ...]) -> str:
        return " | ".join(value.ljust(width) for value, width in zip(values, widths, strict=True))

    return "\n".join([line(HEADERS), "-+-".join("-" * w for w in widths), *map(line, table[1:])])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="rows ÷10 (smoke test)")
    parser.add_argument("--skip-anchor", action="store_true", help="run without Evidently")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    wb_side = Side("workbench", ROOT / ".venv" / "bin" / "python", HERE)
    if not wb_side.python.exists():
        print(f"no project venv at {wb_side.python}: run `make install` first", file=sys.stderr)
        return 2
    ev_side, ev_version, why = None, None, "--skip-anchor given"
    if not args.skip_anchor:
        from anchor_env import ensure_evidently_env

        env = ensure_evidently_env(ROOT)
        if env.python is None:
            why = env.problem or "the Evidently environment could not be made"
        else:
            ev_side, ev_version = Side("evidently", env.python, HERE), env.mlflow_version
    scale = 10 if args.quick else 1
    mode = "QUICK (rows ÷10, pass/fail indicative only)" if args.quick else "full"
    print(f"\ndrift benchmark — {mode}; Evidently anchor: {ev_version or 'off'}", flush=True)
    load_start, rows = os.getloadavg()[0], []
    small = partial(figure_small, 200_000 // scale, wb_side, ev_side, why)
    steps = [small, partial(figure_large, 1_000_000 // scale, wb_side),
             partial(figure_html, 50_000 // scale, wb_side)]  # fmt: skip
    for index, step in enumerate(steps, start=1):
        print(f"[{index}/3]", flush=True)
        try:
            rows.extend(step())
        except Exception:  # a broken figure must not hide the others
            rows.append(Row(f"figure {index}", "", status="ERROR", errors=[format_exc()]))
    total = time.perf_counter() - started
    notes = render_notes(rows)
    print("\n" + render(rows) + (f"\n\nnotes:\n{notes}" if notes else ""))
    meta = {
        "mode": "quick" if args.quick else "full", "evidently_version": ev_version,
        "anchor_python": str(ev_side.python) if ev_side else None,
        "no_anchor_reason": None if ev_side else why, "repeats": REPEATS, "seed": SEED,
        "cpu_count": os.cpu_count(), "platform": platform.platform(),
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "total_seconds": round(total, 1),
        "load_average_1min": {"start": load_start, "end": os.getloadavg()[0]},
    }  # fmt: skip
    figures = [{**vars(r), "workbench_display": cells(r)[1], "anchor_display": cells(r)[2]}
               for r in rows]  # fmt: skip
    RESULTS.write_text(json.dumps({"meta": meta, "figures": figures}, indent=2, default=str))
    load = f"1-min load {load_start:.1f} → {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    print(f"\nresults written to {RESULTS}  (total {total:.0f} s; {load})")
    broken = any(row.status == "ERROR" or row.errors for row in rows)
    return 1 if broken or (not args.quick and any(r.status == "FAIL" for r in rows)) else 0


if __name__ == "__main__":
    case_main(CASES) if sys.argv[1:2] and sys.argv[1] in CASES else sys.exit(main())
