"""The compare page shows the runs' artifacts: images side by side (a row per path, a column
per run, a missing one said so), text files diffed where they differ (the changed line
coloured), identical ones only named; a wide diff scrolls inside its card."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from uihelpers import Page, served_ui

import workbench as wb
from workbench.ui.pages.compare import CompareView

REPORT = ["accuracy report", "folds: 5", "accuracy: {accuracy}", "end"]
WIDE_COLUMNS = 60  # a CSV row far wider than the page


def _log_run(folder: Path, index: int, colour: str, accuracy: str) -> str:
    folder.mkdir()
    Image.new("RGB", (120, 80), colour).save(folder / "roc.png")
    (folder / "report.txt").write_text("\n".join(REPORT).format(accuracy=accuracy) + "\n")
    (folder / "config.json").write_text(json.dumps({"model": "lgbm", "folds": 5}))
    header = ",".join(f"feature_with_a_long_name_{i}" for i in range(WIDE_COLUMNS))
    values = ",".join(str(i * (index + 1)) for i in range(WIDE_COLUMNS))
    (folder / "importances.csv").write_text(f"{header}\n{values}\n")
    with wb.start_run(name=f"model {index}") as run:
        for name in ["roc.png", "report.txt", "config.json", "importances.csv"]:
            run.log_artifact(folder / name)
        if index == 0:
            (folder / "shap.svg").write_text(
                '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="40">'
                '<rect width="60" height="40" fill="teal"/></svg>'
            )
            run.log_artifact(folder / "shap.svg")
        return run.id


@pytest.fixture
def two_runs(sqlite_project: Path) -> list[str]:
    wb.set_experiment("artifacts")
    return [
        _log_run(sqlite_project / "a", 0, "red", "0.91"),
        _log_run(sqlite_project / "b", 1, "blue", "0.93"),
    ]


def _pane(view: CompareView, css_class: str) -> str:
    (pane,) = [o for o in view._body.objects if css_class in getattr(o, "css_classes", [])]
    return str(pane.object)


def test_images_sit_side_by_side_and_only_differing_texts_are_diffed(two_runs: list[str]):
    view = CompareView(run_ids=two_runs)
    images = _pane(view, "wb-compare-images")
    rows = dict(re.findall(r'<tr data-path="([^"]+)">(.*?)</tr>', images))
    assert list(rows) == ["roc.png", "shap.svg"]
    assert rows["roc.png"].count('<img class="wb-compare-image"') == 2
    assert "data:image/png;base64," in rows["roc.png"]
    assert rows["shap.svg"].count("<img") == 1 and ">missing<" in rows["shap.svg"]

    texts = _pane(view, "wb-compare-texts")
    diffed = re.findall(r'<section class="wb-text-diff" data-path="([^"]+)">', texts)
    assert diffed == ["importances.csv", "report.txt"]  # config.json is the same in both
    assert re.search(r"Identical in every run: config\.json", texts)
    report = texts[texts.index('data-path="report.txt"') :]
    assert '<span class="wb-diff-del">-accuracy: 0.91</span>' in report
    assert '<span class="wb-diff-add">+accuracy: 0.93</span>' in report
    assert "-folds: 5" not in report and " folds: 5" in report  # context, not a change


@pytest.fixture
def served(two_runs: list[str], sqlite_project: Path) -> Iterator[str]:
    with served_ui(sqlite_project) as url:
        yield url


@pytest.mark.slow
def test_artifacts_in_chromium(browser: Any, served: str, two_runs: list[str]) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    try:
        page = Page(context.new_page(), served)
        tab = page.open(f"/compare?runs={','.join(two_runs)}", ready=".wb-compare-image")
        pictures = tab.locator('.wb-compare-images tr[data-path="roc.png"] img')
        assert pictures.count() == 2
        left, right = (pictures.nth(i).bounding_box() for i in range(2))
        assert left and right and left["width"] > 50
        assert abs(left["y"] - right["y"]) < 2 and right["x"] > left["x"] + left["width"]
        missing = tab.locator('.wb-compare-images tr[data-path="shap.svg"] .wb-artifact-missing')
        assert missing.inner_text() == "missing"

        added = tab.locator('.wb-text-diff[data-path="report.txt"] .wb-diff-add')
        assert added.inner_text() == "+accuracy: 0.93"
        assert added.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(230, 255, 236)"
        assert tab.locator('.wb-text-diff[data-path="config.json"]').count() == 0

        wide = tab.locator('.wb-text-diff[data-path="importances.csv"] .wb-artifact-scroll')
        scroll, client = wide.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert scroll > client + 200  # the diff is wider than its card ...
        page_width = tab.evaluate("document.documentElement.scrollWidth")
        assert page_width <= 1400  # ... and scrolls inside it, not the page
        tab.locator(".wb-compare-images").scroll_into_view_if_needed()
        page.screenshot("compare_artifacts")
        assert page.errors == [], page.errors
    finally:
        context.close()
