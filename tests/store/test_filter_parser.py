"""Specification of the run filter language (``workbench.store.filter_parser``)."""

from __future__ import annotations

import pickle
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.store.filter_parser import (
    ATTRIBUTES,
    MAX_DEPTH,
    MAX_FILTER_LENGTH,
    MAX_LIST_VALUES,
    MAX_LITERAL_LENGTH,
    MAX_TERMS,
    STATUSES,
    And,
    Comparison,
    Field,
    FilterError,
    FilterTimeoutError,
    Node,
    Not,
    Or,
    Value,
    parse_filter,
)


def metric(key: str, op: str, value: Value, aggregate: str | None = None) -> Comparison:
    return Comparison(Field("metric", key, aggregate), op, value)


def param(key: str, op: str, value: Value) -> Comparison:
    return Comparison(Field("param", key), op, value)


def tag(key: str, op: str, value: Value) -> Comparison:
    return Comparison(Field("tag", key), op, value)


def attr(key: str, op: str, value: Value) -> Comparison:
    return Comparison(Field("attribute", key), op, value)


def parse_error(text: str) -> FilterError:
    with pytest.raises(FilterError) as caught:
        parse_filter(text)
    return caught.value


def assert_points_at(error: FilterError, text: str, position: int) -> None:
    """The error names the 1-based column and draws a caret under it."""
    assert error.filter == text
    assert error.position == position
    lines = str(error).split("\n")
    assert len(lines) == 3
    assert lines[0].startswith(f"Invalid filter at position {position + 1}: ")
    assert lines[2] == "  " + " " * position + "^"


# -- what parses ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t "])
def test_missing_or_blank_filter_is_none(text: str | None) -> None:
    assert parse_filter(text) is None


def test_mlflow_example() -> None:
    text = (
        "metrics.auc > 0.9 and params.model = 'lgbm' and tags.owner != 'x' "
        "and attributes.status = 'FINISHED'"
    )
    assert parse_filter(text) == And(
        (
            metric("auc", ">", 0.9),
            param("model", "=", "lgbm"),
            tag("owner", "!=", "x"),
            attr("status", "=", "FINISHED"),
        )
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("params.model LIKE 'lgbm%'", param("model", "LIKE", "lgbm%")),
        ("tags.owner ilike '%ANN%'", tag("owner", "ILIKE", "%ANN%")),
        ("params.model NOT LIKE 'x%'", param("model", "NOT LIKE", "x%")),
        ("params.model not ilike 'x%'", param("model", "NOT ILIKE", "x%")),
        ("params.model IN ('lgbm', \"xgb\")", param("model", "IN", ("lgbm", "xgb"))),
        ("params.depth NOT IN (3, 4.5)", param("depth", "NOT IN", (3.0, 4.5))),
        ("metrics.`my key` >= 1", metric("my key", ">=", 1.0)),
        ("params.\"a b\" = 'c'", param("a b", "=", "c")),
        ("metrics.val/loss < 0.25", metric("val/loss", "<", 0.25)),
        ("params.model.lr = '0.1'", param("model.lr", "=", "0.1")),
        ("tags.mlflow.user = 'ann'", tag("mlflow.user", "=", "ann")),
        ("params.v1.2 = 1", param("v1.2", "=", 1.0)),
        ("tags.a-b:c = 'x'", tag("a-b:c", "=", "x")),
        ("metrics.auc == 1", metric("auc", "=", 1.0)),
        ("metrics.auc <> 1", metric("auc", "!=", 1.0)),
        ("metrics.auc<=-2.5e-3", metric("auc", "<=", -2.5e-3)),
        ("metrics.auc > +.5", metric("auc", ">", 0.5)),
        ("metrics.auc > 1.", metric("auc", ">", 1.0)),
        ("metrics.f1 IS NULL", metric("f1", "IS NULL", None)),
        ("tags.note is not null", tag("note", "IS NOT NULL", None)),
        ("params.q = 'it\\'s \\\\ fine'", param("q", "=", "it's \\ fine")),
        ("params.q = 'a\\%b \"x\"'", param("q", "=", 'a\\%b "x"')),
        ('params.q = "say \\"hi\\""', param("q", "=", 'say "hi"')),
        ("metric.a = 1", metric("a", "=", 1.0)),
        ("PARAMETERS.a = 'x'", param("a", "=", "x")),
        ("tag.a = 'x'", tag("a", "=", "x")),
        ("run.run_id = 'abc'", attr("id", "=", "abc")),
    ],
)
def test_comparisons(text: str, expected: Comparison) -> None:
    assert parse_filter(text) == expected


