"""The runs page's view lives in its URL (a link reopens the same rows, columns, order, page,
grouping and selection) and ``/runs`` alone reopens the user's last view; grouped by a param,
the table shows each group's run count and metric mean ± std."""

from __future__ import annotations

import json
import re
import statistics
from urllib.parse import parse_qs, urlsplit

from browsertools import artifacts_dir
from hypothesis import given
from hypothesis import strategies as st
from playwright.sync_api import expect

import workbench as wb
from workbench.ui._plots import format_number
from workbench.ui._runs_views import ViewMemory, parse, to_query
from workbench.ui.pages.runs import RunsView

ROWS = ".wb-runs-table .tabulator-row"
GROUPS = ".wb-groups-table .tabulator-row"
DEMO = "tags.owner = 'demo'"


def _track() -> None:
    for experiment in ("churn", "other"):
        wb.set_experiment(experiment)
        for index in range(30):
            with wb.start_run(name=f"{experiment} {index:02d}") as run:
                run.log_params({"model": ["lgbm", "logreg", "tree"][index % 3]})
                run.log_metrics({"auc": index / 100, "loss": 1 - index / 100})


def test_a_view_survives_its_query_string_keys_with_commas_and_quotes_included():
    view = {
        "experiment": "churn & co", "filter": "params.model = 'a,b' and metrics.auc > 0.5",
        "columns": ["metrics.a,b", "params.x y"], "order_by": ["metrics.a,b DESC"], "page": 3,
        "group_by": "tags.owner", "band": "metrics.loss", "children": True,
        "selected": ["abc", "def"],
    }  # fmt: skip
    assert parse(to_query(view)) == view
    defaults = {"experiment": "All experiments", "filter": "", "columns": ["metrics.auc"],
                "order_by": [], "page": 1, "group_by": "", "band": "", "children": False,
                "selected": []}  # fmt: skip
    assert to_query(defaults, default_columns=["metrics.auc"]) == ""  # nothing to say


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20)


@given(
    view=st.fixed_dictionaries(
        {
            "experiment": TEXT.filter(lambda name: name != "All experiments"),
            "filter": TEXT, "columns": st.lists(TEXT, max_size=4),
            "order_by": st.lists(TEXT, max_size=2), "page": st.integers(2, 10_000),
            "group_by": TEXT, "band": TEXT, "children": st.just(True),
            "selected": st.lists(st.from_regex(r"[0-9a-f]{32}", fullmatch=True), max_size=3),
        }
    )
)  # fmt: skip
def test_any_view_survives_its_query_string(view):
    query = to_query(view)
    found = parse(query)
    assert found == {k: v for k, v in view.items() if v != []}, query


def test_a_views_query_rebuilds_the_same_page_in_a_new_view(sqlite_project):
    _track()
    view = RunsView(experiment="churn", page_size=10)
    view.param.update(filter="metrics.auc >= 0.05", columns=["metrics.auc", "params.model"])
    view.order_by = ["metrics.auc DESC"]
    view.page = 2
    view.selected = [view._table.value.index[0], view._table.value.index[3]]
    query = view.view_query()
    assert parse(query)["page"] == 2 and parse(query)["order_by"] == ["metrics.auc DESC"]
    again = RunsView(page_size=10, **parse(query))
    assert again.page == 2 and again.experiment == "churn"
    assert list(again._table.value.index) == list(view._table.value.index)
    assert list(again._table.value.columns) == list(view._table.value.columns)
    assert again._table.selection == [0, 3] and "Compare 2 selected runs" in again._compare.object
    view.group_by = "params.model"
    grouped = RunsView(page_size=10, **parse(view.view_query()))
    assert grouped._grouped.table.value.equals(view._grouped.table.value)
    assert list(grouped._grouped.table.value["runs"]) == [8, 8, 9]  # every run, not one page


def _browser_memory(views: dict[str, str], last: str) -> str:
    return json.dumps({"last": last, "views": views})


def test_opening_the_page_without_a_query_reopens_the_last_view_of_each_experiment(
    sqlite_project,
):
    _track()
    first, memory = RunsView(), ViewMemory()
    first.follow_url({}, memory)
    memory.stored = "{}"  # what a fresh browser holds once the page has loaded
    first.experiment = "churn"
    first.group_by = "params.model"
    assert json.loads(memory.remember) == {
        "experiment": "churn", "query": "experiment=churn&group=params.model",
    }  # fmt: skip
    saved = _browser_memory(
        {"churn": "experiment=churn&group=params.model",
         "other": "experiment=other&filter=metrics.auc+%3E+0.2&group=params.model"},
        last="other",
    )  # fmt: skip
    reopened, memory = RunsView(), ViewMemory()
    reopened.follow_url({}, memory)
    memory.stored = saved
    assert (reopened.experiment, reopened.filter, reopened.group_by) == (
        "other", "metrics.auc > 0.2", "params.model",
    )  # fmt: skip
    assert reopened._count.object.endswith("9 run(s) in 3 groups</b>")
    assert reopened._filter_input.value == "metrics.auc > 0.2"  # the widgets show it too
    assert reopened._grouper.value == "params.model" and reopened._picker.value == "other"
    reopened.group_by = ""
    reopened.experiment = "churn"  # picking an experiment brings back its own last view
    assert (reopened.filter, reopened.group_by) == ("", "params.model")
    assert reopened._count.object.endswith("30 run(s) in 3 groups</b>")
    fresh, memory = RunsView(), ViewMemory()
    fresh.follow_url({}, memory)
    memory.stored = "{}"  # another browser keeps its own views: none yet
    assert fresh.experiment == "All experiments" and fresh.group_by == ""
    linked, memory = RunsView(**parse("filter=metrics.auc+%3E+0.1")), ViewMemory()
    linked.follow_url({"filter": [b"metrics.auc > 0.1"]}, memory)
    memory.stored = saved
    assert linked.filter == "metrics.auc > 0.1"  # a link wins over the saved view
    assert json.loads(memory.remember)["query"] == "filter=metrics.auc+%3E+0.1"


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def _names(tab) -> list[str]:
    rows = tab.locator(f"{ROWS} .tabulator-cell[tabulator-field='name']")
    return [text.strip() for text in rows.all_inner_texts()]


