"""Verification compares models by behaviour: fitted searches, pipelines and containers of
models by their predictions on the notebook's own data (or their parameters and fitted
attributes), never by bytes or timings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import nbformat.v4 as nbf
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV
from sklearn.tree import DecisionTreeClassifier

from workbench.pipelines.export import ExportResult, export_notebook
from workbench.pipelines.runtime._values import load_value, save_value
from workbench.pipelines.verify._compare import DIVERGED, EXACT, TOLERANCE, compare_value
from workbench.pipelines.verify._golden import _Recorder, model_state


def _cell(code: str, step: str | None = None) -> Any:
    return nbf.new_code_cell(code, metadata={"tags": [f"step:{step}"]} if step else {})


def _export(folder: Path, name: str, cells: list[Any], **options: Any) -> ExportResult:
    path = folder / f"{name}.ipynb"
    nbformat.write(nbf.new_notebook(cells=cells), path)
    return export_notebook(path, verify=True, **options)


def _golden(result: ExportResult) -> dict[str, Any]:
    manifest = result.path / "src" / result.package / "manifest.json"
    golden: dict[str, Any] = json.loads(manifest.read_text())["golden"]
    return golden


GRID_SEARCH = [
    _cell(
        "from sklearn.datasets import load_iris\n"
        "from sklearn.model_selection import GridSearchCV, train_test_split\n"
        "from sklearn.ensemble import GradientBoostingClassifier"
    ),
    _cell(
        "X, y = load_iris(return_X_y=True)\n"
        "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
        "load",
    ),
    _cell(
        "grid = GridSearchCV(\n"
        "    GradientBoostingClassifier(n_estimators=5, random_state=0),\n"
        "    {'learning_rate': [0.1, 1.0]},\n"
        "    cv=3,\n"
        ")\n"
        "grid.fit(X_train, y_train)",
        "tune",
    ),
    _cell(
        "best_rate = grid.best_params_['learning_rate']\n"
        "test_accuracy = grid.score(X_test, y_test)",
        "evaluate",
    ),
]


def test_a_deterministic_grid_search_reproduces_and_is_not_taken_for_randomness(
    sqlite_project: Path,
) -> None:
    result = _export(sqlite_project, "grid", GRID_SEARCH)
    assert result.verdict == "reproduced", result.warnings
    assert result.warnings == ()  # its cv_results_ timings differ between runs: not randomness
    grid = _golden(result)["steps"]["tune"]["grid"]
    assert grid["kind"] == "model" and "nondeterministic" not in grid
    assert grid["method"] == "predict_proba" and len(grid["predictions"]) == 38
    assert grid["sample"] == {"step": "tune", "input": "X_test", "from": "load", "rows": 38}


COLUMN_TRANSFORMER = [
    _cell(
        "import numpy as np\n"
        "import pandas as pd\n"
        "from sklearn.compose import ColumnTransformer\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.pipeline import Pipeline\n"
        "from sklearn.preprocessing import OneHotEncoder, StandardScaler"
    ),
    _cell(
        "rng = np.random.RandomState(0)\n"
        "df = pd.DataFrame({'size': rng.normal(size=200), 'weight': rng.normal(size=200),\n"
        "                   'colour': rng.choice(['red', 'green', 'blue'], size=200)})\n"
        "df['label'] = (df['size'] + (df['colour'] == 'red') > 0.5).astype(int)\n"
        "features = df.drop(columns='label')\n"
        "train, valid = features.iloc[:150], features.iloc[150:]\n"
        "y_train, y_valid = df['label'].iloc[:150], df['label'].iloc[150:]",
        "load",
    ),
    _cell(
        "prep = ColumnTransformer([('cat', OneHotEncoder(), ['colour']),\n"
        "                          ('num', StandardScaler(), ['size', 'weight'])])\n"
        "model = Pipeline([('prep', prep), ('clf', LogisticRegression())])\n"
        "model.fit(train, y_train)",
        "train",
    ),
    _cell("accuracy = model.score(valid, y_valid)", "evaluate"),
]


def test_a_pipeline_with_a_column_transformer_is_compared_on_a_frame_of_the_notebook(
    sqlite_project: Path,
) -> None:
    result = _export(sqlite_project, "coltrans", COLUMN_TRANSFORMER, check_randomness=False)
    assert result.verdict == "reproduced", result.warnings
    model = _golden(result)["steps"]["train"]["model"]
    assert model["sample"]["input"] == "valid" and model["sample"]["rows"] == 50
    assert np.asarray(model["predictions"]).shape == (50, 2)


def _fitted_search(grid: list[int]) -> GridSearchCV:
    X, y = load_iris(return_X_y=True)
    search = GridSearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": grid}, cv=3)
    return search.fit(X, y)


def test_a_search_s_state_leaves_out_timings_and_names_what_differs() -> None:
    first, again = _fitted_search([1, 2, 3]), _fitted_search([1, 2, 3])
    assert not np.array_equal(
        first.cv_results_["mean_fit_time"], again.cv_results_["mean_fit_time"]
    )
    assert model_state(first) == model_state(again)
    assert "refit_time_" not in model_state(first)
    assert "mean_fit_time" not in model_state(first)["cv_results_"]

    def compare(run_model: Any, entry: dict[str, Any]) -> tuple[str, str]:
        entry = json.loads(json.dumps({"kind": "model", "fingerprint": "x", **entry}))
        return compare_value(
            "tune", "grid", entry, "model", "y", lambda s, n: run_model, rtol=1e-7, atol=1e-9
        )

    assert compare(again, {"state": model_state(first)}) == (EXACT, "")
    outcome, detail = compare(_fitted_search([1, 2]), {"state": model_state(first)})
    assert outcome == DIVERGED
    assert detail.startswith("the fitted model differs in best_estimator_, best_index_")


def _record(tmp_path: Path, outputs: list[str], namespace: dict[str, Any]) -> dict[str, Any]:
    """Golden entries of ``namespace``'s ``outputs`` as the kernel side records them."""
    recorder = _Recorder(
        {
            "steps": [{"name": "train", "outputs": outputs}],
            "output": str(tmp_path / "golden.json"),
            "workdir": str(tmp_path / "values"),
        }
    )
    recorder.after("train", namespace)
    assert recorder.errors == []
    return recorder.golden["train"]


