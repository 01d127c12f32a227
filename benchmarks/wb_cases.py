"""Workbench measurements, one per fresh process (started by ``run.py`` with ``.venv``).

The project store is ``$WORKBENCH_HOME/.workbench/``; ``run.py`` points it at a fresh temp
folder and unsets ``WORKBENCH_DB_URL``. Only the public API (``import workbench``) is used.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench_common import (
    WB_FILTER,
    Args,
    Case,
    main,
    median_of,
    simple_metrics,
    simple_params,
    synthetic_runs,
    wait_for_go,
)

import workbench as wb

EXPERIMENT = "bench"


def log_metric_loop(args: Args) -> dict[str, Any]:
    """``run.log_metric`` called ``points`` times in one run; the clock stops after the run
    has ended (its final flush included)."""
    points = int(args["points"])
    wb.set_experiment(EXPERIMENT)
    run = wb.start_run(name="log-metric-loop")
    values = [i / points for i in range(points)]  # made before the clock starts
    started = time.perf_counter()
    for value in values:
        run.log_metric("loss", value)
    run.end()
    seconds = time.perf_counter() - started
    stored = len(wb.metric_history(run.id, "loss"))
    if stored != points:
        raise AssertionError(f"{stored} points stored, {points} logged")
    return {"value": points / seconds, "seconds": seconds, "points": points}


def create_runs(args: Args) -> dict[str, Any]:
    """``runs`` runs, each started, given 10 params and 5 metrics, and ended."""
    count = int(args["runs"])
    wb.set_experiment(EXPERIMENT)
    params = simple_params()
    started = time.perf_counter()
    for index in range(count):
        with wb.start_run(name=f"run-{index}") as run:
            run.log_params(params)
            run.log_metrics(simple_metrics(index))
    seconds = time.perf_counter() - started
    stored = len(wb.runs(experiment=EXPERIMENT))
    if stored != count:
        raise AssertionError(f"{stored} runs stored, {count} created")
    return {"value": count / seconds, "seconds": seconds, "runs": count}


def seed_search(args: Args) -> dict[str, Any]:
    """Seed ``runs`` synthetic runs (10 params, 5 metrics) for the search figure."""
    count = int(args["runs"])
    wb.set_experiment(EXPERIMENT)
    expected = 0
    started = time.perf_counter()
    for index, synthetic in enumerate(synthetic_runs(count)):
        with wb.start_run(name=f"seed-{index}") as run:
            run.log_params(synthetic.params)
            run.log_metrics(synthetic.metrics)
        expected += synthetic.matches_wb_filter
    return {"seconds": time.perf_counter() - started, "runs": count, "expected": expected}


def search(args: Args) -> dict[str, Any]:
    """Median time of ``wb.runs(filter=...)`` over the seeded runs (after one warm-up)."""
    expected, repeats = int(args["expected"]), int(args["repeats"])
    seconds, frame = median_of(
        lambda: wb.runs(experiment=EXPERIMENT, filter=WB_FILTER), repeats=repeats
    )
    if type(frame).__name__ != "DataFrame" or len(frame) != expected:
        raise AssertionError(f"wb.runs returned {type(frame)} of {len(frame)} rows, {expected=}")
    columns = {"metrics.m0", "params.p1", "run_id"}
    if not columns <= set(frame.columns):
        raise AssertionError(f"missing columns {columns - set(frame.columns)}")
    return {"value": seconds, "rows": len(frame), "filter": WB_FILTER}


def seed_history(args: Args) -> dict[str, Any]:
    """One run with ``points`` points of the metric ``loss``."""
    points = int(args["points"])
    wb.set_experiment(EXPERIMENT)
    with wb.start_run(name="history") as run:
        for step in range(points):
            run.log_metric("loss", 1.0 / (step + 1), step=step)
    return {"run_id": run.id, "points": points}


def history(args: Args) -> dict[str, Any]:
    """Median time of ``wb.metric_history`` for the seeded run (after one warm-up)."""
    run_id, points, repeats = str(args["run_id"]), int(args["points"]), int(args["repeats"])
    seconds, frame = median_of(lambda: wb.metric_history(run_id, "loss"), repeats=repeats)
    if len(frame) != points:
        raise AssertionError(f"metric_history returned {len(frame)} points, {points} logged")
    return {"value": seconds, "points": len(frame)}


def prepare_store(args: Args) -> dict[str, Any]:
    """Create the store and experiment of the concurrent figure before the workers start."""
    return {"experiment_id": wb.set_experiment(EXPERIMENT).id}


def concurrent_worker(args: Args) -> dict[str, Any]:
    """One of the concurrent writers: ``points`` points and ``params`` params, interleaved."""
    worker, points, n_params = int(args["worker"]), int(args["points"]), int(args["params"])
    wb.set_experiment(EXPERIMENT)
    wait_for_go(Path(args["folder"]), worker)
    started = time.perf_counter()
    every = max(1, points // n_params)
    logged_params = 0
    with wb.start_run(name=f"worker-{worker}") as run:
        for step in range(points):
            run.log_metric("loss", 1.0 / (step + 1))
            if step % every == 0 and logged_params < n_params:
                run.log_param(f"param{logged_params}", step)
                logged_params += 1
        while logged_params < n_params:
            run.log_param(f"param{logged_params}", -1)
            logged_params += 1
    return {"run_id": run.id, "seconds": time.perf_counter() - started}


def concurrent_verify(args: Args) -> dict[str, Any]:
    """Count what the concurrent workers stored: points per run and params per run."""
    run_ids: list[str] = list(args["run_ids"])
    frame = wb.runs(experiment=EXPERIMENT)
    stored: dict[str, dict[str, Any]] = {}
    for run_id in run_ids:
        details = wb.get_run(run_id)
        stored[run_id] = {
            "points": len(wb.metric_history(run_id, "loss")),
            "params": len(details.params),
            "status": details.status,
        }
    return {"runs_in_experiment": len(frame), "stored": stored}


CASES: dict[str, Case] = {
    "log_metric_loop": log_metric_loop,
    "create_runs": create_runs,
    "seed_search": seed_search,
    "search": search,
    "seed_history": seed_history,
    "history": history,
    "prepare_store": prepare_store,
    "concurrent_worker": concurrent_worker,
    "concurrent_verify": concurrent_verify,
}

if __name__ == "__main__":
    main(CASES)
