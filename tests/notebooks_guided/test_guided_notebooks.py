"""The guided notebooks `notebooks/0*.ipynb` run top to bottom in a fresh kernel and leave
in the project's store what they teach: tracked runs, a tuned champion, stored drift
reports, an exported pipeline that reproduces its notebook.

The notebooks are copied into one temporary project, run there in series order (as a
newcomer would), with `WORKBENCH_HOME` pointing at it: their store, the drift report file
and the exported package all land in the temporary folder.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from projects import isolated_project

import workbench as wb
from workbench.pipelines.verify._execute import kernel_manager_class

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
SERIES = (
    "01_track_and_compare",
    "02_tune_with_optuna",
    "03_detect_drift",
    "04_training_notebook",
    "04_export_pipeline",
    "05_retrain_with_a_gate",
)
CELL_TIMEOUT = 180  # seconds; the longest cell (04's verified export) takes about 30


def execute(project: Path, name: str) -> Any:
    """Run `<project>/<name>.ipynb` in a fresh kernel started in `project`; a failing
    cell fails the test with its traceback. Returns the executed notebook."""
    from nbclient import NotebookClient

    nb = nbformat.read(project / f"{name}.ipynb", as_version=4)
    NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        kernel_manager_class=kernel_manager_class(),
        resources={"metadata": {"path": str(project)}},
    ).execute()
    return nb


def printed(nb: Any) -> str:
    """Everything the notebook's cells printed."""
    return "".join(
        output.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "stream"
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("guided-project")
    for name in SERIES:
        shutil.copy(NOTEBOOKS / f"{name}.ipynb", folder)
    with isolated_project(folder):
        yield folder


@pytest.fixture(scope="module")
def make_guides() -> Any:
    """``notebooks/tools/make_guides.py``, the script that writes the guided notebooks."""
    sys.path.insert(0, str(NOTEBOOKS / "tools"))
    try:
        import make_guides
    finally:
        sys.path.remove(str(NOTEBOOKS / "tools"))
    return make_guides


def test_every_guided_notebook_has_a_source_and_every_source_a_notebook() -> None:
    sources = {path.stem for path in (NOTEBOOKS / "guides").glob("*.py")}
    notebooks = {path.stem for path in NOTEBOOKS.glob("*.ipynb")}
    assert sources == notebooks == set(SERIES)


def test_the_committed_notebooks_are_what_make_guides_writes(
    make_guides: Any, tmp_path: Path
) -> None:
    written = make_guides.write(tmp_path)
    assert sorted(path.stem for path in written) == sorted(SERIES)
    for path in written:
        assert path.read_text() == (NOTEBOOKS / path.name).read_text(), (
            f"{path.name} is stale: run python notebooks/tools/make_guides.py"
        )


def test_a_source_becomes_cells_with_their_tags_and_magics(
    make_guides: Any, tmp_path: Path
) -> None:
    source = tmp_path / "guide.py"
    # As ruff format leaves it: two blank lines before a cell that defines a function.
    source.write_text(
        "# %% [markdown]\n"
        "# # A title\n"
        "#\n"
        "# Some `text`.\n"
        "\n"
        '# %% tags=["parameters"]\n'
        "SEED = 42\n"
        "\n"
        "# %% [markdown]\n"
        "# A function.\n"
        "\n"
        "\n"
        "# %%\n"
        "def double(x):\n"
        "    return 2 * x\n"
        "\n"
        "\n"
        "# %%\n"
        "# %wb_experiment breast-cancer\n"
        "double(SEED)\n"
    )
    nb = make_guides.build(source)
    assert [(cell.cell_type, cell.source, cell.metadata) for cell in nb.cells] == [
        ("markdown", "# A title\n\nSome `text`.", {}),
        ("code", "SEED = 42", {"tags": ["parameters"]}),
        ("markdown", "A function.", {}),
        ("code", "def double(x):\n    return 2 * x", {}),
        ("code", "%wb_experiment breast-cancer\ndouble(SEED)", {}),
    ]
    assert [cell.id for cell in nb.cells] == [f"cell-{n}" for n in range(1, 6)]
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_01_tracks_four_models_with_datasets_metrics_history_and_model(project: Path) -> None:
    execute(project, "01_track_and_compare")
    runs = wb.runs(experiment="breast-cancer")
    by_name = runs.set_index("name")
    names = ["logistic-regression", "random-forest", "lightgbm", "lightgbm-small"]
    assert set(names) <= set(by_name.index)
    assert (by_name.loc[names, "status"] == "FINISHED").all()
    assert (by_name.loc[names, "metrics.roc_auc"] > 0.95).all()
    for run_id in by_name.loc[names, "run_id"]:
        details = wb.get_run(run_id)
        assert {d.role for d in details.datasets} == {"train", "test"}
        assert "models/model" in {a.path for a in details.artifacts}
    history = wb.metric_history(by_name.loc["lightgbm", "run_id"], "roc_auc_by_trees")
    assert history["step"].tolist() == list(range(10, 201, 10))


def test_02_tunes_twenty_trials_and_makes_the_best_the_champion(project: Path) -> None:
    execute(project, "02_tune_with_optuna")
    studies = wb.tuning.studies().set_index("study")
    assert studies.loc["breast-cancer/model-search", "n_trials"] == 20
    assert studies.loc["breast-cancer/model-search", "status"] == "FINISHED"
    champion = wb.models.resolve("breast-cancer@champion")
    best = wb.tuning.get_study("breast-cancer/model-search")
    assert champion.run_id == best.best_run_id
    assert champion.metrics["cv_roc_auc"] == pytest.approx(best.best_value)


def test_03_stores_a_drift_report_per_week_drifting_from_the_new_scanner_on(
    project: Path,
) -> None:
    execute(project, "03_detect_drift")
    history = wb.drift.history(dataset="breast-cancer").sort_values("id")
    assert history["drifted"].tolist() == [False, False, False, True, True, True]
    assert (project / "drift_report.html").is_file()


def test_04_exports_a_reproduced_versioned_package_and_runs_it(project: Path) -> None:
    nb = execute(project, "04_export_pipeline")
    package = project / "pipelines" / "breast-cancer-classifier"
    manifest = json.loads(
        (package / "src" / "breast_cancer_classifier" / "manifest.json").read_text()
    )
    assert manifest["version"] == "1.0.0"
    assert [step["name"] for step in manifest["steps"]] == [
        "load_the_data",
        "split",
        "train",
        "evaluate",
    ]
    output = printed(nb)
    assert "verdict:     reproduced" in output
    assert "version 1.0.0, before: 1.0.0" in output
    assert "changed: False" in output
    pipeline_runs = wb.runs(experiment="Default", filter="tags.`workbench.kind` = 'pipeline'")
    assert set(pipeline_runs["status"]) == {"FINISHED"}
    assert set(pipeline_runs["params.NUM_LEAVES"]) == {"8", "16"}  # the notebook's, the --param


def test_05_retrains_behind_the_gate_promoting_keeping_and_skipping(project: Path) -> None:
    nb = execute(project, "05_retrain_with_a_gate")
    output = printed(nb)
    retrains = wb.runs(
        experiment=None,
        filter="tags.`pipeline.mode` = 'retrain'",
        order_by="attributes.start_time ASC",
    )
    # next month, the same again, a small week, a quiet month (no drift), the new scanner
    assert retrains["tags.retrain.decision"].tolist() == [
        "promoted", "unchanged", "kept", "skipped", "promoted",
    ]  # fmt: skip
    assert "first 'champion'" in output
    assert "[FAIL] roc_auc vs champion" in output
    assert "drift check: drift detected" in output
    history = wb.models.alias_history("breast_cancer_classifier", "champion")
    assert history["action"].tolist()[-1] == "rollback"
    promoted = [v for v, a in zip(history["version"], history["action"], strict=True)
                if a == "promote"]  # fmt: skip
    assert len(promoted) == 2
    assert wb.models.resolve("breast_cancer_classifier@champion").version == promoted[0]
    assert len(wb.drift.history("breast_cancer_classifier")) == 5
