"""``/pipelines``: the pipeline packages exported from notebooks into the project's
``pipelines/`` folder, newest export first — name, version, when it was exported, whether it
reproduces its notebook, fingerprint; ``/pipelines?name=NAME`` one package: its reproduction
status, its steps as a DAG coloured by the latest run, its versions and the diff between two
of them, its runs with each step's duration and cache hit."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

import pandas as pd
import panel as pn
import param

import workbench as wb
from workbench.pipelines.catalog import (
    PIPELINES_DIR,
    PipelinePackage,
    list_packages,
    manifest_verdict,
    package_signature,
    pipelines_folder,
    read_manifest,
)
from workbench.tracking.queries import experiments
from workbench.ui._dag import DAG_CSS, pipeline_dag
from workbench.ui._layout import (
    LiveView,
    RenderedView,
    data_table,
    empty_state,
    link,
    page,
    query_arg,
    run_link,
)
from workbench.ui.pages.compare import format_duration

COLUMNS = ["name", "version", "exported", "verdict", "fingerprint", "folder", "note"]
VERDICT_CSS = (
    ".wb-verdict-ok{color:#2e7d32;font-weight:600}.wb-verdict-bad{color:#c62828;font-weight:600}"
    ".wb-verdict-none{color:#777}"
)
STEP_COLUMNS = ["step", "status", "seconds", "cache_hit"]


def exported_at(package: PipelinePackage) -> datetime | None:
    """When the package's current version was exported, in local time (the catalog reads it
    from the manifest, else from the version record's time)."""
    try:
        return datetime.fromisoformat(package.exported_at).astimezone()
    except ValueError:
        return None


def short_verdict(verdict: str) -> str:
    """The verdict as a cell: ``diverged at step X`` or ``unseeded randomness`` (the whole
    verdict, with the variable or the call, in its tooltip)."""
    short = verdict.split(" (")[0] if verdict.startswith("diverged") else verdict
    if short.startswith("unseeded randomness"):
        short = "unseeded randomness"
    css = "none"
    if short in ("reproduced", "within tolerance"):
        css = "ok"
    elif short.startswith(("diverged", "unseeded")):
        css = "bad"
    return (
        f'<span class="wb-verdict wb-verdict-{css}" '
        f'title="{html.escape(verdict, quote=True)}">{html.escape(short)}</span>'
    )


class PipelinesView(LiveView):
    """The exported pipeline packages, re-read on demand and when the store changes."""

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._empty = empty_state(
            "No exported pipeline yet",
            "Exporting a notebook turns it into an installable, versioned pipeline package that "
            "reproduces its results and can retrain itself. Use *Export as pipeline* in "
            "JupyterLab, or run this in a terminal; the package lands in "
            f"`{PIPELINES_DIR}/<name>/`, versioned:",
            "workbench export notebook.ipynb",
        )
        self._table = data_table(
            pd.DataFrame(columns=COLUMNS),
            "wb-pipelines-table",
            formatters={"name": {"type": "html"}, "verdict": {"type": "html"}},
            stylesheets=[VERDICT_CSS],
        )
        self._count = pn.pane.HTML("")
        self._reload = pn.widgets.Button(label="Reload", css_classes=["wb-pipelines-reload"])
        self._reload.on_click(lambda *_: self.refresh())
        self._listing = pn.Column(self._table, sizing_mode="stretch_width")
        self.refresh()

    def revision(self) -> tuple[Any, ...]:
        # packages are files, not rows: an export shows up without a click on Reload
        return (*super().revision(), *package_signature())

    def refresh(self) -> None:
        packages = list_packages()
        self._empty.visible = not packages
        self._listing.visible = bool(packages)
        dated = [(exported_at(p), p) for p in packages]
        # newest export first; a package without a date last
        dated.sort(key=lambda item: item[0].timestamp() if item[0] else float("-inf"),
                   reverse=True)  # fmt: skip
        frame = pd.DataFrame(
            [
                {
                    "name": link(f"/pipelines?name={p.name}", p.name),
                    "version": p.version,
                    "exported": moment.strftime("%Y-%m-%dT%H:%M:%S") if moment else "",
                    "verdict": short_verdict(p.verdict) if p.verdict else "",
                    "fingerprint": p.fingerprint,
                    "folder": p.folder,
                    "note": p.note,
                }
                for moment, p in dated
            ],
            columns=COLUMNS,
        )
        self._table.value = frame
        self._count.object = f'<b class="wb-pipeline-count">{len(packages)} pipeline(s)</b>'

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            pn.pane.Markdown("## Pipelines"),
            pn.Row(self._count, self._reload),
            self._empty,
            self._listing,
            sizing_mode="stretch_width",
        )


def pipeline_runs(package: str, limit: int = 20) -> pd.DataFrame:
    names = experiments()
    if not names:
        return pd.DataFrame()
    return wb.runs(
        experiment=names,
        filter=f"tags.`pipeline.name` = '{package}' and tags.`workbench.kind` = 'pipeline'",
        max_results=limit,
    )


def step_runs(run_id: str) -> pd.DataFrame:
    """The step runs of one pipeline run: step, status, duration and cache hit, in run order
    (a failed step logged no duration: its run's wall time stands in)."""
    children = wb.runs(experiment=experiments(), filter=f"attributes.parent_id = '{run_id}'")
    if children.empty:
        return pd.DataFrame(columns=STEP_COLUMNS)
    children = children.sort_values("start_time")
    seconds = children.get("metrics.duration", pd.Series(float("nan"), index=children.index))
    return pd.DataFrame(
        {
            "step": children["name"].to_numpy(),
            "status": children["status"].to_numpy(),
            "seconds": seconds.fillna(children["duration"]).to_numpy(),
            "cache_hit": children.get("tags.cache_hit", pd.Series(dtype=str)).to_numpy(),
        }
    )


