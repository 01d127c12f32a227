"""``/runs``: the runs table — experiment picker, MLflow-style filter with the error shown
inline, column chooser, sorting and pagination done in the store; select rows to compare."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import panel as pn
import param

import workbench as wb
from workbench.tracking.errors import FilterError
from workbench.tracking.queries import count_runs, experiments, run_keys
from workbench.ui._layout import LiveView, error_box, page, query_arg, run_link

ALL = "All experiments"
BASE_COLUMNS = ["run", "name", "status", "started", "duration", "user"]
DEFAULT_METRICS = 6
DEFAULT_PARAMS = 4
PAGE_SIZE = 25
TOP_LEVEL = "attributes.parent_id IS NULL"


def format_duration(seconds: float) -> str:
    """``0.25 s``, ``1.4 s``, ``42 s``, ``3 min``, ``2.5 h``; empty while a run has no end."""
    if seconds != seconds:  # NaN: the run is still going
        return ""
    if seconds < 60:
        return f"{seconds:.2g} s" if seconds < 10 else f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.2g} h"


def significant(value: Any, digits: int = 4) -> Any:
    """A float rounded to ``digits`` significant digits (other values unchanged)."""
    if isinstance(value, float) and math.isfinite(value):
        return float(f"{value:.{digits}g}")
    return value


def _children_label(count: int, row: pd.Series, expanded: bool) -> str:
    if not count:
        return ""
    if row.get("tags.workbench.kind") == "study":
        noun = "trial" if count == 1 else "trials"
    else:
        noun = "step" if count == 1 else "steps"
    return f"{'▾' if expanded else '▸'} {count} {noun}"


def _display_frame(
    frame: pd.DataFrame, chosen: list[str], children: dict[str, int] | None = None,
    expanded: bool = False,
) -> pd.DataFrame:  # fmt: skip
    """The table's columns: a link to the run, its attributes, then the chosen keys.

    ``children`` counts each parent's child runs: a nesting column then shows them, and the
    child rows of ``frame`` (those with a ``parent_id``) are indented under their parent.
    """
    duration = (frame["end_time"] - frame["start_time"]).dt.total_seconds()
    parents = frame["parent_id"].where(frame["parent_id"].notna(), None)
    nested = expanded and parents.notna().any()
    names = [
        f"└ {name}" if nested and parent is not None else name
        for name, parent in zip(frame["name"], parents, strict=True)
    ]
    shown = pd.DataFrame(
        {
            "run": [run_link(r) for r in frame["run_id"]],
            "name": names,
            "status": frame["status"].to_numpy(),
            "started": frame["start_time"].dt.strftime("%Y-%m-%dT%H:%M:%S").fillna("").to_numpy(),
            "duration": [format_duration(d) for d in duration],
            "user": frame["user"].to_numpy(),
        },
        index=frame["run_id"].to_numpy(),
    )
    if frame["experiment"].nunique() > 1:
        shown.insert(1, "experiment", frame["experiment"].to_numpy())
    if children:
        shown.insert(2, "children", [
            _children_label(children.get(r, 0), row, expanded)
            for r, (_, row) in zip(frame["run_id"], frame.iterrows(), strict=True)
        ])  # fmt: skip
    if parents.notna().any():
        shown.insert(2, "parent", [run_link(p) if p is not None else "" for p in parents])
    # A chosen column no run on this page has stays, empty and of its kind's dtype: the table
    # keeps its columns while filtering, so the browser re-renders nothing but the rows.
    for column in chosen:
        if column in frame:
            shown[column] = frame[column].map(significant).to_numpy()
        else:
            shown[column] = float("nan") if column.startswith("metrics.") else None
    return shown


def default_columns(keys: list[str], frame: pd.DataFrame | None = None) -> list[str]:
    """The metrics and params most runs of ``frame`` logged (up to 6 and 4), in ``keys`` order
    among equals."""

    def used(key: str) -> int:
        return int(frame[key].notna().sum()) if frame is not None and key in frame else 0

    ranked = sorted(keys, key=lambda key: -used(key))  # sorted is stable: ties keep key order
    metrics = [k for k in ranked if k.startswith("metrics.")][:DEFAULT_METRICS]
    params = [k for k in ranked if k.startswith("params.")][:DEFAULT_PARAMS]
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
    children = param.Boolean(
        default=False,
        doc="list tuning trials and pipeline steps under "
        "their parent run (a filter always searches them too)",
    )

    def __init__(self, **params: Any) -> None:
        # The picker's choices are the store's experiments, known only once created here.
        experiment = params.pop("experiment", ALL)
        super().__init__(**params)
        self._frame = pd.DataFrame()
        self._children: dict[str, int] = {}
        self._total = 0
        self._error = error_box()
        self._count = pn.pane.HTML("", margin=(0, 10))
        self._compare = pn.pane.HTML("", css_classes=["wb-compare-link"])
        self._table = pn.widgets.Tabulator(
            pd.DataFrame(columns=BASE_COLUMNS),
            disabled=True,
            selectable="checkbox",
            show_index=False,
            formatters={"run": {"type": "html"}, "parent": {"type": "html"}},
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
        self._toggle = pn.widgets.Checkbox.from_param(
            self.param.children, name="Show trials and pipeline steps", css_classes=["wb-children"]
        )
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
        # Without a filter the table lists top-level runs, their children collapsed under them;
        # a filter searches every run, trials and steps included.
        listed = query or TOP_LEVEL
        try:
            total = count_runs(experiment=names, filter=listed) if names else 0
        except (FilterError, ValueError) as error:
            self._error.show(str(error))
            return
        self._error.clear()
        self._total = total
        pages = max(1, -(-total // self.page_size))
        if self.page > pages:
            with param.parameterized.discard_events(self):
                self.page = pages
        frame = (
            wb.runs(experiment=names, filter=listed, order_by=self.order_by or None,
                    max_results=self.page_size, offset=(self.page - 1) * self.page_size)
            if names and total else pd.DataFrame()
        )  # fmt: skip
        self._children = {}
        if query is None and len(frame):
            self._children = {
                run_id: count
                for run_id in frame["run_id"]
                if (
                    count := count_runs(
                        experiment=names, filter=f"attributes.parent_id = '{run_id}'"
                    )
                )
            }
            if self.children and self._children:
                frame = self._with_children(frame, names or [])
        self._frame = frame
        keys_by_kind = run_keys(experiment=names) if names else {}
        keys = [f"{kind}.{key}" for kind in ("metrics", "params", "tags")
                for key in keys_by_kind.get(kind, [])]  # fmt: skip
        self.param.columns.objects = keys
        if not self.columns or not set(self.columns) <= set(keys):
            with param.parameterized.discard_events(self):
                self.columns = [c for c in self.columns if c in keys] or default_columns(
                    keys, frame
                )
            self._chooser.options = keys
            self._chooser.value = list(self.columns)
        self._show()

    def _with_children(self, frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
        """``frame`` with each parent's child runs, oldest first, right under it."""
        quoted = ", ".join(f"'{run_id}'" for run_id in self._children)
        children = wb.runs(experiment=names, filter=f"attributes.parent_id IN ({quoted})",
                           order_by="attributes.start_time ASC")  # fmt: skip
        pieces = []
        for index, run_id in enumerate(frame["run_id"]):
            pieces.append(frame.iloc[[index]])
            under = children[children["parent_id"] == run_id]
            if len(under):
                pieces.append(under)
        return pd.concat(pieces, ignore_index=True)

    def _show(self) -> None:
        frame = self._frame
        shown = (
            _display_frame(frame, list(self.columns), self._children, self.children)
            if len(frame) else None
        )  # fmt: skip
        self._table.value = shown if shown is not None else pd.DataFrame(columns=BASE_COLUMNS)
        nested = sum(self._children.values())
        hidden = f" + {nested} nested" if nested else ""
        self._count.object = f'<b class="wb-run-count">{self._total} run(s){hidden}</b>'
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

    @param.depends("page", "order_by", "children", watch=True)
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
            pn.Row(self._count, self._toggle, self._compare),
            self._table,
            pn.Row(self._previous, self._position, self._next),
            sizing_mode="stretch_width",
        )


def view() -> pn.template.BaseTemplate:
    runs = RunsView(children=query_arg("children") in ("1", "true", "yes"))
    runs.start_live_updates()
    return page("Runs", "/runs", "## Runs", runs)
