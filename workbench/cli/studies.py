"""``workbench tune`` and ``workbench studies``."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from workbench.cli._output import (
    JsonOption,
    counted,
    fail,
    format_mapping,
    format_score,
    frame_records,
    print_json,
    table,
)
from workbench.cli._typer import WorkbenchTyper

studies_app = WorkbenchTyper(help="List and show tuning studies.")
DIRECTIONS = ("minimize", "maximize")


def load_objective(spec: str) -> Any:
    """``module:function`` (the current folder is importable) -> the function."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        fail(
            f"--objective takes module:function, got {spec!r}", "E.g. --objective train:objective."
        )
    if str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        fail(f"cannot import {module_name!r}: {error}", "Run from the folder that holds it.")
    objective = getattr(module, attribute, None)
    if not callable(objective):
        fail(f"{module_name!r} has no function {attribute!r}")
    return objective


def _directions(given: list[str] | None, objective: Any, spec: str) -> str | list[str]:
    """``--direction`` as given, else what the objective declares (a ``direction`` or
    ``directions`` attribute); no silent default: minimizing an AUC would look like success."""
    declared = getattr(objective, "directions", None) or getattr(objective, "direction", None)
    chosen = list(given or ([declared] if isinstance(declared, str) else declared or []))
    if not chosen:
        fail(
            f"--direction is required: {spec} declares none",
            "Pass --direction maximize (e.g. for an AUC) or --direction minimize (a loss), "
            "or set `objective.direction = 'maximize'` in its module.",
        )
    wrong = [d for d in chosen if d not in DIRECTIONS]
    if wrong:
        fail(f"--direction must be 'minimize' or 'maximize', got {wrong[0]!r}")
    return chosen[0] if len(chosen) == 1 else chosen


def tune_command(
    objective: Annotated[
        str, typer.Option(metavar="MODULE:FUNCTION", help="The objective, as module:function.")
    ],
    study: Annotated[
        str | None,
        typer.Option(metavar="NAME", help="Study name (default: experiment/function)."),
    ] = None,
    n_trials: Annotated[
        int | None, typer.Option("--n-trials", metavar="N", help="Trials to run here.")
    ] = None,
    n_jobs: Annotated[int, typer.Option("--n-jobs", metavar="N", help="Worker processes.")] = 1,
    threads_per_worker: Annotated[
        int | None,
        typer.Option(
            "--threads-per-worker",
            metavar="N",
            help="OpenMP/BLAS threads per worker (default: $WORKBENCH_TUNE_THREADS, "
            "else cores // n-jobs).",
        ),
    ] = None,
    timeout: Annotated[
        float | None, typer.Option(metavar="SECONDS", help="Stop after this many seconds.")
    ] = None,
    direction: Annotated[
        list[str] | None,
        typer.Option(
            metavar="minimize|maximize",
            help="What the objective wants (repeat for several objectives). Required unless "
            "the objective function has a `direction` attribute.",
        ),
    ] = None,
    experiment: Annotated[
        str | None, typer.Option(metavar="NAME", help="Experiment of the study run.")
    ] = None,
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
                fail("--worker needs --study NAME", "Name the study the workers share.")
            done = join_study(study, function, n_trials=n_trials, timeout=timeout)
            typer.echo(f"Ran {done} trial(s) of study {study!r} in this worker.")
            return
        result = tune(
            function,
            n_trials=n_trials,
            timeout=timeout,
            n_jobs=n_jobs,
            direction=_directions(direction, function, objective),
            name=study,
            experiment=experiment,
            threads_per_worker=threads_per_worker,
        )
    except (ValueError, TypeError) as error:
        fail(error)
    typer.echo(f"Study {result.study.study_name!r}: {len(result.study.trials)} trial(s).")
    if result.has_best:
        values = ", ".join(format_score(v) for v in result.best_values)
        typer.echo(f"Best value{'s' if len(result.best_values) > 1 else ''}: {values}")
        typer.echo(f"Best params: {format_mapping(result.best_params) or '(none)'}")
        typer.echo(f"Best run: {result.best_run_id}")


@studies_app.command("list")
def studies_list(as_json: JsonOption = False) -> None:
    """Studies tracked in this project, newest first."""
    from workbench.tuning.studies import studies

    frame = studies()
    if as_json:
        print_json(frame_records(frame))
    elif frame.empty:
        typer.echo("No studies yet. Start one with wb.tune(objective, n_trials=...).")
    else:
        table(
            frame.to_dict(orient="records"),
            title=f"{counted(len(frame), 'study', 'studies')} (newest first)",
        )


@studies_app.command("show")
def studies_show(
    name: Annotated[str, typer.Argument(help="The study's name, as `studies list` shows it.")],
    as_json: JsonOption = False,
) -> None:
    """The trials of one study (from the tracking store)."""
    from workbench.tracking.queries import runs

    quoted = name.replace("\\", "\\\\").replace("'", "\\'")
    frame = runs(filter=f"tags.optuna.study = '{quoted}' and tags.workbench.kind IS NULL")
    if frame.empty:
        fail(f"No trials tracked for study {name!r}", "`workbench studies list` shows the studies.")
    columns = ["run_id", "name", "status", "tags.optuna.state"]
    columns += [c for c in frame.columns if c.startswith(("metrics.objective", "params."))]
    if as_json:
        print_json(frame_records(frame[columns]))
        return
    rows = frame[columns].to_dict(orient="records")
    for row in rows:
        row["run_id"] = row["run_id"][:12]
    table(rows, title=f"study {name}: {counted(len(frame), 'trial')}")
