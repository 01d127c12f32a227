"""The benchmark figures: each runs its measurements and returns table rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from concurrency import concurrent_figure
from context import Context, anchor, apply, measure, say, status, step
from harness import Outcome, Side, best_import_time, fresh_project
from report import Row


def log_metric_figure(ctx: Context) -> list[Row]:
    s = ctx.scale
    row = Row(f"log_metric loop ({s.wb_points:,} calls, 1 run)", "points/s", "higher")
    row.target = "≥100,000/s and ≥500× MLflow"
    row.workbench = apply(
        row,
        measure(ctx.wb, "log-metric", [("log_metric_loop", {"points": s.wb_points})], ctx),
        "workbench",
    )
    anchor(
        ctx,
        row,
        lambda ml: measure(ml, "log-metric", [("log_metric_loop", {"points": s.ml_points})], ctx),
        f"log_metric, {s.ml_points} pts",
    )
    ratio = row.compute_ratio()
    status(row, (row.workbench or 0) >= 100_000 and (ratio is None or ratio >= 500))
    if ratio is None and row.workbench is not None:
        row.notes.append("the ≥500× part of the target was not checked (no anchor number)")
    batch = Row("  same, vs MLflow log_batch", "points/s", "higher", workbench=row.workbench)
    batch.target = "(second anchor)"
    size = f"{s.ml_batch_points:,} pts in batches of {s.ml_batch_size:,}"
    anchor(
        ctx,
        batch,
        lambda ml: measure(
            ml,
            "log-batch",
            [("log_batch", {"points": s.ml_batch_points, "batch": s.ml_batch_size})],
            ctx,
        ),
        f"log_batch, {size}",
    )
    batch.compute_ratio()
    return [row, batch]


def create_runs_figure(ctx: Context) -> list[Row]:
    s = ctx.scale
    row = Row(f"create run + 10 params + 5 metrics ({s.wb_runs:,} runs)", "runs/s", "higher")
    row.target = "≥500 runs/s"
    row.workbench = apply(
        row,
        measure(ctx.wb, "create-runs", [("create_runs", {"runs": s.wb_runs})], ctx),
        "workbench",
    )
    anchor(
        ctx,
        row,
        lambda ml: measure(ml, "create-runs", [("create_runs", {"runs": s.ml_runs})], ctx),
        f"{s.ml_runs} runs",
    )
    row.compute_ratio()
    status(row, (row.workbench or 0) >= 500)
    return [row]


def per_unit(row: Row, wb_units: int, ml_units: int, unit: str) -> str:
    """Both times divided by the work each side did (the sizes differ)."""
    wb = (row.workbench or 0) / wb_units * 1e6
    ml = (row.anchor or 0) / ml_units * 1e6
    return f"per {unit}: workbench {wb:.1f} µs, MLflow {ml:.1f} µs ({ml / wb:.1f}× as long)"


def _expected(previous: dict[str, Any]) -> int:
    return int(previous["expected"])


def _run_id(previous: dict[str, Any]) -> str:
    return str(previous["run_id"])


def search_figure(ctx: Context) -> list[Row]:
    s = ctx.scale
    row = Row(f"wb.runs(filter=...) over {s.wb_search_runs:,} runs", "s", "lower")
    row.target = "≤0.3 s"
    search_args = {"expected": _expected, "repeats": s.repeats}
    wb = measure(
        ctx.wb,
        "search",
        [("seed_search", {"runs": s.wb_search_runs}), ("search", search_args)],
        ctx,
    )
    row.workbench = apply(row, wb, "workbench")

    def mlflow_search(ml: Side) -> Outcome:
        seed_args = {"runs": s.ml_search_runs, "budget": s.ml_seed_budget}
        with fresh_project("mlflow-search") as project:
            seeded = step(ml, "seed_search", seed_args, project, ctx)
            if not seeded.ok or seeded.result is None:
                return seeded
            if not seeded.result["complete"]:
                why = (
                    f"seeding {s.ml_search_runs:,} MLflow runs took over {s.ml_seed_budget:.0f} s "
                    f"(only {seeded.result['runs']:,} done)"
                )
                return Outcome(None, why, skipped=True)
            args = {"expected": seeded.result["expected"], "repeats": s.repeats}
            outcome = step(ml, "search", args, project, ctx)
            if outcome.result is not None:
                outcome.result["seed_seconds"] = seeded.result["seconds"]
            return outcome

    anchor(ctx, row, mlflow_search, f"search_runs, {s.ml_search_runs:,} runs")
    if ctx.mlflow is not None and row.anchor is None:
        row.anchor_text = "n/a (see note)"
    fewer = f"{s.wb_search_runs / s.ml_search_runs:.0f}× fewer runs"
    if row.compute_ratio(f"(MLflow: {fewer})") is not None:
        row.notes.append(f"ratio = MLflow time / workbench time as measured; MLflow: {fewer}")
        row.notes.append(per_unit(row, s.wb_search_runs, s.ml_search_runs, "run searched"))
    status(row, (row.workbench or 1e9) <= 0.3)
    if wb.result:
        row.notes.append(
            f"workbench filter {wb.result['filter']!r} returned {wb.result['rows']:,} rows"
        )
    mlflow_result = row.details.get("mlflow")
    if mlflow_result:
        row.notes.append(
            f"MLflow filter {mlflow_result['filter']!r} returned {mlflow_result['rows']:,} rows "
            "(MLflow params compare as strings only, so it filters on a categorical param)"
        )
    return [row]


def history_figure(ctx: Context) -> list[Row]:
    s = ctx.scale
    row = Row(f"metric_history of {s.wb_history:,} points", "s", "lower")
    row.target = "≤0.2 s"

    def steps(points: int) -> list[tuple[str, dict[str, Any]]]:
        read = {"run_id": _run_id, "points": points, "repeats": s.repeats}
        return [("seed_history", {"points": points}), ("history", read)]

    row.workbench = apply(row, measure(ctx.wb, "history", steps(s.wb_history), ctx), "workbench")
    anchor(
        ctx,
        row,
        lambda ml: measure(ml, "history", steps(s.ml_history), ctx),
        f"get_metric_history, {s.ml_history:,} pts",
    )
    fewer = f"{s.wb_history / s.ml_history:.0f}× fewer pts"
    if row.compute_ratio(f"(MLflow: {fewer})") is not None:
        row.notes.append(f"ratio = MLflow time / workbench time as measured; MLflow: {fewer}")
        row.notes.append(per_unit(row, s.wb_history, s.ml_history, "point read"))
    status(row, (row.workbench or 1e9) <= 0.2)
    return [row]


def import_figure(ctx: Context) -> list[Row]:
    s = ctx.scale
    row = Row(f'python -c "import workbench" (best of {s.import_repeats})', "s", "lower")
    row.target = "≤0.3 s"

    def timed(side: Side, module: str) -> Outcome:
        with fresh_project(f"{side.name}-import") as project:
            outcome = best_import_time(side, module, s.import_repeats, project)
        say(f"{side.name:9} import {module:11} {'ok' if outcome.ok else 'FAILED'}")
        return outcome

    row.workbench = apply(row, timed(ctx.wb, "workbench"), "workbench")
    anchor(ctx, row, lambda ml: timed(ml, "mlflow"), "import mlflow")
    row.compute_ratio()
    status(row, (row.workbench or 1e9) <= 0.3)
    return [row]


FIGURES: list[tuple[str, Callable[[Context], list[Row]]]] = [
    ("log_metric loop", log_metric_figure),
    ("run creation", create_runs_figure),
    ("search", search_figure),
    ("metric history", history_figure),
    ("import time", import_figure),
    ("concurrent writers", concurrent_figure),
]
