"""The runs and compare pages in a real Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import expect

ROWS = ".wb-runs-table .tabulator-row"


def test_runs_page_filters_and_shows_the_error_inline(ui_page):
    tab = ui_page.open("/runs", ready=ROWS)
    # 20 runs: the study's 15 trials are collapsed under its run
    count = tab.locator(".wb-run-count").inner_text().strip()
    assert count.startswith("5") and "+ 15 nested" in count
    expect(tab.locator(ROWS).filter(has_text="▸ 15 trials")).to_have_count(1)
    ui_page.screenshot("runs")
    box = tab.locator(".wb-filter input")
    box.fill("metrics.auc > 0.99")
    box.press("Enter")
    count = tab.locator(".wb-run-count")
    count.filter(has_text=re.compile(r"^\s*2 run")).wait_for()
    # the count label and the table are separate Bokeh models: the rows may
    # render a moment after the label, so wait for them too
    expect(tab.locator(ROWS)).to_have_count(2)
    box.fill("metrics.auc >> 1")
    box.press("Enter")
    error = tab.locator(".wb-error-text")
    error.filter(has_text="unknown operator").wait_for()
    assert "position 13" in error.inner_text()
    assert ui_page.errors == [], ui_page.errors


def test_selecting_two_runs_opens_the_compare_view(ui_page):
    tab = ui_page.open("/runs", ready=ROWS)
    box = tab.locator(".wb-filter input")
    box.fill("tags.owner = 'demo'")
    box.press("Enter")
    tab.locator(".wb-run-count").filter(has_text=re.compile(r"^\s*4 run")).wait_for()
    rows = tab.locator(ROWS)
    expect(rows).to_have_count(4)
    for index in (0, 1):
        rows.nth(index).locator("input[type='checkbox']").click()
    link = tab.locator("a.wb-compare")
    link.wait_for()
    assert "Compare 2 selected runs" in link.inner_text()
    link.click()
    tab.locator(".wb-compare-params").first.wait_for(state="visible")
    assert "/compare?runs=" in tab.url
    # the newest demo run is the boosted one: its val/auc history is plotted
    tab.locator(".wb-histories canvas").first.wait_for(state="attached")
    assert tab.locator(".wb-differs").count() >= 3  # name, model, n_estimators, metrics
    assert "2 runs" in tab.locator(".wb-compare-summary").inner_text()
    ui_page.screenshot("compare")
    assert ui_page.errors == [], ui_page.errors


def test_the_column_chooser_changes_the_columns_and_keeps_the_rows(ui_page):
    tab = ui_page.open("/runs", ready=ROWS)
    box = tab.locator(".wb-filter input")
    box.fill("tags.owner = 'demo'")
    box.press("Enter")
    rows = tab.locator(ROWS)
    expect(rows).to_have_count(4)
    header = tab.locator(".wb-runs-table .tabulator-col[tabulator-field='metrics.auc']")
    expect(header).to_have_count(1)
    chosen = tab.locator(".choices__item[data-value='metrics.auc'] .choices__button")
    chosen.first.click()
    # new columns and the same rows: the table is rebuilt from the rows it has now
    expect(header).to_have_count(0)
    expect(rows).to_have_count(4)
    assert tab.locator(".wb-run-count").inner_text().strip().startswith("4")
    assert ui_page.errors == [], ui_page.errors


def test_children_query_arg_lists_the_trials_under_their_study(ui_page):
    tab = ui_page.open("/runs?children=1", ready=ROWS)
    rows = tab.locator(ROWS)
    expect(rows).to_have_count(20)
    expect(rows.filter(has_text="▾ 15 trials")).to_have_count(1)
    expect(rows.filter(has_text="└ ")).to_have_count(15)
    assert ui_page.errors == [], ui_page.errors
