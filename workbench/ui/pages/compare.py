"""``/compare?runs=ID,ID``: runs side by side — params and attributes with the differences
highlighted, metric histories overlaid on a linked step axis, last values as bars, and the
datasets and artifacts of each run with their fingerprints."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
import panel as pn
import param

import workbench as wb
from workbench.tracking.queries import compare_details
from workbench.ui._layout import RenderedView, empty_state, page, query_arg, run_link
from workbench.ui._plots import BARS_CSS, history_figure, scalar_bars

MAX_HISTORY_PLOTS = 12


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return '<span class="wb-missing">—</span>'
    if isinstance(value, float):
        return f"{value:.6g}"
    return html.escape(str(value))


def fields_table(frame: pd.DataFrame, names: dict[str, str]) -> str:
    """The compare table as HTML: one column per run, differing rows highlighted."""
    run_ids = [c for c in frame.columns if c != "differs"]
    head = "".join(f"<th>{run_link(r, names.get(r))}</th>" for r in run_ids)
    rows = []
    for field, row in frame.iterrows():
        css = ' class="wb-differs"' if row["differs"] else ""
        cells = "".join(f"<td>{_cell(row[r])}</td>" for r in run_ids)
        rows.append(f"<tr{css}><th>{html.escape(str(field))}</th>{cells}</tr>")
    return (
        '<table class="wb-compare-params"><thead><tr><th>field</th>'
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


TABLE_CSS = """
.wb-compare-params{border-collapse:collapse;font-size:13px;width:100%}
.wb-compare-params th,.wb-compare-params td{border-bottom:1px solid #ddd;padding:4px 8px;
text-align:left;vertical-align:top}
.wb-compare-params tr.wb-differs{background:#fff3bf}
.wb-missing{color:#999}
"""


def artifacts_table(details: dict[str, Any], names: dict[str, str]) -> str:
    rows = []
    for run_id, detail in details.items():
        for artifact in detail.artifacts:
            rows.append(
                f"<tr><td>{run_link(run_id, names.get(run_id))}</td>"
                f"<td>{html.escape(artifact.path)}</td><td>{artifact.size:,}</td>"
                f"<td><code>{artifact.sha256[:12]}</code></td></tr>"
            )
    if not rows:
        return "<p>No artifacts.</p>"
    return (
        '<table class="wb-compare-params wb-artifacts"><thead><tr><th>run</th><th>path</th>'
        f"<th>bytes</th><th>sha256</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


class CompareView(RenderedView):
    """Several runs side by side."""

    run_ids = param.List(default=[], item_type=str)

    def render(self) -> list[Any]:
        details = {run_id: wb.get_run(run_id) for run_id in self.run_ids}
        names = {run_id: d.info.name for run_id, d in details.items()}
        frame = compare_details(list(details.values()))  # the runs read once, not twice
        differing = int(frame["differs"].sum())
        objects: list[Any] = [
            pn.pane.HTML(
                f'<p class="wb-compare-summary">{len(details)} runs, {differing} of '
                f"{len(frame)} fields differ (highlighted).</p>"
            ),
            pn.pane.HTML(
                fields_table(frame, names), stylesheets=[TABLE_CSS], sizing_mode="stretch_width"
            ),
        ]
        objects += self._plots(details, names)
        objects += [
            pn.pane.Markdown("### Artifacts"),
            pn.pane.HTML(artifacts_table(details, names), stylesheets=[TABLE_CSS]),
        ]
        return objects

    def _plots(self, details: dict[str, Any], names: dict[str, str]) -> list[Any]:
        keys = sorted({key for d in details.values() for key in d.metrics})
        histories: list[Any] = []
        for key in keys:
            curves = []
            for run_id in details:
                if key not in details[run_id].metrics:
                    continue
                points = wb.metric_history(run_id, key)
                if len(points) > 1:
                    curves.append((f"{names[run_id]} ({run_id[:6]})", points))
            if curves:
                # every history shares the first one's step range: zooming one zooms all
                shared = histories[0].x_range if histories else None
                histories.append(history_figure(key, curves, x_range=shared))
            if len(histories) == MAX_HISTORY_PLOTS:
                break
        objects: list[Any] = []
        if histories:
            objects += [
                pn.pane.Markdown("### Metric histories"),
                pn.Column(
                    *(pn.pane.Bokeh(plot, sizing_mode="stretch_width") for plot in histories),
                    sizing_mode="stretch_width",
                    css_classes=["wb-histories"],
                ),
            ]
        scalars = {
            key: {f"{names[r]} ({r[:6]})": d.metrics.get(key) for r, d in details.items()}
            for key in keys
        }
        if scalars:
            objects += [
                pn.pane.Markdown("### Metrics"),
                pn.pane.HTML(
                    scalar_bars(scalars), stylesheets=[BARS_CSS], sizing_mode="stretch_width"
                ),
            ]
        return objects


def view() -> pn.template.BaseTemplate:
    run_ids = [r for r in query_arg("runs").split(",") if r.strip()]
    if not run_ids:
        return page(
            "Compare",
            "/compare",
            empty_state(
                "Compare runs",
                "Select two or more runs on the [Runs](/runs) page and press *Compare*, "
                "or compare them in a notebook:",
                "wb.compare_runs([run_id_1, run_id_2])",
            ),
        )
    compare = CompareView(run_ids=run_ids)
    compare.start_live_updates()
    return page("Compare", "/compare", "## Compare runs", compare)