def step_results(steps: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Step name → (outcome, duration) for the DAG: ``cache hit``, ``ran``, ``failed`` or
    ``running`` (a step missing from the run was not run)."""
    results = {}
    for step, status, seconds, cache_hit in zip(
        steps["step"], steps["status"], pd.to_numeric(steps["seconds"]), steps["cache_hit"],
        strict=True,
    ):  # fmt: skip
        if status == "FAILED":
            outcome = "failed"
        elif status == "RUNNING":
            outcome = "running"
        else:
            outcome = "cache hit" if cache_hit == "true" else "ran"
        duration = "" if pd.isna(seconds) else format_duration(float(seconds))
        results[str(step)] = (outcome, duration)
    return results


class PipelineDetail(RenderedView):
    """One package: reproduction status, versions, a diff, its runs and their steps."""

    name = param.String(default="")

    def render(self) -> list[Any]:
        from workbench.pipelines.package.versioning import diff, list_versions

        manifest = read_manifest(self.name)
        package = str(manifest.get("package") or self.name)
        outcome = manifest_verdict(manifest)
        objects: list[Any] = [
            pn.pane.HTML(
                f'<h2 class="wb-pipeline-title">{html.escape(self.name)} '
                f'<small class="wb-pipeline-version">{html.escape(str(manifest.get("version")))}'
                f'</small></h2><p>Reproduction: <b class="wb-verdict">{html.escape(outcome)}</b>'
                f" · fingerprint <code>{html.escape(str(manifest.get('fingerprint', ''))[:12])}"
                f"</code> · run it: <code>python -m {html.escape(package)} run</code></p>"
            )
        ]
        runs = pipeline_runs(package)
        latest = str(runs["run_id"].iloc[0]) if not runs.empty else None
        steps = step_runs(latest) if latest else pd.DataFrame(columns=STEP_COLUMNS)
        objects += self._dag(manifest, steps, latest)
        versions = list_versions(self.name, out=pipelines_folder())
        if versions:
            table = pd.DataFrame(
                {
                    "version": [v["version"] for v in versions],
                    "change": [v["level"] or "first export" for v in versions],
                    "why": ["; ".join(v["reasons"]) for v in versions],
                    "steps": [" → ".join(v["steps"]) for v in versions],
                    "fingerprint": [v["fingerprint"][:12] for v in versions],
                }
            ).iloc[::-1]
            objects += [pn.pane.Markdown("### Versions"), data_table(table, "wb-pipeline-versions")]
        if len(versions) >= 2:
            change = diff(self.name, versions[-2]["version"], versions[-1]["version"],
                          out=pipelines_folder())  # fmt: skip
            lines = "".join(f"<li>{html.escape(str(c))}</li>" for c in change["changes"])
            objects.append(
                pn.pane.HTML(
                    f'<div class="wb-pipeline-diff"><b>{change["from"]} → {change["to"]}</b> '
                    f"({html.escape(str(change['level']))}):<ul>{lines}</ul></div>"
                )
            )
        objects += self._runs(package, runs, steps)
        return objects

    def _dag(self, manifest: dict[str, Any], steps: pd.DataFrame, latest: str | None) -> list[Any]:
        planned = [s for s in manifest.get("steps") or [] if isinstance(s, dict) and "name" in s]
        if not planned:
            return []
        files = {
            str(i["name"]): str(i.get("path") or i["name"])
            for i in manifest.get("inputs") or []
            if isinstance(i, dict) and "name" in i
        }
        caption = f"coloured by the latest run {run_link(latest)}" if latest else "not run yet"
        return [
            pn.pane.HTML(
                f'<h3>Steps</h3><p class="wb-dag-caption">{caption}</p>'
                f"{pipeline_dag(planned, step_results(steps), files)}",
                stylesheets=[DAG_CSS],
                sizing_mode="stretch_width",
                css_classes=["wb-pipeline-dag"],
            )
        ]

    def _runs(self, package: str, runs: pd.DataFrame, steps: pd.DataFrame) -> list[Any]:
        if runs.empty:
            return [empty_state("No run yet", "Run the pipeline; each run is tracked here:",
                                f"python -m {package} run")]  # fmt: skip
        metrics = [c for c in runs.columns if c.startswith("metrics.")]
        table = pd.DataFrame(
            {
                "run": [run_link(r) for r in runs["run_id"]],
                "started": runs["start_time"].dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(),
                "status": runs["status"].to_numpy(),
                "version": runs.get("tags.pipeline.version", pd.Series(dtype=str)).to_numpy(),
                **{c.removeprefix("metrics."): runs[c].to_numpy() for c in metrics},
            }
        )
        latest = str(runs["run_id"].iloc[0])
        hits = int((steps["cache_hit"] == "true").sum())
        return [
            pn.pane.Markdown("### Runs"),
            data_table(table, "wb-pipeline-runs", formatters={"run": {"type": "html"}}),
            pn.pane.HTML(
                f'<p class="wb-pipeline-steps-title">Steps of the latest run '
                f"{run_link(latest)}: {hits} of {len(steps)} from the cache</p>"
            ),
            data_table(steps, "wb-pipeline-steps"),
        ]


def view() -> pn.template.BaseTemplate:
    name = query_arg("name").strip()
    if name:
        detail = PipelineDetail(name=name)
        detail.start_live_updates()
        return page("Pipeline", "/pipelines", detail)
    pipelines = PipelinesView()
    pipelines.start_live_updates()
    return page("Pipelines", "/pipelines", pipelines)