def test_keywords_in_any_case_and_whitespace() -> None:
    expected = And(
        (metric("a", ">", 1.0), Or((metric("b", "<", 2.0), Not(tag("c", "IS NULL", None)))))
    )
    assert parse_filter("metrics.a>1 AnD (metrics.b<2 oR nOt tags.c iS nUlL)") == expected
    assert parse_filter("\n metrics.a > 1\tand\n(metrics.b < 2 or not tags.c is null) ") == expected


# -- precedence -------------------------------------------------------------------------------

A, B, C = metric("a", ">", 1.0), metric("b", ">", 2.0), metric("c", ">", 3.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metrics.a > 1 or metrics.b > 2 and metrics.c > 3", Or((A, And((B, C))))),
        ("metrics.a > 1 and metrics.b > 2 or metrics.c > 3", Or((And((A, B)), C))),
        ("(metrics.a > 1 or metrics.b > 2) and metrics.c > 3", And((Or((A, B)), C))),
        ("not metrics.a > 1 and metrics.b > 2", And((Not(A), B))),
        ("not (metrics.a > 1 and metrics.b > 2)", Not(And((A, B)))),
        ("not not metrics.a > 1", Not(Not(A))),
        ("((metrics.a > 1))", A),
        ("metrics.a > 1 and (metrics.b > 2 and metrics.c > 3)", And((A, B, C))),
        ("(metrics.a > 1 or metrics.b > 2) or metrics.c > 3", Or((A, B, C))),
    ],
)
def test_precedence(text: str, expected: Node) -> None:
    assert parse_filter(text) == expected


# -- fields -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metrics.auc.max >= 0.9", metric("auc", ">=", 0.9, "max")),
        ("metrics.val.loss.MEAN < 1", metric("val.loss", "<", 1.0, "mean")),
        ("metrics.auc.last > 0", metric("auc", ">", 0.0, "last")),
        ("metrics.`val.loss`.min < 1", metric("val.loss", "<", 1.0, "min")),
        ('metrics."val.loss".max < 1', metric("val.loss", "<", 1.0, "max")),
        ("metrics.`auc.max` > 1", metric("auc.max", ">", 1.0)),  # quoted key: literal
        ("metrics.max > 1", metric("max", ">", 1.0)),  # nothing precedes: a key
        ("params.lr.max = '1'", param("lr.max", "=", "1")),  # aggregates are for metrics
    ],
)
def test_metric_aggregates(text: str, expected: Comparison) -> None:
    assert parse_filter(text) == expected


@pytest.mark.parametrize("alias", sorted(ATTRIBUTES))
@pytest.mark.parametrize("prefix", ["attributes", "attribute", "attr", "run"])
def test_attribute_aliases_are_canonical(prefix: str, alias: str) -> None:
    node = parse_filter(f"{prefix}.{alias.upper()} IS NOT NULL")
    assert node == attr(ATTRIBUTES[alias], "IS NOT NULL", None)


def test_status_values_are_upper_cased_and_checked() -> None:
    assert parse_filter("attr.status = 'finished'") == attr("status", "=", "FINISHED")
    assert parse_filter("attr.status not in ('running', 'Failed')") == attr(
        "status", "NOT IN", ("RUNNING", "FAILED")
    )
    assert parse_filter("attr.status LIKE 'RUN%'") == attr("status", "LIKE", "RUN%")
    error = parse_error("attr.status IN ('RUNNING', 'DONE')")
    assert "RUNNING, FINISHED, FAILED, KILLED" in str(error)
    assert_points_at(error, "attr.status IN ('RUNNING', 'DONE')", 15)


def test_unknown_attribute_lists_the_allowed_names() -> None:
    error = parse_error("attributes.colour = 'red'")
    assert_points_at(error, "attributes.colour = 'red'", 11)
    for name in ("id", "name", "status", "start_time", "experiment", "user", "lifecycle"):
        assert name in str(error)


