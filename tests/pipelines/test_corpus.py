"""A corpus of notebooks written the way people write them: each exports into sensible
steps and its package reproduces the notebook's final metric, or the export fails with an
error naming the cell and line.

The notebooks live in ``corpus/`` (open them in Jupyter to see the style each stands for).
The reference value of a metric comes from running the notebook's own code cells in a
fresh namespace; the package's value is the metric its tracked run logged. The packages
run in one subprocess (`python -m <pkg> run` each, in sequence) to keep the suite fast.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest

from workbench.pipelines.analysis import AnalysisError
from workbench.pipelines.export import ExportResult, export_notebook

CORPUS = Path(__file__).with_name("corpus")
# The corpus keeps the styles people write, including ones their libraries now deprecate.
pytestmark = [
    pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The argument 'eval_set' is deprecated"),
]


@dataclass(frozen=True)
class Case:
    """A corpus notebook, the steps (name, role) it must export into, and the metric its
    package must reproduce. ``bug`` names an exporter bug that makes it fail today."""

    notebook: str
    style: str
    steps: tuple[tuple[str, str], ...]
    metric: str
    bug: str | None = None


# Steps named after the role they have.
LOAD, FEATURES = ("load", "load"), ("features", "features")
TRAIN, EVALUATE = ("train", "train"), ("evaluate", "evaluate")
CASES = (
    Case(
        "untagged_script",
        "no tags, no headings; bare expressions show values",
        (LOAD, FEATURES, TRAIN, EVALUATE),
        "accuracy",
    ),
    Case(
        "helper_defined_later",
        "a helper defined in the last cell, used earlier (run out of order)",
        (LOAD, FEATURES, TRAIN),
        "mae",
    ),
    Case(
        "inplace_cleaning",
        "dropna/fillna/rename/drop/reset_index with inplace=True under headings",
        (("load", "load"), ("clean", "features"), ("train", "train"), ("evaluate", "evaluate")),
        "rmse",
    ),
    Case(
        "split_then_scale",
        "train/test split, then a scaler fitted on the training part",
        (LOAD, FEATURES, TRAIN, EVALUATE),
        "f1_macro",
    ),
    Case(
        "cross_validation",
        "cross_val_score and the mean of the fold scores, no hold-out set",
        (LOAD, TRAIN, FEATURES),
        "cv_auc",
    ),
    Case(
        "display_between_steps",
        "head/describe/value_counts/corr/print/display between every step",
        (LOAD, FEATURES, TRAIN, ("features_2", "features"), EVALUATE),
        "balanced_accuracy",
    ),
    Case(
        "papermill_parameters",
        "a cell tagged `parameters` (papermill)",
        (LOAD, FEATURES, TRAIN, EVALUATE),
        "logloss",
    ),
    Case(
        "grid_search",
        "GridSearchCV over a Pipeline, then the best estimator on the test set",
        (LOAD, TRAIN, EVALUATE),
        "test_auc",
    ),
    Case(
        "lightgbm_early_stopping",
        "LightGBM with a validation split and early stopping",
        (LOAD, TRAIN, EVALUATE),
        "auc",
    ),
    Case(
        "feature_helper",
        "a feature-engineering function on generated data",
        (LOAD, FEATURES, TRAIN, EVALUATE),
        "mae",
    ),
    Case(
        "skip_exploration",
        "an exploratory loop in a cell tagged `skip`",
        (LOAD, TRAIN, EVALUATE),
        "accuracy",
    ),
    Case(
        "markdown_sections",
        "numbered markdown sections name the steps",
        (
            ("get_the_data", "load"),
            ("prepare_features", "features"),
            ("fit_a_model", "train"),
            ("how_good_is_it", "evaluate"),
        ),
        "roc_auc",
    ),
    Case(
        "helpers_read_globals",
        "helpers reading a path constant, a setting-derived name and a variable of a later cell",
        (FEATURES, LOAD, TRAIN, EVALUATE),
        "scaled_mae",
    ),
    Case(
        "function_redefined",
        "a ground-truth function defined again, differently, for a second experiment",
        (FEATURES, TRAIN, ("features_2", "features"), ("train_2", "train")),
        "mse",
    ),
    Case(
        "magics_and_timing",
        "%load_ext/%autoreload at the top, %%time and %time around steps",
        (LOAD, TRAIN, EVALUATE),
        "accuracy",
    ),
)
# notebook → (where the error points, what it says)
FAILURES = {
    "fails_star_import": ("cell 2, line 2", "`from sklearn.metrics import *` hides which names"),
    "fails_variable_from_deleted_cell": (
        "cell 4, line 3",
        "`X_scaled` is used before any cell defines it",
    ),
    "fails_run_magic": ("cell 1, line 1", "the magic `%run` may change the notebook's state"),
}


# -- running a notebook and a package --------------------------------------------------------


class _Shell:
    """What `get_ipython()` gives the notebook code run here: `%time` and `%%time` run their
    code; the other magics that reach it (`%load_ext`, `%autoreload`) change no result."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace

    def run_line_magic(self, name: str, line: str, _stack_depth: int = 1) -> None:
        if name == "time":
            exec(line, self.namespace)

    def run_cell_magic(self, name: str, line: str, cell: str) -> None:
        if name == "time":
            exec(cell, self.namespace)


