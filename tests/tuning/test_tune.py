"""wb.tune: every trial is a tracked run under one study run."""

from __future__ import annotations

import math

import optuna
import pytest

import workbench as wb
from workbench.tuning import ObjectiveReturnError


def quadratic(trial):
    x = trial.suggest_float("x", -10, 10)
    return (x - 2) ** 2


def trial_runs(study_name):
    return wb.runs(filter=f"tags.`optuna.study` = '{study_name}' and tags.`workbench.kind` IS NULL")


def test_trials_are_child_runs_of_the_study_run(project):
    def objective(trial):
        x = trial.suggest_float("x", -10, 10)
        for step in range(3):
            trial.report(x + step, step)
        wb.log_metric("inside", x)  # lands in this trial's run
        return (x - 2) ** 2

    result = wb.tune(objective, n_trials=12, experiment="tune", show_progress=False)
    assert len(result.study.trials) == 12
    runs = trial_runs(result.study.study_name)
    assert len(runs) == 12
    assert set(runs["parent_id"]) == {result.study_run_id}
    assert set(runs["tags.optuna.state"]) == {"COMPLETE"}
    best = wb.get_run(result.best_run_id)
    assert best.metrics["objective"] == pytest.approx(result.best_value)
    assert float(best.params["x"]) == pytest.approx(result.best_params["x"])
    assert best.metrics["inside"] == pytest.approx(result.best_params["x"])
    assert len(wb.metric_history(result.best_run_id, "intermediate")) == 3
    assert wb.get_run(result.study_run_id).info.status == "FINISHED"
    frame = result.trials
    assert list(frame["number"]) == list(range(12))
    assert frame["run_id"].is_unique


def test_failing_and_nan_trials_are_recorded_and_the_study_goes_on(project):
    def objective(trial):
        x = trial.suggest_int("x", 0, 9)
        if trial.number == 1:
            raise RuntimeError("boom on purpose")
        if trial.number == 2:
            return math.nan
        return x

    result = wb.tune(objective, n_trials=5, name="flaky", show_progress=False)
    states = [t.state.name for t in result.study.trials]
    assert states.count("FAIL") == 2 and states.count("COMPLETE") == 3
    runs = trial_runs("flaky").set_index("name")
    assert runs.loc["trial 1", "status"] == "FAILED"
    assert "boom on purpose" in runs.loc["trial 1", "tags.workbench.error"]
    assert runs.loc["trial 2", "status"] == "FAILED"
    assert runs.loc["trial 2", "tags.optuna.state"] == "FAIL"


def test_catch_nothing_stops_the_study_and_keeps_the_store_consistent(project):
    def objective(trial):
        trial.suggest_float("x", 0, 1)
        raise KeyError("stop here")

    with pytest.raises(KeyError):
        wb.tune(objective, n_trials=3, name="strict", catch=(), show_progress=False)
    runs = trial_runs("strict")
    assert list(runs["status"]) == ["FAILED"]
    study_run = wb.runs(filter="tags.`optuna.study` = 'strict' and tags.`workbench.kind` = 'study'")
    assert list(study_run["status"]) == ["KILLED"]


def test_pruned_trials_are_tagged(project):
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        for step in range(10):
            trial.report(x * (step + 1), step)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return x

    result = wb.tune(
        objective,
        n_trials=20,
        name="pruning",
        pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1),
        sampler=optuna.samplers.RandomSampler(seed=1),
        show_progress=False,
    )
    pruned = [t for t in result.study.trials if t.state.name == "PRUNED"]
    assert pruned, "the median pruner should prune some of 20 random trials"
    runs = trial_runs("pruning")
    assert (runs["tags.optuna.state"] == "PRUNED").sum() == len(pruned)


def test_resume_continues_the_same_study_and_study_run(project):
    first = wb.tune(quadratic, n_trials=4, name="resumable", show_progress=False)
    second = wb.tune(quadratic, n_trials=3, name="resumable", show_progress=False)
    assert len(second.study.trials) == 7
    assert second.study_run_id == first.study_run_id
    assert len(trial_runs("resumable")) == 7
    with pytest.raises(ValueError, match=r"already exists\. Pass resume=True"):
        wb.tune(quadratic, n_trials=1, name="resumable", resume=False, show_progress=False)


def test_same_name_other_direction_is_an_error_and_changes_nothing(project):
    wb.tune(quadratic, n_trials=2, name="dir", show_progress=False)
    with pytest.raises(ValueError, match=r"exists with direction\(s\) \['minimize'\]"):
        wb.tune(quadratic, n_trials=2, name="dir", direction="maximize", show_progress=False)
    assert len(trial_runs("dir")) == 2


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"direction": "max"}, ValueError, "direction must be 'minimize' or 'maximize', got 'max'"),
        ({"n_trials": 0}, ValueError, "n_trials must be a positive integer"),
        ({"n_trials": None}, ValueError, "Give n_trials, timeout, or both"),
        ({"n_jobs": 0}, ValueError, "n_jobs must be a positive integer"),
    ],
)
def test_bad_arguments_fail_before_any_trial(project, kwargs, error, message):
    arguments = {"n_trials": 3, **kwargs}
    with pytest.raises(error, match=message):
        wb.tune(quadratic, show_progress=False, **arguments)
    assert wb.runs().empty


