"""Any value can cross a step boundary: safe formats by type, containers element by element,
and values with no safe format kept in memory by the run (issue #19, item 1)."""

from __future__ import annotations

import collections
import contextlib
import importlib
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import nbformat.v4 as nbf
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.pipelines.export import export_notebook
from workbench.pipelines.runtime._values import (
    ChangedValueError,
    InMemoryValueError,
    SavedValue,
    load_value,
    save_value,
)


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(80, 4))
    return features, (features[:, 0] + features[:, 1] > 0).astype(int)


def _fitted_search() -> Any:
    from sklearn.model_selection import GridSearchCV
    from sklearn.tree import DecisionTreeClassifier

    search = GridSearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": [1, 3]}, cv=3)
    return search.fit(*_data())


def _models() -> list[tuple[str, Any]]:
    import lightgbm as lgb
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    features, target = _data()
    return [
        ("lr", LogisticRegression().fit(features, target)),
        ("forest", RandomForestClassifier(n_estimators=3, random_state=0).fit(features, target)),
        ("lgbm", lgb.LGBMClassifier(n_estimators=3, verbose=-1).fit(features, target)),
    ]


def _assert_same(loaded: Any, original: Any) -> None:
    """Equal content and type, recursively (models by their predictions)."""
    assert type(loaded) is type(original), (type(loaded), type(original))
    if isinstance(original, pd.DataFrame):
        pd.testing.assert_frame_equal(loaded, original)
    elif isinstance(original, pd.Series):
        pd.testing.assert_series_equal(loaded, original)
    elif isinstance(original, pd.Index):
        pd.testing.assert_index_equal(loaded, original, exact=True)
    elif isinstance(original, np.ndarray | np.generic):
        np.testing.assert_array_equal(loaded, original, strict=True)
    elif sp.issparse(original):
        assert loaded.dtype == original.dtype and (loaded != original).nnz == 0
    elif hasattr(original, "predict_proba"):
        features, _ = _data()
        np.testing.assert_array_equal(
            loaded.predict_proba(features), original.predict_proba(features)
        )
    elif hasattr(original, "get_n_splits"):  # a CV splitter: the same folds
        features, target = _data()
        for (a, b), (c, d) in zip(
            loaded.split(features, target), original.split(features, target), strict=True
        ):
            np.testing.assert_array_equal(a, c)
            np.testing.assert_array_equal(b, d)
    elif isinstance(original, dict):
        assert list(loaded) == list(original)
        for key in original:
            _assert_same(loaded[key], original[key])
    elif isinstance(original, list | tuple):
        assert len(loaded) == len(original)
        for left, right in zip(loaded, original, strict=True):
            _assert_same(left, right)
    elif isinstance(original, float) and np.isnan(original):
        assert np.isnan(loaded)
    else:
        assert loaded == original


def _iris() -> Any:
    from sklearn.datasets import load_iris

    return load_iris()


def _iris_frames() -> Any:
    from sklearn.datasets import load_iris

    return load_iris(as_frame=True)


def _kfold() -> Any:
    from sklearn.model_selection import KFold

    return KFold(10)


def _stratified() -> Any:
    from sklearn.model_selection import StratifiedKFold

    return StratifiedKFold(5, shuffle=True, random_state=3)


def _counts() -> Any:
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer().fit_transform(["red fish blue fish", "one fish", "two red"])


KINDS = {
    "bunch": (_iris, "container"),
    "bunch of frames": (_iris_frames, "container"),
    "kfold": (_kfold, "skops"),
    "stratified kfold": (_stratified, "skops"),
    "fitted search": (_fitted_search, "model"),
    "count vectorizer matrix": (_counts, "sparse"),
    "lil matrix": (lambda: sp.lil_matrix(np.eye(4)), "sparse"),
    "csr array": (lambda: sp.csr_array(np.arange(6.0).reshape(2, 3)), "sparse"),
    "list of named models": (_models, "container"),
    "dict of models": (lambda: dict(_models()), "container"),
    "dict of sparse matrices": (
        lambda: {"a": _counts(), "b": sp.coo_matrix(np.eye(2))},
        "container",
    ),
    "list of tuples of floats": (lambda: [(0.1, 2.0), (3.5, float("nan"))], "json"),
    "dict with int and tuple keys": (lambda: {1: 0.5, (2, "b"): [1, 2], None: "x"}, "container"),
    "set of strings": (lambda: {"age", "income", "city"}, "container"),
    "frozenset": (lambda: frozenset({1, 2, 3}), "container"),
    "column index": (lambda: pd.Index(["a", "b"], name="feature"), "index"),
    "datetime64 scalar": (lambda: np.datetime64("2024-03-01"), "array"),
    "tuple of frame and array": (lambda: (pd.DataFrame({"a": [1, 2]}), np.arange(3)), "container"),
}


