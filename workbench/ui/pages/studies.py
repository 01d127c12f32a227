"""``/studies``: the tuning studies of the project; ``/studies?study=NAME`` opens one — its best
trial, history / importance / parallel-coordinates plots and the trials table, updated live
while the study runs elsewhere."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import quote

import pandas as pd
import panel as pn
import param

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
from workbench.ui._study_data import best_trial_html, known_studies, study_snapshot
from workbench.ui._study_plots import history_figure, importance_figure, parallel_figure

STUDY_COLUMNS = ["study", "status", "trials", "best value", "study run", "started"]


def study_link(name: str) -> str:
    return link(f"/studies?study={quote(name, safe='')}", name, "wb-study-link")


def studies_frame(studies: pd.DataFrame) -> pd.DataFrame:
    """The list of studies as shown: a link to open each, its run linked."""
    started = pd.to_datetime(studies["started"], utc=True)
    return pd.DataFrame(
        {
            "study": [study_link(str(name)) for name in studies["study"]],
            "status": studies["status"].to_numpy(),
            "trials": studies["n_trials"].to_numpy(),
            "best value": pd.to_numeric(studies["best_value"], errors="coerce").to_numpy(),
            "study run": [run_link(str(r)) for r in studies["run_id"]],
            "started": started.dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(),
        }
    )


class StudiesView(LiveView):
    """The studies of the project, and the one named by ``study`` in detail."""

    study = param.String(default="", doc="The study shown in detail ('' for none).")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._error = error_box()
        self._empty = empty_state(
            "No tuning study yet",
            "A study tunes a model's hyperparameters with Optuna; every trial is a tracked run. "
            "Start one in a notebook:",
            "result = wb.tune(objective, n_trials=50)",
        )
        self._list = data_table(
            pd.DataFrame(columns=STUDY_COLUMNS),
            "wb-studies-table",
            formatters={"study": {"type": "html"}, "study run": {"type": "html"}},
        )
        self._heading = pn.pane.HTML("", sizing_mode="stretch_width")
        self._best = pn.pane.HTML("", sizing_mode="stretch_width")
        self._history = pn.pane.Bokeh(
            None, sizing_mode="stretch_width", css_classes=["wb-study-history"]
        )
        self._parallel = pn.pane.Bokeh(
            None, sizing_mode="stretch_width", css_classes=["wb-study-parallel"]
        )
        self._importance_plot = pn.pane.Bokeh(None, sizing_mode="stretch_width")
        # shown and hidden as a column: a Bokeh pane takes its visibility from its figure
        self._importances = pn.Column(
            self._importance_plot, sizing_mode="stretch_width", css_classes=["wb-study-importances"]
        )
        self._importance_note = pn.pane.HTML("", visible=False)
        self._parallel_note = pn.pane.HTML("", visible=False)
        # remote pages: the browser gets 25 rows at a time, not all 10,000
        self._trials = data_table(
            pd.DataFrame(),
            "wb-study-trials",
            pagination="remote",
            page_size=25,
            formatters={"run": {"type": "html"}},
        )
        self._detail = pn.Column(
            self._heading,
            self._best,
            self._history,
            self._importance_note,
            self._importances,
            self._parallel_note,
            self._parallel,
            pn.pane.Markdown("#### Trials"),
            self._trials,
            visible=False,
            sizing_mode="stretch_width",
        )
        self._overview = pn.Column(
            pn.pane.Markdown("## Studies"), self._list, sizing_mode="stretch_width"
        )
        self.refresh()

    def refresh(self) -> None:
        known = known_studies()
        self._empty.visible = known.empty
        self._overview.visible = not known.empty
        if not known.empty:
            self._list.value = studies_frame(known)
        if self.study:
            self._show_study()

    def _show_study(self) -> None:
        try:
            snapshot = study_snapshot(self.study)
        except LookupError as error:
            self._error.show(str(error))
            self._detail.visible = False
            return
        self._error.clear()
        self._heading.object = (
            f'<h3 class="wb-study-name">{html.escape(self.study)}</h3>'
            f'<span class="wb-study-trial-count">{snapshot.n_trials} trials</span> · '
            f"{run_link(snapshot.study_run_id, 'study run')} · "
            f"{link('/studies', 'all studies')}"
        )
        self._best.object = best_trial_html(snapshot.best)
        self._history.object = history_figure(snapshot)
        self._parallel.object = parallel_figure(snapshot)
        note = snapshot.parallel_note
        self._parallel_note.object = f'<p class="wb-parallel-note">{html.escape(note)}</p>'
        self._parallel_note.visible = bool(note)
        reason = snapshot.importance_reason
        if not reason:
            self._importance_plot.object = importance_figure(snapshot)
        self._importances.visible = not reason
        self._importance_note.object = f'<p class="wb-importance-note">{html.escape(reason)}</p>'
        self._importance_note.visible = bool(reason)
        self._trials.value = snapshot.table
        self._detail.visible = True

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            self._error, self._empty, self._detail, self._overview, sizing_mode="stretch_width"
        )


def view() -> pn.template.BaseTemplate:
    studies = StudiesView(study=query_arg("study"))
    studies.start_live_updates()
    return page("Studies", "/studies", studies)
