"""The browser's Back and Forward buttons walk through the runs page's views: each change of
filter or grouping is a history entry, and going back shows that view's rows and controls."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

ROWS = ".wb-runs-table .tabulator-row"
GROUPS = ".wb-groups-table .tabulator-row"
NAMES = f"{ROWS} .tabulator-cell[tabulator-field='name']"
DEMO = "tags.owner = 'demo'"

pytestmark = pytest.mark.slow


def test_back_and_forward_restore_the_previous_views(ui_page):
    tab = ui_page.open("/runs", ready=ROWS)
    names = tab.locator(NAMES).all_inner_texts()
    count = tab.locator(".wb-run-count").inner_text()
    box = tab.locator(".wb-filter input")
    grouper = tab.locator(".wb-group-by select")
    ungrouped = grouper.input_value()
    assert len(names) > 4 and box.input_value() == ""

    box.fill(DEMO)
    box.press("Enter")
    expect(tab.locator(ROWS)).to_have_count(4)
    expect(tab).to_have_url(re.compile(r"filter=tags"))
    filtered = tab.locator(NAMES).all_inner_texts()
    grouper.select_option("params.model")
    expect(tab).to_have_url(re.compile(r"group=params\.model"))
    expect(tab.locator(GROUPS)).to_have_count(3)

    tab.go_back()
    expect(tab).not_to_have_url(re.compile(r"group="))
    expect(tab.locator(ROWS)).to_have_count(4)
    expect(tab.locator(GROUPS)).to_have_count(0)
    expect(grouper).to_have_value(ungrouped)
    expect(box).to_have_value(DEMO)
    tab.go_back()
    expect(tab).not_to_have_url(re.compile(r"filter="))
    expect(tab.locator(ROWS)).to_have_count(len(names))
    assert tab.locator(NAMES).all_inner_texts() == names
    expect(tab.locator(".wb-run-count")).to_have_text(count)
    expect(box).to_have_value("")
    expect(grouper).to_have_value(ungrouped)

    tab.go_forward()
    expect(tab).to_have_url(re.compile(r"filter=tags"))
    expect(tab.locator(ROWS)).to_have_count(4)
    assert tab.locator(NAMES).all_inner_texts() == filtered
    expect(box).to_have_value(DEMO)
    tab.go_forward()
    expect(tab).to_have_url(re.compile(r"group=params\.model"))
    expect(tab.locator(GROUPS)).to_have_count(3)
    expect(grouper).to_have_value("params.model")
    assert "4 run(s) in 3 groups" in tab.locator(".wb-run-count").inner_text()
    assert ui_page.errors == [], ui_page.errors
