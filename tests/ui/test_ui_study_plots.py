"""The study page's parallel coordinates read like the study: an axis per parameter named by
it, a log axis where Optuna suggested the parameter with ``log=True``, the choices of a
categorical parameter on its axis, and the objective's axis named by the study's metric."""

from __future__ import annotations

import math

import numpy as np
import pytest

import workbench as wb
from workbench.ui.pages.studies import StudiesView

STUDY = "parallel-axes"
LONG_NAME = "minimum_child_weight_per_leaf"


@pytest.fixture
def study(sqlite_project):
    wb.set_experiment("study-axes")

    def objective(trial):
        lr = trial.suggest_float("learning_rate", 1e-4, 0.1, log=True)
        booster = trial.suggest_categorical("booster", ["gbtree", "dart", "linear"])
        weight = trial.suggest_float(LONG_NAME, 0.5, 3.0)
        return -((math.log10(lr) + 2) ** 2) - (booster == "dart") - 0.1 * weight

    result = wb.tune(objective, n_trials=12, direction="maximize", name=STUDY, show_progress=False)
    result.study.set_metric_names(["val_auc"])
    return result


def axes_of(view: StudiesView) -> dict[str, dict]:
    return {axis["name"]: axis for axis in view._parallel.object.tags}


def test_each_axis_is_named_by_its_parameter_and_the_objective_by_the_metric(study):
    view = StudiesView(study=STUDY)
    plot = view._parallel.object
    labels = plot.xaxis.major_label_overrides
    assert [labels[i] for i in sorted(labels)] == [
        "booster",
        "learning_rate",
        LONG_NAME,
        "val_auc",
    ]  # fmt: skip  (whole names: no "x", nothing cut)
    assert plot.xaxis.axis_label in (None, "")
    assert plot.xaxis.major_label_orientation != "horizontal"  # a long name slants
    assert [a["scale"] for a in plot.tags] == ["categorical", "log", "linear", "linear"]


def test_a_log_suggested_param_has_a_log_axis(study):
    axis = axes_of(StudiesView(study=STUDY))["learning_rate"]
    assert axis["scale"] == "log"
    ticks = dict((text, position) for position, text in axis["ticks"])
    assert {"0.0001", "0.001", "0.01", "0.1"} <= set(ticks)
    decades = [ticks[t] for t in ("0.0001", "0.001", "0.01", "0.1")]
    assert np.allclose(np.diff(decades), decades[1] - decades[0])  # a decade per equal step
    # each trial's line crosses the axis where log10 of its value puts it
    plot = StudiesView(study=STUDY)._parallel.object
    lines = plot.renderers[0].data_source.data
    trials = {t.number: t.params["learning_rate"] for t in study.study.trials}
    low, high = math.log10(float(axis["ticks"][0][1])), math.log10(float(axis["ticks"][-1][1]))
    for number, ys in zip(lines["number"], lines["ys"], strict=True):
        expected = (math.log10(trials[int(number)]) - low) / (high - low)
        assert ys[1] == pytest.approx(expected)


def test_a_categorical_param_shows_its_choices_in_order(study):
    axis = axes_of(StudiesView(study=STUDY))["booster"]
    assert axis["scale"] == "categorical"
    assert [text for _, text in axis["ticks"]] == ["gbtree", "dart", "linear"]
    assert [position for position, _ in axis["ticks"]] == [0.0, 0.5, 1.0]


def test_the_best_trial_is_drawn_last_and_darkest(study):
    plot = StudiesView(study=STUDY)._parallel.object
    lines = plot.renderers[0].data_source.data
    assert list(lines["value"]) == sorted(lines["value"])  # maximize: best on top
    assert int(lines["number"][-1]) == study.best_trials[0].number


def test_a_log_axis_over_many_decades_labels_every_other_one():
    import pandas as pd

    from workbench.ui._plots import parallel_axis

    axis = parallel_axis("lambda_l1", pd.Series([3e-8, 2e-3, 7.0]), "lambda_l1", log=True)
    texts = [text for _, text in axis["ticks"]]
    assert texts == ["1e-08", "1e-06", "0.0001", "0.01", "1", "100"]
    assert np.allclose(np.diff([p for p, _ in axis["ticks"]]), 0.2)
    assert axis["positions"][1] == pytest.approx((math.log10(2e-3) + 8) / 10)
