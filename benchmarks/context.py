"""Shared pieces of the figures: sizes, context, running steps and filling rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import Outcome, Side, fresh_project, run_case
from report import Row, format_value


@dataclass(frozen=True)
class Scale:
    """Sizes of every figure; ``quick()`` divides them by about ten."""

    wb_points: int = 200_000
    ml_points: int = 300
    ml_batch_points: int = 5_000
    ml_batch_size: int = 1_000
    wb_runs: int = 1_000
    ml_runs: int = 50
    wb_search_runs: int = 10_000
    ml_search_runs: int = 1_000
    ml_seed_budget: float = 240.0
    wb_history: int = 100_000
    ml_history: int = 10_000
    repeats: int = 5
    import_repeats: int = 5
    workers: int = 8
    wb_worker_points: int = 20_000
    ml_worker_points: int = 500
    worker_params: int = 50

    @classmethod
    def quick(cls) -> Scale:
        return cls(
            wb_points=20_000,
            ml_points=30,
            ml_batch_points=500,
            ml_batch_size=100,
            wb_runs=100,
            ml_runs=5,
            wb_search_runs=1_000,
            ml_search_runs=100,
            ml_seed_budget=60.0,
            wb_history=10_000,
            ml_history=1_000,
            import_repeats=3,
            wb_worker_points=2_000,
            ml_worker_points=50,
        )


@dataclass(frozen=True)
class Context:
    scale: Scale
    wb: Side
    mlflow: Side | None
    no_anchor_reason: str  # shown when mlflow is None
    timeout: float = 600.0


def say(message: str) -> None:
    print(f"  {message}", flush=True)


def step(side: Side, case: str, args: dict[str, Any], project: Path, ctx: Context) -> Outcome:
    """Run one case in a new process inside ``project``, with a progress line."""
    outcome = run_case(side, case, args, project, ctx.timeout)
    state = "ok" if outcome.ok else "FAILED"
    say(f"{side.name:9} {case:18} {state} in {outcome.seconds:.1f} s")
    return outcome


def measure(
    side: Side, label: str, steps: list[tuple[str, dict[str, Any]]], ctx: Context
) -> Outcome:
    """Run ``steps`` (case, args) one after the other, each in a new process, all in one fresh
    project folder. ``args`` values that are callables get the previous step's result."""
    with fresh_project(f"{side.name}-{label}") as project:
        previous: dict[str, Any] = {}
        outcome = Outcome(None, "no step")
        for case, raw_args in steps:
            args = {k: v(previous) if callable(v) else v for k, v in raw_args.items()}
            outcome = step(side, case, args, project, ctx)
            if not outcome.ok or outcome.result is None:
                return outcome
            previous = outcome.result
        return outcome


def apply(row: Row, outcome: Outcome, side: str) -> float | None:
    if outcome.ok and outcome.result is not None:
        row.details[side] = outcome.result
        return float(outcome.result["value"])
    if outcome.skipped:
        row.notes.append(f"{side} not measured: {outcome.error}")
        return None
    row.errors.append(f"[{side}] {outcome.error}")
    return None


def anchor(ctx: Context, row: Row, run: Callable[[Side], Outcome], label: str) -> None:
    if ctx.mlflow is None:
        row.anchor_text = "n/a"  # the reason is printed once, above the table
        return
    row.anchor = apply(row, run(ctx.mlflow), "mlflow")
    if row.anchor is not None:
        row.anchor_text = f"{format_value(row.anchor, row.unit)} ({label})"


def status(row: Row, passed: bool) -> None:
    row.status = "ERROR" if row.workbench is None else ("PASS" if passed else "FAIL")