def test_bare_identifier_suggests_prefixes() -> None:
    message = str(parse_error("auc > 0.9"))
    assert all(f"{p}.auc" in message for p in ("metrics", "params", "tags", "attributes"))


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("metrics.auc > ", 14, "expected a value after '>' (got end of input)"),
        ("params.model = 'lgbm", 15, "unterminated string"),
        ('params.model = "lgbm\\"', 15, "unterminated string"),
        ("metrics.`val loss > 1", 8, "unterminated key"),
        ("metrics.auc ~ 1", 12, "unknown operator '~'"),
        ("metrics.auc => 1", 12, "unknown operator '=>'"),
        ("metrics.auc GT 1", 12, "expected an operator"),
        ("metrics.auc", 11, "expected an operator"),
        ("metrics.auc IS 1", 15, "expected NULL after IS"),
        ("metrics.auc NOT 1", 16, "expected LIKE, ILIKE or IN after NOT"),
        ("params.model = lgbm", 15, "quote text values, e.g. 'lgbm'"),
        ("params.lr = 1e", 12, "invalid number"),
        ("params.lr = 1.2.3", 12, "invalid number"),
        ("(metrics.auc > 1", 16, "unbalanced parentheses"),
        ("metrics.a > 1 and (metrics.b > 2 or (metrics.c > 3)", 51, "unbalanced parentheses"),
        ("metrics.auc > 1)", 15, "unbalanced parentheses"),
        ("metrics.auc > 1 params.x = 'a'", 16, "expected AND, OR or the end"),
        ("metrics.auc > 1 and", 19, "expected a comparison"),
        ("() ", 1, "expected a comparison"),
        ("auc > 1", 0, "needs a prefix"),
        ("metric.auc > 1 and foo.bar = 'x'", 19, "unknown prefix 'foo'"),
        ("metrics > 1", 7, "expected '.'"),
        ("metrics. > 1", 8, "expected a key"),
        ("metrics.`` > 1", 8, "the key is empty"),
        ('params."" = 1', 7, "the key is empty"),
        ("metrics.a..b > 1", 10, "empty part in the key"),
        ("metrics.auc. > 1", 12, "empty part in the key"),
        ("metrics.`x`.median > 1", 12, "expected max, min, mean or last"),
        ("tags.`x`.max = 'a'", 9, "apply to metrics only"),
        ("params.model IN ()", 17, "the IN list is empty"),
        ("params.model IN ('a',)", 21, "trailing ','"),
        ("params.model IN ('a' 'b')", 21, "expected ',' or ')'"),
        ("params.model IN ('a'", 20, "expected ',' or ')'"),
        ("params.model IN 'a'", 16, "needs a list in parentheses"),
        ("params.model IN (('a'))", 17, "expected a value"),
        ("params.model LIKE 3", 18, "needs a string pattern"),
        ("metrics.auc = 'high'", 14, "metric values are numbers"),
        ("metrics.auc IN (1, 'x')", 15, "metric values are numbers"),
        ("attributes.status = 'DONE'", 20, "status must be one of"),
    ],
)
def test_errors_point_at_the_problem(text: str, position: int, fragment: str) -> None:
    error = parse_error(text)
    assert fragment in str(error).split("\n")[0]
    assert_points_at(error, text, position)


def test_caret_stays_aligned_for_multiline_filters() -> None:
    text = "metrics.a > 1 and\n\tmetrics.b >"
    error = parse_error(text)
    assert_points_at(error, text, len(text))
    assert str(error).split("\n")[1] == "  metrics.a > 1 and  metrics.b >"


def test_filter_error_is_a_value_error_and_pickles() -> None:
    error = parse_error("metrics.auc > ")
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.position, copy.filter) == (str(error), 14, "metrics.auc > ")


@pytest.mark.parametrize("text", ["(" * 5000, "not " * 5000 + "metrics.a > 1", "(" * 99 + ")"])
def test_deep_nesting_is_a_filter_error(text: str) -> None:
    assert 0 <= parse_error(text).position <= len(text)


def test_moderate_nesting_is_fine() -> None:
    depth = MAX_DEPTH - 1
    assert parse_filter("(" * depth + "metrics.a > 1" + ")" * depth) == A
    assert parse_filter("not " * depth + "metrics.a > 1") is not None


# -- limits and value types -------------------------------------------------------------------


