"""The studies, drift, models and pipelines pages as Python objects (no browser): what a user
sees after each click, on a fresh project."""

from __future__ import annotations

import html
import json

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.pipelines.catalog import list_packages, pipelines_folder
from workbench.ui.app import plotting_backend
from workbench.ui.pages.drift import DriftView
from workbench.ui.pages.models import ModelsView
from workbench.ui.pages.pipelines import PipelinesView
from workbench.ui.pages.studies import StudiesView


@pytest.fixture(autouse=True)
def _bokeh(sqlite_project):
    plotting_backend()
    return sqlite_project


def register_versions(name: str, count: int) -> None:
    from sklearn.linear_model import LogisticRegression

    x = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    y = [0, 0, 1, 1]
    wb.set_experiment("models")
    for c in range(1, count + 1):
        with wb.start_run() as run:
            run.log_metric("auc", 0.5 + c / 10)
            run.log_model(LogisticRegression(C=float(c)).fit(x, y), name=name)


def champion_of(name: str) -> int | None:
    versions = wb.models.versions(name)
    pairs = zip(versions["version"], versions["aliases"], strict=True)
    return next((int(version) for version, aliases in pairs if "champion" in aliases), None)


def test_promote_waits_for_confirmation_then_moves_the_alias():
    register_versions("m", 2)
    view = ModelsView()
    assert view._versions.value["version"].tolist() == ["v2", "v1"]
    view._promote_version.value = 2
    view._promote_button.clicks += 1
    assert view._confirm_row.visible
    assert "Promote v2 to champion?" in view._confirm_text.object
    assert champion_of("m") is None
    view._confirm_button.clicks += 1
    assert champion_of("m") == 2
    assert not view._confirm_row.visible
    assert "Promoted m v2 to champion." in view._result.object
    assert 'data-alias="champion">champion → v2' in view._aliases.object
    newest = view._history.value.iloc[0]
    assert (newest["alias"], newest["action"], newest["version"]) == ("champion", "promote", "v2")


def test_cancel_changes_nothing_and_rollback_errors_show_inline():
    register_versions("m", 2)
    wb.models.promote("m", 1, alias="champion")
    view = ModelsView()
    view._promote_version.value = 2
    view._promote_button.clicks += 1
    view._cancel_button.clicks += 1
    assert not view._confirm_row.visible
    view._confirm_button.clicks += 1  # a stale confirm after cancel does nothing
    assert champion_of("m") == 1
    assert view._rollback_alias.value == "champion"
    view._rollback_button.clicks += 1
    view._confirm_button.clicks += 1
    assert view._error.visible
    assert "held no earlier version" in view._error.object
    assert champion_of("m") == 1


def test_rollback_moves_the_alias_back():
    register_versions("m", 2)
    wb.models.promote("m", 1, alias="champion")
    wb.models.promote("m", 2, alias="champion")
    view = ModelsView()
    view._rollback_button.clicks += 1
    assert "Roll back champion" in view._confirm_text.object
    view._confirm_button.clicks += 1
    assert champion_of("m") == 1
    assert "Rolled back champion of m to v1." in view._result.object
    assert view._history.value["action"].iloc[0] == "rollback"


def test_empty_pages_explain_the_next_step():
    models, studies, drift = ModelsView(), StudiesView(), DriftView()
    assert models._empty.visible and not models._body.visible
    assert 'run.log_model(model, name="my-model")' in models._empty.object
    assert studies._empty.visible and "wb.tune(objective, n_trials=50)" in studies._empty.object
    assert drift._empty.visible and "wb.drift.compare(reference_df" in drift._empty.object


def test_study_page_follows_a_running_study():
    def objective(trial):
        return (trial.suggest_float("x", -5, 5) - 1) ** 2

    options = {"name": "quad", "experiment": "tune", "show_progress": False}
    wb.tune(objective, n_trials=1, **options)
    view = StudiesView(study="quad")
    view.start_live_updates()
    assert "1 trials" in view._heading.object
    assert view._importance_note.visible and "2 complete trials" in view._importance_note.object
    wb.tune(objective, n_trials=3, **options)
    view._check()  # the periodic check of a served page: the store changed
    assert "4 trials" in view._heading.object
    assert len(view._trials.value) == 4
    assert view._importances.visible and not view._importance_note.visible
    assert view._list.value["trials"].tolist() == [4]


def test_unknown_study_and_report_show_an_error_not_a_traceback():
    studies, drift = StudiesView(study="nope"), DriftView(report="42")
    assert studies._error.visible
    assert "No study named 'nope'" in html.unescape(studies._error.object)
    assert drift._error.visible and "No drift report with id 42" in drift._error.object


def test_drift_page_charts_the_share_over_time_and_opens_a_report():
    rng = np.random.default_rng(0)
    reference = pd.DataFrame({"a": rng.normal(0, 1, 300), "b": rng.normal(0, 1, 300)})
    first = wb.drift.compare(reference, reference.copy()).log(dataset="d")
    current = reference.assign(a=reference["a"] + 3)
    second = wb.drift.compare(reference, current).log(dataset="d")
    view = DriftView(report=str(second))
    assert view._chart.visible
    assert view._history.value["drifted"].tolist() == ["yes", "no"]
    assert f"report={first}" in view._history.value["report"].iloc[1]
    assert 'data-drifted="yes"' in view._verdict.object
    assert view._columns.value.set_index("column")["drifted"].to_dict() == {"a": True, "b": False}


def test_pipelines_lists_packages_and_tolerates_odd_manifests():
    root = pipelines_folder()
    assert list_packages() == [] and PipelinesView()._empty.visible
    (root / "churn" / "src" / "churn").mkdir(parents=True)
    (root / "churn" / "src" / "churn" / "manifest.json").write_text(
        json.dumps({"name": "churn", "version": "2.0.1", "fingerprint": "f" * 64})
    )
    (root / "bare").mkdir()
    (root / "bare" / "manifest.json").write_text("{}")
    (root / "broken").mkdir()
    (root / "broken" / "manifest.json").write_text("{not json")
    (root / "no-manifest").mkdir()
    packages = {p.name: p for p in list_packages()}
    assert sorted(packages) == ["bare", "broken", "churn"]
    assert (packages["churn"].version, packages["churn"].fingerprint) == ("2.0.1", "f" * 12)
    assert packages["churn"].folder == "pipelines/churn"
    assert packages["bare"].version == "" and packages["bare"].note == ""
    assert "unreadable manifest.json" in packages["broken"].note
    view = PipelinesView()
    assert not view._empty.visible and len(view._table.value) == 3
