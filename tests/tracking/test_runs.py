"""Runs: lifecycle, params, metrics and tags, as a notebook user sees them."""

from __future__ import annotations

import math

import pytest

import workbench as wb


def test_run_context_records_params_metrics_tags_and_finishes(project):
    wb.set_experiment("churn")
    with wb.start_run(name="lgbm", tags={"owner": "ana"}) as run:
        run.log_params({"lr": 0.05, "num_leaves": 31})
        run.log_metric("auc", 0.91, step=3)
        run.log_metrics({"auc": 0.92, "f1": 0.7}, step=4)
        assert run.experiment == "churn"

    details = wb.get_run(run.id)
    assert details.info.status == "FINISHED"
    assert details.info.end_time is not None and details.info.end_time >= details.info.start_time
    assert details.params == {"lr": "0.05", "num_leaves": "31"}
    assert details.metrics == {"auc": 0.92, "f1": 0.7}
    assert details.tags == {"owner": "ana"}
    assert details.info.experiment == "churn"
    assert details.environment is not None and details.environment.python_version.startswith("3.")


def test_run_without_context_manager_ends_with_end_run(project):
    run = wb.start_run(name="explicit")
    wb.log_metric("loss", 1.5)
    assert wb.get_run(run.id).info.status == "RUNNING"
    wb.end_run()
    assert wb.get_run(run.id).info.status == "FINISHED"
    assert wb.get_run(run.id).metrics == {"loss": 1.5}
    assert wb.active_run() is None


def test_exception_marks_failed_and_reraises(project):
    with pytest.raises(ZeroDivisionError), wb.start_run(name="bad") as run:
        run.log_metric("before", 1.0)
        1 / 0  # noqa: B018
    details = wb.get_run(run.id)
    assert details.info.status == "FAILED"
    assert details.metrics == {"before": 1.0}  # what was logged before the error is kept
    assert "ZeroDivisionError" in details.tags["workbench.error"]


def test_keyboard_interrupt_marks_killed(project):
    with pytest.raises(KeyboardInterrupt), wb.start_run(name="stopped") as run:
        raise KeyboardInterrupt
    assert wb.get_run(run.id).info.status == "KILLED"


def test_nested_runs_are_children_of_the_active_run(project):
    with wb.start_run(name="study") as parent:
        with wb.start_run(name="trial-0", nested=True) as child:
            child.log_metric("loss", 0.3)
        with pytest.raises(ValueError, match="nested=True"):
            wb.start_run(name="forgot nested")
    assert wb.get_run(child.id).info.parent_id == parent.id
    assert wb.get_run(parent.id).children == [child.id]


def test_params_are_immutable(project):
    with wb.start_run() as run:
        run.log_param("lr", 0.1)
        run.log_param("lr", 0.1)  # the same value again is fine
        with pytest.raises(ValueError, match=r"'lr'.*already '0.1'.*immutable"):
            run.log_param("lr", 0.2)
    assert wb.get_run(run.id).params == {"lr": "0.1"}


def test_param_conflict_is_detected_by_the_store_across_processes(project):
    from workbench.tracking.fluent import get_store

    with wb.start_run() as run:
        run.log_param("depth", 3)
    with pytest.raises(ValueError, match="'depth'"):
        get_store().log_params(run.id, {"depth": "4"})


def test_metric_history_keeps_every_point_in_step_order(project):
    with wb.start_run() as run:
        for i in range(12_345):  # more than one buffer flush
            run.log_metric("loss", 1.0 / (i + 1))
    history = wb.metric_history(run.id, "loss")
    assert len(history) == 12_345
    assert list(history["step"][:3]) == [0, 1, 2]
    assert history["value"].iloc[-1] == pytest.approx(1 / 12_345)
    assert str(history["timestamp"].dt.tz) == "UTC"


def test_nan_and_inf_are_stored_as_such(project):
    with wb.start_run() as run:
        run.log_metric("loss", float("nan"))
        run.log_metric("ratio", float("inf"))
        run.log_metric("ratio", float("-inf"))
    details = wb.get_run(run.id)
    assert math.isnan(details.metrics["loss"])
    assert details.metrics["ratio"] == float("-inf")
    assert list(wb.metric_history(run.id, "ratio")["value"]) == [float("inf"), float("-inf")]


