"""The runs page's state object without a browser: store-side paging, sorting, columns."""

from __future__ import annotations

from types import SimpleNamespace

import workbench as wb
from workbench.ui.pages.runs import RunsView


def _track(count: int) -> None:
    wb.set_experiment("view")
    for index in range(count):
        with wb.start_run(name=f"run {index:02d}") as run:
            run.log_params({"lr": 0.01 * index})
            run.log_metric("auc", index / 100)


def test_pages_are_read_from_the_store(sqlite_project):
    _track(60)
    view = RunsView(page_size=25)
    assert view._total == 60 and len(view._table.value) == 25
    assert "Page 1 of 3" in view._position.object and view._previous.disabled
    view._turn(+1)
    view._turn(+1)
    assert view.page == 3 and len(view._table.value) == 10 and view._next.disabled
    view.filter = "metrics.auc >= 0.5"
    assert view.page == 1 and view._total == 10  # a new filter starts at page 1


def test_header_sort_orders_the_whole_table_not_just_the_page(sqlite_project):
    _track(30)
    view = RunsView(page_size=10)
    view._on_sort(SimpleNamespace(new=[{"field": "metrics.auc", "dir": "desc"}]))
    assert view.order_by == ["metrics.auc DESC"]
    assert list(view._table.value["metrics.auc"])[:2] == [0.29, 0.28]
    view._on_sort(SimpleNamespace(new=[{"field": "name", "dir": "asc"}]))
    assert view._table.value["name"].iloc[0] == "run 00"


def test_columns_come_from_every_run_and_errors_stay_inline(sqlite_project):
    _track(3)
    with wb.start_run(name="other") as run:
        run.log_metric("loss", 1.0)
    view = RunsView(page_size=2)
    assert {"metrics.auc", "metrics.loss", "params.lr"} <= set(view.param.columns.objects)
    view.filter = "metrics.auc >> 1"
    assert view._error.visible and "position" in view._error.object
    view.filter = ""
    assert not view._error.visible and view._total == 4


def test_filtering_keeps_the_chosen_columns_so_the_browser_table_is_not_rebuilt(sqlite_project):
    from bokeh.document import Document

    _track(3)
    with wb.start_run(name="other") as run:
        run.log_metric("loss", 1.0)
    view = RunsView()
    root = view.__panel__().get_root(Document())
    model = view._table._models[root.ref["id"]][0]
    rebuilt: list[str] = []
    model.on_change("configuration", lambda attr, old, new: rebuilt.append(attr))
    before = list(view._table.value.columns)
    assert {"metrics.auc", "metrics.loss", "params.lr"} <= set(before)
    view.filter = "attributes.name = 'other'"  # a run with no auc and no lr
    assert view._total == 1
    assert list(view._table.value.columns) == before
    assert view._table.value["metrics.auc"].isna().all()
    assert view._table.value["metrics.loss"].tolist() == [1.0]
    assert rebuilt == []  # a configuration change makes Panel's Tabulator re-render itself
