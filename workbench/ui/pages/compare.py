"""``/compare?runs=ID,ID``: what changed between runs — the params, tags and attributes
that differ (``&diff=0`` shows them all), a summary of every metric's history per run, last
values as bars on an axis fitted to them, metric histories overlaid on a linked step axis,
the artifacts of each run with their fingerprints, their images side by side and their text
files diffed where they differ."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import panel as pn
import param

import workbench as wb
from workbench.tracking.queries import read_artifact
from workbench.tracking.summaries import compare_fields, metric_summaries
from workbench.ui._artifact_compare import ARTIFACTS_CSS, images_side_by_side, text_diffs
from workbench.ui._layout import RenderedView, empty_state, page, query_arg, run_link
from workbench.ui._plots import BARS_CSS, format_number, history_figure, scalar_bars

MAX_HISTORY_PLOTS = 12
MAX_TEXT = 40  # longer values are cut, the whole in their tooltip
SHORT_HASH = 10
DATE_FIELDS = ("attributes.started",)
DURATION_FIELDS = ("attributes.duration",)
_NUMBER = re.compile(r"^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$")
_HEX = re.compile(r"^[0-9a-f]{16,}$")


def format_duration(seconds: float) -> str:
    """``0.0902 s``, ``1.43 s``, ``2 min 05 s``, ``1 h 02 min``."""
    if seconds < 60:
        return f"{seconds:.3g} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


def _titled(text: str, full: str) -> str:
    return f'<span title="{html.escape(full, quote=True)}">{html.escape(text)}</span>'


def format_cell(field: str, value: Any) -> str:
    """A value of the compare table as HTML: durations in seconds, times in ISO 8601, numbers
    to 4 significant digits, hashes and long texts shortened; the exact value in its title."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return '<span class="wb-missing">—</span>'
    if isinstance(value, bool):
        return html.escape(str(value).lower())
    if field in DURATION_FIELDS:
        return _titled(format_duration(float(value)), f"{float(value)!r} s")
    if field in DATE_FIELDS:
        moment = datetime.fromtimestamp(float(value), UTC)
        return _titled(moment.strftime("%Y-%m-%dT%H:%M:%SZ"), moment.isoformat())
    text = str(value)
    if isinstance(value, int | float) or _NUMBER.match(text):
        if isinstance(value, str) and _significant_digits(text) <= 4:
            return html.escape(text)  # a param as it was logged: "1.0", "0.05"
        shown = format_number(float(value))
        return _titled(shown, text) if shown != text else html.escape(text)
    if _HEX.match(text):
        return _titled(text[:SHORT_HASH], text)
    if len(text) > MAX_TEXT:
        return _titled(text[: MAX_TEXT - 1] + "…", text)
    return html.escape(text)


def _significant_digits(number: str) -> int:
    mantissa = number.lower().split("e")[0].lstrip("+-").replace(".", "")
    return len(mantissa.strip("0")) or 1


