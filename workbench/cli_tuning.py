"""``workbench tune`` and ``workbench studies``."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

studies_app = typer.Typer(help="List and show tuning studies.", no_args_is_help=True)


def load_objective(spec: str) -> Any:
    """``module:function`` (the current folder is importable) -> the function."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise typer.BadParameter(f"expected module:function, got {spec!r}")
    if str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise typer.BadParameter(f"cannot import {module_name!r}: {error}") from error
    objective = getattr(module, attribute, None)
    if not callable(objective):
        raise typer.BadParameter(f"{module_name!r} has no function {attribute!r}")
    return objective


def _direction(given: list[str] | None) -> str | list[str]:
    if not given:
        return "minimize"
    return given[0] if len(given) == 1 else given


def tune_command(
    objective: Annotated[str, typer.Option(help="The objective, as module:function.")],
    study: Annotated[
        str | None, typer.Option(help="Study name (default: experiment/function).")
    ] = None,
    n_trials: Annotated[int | None, typer.Option("--n-trials", help="Trials to run here.")] = None,
    n_jobs: Annotated[int, typer.Option("--n-jobs", help="Worker processes.")] = 1,
    threads_per_worker: Annotated[
        int | None,
        typer.Option(
            "--threads-per-worker",
            help="OpenMP/BLAS threads per worker (default: $WORKBENCH_TUNE_THREADS, "
            "else cores // n-jobs).",
        ),
    ] = None,
    timeout: Annotated[float | None, typer.Option(help="Stop after this many seconds.")] = None,
    direction: Annotated[
        list[str] | None, typer.Option(help="minimize or maximize (repeat for several objectives).")
    ] = None,
    experiment: Annotated[str | None, typer.Option(help="Experiment of the study run.")] = None,
    worker: Annotated[
        bool, typer.Option("--worker", help="Join an existing study (e.g. from another machine).")
    ] = False,
) -> None:
    """Run a study, or join one as a worker (PostgreSQL store: from any machine)."""
    from workbench.tuning import join_study, tune

    function = load_objective(objective)
    try:
        if worker:
            if study is None:
                raise typer.BadParameter("--worker needs --study NAME")
            done = join_study(study, function, n_trials=n_trials, timeout=timeout)
            typer.echo(f"Ran {done} trial(s) of study {study!r} in this worker.")
            return
        result = tune(
            function,
            n_trials=n_trials,
            timeout=timeout,
            n_jobs=n_jobs,
            direction=direction[0]
            if direction and len(direction) == 1
            else (direction or "minimize"),
            study_name=study,
            experiment=experiment,
            threads_per_worker=threads_per_worker,
        )
    except (ValueError, TypeError) as error:
        typer.secho(f"Error: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    typer.echo(f"Study {result.study.study_name!r}: {len(result.study.trials)} trial(s).")
    if result.has_best:
        typer.echo(
            f"Best value {result.best_values} with {result.best_params} (run {result.best_run_id})."
        )


@studies_app.command("list")
def studies_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Studies tracked in this project, newest first."""
    import json

    import workbench as wb

    frame = wb.runs(filter="tags.workbench.kind = 'study'")
    rows = [
        {"study": row["tags.optuna.study"], "run_id": row["run_id"], "status": row["status"],
         "best_value": row.get("metrics.best_value"), "started": str(row["start_time"])}
        for _, row in frame.iterrows()
    ]  # fmt: skip
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
    elif not rows:
        typer.echo("No studies yet. Start one with wb.tune(objective, n_trials=...).")
    for row in rows if not as_json else []:
        typer.echo(
            f"{row['study']}\t{row['status']}\tbest={row['best_value']}\trun={row['run_id']}"
        )


@studies_app.command("show")
def studies_show(name: str) -> None:
    """The trials of one study (from the tracking store)."""
    import workbench as wb

    frame = wb.runs(filter=f"tags.optuna.study = '{name}' and tags.workbench.kind IS NULL")
    if frame.empty:
        typer.echo(f"No trials tracked for study {name!r}.")
        raise typer.Exit(1)
    columns = ["name", "status", "tags.optuna.state"]
    columns += [c for c in frame.columns if c.startswith(("metrics.objective", "params."))]
    typer.echo(frame[columns].to_string(index=False))
