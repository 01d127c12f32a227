"""Unseeded randomness: the verdict names the call and its line, also inside a notebook
function, and ``seed_source`` adds ``random_state`` where that fix is unambiguous."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import nbformat.v4 as nbf
import numpy as np

from workbench.pipelines.export import export_notebook
from workbench.pipelines.verify._compare import DIVERGED, SKIPPED, compare_value
from workbench.pipelines.verify._randomness import seed_notebook, seed_source, unseeded_calls

HELPER = [
    nbf.new_code_cell("import numpy as np"),
    nbf.new_code_cell(
        "def bootstrap_mean(values):\n"
        "    picks = np.random.choice(len(values), size=len(values))\n"
        "    return float(values[picks].mean())"
    ),
    nbf.new_code_cell("data = np.arange(200.0) ** 1.5"),
    nbf.new_code_cell("mean_score = bootstrap_mean(data)"),
]


def test_randomness_inside_a_notebook_function_is_named_at_its_line(
    sqlite_project: Path,
) -> None:
    path = sqlite_project / "helper.ipynb"
    nbformat.write(nbf.new_notebook(cells=HELPER), path)
    result = export_notebook(path, verify=True)
    assert result.verdict == (
        "unseeded randomness at cell 2, line 2: `np.random.choice(len(values), "
        "size=len(values))` has no seed (the global generator is never seeded)"
    )
    assert result.verification is not None and result.verification.verdict.ok


def test_seed_source_adds_random_state_to_estimators_and_splits_only() -> None:
    source = (
        "X_train, X_test = train_test_split(\n"
        "    X,\n"
        "    test_size=0.2,\n"
        ")\n"
        "forest = RandomForestClassifier()\n"
        "folds = KFold(5, shuffle=True)\n"
        "plain = KFold(5)\n"
        "kept = GradientBoostingClassifier(random_state=1)\n"
        "noise = np.random.rand(3)\n"
        "fit(ExtraTreesClassifier(n_estimators=f(2)))  # é"
    )
    seeded, calls = seed_source(source, 42)
    assert seeded == (
        "X_train, X_test = train_test_split(\n"
        "    X,\n"
        "    test_size=0.2, random_state=42\n"
        ")\n"
        "forest = RandomForestClassifier(random_state=42)\n"
        "folds = KFold(5, shuffle=True, random_state=42)\n"
        "plain = KFold(5)\n"
        "kept = GradientBoostingClassifier(random_state=1)\n"
        "noise = np.random.rand(3)\n"
        "fit(ExtraTreesClassifier(n_estimators=f(2), random_state=42))  # é"
    )
    assert [(call.line, call.call) for call in calls] == [
        (1, "train_test_split(X, test_size=0.2)"),
        (5, "RandomForestClassifier()"),
        (6, "KFold(5, shuffle=True)"),
        (10, "ExtraTreesClassifier(n_estimators=f(2))"),
    ]
    ast.parse(seeded)
    notebook = nbf.new_notebook(cells=[nbf.new_code_cell(seeded)])
    assert [call.call for call in unseeded_calls(notebook, [0])] == ["np.random.rand(3)"]


def test_seed_source_leaves_seeded_and_unparsable_code_alone() -> None:
    assert seed_source("model = LGBMClassifier(random_state=3)", 1) == (
        "model = LGBMClassifier(random_state=3)",
        [],
    )
    assert seed_source("%matplotlib inline\nm = KMeans()", 1) == (
        "%matplotlib inline\nm = KMeans()",
        [],
    )
    assert seed_source("m = KMeans(**options)", 1)[1] == []  # the seed may be in options


def test_seed_notebook_seeds_the_cells_and_names_them() -> None:
    notebook = nbf.new_notebook(
        cells=[
            nbf.new_markdown_cell("KMeans() in prose is left alone"),
            nbf.new_code_cell("%matplotlib inline\nclusters = KMeans(3).fit_predict(X)"),
            nbf.new_code_cell("model = RandomForestRegressor(random_state=0)"),
        ]
    )
    seeded, calls = seed_notebook(notebook, 5)
    assert [(call.cell, call.line, call.call) for call in calls] == [(1, 2, "KMeans(3)")]
    assert "KMeans(3, random_state=5).fit_predict(X)" in seeded.cells[1].source
    assert seeded.cells[0].source == notebook.cells[0].source
    assert seeded.cells[2].source == notebook.cells[2].source
    assert notebook.cells[1].source.endswith("KMeans(3).fit_predict(X)")  # the original kept


def test_a_random_split_may_change_the_rows_of_a_nondeterministic_value_not_its_columns() -> None:
    entry = {"kind": "array", "fingerprint": "a", "shape": [80, 4], "nondeterministic": True}

    def compare(shape: tuple[int, ...]) -> tuple[str, str]:
        value = np.zeros(shape)
        return compare_value(
            "split", "X_train", entry, "array", "b", lambda s, n: value, rtol=1e-7, atol=1e-9
        )

    assert compare((79, 4))[0] == SKIPPED
    assert compare((80, 3)) == (DIVERGED, "shape [80, 3] vs [80, 4] in the notebook")


def test_an_unseeded_model_refitted_in_another_step_is_traced_to_its_creation() -> None:
    """A step that refits a model made two steps earlier (made in one cell, fitted in the next)
    names the constructor: a refit can differ between runs when the first fit did not."""
    from workbench.pipelines.analysis import analyze_notebook
    from workbench.pipelines.verify._randomness import step_calls

    notebook = nbf.new_notebook(
        cells=[
            nbf.new_code_cell(
                "import numpy as np\nfrom sklearn.datasets import load_breast_cancer\n"
                "from sklearn.tree import DecisionTreeClassifier\n"
                "X, y = load_breast_cancer(return_X_y=True)"
            ),
            nbf.new_code_cell("tree = DecisionTreeClassifier(max_depth=3)"),
            nbf.new_code_cell("tree.fit(X, y)"),
            nbf.new_code_cell(
                "def refit(model, X, y):\n"
                "    model.fit(X[::2], y[::2])\n"
                "    return model.predict(X)"
            ),
            nbf.new_code_cell("stacked = np.column_stack([refit(tree, X, y), y])"),
        ]
    )
    plan = analyze_notebook(notebook)
    refitting = next(step for step in plan.steps if 4 in step.cells)
    assert "tree" in refitting.inputs
    calls = [str(call) for call in step_calls(plan, notebook, refitting.name)]
    assert calls == ["cell 2, line 1: `DecisionTreeClassifier(max_depth=3)` has no random_state"]
