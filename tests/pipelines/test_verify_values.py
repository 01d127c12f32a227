"""Verification of every kind of value that crosses steps: a Bunch and lists or dicts of
models and sparse matrices element by element, a sparse matrix by its nonzeros, an index
exactly, a splitter by its parameters, a JSON value too large for the manifest by hash, and
values kept in memory (listed in the package's README) through what is made from them."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import nbformat.v4 as nbf
import numpy as np
import pytest
import scipy.sparse as sp
from projects import isolated_project

from workbench.pipelines.export import ExportResult, export_notebook
from workbench.pipelines.runtime._values import load_value, save_value
from workbench.pipelines.verify._compare import DIVERGED, EXACT, TOLERANCE, compare_value
from workbench.pipelines.verify._golden import _Recorder


def _cell(code: str, step: str | None = None) -> Any:
    return nbf.new_code_cell(code, metadata={"tags": [f"step:{step}"]} if step else {})


KINDS = [
    _cell(
        "import numpy as np\n"
        "import pandas as pd\n"
        "from sklearn.datasets import load_iris\n"
        "from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.model_selection import KFold, cross_val_score\n"
        "from sklearn.pipeline import make_pipeline\n"
        "from sklearn.preprocessing import FunctionTransformer\n"
        "from sklearn.tree import DecisionTreeClassifier"
    ),
    _cell("def shrink(values):\n    return values / 10.0"),
    _cell("iris = load_iris()", "load"),
    _cell(
        "X = pd.DataFrame(iris.data, columns=iris.feature_names)\n"
        "y = iris.target\n"
        "columns = X.columns\n"
        "kfold = KFold(5)\n"
        "folds = kfold.split(X)",
        "frame",
    ),
    _cell(
        "texts = ['red apple pie', 'green apple', 'red wine', 'green tea', 'apple tea'] * 4\n"
        "matrices = {'counts': CountVectorizer().fit_transform(texts),\n"
        "            'pairs': CountVectorizer(ngram_range=(2, 2)).fit_transform(texts)}\n"
        "tfidf = TfidfVectorizer().fit_transform(texts)\n"
        "curve = [i / 3 for i in range(120_000)]",
        "text",
    ),
    _cell(
        "models = [('tree', DecisionTreeClassifier(max_depth=2, random_state=0)),\n"
        "          ('logistic', make_pipeline(FunctionTransformer(shrink),\n"
        "                                     LogisticRegression(max_iter=500)))]\n"
        "for name, model in models:\n"
        "    model.fit(X[columns], y)\n"
        "scores = [(name, float(np.mean(cross_val_score(model, X, y, cv=kfold))))\n"
        "          for name, model in models]\n"
        "fold_sizes = [len(test) for _, test in folds]",
        "train",
    ),
    _cell(
        "tree_accuracy = models[0][1].score(X[columns], y)\n"
        "best_score = max(score for _, score in scores)\n"
        "smallest_fold = min(fold_sizes)\n"
        "words = sum(matrix.shape[1] for matrix in matrices.values()) + tfidf.shape[1]\n"
        "curve_total = sum(curve)",
        "evaluate",
    ),
]


def _manifest(result: ExportResult) -> dict[str, Any]:
    path = result.path / "src" / result.package / "manifest.json"
    manifest: dict[str, Any] = json.loads(path.read_text())
    return manifest


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExportResult]:
    """The notebook passing every kind of value, exported with verification."""
    home = tmp_path_factory.mktemp("kinds")
    with isolated_project(home):
        path = home / "kinds.ipynb"
        nbformat.write(nbf.new_notebook(cells=KINDS), path)
        yield export_notebook(path, verify=True, check_randomness=False)


def test_every_kind_of_value_reproduces_and_is_recorded_by_kind(exported: ExportResult) -> None:
    assert exported.verdict == "reproduced", exported.warnings
    steps = _manifest(exported)["golden"]["steps"]
    kinds = {
        f"{step}.{name}": entry["kind"]
        for step, out in steps.items()
        for name, entry in out.items()
    }
    assert kinds == {
        "load.iris": "container",
        "frame.X": "frame",
        "frame.y": "array",
        "frame.columns": "index",
        "frame.kfold": "skops",
        "frame.folds": "memory",
        "text.matrices": "container",
        "text.tfidf": "sparse",
        "text.curve": "json",
        # Both hold `shrink`, a notebook function: the kernel keeps them in memory.
        "train.models": "memory",
        "train.model": "memory",
        "train.scores": "json",
        "train.fold_sizes": "json",
        "evaluate.tree_accuracy": "float",
        "evaluate.best_score": "float",
    }
    assert steps["frame"]["kfold"]["content"] == {
        "class": "KFold",
        "n_splits": 5,
        "random_state": None,
        "shuffle": False,
    }
    assert steps["frame"]["columns"]["content"]["index"] == list(load_iris_names())
    assert steps["text"]["tfidf"]["shape"] == [20, 6]  # six words
    assert "value" not in steps["text"]["curve"]  # too large for the manifest
    models = steps["train"]["models"]
    assert models["type"] == "builtins.list" and "__main__.shrink" in models["reason"]
    # Kept in memory by the kernel, the models are still compared by their predictions.
    assert [m["path"] for m in models["models"]] == [[0, 1], [1, 1]]
    assert all(m["method"] == "predict_proba" for m in models["models"])


def load_iris_names() -> list[str]:
    from sklearn.datasets import load_iris

    return list(load_iris().feature_names)


def test_the_readme_lists_the_values_the_pipeline_keeps_in_memory(exported: ExportResult) -> None:
    readme = (exported.path / "README.md").read_text()
    assert "| `folds` | `frame` | `train` | `builtins.generator` |" in readme
    assert "`models`" not in readme.split("## Values between steps")[1].split("## ")[0]
    assert "Export with verification to list the values kept in memory" not in readme


def _tamper(result: ExportResult, tmp_path: Path, step: str, added: str) -> str:
    """Verify a copy of the package with ``added`` run just before ``step`` returns."""
    copy = tmp_path / "copy"
    shutil.copytree(result.path, copy / result.name)
    path = copy / result.name / "src" / result.package / "steps" / f"{step}.py"
    lines = path.read_text().splitlines(keepends=True)
    index = max(i for i, line in enumerate(lines) if line.strip().startswith("return"))
    lines.insert(index, f"    {added}\n")
    path.write_text("".join(lines))
    notebook = result.path.parent.parent / "kinds.ipynb"
    again = export_notebook(notebook, out=copy, verify=True, check_randomness=False)
    assert again.verification is not None and not again.verification.golden_recorded
    return again.verdict


@pytest.mark.parametrize(
    ("step", "added", "verdict"),
    [
        (
            "load",
            "iris['target_names'] = iris['target_names'][:2]",
            "diverged at step load (variable iris: ['target_names'] length: 2 vs 3 in the "
            "notebook)",
        ),
        (
            "frame",
            "columns = columns[::-1]",
            "diverged at step frame (variable columns: ['index'][0]: 'petal width (cm)' vs "
            "'sepal length (cm)' in the notebook (and 3 more))",
        ),
        (
            "frame",
            "kfold = KFold(4)",
            "diverged at step frame (variable kfold: ['n_splits']: 4 vs 5 in the notebook)",
        ),
        (
            "text",
            "matrices['pairs'] = matrices['pairs'] * 2",
            "diverged at step text (variable matrices: ['pairs']['values'][0]: 2 vs 1 in the "
            "notebook (and 23 more))",
        ),
        (
            "text",
            "tfidf = tfidf * 2",
            "diverged at step text (variable tfidf: its nonzero values differ by up to 0.",
        ),
        ("text", "tfidf = tfidf * (1 + 1e-12)", "within tolerance"),
        (
            "text",
            "curve[7] = 0.0",
            "diverged at step text (variable curve: differs (a value too large to keep in the "
            "manifest: compared by hash))",
        ),
        (
            "train",
            "models[0][1].set_params(max_depth=1).fit(X[columns], y)",
            "diverged at step train (variable models: [0][1]: predictions on 50 rows of X "
            "differ by up to 0.",
        ),
        (
            "train",
            "scores[1] = (scores[1][0], scores[1][1] + 0.25)",
            "diverged at step train (variable scores: [1][1]: ",
        ),
        ("train", "scores[1] = (scores[1][0], scores[1][1] + 1e-12)", "within tolerance"),
    ],
    ids=[
        "bunch",
        "index",
        "splitter",
        "dict-of-sparse",
        "sparse",
        "sparse-noise",
        "json-file",
        "models-in-memory",
        "tuples",
        "tuples-noise",
    ],
)
def test_a_changed_value_of_each_kind_diverges_at_its_step(
    exported: ExportResult, tmp_path: Path, step: str, added: str, verdict: str
) -> None:
    assert _tamper(exported, tmp_path, step, added).startswith(verdict)


def _compare(entry: dict[str, Any], value: Any, tmp_path: Path) -> tuple[str, str]:
    folder = tmp_path / f"run{len(list(tmp_path.iterdir()))}"
    saved = save_value(value, folder, name="value", step="train")
    entry = json.loads(json.dumps(entry))
    return compare_value(
        "train",
        "value",
        entry,
        saved.kind,
        saved.fingerprint,
        lambda s, n: load_value(saved, folder),
        rtol=1e-7,
        atol=1e-9,
    )


def _entry(value: Any, tmp_path: Path, **namespace: Any) -> dict[str, Any]:
    recorder = _Recorder(
        {
            "steps": [{"name": "train", "outputs": ["value"]}],
            "output": str(tmp_path / "golden.json"),
            "workdir": str(tmp_path / "golden"),
        }
    )
    recorder.after("train", {**namespace, "value": value})
    assert recorder.errors == []
    entry: dict[str, Any] = recorder.golden["train"]["value"]
    return entry


def test_timings_in_a_dict_of_results_are_not_compared(tmp_path: Path) -> None:
    scores = {"fit_time": np.array([0.011, 0.012]), "test_score": np.array([0.9, 0.95])}
    entry = _entry(scores, tmp_path)
    assert entry["kind"] == "container" and entry["rest"] == {"test_score": [0.9, 0.95]}
    slower = {**scores, "fit_time": np.array([0.5, 0.7])}
    assert _compare(entry, slower, tmp_path) == (EXACT, "")
    worse = {**scores, "test_score": np.array([0.9, 0.5])}
    assert _compare(entry, worse, tmp_path) == (
        DIVERGED,
        "['test_score'][1]: 0.5 vs 0.95 in the notebook",
    )


def test_a_large_sparse_matrix_is_compared_by_hash_and_a_small_one_within_tolerance(
    tmp_path: Path,
) -> None:
    large = sp.random(300, 300, density=0.05, random_state=0, format="csr")
    entry = _entry(large, tmp_path)
    assert isinstance(entry["content"]["values"], str)  # 4500 nonzeros: kept by hash
    assert _compare(entry, large.tocsc(), tmp_path)[0] == EXACT  # another format, same matrix
    outcome, detail = _compare(entry, large * (1 + 1e-12), tmp_path)
    assert (outcome, detail) == (
        DIVERGED,
        "same nonzeros, other values (too many to keep: compared by hash)",
    )
    moved = large.copy()
    moved.indices = (moved.indices + 1) % 300
    assert _compare(entry, moved, tmp_path)[1] == "same shape (300, 300), nonzeros in other places"
    small = sp.csr_matrix(np.eye(3))
    entry = _entry(small, tmp_path)
    assert _compare(entry, small * (1 + 1e-12), tmp_path)[0] == TOLERANCE


def test_models_kept_in_memory_that_differ_between_two_runs_are_randomness() -> None:
    from workbench.pipelines.verify._randomness import differing_values

    def run(predictions: list[float]) -> dict[str, Any]:
        model = {"kind": "memory", "fingerprint": "type-only", "predictions": predictions}
        return {"train": {"model": model, "folds": {"kind": "memory", "fingerprint": "x"}}}

    assert differing_values(run([0.1, 0.9]), run([0.1, 0.9])) == []
    assert differing_values(run([0.1, 0.9]), run([0.3, 0.7])) == [("train", "model")]


def test_a_divergence_at_a_step_with_an_unseeded_estimator_names_the_call(tmp_path: Path) -> None:
    from workbench.pipelines.analysis import analyze_notebook
    from workbench.pipelines.verify import Verdict
    from workbench.pipelines.verify._verification import _explained_by_randomness

    cells = [
        _cell(
            "from sklearn.datasets import load_iris\n"
            "from sklearn.tree import DecisionTreeClassifier"
        ),
        _cell(
            "X, y = load_iris(return_X_y=True)\ntree = DecisionTreeClassifier(max_depth=3)", "load"
        ),
        _cell("tree.fit(X, y)", "train"),
        _cell("accuracy = tree.score(X, y)", "evaluate"),
    ]
    path = tmp_path / "tree.ipynb"
    nbformat.write(nbf.new_notebook(cells=cells), path)
    plan = analyze_notebook(path)
    # The tree draws when fitted in `train`; the two executions may draw alike, the run not.
    diverged = Verdict("diverged", "train", "tree", "predictions on 50 rows of X differ")
    verdict = _explained_by_randomness(plan, path, diverged, seed=None)
    assert verdict.label == (
        "unseeded randomness at cell 2, line 2: `DecisionTreeClassifier(max_depth=3)` has no "
        "random_state"
    )
    assert _explained_by_randomness(plan, path, diverged, seed=0) == diverged  # seeded by N
    elsewhere = Verdict("diverged", "evaluate", "accuracy", "0.9 vs 0.95 in the notebook")
    assert _explained_by_randomness(plan, path, elsewhere, seed=None) == elsewhere
