"""``/pipelines``: the pipeline packages exported from notebooks into the project's
``pipelines/`` folder — name, version, fingerprint and when each was exported;
``/pipelines?name=NAME`` one package: its reproduction status, its versions and the diff
between two of them, its runs with each step's duration and cache hit."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
import panel as pn
import param

import workbench as wb
from workbench.pipelines.catalog import (
    PIPELINES_DIR,
    list_packages,
    manifest_verdict,
    package_signature,
    pipelines_folder,
    read_manifest,
)
from workbench.tracking.queries import experiments
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

COLUMNS = ["name", "version", "fingerprint", "exported_at", "folder", "note"]


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
            formatters={"name": {"type": "html"}},
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
        rows = [vars(p) for p in packages]
        frame = pd.DataFrame(rows, columns=COLUMNS)
        frame["name"] = [link(f"/pipelines?name={n}", n) for n in frame["name"]]
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
    """The step runs of one pipeline run: step, status, duration and cache hit, in run order."""
    children = wb.runs(experiment=experiments(), filter=f"attributes.parent_id = '{run_id}'")
    if children.empty:
        return pd.DataFrame(columns=["step", "status", "seconds", "cache_hit"])
    children = children.sort_values("start_time")
    return pd.DataFrame(
        {
            "step": children["name"].to_numpy(),
            "status": children["status"].to_numpy(),
            "seconds": children.get("metrics.duration", pd.Series(dtype=float)).to_numpy(),
            "cache_hit": children.get("tags.cache_hit", pd.Series(dtype=str)).to_numpy(),
        }
    )


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
        objects += self._runs(package)
        return objects

    def _runs(self, package: str) -> list[Any]:
        runs = pipeline_runs(package)
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
        steps = step_runs(latest)
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
