"""``/drift``: the stored drift reports over time per dataset, with a chart of the drifted share;
``/drift?report=ID`` opens one report — its verdict, per-column tests and plots."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
import panel as pn
import param
from bokeh.models.widgets.tables import ScientificFormatter

import workbench as wb
from workbench.ui._drift_plots import figures_layout, report_figures
from workbench.ui._layout import (
    LiveView,
    data_table,
    empty_state,
    error_box,
    link,
    page,
    query_arg,
    run_link,
)

HISTORY_COLUMNS = ["report", "when", "dataset", "drifted", "share", "columns", "model", "run"]
COLUMN_FIELDS = ["column", "role", "type", "test", "statistic", "p_value", "threshold", "drifted",
                 "status", "note"]  # fmt: skip
DRIFT_BACKGROUND = "background-color: #f8d7da"
# Each plot costs the browser time to draw: the scores and the first distributions
# (drifted columns come first, as in report.plot()) are enough to see what moved.
MAX_PLOTS = 6


def report_link(report_id: int) -> str:
    return link(f"/drift?report={report_id}", f"#{report_id}", "wb-report-link")


def _given(value: Any) -> bool:
    # A report logged outside a run has no run id: None, or NaN next to reports with one.
    return isinstance(value, str) and value != ""


def history_frame(history: pd.DataFrame) -> pd.DataFrame:
    """The stored reports as listed: when, dataset, verdict, share, model version, run."""
    return pd.DataFrame(
        {
            "report": [report_link(int(i)) for i in history["id"]],
            "when": history["created_at"].dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(),
            "dataset": history["dataset"].to_numpy(),
            "drifted": ["yes" if d else "no" for d in history["drifted"]],
            "share": [f"{s:.1%}" for s in history["share"]],
            "columns": (
                history["n_drifted"].astype(str) + "/" + history["n_columns"].astype(str)
            ).to_numpy(),
            "model": [v if _given(v) else "" for v in history["model_version"]],
            "run": [run_link(r) if _given(r) else "" for r in history["run_id"]],
        }
    )


def share_over_time(history: pd.DataFrame) -> Any:
    """The drifted share of each report over time, one line per dataset with 2+ reports
    (``None`` when no dataset has two)."""
    import holoviews as hv

    counts = history["dataset"].value_counts()
    datasets = sorted(counts[counts >= 2].index)
    if not datasets:
        return None
    elements = []
    for dataset in datasets:
        rows = history[history["dataset"] == dataset].sort_values("created_at")
        points = (rows["created_at"].dt.tz_localize(None), rows["share"])
        elements.append(hv.Curve(points, "when", "share", label=dataset))
        elements.append(hv.Scatter(points, "when", "share", label=dataset).opts(size=6))
    return hv.Overlay(elements).opts(
        hv.opts.Curve(tools=["hover"]),
        hv.opts.Overlay(
            title="Share of drifted columns over time", height=260, responsive=True,
            legend_position="right", ylim=(0, 1),
        ),
    )  # fmt: skip


def verdict_html(report: Any, summary: pd.Series | None) -> str:
    """The dataset verdict in words, with where the report came from."""
    drifted = bool(report.drifted)
    verdict = "Dataset drift detected" if drifted else "No dataset drift"
    origin = ""
    if summary is not None:
        origin = (
            f'<span class="wb-drift-dataset">{html.escape(str(summary["dataset"]))}</span> · '
            f"{summary['created_at']:%Y-%m-%d %H:%M:%S} UTC"
        )
        if _given(summary["model_version"]):
            origin += f" · model {html.escape(str(summary['model_version']))}"
    return (
        f'<div class="wb-drift-report">{origin}'
        f'<p class="wb-drift-verdict" data-drifted="{"yes" if drifted else "no"}">'
        f"<b>{verdict}</b>: {report.n_drifted} of {len(report.tested)} columns drifted "
        f"(share {report.share:.1%}, threshold {report.drift_share:.0%}); "
        f"{report.reference_rows} reference vs {report.current_rows} current rows.</p></div>"
    )


def shown_plots(report: Any, report_id: int) -> tuple[list[Any], str]:
    """The first ``MAX_PLOTS`` plots of the report (Bokeh figures in Panel panes), and a note
    when some are left out."""
    figures, total = report_figures(report, MAX_PLOTS)
    note = ""
    if total > len(figures):
        note = (
            f"Showing {len(figures)} of {total} plots (drifted columns first); a notebook "
            f"cell draws them all: `wb.drift.get_report({report_id}).plot()`"
        )
    return figures_layout(figures), note


def _highlight_drifted(row: pd.Series) -> list[str]:
    return [DRIFT_BACKGROUND if row["drifted"] else ""] * len(row)


class DriftView(LiveView):
    """The reports over time, and the one named by ``report`` in detail."""

    report = param.String(default="", doc="Id of the report shown in detail ('' for none).")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._error = error_box()
        self._empty = empty_state(
            "No drift report yet",
            "A drift report compares new data with the data a model was trained on, column by "
            "column, and stores the verdict here. Check a dataset and store the report:",
            'wb.drift.compare(reference_df, current_df).log(dataset="my-dataset")',
        )
        self._history = data_table(
            pd.DataFrame(columns=HISTORY_COLUMNS),
            "wb-drift-history",
            pagination="local",
            page_size=20,
            formatters={"report": {"type": "html"}, "run": {"type": "html"}},
        )
        self._chart = pn.pane.HoloViews(
            None, sizing_mode="stretch_width", visible=False, css_classes=["wb-drift-chart"]
        )
        self._overview = pn.Column(
            pn.pane.Markdown("## Drift reports"),
            self._chart,
            self._history,
            sizing_mode="stretch_width",
        )
        self._verdict = pn.pane.HTML("", sizing_mode="stretch_width")
        self._columns = data_table(
            pd.DataFrame(columns=COLUMN_FIELDS),
            "wb-drift-columns",
            # a page of rows: laying out all rows of a 100-column report took the browser
            # longer than drawing its plots
            pagination="local",
            page_size=20,
            # p-values of strong drift are tiny: 1e-19, not 0.0
            formatters={
                "statistic": ScientificFormatter(precision=4),
                "p_value": ScientificFormatter(precision=4),
            },
        )
        self._plots = pn.Column(sizing_mode="stretch_width", css_classes=["wb-drift-plots"])
        self._plots_note = pn.pane.Markdown("", sizing_mode="stretch_width")
        self._detail = pn.Column(
            pn.pane.HTML(f"<h3>Drift report #{html.escape(self.report)}</h3>"),
            self._verdict,
            pn.pane.Markdown("#### Columns"),
            self._columns,
            self._plots_note,
            self._plots,
            pn.pane.HTML(link("/drift", "All reports")),
            visible=False,
            sizing_mode="stretch_width",
        )
        self._shown_report: int | None = None
        self.refresh()

    def refresh(self) -> None:
        history = wb.drift.history()
        self._empty.visible = history.empty
        self._overview.visible = not history.empty
        if not history.empty:
            self._history.value = history_frame(history)
            chart = share_over_time(history)
            self._chart.object = chart
            self._chart.visible = chart is not None
        if self.report and self._shown_report is None:
            self._show_report(history)

    def _show_report(self, history: pd.DataFrame) -> None:
        """Reports never change once stored, so one is drawn once."""
        try:
            report_id = int(self.report)
            report = wb.drift.get_report(report_id)
        except ValueError:
            self._error.show(f"Report id must be a number, got {self.report!r}.")
            return
        except LookupError as error:
            self._error.show(str(error))
            return
        found = history[history["id"] == report_id]
        self._verdict.object = verdict_html(report, None if found.empty else found.iloc[0])
        columns = report.to_frame()[COLUMN_FIELDS]
        self._columns.value = columns
        self._columns.style.apply(_highlight_drifted, axis=1)
        self._plots.objects, self._plots_note.object = shown_plots(report, report_id)
        self._detail.visible = True
        self._shown_report = report_id

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            self._error, self._empty, self._detail, self._overview, sizing_mode="stretch_width"
        )


def view() -> pn.template.BaseTemplate:
    drift = DriftView(report=query_arg("report"))
    drift.start_live_updates()
    return page("Drift", "/drift", drift)
