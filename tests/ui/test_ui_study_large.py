"""A large study's page stays quick without hiding what matters: the history draws every trial,
the parallel coordinates draw at most 1,000 lines (the 200 best and a random sample of the
others, always with the best trial, and the page says so), and the page is computed once per
state of the study's trials."""

from __future__ import annotations

import html
from typing import Any

import optuna
import pytest
from playwright.sync_api import expect
from uihelpers import Page, served_ui

import workbench as wb
from workbench.ui._study_data import study_snapshot
from workbench.ui.pages.studies import StudiesView

STUDY = "quadratic"
N_TRIALS = 1_200


def quadratic(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_float("y", 1e-3, 10, log=True)
    return (x - 1) ** 2 + y


def tune(n_trials: int):
    sampler = optuna.samplers.RandomSampler(seed=n_trials)  # cheap for 1,200 trials
    return wb.tune(quadratic, n_trials=n_trials, sampler=sampler, name=STUDY, show_progress=False)


@pytest.fixture
def large_study(sqlite_project):
    wb.set_experiment("large-study")
    return tune(N_TRIALS)


def test_a_large_study_draws_1000_lines_with_the_best_and_says_so(large_study):
    view = StudiesView(study=STUDY)
    lines = view._parallel.object.renderers[0].data_source.data
    numbers = [int(n) for n in lines["number"]]
    assert len(numbers) == 1_000 == len(set(numbers))
    best = large_study.study.best_trial.number
    assert numbers[-1] == best  # drawn last, on top
    ranked = sorted(
        (t for t in large_study.study.trials if t.state.name == "COMPLETE"),
        key=lambda t: t.value,
    )
    assert {t.number for t in ranked[:200]} <= set(numbers)  # the 200 best, then a sample
    notice = "Showing 1,000 of 1,200 complete trials: the 200 best and a random sample"
    assert view._parallel_note.visible
    assert notice in html.unescape(view._parallel_note.object)
    assert notice.lower() in view._parallel.object.title.text
    # the history keeps every trial, the table lists them all
    history = view._history.object.renderers[0].data_source.data
    assert len(history["number"]) == N_TRIALS
    assert len(view._trials.value) == N_TRIALS
    assert f"#{best}:" in view._best.object


def test_a_study_under_the_cap_draws_every_trial_without_a_notice(sqlite_project):
    wb.set_experiment("small-study")
    tune(30)
    view = StudiesView(study=STUDY)
    lines = view._parallel.object.renderers[0].data_source.data
    assert sorted(int(n) for n in lines["number"]) == list(range(30))
    assert not view._parallel_note.visible
    assert view._parallel.object.title.text == "Parallel coordinates"


def test_the_page_is_computed_once_per_state_of_the_trials(sqlite_project):
    wb.set_experiment("small-study")
    tune(5)
    first = study_snapshot(STUDY)
    assert study_snapshot(STUDY) is first  # a second page load reuses it
    tune(2)  # the study goes on elsewhere
    again = study_snapshot(STUDY)
    assert again is not first
    assert again.n_trials == 7 and len(again.table) == 7
    assert "7 trials" in StudiesView(study=STUDY)._heading.object


@pytest.mark.slow
def test_a_large_study_in_chromium_says_which_lines_it_draws(
    browser: Any, sqlite_project, large_study
):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        with served_ui(sqlite_project) as url:
            page = Page(context.new_page(), url)
            tab = page.open(f"/studies?study={STUDY}", ready=".wb-study-parallel canvas")
            for plot in ("history", "importances"):
                tab.locator(f".wb-study-{plot} canvas").first.wait_for(state="visible")
            expect(tab.locator(".wb-study-trial-count")).to_have_text("1200 trials")
            expect(tab.locator(".wb-parallel-note")).to_contain_text(
                "Showing 1,000 of 1,200 complete trials: the 200 best and a random sample"
            )
            # the trials table pages in the server: 25 rows reach the browser, not 1,200
            expect(tab.locator(".wb-study-trials .tabulator-row")).to_have_count(25)
            tab.locator(".wb-study-parallel").first.scroll_into_view_if_needed()
            page.screenshot("study-large")
            assert page.errors == [], page.errors
    finally:
        context.close()