def test_non_callable_objective(project):
    with pytest.raises(TypeError, match="objective must be callable"):
        wb.tune("not a function", n_trials=1)


def test_objective_returning_a_non_number_stops_with_a_clear_error(project):
    def objective(trial):
        trial.suggest_float("x", 0, 1)
        return "0.5"

    with pytest.raises(
        ObjectiveReturnError, match=r"returned '0.5' \(str\); it must return a number"
    ):
        wb.tune(objective, n_trials=5, name="wrong-type", show_progress=False)
    assert len(trial_runs("wrong-type")) == 1


def test_bad_storage_url_is_a_clear_error(project):
    from workbench.tuning._storage import StorageError

    with pytest.raises(StorageError, match="Cannot open the study storage"):
        wb.tune(quadratic, n_trials=1, storage="nosuchdb://x", show_progress=False)


def test_multi_objective(project):
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        return x, 1 - x

    result = wb.tune(
        objective, n_trials=6, direction=["minimize", "minimize"], name="pareto",
        show_progress=False,
    )  # fmt: skip
    assert result.best_trials
    runs = trial_runs("pareto")
    assert {"metrics.objective_0", "metrics.objective_1"} <= set(runs.columns)


def test_parallel_processes_track_every_trial_once(project):
    result = wb.tune(quadratic, n_trials=24, n_jobs=3, name="parallel", show_progress=False)
    trials = result.study.trials
    assert len(trials) == 24
    assert sorted(t.number for t in trials) == list(range(24))
    runs = trial_runs("parallel")
    assert len(runs) == 24 and runs["run_id"].is_unique
    assert set(runs["status"]) == {"FINISHED"}
    assert sorted(int(n) for n in runs["tags.optuna.trial"]) == list(range(24))


def test_studies_cli_lists_and_shows(sqlite_project):
    import json

    from typer.testing import CliRunner

    from workbench.cli import app

    wb.tune(quadratic, n_trials=3, name="cli-study", show_progress=False)
    runner = CliRunner()
    listed = runner.invoke(app, ["studies", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [row["study"] for row in json.loads(listed.output)] == ["cli-study"]
    shown = runner.invoke(app, ["studies", "show", "cli-study"])
    assert shown.exit_code == 0, shown.output
    assert shown.output.count("trial ") == 3 and "COMPLETE" in shown.output
    missing = runner.invoke(app, ["studies", "show", "nope"])
    assert missing.exit_code == 2 and "No trials tracked for study 'nope'" in missing.stderr


def test_tune_cli_runs_a_study_from_module_function(sqlite_project):
    from typer.testing import CliRunner

    from workbench.cli import app

    (sqlite_project / "objectives.py").write_text(
        "def square(trial):\n    x = trial.suggest_float('x', -1, 1)\n    return x * x\n"
    )
    result = CliRunner().invoke(
        app,
        ["tune", "--objective", "objectives:square", "--n-trials", "4", "--study", "sq",
         "--direction", "minimize"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Study 'sq': 4 trial(s)." in result.output
    bad = CliRunner().invoke(app, ["tune", "--objective", "objectives", "--n-trials", "1"])
    assert bad.exit_code != 0 and "module:function" in bad.output


def test_register_best_registers_the_best_trials_model(project):
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression

    x, y = load_breast_cancer(return_X_y=True)
    x = x[:, :5]

    def objective(trial):
        c = trial.suggest_float("C", 1e-3, 10, log=True)
        model = LogisticRegression(C=c, max_iter=300).fit(x, y)
        wb.log_model(model)  # lands in this trial's run
        return model.score(x, y)

    result = wb.tune(objective, n_trials=4, direction="maximize", name="with-models",
                     show_progress=False)  # fmt: skip
    version = result.register_best(name="best-logreg")
    assert version.version == 1 and version.run_id == result.best_run_id
    loaded = wb.models.load("best-logreg/1")
    assert loaded.score(x, y) == pytest.approx(result.best_value)


def test_tune_cli_passes_the_thread_cap_to_workers(sqlite_project):
    from typer.testing import CliRunner

    from workbench.cli import app

    (sqlite_project / "thread_objectives.py").write_text(  # a module name no other test imports
        "import os\nimport workbench as wb\n\n"
        "def threads(trial):\n"
        "    wb.log_param('omp', os.environ['OMP_NUM_THREADS'])\n"
        "    return trial.suggest_float('x', -1, 1) ** 2\n"
    )
    objective = "thread_objectives:threads"
    command = ["tune", "--objective", objective, "--n-trials", "2", "--n-jobs", "2",
               "--direction", "minimize"]  # fmt: skip
    bad = CliRunner().invoke(app, [*command, "--threads-per-worker", "0"])
    assert bad.exit_code == 2 and "threads_per_worker must be a positive integer" in bad.output
    result = CliRunner().invoke(app, [*command, "--threads-per-worker", "3", "--study", "omp"])
    assert result.exit_code == 0, result.output
    assert set(trial_runs("omp")["params.omp"]) == {"3"}