def test_too_many_comparisons_names_the_count_and_the_limit() -> None:
    terms = [f"metrics.m{i} > {i}" for i in range(MAX_TERMS + 7)]
    text = " or ".join(terms)
    error = parse_error(text)
    assert f"the filter has {MAX_TERMS + 7} comparisons; the limit is {MAX_TERMS}" in str(error)
    assert "use IN (...)" in str(error)
    assert error.position == text.index(terms[MAX_TERMS])
    assert len(parse_filter(" or ".join(terms[:MAX_TERMS])).parts) == MAX_TERMS  # type: ignore[union-attr]


def test_too_many_list_values_names_the_count_and_the_limit() -> None:
    half = MAX_LIST_VALUES // 2 + 1
    values = ", ".join(["1"] * half)
    text = f"params.a IN ({values}) and params.b IN ({values})"
    error = parse_error(text)
    assert f"the IN lists hold {2 * half} values; the limit is {MAX_LIST_VALUES}" in str(error)
    assert error.position == len(text) - 1  # the ')' of the list that went past the limit


def test_too_long_filter_and_literals() -> None:
    text = "params.a = '" + "x" * MAX_FILTER_LENGTH + "'"
    assert f"the filter is {len(text)} characters long" in str(parse_error(text))
    long_value = "params.a LIKE '" + "x" * (MAX_LITERAL_LENGTH + 1) + "'"
    error = parse_error(long_value)
    assert f"{MAX_LITERAL_LENGTH + 1} characters long; the limit is {MAX_LITERAL_LENGTH}" in str(
        error
    )
    assert error.position == 14
    assert parse_error("tags.`" + "k" * (MAX_LITERAL_LENGTH + 1) + "` = 'x'").position == 5


def test_long_filter_errors_show_a_window_around_the_caret() -> None:
    text = "metrics.a > 1 and " * 300 + "metrics.b >"
    lines = str(parse_error(text)).split("\n")
    assert len(lines[1]) < 150
    assert lines[1].startswith("  …") and lines[1].endswith("metrics.b >")
    assert lines[2].index("^") == len(lines[1])  # under the end of the filter


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("tags.a = 'x\x00y'", 11, "the NUL character"),
        ("params.`a\x00` = 'x'", 9, "the NUL character"),
        ("tags.a = '\ud800'", 10, "a lone surrogate"),
        ("metrics.a > 1e999", 12, "this number is out of range"),
        ("attributes.experiment_id = 'abc'", 27, "experiment ids are whole numbers"),
        ("attributes.experiment_id = 1e30", 27, "experiment ids are whole numbers"),
        ("attributes.experiment_id IN (1, 2.5)", 28, "(got 2.5)"),
        ("attributes.experiment_id LIKE '1%'", 30, "LIKE compares text"),
        ("attributes.start_time > 'abc'", 24, "attributes.start_time is a time"),
        ("attributes.end_time IN ('2024-01-01', 'soon')", 23, "(got 'soon')"),
        ("tags.a LIKE 'x\\\\'", 12, "cannot end with a lone '\\'"),
    ],
)
def test_values_of_the_wrong_type_or_range(text: str, position: int, fragment: str) -> None:
    error = parse_error(text)
    assert fragment in str(error).split("\n")[0]
    assert error.position == position


def test_numeric_attributes_take_numbers_and_times_take_iso_dates() -> None:
    assert parse_filter("attr.experiment_id IN (1, 2)") == attr("experiment_id", "IN", (1.0, 2.0))
    assert parse_filter("attr.start_time >= '2024-05-01'") == attr("start_time", ">=", 1714521600.0)
    assert parse_filter("attr.end_time < '2024-05-01T02:00:00+02:00'") == attr(
        "end_time", "<", 1714521600.0
    )
    assert parse_filter("tags.a LIKE '100\\\\%'") == tag("a", "LIKE", "100\\%")


def test_timeout_error_is_a_filter_error_and_pickles() -> None:
    error = FilterTimeoutError("The search ran for longer than 2 s", "metrics.a > 1")
    assert isinstance(error, FilterError)
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.filter) == ("The search ran for longer than 2 s", "metrics.a > 1")


# -- properties -------------------------------------------------------------------------------