@pytest.mark.parametrize("name", list(KINDS))
def test_every_kind_of_value_round_trips_with_a_stable_fingerprint(
    tmp_path: Path, name: str
) -> None:
    make, kind = KINDS[name]
    value = make()
    saved = save_value(value, tmp_path / "first", name="value", step="step")
    assert saved.kind == kind
    # Through the cache entry's JSON, as the runner reads it back.
    saved = SavedValue.from_dict(json.loads(json.dumps(saved.to_dict())))
    _assert_same(load_value(saved, tmp_path / "first"), value)
    assert save_value(value, tmp_path / "second", name="value", step="step").fingerprint == (
        saved.fingerprint
    )
    assert not list(tmp_path.rglob("*.pkl"))


def test_a_tuple_saved_as_json_keeps_the_fingerprint_a_list_had_before() -> None:
    # Packages exported earlier recorded tuples as JSON lists: their golden values still match.
    as_tuple = save_value((1, 2.5), Path("."), name="t", step="s")
    as_list = save_value([1, 2.5], Path("."), name="t", step="s")
    assert (as_tuple.kind, as_tuple.fingerprint) == ("json", as_list.fingerprint)
    assert load_value(as_tuple, Path(".")) == (1, 2.5)


leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.floats(allow_nan=False), min_size=1, max_size=5).map(np.array),
    st.lists(st.integers(-5, 5), min_size=1, max_size=4).map(
        lambda xs: pd.DataFrame({"x": xs, "y": [str(x) for x in xs]})
    ),
)
nested = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(st.one_of(st.text(max_size=4), st.integers(0, 9)), children, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=nested)
def test_nested_containers_of_frames_arrays_and_scalars_round_trip(value: Any) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        saved = save_value(value, Path(tmp) / "a", name="value", step="step")
        assert saved.kind != "memory"
        saved = SavedValue.from_dict(json.loads(json.dumps(saved.to_dict())))
        _assert_same(load_value(saved, Path(tmp) / "a"), value)
        again = save_value(value, Path(tmp) / "b", name="value", step="step")
        assert again.fingerprint == saved.fingerprint


def test_a_set_has_the_same_fingerprint_in_every_process() -> None:
    code = (
        "from pathlib import Path; import tempfile\n"
        "from workbench.pipelines.runtime._values import save_value\n"
        "print(save_value({'age', 'income', 'city', 'zip'}, Path(tempfile.mkdtemp()), "
        "name='s', step='s').fingerprint)"
    )
    prints = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(prints) == 1


class Notebook:
    """A class defined in a notebook."""

    def __init__(self, factor: float) -> None:
        self.factor = factor


def _lgb_dataset() -> Any:
    import lightgbm as lgb

    return lgb.Dataset(*_data())


UNSAVEABLE = {
    "lambda": (lambda: lambda x: x, "builtins.function"),
    "generator": (lambda: (n for n in range(3)), "builtins.generator"),
    "open file": (lambda: open(__file__), "_io.TextIOWrapper"),  # noqa: SIM115 - closed below
    "notebook class": (lambda: Notebook(2.0), "test_step_values.Notebook"),
    "lightgbm dataset": (_lgb_dataset, "lightgbm.basic.Dataset"),
    "list holding a lambda": (lambda: [pd.DataFrame({"a": [1]}), len], "builtins.list"),
    "defaultdict": (lambda: collections.defaultdict(list, {"a": [1]}), "collections.defaultdict"),
    "object array": (lambda: np.array([{"a": 1}], dtype=object), "numpy.ndarray"),
}


@pytest.mark.parametrize("name", list(UNSAVEABLE))
def test_a_value_with_no_safe_format_is_kept_in_memory_and_nothing_is_written(
    tmp_path: Path, name: str
) -> None:
    make, type_name = UNSAVEABLE[name]
    value = make()
    saved = save_value(value, tmp_path, name="value", step="step")
    with contextlib.suppress(AttributeError):
        value.close()
    assert saved.kind == "memory" and saved.flavor is not None
    assert saved.flavor.endswith(type_name) and saved.value  # the type and the reason
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InMemoryValueError, match="kept in memory by the run that made it"):
        load_value(saved, tmp_path)


