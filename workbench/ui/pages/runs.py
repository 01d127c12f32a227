"""``/runs``: the runs table — experiment picker, MLflow-style filter with the error shown
inline, column chooser, sorting and pagination done in the store; select rows to compare."""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn
import param

import workbench as wb
from workbench.tracking.errors import FilterError
from workbench.tracking.queries import count_runs, experiments, run_keys
from workbench.ui._layout import LiveView, error_box, page, run_link

ALL = "All experiments"
BASE_COLUMNS = ["run", "name", "status", "started", "duration_s", "user"]
DEFAULT_METRICS = 6
DEFAULT_PARAMS = 4
PAGE_SIZE = 25


def _display_frame(frame: pd.DataFrame, chosen: list[str]) -> pd.DataFrame:
    """The table's columns: a link to the run, its attributes, then the chosen keys."""
    duration = (frame["end_time"] - frame["start_time"]).dt.total_seconds().round(2)
    shown = pd.DataFrame(
        {
            "run": [run_link(r) for r in frame["run_id"]],
            "name": frame["name"].to_numpy(),
            "status": frame["status"].to_numpy(),
            "started": frame["start_time"].dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(),
            "duration_s": duration.to_numpy(),
            "user": frame["user"].to_numpy(),
        },
        index=frame["run_id"].to_numpy(),
    )
    # A chosen column no run on this page has stays, empty and of its kind's dtype: the table
    # keeps its columns while filtering, so the browser re-renders nothing but the rows.
    for column in chosen:
        if column in frame:
            shown[column] = frame[column].to_numpy()
        else:
            shown[column] = float("nan") if column.startswith("metrics.") else None
    return shown


def default_columns(keys: list[str]) -> list[str]:
    metrics = [k for k in keys if k.startswith("metrics.")][:DEFAULT_METRICS]
    params = [k for k in keys if k.startswith("params.")][:DEFAULT_PARAMS]
    return metrics + params


# Table columns that sort through the store (the rest sort within the page only).
SORTABLE = {"name": "attributes.name", "status": "attributes.status",
            "started": "attributes.start_time", "user": "attributes.user"}  # fmt: skip


