"""A notebook becomes a step plan: steps with their inputs and outputs, parameters, shared
code, and clear errors for what cannot be exported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat import v4 as nbf

from workbench.pipelines.analysis import AnalysisError, NotebookPlan, analyze_notebook


def md(text: str) -> Any:
    return nbf.new_markdown_cell(text)


def notebook(*cells: Any) -> Any:
    """Code cells from strings, tagged code cells from (source, tags), other cells as given."""
    built = []
    for cell in cells:
        if isinstance(cell, tuple):
            built.append(nbf.new_code_cell(cell[0], metadata={"tags": cell[1]}))
        elif isinstance(cell, str):
            built.append(nbf.new_code_cell(cell))
        else:
            built.append(cell)
    return nbf.new_notebook(cells=built)


def flows(plan: NotebookPlan) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    return {step.name: (step.inputs, step.outputs) for step in plan.steps}


BREAST_CANCER = notebook(
    md("# Breast cancer: logistic regression"),
    "%matplotlib inline\n"
    "import matplotlib.pyplot as plt\n"
    "from sklearn.datasets import load_breast_cancer\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "from sklearn.metrics import roc_auc_score\n"
    "from sklearn.model_selection import train_test_split\n"
    "from sklearn.preprocessing import StandardScaler",
    "SEED = 42\nTEST_SIZE = 0.25\nC = 0.5",
    "data = load_breast_cancer(as_frame=True)\ndf = data.frame\ndf.head()",
    "df.describe()\nfig, ax = plt.subplots()\nax.hist(df['mean radius'])\nplt.show()",
    "X = df.drop(columns=['target'])\ny = df['target']\n"
    "X_train, X_test, y_train, y_test = train_test_split(\n"
    "    X, y, test_size=TEST_SIZE, random_state=SEED, stratify=y\n)",
    "scaler = StandardScaler()\nX_train = scaler.fit_transform(X_train)\n"
    "X_test = scaler.transform(X_test)",
    "model = LogisticRegression(C=C, max_iter=1000)\nmodel.fit(X_train, y_train)",
    "proba = model.predict_proba(X_test)[:, 1]\nauc = roc_auc_score(y_test, proba)\n"
    "print(f'AUC {auc:.3f}')",
)


def test_a_realistic_notebook_becomes_load_features_train_evaluate() -> None:
    plan = analyze_notebook(BREAST_CANCER)
    assert [(s.name, s.role, s.cells) for s in plan.steps] == [
        ("load", "load", (3,)),
        ("features", "features", (5, 6)),
        ("train", "train", (7,)),
        ("evaluate", "evaluate", (8,)),
    ]
    assert flows(plan) == {
        "load": ((), ("df",)),
        "features": (("df",), ("X_test", "X_train", "y_test", "y_train")),
        "train": (("X_train", "y_train"), ("model",)),
        "evaluate": (("X_test", "model", "y_test"), ("auc",)),
    }
    assert plan.step("train").imports == ("from sklearn.linear_model import LogisticRegression",)
    assert plan.step("features").parameters == ("SEED", "TEST_SIZE")
    assert plan.step("train").source == (
        "model = LogisticRegression(C=C, max_iter=1000)\nmodel.fit(X_train, y_train)"
    )
    assert [(p.name, p.value, p.type) for p in plan.parameters] == [
        ("SEED", 42, "int"),
        ("TEST_SIZE", 0.25, "float"),
        ("C", 0.5, "float"),
    ]
    assert plan.cell_map == {
        0: "markdown",
        1: "imports",
        2: "parameters",
        3: "load",
        4: "display",
        5: "features",
        6: "features",
        7: "train",
        8: "evaluate",
    }


def test_display_code_is_dropped_with_a_warning_but_a_bare_fit_is_kept() -> None:
    plan = analyze_notebook(BREAST_CANCER)
    assert "df.head()" not in plan.step("load").source
    assert "print" not in plan.step("evaluate").source
    assert "model.fit(X_train, y_train)" in plan.step("train").source
    dropped = [w for w in plan.warnings if "display-only" in w]
    assert "cell 4, line 3: dropped display-only code `df.head()`" in dropped
    assert any(w.startswith("cell 5, line 2") and "plt.subplots" in w for w in dropped)
    assert any("cell 2, line 1: removed the magic `%matplotlib inline`" in w for w in plan.warnings)


def test_the_same_notebook_gives_the_same_fingerprint_from_a_file_too(tmp_path: Path) -> None:
    path = tmp_path / "churn.ipynb"
    nbformat.write(BREAST_CANCER, str(path))
    first, second = analyze_notebook(path), analyze_notebook(str(path))
    assert first.fingerprint == second.fingerprint == analyze_notebook(BREAST_CANCER).fingerprint
    assert len(first.fingerprint) == 64


def test_a_code_change_changes_the_fingerprint_but_a_comment_does_not() -> None:
    base = notebook("import pandas as pd", "df = pd.read_csv('a.csv')", "n = len(df)")
    commented = notebook(
        "import pandas as pd",
        "# the raw data\ndf = pd.read_csv('a.csv')  # all rows",
        "n = len(df)",
    )
    changed = notebook("import pandas as pd", "df = pd.read_csv('b.csv')", "n = len(df)")
    fingerprint = analyze_notebook(base).fingerprint
    assert analyze_notebook(commented).fingerprint == fingerprint
    assert analyze_notebook(changed).fingerprint != fingerprint
    assert "# the raw data" in analyze_notebook(commented).step("load").source


def sections(last: str, scale: str = "b = [v * 2 for v in a]") -> Any:
    return notebook(md("## Load"), "a = list(range(10))", md("## Scale"), scale, md("## Sum"), last)


def test_interface_changes_when_a_step_reads_a_new_input() -> None:
    old = analyze_notebook(sections("total = sum(b)"))
    new = analyze_notebook(sections("total = sum(b) + sum(a)"))
    assert old.interface() == {
        "load": {"inputs": [], "outputs": ["a"]},
        "scale": {"inputs": ["a"], "outputs": ["b"]},
        "sum": {"inputs": ["b"], "outputs": []},
        "parameters": {},
    }
    assert new.interface()["sum"] == {"inputs": ["a", "b"], "outputs": []}
    assert new.interface() != old.interface()


def test_a_code_only_change_keeps_the_interface_and_changes_the_fingerprint() -> None:
    old = analyze_notebook(sections("total = sum(b)"))
    new = analyze_notebook(sections("total = sum(b)", scale="b = [v * 3 for v in a]"))
    assert new.interface() == old.interface()
    assert new.fingerprint != old.fingerprint


# -- step boundaries ---------------------------------------------------------------------


def test_step_tags_define_steps_and_untagged_cells_continue_them() -> None:
    plan = analyze_notebook(
        notebook(
            ("import pandas as pd\nsource = 'data.csv'", ["parameters"]),
            ("raw = pd.read_csv(source)", ["step:ingest"]),
            ("raw = raw.rename(columns=str.lower)", ["step:ingest"]),
            "raw['ratio'] = raw.a / raw.b",
            ("raw.to_parquet('debug.parquet')", ["skip"]),
            ("summary = raw.describe().T", ["step:Summarise it!"]),
        )
    )
    assert [(s.name, s.cells) for s in plan.steps] == [
        ("ingest", (1, 2, 3)),
        ("summarise_it", (5,)),
    ]
    assert plan.step("ingest").role == "load"
    assert plan.cell_map[0] == "parameters" and plan.cell_map[4] == "skip"
    assert "to_parquet" not in "".join(s.source for s in plan.steps)
    assert [(p.name, p.value, p.type) for p in plan.parameters] == [("source", "data.csv", "str")]


def test_a_step_tag_named_after_a_role_sets_the_role() -> None:
    plan = analyze_notebook(notebook(("total = 1 + 2", ["step:evaluate"])))
    assert [(s.name, s.role) for s in plan.steps] == [("evaluate", "evaluate")]


def test_markdown_headings_start_steps_named_after_them() -> None:
    plan = analyze_notebook(
        notebook(
            md("# Churn\nSome words."),
            "import pandas as pd",
            md("## 1. Load the data"),
            "df = pd.read_csv('churn.csv')",
            "df = df.dropna()",
            md("### a detail, not a step"),
            "df['x2'] = df.x ** 2",
            md("## 2. Class"),
            "counts = df.y.value_counts()",
        )
    )
    assert [(s.name, s.role, s.cells) for s in plan.steps] == [
        ("load_the_data", "load", (3, 4, 6)),
        ("class_", "features", (8,)),
    ]


def test_a_single_title_heading_does_not_make_one_big_step() -> None:
    plan = analyze_notebook(
        notebook(
            md("# My experiment"),
            "from sklearn.datasets import make_classification\n"
            "from sklearn.tree import DecisionTreeClassifier",
            "X, y = make_classification(random_state=0)",
            "clf = DecisionTreeClassifier().fit(X, y)",
        )
    )
    assert [s.name for s in plan.steps] == ["load", "train"]
    assert plan.step("train").outputs == ("clf",)


def test_inferred_roles_merge_consecutive_cells_and_names_stay_unique() -> None:
    plan = analyze_notebook(
        notebook(
            "from sklearn.datasets import load_iris\n"
            "from sklearn.linear_model import LogisticRegression\n"
            "from sklearn.metrics import accuracy_score",
            "X, y = load_iris(return_X_y=True)",
            "X = X[:, :2]",
            "X = X * 2",
            "model = LogisticRegression().fit(X, y)",
            "acc = accuracy_score(y, model.predict(X))",
            "X = X + 1",
            "model2 = LogisticRegression().fit(X, y)",
        )
    )
    assert [(s.name, s.role, s.cells) for s in plan.steps] == [
        ("load", "load", (1,)),
        ("features", "features", (2, 3)),
        ("train", "train", (4,)),
        ("evaluate", "evaluate", (5,)),
        ("features_2", "features", (6,)),
        ("train_2", "train", (7,)),
    ]
    assert plan.step("features_2").inputs == ("X",)
    assert plan.step("evaluate").outputs == ("acc",)


# -- def/use across steps ----------------------------------------------------------------


def test_an_in_place_change_of_an_earlier_variable_is_an_input_and_an_output() -> None:
    plan = analyze_notebook(
        notebook(
            "import pandas as pd\nfrom sklearn.ensemble import RandomForestRegressor",
            "df = pd.read_csv('houses.csv')",
            "df.dropna(inplace=True)\ndf['age'] = 2024 - df.built",
            "model = RandomForestRegressor(random_state=0)",
            "model.fit(df[['age']], df.price)",
        )
    )
    features = plan.step("features")
    assert features.cells == (2, 3)
    assert (features.inputs, features.mutated) == (("df",), ("df",))
    assert features.outputs == ("df", "model")
    train = plan.step("train")
    assert (train.inputs, train.mutated, train.outputs) == (("df", "model"), ("model",), ("model",))


def test_a_variable_written_and_used_inside_one_step_does_not_cross() -> None:
    plan = analyze_notebook(
        notebook("import numpy as np", "tmp = np.arange(5)\nsquares = tmp ** 2", "s = squares")
    )
    (step,) = plan.steps
    assert step.inputs == () and step.outputs == ()


# -- parameters --------------------------------------------------------------------------


def test_parameters_cell_literals_are_typed_parameters() -> None:
    params_cell = (
        "n_estimators = 200\nlearning_rate = 0.05\nmodel_name: str = 'lgbm'\nuse_gpu = False\n"
        "features = ['a', 'b']\ngrid = {'depth': [3, 5]}\nlimit = None\nshape = (2, -3)",
        ["parameters"],
    )
    plan = analyze_notebook(notebook(params_cell, "x = [n_estimators, learning_rate]"))
    assert {p.name: (p.type, p.value) for p in plan.parameters} == {
        "n_estimators": ("int", 200),
        "learning_rate": ("float", 0.05),
        "model_name": ("str", "lgbm"),
        "use_gpu": ("bool", False),
        "features": ("list", ["a", "b"]),
        "grid": ("dict", {"depth": [3, 5]}),
        "limit": ("none", None),
        "shape": ("list", (2, -3)),
    }
    assert plan.parameters[2].cell == 0 and plan.parameters[2].line == 3
    assert plan.step("features").parameters == ("learning_rate", "n_estimators")


def test_a_parameters_cell_with_computed_values_is_an_error() -> None:
    with pytest.raises(AnalysisError, match=r"cell 1, line 2: the `parameters` cell may hold"):
        analyze_notebook(notebook(("seed = 1\nstart = now()", ["parameters"])))


def test_a_reassigned_parameter_is_not_a_parameter() -> None:
    plan = analyze_notebook(
        notebook(
            ("SEED = 1\nrate = 0.1", ["parameters"]),
            ("SEED = 2", ["step:tweak"]),
            ("x = SEED * rate", ["step:use"]),
        )
    )
    assert [p.name for p in plan.parameters] == ["rate"]
    assert any(
        "`SEED` is not a parameter: it is changed again in cell 2" in w for w in plan.warnings
    )
    assert plan.cell_map[0] == "features"  # what is left of the parameters cell is code
    assert plan.step("use").inputs == ("SEED",)


def test_untagged_literal_constants_read_later_become_parameters() -> None:
    plan = analyze_notebook(
        notebook(
            "SEED = 42\nthreshold = 0.5\nunused = 3\nresults = []\ncounter = 0",
            "results.append(SEED * threshold)\ncounter += 1",
        )
    )
    assert [(p.name, p.type) for p in plan.parameters] == [("SEED", "int"), ("threshold", "float")]
    assert plan.step("features").parameters == ("SEED", "threshold")
    assert "results = []" in plan.steps[0].source


# -- shared code -------------------------------------------------------------------------


def test_functions_go_to_shared_code_with_the_globals_they_read() -> None:
    plan = analyze_notebook(
        notebook(
            "import numpy as np\nimport pandas as pd",
            "WINDOW = 3",
            "def smooth(values):\n    return np.convolve(values, np.ones(WINDOW) / WINDOW)",
            "def featurize(frame):\n    frame['s'] = smooth(frame.x)\n    return frame",
            "df = pd.read_csv('x.csv')",
            "df = featurize(df)",
        )
    )
    smooth, featurize = plan.definitions
    assert (smooth.name, smooth.kind, smooth.cell) == ("smooth", "function", 2)
    assert smooth.imports == ("np",) and smooth.parameters == ("WINDOW",)
    assert featurize.definitions == ("smooth",)
    assert plan.shared_code.startswith("import numpy as np\n\n\ndef smooth(values):")
    assert "def featurize(frame):" in plan.shared_code
    assert plan.cell_map[2] == plan.cell_map[3] == "shared"
    step = plan.step("features")
    assert step.functions == ("featurize", "smooth")
    assert step.parameters == ("WINDOW",)
    assert step.mutated == ("df",)  # featurize changes its argument in place


def test_a_helper_defined_after_its_first_use_is_a_warning_not_an_error() -> None:
    plan = analyze_notebook(notebook("total = double(21)", "def double(x):\n    return 2 * x"))
    assert plan.step("features").functions == ("double",)
    assert any(
        w.startswith("cell 1, line 1: `double` is defined later, in cell 2") for w in plan.warnings
    )


# -- magics ------------------------------------------------------------------------------


def test_harmless_magics_and_shell_lines_are_removed_with_a_warning() -> None:
    plan = analyze_notebook(
        notebook(
            "%load_ext autoreload\n%autoreload 2\n!pip install lightgbm",
            "%%time\nimport numpy as np\nx = np.ones(3)\n%timeit x.sum()",
            "df?",
        )
    )
    assert plan.cell_map[0] == "empty"
    assert plan.steps[0].source == "x = np.ones(3)"
    assert [w.split(":")[0] for w in plan.warnings] == [
        "cell 1, line 1",
        "cell 1, line 2",
        "cell 1, line 3",
        "cell 2, line 1",
        "cell 2, line 4",
        "cell 3, line 1",
    ]
    assert "removed the shell command `!pip install lightgbm`" in plan.warnings[2]


# -- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "where", "reason"),
    [
        (["import os", "x = 1\nfrom math import *"], "cell 2, line 2", "import *"),
        (["a = 1", "exec('b = a')"], "cell 2, line 1", "`exec`"),
        (["x = 1\n\ny = eval('x + 1')"], "cell 1, line 3", "`eval`"),
        (["a = 1", "\n%run other.py"], "cell 2, line 2", "`%run`"),
        (["%cd data"], "cell 1, line 1", "`%cd`"),
        (["x = 1", "%store x"], "cell 2, line 1", "`%store`"),
        (["files = !ls"], "cell 1, line 1", "output of a magic or shell command"),
        (["!wget http://example.com/data.csv"], "cell 1, line 1", "`!wget"),
        (["%%bash\necho hi"], "cell 1, line 1", "`%%bash`"),
        (
            ["import pandas as pd", "b = a.sum()", "a = pd.Series([1])"],
            "cell 2, line 1",
            "`a` is used before any cell defines it; cell 3, line 1 defines it later",
        ),
        (["y = x + 1"], "cell 1, line 1", "`x` is used before any cell defines it"),
        (["x = 1", "y = _ * 2"], "cell 2, line 1", "output history"),
        (
            ["def bump():\n    global count\n    count = 1", "bump()"],
            "cell 1, line 2",
            "declares `global count`",
        ),
        (
            ["def n():\n    return len(frame)", "total = n()"],
            "cell 1, line 2",
            "`n` reads `frame`, which no cell defines",
        ),
        (["import numpy as np", "np = 3"], "cell 2, line 1", "`np` is imported in cell 1"),
        (["x = (1"], "cell 1, line 1", "syntax error"),
    ],
)
def test_what_cannot_be_exported_is_an_error_naming_cell_and_line(
    cells: list[str], where: str, reason: str
) -> None:
    with pytest.raises(AnalysisError) as caught:
        analyze_notebook(notebook(*cells))
    assert str(caught.value).startswith(where + ":")
    assert reason in str(caught.value)
    cell, line = where.removeprefix("cell ").split(", line ")
    assert (caught.value.cell, caught.value.line) == (int(cell) - 1, int(line))


def test_a_variable_defined_only_in_a_skipped_cell_is_an_error() -> None:
    with pytest.raises(AnalysisError, match=r"cell 2, line 1: `secret` is used before"):
        analyze_notebook(notebook(("secret = compute()", ["skip"]), "y = secret"))


def test_library_configuration_joins_the_next_step_instead_of_making_its_own() -> None:
    plan = analyze_notebook(
        notebook(
            "import warnings\nimport numpy as np\nimport pandas as pd\n"
            "warnings.filterwarnings('ignore')\nnp.random.seed(0)",
            "df = pd.read_csv('a.csv')",
        )
    )
    (load,) = plan.steps
    assert (load.name, load.cells) == ("load", (0, 1))
    assert load.source.startswith("warnings.filterwarnings('ignore')\nnp.random.seed(0)")
    assert load.imports == ("import warnings", "import numpy as np", "import pandas as pd")


def test_a_heading_inside_a_fenced_code_block_is_not_a_heading() -> None:
    plan = analyze_notebook(
        notebook(
            md("## Prepare"),
            "a = list(range(3))",
            md("Run it like this:\n```bash\n# not a heading\n```"),
            "b = [v + 1 for v in a]",
            md("## Report"),
            "c = sum(b)",
        )
    )
    assert [(s.name, s.cells) for s in plan.steps] == [("prepare", (1, 3)), ("report", (5,))]
