"""Home checklist, run detail, live refresh and remote access, in a real Chromium."""

from __future__ import annotations

import re
import subprocess
import sys

from browsertools import free_port, stop
from playwright.sync_api import expect
from uihelpers import clean_env, start_ui, wait_for_http

import workbench as wb


def test_home_checklist_reflects_the_store(ui_page):
    tab = ui_page.open("/", ready=".wb-steps")
    assert tab.locator(".wb-done-count").inner_text() == "5 of 8"
    states = {
        step.get_attribute("data-step"): step.get_attribute("data-state")
        for step in tab.locator(".wb-step").all()
    }
    assert states == {
        "track": "done", "compare": "done", "tune": "done", "register": "done",
        "drift": "done", "export": "next", "verify": "todo", "retrain": "todo",
    }  # fmt: skip
    assert "workbench export notebook.ipynb" in tab.locator("[data-step='export'] pre").inner_text()
    ui_page.screenshot("home")
    assert ui_page.errors == [], ui_page.errors


def test_run_detail_shows_artifacts_models_and_history(ui_page):
    tab = ui_page.open("/runs", ready=".wb-runs-table .tabulator-row")
    box = tab.locator(".wb-filter input")
    box.fill("attributes.name = 'gradient boosting'")
    box.press("Enter")
    tab.locator(".wb-run-count").filter(has_text=re.compile(r"^\s*1 run")).wait_for()
    expect(tab.locator(".wb-runs-table .tabulator-row")).to_have_count(1)
    tab.locator(".wb-runs-table a.wb-run-link").first.click()
    tab.locator(".wb-run-title").wait_for()
    assert "/run?id=" in tab.url
    assert "gradient boosting" in tab.locator(".wb-run-title").inner_text()
    assert "learning_rate" in tab.locator(".wb-params").inner_text()
    assert "precision" in tab.locator(".wb-artifact-text").first.inner_text()  # the report
    assert "breast-cancer-classifier v4" in tab.locator(".wb-model-versions").inner_text()
    tab.locator("canvas").first.wait_for(state="attached")  # the val/auc history
    ui_page.screenshot("run")
    assert ui_page.errors == [], ui_page.errors


def test_runs_page_refreshes_when_a_run_is_tracked(ui_page, ui_store):
    tab = ui_page.open("/runs", ready=".wb-runs-table .tabulator-row")
    before = int(tab.locator(".wb-run-count").inner_text().split()[0])
    wb.set_experiment("breast-cancer")
    with wb.start_run(name="arrives live") as run:
        run.log_metric("auc", 0.5)
    try:
        arrived = re.compile(rf"^\s*{before + 1} run")
        tab.locator(".wb-run-count").filter(has_text=arrived).wait_for(timeout=15_000)
        expect(tab.locator(".wb-runs-table").get_by_text("arrives live")).to_have_count(1)
    finally:
        wb.delete_run(run.id)  # the shared demo store keeps its 20 runs
    assert ui_page.errors == [], ui_page.errors


def test_binding_beyond_loopback_needs_allow_remote(ui_home):
    refused = subprocess.run(
        [sys.executable, "-m", "workbench", "ui", "--address", "0.0.0.0", "--port",
         str(free_port())],
        env=clean_env(ui_home), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "--allow-remote" in refused.stderr


def test_remote_access_asks_for_the_printed_token(browser, ui_home):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench", "ui", "--address", "0.0.0.0", "--port", str(port),
         "--allow-remote"],
        env=clean_env(ui_home), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        while "Access token" not in line:
            line = proc.stdout.readline()
            assert line, "the server stopped before printing a token"
        token = line.rsplit(":", 1)[1].strip()
        url = f"http://127.0.0.1:{port}"
        wait_for_http(url + "/login", proc)
        context = browser.new_context()
        tab = context.new_page()
        tab.goto(url + "/runs")
        assert "/login" in tab.url  # no token, no app
        tab.fill("input[name='username']", "me")
        tab.fill("input[name='password']", "wrong")
        tab.click("button[type='submit'], input[type='submit']")
        assert tab.locator(".wb-nav").count() == 0
        tab.goto(url + "/login")
        tab.fill("input[name='username']", "me")
        tab.fill("input[name='password']", token)
        tab.click("button[type='submit'], input[type='submit']")
        tab.goto(url + "/runs")
        tab.locator(".wb-nav").first.wait_for(state="visible")
        context.close()
    finally:
        stop(proc)


def test_ui_starts_on_a_free_port_and_stops(ui_home):
    proc, url = start_ui(ui_home)
    try:
        wait_for_http(url + "/models", proc)
    finally:
        stop(proc)
    assert proc.returncode is not None
