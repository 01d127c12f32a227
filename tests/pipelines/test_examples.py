"""The example notebooks in `notebooks/examples/` export, run as packages and reproduce
their own metrics; each is also installed into a fresh virtualenv with pip and run from there.

Reference values come from running each notebook's code cells (`notebook_values`); the
packages run in one subprocess (`run_packages`), as for the corpus.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from test_corpus import (
    ExportedRuns,
    assert_reproduces,
    export_and_run,
    exported,
    manifest,
    notebook_values,
)

from workbench.pipelines.export import export_notebook
from workbench.pipelines.runtime.runner import last_runs

EXAMPLES = Path(__file__).resolve().parents[2] / "notebooks" / "examples"


@dataclass(frozen=True)
class Example:
    notebook: str
    steps: tuple[tuple[str, str], ...]
    parameters: tuple[str, ...]
    metrics: tuple[str, ...]


EXAMPLE_NOTEBOOKS = (
    Example(
        "classification_breast_cancer",
        (
            ("load_the_data", "load"),
            ("split_and_scale", "features"),
            ("train", "train"),
            ("evaluate", "evaluate"),
        ),
        ("SEED", "TEST_SIZE", "C"),
        ("roc_auc", "accuracy"),
    ),
    Example(
        "regression_diabetes_lightgbm",
        (("load", "load"), ("features", "features"), ("train", "train"), ("evaluate", "evaluate")),
        ("N_ESTIMATORS", "LEARNING_RATE", "NUM_LEAVES", "MIN_CHILD_SAMPLES", "TEST_SIZE", "SEED"),
        ("rmse", "r2"),
    ),
    Example(
        "wine_pipeline_tagged",
        (("load", "load"), ("features", "features"), ("train", "train"), ("evaluate", "evaluate")),
        ("C", "TEST_SIZE", "SEED", "MEASUREMENTS", "ALCOHOL_BINS"),
        ("accuracy", "f1_macro"),
    ),
)
_PURELIB = "import sysconfig; print(sysconfig.get_path('purelib'))"


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> ExportedRuns:
    notebooks = [EXAMPLES / f"{example.notebook}.ipynb" for example in EXAMPLE_NOTEBOOKS]
    return export_and_run(notebooks, tmp_path_factory.mktemp("examples-project"))


def test_the_examples_folder_holds_exactly_the_tested_notebooks() -> None:
    on_disk = {path.stem for path in EXAMPLES.glob("*.ipynb")}
    assert on_disk == {example.notebook for example in EXAMPLE_NOTEBOOKS}


@pytest.mark.parametrize("example", EXAMPLE_NOTEBOOKS, ids=lambda example: example.notebook)
def test_an_example_exports_runs_and_reproduces_its_metrics(
    examples: ExportedRuns, example: Example
) -> None:
    result = exported(examples, example.notebook)
    described = manifest(result)
    assert [(step["name"], step["role"]) for step in described["steps"]] == list(example.steps)
    assert [p["name"] for p in described["parameters"]] == list(example.parameters)
    values = notebook_values(EXAMPLES / f"{example.notebook}.ipynb")
    for metric in example.metrics:
        assert_reproduces(examples.runs[result.package], metric, values[metric])


def _unmet_build_requirements(pyproject: Path) -> list[str]:
    """The package's build requirements this interpreter does not have installed."""
    unmet = []
    for text in tomllib.loads(pyproject.read_text())["build-system"]["requires"]:
        requirement = Requirement(text)
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed is None or not requirement.specifier.contains(installed, prereleases=True):
            unmet.append(f"{text} (installed: {installed or 'none'})")
    return unmet


def _run(command: list[str], **options: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=180, check=False, **options
    )
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.parametrize("example", EXAMPLE_NOTEBOOKS, ids=lambda example: example.notebook)
def test_an_example_installs_into_a_fresh_virtualenv_and_reproduces_from_there(
    sqlite_project: Path, tmp_path: Path, example: Example
) -> None:
    """`pip install pipelines/<name>` into a new virtualenv, then `python -m <pkg> run` from
    another folder, with nothing of the source tree on the path.

    The new virtualenv sees the project environment's packages (workbench, scikit-learn,
    LightGBM, pip, setuptools) through a `.pth` file that calls `site.addsitedir` on the
    project's site-packages (so its own `.pth` files, such as workbench's editable install,
    work too): CI has no network to install scikit-learn and LightGBM again, so pip runs
    with `--no-deps` and `--no-build-isolation`, building with the installed setuptools.
    """
    result = export_notebook(EXAMPLES / f"{example.notebook}.ipynb", verify=False)
    unmet = _unmet_build_requirements(result.path / "pyproject.toml")
    if unmet:
        reason = (
            f"building {result.name} offline needs its build requirements installed in the "
            f"project environment; missing: {', '.join(unmet)}"
        )
        if os.environ.get("CI"):  # as for PostgreSQL: skipped on a laptop, a failure in CI
            pytest.fail(reason)
        pytest.skip(reason)

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    venv_site = Path(_run([str(python), "-c", _PURELIB]).stdout.strip())
    project_sites = dict.fromkeys(sysconfig.get_path(key) for key in ("purelib", "platlib"))
    (venv_site / "_workbench_project_env.pth").write_text(
        "".join(f"import site; site.addsitedir({site!r})\n" for site in project_sites)
    )
    install = [str(python), "-m", "pip", "install", "--no-deps", "--no-build-isolation"]
    _run([*install, "--quiet", str(result.path)])
    assert (venv_site / result.package / "manifest.json").is_file()

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "WORKBENCH_DB_URL"}}
    env["WORKBENCH_HOME"] = str(sqlite_project)
    done = _run([str(python), "-m", result.package, "run", "--quiet"], cwd=elsewhere, env=env)
    assert f"model {result.package} version 1" in done.stdout

    (run,) = last_runs(result.package, limit=5)
    assert run["status"] == "FINISHED" and run["tags.pipeline.version"] == "1.0.0"
    values = notebook_values(EXAMPLES / f"{example.notebook}.ipynb")
    for metric in example.metrics:
        assert run[f"metrics.{metric}"] == values[metric]
