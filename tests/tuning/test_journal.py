"""The local study journal: Optuna's file format, kernel-locked appends, torn lines survived."""

from __future__ import annotations

import optuna
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock

from workbench.tuning._journal import LocalJournalBackend


def square(trial):
    return trial.suggest_float("x", -1, 1) ** 2


def _storage(path):
    return JournalStorage(LocalJournalBackend(str(path)))


def test_a_study_written_by_optunas_journal_file_continues_here_and_back(tmp_path):
    path = tmp_path / "study.journal"
    theirs = JournalStorage(JournalFileBackend(str(path), JournalFileOpenLock(str(path))))
    optuna.create_study(study_name="s", storage=theirs).optimize(square, n_trials=3)

    optuna.load_study(study_name="s", storage=_storage(path)).optimize(square, n_trials=2)

    again = JournalStorage(JournalFileBackend(str(path), JournalFileOpenLock(str(path))))
    assert len(optuna.load_study(study_name="s", storage=again).trials) == 5


def test_a_line_torn_by_a_power_cut_is_skipped_and_the_study_goes_on(tmp_path):
    path = tmp_path / "study.journal"
    optuna.create_study(study_name="s", storage=_storage(path)).optimize(square, n_trials=3)
    with open(path, "ab") as journal:
        journal.write(b'{"op_code": 4, "worker_id": "gone", "trial_id": 0, "par')  # cut here

    study = optuna.load_study(study_name="s", storage=_storage(path))
    assert len(study.trials) == 3
    study.optimize(square, n_trials=2)

    reread = optuna.load_study(study_name="s", storage=_storage(path))
    assert [t.state.name for t in reread.trials] == ["COMPLETE"] * 5
    assert [t.value for t in reread.trials] == [t.value for t in study.trials]


def test_two_storages_on_one_file_see_each_others_trials(tmp_path):
    path = tmp_path / "study.journal"
    first = optuna.create_study(study_name="s", storage=_storage(path))
    second = optuna.load_study(study_name="s", storage=_storage(path))
    first.optimize(square, n_trials=2)
    second.optimize(square, n_trials=2)
    first.optimize(square, n_trials=1)
    assert [t.number for t in first.trials] == [0, 1, 2, 3, 4]
    assert len(second.trials) == 5
