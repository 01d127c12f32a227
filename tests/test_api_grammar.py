"""One grammar for the public API: ``get_*`` fetches records, ``load*`` model objects,
``show_progress=`` and ``name=`` everywhere; old names keep working for one minor version and
warn once, naming the new one."""

from __future__ import annotations

import importlib
import inspect
import logging
import warnings
from pathlib import Path

import pytest

import workbench as wb
from workbench import _deprecation
from workbench._deprecation import RENAMED


def _resolve(dotted: str) -> object:
    module, _, attribute = dotted.rpartition(".")
    return getattr(importlib.import_module(module.replace("wb", "workbench", 1)), attribute)


@pytest.fixture
def fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every old name warns again (each warns once per process)."""
    monkeypatch.setattr(_deprecation, "_warned", set())


@pytest.mark.parametrize(("old", "new"), sorted(RENAMED.items()))
def test_an_old_name_is_the_new_one_and_warns_once_naming_it(
    old: str, new: str, fresh_warnings: None
) -> None:
    with pytest.warns(DeprecationWarning, match=rf"{old} is deprecated.*use {new}\.") as caught:
        assert _resolve(old) is _resolve(new)
    deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    assert len(deprecations) == 1
    assert deprecations[0].filename == __file__  # points at the user's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _resolve(old) is _resolve(new)  # the second use is silent


@pytest.mark.parametrize("old", sorted(RENAMED))
def test_old_names_are_not_listed_as_public(old: str) -> None:
    module, _, attribute = old.rpartition(".")
    namespace = importlib.import_module(module.replace("wb", "workbench", 1))
    assert attribute not in namespace.__all__ and attribute not in dir(namespace)


def test_new_names_of_the_grammar_exist() -> None:
    for name in ("get_study", "join_study", "studies", "tune"):
        assert name in wb.tuning.__all__
    for name in ("get_report", "history", "compare"):
        assert name in wb.drift.__all__
    for name in ("load", "load_from_dir", "list_models", "resolve", "versions"):
        assert name in wb.models.__all__
    from workbench.tracking import get_store

    assert wb.admin.get_store is get_store


def _objective(trial: object) -> float:
    x = trial.suggest_float("x", -1, 1)  # type: ignore[attr-defined]
    return float(x * x)


def test_tune_study_name_is_the_deprecated_spelling_of_name(
    sqlite_project: Path, fresh_warnings: None
) -> None:
    renamed = r"wb\.tune\(study_name=\.\.\.\).*name=\.\.\."
    with pytest.warns(DeprecationWarning, match=renamed) as caught:
        old = wb.tune(_objective, n_trials=2, study_name="grammar", show_progress=False)
    assert [w.filename for w in caught] == [__file__]  # the user's call, not the decorator
    new = wb.tune(_objective, n_trials=2, name="grammar", show_progress=False)
    assert old.study.study_name == new.study.study_name == "grammar"
    assert len(wb.tuning.get_study("grammar").study.trials) == 4  # the same study, resumed
    with pytest.warns(DeprecationWarning, match=r"join_study\(study_name=\.\.\.\)") as joining:
        joined = wb.tuning.join_study(study_name="grammar", objective=_objective, n_trials=1,
                                      show_progress=False)  # fmt: skip
    assert [w.filename for w in joining] == [__file__]
    assert joined == 1 and wb.tuning.join_study("grammar", _objective, n_trials=1) == 1
    with pytest.raises(TypeError, match="give name="):
        wb.tune(_objective, n_trials=1, name="a", study_name="b")


def test_retrain_quiet_is_the_deprecated_spelling_of_show_progress_false(
    sqlite_project: Path, fresh_warnings: None
) -> None:
    from workbench.pipelines.catalog import read_manifest

    with pytest.raises(Exception) as new:  # no pipeline exported: both fail the same way
        read_manifest("nothing-exported")
    with pytest.raises(type(new.value), match=str(new.value)):
        wb.retrain("nothing-exported", "new.csv", show_progress=False)
    with (
        pytest.warns(DeprecationWarning, match=r"wb\.retrain\(quiet=\.\.\.\).*show_progress="),
        pytest.raises(type(new.value), match=str(new.value)),
    ):
        wb.retrain("nothing-exported", "new.csv", quiet=True)


def test_the_table_of_renamed_arguments_is_what_warns(
    sqlite_project: Path, fresh_warnings: None
) -> None:
    with pytest.warns(DeprecationWarning):
        wb.tune(_objective, n_trials=1, study_name="table", show_progress=False)
    with pytest.warns(DeprecationWarning):
        wb.tuning.join_study(study_name="table", objective=_objective, n_trials=1)
    with pytest.warns(DeprecationWarning), pytest.raises(LookupError):  # no pipeline exported
        wb.retrain("nothing-exported", "new.csv", quiet=True)
    assert _deprecation._warned == set(_deprecation.RENAMED_ARGUMENTS)


def test_wb_log_model_takes_the_arguments_of_run_log_model() -> None:
    """Both spellings accept the same arguments, in the same order, with the same defaults."""
    method = inspect.signature(wb.ActiveRun.log_model)
    without_self = method.replace(parameters=list(method.parameters.values())[1:])
    assert inspect.signature(wb.log_model) == without_self
    assert "signature" in without_self.parameters


@pytest.mark.parametrize("level", [logging.INFO, logging.DEBUG, logging.ERROR])
def test_tune_leaves_optunas_log_level_as_it_was(sqlite_project: Path, level: int) -> None:
    import optuna

    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(level)
    try:
        wb.tune(_objective, n_trials=2, name=f"level-{level}", show_progress=False)
        wb.tuning.join_study(f"level-{level}", _objective, n_trials=1, show_progress=False)
        wb.tuning.get_study(f"level-{level}")
        assert optuna.logging.get_verbosity() == level
    finally:
        optuna.logging.set_verbosity(before)


def test_run_info_has_mlflows_run_info_names(sqlite_project: Path) -> None:
    with wb.start_run(name="mlflow-style") as run:
        info = run.info
        assert info.run_id == run.id and info.run_name == "mlflow-style"
        assert info.status == "RUNNING" and info.end_time is None
        assert info.experiment_id == info.experiment_id and info.start_time > 0
        assert info.artifact_uri is not None
    stored = wb.get_run(run.id).info
    assert (stored.run_id, stored.run_name, stored.status) == (run.id, "mlflow-style", "FINISHED")
    assert stored.end_time is not None and stored.end_time >= stored.start_time
    assert stored.experiment_id == info.experiment_id and stored.id == run.id


def test_compare_runs_takes_a_list_or_the_ids_themselves(sqlite_project: Path) -> None:
    ids = []
    for lr in (0.1, 0.2):
        with wb.start_run() as run:
            run.log_params({"lr": lr})
        ids.append(run.id)
    as_list = wb.compare_runs(ids)
    assert as_list.equals(wb.compare_runs(*ids))
    assert list(as_list.columns[:2]) == ids and bool(as_list.loc["params.lr", "differs"])
    with pytest.raises(ValueError, match="Give the runs to compare"):
        wb.compare_runs()
    with pytest.raises(TypeError, match="run ids are strings"):
        wb.compare_runs([1, 2])  # type: ignore[list-item]


def test_ui_compare_takes_a_list_or_the_ids_themselves(sqlite_project: Path) -> None:
    ids = []
    for _ in range(2):
        with wb.start_run() as run:
            run.log_metric("auc", 0.9)
        ids.append(run.id)
    assert wb.ui.compare(ids).run_ids == wb.ui.compare(*ids).run_ids == ids


def test_one_verify_default_for_the_exporter_and_the_jupyterlab_endpoint() -> None:
    from workbench.jupyter._export import export_to_json
    from workbench.pipelines.export import VERIFY_BY_DEFAULT, export_notebook

    assert inspect.signature(export_notebook).parameters["verify"].default is VERIFY_BY_DEFAULT
    # The endpoint passes None (no "verify" in the request) on to mean the exporter's default.
    assert inspect.signature(export_to_json).parameters["verify"].default is None