STORABLE = st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))
SAFE_KEY = st.text("abcXYZ019_-/.:", min_size=1, max_size=10)
ANY_KEY = st.text(STORABLE, min_size=1, max_size=10)
NUMBERS = st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(10**9), 10**9).map(float)
STRINGS = st.text(STORABLE, max_size=10)
PATTERNS = STRINGS.filter(lambda text: (len(text) - len(text.rstrip("\\"))) % 2 == 0)
EXPERIMENT_IDS = st.integers(-(2**31) + 1, 2**31 - 1).map(float)
SCALARS = NUMBERS | STRINGS
ORDER_OPS = ["=", "!=", "<", "<=", ">", ">="]
PATTERN_OPS = ["LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE"]


@st.composite
def comparisons(draw: st.DrawFn) -> Comparison:
    kind = draw(st.sampled_from(["metric", "param", "tag", "attribute"]))
    if kind == "attribute":
        key = ATTRIBUTES[draw(st.sampled_from(sorted(ATTRIBUTES)))]
        field = Field(kind, key)
    else:
        aggregate = draw(st.sampled_from([None, "max", "min", "mean", "last"]))
        field = Field(kind, draw(SAFE_KEY | ANY_KEY), aggregate if kind == "metric" else None)
    null_op = draw(st.sampled_from(["IS NULL", "IS NOT NULL"]))
    if field.key == "status":
        op = draw(st.sampled_from(["=", "!=", "IN", "NOT IN", "LIKE", null_op]))
        status = st.sampled_from(STATUSES)
        statuses: st.SearchStrategy[Value] = st.lists(status, min_size=1, max_size=4).map(tuple)
        value = draw(statuses if op in ("IN", "NOT IN") else PATTERNS if op == "LIKE" else status)
        return Comparison(field, op, None if op == null_op else value)
    numeric = kind == "metric" or field.key in ("experiment_id", "start_time", "end_time")
    scalar = (EXPERIMENT_IDS if field.key == "experiment_id" else NUMBERS) if numeric else SCALARS
    ops = ORDER_OPS + ["IN", "NOT IN", null_op] + ([] if numeric else PATTERN_OPS)
    op = draw(st.sampled_from(ops))
    if op in ("IN", "NOT IN"):
        return Comparison(field, op, tuple(draw(st.lists(scalar, min_size=1, max_size=4))))
    if op in PATTERN_OPS:
        return Comparison(field, op, draw(PATTERNS))
    return Comparison(field, op, None if op == null_op else draw(scalar))


def _pair(children: st.SearchStrategy[Node]) -> st.SearchStrategy[tuple[Node, ...]]:
    return st.lists(children, min_size=2, max_size=3).map(tuple)


trees: st.SearchStrategy[Node] = st.recursive(
    comparisons(),
    lambda children: st.one_of(
        _pair(children).map(And), _pair(children).map(Or), children.map(Not)
    ),
    max_leaves=8,
)


def normalise(node: Node) -> Node:
    """What the parser returns for ``node``: nested And/Or of the same kind are flattened."""
    if isinstance(node, Not):
        return Not(normalise(node.part))
    if isinstance(node, And | Or):
        parts: list[Node] = []
        for part in map(normalise, node.parts):
            parts.extend(part.parts if type(part) is type(node) else (part,))
        return type(node)(tuple(parts))
    return node


PREFIX_ALIASES = {
    "metric": ["metrics", "metric"],
    "param": ["params", "param", "parameter", "parameters"],
    "tag": ["tags", "tag"],
    "attribute": ["attributes", "attribute", "attr", "run"],
}
BARE_PART = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-/:"


def _quote(text: str, quote: str) -> str:
    return quote + text.replace("\\", "\\\\").replace(quote, "\\" + quote) + quote


