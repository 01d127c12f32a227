"""Notebook functions that read notebook globals: a constant becomes a shared constant, a
step variable is set in the shared module by the steps that use the function, and a global
nothing resolves is an error naming the cell, the line and the variable."""

from __future__ import annotations

import nbformat.v4 as nbf
import pytest

from workbench.pipelines.analysis import AnalysisError, analyze_notebook


def _plan(*cells: str):  # type: ignore[no-untyped-def]
    return analyze_notebook(nbf.new_notebook(cells=[nbf.new_code_cell(c) for c in cells]))


def test_a_path_constant_a_helper_reads_becomes_a_shared_constant() -> None:
    plan = _plan(
        "import os\nimport numpy as np",
        'IMAGES_PATH = os.path.join("images", "ch3")\nos.makedirs(IMAGES_PATH, exist_ok=True)',
        "def save_fig(name):\n    return os.path.join(IMAGES_PATH, name + '.png')",
        "X = np.arange(10.0)\nfigure = save_fig('x')",
    )
    constant = next(d for d in plan.definitions if d.name == "IMAGES_PATH")
    assert constant.kind == "constant"
    assert 'IMAGES_PATH = os.path.join("images", "ch3")' in plan.shared_code
    assert next(d for d in plan.definitions if d.name == "save_fig").constants == ("IMAGES_PATH",)
    # The step that reads it assigns it too, so its cache key covers the value.
    step = next(s for s in plan.steps if "makedirs" in s.source)
    assert step.source.index("IMAGES_PATH = ") < step.source.index("os.makedirs")
    assert all("IMAGES_PATH" not in s.inputs + s.outputs + s.functions for s in plan.steps)
    assert any("`IMAGES_PATH` is read by a function" in w for w in plan.warnings)


def test_a_method_reading_a_variable_of_a_later_cell_gets_it_from_the_steps() -> None:
    plan = _plan(
        "import numpy as np\nfrom sklearn.datasets import load_breast_cancer",
        "class Tree:\n    def fit(self, X, Y):\n        self.n = len(y)\n        return self\n"
        "    def predict(self, X):\n        return np.zeros(len(X)) + len(y)",
        "data = load_breast_cancer()\nx, y = data.data, data.target",
        "model = Tree()\nmodel.fit(x, y)",
        "y_pred = model.predict(x)",
    )
    train, evaluate = plan.steps[-2], plan.steps[-1]
    for step in (train, evaluate):
        assert "y" in step.inputs and "from .. import shared as _shared" in step.imports
        assert step.source.startswith("_shared.y = y")
    assert next(d for d in plan.definitions if d.name == "Tree").variables == ("y",)
    assert any("cell 2, line 3: `Tree` reads the notebook variable `y`" in w for w in plan.warnings)


def test_a_helper_reading_a_name_derived_from_a_setting_follows_the_setting() -> None:
    plan = _plan(
        'RUN = "ridge"',
        'PREFIX = RUN.upper() + "_"',
        "def label(name):\n    return PREFIX + name",
        "title = label('score')",
    )
    assert [p.name for p in plan.parameters] == ["RUN"]
    step = next(s for s in plan.steps if "label(" in s.source)
    assert "RUN" in step.parameters and "_shared.PREFIX = PREFIX" in step.source
    assert all(d.kind != "constant" for d in plan.definitions)


def test_a_global_no_cell_defines_names_the_cell_line_and_variable() -> None:
    with pytest.raises(AnalysisError, match=r"`threshold`, which no cell defines") as error:
        _plan("def flag(v):\n    return v > threshold", "flags = [flag(v) for v in range(3)]")
    assert (error.value.cell, error.value.line) == (0, 2)


def test_a_helper_used_before_its_variable_is_assigned_is_refused() -> None:
    with pytest.raises(AnalysisError, match="reads the notebook variable `scale`") as error:
        _plan(
            "values = [1, 2, 3]",
            "def scaled(v):\n    return v * scale",
            "first = scaled(2)",
            "scale = len(values)\nsecond = scaled(3)",
        )
    assert error.value.cell == 2 and "pass `scale` to `scaled`" in str(error.value)


def test_a_module_function_named_like_a_mutating_method_changes_no_value() -> None:
    """``np.sort(x)`` returns a copy (``values.sort()`` would change ``values``): the module
    is not a value the statement changes, so a helper's constant made with it stays shared."""
    plan = _plan(
        "import numpy as np\nfrom sklearn.datasets import load_diabetes",
        "X, y = load_diabetes(return_X_y=True)",
        "EDGES = np.sort(np.array([3.0, 1.0, 2.0]))",
        "def bucket(v):\n    return np.digitize(v, EDGES)",
        "b = bucket(X[:, 0])",
    )
    assert next(d for d in plan.definitions if d.name == "EDGES").kind == "constant"
    assert all(2 not in s.cells and "EDGES" not in s.outputs for s in plan.steps)