def test_scikit_learn_objects_holding_notebook_code_stay_in_memory(tmp_path: Path) -> None:
    from sklearn.metrics import make_scorer
    from sklearn.preprocessing import FunctionTransformer

    def halve(x: Any) -> Any:
        return x / 2

    scorer = make_scorer(lambda y, p: float((y == p).mean()))
    transformer = FunctionTransformer(halve).fit(_data()[0])
    for index, value in enumerate((scorer, transformer)):
        saved = save_value(value, tmp_path, name=f"v{index}", step="step")
        assert saved.kind == "memory" and "test_step_values." in saved.value  # names the code
    assert list(tmp_path.iterdir()) == []


def test_a_skops_file_changed_after_it_was_written_is_refused(tmp_path: Path) -> None:
    import skops.io as sio
    from sklearn.model_selection import KFold

    saved = save_value(KFold(10), tmp_path, name="kfold", step="features")
    path = tmp_path / "kfold.skops"
    sio.dump(KFold(3), path)
    with pytest.raises(ChangedValueError, match="changed after workbench wrote it"):
        load_value(saved, tmp_path)
    # Even with the recorded fingerprint rewritten too, only the recorded types are built.
    sio.dump(Notebook(1.0), path)
    forged = SavedValue.from_dict({**saved.to_dict(), "fingerprint": _fingerprint(path)})
    with pytest.raises(ChangedValueError, match="types workbench did not write"):
        load_value(forged, tmp_path)


def _fingerprint(path: Path) -> str:
    from workbench.pipelines.runtime._values import file_fingerprint

    return file_fingerprint(path)


# Synthetic notebooks, one per pattern the issue found in real ones; cells are tagged with
# their step so that the value of interest crosses a step boundary.
def _cell(source: str, step: str) -> Any:
    return nbf.new_code_cell(source, metadata={"tags": [f"step:{step}"]})


IMPORTS = (
    "import numpy as np\nimport lightgbm as lgb\n"
    "from sklearn.datasets import load_iris, load_breast_cancer\n"
    "from sklearn.feature_extraction.text import CountVectorizer\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "from sklearn.metrics import roc_auc_score\n"
    "from sklearn.model_selection import KFold, cross_val_score, train_test_split\n"
    "from sklearn.naive_bayes import MultinomialNB\n"
    "from sklearn.tree import DecisionTreeClassifier"
)
NOTEBOOKS = {
    "bunch": (
        [
            _cell("iris = load_iris()", "load"),
            _cell(
                "model = LogisticRegression(max_iter=500).fit(iris.data, iris.target)\n"
                "accuracy = model.score(iris.data, iris.target)",
                "train",
            ),
        ],
        {"iris": "container"},
    ),
    "kfold": (
        [
            _cell("X, y = load_breast_cancer(return_X_y=True)\nkfold = KFold(10)", "load"),
            _cell(
                "scores = cross_val_score(DecisionTreeClassifier(max_depth=2, random_state=0), "
                "X, y, cv=kfold)\ncv_accuracy = float(scores.mean())",
                "evaluate",
            ),
        ],
        {"kfold": "skops"},
    ),
    "sparse": (
        [
            _cell(
                "texts = ['good movie', 'bad movie', 'good plot', 'bad acting', 'good good']\n"
                "labels = [1, 0, 1, 0, 1]",
                "load",
            ),
            _cell(
                "vectorizer = CountVectorizer()\nX = vectorizer.fit_transform(texts)", "features"
            ),
            _cell("nb = MultinomialNB().fit(X, labels)\naccuracy = nb.score(X, labels)", "train"),
        ],
        {"X": "sparse"},
    ),
    "models": (
        [
            _cell(
                "X, y = load_breast_cancer(return_X_y=True)\n"
                "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
                "load",
            ),
            _cell(
                "models = [('tree', DecisionTreeClassifier(max_depth=3, random_state=0)),\n"
                "          ('lgbm', lgb.LGBMClassifier(n_estimators=5, verbose=-1))]\n"
                "for name, m in models:\n    m.fit(X_train, y_train)",
                "train",
            ),
            _cell(
                "aucs = {name: roc_auc_score(y_test, m.predict_proba(X_test)[:, 1]) "
                "for name, m in models}\nbest_auc = max(aucs.values())",
                "evaluate",
            ),
        ],
        {"models": "container"},
    ),
    "lgb_dataset": (
        [
            _cell(
                "X, y = load_breast_cancer(return_X_y=True)\n"
                "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
                "load",
            ),
            _cell("train_set = lgb.Dataset(X_train, label=y_train)", "features"),
            _cell(
                "booster = lgb.train({'objective': 'binary', 'verbose': -1, 'num_leaves': 7,\n"
                "    'deterministic': True, 'num_threads': 1}, train_set, num_boost_round=10)",
                "train",
            ),
            _cell("auc = roc_auc_score(y_test, booster.predict(X_test))", "evaluate"),
        ],
        {"train_set": "memory"},
    ),
}


