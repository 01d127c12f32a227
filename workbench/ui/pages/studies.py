"""``/studies``: the tuning studies of the project; ``/studies?study=NAME`` opens one — its best
trial, history / importance / parallel-coordinates plots and the trials table, updated live
while the study runs elsewhere."""

from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import quote

import pandas as pd
import panel as pn
import param

import workbench as wb
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
from workbench.ui._plots import parallel_coordinates_figure

STUDY_COLUMNS = ["study", "status", "trials", "best value", "study run", "started"]
MIN_IMPORTANCE_TRIALS = 2  # fANOVA needs two complete trials with different values


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


def trials_frame(trials: pd.DataFrame) -> pd.DataFrame:
    """One row per trial: number, state, value(s), parameters, duration and its run linked."""
    shown = pd.DataFrame(index=trials.index)
    for column in trials.columns:
        if column in ("run_id", "datetime_complete", "duration"):
            continue
        if column == "datetime_start":
            shown["started"] = pd.to_datetime(trials[column]).dt.strftime("%H:%M:%S")
        else:
            shown[column.removeprefix("params_")] = trials[column].to_numpy()
    if "duration" in trials:
        shown["duration_s"] = pd.to_timedelta(trials["duration"]).dt.total_seconds().round(2)
    shown["run"] = [run_link(r) if isinstance(r, str) else "" for r in trials["run_id"]]
    return shown.reset_index(drop=True)


def best_trial_html(result: Any) -> str:
    """The best trial: its value(s), parameters and a link to its run."""
    if not result.has_best:
        return '<p class="wb-study-best">No trial has completed yet.</p>'
    values = ", ".join(f"{v:.6g}" for v in result.best_values)
    best = result.best_params
    exact = json.dumps(best, default=str)
    # 4 significant digits to read, the exact values in the tooltip
    rounded = {k: float(f"{v:.4g}") if isinstance(v, float) else v for k, v in best.items()}
    params = json.dumps(rounded, default=str)
    run = run_link(result.best_run_id) if result.best_run_id else "—"
    return (
        '<div class="wb-study-best">'
        f"<b>Best trial</b> #{result.best_trials[0].number}: value "
        f'<span class="wb-best-value">{values}</span> · params '
        f'<code class="wb-best-params" title="{html.escape(exact, quote=True)}">'
        f"{html.escape(params)}</code> · run {run}</div>"
    )


def parallel_figure(study: Any, target: int | None) -> Any:
    """The study's parallel coordinates: an axis per parameter (log-scaled when Optuna
    suggested it with ``log=True``, categorical for choices) and one named by its metric."""
    from workbench.tuning.plots import log_scaled_params, trials_frame

    index = target or 0
    names = study.metric_names
    if names is not None:
        label = names[index]
    else:
        label = "objective" if len(study.directions) == 1 else f"objective {index}"
    return parallel_coordinates_figure(
        trials_frame(study, target),
        log_params=log_scaled_params(study),
        value_label=label,
        direction=study.directions[index].name.lower(),
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
        self._history = pn.pane.HoloViews(
            None, sizing_mode="stretch_width", css_classes=["wb-study-history"]
        )
        self._parallel = pn.pane.Bokeh(
            None, sizing_mode="stretch_width", css_classes=["wb-study-parallel"]
        )
        self._importances = pn.pane.HoloViews(
            None, sizing_mode="stretch_width", css_classes=["wb-study-importances"]
        )
        self._importance_note = pn.pane.HTML("", visible=False)
        self._trials = data_table(
            pd.DataFrame(),
            "wb-study-trials",
            pagination="local",
            page_size=25,
            formatters={"run": {"type": "html"}},
        )
        self._detail = pn.Column(
            self._heading,
            self._best,
            self._history,
            self._importance_note,
            self._importances,
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
        known = wb.tuning.studies()
        self._empty.visible = known.empty
        self._overview.visible = not known.empty
        if not known.empty:
            self._list.value = studies_frame(known)
        if self.study:
            self._show_study()

    def _show_study(self) -> None:
        try:
            result = wb.tuning.get_study(self.study)
        except LookupError as error:
            self._error.show(str(error))
            self._detail.visible = False
            return
        self._error.clear()
        trials = result.trials
        self._heading.object = (
            f'<h3 class="wb-study-name">{html.escape(self.study)}</h3>'
            f'<span class="wb-study-trial-count">{len(trials)} trials</span> · '
            f"{run_link(result.study_run_id, 'study run')} · "
            f"{link('/studies', 'all studies')}"
        )
        self._best.object = best_trial_html(result)
        self._draw_plots(result, trials)
        self._trials.value = trials_frame(trials)
        self._detail.visible = True

    def _draw_plots(self, result: Any, trials: pd.DataFrame) -> None:
        plots = result.plots
        # a study with several objectives is drawn for its first one
        target = 0 if len(result.study.directions) > 1 else None
        self._history.object = plots.history(target)
        self._parallel.object = parallel_figure(result.study, target)
        complete = int((trials["state"] == "COMPLETE").sum()) if "state" in trials else 0
        reason = ""
        if complete < MIN_IMPORTANCE_TRIALS:
            reason = (
                f"Importances need {MIN_IMPORTANCE_TRIALS} complete trials ({complete} so far)."
            )
        else:
            try:
                n_params = sum(c.startswith("params_") for c in trials.columns)
                # a bar per parameter at a readable thickness, not one bar 300 px tall
                self._importances.object = plots.importances(target).opts(
                    height=min(400, 90 + 28 * n_params), backend="bokeh"
                )
            except (ValueError, RuntimeError) as error:  # fANOVA on degenerate trials
                reason = f"Importances are not available: {error}"
        self._importances.visible = not reason
        self._importance_note.object = f'<p class="wb-importance-note">{html.escape(reason)}</p>'
        self._importance_note.visible = bool(reason)

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            self._error, self._empty, self._detail, self._overview, sizing_mode="stretch_width"
        )


def view() -> pn.template.BaseTemplate:
    studies = StudiesView(study=query_arg("study"))
    studies.start_live_updates()
    return page("Studies", "/studies", studies)