def _ticked(tab) -> list[str]:
    cells = tab.locator(f"{ROWS}.tabulator-selected .tabulator-cell[tabulator-field='name']")
    return [text.strip() for text in cells.all_inner_texts()]


def _names_of(run_ids: list[str]) -> list[str]:
    return [wb.get_run(run_id).info.name for run_id in run_ids]


def _fresh_tab(browser, url: str, ready: str):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    tab.goto(url)
    tab.locator(ready).first.wait_for(state="visible")
    return context, tab


def test_the_url_reproduces_the_view_and_groups_show_count_and_mean_and_std(
    ui_page, browser, ui_store
):
    tab = ui_page.open("/runs", ready=ROWS)
    box = tab.locator(".wb-filter input")
    box.fill(DEMO)
    box.press("Enter")
    expect(tab.locator(ROWS)).to_have_count(4)
    tab.locator(".choices__item[data-value='metrics.accuracy'] .choices__button").first.click()
    header = tab.locator(".wb-runs-table .tabulator-col[tabulator-field='metrics.auc']")
    header.locator(".tabulator-col-title").click()
    expect(tab).to_have_url(re.compile(r"sort=metrics\.auc"))
    by_auc = wb.runs(experiment=None, filter=DEMO).sort_values("metrics.auc")["name"].tolist()
    expect(tab.locator(f"{ROWS} .tabulator-cell[tabulator-field='name']").first).to_have_text(
        by_auc[0] if "ASC" in _query(tab.url)["sort"][0] else by_auc[-1]
    )
    for index in (0, 2):
        tab.locator(ROWS).nth(index).locator("input[type='checkbox']").click()
    expect(tab).to_have_url(re.compile(r"selected=\w+%2C\w+"))
    query = _query(tab.url)
    assert query["filter"] == [DEMO] and "metrics.accuracy" not in query["columns"]
    names = _names(tab)
    ticked_names = sorted(_ticked(tab))
    assert ticked_names == sorted([names[0], names[2]])
    assert ticked_names == sorted(_names_of(query["selected"][0].split(",")))
    fields = tab.locator(".wb-runs-table .tabulator-col").evaluate_all(
        "cols => cols.map(c => c.getAttribute('tabulator-field'))"
    )
    context, copy = _fresh_tab(browser, tab.url, ROWS)
    try:
        expect(copy.locator(ROWS)).to_have_count(4)
        assert _names(copy) == names
        assert (
            copy.locator(".wb-runs-table .tabulator-col").evaluate_all(
                "cols => cols.map(c => c.getAttribute('tabulator-field'))"
            )
            == fields
        )
        expect(copy.locator("a.wb-compare")).to_have_text("Compare 2 selected runs")
        assert sorted(_ticked(copy)) == ticked_names
    finally:
        context.close()

    tab.locator(".wb-group-by select").select_option("params.model")
    expect(tab).to_have_url(re.compile(r"group=params\.model"))
    expect(tab.locator(GROUPS)).to_have_count(3)
    expected = _expected_groups()
    context, copy = _fresh_tab(browser, tab.url, GROUPS)
    try:
        rows = copy.locator(GROUPS)
        expect(rows).to_have_count(3)
        assert "4 run(s) in 3 groups" in copy.locator(".wb-run-count").inner_text()
        for model, (count, auc) in expected.items():
            row = rows.filter(has_text=model)
            assert row.locator("[tabulator-field='runs']").inner_text().strip() == str(count)
            assert row.locator("[tabulator-field='metrics.auc']").inner_text().strip() == auc
        logreg = rows.filter(has_text="logreg")
        logreg.locator(".tabulator-frozen-left").click()  # the ► toggle
        members = copy.locator(".wb-group-runs tbody tr")
        expect(members).to_have_count(2)
        assert all("logreg" in text for text in members.all_inner_texts())
        copy.locator(".wb-bands canvas").first.wait_for(state="attached")
        copy.screenshot(path=str(artifacts_dir("ui") / "runs_grouped.png"), full_page=True)
        grouped_url = copy.url
        # the same browser opens /runs alone: the last view comes back, into the URL too
        copy.goto(ui_page.base + "/runs")
        expect(copy.locator(GROUPS)).to_have_count(3)
        expect(copy).to_have_url(re.compile(r"group=params\.model"))
        expect(copy.locator(".wb-filter input")).to_have_value(DEMO)
        assert _query(copy.url) == _query(grouped_url)
    finally:
        context.close()
    assert ui_page.errors == [], ui_page.errors


def _expected_groups() -> dict[str, tuple[int, str]]:
    """Per model of the seeded demo runs: how many, and their auc as the page shows it."""
    runs = wb.runs(experiment=None, filter=DEMO)
    expected = {}
    for model, group in runs.groupby("params.model"):
        aucs = list(group["metrics.auc"])
        text = format_number(statistics.fmean(aucs))
        if len(aucs) > 1:
            text += f" ± {format_number(statistics.stdev(aucs))}"
        expected[str(model)] = (len(aucs), text)
    assert sorted(count for count, _ in expected.values()) == [1, 1, 2]
    return expected