class RunsView(LiveView):
    """The runs of one experiment (or all), filtered and sorted, one page at a time.

    Paging, sorting and filtering happen in the store (``LIMIT``/``OFFSET`` and a ``COUNT``),
    so the page stays fast with 100,000 runs.
    """

    experiment: str = param.Selector(default=ALL, objects=[ALL])  # type: ignore[assignment]
    filter = param.String(default="", doc="MLflow-style filter, e.g. metrics.auc > 0.9")
    columns = param.ListSelector(default=[], objects=[])
    page = param.Integer(default=1, bounds=(1, None))
    page_size = param.Integer(default=PAGE_SIZE, bounds=(1, 1000))
    order_by = param.List(default=[], item_type=str, doc='e.g. ["metrics.auc DESC"]')

    def __init__(self, **params: Any) -> None:
        # The picker's choices are the store's experiments, known only once created here.
        experiment = params.pop("experiment", ALL)
        super().__init__(**params)
        self._frame = pd.DataFrame()
        self._total = 0
        self._error = error_box()
        self._count = pn.pane.HTML("", margin=(0, 10))
        self._compare = pn.pane.HTML("", css_classes=["wb-compare-link"])
        self._table = pn.widgets.Tabulator(
            pd.DataFrame(columns=BASE_COLUMNS),
            disabled=True,
            selectable="checkbox",
            show_index=False,
            formatters={"run": {"type": "html"}},
            sizing_mode="stretch_width",
            css_classes=["wb-runs-table"],
        )
        self._table.param.watch(self._on_select, "selection")
        self._table.param.watch(self._on_sort, "sorters")
        self.param.experiment.objects = [ALL, *experiments()]
        with param.parameterized.discard_events(self):
            self.experiment = experiment
        self._filter_input = pn.widgets.TextInput.from_param(
            self.param.filter,
            label="Filter",
            placeholder="metrics.auc > 0.9 and params.model = 'lgbm'",
            sizing_mode="stretch_width",
            css_classes=["wb-filter"],
        )
        self._picker = pn.widgets.Select.from_param(self.param.experiment, label="Experiment")
        self._chooser = pn.widgets.MultiChoice.from_param(
            self.param.columns, label="Columns", sizing_mode="stretch_width"
        )
        self._previous = pn.widgets.Button(label="◀ Previous", css_classes=["wb-prev"], width=110)
        self._next = pn.widgets.Button(label="Next ▶", css_classes=["wb-next"], width=110)
        self._position = pn.pane.HTML("")
        self._previous.on_click(lambda _: self._turn(-1))
        self._next.on_click(lambda _: self._turn(+1))
        self.refresh()

    def _experiments(self) -> list[str] | None:
        if self.experiment == ALL:
            return experiments() or None
        return [self.experiment]

    def refresh(self) -> None:
        names = self._experiments()
        query = self.filter.strip() or None
        try:
            total = count_runs(experiment=names, filter=query) if names else 0
        except (FilterError, ValueError) as error:
            self._error.show(str(error))
            return
        self._error.clear()
        self._total = total
        pages = max(1, -(-total // self.page_size))
        if self.page > pages:
            with param.parameterized.discard_events(self):
                self.page = pages
        keys_by_kind = run_keys(experiment=names) if names else {}
        keys = [f"{kind}.{key}" for kind in ("metrics", "params", "tags")
                for key in keys_by_kind.get(kind, [])]  # fmt: skip
        self.param.columns.objects = keys
        if not self.columns or not set(self.columns) <= set(keys):
            with param.parameterized.discard_events(self):
                self.columns = [c for c in self.columns if c in keys] or default_columns(keys)
            self._chooser.options = keys
            self._chooser.value = list(self.columns)
        self._frame = (
            wb.runs(experiment=names, filter=query, order_by=self.order_by or None,
                    max_results=self.page_size, offset=(self.page - 1) * self.page_size)
            if names and total else pd.DataFrame()
        )  # fmt: skip
        self._show()

    def _show(self) -> None:
        frame = self._frame
        shown = _display_frame(frame, list(self.columns)) if len(frame) else None
        self._table.value = shown if shown is not None else pd.DataFrame(columns=BASE_COLUMNS)
        self._count.object = f'<b class="wb-run-count">{self._total} run(s)</b>'
        pages = max(1, -(-self._total // self.page_size))
        self._position.object = f'<span class="wb-page">Page {self.page} of {pages}</span>'
        self._previous.disabled = self.page <= 1
        self._next.disabled = self.page >= pages
        self._on_select()

    def _turn(self, step: int) -> None:
        pages = max(1, -(-self._total // self.page_size))
        self.page = min(max(1, self.page + step), pages)

    def _on_sort(self, event: Any) -> None:
        order = []
        for sorter in event.new or []:
            field = SORTABLE.get(sorter.get("field", ""), sorter.get("field", ""))
            if field.startswith(("attributes.", "metrics.", "params.", "tags.")):
                order.append(f"{field} {'DESC' if sorter.get('dir') == 'desc' else 'ASC'}")
        if order != self.order_by:
            self.order_by = order

    @param.depends("experiment", "filter", watch=True)
    def _requery(self) -> None:
        with param.parameterized.discard_events(self):
            self.page = 1
        self.refresh()

    @param.depends("page", "order_by", watch=True)
    def _repage(self) -> None:
        self.refresh()

    @param.depends("columns", watch=True)
    def _rechoose(self) -> None:
        self.refresh()

    def selected_run_ids(self) -> list[str]:
        value = self._table.value
        return [str(value.index[i]) for i in self._table.selection if i < len(value)]

    def _on_select(self, *_: Any) -> None:
        chosen = self.selected_run_ids()
        if len(chosen) >= 2:
            self._compare.object = (
                f'<a class="wb-compare" href="/compare?runs={",".join(chosen)}">'
                f"Compare {len(chosen)} selected runs</a>"
            )
        else:
            self._compare.object = "<span>Select two or more runs to compare them.</span>"

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            pn.Row(self._picker, self._filter_input, sizing_mode="stretch_width"),
            self._error,
            self._chooser,
            pn.Row(self._count, self._compare),
            self._table,
            pn.Row(self._previous, self._position, self._next),
            sizing_mode="stretch_width",
        )


def view() -> pn.template.BaseTemplate:
    runs = RunsView()
    runs.start_live_updates()
    return page("Runs", "/runs", "## Runs", runs)
