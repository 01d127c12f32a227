"""``%load_ext workbench`` in a real notebook: ``%wb_experiment`` and ``%%wb_run`` cells run in
a kernel, then the tracking store is read from the test process."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from nbhelpers import ExecutedCell, execute
from projects import isolated_project

import workbench as wb
from workbench.jupyter._runs import notebook_runs

CELLS = {
    "load": "%load_ext workbench\nimport workbench as wb",
    "no experiment": "%wb_experiment",
    "experiment": "%wb_experiment demo",
    "current": "%wb_experiment",
    "good": (
        "%%wb_run --name 'good' --tag owner=ana --param lr=0.05 --param 'model=lgbm v2' "
        '--tag "note=two words"\n'
        "for step, auc in enumerate([0.8, 0.9]):\n"
        "    wb.log_metric('auc', auc, step=step)\n"
        "trained = 'model'\n"
        "wb.active_run().id"
    ),
    "after good": "print(trained, wb.active_run(), Out)",
    "bad": "%%wb_run --name bad\npartial = 1\n1 / 0",
    "after bad": "print(partial, wb.active_run())",
    "interrupted": "%%wb_run --name stopped\nraise KeyboardInterrupt",
    "magic in body": (
        "%%wb_run --name timed\n%time total = sum(range(10))\nwb.log_metric('total', total)"
    ),
    "variable": "rate = 0.3",
    "expanded": "%%wb_run --name from-variable --param lr=$rate\npass",
    "unknown option": "%%wb_run --nme x\npass",
    "param without value": "%%wb_run --param lr\npass",
    "tag without key": "%%wb_run --tag =ana\npass",
    "unclosed quote": "%%wb_run --name 'oops\npass",
    "two experiments": "%wb_experiment a b",
    "manual run": "manual = wb.start_run(name='manual')",
    "while a run is active": "%%wb_run --name clash\npass",
    "end manual run": "wb.end_run()",
    "unload": "%unload_ext workbench",
    "after unload": "%%wb_run --name gone\npass",
}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with isolated_project(tmp_path_factory.mktemp("magics")) as folder:
        yield folder


@pytest.fixture(scope="module")
def cells(home: Path) -> dict[str, ExecutedCell]:
    return execute(home / "demo.ipynb", CELLS)


@pytest.fixture(scope="module")
def runs(cells: dict[str, ExecutedCell]) -> dict[str, Any]:
    """The project's runs by name (read after the notebook ran)."""
    frame = wb.runs(experiment=None)
    names = zip(frame["name"], frame["run_id"], strict=True)
    return {name: wb.get_run(run_id) for name, run_id in names}


def test_the_magics_make_exactly_the_runs_the_cells_asked_for(runs):
    assert sorted(runs) == ["bad", "from-variable", "good", "manual", "stopped", "timed"]
    assert {details.info.experiment for details in runs.values()} == {"demo"}


def test_wb_experiment_sets_and_shows_the_current_experiment(cells):
    assert "No experiment set" in cells["no experiment"].stream()
    assert cells["experiment"].stream() == "Runs now go to experiment 'demo'.\n"
    assert cells["current"].stream() == "Current experiment: 'demo'\n"


def test_a_successful_cell_is_a_finished_run_with_its_metrics_params_and_tags(home, cells, runs):
    good = runs["good"]
    assert good.info.status == "FINISHED"
    assert good.metrics == {"auc": 0.9}
    assert list(wb.metric_history(good.info.id, "auc")["value"]) == [0.8, 0.9]
    assert good.params == {"lr": "0.05", "model": "lgbm v2"}
    assert (good.tags["owner"], good.tags["note"]) == ("ana", "two words")
    cell = cells["good"]
    # The cell says where it came from: the notebook (the sidebar's source) and which cell.
    assert (good.info.source, good.info.source_type) == (str(home / "demo.ipynb"), "notebook")
    assert good.tags["workbench.kind"] == "notebook-cell"
    assert good.tags["workbench.cell"] == str(cell.execution_count)
    assert cell.error is None
    assert cell.stream() == (
        f"Run {good.info.id} ('good') FINISHED in experiment 'demo': auc=0.9\n"
    )


def test_the_cell_runs_like_any_cell_in_the_notebook_namespace(cells, runs):
    # Its last expression is the cell's own Out[n]: inside, the active run is the cell's run.
    run_id = runs["good"].info.id
    number = cells["after good"].execution_count - 1
    (result,) = cells["good"].results()
    assert (result["data"]["text/plain"], result["execution_count"]) == (repr(run_id), number)
    # Its variables stay; the run has ended.
    assert cells["after good"].stream() == f"model None {{{number}: {run_id!r}}}\n"
    # IPython syntax works inside it.
    assert "Wall time" in cells["magic in body"].stream()
    assert runs["timed"].metrics == {"total": 45.0}


def test_arguments_expand_python_variables(runs):
    assert runs["from-variable"].params == {"lr": "0.3"}


def test_an_exception_fails_the_cell_and_the_run_with_the_usual_traceback(cells, runs):
    cell = cells["bad"]
    assert cell.error is not None  # "Run All" stops here, as for any failing cell
    assert (cell.error.ename, cell.error.evalue) == ("ZeroDivisionError", "division by zero")
    traceback = cell.traceback()
    assert f"In[{cell.execution_count}], line 2" in traceback
    assert "----> 2 1 / 0" in traceback
    for internal in ("magics.py", "run_cell_magic", "wb_run"):
        assert internal not in traceback
    bad = runs["bad"]
    assert bad.info.status == "FAILED"
    assert bad.tags["workbench.error"] == "ZeroDivisionError: division by zero"
    assert (
        cell.stream()
        == f"Run {bad.info.id} ('bad') FAILED in experiment 'demo': no metrics logged\n"
    )
    # The lines before the error ran in the notebook; no run is left active.
    assert cells["after bad"].stream() == "1 None\n"


def test_an_interrupted_cell_is_a_killed_run(cells, runs):
    assert cells["interrupted"].error is not None
    assert cells["interrupted"].error.ename == "KeyboardInterrupt"
    assert runs["stopped"].info.status == "KILLED"


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("unknown option", "%%wb_run: unrecognized arguments: --nme x\n"
                           "Usage: %%wb_run [--name NAME] [--tag KEY=VALUE] [--param KEY=VALUE]"),
        ("param without value", "--param expects KEY=VALUE, got 'lr'; e.g. --param lr=0.05"),
        ("tag without key", "--tag expects KEY=VALUE, got '=ana'; e.g. --tag owner=ana"),
        ("unclosed quote", "%%wb_run: No closing quotation"),
        ("two experiments", "%wb_experiment: unrecognized arguments: b\n"
                            "Usage: %wb_experiment [name]"),
        ("while a run is active", "is still active. End it with wb.end_run()"),
    ],
)  # fmt: skip
def test_argument_errors_name_the_problem_and_the_fix(cells, label, message):
    cell = cells[label]
    assert cell.error is not None and cell.error.ename == "UsageError"
    assert message in cell.stream("stderr")


def test_the_runs_appear_in_the_notebooks_sidebar(home, runs):
    listed = notebook_runs(home / "demo.ipynb", home)
    assert listed["experiment"] == "demo"
    assert {run["name"] for run in listed["runs"]} == set(runs)


def test_unloading_removes_the_magics(cells):
    assert cells["after unload"].error is not None
    assert "Cell magic `%%wb_run` not found" in cells["after unload"].error.evalue


def test_import_workbench_does_not_import_ipython():
    code = "import sys, workbench\nprint('IPython' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
