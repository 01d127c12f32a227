"""Runs grouped by a param or tag: counts, mean ± std, min and max per metric, and metric
histories as per-group bands — on a real SQLite store."""

from __future__ import annotations

import itertools
import math
import statistics
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

import workbench as wb
from workbench.tracking.grouping import (
    NO_GROUP,
    aggregate_runs,
    child_counts,
    group_histories,
    group_order,
    group_runs,
    member_runs,
    metric_bands,
)
from workbench.tracking.queries import count_runs, run_keys

_experiments = itertools.count()


def _log(runs: list[dict[str, Any]]) -> str:
    """Log ``runs`` (``group``: a param value or None, ``auc``: a value, NaN or None) into a
    new experiment; returns its name."""
    name = f"grouping {next(_experiments)}"
    wb.set_experiment(name)
    for spec in runs:
        with wb.start_run() as run:
            if spec["group"] is not None:
                run.log_param("model", spec["group"])
            if spec["auc"] is not None:
                run.log_metric("auc", spec["auc"])
            run.log_metric("other", 1.0)
    return name


def test_a_group_counts_its_runs_and_leaves_missing_values_out_of_its_statistics(sqlite_project):
    experiment = _log([
        {"group": "lgbm", "auc": 0.8}, {"group": "lgbm", "auc": 0.9},
        {"group": "lgbm", "auc": math.nan}, {"group": "lgbm", "auc": None},
        {"group": "logreg", "auc": 0.7}, {"group": None, "auc": 0.5},
    ])  # fmt: skip
    table = group_runs("params.model", experiment=experiment, metrics=["metrics.auc"])
    assert list(table["params.model"]) == ["lgbm", "logreg", NO_GROUP]
    assert list(table["runs"]) == [4, 1, 1]
    lgbm = table.iloc[0]
    assert lgbm["metrics.auc mean"] == pytest.approx(0.85)
    assert lgbm["metrics.auc std"] == pytest.approx(statistics.stdev([0.8, 0.9]))
    assert (lgbm["metrics.auc min"], lgbm["metrics.auc max"]) == (0.8, 0.9)
    logreg = table.iloc[1]
    assert logreg["metrics.auc mean"] == 0.7 and math.isnan(logreg["metrics.auc std"])
    assert list(table.columns) == [
        "params.model", "runs", "metrics.auc mean", "metrics.auc std", "metrics.auc min",
        "metrics.auc max",
    ]  # fmt: skip


def test_every_matching_run_counts_not_one_page_and_the_filter_applies(sqlite_project):
    experiment = _log([{"group": str(i % 3), "auc": i / 100} for i in range(60)])
    table = group_runs("params.model", experiment=experiment)
    assert list(table["runs"]) == [20, 20, 20]
    assert {"metrics.auc mean", "metrics.other mean"} <= set(table.columns)  # every metric
    filtered = group_runs("params.model", experiment=experiment, filter="metrics.auc >= 0.3")
    assert filtered["runs"].sum() == 30
    assert filtered["metrics.auc min"].min() == 0.3


def test_runs_group_by_a_tag_too_and_a_key_no_run_has_is_one_none_group(sqlite_project):
    wb.set_experiment("tags")
    for owner in ("ana", "bo", "ana"):
        with wb.start_run(tags={"owner": owner}) as run:
            run.log_metric("auc", 0.5)
    by_owner = group_runs("tags.owner", experiment="tags")
    assert dict(zip(by_owner["tags.owner"], by_owner["runs"], strict=True)) == {"ana": 2, "bo": 1}
    nobody = group_runs("params.absent", experiment="tags")
    assert list(nobody["params.absent"]) == [NO_GROUP] and list(nobody["runs"]) == [3]


def test_groups_read_in_numeric_order_when_every_value_is_a_number():
    assert group_order(["10", "2", NO_GROUP, "1e-3", "2"]) == ["1e-3", "2", "10", NO_GROUP]
    assert group_order(["b", "10", "a", "2"]) == ["10", "2", "a", "b"]


def test_grouping_by_anything_but_a_param_or_tag_names_the_allowed_columns(sqlite_project):
    with pytest.raises(ValueError, match=r"'params.<key>' or 'tags.<key>' column, got 'name'"):
        group_runs("name")


GROUPS = st.sampled_from(["a", "b", "10", "2", None])
AUCS = st.sampled_from([None, math.nan]) | st.floats(-1e6, 1e6, allow_nan=False)