class Renderer:
    """Writes a tree as filter text, varying spelling (case, aliases, spacing, quoting)."""

    def __init__(self, data: st.DataObject) -> None:
        self.draw = data.draw

    def case(self, word: str) -> str:
        change: Callable[[str], str] = self.draw(st.sampled_from([str.lower, str.upper, str.title]))
        return change(word)

    def space(self, optional: bool = False) -> str:
        return self.draw(st.sampled_from(([""] if optional else []) + [" ", "  ", "\t", "\n "]))

    def field(self, field: Field) -> str:
        prefix = self.case(self.draw(st.sampled_from(PREFIX_ALIASES[field.kind])))
        if field.kind == "attribute":
            alias = self.draw(st.sampled_from([a for a, c in ATTRIBUTES.items() if c == field.key]))
            return f"{prefix}.{self.case(alias)}"
        parts = field.key.split(".")
        bare = all(p and set(p) <= set(BARE_PART) for p in parts)
        if field.kind == "metric" and field.aggregate is None and len(parts) > 1:
            bare = bare and parts[-1].lower() not in ("max", "min", "mean", "last")
        if bare and self.draw(st.booleans()):
            key = field.key
        elif "`" not in field.key and self.draw(st.booleans()):
            key = f"`{field.key}`"
        else:
            key = _quote(field.key, '"')
        suffix = f".{self.case(field.aggregate)}" if field.aggregate else ""
        return f"{prefix}.{key}{suffix}"

    def scalar(self, value: str | float, fold: bool = False) -> str:
        if isinstance(value, str):
            quote = self.draw(st.sampled_from("'\""))
            return _quote(self.case(value) if fold else value, quote)
        if value.is_integer() and abs(value) < 1e15 and self.draw(st.booleans()):
            return str(int(value))
        return repr(value)

    def comparison(self, node: Comparison) -> str:
        field = self.field(node.field)
        fold = node.field.key == "status" and node.op in ("=", "!=", "IN", "NOT IN")
        if node.op in ORDER_OPS:
            assert isinstance(node.value, str | float)
            spellings = {"=": ["=", "=="], "!=": ["!=", "<>"]}.get(node.op, [node.op])
            around = self.space(optional=True)
            value = self.scalar(node.value, fold)
            return f"{field}{around}{self.draw(st.sampled_from(spellings))}{around}{value}"
        op = " ".join(self.case(word) for word in node.op.split())
        if isinstance(node.value, tuple):
            comma = f",{self.space(optional=True)}"
            items = comma.join(self.scalar(v, fold) for v in node.value)
            return f"{field}{self.space()}{op}{self.space()}({items})"
        value = "" if node.value is None else self.space() + self.scalar(node.value)
        return f"{field}{self.space()}{op}{value}"

    def node(self, node: Node, grouped: bool = False) -> str:
        """``grouped``: the context needs parentheses; otherwise add some at random."""
        text = self.bare(node)
        return f"({text})" if grouped or self.draw(st.integers(0, 5)) == 0 else text

    def bare(self, node: Node) -> str:
        if isinstance(node, Comparison):
            return self.comparison(node)
        if isinstance(node, Not):
            inner = self.node(node.part, grouped=isinstance(node.part, And | Or))
            return f"{self.case('not')}{self.space()}{inner}"
        word = self.case("and" if isinstance(node, And) else "or")
        texts = [self.node(p, isinstance(node, And) and isinstance(p, Or)) for p in node.parts]
        return f"{self.space()}{word}{self.space()}".join(texts)


@settings(max_examples=400, deadline=None)
@given(tree=trees, data=st.data())
def test_round_trip(tree: Node, data: st.DataObject) -> None:
    text = Renderer(data).node(tree)
    assert parse_filter(text) == normalise(tree)


def check_fails_cleanly(text: str) -> None:
    try:
        node = parse_filter(text)
    except FilterError as error:
        assert 0 <= error.position <= len(text)
        assert error.filter == text
        _, shown, caret = str(error).split("\n")
        assert caret.strip() == "^"
        # The caret stands under the offending character (long filters show a window of it).
        after = shown[len(caret) - 1 :].removesuffix("…")
        expected = "".join(" " if char.isspace() else char for char in text[error.position :])
        assert after == expected[: len(after)]
        assert after or error.position == len(text)
    else:
        assert node is None or isinstance(node, Comparison | And | Or | Not)


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_fuzz_arbitrary_text(text: str) -> None:
    check_fails_cleanly(text)


FRAGMENTS = [
    "metrics", "params", "tags", "attributes", "attr", ".", "auc", "status", "max", "`", '"', "'",
    "\\", "(", ")", ",", " ", "AND", "or", "not", "IN", "IS", "NULL", "LIKE", "=", "<", ">", "!",
    "~", "1", "-", "e", ".5", "'FINISHED'", "val/loss", "\n", "é", "٣",
]  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join))
def test_fuzz_grammar_fragments(text: str) -> None:
    check_fails_cleanly(text)


@settings(max_examples=300, deadline=None)
@given(tree=trees, data=st.data())
def test_truncated_filters_parse_or_fail_cleanly(tree: Node, data: st.DataObject) -> None:
    text = Renderer(data).node(tree)
    check_fails_cleanly(text[: data.draw(st.integers(0, len(text)))])
