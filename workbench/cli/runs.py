"""``workbench runs list|show|compare|delete``."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from workbench.cli._output import (
    JsonOption,
    count_title,
    fail,
    fields,
    format_time,
    frame_records,
    print_json,
    table,
)
from workbench.cli._typer import WorkbenchTyper

runs_app = WorkbenchTyper(help="List, show, compare and delete runs.")

RunIdArgument = Annotated[
    str, typer.Argument(help="A run id, or a prefix of one that no other run shares.")
]
# Keys a filter names: metrics.auc, params.`learning rate`, tags.owner.
_FILTER_KEY = re.compile(r"\b(metrics|params|tags|attributes)\.(`[^`]+`|[\w./-]+)")
_TIME_FIELDS = ("start_time", "end_time", "heartbeat_at")
_TRACK_ONE = "Track one with `with wb.start_run(): ...` in a notebook."


def _missing_keys(filter: str, experiment: list[str] | None) -> list[str]:
    """The ``metrics.x``/``params.x``/``tags.x`` the filter names that no run has, with the
    keys that exist (``metrics.loss.min`` counts as ``loss``)."""
    from workbench.tracking.queries import run_keys

    known = run_keys(experiment)
    notes = []
    for kind, raw in _FILTER_KEY.findall(filter):
        if kind == "attributes":
            continue
        key = raw.strip("`")
        have = known.get(kind, [])
        if key not in have and key.rsplit(".", 1)[0] not in have:
            listed = ", ".join(have) if have else "none"
            notes.append(f"no run has {kind[:-1]} {key!r} ({kind}: {listed})")
    return notes


def _say_nothing_matched(filter: str | None, experiment: list[str] | None) -> None:
    from workbench.tracking.queries import count_runs

    everything = count_runs(experiment)
    where = f"experiment {', '.join(experiment)}" if experiment else "this project"
    if everything == 0:
        typer.echo(f"No runs in {where} yet. {_TRACK_ONE}")
        return
    typer.echo(f"None of the {everything} runs in {where} match the filter {filter!r}.")
    for note in _missing_keys(filter or "", experiment):
        typer.echo(f"  {note[0].upper()}{note[1:]}.")


@runs_app.command("list")
def runs_list(
    experiment: Annotated[
        list[str] | None,
        typer.Option("--experiment", "-e", metavar="NAME", help="Experiment name (repeatable)."),
    ] = None,
    filter: Annotated[
        str | None,
        typer.Option(
            "--filter", "-f", metavar="EXPR", help='e.g. "metrics.auc > 0.9 and params.lr < 0.1"'
        ),
    ] = None,
    order_by: Annotated[
        list[str] | None,
        typer.Option("--order-by", "-o", metavar="KEY", help="e.g. 'metrics.auc DESC'."),
    ] = None,
    max_results: Annotated[
        int, typer.Option("--max", "-n", min=0, metavar="N", help="Show at most N runs.")
    ] = 50,
    stale_after: Annotated[
        float,
        typer.Option(
            metavar="SECONDS", help="Seconds without a heartbeat before a RUNNING run is KILLED."
        ),
    ] = 60.0,
    as_json: JsonOption = False,
) -> None:
    """List runs, newest first. Runs whose process is gone are marked KILLED first."""
    from workbench.tracking.errors import FilterError
    from workbench.tracking.queries import count_runs, mark_stale_runs, runs

    experiments = experiment or None
    mark_stale_runs(stale_after)
    try:
        frame = runs(
            experiment=experiments, filter=filter, order_by=order_by, max_results=max_results
        )
        total = count_runs(experiments, filter=filter)
    except FilterError as error:
        fail(error, "See `workbench runs list --help` for the filter syntax.")
    except ValueError as error:
        fail(error)
    if as_json:
        print_json(frame_records(frame))
        return
    if frame.empty:
        _say_nothing_matched(filter, experiments)
        return
    metrics = [c for c in frame.columns if c.startswith("metrics.")][:6]
    rows = frame[["run_id", "experiment", "name", "status", "start_time", *metrics]].to_dict(
        orient="records"
    )
    for row in rows:
        row["run_id"] = row["run_id"][:12]
    order = f"ordered by {', '.join(order_by)}" if order_by else "newest first"
    table(rows, title=count_title(len(frame), total, "run", order))


def resolve_run_id(run_id: str) -> str:
    """Accept a unique id prefix, as shown by `runs list`."""
    from workbench.tracking.queries import runs

    if len(run_id) == 32:
        return run_id
    ids = [i for i in runs(include_deleted=True)["run_id"] if i.startswith(run_id)]
    if not ids:
        fail(f"no run with an id starting with {run_id!r}", "`workbench runs list` shows them.")
    if len(ids) > 1:
        fail(f"{len(ids)} runs have an id starting with {run_id!r}", "Give more characters.")
    return str(ids[0])


def _details(run_id: str) -> Any:
    from workbench.tracking.errors import RunNotFoundError
    from workbench.tracking.queries import get_run

    try:
        return get_run(resolve_run_id(run_id))
    except RunNotFoundError as error:
        fail(error, "`workbench runs list` shows the runs.")


@runs_app.command("show")
def runs_show(run_id: RunIdArgument, as_json: JsonOption = False) -> None:
    """Everything about one run: info, params, metrics, tags, artifacts, datasets."""
    import dataclasses

    details = _details(run_id)
    payload = dataclasses.asdict(details)
    if details.environment is not None:
        payload["environment"]["packages"] = len(details.environment.packages)
    for key in _TIME_FIELDS:
        if payload["info"].get(key) is not None:
            moment = datetime.fromtimestamp(payload["info"][key], tz=UTC)
            payload["info"][key] = moment if as_json else format_time(moment)
    for artifact in payload["artifacts"]:
        if artifact.get("created_at") is not None:
            moment = datetime.fromtimestamp(artifact["created_at"], tz=UTC)
            artifact["created_at"] = moment if as_json else format_time(moment)
    if as_json:
        print_json(payload)
        return
    info = payload.pop("info")
    fields(info, title=f"run {details.id}")
    for section in ("params", "metrics", "tags"):
        if payload[section]:
            table([{"key": k, "value": v} for k, v in payload[section].items()], title=section)
    if payload["artifacts"]:
        table(payload["artifacts"], title="artifacts")
    if payload["datasets"]:
        columns = ["role", "name", "fingerprint", "n_rows", "n_cols"]
        table(payload["datasets"], columns=columns, title="datasets")
    if details.children:
        typer.echo(f"child runs: {', '.join(details.children)}")


@runs_app.command("compare")
def runs_compare(
    run_ids: Annotated[
        list[str], typer.Argument(metavar="RUN_ID...", help="Two or more run ids (or prefixes).")
    ],
    as_json: JsonOption = False,
) -> None:
    """Params, metrics and tags of runs side by side; `*` marks differences."""
    from workbench.tracking.errors import RunNotFoundError
    from workbench.tracking.queries import compare_runs

    try:
        frame = compare_runs([resolve_run_id(r) for r in run_ids])
    except RunNotFoundError as error:
        fail(error, "`workbench runs list` shows the runs.")
    if as_json:
        print_json(frame_records(frame.reset_index()))
        return
    rows = []
    for field, row in frame.iterrows():
        entry = {"": "*" if row["differs"] else "", "field": field}
        entry.update({str(c)[:12]: row[c] for c in frame.columns if c != "differs"})
        rows.append(entry)
    table(rows, title=f"{len(run_ids)} runs side by side (* differs)")


@runs_app.command("delete")
def runs_delete(
    run_id: RunIdArgument,
    restore: Annotated[bool, typer.Option("--restore", help="Bring a deleted run back.")] = False,
) -> None:
    """Delete a run (and its child runs); `workbench gc --purge-deleted` removes it for good."""
    from workbench.tracking.errors import RunNotFoundError
    from workbench.tracking.queries import delete_run, restore_run

    full = resolve_run_id(run_id)
    try:
        (restore_run if restore else delete_run)(full)
    except RunNotFoundError as error:
        fail(error)
    typer.echo(f"{'Restored' if restore else 'Deleted'} run {full}.")
