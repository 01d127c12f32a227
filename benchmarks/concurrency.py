"""The concurrent-writers figure: N processes logging into one store at once."""

from __future__ import annotations

from typing import Any

from context import Context, say
from harness import GroupOutcome, Side, fresh_project, run_case, run_group
from report import Row


def _group(side: Side, points: int, ctx: Context) -> tuple[GroupOutcome, dict[str, Any] | None]:
    """Run the concurrent writers of ``side``, then count what they stored."""
    s = ctx.scale
    with fresh_project(f"{side.name}-concurrent") as project:
        prepared = run_case(side, "prepare_store", {}, project, ctx.timeout)
        if not prepared.ok:
            return GroupOutcome(None, [], f"prepare_store failed: {prepared.error}"), None
        args = [{"points": points, "params": s.worker_params} for _ in range(s.workers)]
        group = run_group(side, "concurrent_worker", args, project, ctx.timeout)
        total = "n/a" if group.seconds is None else f"{group.seconds:.1f} s"
        say(f"{side.name:9} {s.workers} writers        done in {total}")
        run_ids = [w.result["run_id"] for w in group.workers if w.result]
        verified = run_case(side, "concurrent_verify", {"run_ids": run_ids}, project, ctx.timeout)
        say(f"{side.name:9} concurrent_verify  {'ok' if verified.ok else 'FAILED'}")
        if not verified.ok:
            group.error = group.error or f"verify failed: {verified.error}"
        return group, verified.result


def _summarize(
    group: GroupOutcome, verified: dict[str, Any] | None, points: int, ctx: Context
) -> dict[str, Any]:
    s = ctx.scale
    stored = (verified or {}).get("stored", {})
    warnings = sum(
        1
        for w in group.workers
        for line in w.stderr_tail
        if "warn" in line.lower() or "could not" in line
    )
    complete = [
        v for v in stored.values() if v["points"] == points and v["params"] == s.worker_params
    ]
    return {
        "seconds": group.seconds,
        "errors": len(group.failures) + (1 if group.error else 0),
        "warning_lines": warnings,
        "runs_complete": len(complete),
        "points_stored": sum(v["points"] for v in stored.values()),
        "params_stored": sum(v["params"] for v in stored.values()),
        "points_expected": s.workers * points,
        "params_expected": s.workers * s.worker_params,
        "statuses": sorted({v["status"] for v in stored.values()}),
        "failures": [w.error for w in group.failures] + ([group.error] if group.error else []),
    }


def concurrent_figure(ctx: Context) -> list[Row]:
    s = ctx.scale
    label = f"{s.workers} processes × ({s.wb_worker_points:,} pts + {s.worker_params} params)"
    time_row = Row(f"{label}: total", "s", "lower")
    errors_row = Row("  same: errors (exit codes, exceptions)", "")
    stored_row = Row("  same: every point and param stored", "")
    errors_row.target, stored_row.target = "0 errors", "all stored"
    group, verified = _group(ctx.wb, s.wb_worker_points, ctx)
    wb = _summarize(group, verified, s.wb_worker_points, ctx)
    time_row.workbench = wb["seconds"]
    time_row.details["workbench"] = errors_row.details["workbench"] = wb
    errors_row.workbench_text = f"{wb['errors']} errors"
    stored_row.workbench_text = f"{wb['points_stored']:,}/{wb['points_expected']:,} pts, " + (
        f"{wb['params_stored']}/{wb['params_expected']} params"
    )
    for failure in wb["failures"]:
        errors_row.errors.append(f"[workbench] {failure}")
    errors_row.status = "PASS" if wb["errors"] == 0 else "FAIL"
    all_stored = wb["runs_complete"] == s.workers
    stored_row.status = "PASS" if all_stored and verified is not None else "FAIL"
    if wb["seconds"]:
        rate = wb["points_expected"] / wb["seconds"]
        time_row.notes.append(
            f"workbench: {rate:,.0f} points/s in aggregate, statuses {wb['statuses']}"
        )
    if wb["warning_lines"]:
        errors_row.notes.append(f"workbench workers printed {wb['warning_lines']} warning lines")
    if ctx.mlflow is None:
        for row in (time_row, errors_row, stored_row):
            row.anchor_text = "n/a"
    else:
        ml_group, ml_verified = _group(ctx.mlflow, s.ml_worker_points, ctx)
        ml = _summarize(ml_group, ml_verified, s.ml_worker_points, ctx)
        time_row.details["mlflow"] = ml
        time_row.anchor = ml["seconds"]
        pts = f"{s.workers}×{s.ml_worker_points} pts"
        time_row.anchor_text = "n/a" if ml["seconds"] is None else f"{ml['seconds']:.1f} s ({pts})"
        errors_row.anchor_text = f"{ml['errors']} errors"
        stored_row.anchor_text = (
            f"{ml['points_stored']:,}/{ml['points_expected']:,} pts, "
            f"{ml['params_stored']}/{ml['params_expected']} params"
        )
        if ml["seconds"]:
            rate = ml["points_expected"] / ml["seconds"]
            time_row.notes.append(f"MLflow: {rate:,.0f} points/s in aggregate ({pts})")
        for failure in ml["failures"][:2]:
            errors_row.notes.append(f"MLflow anchor error: {(failure or '').splitlines()[-1:]}")
    time_row.status = "info"
    return [time_row, errors_row, stored_row]
