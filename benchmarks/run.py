"""workbench benchmark suite (``make bench``): workbench against an MLflow 3 anchor.

    .venv/bin/python benchmarks/run.py [--quick] [--skip-anchor] [--only NAME ...]

Every measurement runs in its own new process and its own temp project folder: workbench
with ``.venv``'s Python, MLflow with ``.bench-venv``'s (created here on first use; MLflow
is never a dependency of workbench) on a ``sqlite:///.../mlflow.db`` tracking URI. Prints
one table and writes ``benchmarks/results.json``. Numbers are measured, never stored here.

Exit code: 0 when every measurement ran (and, in a full run, every target passed); 1 when a
measurement failed or a target was missed; 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the helper modules beside us

from anchor_env import ensure_anchor_env
from context import Context, Scale
from figures import FIGURES
from harness import ROOT, mlflow_side, workbench_side
from report import Row, render_notes, render_table, write_json

RESULTS = Path(__file__).resolve().parent / "results.json"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="scale every figure down ~10× (smoke test)"
    )
    parser.add_argument(
        "--skip-anchor", action="store_true", help="run without MLflow (no .bench-venv needed)"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        choices=[name.split()[0] for name, _ in FIGURES],
        help="run only these figures (first word of their name)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON")
    return parser.parse_args(argv)


def load_average() -> float | None:
    """The 1-minute load average (None where the OS has none)."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def warn_if_busy(when: str) -> float | None:
    load = load_average()
    cpus = os.cpu_count() or 1
    if load is not None and load > 0.5 * cpus:
        print(
            f"!! load average {load:.1f} on {cpus} CPUs {when}: other processes are busy, "
            "so these numbers are pessimistic; rerun on an idle machine to compare",
            flush=True,
        )
    return load


def meta(
    args: argparse.Namespace, mlflow_version: str | None, seconds: float, loads: list[float | None]
) -> dict[str, Any]:
    import importlib.metadata as metadata

    try:
        wb_version = metadata.version("workbench")
    except metadata.PackageNotFoundError:
        wb_version = None
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "anchor": not args.skip_anchor,
        "workbench_version": wb_version,
        "mlflow_version": mlflow_version,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "total_seconds": round(seconds, 1),
        "load_average_1min": {"start": loads[0], "end": loads[-1]},
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    wb = workbench_side()
    if not wb.python.exists():
        print(f"no project venv at {wb.python}: run `make install` first", file=sys.stderr)
        return 2
    mlflow = None
    mlflow_version = None
    reason = "--skip-anchor given"
    if not args.skip_anchor:
        env = ensure_anchor_env(ROOT)
        if env.python is None:
            reason = env.problem or "the anchor environment could not be made"
            print(f"[bench-venv] {reason}: going on without the MLflow anchor", flush=True)
        else:
            mlflow, mlflow_version = mlflow_side(env.python), env.mlflow_version
    scale = Scale.quick() if args.quick else Scale()
    ctx = Context(scale=scale, wb=wb, mlflow=mlflow, no_anchor_reason=reason)
    mode = "QUICK (sizes ÷10, pass/fail indicative only)" if args.quick else "full"
    print(f"\nworkbench benchmarks — {mode}; MLflow anchor: {mlflow_version or 'off'}", flush=True)
    load_start = warn_if_busy("at the start")

    rows: list[Row] = []
    selected = [(n, f) for n, f in FIGURES if not args.only or n.split()[0] in args.only]
    for index, (name, figure) in enumerate(selected, start=1):
        figure_started = time.perf_counter()
        print(f"[{index}/{len(selected)}] {name}", flush=True)
        try:
            rows.extend(figure(ctx))
        except Exception as error:  # a broken figure must not hide the others
            import traceback

            rows.append(Row(name, "", status="ERROR", errors=[traceback.format_exc()]))
            print(f"  figure crashed: {error!r}", flush=True)
        print(f"  ({time.perf_counter() - figure_started:.1f} s)", flush=True)

    total = time.perf_counter() - started
    print()
    load_end = warn_if_busy("at the end")
    if mlflow is None:
        print(f"MLflow anchor not run: {reason}")
    print(render_table(rows))
    notes = render_notes(rows)
    if notes:
        print("\nnotes:\n" + notes)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_json(args.output, meta(args, mlflow_version, total, [load_start, load_end]), rows)
    print(f"\nresults written to {args.output}  (total {total:.0f} s)")

    broken = any(row.status == "ERROR" or row.errors for row in rows)
    missed = any(row.status == "FAIL" for row in rows)
    return 1 if broken or (missed and not args.quick) else 0


if __name__ == "__main__":
    sys.exit(main())
