"""Helpers shared by the measurement scripts (workbench and MLflow sides).

Standard library only: the MLflow side runs in ``.bench-venv``, which has no workbench.
A measurement script is started as ``python <script> CASE 'JSON-ARGS'`` in a fresh temp
project folder and prints exactly one ``BENCH_RESULT {json}`` line on stdout.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESULT_PREFIX = "BENCH_RESULT "
SEED = 20240601
N_PARAMS = 10
N_METRICS = 5

# The search figure's filters. MLflow compares params as strings only (=, !=, LIKE), so its
# filter uses an equality on a categorical param of about the same selectivity (1/2).
WB_FILTER = "metrics.m0 > 0.5 and params.p1 < 500"
MLFLOW_FILTER = "metrics.m0 > 0.5 and params.p0 = 'a'"

Args = dict[str, Any]
Case = Callable[[Args], dict[str, Any]]


@dataclass(frozen=True)
class SyntheticRun:
    """The params and metrics of one seeded run (deterministic for a given index)."""

    params: dict[str, Any]
    metrics: dict[str, float]

    @property
    def matches_wb_filter(self) -> bool:
        return self.metrics["m0"] > 0.5 and int(self.params["p1"]) < 500

    @property
    def matches_mlflow_filter(self) -> bool:
        return self.metrics["m0"] > 0.5 and self.params["p0"] == "a"


def synthetic_runs(count: int, seed: int = SEED) -> Iterator[SyntheticRun]:
    """``count`` runs with 10 params (p0 categorical, p1 int in [0, 1000), ...) and 5 metrics."""
    rng = random.Random(seed)
    for index in range(count):
        params: dict[str, Any] = {
            "p0": rng.choice(("a", "b")),
            "p1": rng.randrange(1000),
            "p2": round(rng.uniform(1e-4, 0.3), 5),
            "p3": rng.randrange(2, 256),
            "p4": rng.choice(("gbdt", "dart", "goss")),
            "p5": round(rng.random(), 4),
            "p6": rng.randrange(10),
            "p7": f"feature-set-{rng.randrange(5)}",
            "p8": rng.random() < 0.5,
            "p9": index,
        }
        metrics = {f"m{k}": rng.random() for k in range(N_METRICS)}
        yield SyntheticRun(params, metrics)


def simple_params(count: int = N_PARAMS) -> dict[str, Any]:
    """The params of a run in the run-creation figure."""
    return {f"p{k}": k * 3 + 1 for k in range(count)}


def simple_metrics(index: int, count: int = N_METRICS) -> dict[str, float]:
    return {f"m{k}": (index * 7 + k) % 100 / 100 for k in range(count)}


def median_of(function: Callable[[], Any], repeats: int, warmups: int = 1) -> tuple[float, Any]:
    """(median seconds of ``repeats`` calls after ``warmups`` untimed calls, last result)."""
    result: Any = None
    for _ in range(warmups):
        result = function()
    times: list[float] = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def wait_for_go(folder: Path, worker: int, timeout: float = 300.0) -> None:
    """Barrier of the concurrent figure: say ready, then wait for the ``go`` file."""
    (folder / f"ready-{worker}").touch()
    go = folder / "go"
    deadline = time.monotonic() + timeout
    while not go.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"worker {worker}: no go signal after {timeout:.0f} s")
        time.sleep(0.001)


def emit(result: dict[str, Any]) -> None:
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def main(cases: dict[str, Case]) -> None:
    """Run the case named in argv[1] with the JSON args in argv[2]; report its result."""
    if len(sys.argv) != 3 or sys.argv[1] not in cases:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(cases)}}} 'JSON-ARGS'")
    try:
        result = cases[sys.argv[1]](json.loads(sys.argv[2]))
    except Exception:
        traceback.print_exc()
        sys.exit(1)
    emit(result)