@settings(
    max_examples=25, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip
@given(runs=st.lists(st.fixed_dictionaries({"group": GROUPS, "auc": AUCS}), max_size=8))
def test_group_statistics_match_a_direct_computation(sqlite_project, runs):
    experiment = _log(runs)
    table = aggregate_runs(wb.runs(experiment=experiment), "params.model", ["metrics.auc"])
    assert table["runs"].sum() == len(runs)
    expected_groups = {NO_GROUP if spec["group"] is None else spec["group"] for spec in runs}
    assert set(table["params.model"]) == expected_groups
    for _, row in table.iterrows():
        group = None if row["params.model"] == NO_GROUP else row["params.model"]
        members = [spec for spec in runs if spec["group"] == group]
        values = [s["auc"] for s in members if s["auc"] is not None and not math.isnan(s["auc"])]
        assert row["runs"] == len(members)
        if not values:
            assert math.isnan(row["metrics.auc mean"]) and math.isnan(row["metrics.auc max"])
            continue
        assert row["metrics.auc mean"] == pytest.approx(statistics.fmean(values), abs=1e-6)
        assert (row["metrics.auc min"], row["metrics.auc max"]) == (min(values), max(values))
        if len(values) > 1:
            assert row["metrics.auc std"] == pytest.approx(statistics.stdev(values), abs=1e-6)
        else:
            assert math.isnan(row["metrics.auc std"])


def test_histories_become_one_mean_and_std_per_group_and_step(sqlite_project):
    wb.set_experiment("bands")
    histories = {
        ("a", 0): [0.1, 0.2, 0.3],
        ("a", 1): [0.3, math.nan, 0.5],  # a NaN point is left out of its step
        ("b", 0): [1.0, 2.0],
    }
    for (group, _), values in histories.items():
        with wb.start_run() as run:
            run.log_param("model", group)
            for step, value in enumerate(values):
                run.log_metric("loss", value, step=step)
    with wb.start_run() as run:  # no model: its own group; a step logged twice counts once
        run.log_metric("loss", 9.0, step=0)
        run.log_metric("loss", 7.0, step=0)
    bands = metric_bands("params.model", "metrics.loss", experiment="bands")
    assert list(bands.columns) == ["group", "step", "mean", "std", "runs"]
    rows = {(g, s): (m, sd, n) for g, s, m, sd, n in bands.itertuples(index=False)}
    assert list(dict.fromkeys(bands["group"])) == ["a", "b", NO_GROUP]
    assert rows[("a", 0)][0] == pytest.approx(0.2)
    assert rows[("a", 0)][1] == pytest.approx(statistics.stdev([0.1, 0.3]))
    assert rows[("a", 1)][0] == pytest.approx(0.2) and rows[("a", 1)][2] == 1
    assert math.isnan(rows[("a", 1)][1])  # one value: no spread
    assert rows[("a", 2)][0] == pytest.approx(0.4) and rows[("a", 2)][2] == 2
    assert rows[("b", 1)][0] == 2.0
    assert rows[(NO_GROUP, 0)][0] == 7.0 and rows[(NO_GROUP, 0)][2] == 1
    assert group_histories(wb.runs(experiment="bands"), "params.model", "absent").empty


EDGE_AUCS = AUCS | st.sampled_from([math.inf, -math.inf, 0.0, -0.0])


@settings(
    max_examples=25, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip
@given(
    runs=st.lists(st.fixed_dictionaries({"group": GROUPS, "auc": EDGE_AUCS}), max_size=8),
    filter=st.sampled_from([None, "metrics.other = 1", "metrics.auc > 0", "params.model IS NULL"]),
)
def test_the_narrow_store_read_groups_as_the_full_runs_frame_does(sqlite_project, runs, filter):
    experiment = _log(runs)
    full = wb.runs(experiment=experiment, filter=filter)
    logged = [f"metrics.{key}" for key in run_keys(experiment)["metrics"]]
    for metrics in (["metrics.auc"], ["metrics.auc", "metrics.other", "metrics.absent"], None):
        # by default every metric the experiment's runs logged, also those no match has
        expected = aggregate_runs(full, "params.model", logged if metrics is None else metrics)
        got = group_runs("params.model", experiment=experiment, filter=filter, metrics=metrics)
        assert_frame_equal(got, expected, check_dtype=False)
    members = member_runs("params.model", experiment=experiment, filter=filter,
                          metrics=["metrics.auc"])  # fmt: skip
    assert list(members["run_id"]) == list(full["run_id"])  # the same runs, newest first
    if len(full) and "params.model" in full:
        assert members["params.model"].tolist() == full["params.model"].tolist()


def test_child_runs_are_counted_per_parent_in_one_read(sqlite_project):
    wb.set_experiment("parents")
    with wb.start_run(name="study") as study:
        pass
    with wb.start_run(name="alone") as alone:
        pass
    for _ in range(3):
        with wb.start_run(parent_id=study.id):
            pass
    counts = child_counts([study.id, alone.id], "parents")
    assert counts == {study.id: 3}
    assert counts[study.id] == count_runs(
        experiment="parents", filter=f"attributes.parent_id = '{study.id}'"
    )
    assert child_counts([], "parents") == {}


def test_bands_of_many_runs_and_steps_are_read_at_once(sqlite_project):
    wb.set_experiment("long bands")
    for group in ("a", "a", "b"):
        with wb.start_run() as run:
            run.log_param("model", group)
            for step in range(1_500):
                run.log_metric("loss", step / 1_000 + (group == "b"), step=step)
    bands = metric_bands("params.model", "loss", experiment="long bands")
    assert len(bands) == 3_000 and set(bands["runs"]) == {1, 2}
    last = bands[(bands["group"] == "b") & (bands["step"] == 1_499)].iloc[0]
    assert last["mean"] == pytest.approx(2.499)
