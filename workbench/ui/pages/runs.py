"""``/runs``: the runs table — experiment picker, MLflow-style filter with the error shown
inline, column chooser, sorting and pagination done in the store; select rows to compare;
group the runs by a param or tag. The whole view lives in the URL (see
:mod:`workbench.ui._runs_views`), and ``/runs`` alone reopens the user's last one."""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn
import param

import workbench as wb
from workbench.tracking.errors import FilterError
from workbench.tracking.grouping import child_counts, member_runs
from workbench.tracking.queries import count_runs, experiments, run_keys
from workbench.ui._layout import LiveView, error_box, page
from workbench.ui._runs_groups import GroupedRuns
from workbench.ui._runs_table import (
    BASE_COLUMNS,
    PAGE_SIZE,
    TOP_LEVEL,
    default_columns,
    display_frame,
    format_duration,
    significant,
)
from workbench.ui._runs_views import (
    ALL,
    BackForward,
    ViewMemory,
    from_query,
    last_view,
    parse,
    to_query,
    view_of,
)

__all__ = ["ALL", "RunsView", "default_columns", "format_duration", "significant", "view"]

# Table columns that sort through the store (the rest sort within the page only).
SORTABLE = {"name": "attributes.name", "status": "attributes.status",
            "started": "attributes.start_time", "user": "attributes.user"}  # fmt: skip
