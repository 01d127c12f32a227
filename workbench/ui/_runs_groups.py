"""The runs page grouped by a param or tag: one row per group with its run count and each
chosen metric's mean ± std, min and max; a group's row expands to its runs; one metric's
histories as a mean ± std band per group."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import panel as pn

from workbench.tracking.grouping import aggregate_runs, group_histories, group_labels
from workbench.ui._layout import run_link
from workbench.ui._plots import band_figure, format_number

MAX_MEMBERS = 100  # runs listed under an expanded group; the rest are counted
MAX_BAND_RUNS = 1_000  # beyond this, ask for a narrower filter
MAX_BAND_STEPS = 500  # steps drawn per band: more add bytes to send, not shape to see
MEMBERS_STYLE = (
    "table.wb-group-runs{border-collapse:collapse;margin:4px 0 10px 44px;font-size:90%;"
    "color:#212529;background:#fff}"
    ".wb-group-runs th,.wb-group-runs td{padding:2px 12px;text-align:left;"
    "border-bottom:1px solid #e3e3e3}"
)


def _number(value: Any) -> str:
    return "" if value is None or value != value else format_number(float(value))


def mean_and_spread(mean: float, std: float) -> str:
    """``0.8512 ± 0.0123``; the mean alone when there is no spread to show (one value)."""
    if mean != mean:
        return ""
    if std != std:
        return _number(mean)
    return f"{_number(mean)} ± {_number(std)}"


def group_rows(summary: pd.DataFrame, by: str, metrics: Sequence[str]) -> pd.DataFrame:
    """The grouped table's cells: the group, its runs, per metric ``mean ± std``, min, max."""
    shown = pd.DataFrame({by: summary[by].to_numpy(), "runs": summary["runs"].to_numpy()})
    for metric in metrics:
        if summary[f"{metric} mean"].isna().all() and summary[f"{metric} max"].isna().all():
            continue  # no run of any group has it: three empty columns say nothing
        shown[metric] = [
            mean_and_spread(m, s)
            for m, s in zip(summary[f"{metric} mean"], summary[f"{metric} std"], strict=True)
        ]
        shown[f"{metric} min"] = [_number(v) for v in summary[f"{metric} min"]]
        shown[f"{metric} max"] = [_number(v) for v in summary[f"{metric} max"]]
    return shown


def thin_steps(bands: pd.DataFrame, limit: int = MAX_BAND_STEPS) -> pd.DataFrame:
    """``bands`` with at most ``limit`` evenly spaced steps per group, its first and last
    step always kept."""
    pieces = []
    for _, band in bands.groupby("group", sort=False):
        if len(band) > limit:
            positions = np.unique(np.linspace(0, len(band) - 1, limit).round().astype(int))
            band = band.iloc[positions]
        pieces.append(band)
    return pd.concat(pieces, ignore_index=True) if pieces else bands


def members_html(runs: pd.DataFrame, metrics: Sequence[str]) -> str:
    """A group's runs as a small HTML table: link, name, status and the chosen metrics."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in ["run", "name", "status", *metrics])
    rows = []
    for _, run in runs.head(MAX_MEMBERS).iterrows():
        cells = [run_link(run["run_id"]), html.escape(str(run["name"])),
                 html.escape(str(run["status"]))]  # fmt: skip
        cells += [_number(run[m]) if m in run else "" for m in metrics]
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    more = len(runs) - MAX_MEMBERS
    tail = f"<p>… and {more} more</p>" if more > 0 else ""
    return (
        f'<table class="wb-group-runs"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>{tail}"
    )


class GroupedRuns(pn.viewable.Viewer):
    """The grouped table and the band plot of one set of runs (every run the filter matches)."""

    def __init__(self) -> None:
        super().__init__()
        self._runs = pd.DataFrame()
        self._labels = pd.Series(dtype=object)
        self._metrics: list[str] = []
        self.table = pn.widgets.Tabulator(
            pd.DataFrame(),
            disabled=True,
            selectable=False,
            show_index=False,
            row_content=self._members,
            embed_content=False,
            sizing_mode="stretch_width",
            css_classes=["wb-groups-table"],
        )
        self.band_picker = pn.widgets.Select(
            label="Band of metric", options=[], width=260, css_classes=["wb-band-metric"]
        )
        self._plot = pn.pane.Bokeh(None, sizing_mode="stretch_width", css_classes=["wb-bands"])
        self._empty = pn.pane.HTML("")
        self.panel = pn.Column(
            self.table, self.band_picker, self._empty, self._plot, sizing_mode="stretch_width"
        )

    def group(self, runs: pd.DataFrame, by: str, metrics: Sequence[str], band: str) -> int:
        """Group ``runs`` by ``by``; returns how many groups there are."""
        self._runs, self._metrics = runs, list(metrics)
        self._labels = group_labels(runs, by)
        summary = aggregate_runs(runs, by, self._metrics)
        rows = group_rows(summary, by, self._metrics)
        shown = [m for m in self._metrics if m in rows]
        # one header per metric over its three columns: "mean ± std", "min", "max"
        self.table.titles = {
            **{m: "mean ± std" for m in shown},
            **{f"{m} {s}": s for m in shown for s in ("min", "max")},
        }
        self.table.groups = {m: [m, f"{m} min", f"{m} max"] for m in shown}
        self.table.expanded = []
        self.table.value = rows
        self.show_band(by, band)
        return len(summary)

    def show_band(self, by: str, band: str) -> None:
        """Draw ``band``'s history as a mean ± std band per group (none for no metric)."""
        if not band or not len(self._runs):
            self._plot.object = None
            self._empty.object = ""
            return
        if len(self._runs) > MAX_BAND_RUNS:
            self._plot.object = None
            self._empty.object = (
                f"<i>Bands are drawn for up to {MAX_BAND_RUNS:,} runs; these are "
                f"{len(self._runs):,}: narrow the filter to see them.</i>"
            )
            return
        bands = group_histories(self._runs, by, band)
        if bands.empty:
            self._plot.object = None
            self._empty.object = f"<i>No run of these groups logged {html.escape(band)}.</i>"
            return
        self._empty.object = ""
        self._plot.object = band_figure(band, thin_steps(bands))

    def _members(self, row: pd.Series) -> pn.pane.HTML:
        group = row.iloc[0]
        members = self._runs[(self._labels == group).to_numpy()]
        return pn.pane.HTML(
            members_html(members, self._metrics), stylesheets=[MEMBERS_STYLE],
            sizing_mode="stretch_width",
        )  # fmt: skip

    def __panel__(self) -> pn.viewable.Viewable:
        return self.panel