def fields_table(frame: pd.DataFrame, names: dict[str, str]) -> str:
    """The compare table as HTML: one column per run, differing rows highlighted."""
    run_ids = [c for c in frame.columns if c != "differs"]
    head = "".join(f"<th>{run_link(r, names.get(r))}</th>" for r in run_ids)
    rows = []
    for field, row in frame.iterrows():
        css = ' class="wb-differs"' if row["differs"] else ""
        cells = "".join(f"<td>{format_cell(str(field), row[r])}</td>" for r in run_ids)
        rows.append(f"<tr{css}><th>{html.escape(str(field))}</th>{cells}</tr>")
    return _scrolling(
        '<table class="wb-compare-params"><thead><tr><th>field</th>'
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def summaries_table(summaries: pd.DataFrame, names: dict[str, str]) -> str:
    """Per metric, a row per run: points logged, last, min, max, mean and the best value with
    its step (best by the metric's direction when known, else the highest), the run with the
    best of all marked."""
    columns = ["points", "last", "min", "max", "mean"]
    rows = []
    for metric, group in summaries.groupby("metric", sort=True):
        direction = group["direction"].dropna()
        known = direction.iloc[0] if len(direction) else None
        arrow = {"minimize": " ↓", "maximize": " ↑"}.get(str(known), "")
        finite = group["best"].dropna()
        top = None
        if len(finite) and finite.nunique() > 1:  # all equal: nobody is best
            top = finite.min() if known == "minimize" else finite.max()
        for position, (_, row) in enumerate(group.iterrows()):
            head = ""
            if position == 0:
                head = (
                    f'<th rowspan="{len(group)}" title="best: '
                    f'{html.escape(str(known or "highest (direction unknown)"))}">'
                    f"{html.escape(str(metric))}{arrow}</th>"
                )
            cells = "".join(f"<td>{format_cell(c, row[c])}</td>" for c in columns)
            best = format_cell("best", row["best"])
            if row["best_step"] is not None and not pd.isna(row["best_step"]):
                best += f' <span class="wb-step">at step {int(row["best_step"]):,}</span>'
            css = ' class="wb-best-run"' if top is not None and row["best"] == top else ""
            rows.append(
                f"<tr{css}>{head}<td>{run_link(row['run_id'], names.get(row['run_id']))}</td>"
                f"{cells}<td>{best}</td></tr>"
            )
    heads = "".join(f"<th>{c}</th>" for c in ["metric", "run", *columns, "best"])
    return _scrolling(
        f'<table class="wb-compare-params wb-metric-summaries"><thead><tr>{heads}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _scrolling(table: str) -> str:
    return f'<div class="wb-scroll">{table}</div>'


TABLE_CSS = """
.wb-scroll{overflow-x:auto;max-width:100%}
.wb-compare-params{border-collapse:collapse;font-size:13px;min-width:100%}
.wb-compare-params th,.wb-compare-params td{border-bottom:1px solid #ddd;padding:4px 8px;
text-align:left;vertical-align:top;white-space:nowrap}
.wb-compare-params tr.wb-differs{background:#fff3bf}
.wb-metric-summaries tr.wb-best-run td{font-weight:600}
.wb-step{color:#666;font-size:11px}
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
    return _scrolling(
        '<table class="wb-compare-params wb-artifacts"><thead><tr><th>run</th><th>path</th>'
        f"<th>bytes</th><th>sha256</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


class CompareView(RenderedView):
    """Several runs side by side: by default only the fields where they differ."""

    run_ids = param.List(default=[], item_type=str)
    only_differences = param.Boolean(
        default=True, doc="Show only the params, tags and attributes that differ."
    )

    def __init__(self, **params: Any) -> None:
        # made before the first render, which places them
        self._toggle = pn.widgets.Checkbox(
            label="Only differences", value=params.get("only_differences", True),
            css_classes=["wb-diff-toggle"],
        )  # fmt: skip
        self._summary = pn.pane.HTML("", sizing_mode="stretch_width")
        self._fields = pn.pane.HTML(
            "", stylesheets=[TABLE_CSS], sizing_mode="stretch_width", css_classes=["wb-fields"]
        )
        self._frame: pd.DataFrame | None = None
        self._names: dict[str, str] = {}
        super().__init__(**params)
        self._toggle.param.watch(self._toggled, "value")

    def _toggled(self, event: Any) -> None:
        self.only_differences = bool(event.new)
        self._show_fields()
        if pn.state.location is not None:  # the link to this page reproduces the view
            # Panel annotates the values as mappings; they are strings
            pn.state.location.update_query(diff="1" if event.new else "0")  # type: ignore[arg-type]

    def render(self) -> list[Any]:
        details = {run_id: wb.get_run(run_id) for run_id in self.run_ids}
        self._names = {run_id: d.info.name for run_id, d in details.items()}
        self._frame = compare_fields(list(details.values()))  # the runs read once, not twice
        self._show_fields()
        summaries = metric_summaries(list(details.values()))
        objects: list[Any] = [self._toggle, self._summary, self._fields]
        if not summaries.empty:
            objects += [
                pn.pane.Markdown("### Metric summaries"),
                pn.pane.HTML(
                    summaries_table(summaries, self._names),
                    stylesheets=[TABLE_CSS], sizing_mode="stretch_width",
                    css_classes=["wb-summaries"],
                ),
            ]  # fmt: skip
        objects += self._plots(details, self._names, summaries)
        objects += [
            pn.pane.Markdown("### Artifacts"),
            pn.pane.HTML(
                artifacts_table(details, self._names),
                stylesheets=[TABLE_CSS],
                sizing_mode="stretch_width",
            ),
        ]
        return objects + self._artifact_contents(details)

    def _artifact_contents(self, details: dict[str, Any]) -> list[Any]:
        """The runs' images side by side and their differing text files as diffs."""
        labels = {r: f"{self._names[r]} ({r[:6]})" for r in details}
        headers = {r: run_link(r, labels[r]) for r in details}
        objects: list[Any] = []
        sections = [
            ("Images", "wb-compare-images", images_side_by_side(details, headers, read_artifact)),
            ("Text artifacts", "wb-compare-texts", text_diffs(details, labels, read_artifact)),
        ]
        for title, css_class, body in sections:
            if body:
                objects += [
                    pn.pane.Markdown(f"#### {title}"),
                    pn.pane.HTML(body, stylesheets=[ARTIFACTS_CSS], sizing_mode="stretch_width",
                                 css_classes=[css_class]),
                ]  # fmt: skip
        return objects

    def shown_fields(self) -> pd.DataFrame:
        """The rows of the fields table as shown: the differing ones, or all."""
        frame = self._frame if self._frame is not None else pd.DataFrame(columns=["differs"])
        return frame[frame["differs"]] if self.only_differences else frame

    def _show_fields(self) -> None:
        if self._frame is None:
            return
        differing = int(self._frame["differs"].sum())
        shown = self.shown_fields()
        what = "shown" if self.only_differences else "highlighted"
        self._summary.object = (
            f'<p class="wb-compare-summary">{len(self.run_ids)} runs, {differing} of '
            f"{len(self._frame)} params, tags and attributes differ ({what}).</p>"
        )
        if shown.empty:
            self._fields.object = "<p>The runs have the same params, tags and attributes.</p>"
        else:
            self._fields.object = fields_table(shown, self._names)

    def _plots(
        self, details: dict[str, Any], names: dict[str, str], summaries: pd.DataFrame
    ) -> list[Any]:
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
        last = summaries.set_index(["metric", "run_id"])["last"].to_dict()
        scalars = {
            key: {f"{names[r]} ({r[:6]})": last.get((key, r)) for r in details} for key in keys
        }
        if scalars:
            objects += [
                pn.pane.Markdown("### Last values"),
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
    compare = CompareView(run_ids=run_ids, only_differences=query_arg("diff", "1") != "0")
    compare.start_live_updates()
    return page("Compare", "/compare", "## Compare runs", compare)
