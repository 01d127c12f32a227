"""Parser for run filters: MLflow's syntax plus OR, NOT, parentheses and metric aggregates.

>>> parse_filter("metrics.auc > 0.9 and params.model = 'lgbm'")  # doctest: +ELLIPSIS
And(parts=(Comparison(field=Field(kind='metric', key='auc', aggregate=None), op='>', ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

PREFIXES = {
    "metrics": "metric", "metric": "metric",
    "params": "param", "param": "param", "parameter": "param", "parameters": "param",
    "tags": "tag", "tag": "tag",
    "attributes": "attribute", "attribute": "attribute", "attr": "attribute", "run": "attribute",
}  # fmt: skip
ATTRIBUTES = {
    "id": "id", "run_id": "id", "name": "name", "run_name": "name", "status": "status",
    "start_time": "start_time", "end_time": "end_time", "experiment": "experiment",
    "experiment_name": "experiment", "experiment_id": "experiment_id", "parent_id": "parent_id",
    "parent_run_id": "parent_id", "user": "user", "user_id": "user", "source": "source",
    "git_commit": "git_commit", "lifecycle": "lifecycle", "lifecycle_stage": "lifecycle",
}  # fmt: skip
AGGREGATES = ("max", "min", "mean", "last")
STATUSES = ("RUNNING", "FINISHED", "FAILED", "KILLED")


class FilterError(ValueError):
    """A filter that cannot be parsed; says where (``position`` is 0-based)."""

    def __init__(self, message: str, text: str, position: int) -> None:
        self.filter = text
        self.position = max(0, min(position, len(text)))
        caret = " " * self.position + "^"
        super().__init__(
            f"Invalid filter at position {self.position + 1}: {message}\n  {text}\n  {caret}"
        )


@dataclass(frozen=True)
class Field:
    kind: str  # "metric" | "param" | "tag" | "attribute"
    key: str
    aggregate: str | None = None


Value = Union[str, float, tuple[Union[str, float], ...], None]  # noqa: UP007


@dataclass(frozen=True)
class Comparison:
    field: Field
    op: str
    value: Value


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    part: Node


Node = Union[Comparison, And, Or, Not]  # noqa: UP007

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![\w.]))
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<backtick>`[^`]*`)
  | (?P<op><=|>=|!=|<>|==|=|<|>)
  | (?P<punct>[(),.])
  | (?P<word>[A-Za-z0-9_/\-:]+)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    pos: int


def _tokenize(text: str) -> list[_Token]:
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            char = text[pos]
            if char in "'\"`":
                raise FilterError(f"unterminated {char} quote", text, pos)
            raise FilterError(f"unexpected character {char!r}", text, pos)
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(_Token(kind, match.group(), pos))
        pos = match.end()
    return tokens


def _unquote(token: str) -> str:
    body = token[1:-1]
    return re.sub(r"\\(.)", r"\1", body) if token[0] != "`" else body


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def error(self, message: str, token: _Token | None = None) -> FilterError:
        token = token if token is not None else self.peek()
        pos = token.pos if token is not None else len(self.text)
        got = f"got {token.text!r}" if token is not None else "got end of input"
        return FilterError(f"{message} ({got})", self.text, pos)

    def keyword(self, *words: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "word" and token.text.upper() in words:
            self.i += 1
            return True
        return False

    def expect_punct(self, char: str, message: str) -> None:
        token = self.peek()
        if token is None or token.text != char:
            raise self.error(message)
        self.i += 1

    def parse(self) -> Node:
        node = self.parse_or()
        token = self.peek()
        if token is not None:
            raise self.error("expected AND, OR or the end of the filter", token)
        return node

    def parse_or(self) -> Node:
        parts = [self.parse_and()]
        while self.keyword("OR"):
            parts.append(self.parse_and())
        return _combine(Or, parts)

    def parse_and(self) -> Node:
        parts = [self.parse_unary()]
        while self.keyword("AND"):
            parts.append(self.parse_unary())
        return _combine(And, parts)

    def parse_unary(self) -> Node:
        token = self.peek()
        if token is None:
            raise self.error("expected a comparison such as metrics.auc > 0.9")
        if self.keyword("NOT"):
            return Not(self.parse_unary())
        if token.text == "(":
            self.i += 1
            node = self.parse_or()
            self.expect_punct(")", f"expected ')' to close the '(' at position {token.pos + 1}")
            return node
        return self.parse_comparison()

    def parse_field(self) -> Field:
        token = self.peek()
        if token is None or token.kind != "word":
            raise self.error("expected a field such as metrics.auc, params.lr or tags.owner")
        kind = PREFIXES.get(token.text.lower())
        if kind is None:
            raise self.error(
                "expected a field prefix: metrics., params., tags. or attributes.", token
            )
        self.i += 1
        self.expect_punct(".", f"expected '.' and a key after {token.text!r}")
        key_token = self.peek()
        if key_token is None or key_token.kind not in ("word", "backtick", "string", "number"):
            raise self.error(f"expected a key after '{token.text}.'", key_token)
        quoted = key_token.kind in ("backtick", "string")
        key = _unquote(key_token.text) if quoted else key_token.text
        self.i += 1
        # Bare keys may contain dots (tags.mlflow.user); glue adjacent '.word' tokens back.
        while not quoted and self._glued("."):
            self.i += 1
            nxt = self.peek()
            if nxt is None or nxt.kind not in ("word", "number") or not self._adjacent(nxt):
                raise self.error("expected a key part after '.'")
            key += "." + nxt.text.lstrip(".")
            self.i += 1
        aggregate = None
        if quoted and self._glued("."):
            self.i += 1
            nxt = self.peek()
            if nxt is None or nxt.text.lower() not in AGGREGATES:
                raise self.error("expected max, min, mean or last after the quoted key")
            aggregate = nxt.text.lower()
            self.i += 1
        if not key:
            raise self.error("the key is empty", key_token)
        if kind == "metric" and not quoted and "." in key:
            head, _, tail = key.rpartition(".")
            if tail.lower() in AGGREGATES and head:
                key, aggregate = head, tail.lower()
        if kind != "metric" and aggregate is not None:
            raise self.error("aggregates (.max, .min, .mean, .last) apply to metrics only")
        if kind == "attribute":
            canonical = ATTRIBUTES.get(key.lower())
            if canonical is None:
                allowed = ", ".join(sorted(set(ATTRIBUTES.values())))
                raise FilterError(f"unknown attribute {key!r}; use one of: {allowed}", self.text,
                                  key_token.pos)  # fmt: skip
            key = canonical
        return Field(kind, key, aggregate)

    def _glued(self, char: str) -> bool:
        token = self.peek()
        return token is not None and token.text == char and self._adjacent(token)

    def _adjacent(self, token: _Token) -> bool:
        previous = self.tokens[self.i - 1]
        return previous.pos + len(previous.text) == token.pos

    def parse_operator(self) -> str:
        token = self.peek()
        if token is not None and token.kind == "op":
            self.i += 1
            return {"==": "=", "<>": "!="}.get(token.text, token.text)
        if self.keyword("LIKE", "ILIKE", "IN"):
            return self.tokens[self.i - 1].text.upper()
        if self.keyword("NOT"):
            if self.keyword("LIKE", "ILIKE", "IN"):
                return "NOT " + self.tokens[self.i - 1].text.upper()
            raise self.error("expected LIKE, ILIKE or IN after NOT")
        if self.keyword("IS"):
            negated = self.keyword("NOT")
            if not self.keyword("NULL"):
                raise self.error("expected NULL after IS")
            return "IS NOT NULL" if negated else "IS NULL"
        raise self.error("expected an operator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, IS NULL)")

    def parse_scalar(self, op: str) -> str | float:
        token = self.peek()
        if token is None or token.kind not in ("number", "string"):
            raise self.error(f"expected a value after {op!r}")
        self.i += 1
        return float(token.text) if token.kind == "number" else _unquote(token.text)

    def parse_list(self, op: str) -> tuple[str | float, ...]:
        self.expect_punct("(", f"expected a list such as ('a', 'b') after {op}")
        values = [self.parse_scalar(op)]
        while self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
            self.i += 1
            values.append(self.parse_scalar(op))
        self.expect_punct(")", "expected ',' or ')' in the list")
        return tuple(values)

    def parse_comparison(self) -> Comparison:
        start = self.peek()
        field = self.parse_field()
        op_token = self.peek()
        op = self.parse_operator()
        value: Value = None
        if op in ("IN", "NOT IN"):
            value = self.parse_list(op)
        elif op not in ("IS NULL", "IS NOT NULL"):
            value = self.parse_scalar(op)
        if op in ("LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE") and not isinstance(value, str):
            raise self.error(f"{op} needs a string pattern such as 'lgbm%'", op_token)
        if field.kind == "metric" and (
            isinstance(value, str)
            or (isinstance(value, tuple) and any(isinstance(v, str) for v in value))
        ):
            raise FilterError(
                f"metric values are numbers: compare {field.key!r} with a number", self.text,
                start.pos if start else 0,
            )  # fmt: skip
        if field.kind == "attribute" and field.key == "status" and value is not None:
            value = self._status(value, op_token)
        return Comparison(field, op, value)

    def _status(self, value: Value, token: _Token | None) -> Value:
        values = value if isinstance(value, tuple) else (value,)
        upper = tuple(str(v).upper() for v in values)
        for v in upper:
            if v not in STATUSES:
                raise self.error(f"status must be one of {', '.join(STATUSES)}, not {v!r}", token)
        return upper if isinstance(value, tuple) else upper[0]


def _combine(kind: type[And] | type[Or], parts: list[Node]) -> Node:
    flat: list[Node] = []
    for part in parts:
        flat.extend(part.parts if isinstance(part, kind) else (part,))
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


def parse_filter(text: str | None) -> Node | None:
    """Parse a filter; None for an empty one. Raises :class:`FilterError` with the position."""
    if text is None or not text.strip():
        return None
    return _Parser(text).parse()
