"""The studies, drift, models and pipelines pages in a real Chromium, on the demo store."""

from __future__ import annotations

import json
import shutil

from playwright.sync_api import expect

import workbench as wb

STUDY = "breast-cancer/logreg-C"
MODEL = "breast-cancer-classifier"
STUDY_ROWS = ".wb-studies-table .tabulator-row"
TRIAL_ROWS = ".wb-study-trials .tabulator-row"


def aliases_of(model: str) -> dict[str, int]:
    versions = wb.models.versions(model)
    return {
        a: int(v)
        for v, names in zip(versions["version"], versions["aliases"], strict=False)
        for a in names
    }


def test_studies_page_lists_the_study_and_opens_it(ui_page):
    tab = ui_page.open("/studies", ready=STUDY_ROWS)
    row = tab.locator(STUDY_ROWS).first
    assert STUDY in row.inner_text()
    assert "15" in row.locator(".tabulator-cell[tabulator-field='trials']").inner_text()
    ui_page.screenshot("studies")
    row.locator("a.wb-study-link").click()
    tab.locator(TRIAL_ROWS).first.wait_for(state="visible")
    expect(tab.locator(".wb-study-name")).to_have_text(STUDY)
    expect(tab.locator(".wb-study-trial-count")).to_have_text("15 trials")
    expect(tab.locator(TRIAL_ROWS)).to_have_count(15)
    assert '"C"' in tab.locator(".wb-best-params").inner_text()
    assert tab.locator(".wb-study-best a.wb-run-link").count() == 1
    for plot in ("history", "importances", "parallel"):
        tab.locator(f".wb-study-{plot} canvas").first.wait_for(state="attached")
    ui_page.screenshot("study")
    assert ui_page.errors == [], ui_page.errors


def test_drift_page_lists_the_report_and_opens_its_columns(ui_page):
    tab = ui_page.open("/drift", ready=".wb-drift-history .tabulator-row")
    row = tab.locator(".wb-drift-history .tabulator-row").first
    assert row.locator(".tabulator-cell[tabulator-field='dataset']").inner_text() == "breast-cancer"
    assert row.locator(".tabulator-cell[tabulator-field='drifted']").inner_text() == "no"
    ui_page.screenshot("drift")
    row.locator("a.wb-report-link").click()
    columns = tab.locator(".wb-drift-columns .tabulator-row")
    columns.first.wait_for(state="visible")
    assert "No dataset drift" in tab.locator(".wb-drift-verdict").inner_text()
    assert "2 of 30 columns drifted" in tab.locator(".wb-drift-verdict").inner_text()
    assert tab.locator(".wb-drift-dataset").inner_text() == "breast-cancer"
    name = columns.first.locator(".tabulator-cell[tabulator-field='column']")
    assert name.inner_text() == "mean radius"
    assert columns.first.locator(".tabulator-cell[tabulator-field='test']").inner_text() == "ks"
    assert name.evaluate("e => e.style.backgroundColor"), "a drifted column is highlighted"
    stable = columns.nth(2).locator(".tabulator-cell[tabulator-field='column']")
    assert stable.inner_text() == "mean perimeter"
    assert not stable.evaluate("e => e.style.backgroundColor")
    tab.locator(".wb-drift-plots canvas").first.wait_for(state="attached")
    ui_page.screenshot("drift-report")
    assert ui_page.errors == [], ui_page.errors


def test_models_page_promotes_and_rolls_back_after_confirmation(ui_page, ui_store):
    tab = ui_page.open("/models", ready=".wb-model-versions .tabulator-row")
    champion = tab.locator(".wb-alias[data-alias='champion']")
    assert champion.inner_text() == "champion → v2"
    versions = tab.locator(".wb-model-versions .tabulator-cell[tabulator-field='version']")
    assert versions.all_inner_texts() == ["v4", "v3", "v2", "v1"]
    ui_page.screenshot("models")
    try:
        tab.locator(".wb-promote-version select").select_option(label="v3")
        tab.locator(".wb-promote button").click()
        expect(tab.locator(".wb-confirm-text")).to_have_text("Promote v3 to champion?")
        assert aliases_of(MODEL)["champion"] == 2, "nothing changes before the confirmation"
        tab.locator(".wb-confirm button").click()
        tab.locator(".wb-action-result").filter(has_text="Promoted").wait_for()
        champion.filter(has_text="champion → v3").wait_for()
        assert aliases_of(MODEL)["champion"] == 3
        last = wb.models.alias_history(MODEL).iloc[-1]
        assert (last["alias"], last["action"], last["version"]) == ("champion", "promote", 3)
        assert last["previous_version"] == 2 and last["user"]
        ui_page.screenshot("models-promoted")

        tab.locator(".wb-rollback-alias select").select_option("champion")
        tab.locator(".wb-rollback button").click()
        tab.locator(".wb-confirm-text").filter(has_text="Roll back champion").wait_for()
        tab.locator(".wb-confirm button").click()
        tab.locator(".wb-action-result").filter(has_text="Rolled back").wait_for()
        champion.filter(has_text="champion → v2").wait_for()
        assert aliases_of(MODEL)["champion"] == 2
        last = wb.models.alias_history(MODEL).iloc[-1]
        assert (last["alias"], last["action"], last["version"]) == ("champion", "rollback", 2)
        assert ui_page.errors == [], ui_page.errors
    finally:  # the demo store is shared by the session: leave champion on v2
        if aliases_of(MODEL).get("champion") != 2:
            wb.models.promote(MODEL, 2, alias="champion")


def test_pipelines_page_explains_the_export_then_lists_a_package(ui_page, ui_home):
    tab = ui_page.open("/pipelines", ready=".wb-empty pre")
    assert "workbench export notebook.ipynb" in tab.locator(".wb-empty pre").first.inner_text()
    ui_page.screenshot("pipelines-empty")
    folder = ui_home / "pipelines"
    assert not folder.exists()
    package = folder / "churn" / "src" / "churn"
    package.mkdir(parents=True)
    try:
        manifest = {"name": "churn", "version": "1.2.0", "fingerprint": "ab" * 32}
        (package / "manifest.json").write_text(json.dumps(manifest))
        tab.locator(".wb-pipelines-reload button").click()
        row = tab.locator(".wb-pipelines-table .tabulator-row").first
        row.wait_for(state="visible")
        assert row.locator(".tabulator-cell[tabulator-field='name']").inner_text() == "churn"
        assert row.locator(".tabulator-cell[tabulator-field='version']").inner_text() == "1.2.0"
        expect(tab.locator(".wb-pipeline-count")).to_have_text("1 pipeline(s)")
        ui_page.screenshot("pipelines")
    finally:
        shutil.rmtree(folder)
    assert ui_page.errors == [], ui_page.errors
