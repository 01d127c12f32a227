"""wb.drift.compare and DriftReport, as a user sees them."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import workbench as wb


@pytest.fixture
def frames():
    rng = np.random.default_rng(0)
    n = 10_000
    reference = pd.DataFrame({
        "age": rng.normal(40, 10, n),
        "income": rng.lognormal(10, 1, n),
        "plan": rng.choice(["basic", "pro", "team"], n, p=[0.6, 0.3, 0.1]),
        "active": rng.random(n) < 0.7,
        "user_id": [f"u{i}" for i in range(n)],
        "churned": rng.random(n) < 0.2,
    })  # fmt: skip
    return reference, reference.copy()


def test_identical_data_has_no_drift(frames):
    reference, current = frames
    report = wb.drift.compare(reference, current, target="churned")
    assert not report.drifted and report.share == 0
    frame = report.to_frame()
    expected = ["column", "type", "test", "statistic", "p_value", "threshold", "drifted",
                "missing_reference", "missing_current"]  # fmt: skip
    assert set(expected) <= set(frame.columns)
    assert report["user_id"].status == "skipped" and "ID" in report["user_id"].note
    assert report.target_drift is not None and not report.target_drift.drifted


def test_half_a_std_shift_on_10000_rows_is_drift(frames):
    reference, current = frames
    current = current.assign(age=current["age"] + 5.0)  # 0.5 std
    report = wb.drift.compare(reference, current)
    assert report["age"].drifted
    assert report["age"].test == "wasserstein"  # > 1000 reference rows, numeric
    assert not report["income"].drifted


def test_dataset_verdict_follows_drift_share(frames):
    reference, current = frames
    current = current.assign(age=current["age"] + 5, income=current["income"] * 3)
    assert wb.drift.compare(reference, current, drift_share=0.5).drifted is False  # 2 of 4
    assert wb.drift.compare(reference, current, drift_share=0.5, columns=["age", "income"]).drifted


def test_small_reference_uses_p_value_tests(frames):
    reference, current = frames
    report = wb.drift.compare(reference.head(500), current.tail(500))
    assert report["age"].test == "ks"
    assert report["plan"].test == "chisquare"
    assert report["active"].test == "z"


def test_tests_and_thresholds_can_be_overridden_per_column_and_kind(frames):
    reference, current = frames
    report = wb.drift.compare(
        reference, current,
        tests={"age": "psi", "categorical": "chisquare"}, thresholds={"age": 0.2},
    )  # fmt: skip
    assert (report["age"].test, report["age"].threshold) == ("psi", 0.2)
    assert report["plan"].test == "chisquare"
    with pytest.raises(ValueError, match="unknown drift test 'nope'"):
        wb.drift.compare(reference, current, tests="nope")


def test_missing_values_are_counted_and_a_share_change_is_flagged(frames):
    reference, current = frames
    current = current.copy()
    current.loc[: len(current) // 4, "income"] = np.nan
    report = wb.drift.compare(reference, current)
    income = report["income"]
    assert income.missing_reference == 0 and income.missing_current > 2000
    assert income.missing_drifted and income.status == "ok"


def test_empty_and_all_null_columns_get_a_status_not_an_exception(frames):
    reference, current = frames
    current = current.assign(age=np.nan)
    report = wb.drift.compare(reference, current)
    assert report["age"].status == "empty"
    assert "no valid values in the current data" in report["age"].note


def test_windows_over_time(frames):
    reference, current = frames
    current = current.assign(ts=pd.date_range("2026-01-01", periods=len(current), freq="h"))
    current.loc[current["ts"] >= "2026-01-10", "age"] += 20
    report = wb.drift.compare(reference, current, time_column="ts", window="7D")
    windows = report.windows_frame()
    age = windows[windows["column"] == "age"].sort_values("start")
    assert not age["drifted"].iloc[0]
    assert age["drifted"].iloc[-1]
    by_rows = wb.drift.compare(reference, current, window=2500)
    assert by_rows.windows_frame()["window"].nunique() == 4


def test_profile_is_reusable_and_serialisable(frames):
    reference, current = frames
    current = current.assign(age=current["age"] + 5)
    profile = wb.drift.profile(reference)
    restored = wb.drift.ReferenceProfile.from_dict(json.loads(json.dumps(profile.to_dict())))
    direct = wb.drift.compare(reference, current).to_frame()
    reused = wb.drift.compare(restored, current).to_frame()
    pd.testing.assert_series_equal(direct["statistic"], reused["statistic"])


def test_paths_are_read_and_bad_input_is_named(frames, tmp_path):
    reference, current = frames
    reference.to_parquet(tmp_path / "ref.parquet")
    current.to_csv(tmp_path / "cur.csv", index=False)
    report = wb.drift.compare(tmp_path / "ref.parquet", tmp_path / "cur.csv", columns=["age"])
    assert report.column_names == ["age"]
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['age'\]"):
        wb.drift.compare(reference, current.drop(columns="age"))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        wb.drift.compare(tmp_path / "missing.csv", current)


def test_html_report_is_small_and_standalone(tmp_path):
    rng = np.random.default_rng(1)
    wide = pd.DataFrame({f"x{i}": rng.normal(size=20_000) for i in range(100)})
    report = wb.drift.compare(wide, wide + 0.3)
    path = report.save_html(tmp_path / "drift.html")
    text = path.read_text()
    assert path.stat().st_size <= 2_000_000
    assert "<script" not in text and "Dataset drift detected" in text


def test_plot_renders_with_bokeh(frames):
    import holoviews as hv

    reference, current = frames
    current = current.assign(ts=pd.date_range("2026-01-01", periods=len(current), freq="h"))
    report = wb.drift.compare(reference, current.assign(age=current["age"] + 5),
                              time_column="ts", window="30D")  # fmt: skip
    layout = report.plot()
    assert len(layout) >= 3  # scores, drift over time, distributions
    hv.render(layout, backend="bokeh")


def test_log_and_history(project, frames):
    reference, current = frames
    with wb.start_run(name="monitor") as run:
        report_id = wb.drift.compare(reference, current.assign(age=current["age"] + 5)).log(
            dataset="customers"
        )
    wb.drift.compare(reference, current).log(dataset="customers", model_version="churn/3")
    history = wb.drift.history(dataset="customers")
    assert len(history) == 2
    assert history.iloc[1]["run_id"] == run.id and history.iloc[0]["model_version"] == "churn/3"
    assert wb.get_run(run.id).metrics["drift/share"] == pytest.approx(1 / 5)
    loaded = wb.drift.get_report(report_id)
    assert loaded["age"].drifted


def test_cli_exits_1_on_drift(frames, tmp_path, sqlite_project):
    from workbench.cli import app

    reference, current = frames
    reference.to_csv(tmp_path / "ref.csv", index=False)
    current.assign(age=current["age"] + 5, income=current["income"] * 3, plan="pro").to_csv(
        tmp_path / "cur.csv", index=False
    )
    runner = CliRunner()
    same = runner.invoke(app, ["drift", str(tmp_path / "ref.csv"), str(tmp_path / "ref.csv")])
    assert same.exit_code == 0, same.output
    drifted = runner.invoke(app, ["drift", str(tmp_path / "ref.csv"), str(tmp_path / "cur.csv"),
                                  "--html", str(tmp_path / "r.html"), "--json"])  # fmt: skip
    assert drifted.exit_code == 1
    assert json.loads(drifted.output)["drifted"] is True
    assert (tmp_path / "r.html").is_file()
