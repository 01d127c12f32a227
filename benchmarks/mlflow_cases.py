"""MLflow anchor measurements, one per fresh process (started by ``run.py`` with
``.bench-venv``). Tracking goes to ``sqlite:///<temp>/mlflow.db`` (``MLFLOW_TRACKING_URI``)
with a temp artifact location, the setup a local MLflow user would have.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import mlflow
from bench_common import (
    MLFLOW_FILTER,
    Args,
    Case,
    main,
    median_of,
    simple_metrics,
    simple_params,
    synthetic_runs,
    wait_for_go,
)
from mlflow import MlflowClient
from mlflow.entities import Metric, Param

EXPERIMENT = "bench"


def _experiment_id() -> str:
    """The benchmark experiment, created with an artifact location in the temp folder."""
    found = mlflow.get_experiment_by_name(EXPERIMENT)
    if found is not None:
        experiment_id = str(found.experiment_id)
    else:
        artifacts = Path(os.environ["BENCH_ARTIFACTS"]).resolve().as_uri()
        experiment_id = str(mlflow.create_experiment(EXPERIMENT, artifact_location=artifacts))
    mlflow.set_experiment(experiment_id=experiment_id)
    return experiment_id


def _now_ms() -> int:
    return int(time.time() * 1000)


def log_metric_loop(args: Args) -> dict[str, Any]:
    """``mlflow.log_metric`` called ``points`` times in one run, ``end_run`` included."""
    points = int(args["points"])
    _experiment_id()
    mlflow.start_run(run_name="log-metric-loop")
    values = [i / points for i in range(points)]
    started = time.perf_counter()
    for step, value in enumerate(values):
        mlflow.log_metric("loss", value, step=step)
    mlflow.end_run()
    return {"value": points / (time.perf_counter() - started), "points": points}


def log_batch(args: Args) -> dict[str, Any]:
    """``MlflowClient.log_batch`` of ``points`` points in batches of ``batch``."""
    points, batch = int(args["points"]), int(args["batch"])
    _experiment_id()
    client = MlflowClient()
    run_id = mlflow.start_run(run_name="log-batch").info.run_id
    stamp = _now_ms()
    metrics = [Metric("loss", i / points, stamp, i) for i in range(points)]
    started = time.perf_counter()
    for first in range(0, points, batch):
        client.log_batch(run_id, metrics=metrics[first : first + batch])
    mlflow.end_run()
    return {"value": points / (time.perf_counter() - started), "points": points, "batch": batch}


def create_runs(args: Args) -> dict[str, Any]:
    """``runs`` runs with the fluent API, each with 10 params and 5 metrics."""
    count = int(args["runs"])
    _experiment_id()
    params = simple_params()
    started = time.perf_counter()
    for index in range(count):
        with mlflow.start_run(run_name=f"run-{index}"):
            mlflow.log_params(params)
            mlflow.log_metrics(simple_metrics(index))
    return {"value": count / (time.perf_counter() - started), "runs": count}


def seed_search(args: Args) -> dict[str, Any]:
    """Seed up to ``runs`` runs (client API, one log_batch each) within ``budget`` seconds."""
    count, budget = int(args["runs"]), float(args["budget"])
    experiment_id = _experiment_id()
    client = MlflowClient()
    expected = seeded = 0
    started = time.perf_counter()
    for index, synthetic in enumerate(synthetic_runs(count)):
        if time.perf_counter() - started > budget:
            break
        run_id = client.create_run(experiment_id, run_name=f"seed-{index}").info.run_id
        stamp = _now_ms()
        client.log_batch(
            run_id,
            metrics=[Metric(k, v, stamp, 0) for k, v in synthetic.metrics.items()],
            params=[Param(k, str(v)) for k, v in synthetic.params.items()],
        )
        client.set_terminated(run_id)
        expected += synthetic.matches_mlflow_filter
        seeded += 1
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "runs": seeded, "expected": expected, "complete": seeded == count}


def search(args: Args) -> dict[str, Any]:
    """Median time of ``mlflow.search_runs(filter_string=...)`` (after one warm-up)."""
    expected, repeats = int(args["expected"]), int(args["repeats"])
    experiment_id = _experiment_id()
    seconds, frame = median_of(
        lambda: mlflow.search_runs(experiment_ids=[experiment_id], filter_string=MLFLOW_FILTER),
        repeats=repeats,
    )
    if len(frame) != expected:
        raise AssertionError(f"search_runs returned {len(frame)} rows, {expected=}")
    return {"value": seconds, "rows": len(frame), "filter": MLFLOW_FILTER}


def seed_history(args: Args) -> dict[str, Any]:
    """One run with ``points`` points of ``loss``, logged with log_batch (1000 a batch)."""
    points = int(args["points"])
    _experiment_id()
    client = MlflowClient()
    with mlflow.start_run(run_name="history") as run:
        stamp = _now_ms()
        for first in range(0, points, 1000):
            batch = range(first, min(points, first + 1000))
            client.log_batch(
                run.info.run_id, metrics=[Metric("loss", 1.0 / (s + 1), stamp, s) for s in batch]
            )
    return {"run_id": run.info.run_id, "points": points}


def history(args: Args) -> dict[str, Any]:
    """Median time of ``MlflowClient().get_metric_history`` (after one warm-up)."""
    run_id, points, repeats = str(args["run_id"]), int(args["points"]), int(args["repeats"])
    client = MlflowClient()
    seconds, points_read = median_of(
        lambda: client.get_metric_history(run_id, "loss"), repeats=repeats
    )
    if len(points_read) != points:
        raise AssertionError(f"get_metric_history returned {len(points_read)} of {points}")
    return {"value": seconds, "points": len(points_read)}


def prepare_store(args: Args) -> dict[str, Any]:
    """Create the database (migrations) and experiment before the concurrent workers start."""
    return {"experiment_id": _experiment_id()}


def concurrent_worker(args: Args) -> dict[str, Any]:
    """One concurrent writer: ``points`` log_metric calls and ``params`` log_param calls."""
    worker, points, n_params = int(args["worker"]), int(args["points"]), int(args["params"])
    _experiment_id()
    wait_for_go(Path(args["folder"]), worker)
    started = time.perf_counter()
    every = max(1, points // n_params)
    logged_params = 0
    with mlflow.start_run(run_name=f"worker-{worker}") as run:
        for step in range(points):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
            if step % every == 0 and logged_params < n_params:
                mlflow.log_param(f"param{logged_params}", step)
                logged_params += 1
        while logged_params < n_params:
            mlflow.log_param(f"param{logged_params}", -1)
            logged_params += 1
    return {"run_id": run.info.run_id, "seconds": time.perf_counter() - started}


def concurrent_verify(args: Args) -> dict[str, Any]:
    """Count what the concurrent workers stored."""
    client = MlflowClient()
    experiment_id = _experiment_id()
    stored: dict[str, dict[str, Any]] = {}
    for run_id in args["run_ids"]:
        run = client.get_run(run_id)
        stored[run_id] = {
            "points": len(client.get_metric_history(run_id, "loss")),
            "params": len(run.data.params),
            "status": run.info.status,
        }
    runs = mlflow.search_runs(experiment_ids=[experiment_id], output_format="list")
    return {"runs_in_experiment": len(runs), "stored": stored}


CASES: dict[str, Case] = {
    "log_metric_loop": log_metric_loop,
    "log_batch": log_batch,
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