def test_a_dict_of_models_is_compared_model_by_model_on_the_data_they_were_fit_on(
    tmp_path: Path,
) -> None:
    X, y = load_iris(return_X_y=True, as_frame=True)
    X, y = X.sample(frac=1.0, random_state=0), y.sample(frac=1.0, random_state=0)  # mixed classes
    models = {
        "shallow": DecisionTreeClassifier(max_depth=1, random_state=0).fit(X, y),
        "deep": DecisionTreeClassifier(max_depth=4, random_state=0).fit(X, y),
    }
    # X never crosses a step: its rows are kept in the manifest to predict on.
    entry = _record(tmp_path, ["models"], {"X": X, "y": y, "models": models})["models"]
    assert entry["kind"] == "container" and entry["rest"] == {
        "shallow": "<model>",
        "deep": "<model>",
    }
    assert [m["path"] for m in entry["models"]] == [["shallow"], ["deep"]]
    assert all(m["sample"]["input"] == "X" and "inline" in m["sample"] for m in entry["models"])
    entry = json.loads(json.dumps(entry))

    def compare(run_value: Any) -> tuple[str, str]:
        folder = tmp_path / f"run{len(list(tmp_path.iterdir()))}"
        saved = save_value(run_value, folder, name="models", step="train")
        value = load_value(saved, folder)
        return compare_value(
            "train",
            "models",
            entry,
            saved.kind,
            saved.fingerprint,
            lambda s, n: value,
            rtol=1e-7,
            atol=1e-9,
        )

    assert compare(models)[0] == EXACT
    changed = {**models, "deep": DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)}
    outcome, detail = compare(changed)
    assert outcome == DIVERGED
    assert detail.startswith("['deep']: predictions on 50 rows of X differ")
    renamed = {"shallow": models["shallow"], "tree": models["deep"]}
    assert compare(renamed)[0] == DIVERGED


def test_float_noise_in_predictions_is_within_tolerance(tmp_path: Path) -> None:
    from sklearn.linear_model import LinearRegression

    X = pd.DataFrame({"a": np.arange(60.0), "b": np.arange(60.0) ** 0.5})
    model = LinearRegression().fit(X, X["a"] * 2 + 1)
    entry = _record(tmp_path, ["X_test", "model"], {"X_test": X, "model": model})["model"]
    assert entry["sample"] == {"step": "train", "input": "X_test", "from": "train", "rows": 50}
    noisy = LinearRegression().fit(X, X["a"] * 2 + 1)
    noisy.intercept_ += 1e-12
    outcome, detail = compare_value(
        "train",
        "model",
        json.loads(json.dumps(entry)),
        "model",
        "other",
        lambda s, n: X if n == "X_test" else noisy,
        rtol=1e-7,
        atol=1e-9,
    )
    assert (outcome, detail.split(" differ")[0]) == (TOLERANCE, "predictions on 50 rows of X_test")


@pytest.mark.parametrize("method", ["predict_proba", "transform"])
def test_the_method_asked_is_the_first_the_model_has(tmp_path: Path, method: str) -> None:
    from sklearn.preprocessing import StandardScaler

    X, y = load_iris(return_X_y=True)
    model = (
        DecisionTreeClassifier(random_state=0).fit(X, y)
        if method == "predict_proba"
        else StandardScaler().fit(X)
    )
    entry = _record(tmp_path, ["X_valid", "model"], {"X_valid": X, "model": model})["model"]
    assert entry["method"] == method