def _export(folder: Path, name: str) -> Any:
    cells = [_cell(IMPORTS, "load"), *NOTEBOOKS[name][0]]
    path = folder / f"{name}.ipynb"
    nbformat.write(nbf.new_notebook(cells=cells), path)
    return export_notebook(path, name=f"values-{name}".replace("_", "-"), verify=False)


def _notebook_values(name: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in [_cell(IMPORTS, "load"), *NOTEBOOKS[name][0]]:
            exec(cell.source, namespace)
    return namespace


def _run(exported: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.syspath_prepend(str(exported.path / "src"))
    return importlib.import_module(f"{exported.package}.pipeline").run(show_progress=False)


@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_a_notebook_passing_the_value_between_steps_exports_and_runs_twice(
    sqlite_project: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    exported = _export(sqlite_project, name)
    expected = _notebook_values(name)
    first = _run(exported, monkeypatch)
    for variable, kind in NOTEBOOKS[name][1].items():
        assert first.sources[variable][1].kind == kind, variable
    assert first.values and first.cache_hits == 0
    for metric, value in first.values.items():
        assert value == pytest.approx(expected[metric]), metric
    second = _run(exported, monkeypatch)
    assert second.values == first.values
    memory = set(first.in_memory)
    reads_memory = {s.name for s in first.steps if memory & set(_step_inputs(exported, s.name))}
    assert reads_memory == ({"train"} if name == "lgb_dataset" else set())
    hits = {step.name: step.cache_hit for step in second.steps}
    # Every step is served from the cache except those reading a value kept in memory.
    assert hits == {step: step not in reads_memory for step in hits}
    assert second.model_version == first.model_version


def _step_inputs(exported: Any, step: str) -> list[str]:
    manifest = json.loads((exported.path / "src" / exported.package / "manifest.json").read_text())
    return next(s["inputs"] for s in manifest["steps"] if s["name"] == step)


def test_the_readme_says_which_values_are_kept_in_memory_and_why(
    sqlite_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.pipelines.package._readme import update_values_section

    exported = _export(sqlite_project, "lgb_dataset")
    readme = (exported.path / "README.md").read_text()
    assert "never with pickle" in readme and "a `lightgbm.Dataset`) is kept in memory" in readme
    assert "Export with verification to list the values kept in memory" in readme
    manifest_path = exported.path / "src" / exported.package / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    result = _run(exported, monkeypatch)
    # The golden values a verification records: the entry of each step output, as run.
    manifest["golden"] = {
        "steps": {
            step: {n: {"kind": s.kind, "type": s.flavor} for n, s in outputs.items()}
            for step, (_, outputs) in result.step_outputs.items()
        }
    }
    assert update_values_section(exported.path, manifest)
    readme = (exported.path / "README.md").read_text()
    assert "| `train_set` | `features` | `train` | `lightgbm.basic.Dataset` |" in readme
    assert readme.count("## Values between steps") == 1


@pytest.mark.slow
def test_a_verified_export_of_a_notebook_with_an_in_memory_value_reproduces(
    sqlite_project: Path,
) -> None:
    cells = [_cell(IMPORTS, "load"), *NOTEBOOKS["lgb_dataset"][0], *NOTEBOOKS["bunch"][0]]
    path = sqlite_project / "mixed.ipynb"
    nbformat.write(nbf.new_notebook(cells=cells), path)
    exported = export_notebook(path, verify=True, check_randomness=False)
    assert exported.verdict == "reproduced", exported.verdict