NO_GROUPING = "(no grouping)"
# what a view is made of: each lives in the URL, and a change re-reads or redraws the page
STATE = ["experiment", "filter", "columns", "page", "order_by", "children", "group_by", "band",
         "selected"]  # fmt: skip


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
    group_by = param.String(default="", doc='a "params.<key>" or "tags.<key>" to group by')
    band = param.String(default="", doc="the metric drawn as bands per group (default: the first)")
    selected = param.List(default=[], item_type=str, doc="the runs ticked for comparison")

    def __init__(self, **params: Any) -> None:
        # The picker's choices are the store's experiments, known only once created here.
        experiment = params.pop("experiment", ALL)
        super().__init__(**params)
        self._frame = pd.DataFrame()
        self._children: dict[str, int] = {}
        self._total = 0
        self._defaults: list[str] = []
        self._memory: ViewMemory | None = None
        self._opened = False
        self._selecting = False
        self._quiet = False
        self._grouped = GroupedRuns()
        self._grouper = pn.widgets.Select(
            label="Group by", options={NO_GROUPING: ""}, width=220, css_classes=["wb-group-by"]
        )
        self._grouper.param.watch(self._on_group_pick, "value")
        self._grouped.band_picker.param.watch(self._on_band_pick, "value")
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
            # a link may name an experiment that is gone: all of them then
            self.experiment = experiment if experiment in self.param.experiment.objects else ALL
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
        self._show_sorters()
        self.param.watch(self._on_state, STATE)
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
            self._children = child_counts(list(frame["run_id"]), names)
            if self.children and self._children:
                frame = self._with_children(frame, names or [])
        self._frame = frame
        keys_by_kind = run_keys(experiment=names) if names else {}
        keys = [f"{kind}.{key}" for kind in ("metrics", "params", "tags")
                for key in keys_by_kind.get(kind, [])]  # fmt: skip
        self.param.columns.objects = keys
        self._defaults = default_columns(keys, frame)
        if not self.columns or not set(self.columns) <= set(keys):
            with param.parameterized.discard_events(self):
                self.columns = [c for c in self.columns if c in keys] or self._defaults
            self._chooser.options = keys
            self._chooser.value = list(self.columns)
        groupable = [k for k in keys if k.startswith(("params.", "tags."))]
        if self.group_by and self.group_by not in groupable:
            groupable.append(self.group_by)
        self._grouper.options = {NO_GROUPING: "", **{k: k for k in groupable}}
        self._grouper.value = self.group_by
        self._grouped.band_picker.options = [k for k in keys if k.startswith("metrics.")]
        self._show()
        if self.group_by:
            self._show_groups(names or [], listed)

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
            display_frame(frame, list(self.columns), self._children, self.children)
            if len(frame) else None
        )  # fmt: skip
        self._selecting = True  # new rows: the ticks follow ``selected``, not the reverse
        try:
            self._table.value = shown if shown is not None else pd.DataFrame(columns=BASE_COLUMNS)
        finally:
            self._selecting = False
        nested = sum(self._children.values())
        hidden = f" + {nested} nested" if nested else ""
        self._count.object = f'<b class="wb-run-count">{self._total} run(s){hidden}</b>'
        pages = max(1, -(-self._total // self.page_size))
        self._position.object = f'<span class="wb-page">Page {self.page} of {pages}</span>'
        self._previous.disabled = self.page <= 1
        self._next.disabled = self.page >= pages
        grouped = bool(self.group_by)
        for widget in (self._table, self._previous, self._position, self._next):
            widget.visible = not grouped
        self._grouped.panel.visible = grouped
        self._show_selection()

    def _show_groups(self, names: list[str], listed: str) -> None:
        """Every run the filter matches (not only this page), one row per group."""
        metrics = [c for c in self.columns if c.startswith("metrics.")]
        # only the columns grouping needs: reading every param and tag takes seconds
        runs = (
            member_runs(self.group_by, names, listed, metrics)
            if names and self._total else pd.DataFrame()
        )  # fmt: skip
        groups = self._grouped.group(runs, self.group_by, metrics, self._band_metric())
        self._count.object = (
            f'<b class="wb-run-count">{self._total} run(s) in {groups} '
            f"group{'' if groups == 1 else 's'}</b>"
        )

    def _effective_band(self) -> str:
        """The metric drawn as bands: the one picked, else the first metric column."""
        metrics = list(self._grouped.band_picker.options)
        if self.band in metrics:
            return self.band
        return next((c for c in self.columns if c in metrics), "")

    def _band_metric(self) -> str:
        chosen = self._effective_band()
        self._grouped.band_picker.value = chosen or None
        return chosen

    def _on_group_pick(self, event: Any) -> None:
        if (event.new or "") != self.group_by:
            self.group_by = event.new or ""

    def _on_band_pick(self, event: Any) -> None:
        if event.new and event.new != self._effective_band():
            self.band = event.new

    def _show_sorters(self) -> None:
        """The header arrows of ``order_by`` (a view opened from a link)."""
        columns = {field: column for column, field in SORTABLE.items()}
        sorters = []
        for item in self.order_by:
            field, _, direction = item.partition(" ")
            sorters.append(
                {"field": columns.get(field, field),
                 "dir": "desc" if direction.strip().upper() == "DESC" else "asc"}
            )  # fmt: skip
        self._table.sorters = sorters

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

    def _on_state(self, *events: Any) -> None:
        if self._quiet:
            return  # a saved view being applied: one refresh follows
        changed = {event.name for event in events}
        restored = (
            changed == {"experiment"}
            and self._memory is not None
            and self._restore(view_of(self._memory.stored, self.experiment))
        )
        if changed & {"experiment", "filter"} and "page" not in changed and not restored:
            with param.parameterized.discard_events(self):
                self.page = 1  # a new search starts at its first page
        if changed == {"selected"}:
            self._show_selection()
        elif changed == {"band"}:
            self._grouped.show_band(self.group_by, self._band_metric())
        else:
            self.refresh()
        self._publish()

    def _restore(self, query: str | None) -> bool:
        """An experiment's last view (its filter, columns, sort, grouping, page), if it has
        one; returns whether it had."""
        if query is None:
            return False
        saved = parse(query)
        # not discard_events: the filter box, column chooser and toggle must follow
        self._quiet = True
        try:
            self.param.update(
                filter=saved.get("filter", ""), columns=saved.get("columns", []),
                order_by=saved.get("order_by", []), group_by=saved.get("group_by", ""),
                band=saved.get("band", ""), children=saved.get("children", False),
                selected=saved.get("selected", []), page=saved.get("page", 1),
            )  # fmt: skip
        finally:
            self._quiet = False
        self._show_sorters()
        return True

    def view_query(self) -> str:
        """The URL query of the view as it is now (without ``?``)."""
        return to_query({name: getattr(self, name) for name in STATE}, self._defaults)

    def follow_url(self, arguments: dict[str, list[Any]], memory: ViewMemory) -> None:
        """Keep the view and the page's URL in step: the view's changes go to the URL and to
        the browser's saved views (``memory``); without ``arguments`` the browser's last view
        is opened, once the page has loaded and ``memory`` knows it."""
        self._memory = memory
        if from_query(arguments):
            # once served: the browser sets the page's location when it loads, after this
            pn.state.onload(self._publish)
        else:
            memory.param.watch(self._open_last, "stored")

    def _open_last(self, event: Any) -> None:
        if self._opened:
            return  # the page's first view is chosen once; later writes are this tab's own
        self._opened = True
        last = last_view(event.new)
        if last is not None:
            experiment = parse(last).get("experiment", ALL)
            self._quiet = True
            try:
                known = experiment in self.param.experiment.objects
                self.experiment = experiment if known else ALL
            finally:
                self._quiet = False
            self._restore(last)
            self.refresh()
        self._publish()

    def go_back_to(self, search: str) -> None:
        """Show the view of ``search``, the query the browser's Back or Forward button went
        to; the browser's history keeps its entries (this one is not pushed again)."""
        saved = parse(search)
        experiment = saved.get("experiment", ALL)
        self._quiet = True
        try:
            known = experiment in self.param.experiment.objects
            self.experiment = experiment if known else ALL
        finally:
            self._quiet = False
        self._restore(search.lstrip("?"))
        self.refresh()
        self._publish(pushed=False)

    def _publish(self, pushed: bool = True) -> None:
        if self._memory is None:
            return
        query = self.view_query()
        location = pn.state.location
        if location is not None and location.search.lstrip("?") != query:
            search = f"?{query}" if query else ""
            if pushed:
                location.search = search  # the browser pushes it as a new history entry
            else:
                with param.parameterized.discard_events(location):
                    location.search = search  # the browser shows it already
        self._memory.keep(self.experiment, query)

    def selected_run_ids(self) -> list[str]:
        """The runs ticked for comparison, on this page or another."""
        return list(self.selected)

    def _show_selection(self) -> None:
        value = self._table.value
        ticks = [i for i, run_id in enumerate(value.index) if str(run_id) in self.selected]
        if list(self._table.selection) != ticks:
            self._selecting = True
            try:
                self._table.selection = ticks
            finally:
                self._selecting = False
        self._show_compare_link()

    def _on_select(self, *_: Any) -> None:
        if self._selecting:
            return
        value = self._table.value
        here = {str(run_id) for run_id in value.index}
        ticked = [str(value.index[i]) for i in self._table.selection if i < len(value)]
        chosen = [run_id for run_id in self.selected if run_id not in here] + ticked
        if chosen != self.selected:
            self.selected = chosen
        self._show_compare_link()

    def _show_compare_link(self) -> None:
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
            pn.Row(self._picker, self._filter_input, self._grouper, sizing_mode="stretch_width"),
            self._error,
            self._chooser,
            pn.Row(self._count, self._toggle, self._compare),
            self._table,
            self._grouped,
            pn.Row(self._previous, self._position, self._next),
            sizing_mode="stretch_width",
        )


def view() -> pn.template.BaseTemplate:
    arguments = dict(pn.state.session_args or {})
    runs = RunsView(**from_query(arguments))
    served: list[pn.viewable.Viewable] = []
    if pn.state.location is not None:  # served, not in a notebook cell: it has a URL
        memory = ViewMemory()
        served += [memory, BackForward(runs.go_back_to)]
        runs.follow_url(arguments, memory)
    runs.start_live_updates()
    return page("Runs", "/runs", "## Runs", runs, *served)
