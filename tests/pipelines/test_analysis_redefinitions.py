"""A function or class defined again, differently, in a later cell: each version is kept in
the shared module under its own name and each use calls the version in force where it is,
as when Jupyter runs the notebook top to bottom."""

from __future__ import annotations

import nbformat.v4 as nbf

from workbench.pipelines.analysis import NotebookPlan, analyze_notebook


def _plan(*cells: str) -> NotebookPlan:
    return analyze_notebook(nbf.new_notebook(cells=[nbf.new_code_cell(c) for c in cells]))


def _source(plan: NotebookPlan, reading: str) -> str:
    return next(s.source for s in plan.steps if reading in s.source)


FIRST = "def true_fun(X):\n    return 1.5 * X + 0.2"
SECOND = "def true_fun(X):\n    return np.cos(1.5 * np.pi * X)"


def test_each_use_calls_the_definition_in_force_where_it_stands() -> None:
    plan = _plan(
        "import numpy as np",
        f"{FIRST}\n\nX_train = np.linspace(0, 1, 5)\ny_train = true_fun(X_train)",
        f"{SECOND}\nX = np.linspace(0, 1, 7)\ny = true_fun(X)",
        "gap = float(np.abs(true_fun(X) - y).sum())",
    )
    assert "def true_fun(X):\n    return 1.5 * X + 0.2" in plan.shared_code
    assert "def true_fun_2(X):\n    return np.cos(1.5 * np.pi * X)" in plan.shared_code
    assert "y_train = true_fun(X_train)" in _source(plan, "y_train")
    assert "y = true_fun_2(X)" in _source(plan, "X = np.linspace(0, 1, 7)")
    assert "true_fun_2(X) - y" in _source(plan, "gap")
    assert [d.name for d in plan.definitions] == ["true_fun", "true_fun_2"]
    assert any(
        w.startswith("cell 3, line 1: `true_fun` is defined again, differently from cell 2, line 1")
        and "kept in the shared module as `true_fun_2`" in w
        for w in plan.warnings
    )


def test_the_same_definition_run_again_is_one_version() -> None:
    plan = _plan(
        "import numpy as np", f"{FIRST}\na = true_fun(1.0)", f"{SECOND}\nb = true_fun(1.0)",
        f"{FIRST}\nc = true_fun(2.0)",
    )  # fmt: skip
    assert [d.name for d in plan.definitions] == ["true_fun", "true_fun_2"]
    assert "c = true_fun(2.0)" in _source(plan, "c = ")


def test_a_use_above_every_definition_gets_the_first_one() -> None:
    plan = _plan(
        "early = double(2)",
        "def double(v):\n    return 2 * v",
        "def double(v):\n    return v + v + 0",
    )
    assert "early = double(2)" in _source(plan, "early")


def test_a_new_name_avoids_names_the_notebook_uses() -> None:
    plan = _plan(
        "def score(v):\n    return v", "score_2 = score(2)",
        "def score(v):\n    return -v", "last = score(3) + score_2",
    )  # fmt: skip
    assert "def score_3(v):" in plan.shared_code
    assert "last = score_3(3) + score_2" in _source(plan, "last")


def test_a_local_name_shadowing_the_function_is_left_alone() -> None:
    plan = _plan(
        "def f(v):\n    return v",
        "def f(v):\n    return v * 10",
        "def apply(f, v):\n    return f(v)",
        "out = apply(f, 3)",
    )
    assert "def apply(f, v):\n    return f(v)" in plan.shared_code
    assert "out = apply(f_2, 3)" in _source(plan, "out")


def test_a_redefined_class_and_a_function_using_a_later_version_are_named() -> None:
    plan = _plan(
        "class Model:\n    kind = 'a'",
        "def make():\n    return Model()",
        "class Model:\n    kind = 'b'",
        "m = make()\nn = Model()",
    )
    assert "class Model_2:" in plan.shared_code
    assert "n = Model_2()" in _source(plan, "m = make()")
    assert any(
        w.startswith("cell 2, line 1: `make` uses `Model`, which cell 3, line 1 defines again")
        for w in plan.warnings
    )
