"""The runs page grouped by a param without a browser: the groups, a group's runs and the
band plot come from narrow store reads, and a long history is thinned before it is sent."""

from __future__ import annotations

import pandas as pd

import workbench as wb
from workbench.ui._runs_groups import MAX_BAND_STEPS, thin_steps
from workbench.ui.pages.runs import RunsView


def test_a_band_sends_at_most_its_limit_of_steps_keeping_the_first_and_the_last():
    bands = pd.DataFrame({
        "group": ["a"] * 2_000 + ["b"] * 3,
        "step": [*range(2_000), 0, 1, 2],
        "mean": [float(i) for i in range(2_003)], "std": 0.0, "runs": 1,
    })  # fmt: skip
    thinned = thin_steps(bands)
    a = thinned[thinned["group"] == "a"]
    assert len(a) == MAX_BAND_STEPS and a["step"].is_monotonic_increasing
    assert (a["step"].iloc[0], a["step"].iloc[-1]) == (0, 1_999)
    assert thinned[thinned["group"] == "b"]["step"].tolist() == [0, 1, 2]  # short: untouched


def test_the_grouped_page_lists_each_groups_runs_and_draws_thinned_bands(sqlite_project):
    wb.set_experiment("grouped")
    for index, model in enumerate(["lgbm", "lgbm", "logreg"]):
        with wb.start_run(name=f"run {index}") as run:
            run.log_param("model", model)
            run.log_param("seed", index)
            for step in range(1_200):
                run.log_metric("loss", 1 / (step + 1) + index, step=step)
    view = RunsView(experiment="grouped", group_by="params.model", columns=["metrics.loss"])
    groups = view._grouped.table.value
    assert groups["params.model"].tolist() == ["lgbm", "logreg"]
    assert groups["runs"].tolist() == [2, 1]
    members = view._grouped._members(groups.iloc[0]).object
    assert "run 0" in members and "run 1" in members and "run 2" not in members
    figure = view._grouped._plot.object
    assert figure is not None
    sent = {len(r.data_source.data["step"]) for r in figure.renderers}
    assert sent == {MAX_BAND_STEPS}  # of 1,200 steps per group