def notebook_values(path: Path) -> dict[str, Any]:
    """The namespace the notebook's code cells leave behind, run in a fresh namespace in the
    order the author ran them (their execution counts, when every code cell has one) or
    else top to bottom; IPython syntax goes through IPython's own transformer."""
    from IPython.core.inputtransformer2 import TransformerManager
    from IPython.display import display

    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    if all(c.execution_count is not None for c in cells):
        cells.sort(key=lambda c: c.execution_count)
    namespace: dict[str, Any] = {"__name__": "__main__", "display": display}
    namespace["get_ipython"] = lambda: _Shell(namespace)
    transform = TransformerManager().transform_cell
    # A notebook may write files (reports/...): into a folder of its own, not the tests' cwd.
    with (
        tempfile.TemporaryDirectory() as folder,
        contextlib.chdir(folder),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        for cell in cells:
            exec(compile(transform(cell.source), f"{path.name} cell", "exec"), namespace)
    return namespace


_RUN_PACKAGES = """\
import contextlib, io, json, runpy, sys, traceback
from workbench.pipelines.runtime.runner import last_runs

report_path, *packages = sys.argv[1:]
report = {}
for package in packages:
    sys.argv = [package, "run", "--quiet"]
    output = io.StringIO()
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            runpy.run_module(package, run_name="__main__", alter_sys=True)
        exit_code = 0
    except SystemExit as stop:
        exit_code = stop.code
    except BaseException:
        exit_code = 1
        output.write(traceback.format_exc())
    runs = last_runs(package, limit=1)
    metrics = {
        key.removeprefix("metrics."): value
        for key, value in (runs[0] if runs else {}).items()
        if key.startswith("metrics.") and value == value
    }
    report[package] = {
        "exit_code": exit_code,
        "output": output.getvalue(),
        "status": runs[0]["status"] if runs else None,
        "metrics": metrics,
    }
with open(report_path, "w") as file:
    json.dump(report, file)
"""


def run_packages(exported: list[ExportResult], home: Path) -> dict[str, dict[str, Any]]:
    """Run each package as `python -m <pkg> run --quiet`, one after the other in a single
    interpreter with every package's `src` on `PYTHONPATH` and the project `home`; per
    package: its exit code, output, run status and the metrics its tracked run logged."""
    env = {key: value for key, value in os.environ.items() if key != "WORKBENCH_DB_URL"}
    env["WORKBENCH_HOME"] = str(home)
    env["PYTHONPATH"] = os.pathsep.join(str(result.path / "src") for result in exported)
    report_path = home / "package-runs.json"
    command = [sys.executable, "-c", _RUN_PACKAGES, str(report_path)]
    command += [result.package for result in exported]
    done = subprocess.run(
        command, env=env, cwd=home, capture_output=True, text=True, timeout=240, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(report_path.read_text())


def assert_reproduces(report: dict[str, Any], metric: str, expected: Any) -> None:
    """The package run succeeded and logged exactly the notebook's value of ``metric``."""
    assert report["exit_code"] == 0 and report["status"] == "FINISHED", report["output"]
    assert metric in report["metrics"], f"no metric {metric!r}; logged {report['metrics']}"
    assert report["metrics"][metric] == float(expected)


# -- the corpus, exported and run once --------------------------------------------------------


@dataclass(frozen=True)
class ExportedRuns:
    """Notebooks exported into one project (by notebook name: the result, or the error that
    stopped the export) and their packages' runs (by package name: see `run_packages`)."""

    exports: dict[str, ExportResult | AnalysisError]
    runs: dict[str, dict[str, Any]]


def export_and_run(notebooks: list[Path], home: Path) -> ExportedRuns:
    """Export ``notebooks`` into the empty project ``home``, then run every package that
    exported; the project is as isolated as `sqlite_project` makes one."""
    exports: dict[str, ExportResult | AnalysisError] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKBENCH_HOME", str(home))
        patch.delenv("WORKBENCH_DB_URL", raising=False)
        patch.chdir(home)
        for notebook in notebooks:
            try:
                exports[notebook.stem] = export_notebook(notebook, verify=False)
            except AnalysisError as error:  # reported by the test of that notebook
                exports[notebook.stem] = error
    exported = [result for result in exports.values() if isinstance(result, ExportResult)]
    return ExportedRuns(exports, run_packages(exported, home))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> ExportedRuns:
    """Every case exported and run once, module-scoped so that all packages run in one
    subprocess."""
    notebooks = [CORPUS / f"{case.notebook}.ipynb" for case in CASES]
    return export_and_run(notebooks, tmp_path_factory.mktemp("corpus-project"))


def exported(runs: ExportedRuns, notebook: str) -> ExportResult:
    """The export of ``notebook``; fails the test when the exporter refused it."""
    result = runs.exports[notebook]
    if isinstance(result, AnalysisError):
        pytest.fail(f"{notebook} did not export: {result}")
    return result


def manifest(result: ExportResult) -> dict[str, Any]:
    return json.loads((result.path / "src" / result.package / "manifest.json").read_text())


def step_code(result: ExportResult) -> str:
    """The source of every step module of an exported package."""
    steps = sorted((result.path / "src" / result.package / "steps").glob("*.py"))
    return "\n".join(path.read_text() for path in steps)


def _marked(case: Case) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug else []
    return pytest.param(case, id=case.notebook, marks=marks)


# -- tests -------------------------------------------------------------------------------------


def test_every_corpus_notebook_is_in_a_table_and_at_least_ten_export() -> None:
    on_disk = {path.stem for path in CORPUS.glob("*.ipynb")}
    assert on_disk == {case.notebook for case in CASES} | set(FAILURES)
    assert len(CASES) >= 10 and len(FAILURES) >= 2


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.notebook)
def test_a_corpus_notebook_exports_into_the_expected_steps(
    corpus: ExportedRuns, case: Case
) -> None:
    result = exported(corpus, case.notebook)
    steps = [(step["name"], step["role"]) for step in manifest(result)["steps"]]
    assert steps == list(case.steps)
    assert result.steps == tuple(name for name, _ in case.steps)
    assert result.version == "1.0.0" and result.changed


@pytest.mark.parametrize("case", [_marked(case) for case in CASES])
def test_a_corpus_package_reproduces_the_notebook_metric(corpus: ExportedRuns, case: Case) -> None:
    result = exported(corpus, case.notebook)
    expected = notebook_values(CORPUS / f"{case.notebook}.ipynb")[case.metric]
    assert_reproduces(corpus.runs[result.package], case.metric, expected)


@pytest.mark.parametrize(("notebook", "where", "reason"), [(n, *f) for n, f in FAILURES.items()])
def test_a_notebook_the_exporter_cannot_follow_fails_naming_cell_and_line(
    sqlite_project: Path, notebook: str, where: str, reason: str
) -> None:
    with pytest.raises(AnalysisError) as caught:
        export_notebook(CORPUS / f"{notebook}.ipynb", verify=False)
    assert str(caught.value).startswith(f"{where}: ")
    assert reason in str(caught.value)
    cell, line = where.removeprefix("cell ").split(", line ")
    assert (caught.value.cell, caught.value.line) == (int(cell) - 1, int(line))
    assert not (sqlite_project / "pipelines").exists()


def test_a_helper_used_before_its_cell_is_shared_code_and_a_warning(corpus: ExportedRuns) -> None:
    result = exported(corpus, "helper_defined_later")
    assert any(
        w.startswith("cell 4, line 1: `add_ratios` is defined later, in cell 7")
        for w in result.warnings
    )
    assert (
        "def add_ratios(frame):" in (result.path / "src" / result.package / "shared.py").read_text()
    )


def test_in_place_cleaning_takes_the_loaded_frame_and_returns_the_cleaned_one(
    corpus: ExportedRuns,
) -> None:
    result = exported(corpus, "inplace_cleaning")
    assert manifest(result)["interface"]["clean"] == {"inputs": ["df"], "outputs": ["df"]}
    assert 'df.dropna(subset=["bmi"], inplace=True)' in step_code(result)


def test_the_parameters_cell_becomes_the_parameters_and_nothing_else(corpus: ExportedRuns) -> None:
    result = exported(corpus, "papermill_parameters")
    parameters = {p["name"]: p["value"] for p in manifest(result)["parameters"]}
    assert parameters == {"N_ESTIMATORS": 25, "MAX_DEPTH": 8, "TEST_SIZE": 0.25, "SEED": 11}


def test_a_skipped_cell_and_display_code_stay_out_of_the_steps(corpus: ExportedRuns) -> None:
    skipping = exported(corpus, "skip_exploration")
    assert manifest(skipping)["cell_map"]["4"] == "skip"
    assert "probe" not in step_code(skipping) and "best_depth_seen" not in step_code(skipping)
    showing = step_code(exported(corpus, "display_between_steps"))
    for shown in (".head()", ".describe()", ".value_counts()", ".corr()", "display(data"):
        assert shown not in showing


def test_each_version_of_a_redefined_function_is_kept_and_used_where_it_was(
    corpus: ExportedRuns,
) -> None:
    result = exported(corpus, "function_redefined")
    shared = (result.path / "src" / result.package / "shared.py").read_text()
    assert "def true_fun(X):" in shared and "def true_fun_2(X):" in shared
    assert "mse = mean_squared_error(true_fun_2(X)" in step_code(result)
    assert "linear_mse = mean_squared_error(true_fun(X_train)" in step_code(result)


def test_harmless_magics_are_removed_and_timed_code_kept(corpus: ExportedRuns) -> None:
    result = exported(corpus, "magics_and_timing")
    code = step_code(result)
    assert "%" not in code and "get_ipython" not in code
    assert "sgd.fit(X_train, y_train)" in code
    assert "accuracy = accuracy_score(y_test, sgd.predict(X_test))" in code
