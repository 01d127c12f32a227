"""Def/use of one top-level statement: what it reads before writing, what it binds, what it
changes in place."""

from __future__ import annotations

import ast

import pytest

from workbench.pipelines.analysis._defuse import DefUse, analyze_statement, function_effects


def defuse(source: str) -> DefUse:
    (node,) = ast.parse(source).body
    return analyze_statement(node)


def test_plain_assignment_reads_the_right_side_and_binds_the_target() -> None:
    du = defuse("a, (b, *c) = f(x, y=z)")
    assert du.reads == {"f", "x", "z"}
    assert du.writes == du.definite_writes == {"a", "b", "c"}
    assert not du.mutates


def test_subscript_assignment_mutates_its_root_and_reads_the_index() -> None:
    du = defuse("df.loc[mask, 'col'] = value")
    assert du.reads == {"df", "mask", "value"}
    assert du.mutates == {"df"}
    assert not du.writes


def test_attribute_assignment_mutates_its_root() -> None:
    du = defuse("model.steps[0].coef_ = w")
    assert du.mutates == {"model"}
    assert du.reads == {"model", "w"}


def test_augmented_assignment_reads_then_rebinds() -> None:
    du = defuse("total += x")
    assert du.reads == {"total", "x"}
    assert du.writes == {"total"}
    assert defuse("counts['a'] += 1").mutates == {"counts"}


def test_del_of_a_name_reads_and_deletes_it_and_del_of_an_item_mutates() -> None:
    du = defuse("del tmp")
    assert du.reads == {"tmp"} and du.deletes == {"tmp"}
    assert defuse("del df['col']").mutates == {"df"}


def test_comprehension_targets_do_not_leak() -> None:
    du = defuse("squares = [i * k for i in items if i > limit]")
    assert du.reads == {"items", "k", "limit"}
    assert du.writes == {"squares"}


def test_nested_comprehension_reads_only_free_names() -> None:
    du = defuse("flat = {k: v for row in rows for k, v in row.items() if v is not None}")
    assert du.reads == {"rows"}


def test_walrus_binds_in_the_enclosing_scope_even_inside_a_comprehension() -> None:
    assert defuse("if (n := len(xs)) > 3:\n    m = n").writes == {"n", "m"}
    du = defuse("ys = [last := x for x in xs]")
    assert du.writes == {"ys", "last"}
    assert du.reads == {"xs"}


def test_a_name_written_earlier_in_the_statement_is_not_a_read() -> None:
    du = defuse("with open(path) as fh:\n    text = fh.read()\n    n = len(text)")
    assert du.reads == {"open", "path", "len"}
    assert du.definite_writes == {"fh", "text", "n"}


def test_for_targets_and_loop_bodies_write_but_not_definitely() -> None:
    du = defuse("for i in range(3):\n    total = i")
    assert du.writes == {"i", "total"}
    assert du.definite_writes == set()
    assert du.reads == {"range"}


def test_a_name_bound_in_only_one_branch_is_not_definitely_written() -> None:
    both = defuse("if c:\n    x = 1\nelse:\n    x = 2")
    one = defuse("if c:\n    x = 1")
    assert both.definite_writes == {"x"}
    assert one.writes == {"x"} and one.definite_writes == set()


def test_try_binds_definitely_only_what_every_handler_binds_too() -> None:
    du = defuse("try:\n    import lightgbm as lgb\nexcept ImportError:\n    lgb = None")
    assert du.definite_writes == {"lgb"}
    assert du.reads == {"ImportError"}


def test_function_definition_binds_its_name_and_reads_its_free_globals() -> None:
    du = defuse(
        "@decorate\n"
        "def scale(values, factor=DEFAULT):\n"
        "    local = [v * factor * GAIN for v in values]\n"
        "    return helper(local)\n"
    )
    assert du.writes == {"scale"}
    assert du.reads == {"decorate", "DEFAULT", "GAIN", "helper"}


def test_class_definition_reads_bases_and_method_globals() -> None:
    du = defuse("class Model(Base):\n    def predict(self, x):\n        return x * WEIGHT")
    assert du.writes == {"Model"}
    assert du.reads == {"Base", "WEIGHT"}


def test_lambda_free_names_are_reads() -> None:
    du = defuse("df2 = df.apply(lambda row: row.a * factor)")
    assert du.reads == {"df", "factor"}


def test_imports_bind_the_names_they_introduce() -> None:
    assert defuse("import os.path").writes == {"os"}
    assert defuse("import numpy as np").writes == {"np"}
    assert defuse("from sklearn.metrics import roc_auc_score as auc, f1_score").writes == {
        "auc",
        "f1_score",
    }


@pytest.mark.parametrize(
    ("source", "mutated"),
    [
        ("df.dropna(inplace=True)", {"df"}),
        ("df['a'].fillna(0, inplace=True)", {"df"}),
        ("model.fit(X, y)", {"model"}),
        ("scaler.partial_fit(batch)", {"scaler"}),
        ("X_train = scaler.fit_transform(X_train)", {"scaler"}),
        ("history.append(loss)", {"history"}),
        ("config.update(extra)", {"config"}),
        ("rng.shuffle(order)", {"order"}),
        ("df.drop(columns=['a'])", set()),
        ("df = df.dropna()", set()),
    ],
)
def test_method_calls_that_change_their_receiver_are_mutations(
    source: str, mutated: set[str]
) -> None:
    du = defuse(source)
    assert du.mutates == mutated
    assert mutated <= du.reads


def test_fitting_a_loop_variable_mutates_the_container() -> None:
    du = defuse("for name, est in models.items():\n    est.fit(X, y)")
    assert du.mutates >= {"models"}


def test_a_notebook_function_that_mutates_an_argument_mutates_the_caller_variable() -> None:
    module = ast.parse(
        "def add_ratio(frame, col='r'):\n    frame[col] = frame.a / frame.b\n"
        "def prepare(frame):\n    add_ratio(frame)\n    return frame.copy()\n"
    )
    functions = [n for n in module.body if isinstance(n, ast.FunctionDef)]
    effects = function_effects(functions)
    assert effects["add_ratio"].mutated == {"frame"}
    assert effects["prepare"].mutated == {"frame"}  # through add_ratio
    call = ast.parse("out = prepare(df)").body[0]
    assert analyze_statement(call, effects).mutates == {"df"}
    assert analyze_statement(ast.parse("out = df.copy()").body[0], effects).mutates == set()


@pytest.mark.parametrize("source", ["exec(code)", "x = eval('1 + 1')", "globals()['y'] = 2"])
def test_dynamic_code_is_reported_as_a_problem(source: str) -> None:
    assert defuse(source).problems


def test_global_written_inside_a_function_is_reported_with_its_line() -> None:
    du = defuse("def bump():\n    global counter\n    counter += 1")
    assert du.problems and du.problems[0][0] == 2
    assert not defuse("def show():\n    global counter\n    return counter").problems
