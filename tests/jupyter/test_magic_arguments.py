"""The tracking magics read their arguments as a user types them, comments included."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

import workbench as wb


@pytest.fixture
def shell(sqlite_project: Path) -> Iterator[InteractiveShell]:
    ipython = InteractiveShell.instance()
    ipython.run_line_magic("load_ext", "workbench")
    yield ipython
    InteractiveShell.clear_instance()


@pytest.mark.parametrize(
    "line, experiment",
    [
        ('churn            # like wb.set_experiment("churn")', "churn"),
        ("churn#2", "churn#2"),
        ('"my exp # 1"   # quoted names keep their hash', "my exp # 1"),
    ],
)
def test_wb_experiment_ignores_a_trailing_comment(
    shell: InteractiveShell, line: str, experiment: str
) -> None:
    shell.run_line_magic("wb_experiment", line)
    assert wb.current_experiment() == experiment
    with wb.start_run() as run:
        pass
    assert run.experiment == experiment


def test_a_real_extra_argument_is_still_a_usage_error(shell: InteractiveShell) -> None:
    with pytest.raises(UsageError, match="unrecognized arguments"):
        shell.run_line_magic("wb_experiment", "churn extra")
