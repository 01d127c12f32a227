"""The compare page answers "what changed?": only the fields that differ (all with
``&diff=0``), metric summaries that match the logged histories, bars on an axis fitted to
their values, numbers a person can read; and how it looks in Chromium."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import panel as pn
import pytest
from playwright.sync_api import expect

import workbench as wb
from workbench.tracking.summaries import metric_summaries
from workbench.ui._plots import format_number
from workbench.ui.pages.compare import CompareView

NUMBER = re.compile(r"^[-+]?(\d[\d,]*\.\d*|\.\d+|\d[\d,]*)([eE][-+]?\d+)?$")


class Cells(HTMLParser):
    """The text and ``title`` of every table cell of an HTML fragment."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.cells: list[dict[str, str]] = []
        self._depth = 0
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "td":
            self.cells.append({"text": "", "title": ""})
            self._depth += 1
        title = dict(attrs).get("title")
        if self._depth and title:
            self.cells[-1]["title"] = title

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.cells[-1]["text"] += data


def significant_digits(number: str) -> int:
    mantissa = number.lower().split("e")[0].lstrip("+-").replace(",", "").replace(".", "")
    return len(mantissa.strip("0")) or 1


def shown_html(view: CompareView) -> str:
    return "".join(str(o.object) for o in view._body.objects if isinstance(o, pn.pane.HTML))


def field_rows(view: CompareView) -> list[str]:
    body = view._fields.object.split("<tbody>")[1]
    return re.findall(r"<tr(?: class=\"wb-differs\")?><th>([^<]+)</th>", body)


@pytest.fixture
def two_models(sqlite_project):
    """Two runs that differ in a param, a tag and their accuracy (0.944 vs 0.958), with a
    loss history (NaN included) and a long unrounded param."""
    wb.set_experiment("what-changed")
    rng = np.random.default_rng(1)
    histories = []
    ids = []
    for index, (accuracy, depth) in enumerate([(0.944056, 6), (0.958042, 8)]):
        loss = np.abs(rng.normal(1.0, 0.3, 40)) / (1 + np.arange(40))
        loss[7] = np.nan
        with wb.start_run(
            name=f"model {index}", tags={"owner": "ana", "stage": f"s{index}"}
        ) as run:
            run.log_params({"max_depth": depth, "subsample": 0.8, "alpha": 0.123456789})
            for step, value in enumerate(loss):
                run.log_metric("loss", float(value), step=step)
            run.log_metric("accuracy", accuracy)
            ids.append(run.id)
        histories.append(loss)
    return ids, histories


def test_only_the_differing_fields_are_shown_until_the_toggle_is_off(two_models):
    ids, _ = two_models
    view = CompareView(run_ids=ids)
    shown = field_rows(view)
    assert {"params.max_depth", "tags.stage", "attributes.name"} <= set(shown)
    # the same in both runs: not shown by default
    assert not {"params.subsample", "params.alpha", "tags.owner", "attributes.status"} & set(shown)
    assert view.shown_fields()["differs"].all()
    assert "differ (shown)" in view._summary.object

    view._toggle.value = False  # what a click on "Only differences" does (&diff=0)
    everything = field_rows(view)
    assert {"params.subsample", "params.alpha", "tags.owner", "attributes.status"} <= set(
        everything
    )
    assert len(everything) == len(view._frame) > len(shown)
    assert view._fields.object.count('class="wb-differs"') == len(shown)  # highlighted
    assert CompareView(run_ids=ids, only_differences=False).shown_fields().shape[0] == len(
        everything
    )


def test_metric_summaries_are_those_of_the_logged_history(two_models):
    ids, histories = two_models
    summaries = metric_summaries(ids).set_index(["metric", "run_id"])
    for run_id, loss in zip(ids, histories, strict=True):
        row = summaries.loc[("loss", run_id)]
        assert row["points"] == 40
        assert row["last"] == loss[-1]
        assert row["min"] == np.nanmin(loss) and row["max"] == np.nanmax(loss)
        assert row["mean"] == pytest.approx(np.nanmean(loss), rel=1e-12)
        # direction unknown: the best is the highest
        assert row["best"] == np.nanmax(loss) and row["best_step"] == np.nanargmax(loss)
        assert row["direction"] is None
    minimized = metric_summaries(
        ids, keys=["loss"], directions={r: {"loss": "minimize"} for r in ids}
    )
    for run_id, loss in zip(ids, histories, strict=True):
        row = minimized.set_index("run_id").loc[run_id]
        assert row["best"] == np.nanmin(loss) and row["best_step"] == np.nanargmin(loss)
    with pytest.raises(ValueError, match="direction must be 'minimize' or 'maximize', got 'min'"):
        metric_summaries(ids, directions={ids[0]: {"loss": "min"}})


