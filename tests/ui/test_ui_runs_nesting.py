"""The runs page lists child runs under their parent: a study's trials collapsed under its
study run, shown with a toggle; default columns are the most used keys; values are formatted."""

from __future__ import annotations

import math

import workbench as wb
from workbench.ui.pages.runs import RunsView, format_duration


def _objective(trial) -> float:
    x = trial.suggest_float("x", -3.0, 3.0)
    return 1 / 3 + x * 1e-7


def test_trials_are_collapsed_under_their_study_run_and_shown_with_the_toggle(sqlite_project):
    wb.set_experiment("tuning")
    with wb.start_run(name="baseline") as run:
        run.log_metric("auc", 0.8)
    wb.tune(_objective, n_trials=15, direction="maximize", experiment="tuning", name="s")
    view = RunsView()
    table = view._table.value
    assert view._total == 2 and len(table) == 2  # the baseline and the study run
    study_row = table[table["name"] == "study s"].iloc[0]
    assert study_row["children"] == "▸ 15 trials"
    assert "+ 15 nested" in view._count.object
    view.children = True
    table = view._table.value
    assert len(table) == 17 and view._total == 2
    names = list(table["name"])
    study_at = names.index("study s")
    trials = names[study_at + 1 : study_at + 16]
    assert all(name.startswith("└ ") for name in trials)  # indented right under the study
    assert table.iloc[study_at]["children"] == "▾ 15 trials"
    study_id = table.index[study_at]
    assert all(study_id in link for link in table["parent"].iloc[study_at + 1 : study_at + 16])
    # a filter searches every run, trials included
    view.filter = "params.x > -10"
    assert view._total == 15


def test_the_default_columns_are_the_keys_most_runs_logged(sqlite_project):
    wb.set_experiment("many")
    for index in range(4):
        with wb.start_run(name=f"common {index}") as run:
            run.log_metrics({f"m{k}": 0.1 * k for k in range(7)})
            run.log_params({"lr": 0.1, "depth": 3, "seed": index, "model": "lgbm", "rare": 1})
    with wb.start_run(name="odd one") as run:
        run.log_metrics({"a_rare_metric": 1.0})
        run.log_params({"a_rare_param": 2})
    view = RunsView()
    metrics = [c for c in view.columns if c.startswith("metrics.")]
    params = [c for c in view.columns if c.startswith("params.")]
    assert len(metrics) == 6 and "metrics.a_rare_metric" not in metrics
    assert len(params) == 4 and "params.a_rare_param" not in params


def test_values_are_formatted(sqlite_project):
    wb.set_experiment("formats")
    wb.set_experiment("other")
    for experiment in ("formats", "other"):
        wb.set_experiment(experiment)
        with wb.start_run(name=experiment) as run:
            run.log_metrics({"auc": 0.123456789, "loss": 12345.6789, "tiny": 1.23456789e-7})
            run.log_params({"lr": 0.0123456789})
    view = RunsView()
    table = view._table.value
    assert sorted(table["experiment"]) == ["formats", "other"]  # two experiments shown
    assert list(table["metrics.auc"]) == [0.1235, 0.1235]
    for column in table.columns:
        for cell in table[column]:
            if isinstance(cell, float) and math.isfinite(cell) and cell != 0:
                digits = f"{cell:.15g}".split("e")[0].replace("-", "").replace(".", "").strip("0")
                assert len(digits) <= 4, (column, cell)
    for started in table["started"]:
        assert len(started) == 19 and started[10] == "T"  # ISO 8601, to the second
    assert all(cell.endswith((" s", " min", " h")) for cell in table["duration"])
    assert [format_duration(s) for s in (1.4, 42.0, 180.0, 9000.0)] == [
        "1.4 s", "42 s", "3 min", "2.5 h",
    ]  # fmt: skip
