"""Versions of an exported pipeline follow what changed in the notebook."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import nbformat.v4 as nbf
import pytest

from workbench.pipelines.export import ExportResult, export_notebook
from workbench.pipelines.package.versioning import bump, diff, list_versions

PARAMETERS = "SEED = 0\nC = 1.0"
IMPORTS = (
    "from sklearn.datasets import load_iris\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "from sklearn.metrics import accuracy_score"
)
LOAD = "X, y = load_iris(return_X_y=True)"
TRAIN = "model = LogisticRegression(C=C, max_iter=200, random_state=SEED)\nmodel.fit(X, y)"
EVALUATE = "accuracy = accuracy_score(y, model.predict(X))"


def _export(folder: Path, *cells: str, parameters: str = PARAMETERS) -> ExportResult:
    notebook = nbf.new_notebook(
        cells=[
            nbf.new_code_cell(parameters, metadata={"tags": ["parameters"]}),
            nbf.new_code_cell(IMPORTS),
            *(nbf.new_code_cell(source) for source in cells),
        ]
    )
    path = folder / "iris.ipynb"
    nbformat.write(notebook, path)
    return export_notebook(path, verify=False)


def _mtimes(folder: Path) -> dict[Path, int]:
    return {path: path.stat().st_mtime_ns for path in folder.rglob("*") if path.is_file()}


def test_an_unchanged_notebook_keeps_its_version_and_writes_nothing(sqlite_project: Path) -> None:
    first = _export(sqlite_project, LOAD, TRAIN, EVALUATE)
    before = _mtimes(first.path)
    again = _export(sqlite_project, "# the same code, commented\n" + LOAD, TRAIN, EVALUATE)
    assert again.changed is False
    assert again.version == again.previous_version == "1.0.0"
    assert again.fingerprint == first.fingerprint
    assert _mtimes(first.path) == before


def test_the_notebook_copy_keeps_its_bytes_so_an_unchanged_export_stays_unchanged(
    sqlite_project: Path,
) -> None:
    # single quotes and a long call: code a formatter would rewrite inside the copy
    load = "X, y = load_iris(return_X_y=True, as_frame = True)\nname = 'iris'"
    first = _export(sqlite_project, load, TRAIN, EVALUATE)
    original = (sqlite_project / "iris.ipynb").read_bytes()
    assert (first.path / "notebook.ipynb").read_bytes() == original
    again = _export(sqlite_project, load, TRAIN, EVALUATE)
    assert (again.changed, again.version, again.reasons) == (False, "1.0.0", ())


def test_versions_bump_by_what_changed_and_are_kept(sqlite_project: Path) -> None:
    first = _export(sqlite_project, LOAD, TRAIN, EVALUATE)
    assert first.version == "1.0.0"

    patch = _export(sqlite_project, LOAD, TRAIN.replace("200", "300"), EVALUATE)
    assert (patch.previous_version, patch.version) == ("1.0.0", "1.0.1")
    assert patch.reasons == ("step 'train' code changed",)

    with_penalty = TRAIN.replace("200", "300").replace("C=C", "C=C, penalty=PENALTY")
    minor = _export(
        sqlite_project, LOAD, with_penalty, EVALUATE, parameters=PARAMETERS + "\nPENALTY = 'l2'"
    )
    assert minor.version == "1.1.0"
    assert "parameter 'PENALTY' added" in minor.reasons

    removed = _export(
        sqlite_project, LOAD, with_penalty, parameters=PARAMETERS + "\nPENALTY = 'l2'"
    )
    assert removed.version == "2.0.0"
    assert removed.reasons[0] == "step 'evaluate' removed"
    steps = removed.path / "src" / "iris" / "steps"
    assert sorted(p.name for p in steps.glob("*.py")) == ["__init__.py", "load.py", "train.py"]

    renamed = _export(sqlite_project, LOAD.replace("y =", "target =").replace(", y", ", target"))
    assert renamed.version == "3.0.0"

    versions = list_versions("iris")
    assert [v["version"] for v in versions] == ["1.0.0", "1.0.1", "1.1.0", "2.0.0", "3.0.0"]
    assert [v["level"] for v in versions] == ["initial", "patch", "minor", "major", "major"]
    kept = json.loads((removed.path / ".versions" / "1.0.1.json").read_text())
    assert kept["steps"][1]["name"] == "train" and kept["change"]["from"] == "1.0.0"

    changes = diff("iris", "1.0.0", "1.1.0")
    assert changes["level"] == "minor" and changes["parameters_added"] == ["PENALTY"]
    assert "step 'train' code changed" in changes["changes"]
    assert diff("iris", "1.1.0", "2.0.0")["steps_removed"] == ["evaluate"]
    with pytest.raises(ValueError, match=r"no version '9\.0\.0'; versions: \['1\.0\.0'"):
        diff("iris", "1.0.0", "9.0.0")


def test_changed_inputs_or_outputs_of_a_step_are_a_major_change(sqlite_project: Path) -> None:
    _export(sqlite_project, LOAD, TRAIN, EVALUATE)
    with_classes = TRAIN + "\nclasses = list(model.classes_)"
    balanced = EVALUATE + " / len(classes)"
    result = _export(sqlite_project, LOAD, with_classes, balanced)
    assert result.version == "2.0.0"
    assert result.reasons[:2] == (
        "step 'evaluate' inputs changed: ['X', 'model', 'y'] → ['X', 'classes', 'model', 'y']",
        "step 'train' outputs changed: ['model'] → ['classes', 'model']",
    )


def test_bump_follows_semver() -> None:
    assert [bump("1.4.2", level) for level in ("none", "patch", "minor", "major")] == [
        "1.4.2", "1.4.3", "1.5.0", "2.0.0",
    ]  # fmt: skip
    with pytest.raises(ValueError, match="level must be one of"):
        bump("1.0.0", "huge")