def test_a_tuning_trial_is_summarised_by_its_study_direction(sqlite_project):
    wb.set_experiment("tuned")

    def objective(trial):
        x = trial.suggest_float("x", 0.0, 1.0)
        for step, value in enumerate([0.5, 0.2, 0.4]):
            trial.report(value + x, step)
        return 0.4 + x

    wb.tune(objective, n_trials=2, direction="minimize", name="tuned", show_progress=False)
    trials = wb.runs(experiment="tuned", filter="tags.`optuna.trial` = '0'")
    summary = metric_summaries(list(trials["run_id"]), keys=["intermediate"]).iloc[0]
    assert summary["direction"] == "minimize"
    assert summary["best_step"] == 1 and summary["best"] == summary["min"]


def test_the_page_shows_the_summaries_and_bars_on_a_fitted_axis(two_models):
    ids, histories = two_models
    view = CompareView(run_ids=ids)
    text = shown_html(view)
    summaries = text[text.index('class="wb-compare-params wb-metric-summaries"') :]
    assert format_number(float(np.nanmean(histories[0]))) in summaries
    assert f"at step {int(np.nanargmax(histories[1]))}" in summaries
    best_row = r'<tr class="wb-best-run">(?:<th[^>]*>[^<]*</th>)?<td><a [^>]*>([^<]+)</a>'
    best = re.findall(best_row, text)
    assert best[:1] == ["model 1"]  # accuracy 0.958 beats 0.944
    (accuracy,) = re.findall(
        r'<table class="wb-bars" data-axis-start="([^"]+)" data-axis-end="([^"]+)">'
        r"<caption>accuracy</caption>(.*?)</table>",
        text,
    )
    start, end = float(accuracy[0]), float(accuracy[1])
    assert 0.9 <= start < 0.944 and 0.958 <= end < 1.0  # not from 0: the difference shows
    widths = [float(w) for w in re.findall(r'style="width:([\d.]+)%"', accuracy[2])]
    assert len(widths) == 2 and widths[1] - widths[0] > 30
    assert widths[0] > 0


@pytest.mark.parametrize("only_differences", [True, False])
def test_no_table_cell_holds_a_number_longer_than_4_significant_digits(
    two_models, only_differences
):
    ids, _ = two_models
    view = CompareView(run_ids=ids, only_differences=only_differences)
    cells = Cells(shown_html(view)).cells
    numbers = [c for c in cells if NUMBER.match(c["text"].strip())]
    assert len(numbers) > 20
    too_long = [c["text"] for c in numbers if significant_digits(c["text"].strip()) > 4]
    assert too_long == []
    durations = [c for c in cells if c["text"].endswith(" s")]
    assert durations and all(re.fullmatch(r"[\d.]+ s", c["text"]) for c in durations)
    if not only_differences:  # the whole value stays one hover away
        (alpha,) = [c for c in cells if c["title"] == "0.123456789"][:1]
        assert alpha["text"] == "0.1235"
        commits = [c for c in cells if len(c["title"]) == 40 and c["title"].isalnum()]
        assert all(len(c["text"]) <= 10 for c in commits)


def test_compare_and_study_pages_in_chromium(ui_page, ui_store):
    runs = wb.runs(experiment="breast-cancer", filter="tags.owner = 'demo'")
    ids = ",".join(runs["run_id"][:3])
    # tall enough that the screenshots hold the tables and the parallel coordinates
    ui_page.tab.set_viewport_size({"width": 1400, "height": 1800})
    tab = ui_page.open(f"/compare?runs={ids}", ready=".wb-histories canvas")
    toggle = tab.locator(".wb-diff-toggle input")
    assert toggle.is_checked()
    differing = tab.locator(".wb-fields tr.wb-differs").count()
    assert differing == tab.locator(".wb-fields tbody tr").count() > 0
    scroller = tab.locator(".wb-fields .wb-scroll").first
    assert scroller.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    ui_page.screenshot("compare")
    toggle.click()
    expect(tab).to_have_url(re.compile(r"[?&]diff=0"))  # the link reproduces the view
    all_rows = tab.locator(".wb-fields tbody tr")
    all_rows.nth(differing).wait_for(state="attached")
    assert all_rows.count() > differing

    tab = ui_page.open(f"/compare?runs={ids}&diff=0", ready=".wb-fields tbody tr")
    assert not tab.locator(".wb-diff-toggle input").is_checked()
    assert tab.locator(".wb-fields tbody tr").count() > differing

    study = "breast-cancer/logreg-C"
    tab = ui_page.open(f"/studies?study={study}", ready=".wb-study-parallel canvas")
    tab.locator(".wb-study-history canvas").first.wait_for(state="attached")
    tab.locator(".wb-study-parallel").first.scroll_into_view_if_needed()
    ui_page.screenshot("study")
    assert ui_page.errors == [], ui_page.errors
