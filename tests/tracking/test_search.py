"""wb.runs(): MLflow's filter syntax and what goes past it."""

from __future__ import annotations

import pytest

import workbench as wb
from workbench.store.filter_parser import FilterError


@pytest.fixture
def runs_ab(project):
    """Four runs in two experiments."""
    ids = {}
    specs = [
        ("churn", "lgbm-a", {"model": "lgbm", "lr": 0.05, "depth": 10}, {"auc": 0.93}, "ana"),
        ("churn", "lgbm-b", {"model": "lgbm", "lr": 0.2, "depth": 9}, {"auc": 0.88}, "bo"),
        ("churn", "rf", {"model": "rf", "lr": "n/a", "depth": 100}, {"auc": 0.91}, "ana"),
        ("fraud", "lr", {"model": "logreg", "lr": 0.01}, {"auc": 0.75, "f1": 0.5}, "x"),
    ]
    for experiment, name, params, metrics, owner in specs:
        with wb.start_run(name=name, experiment=experiment, tags={"owner": owner}) as run:
            run.log_params(params)
            run.log_metrics(metrics)
        ids[name] = run.id
    return ids


def names(frame):
    return sorted(frame["name"])


def test_mlflow_filter_syntax(runs_ab):
    frame = wb.runs(
        experiment="churn",
        filter="metrics.auc > 0.9 and params.model = 'lgbm' and tags.owner != 'x' "
        "and attributes.status = 'FINISHED'",
    )
    assert names(frame) == ["lgbm-a"]
    assert frame.loc[0, "params.lr"] == "0.05"
    assert frame.loc[0, "metrics.auc"] == 0.93
    assert frame.loc[0, "tags.owner"] == "ana"


def test_like_ilike_and_in(runs_ab):
    assert names(wb.runs(experiment="churn", filter="attributes.name LIKE 'lgbm%'")) == [
        "lgbm-a",
        "lgbm-b",
    ]
    assert names(wb.runs(experiment="churn", filter="params.model LIKE 'LGBM%'")) == []
    assert len(wb.runs(experiment="churn", filter="params.model ILIKE 'LGBM%'")) == 2
    assert names(wb.runs(experiment="churn", filter="tags.owner IN ('bo', 'x')")) == ["lgbm-b"]
    assert names(wb.runs(experiment="churn", filter="params.model NOT IN ('lgbm')")) == ["rf"]


def test_or_and_parentheses(runs_ab):
    frame = wb.runs(
        experiment="churn",
        filter="(params.model = 'rf' or metrics.auc < 0.9) and tags.owner = 'bo'",
    )
    assert names(frame) == ["lgbm-b"]
    frame = wb.runs(experiment="churn", filter="params.model = 'rf' or metrics.auc < 0.9")
    assert names(frame) == ["lgbm-b", "rf"]


def test_params_compare_as_numbers_when_both_sides_are(runs_ab):
    # As strings "10" < "9"; as numbers 9 < 10 < 100. Non-numeric values never match.
    assert names(wb.runs(experiment="churn", filter="params.depth < 10")) == ["lgbm-b"]
    assert names(wb.runs(experiment="churn", filter="params.lr < 0.1")) == ["lgbm-a"]
    assert names(wb.runs(experiment="churn", filter="params.lr = 'n/a'")) == ["rf"]


def test_search_across_several_experiments(runs_ab):
    frame = wb.runs(experiment=["churn", "fraud"], filter="metrics.auc < 0.9")
    assert names(frame) == ["lgbm-b", "lr"]
    assert set(frame["experiment"]) == {"churn", "fraud"}
    assert "metrics.f1" in frame.columns


def test_default_is_the_current_experiment_else_all(runs_ab):
    assert len(wb.runs()) == 4
    wb.set_experiment("fraud")
    assert names(wb.runs()) == ["lr"]


def test_order_by_and_max_results(runs_ab):
    frame = wb.runs(experiment="churn", order_by="metrics.auc DESC")
    assert list(frame["name"]) == ["lgbm-a", "rf", "lgbm-b"]
    frame = wb.runs(experiment="churn", order_by=["params.depth ASC"], max_results=2)
    assert list(frame["name"]) == ["lgbm-b", "lgbm-a"]  # numeric order: 9, 10


def test_newest_first_by_default(runs_ab):
    assert list(wb.runs(experiment="churn")["name"]) == ["rf", "lgbm-b", "lgbm-a"]


def test_missing_key_and_is_null(runs_ab):
    assert names(wb.runs(filter="metrics.f1 IS NULL", experiment="fraud")) == []
    assert names(wb.runs(filter="metrics.f1 IS NOT NULL")) == ["lr"]
    assert names(wb.runs(filter="metrics.f1 > 0")) == ["lr"]


def test_bad_filter_names_the_position(runs_ab):
    with pytest.raises(FilterError) as caught:
        wb.runs(filter="metrics.auc > ")
    assert caught.value.position == 14
    assert "^" in str(caught.value)


def test_unknown_experiment_lists_the_known_ones(runs_ab):
    with pytest.raises(ValueError, match=r"Unknown experiment 'nope'; known experiments: 'churn'"):
        wb.runs(experiment="nope")


def test_bad_order_by_is_a_clear_error(runs_ab):
    with pytest.raises(ValueError, match="Invalid order_by"):
        wb.runs(order_by="auc DESC")


def test_compare_runs_marks_differences(runs_ab):
    frame = wb.compare_runs([runs_ab["lgbm-a"], runs_ab["lgbm-b"]])
    assert not frame.loc["params.model", "differs"]
    assert frame.loc["params.lr", "differs"]
    assert frame.loc["metrics.auc", runs_ab["lgbm-a"]] == 0.93