def test_metric_aggregates_follow_the_history(project):
    with wb.start_run() as run:
        for step, value in enumerate([0.5, 0.9, float("nan"), 0.7]):
            run.log_metric("auc", value, step=step)
    frame = wb.runs(filter="metrics.auc.max >= 0.9 and metrics.auc.min <= 0.5")
    assert list(frame["run_id"]) == [run.id]
    assert frame["metrics.auc"].iloc[0] == 0.7  # the last value
    assert len(wb.runs(filter="metrics.auc.mean > 0.69 and metrics.auc.mean < 0.71")) == 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda r: r.log_metric("auc", "high"), r"metric 'auc'.*not a number"),
        (lambda r: r.log_metric("auc", None), r"metric 'auc'.*not a number"),
        (lambda r: r.log_metric("", 1.0), r"metric key ''.*empty"),
        (lambda r: r.log_metric("a\nb", 1.0), r"control character"),
        (lambda r: r.log_metric("k" * 251, 1.0), r"251 characters, the limit is 250"),
        (lambda r: r.log_param("notes", "x" * 6001), r"param 'notes'.*6001 characters"),
        (lambda r: r.log_param("", 1), r"param key ''.*empty"),
        (lambda r: r.set_tag("tab\tkey", "v"), r"control character"),
        (lambda r: r.log_metric("loss", 1.0, step=1.5), r"step 1.5 .*integers"),
    ],
)
def test_bad_keys_and_values_raise_value_error_naming_the_problem(project, call, message):
    with wb.start_run() as run:
        with pytest.raises(ValueError, match=message):
            call(run)
        run.log_metric("val/loss", 0.25)  # '/' in keys is allowed
    assert wb.get_run(run.id).metrics == {"val/loss": 0.25}


def test_numpy_numbers_are_accepted(project):
    import numpy as np

    with wb.start_run() as run:
        run.log_metric("auc", np.float32(0.5))
        run.log_metric("n", np.int64(3))
        run.log_metric("zero_d", np.array(0.25))
    assert wb.get_run(run.id).metrics == {"auc": 0.5, "n": 3.0, "zero_d": 0.25}


def test_logging_after_the_run_ended_is_an_error(project):
    with wb.start_run() as run:
        pass
    with pytest.raises(RuntimeError, match="has ended"):
        run.log_metric("late", 1.0)


def test_module_level_logging_needs_an_active_run(project):
    with pytest.raises(RuntimeError, match="No active run"):
        wb.log_metric("auc", 0.5)


def test_tags_can_change(project):
    with wb.start_run(tags={"stage": "draft"}) as run:
        run.set_tag("stage", "final")
    assert wb.get_run(run.id).tags == {"stage": "final"}


def test_delete_restore_and_move(project):
    wb.set_experiment("a")
    with wb.start_run(name="parent") as parent, wb.start_run(name="child", nested=True) as child:
        pass
    wb.delete_run(parent.id)
    assert wb.runs(experiment="a").empty  # the child goes with its parent
    assert len(wb.runs(experiment="a", include_deleted=True)) == 2
    wb.restore_run(parent.id)
    wb.move_run(parent.id, "b")
    moved = wb.runs(experiment="b")
    assert set(moved["run_id"]) == {parent.id, child.id}
    assert wb.runs(experiment="a").empty


def test_unknown_run_is_a_clear_error(project):
    with pytest.raises(LookupError, match="No run with id 'nope'"):
        wb.get_run("nope")


def test_git_commit_and_dirty_flag_are_captured(sqlite_project):
    import subprocess

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=sqlite_project, check=True, capture_output=True)

    git("init", "-q")
    (sqlite_project / "train.py").write_text("print('hi')\n")
    git("add", "train.py")
    git("-c", "user.email=a@b.c", "-c", "user.name=a", "commit", "-qm", "init")
    from workbench.tracking import environment

    environment._git_cache.clear()
    with wb.start_run() as run:
        pass
    info = wb.get_run(run.id).info
    assert info.git_commit is not None and len(info.git_commit) == 40
    assert info.git_dirty is False


def test_buffered_points_reach_the_store_on_a_timer(project):
    import time

    run = wb.start_run()
    run.log_metric("loss", 0.5)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and wb.get_run(run.id).metrics != {"loss": 0.5}:
        time.sleep(0.1)
    assert wb.get_run(run.id).metrics == {"loss": 0.5}  # without flush() or end_run()
    wb.end_run()


def test_a_normal_exit_ends_the_run_and_keeps_every_point(project):
    import subprocess
    import sys

    code = (
        "import workbench as wb\n"
        "run = wb.start_run(name='script')\n"
        "for i in range(1234):\n"
        "    wb.log_metric('loss', float(i))\n"
        "print(run.id)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    run_id = out.stdout.strip()
    assert wb.get_run(run_id).info.status == "FINISHED"
    assert len(wb.metric_history(run_id, "loss")) == 1234
