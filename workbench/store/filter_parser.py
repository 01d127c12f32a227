r"""Parser for run filters: MLflow's search syntax plus OR, NOT, parentheses and metric aggregates.

A filter is a boolean expression over comparisons ``<prefix>.<key> <op> <value>``; keywords are
case-insensitive and ``NOT`` binds tighter than ``AND``, which binds tighter than ``OR``.
Errors raise :class:`FilterError`, which points at the offending column.

``LIKE`` / ``ILIKE`` patterns: ``%`` matches any run of characters, ``_`` one character, and
``\`` makes the next character literal (``'100\%'`` matches the text ``100%``), the same on
SQLite and PostgreSQL. ``ILIKE`` ignores case, also outside ASCII (``'ärger'`` finds ``Ärger``).

A filter is bounded so that no search can hang the database: at most :data:`MAX_TERMS`
comparisons, :data:`MAX_DEPTH` levels of ``(`` / ``NOT``, :data:`MAX_LIST_VALUES` values in its
``IN`` lists, :data:`MAX_LITERAL_LENGTH` characters in a key or a text value and
:data:`MAX_FILTER_LENGTH` characters in all; going past one is a :class:`FilterError` naming it.

>>> parse_filter("metrics.auc.max > 0.9 or not tags.owner = 'x'")  # doctest: +NORMALIZE_WHITESPACE
Or(parts=(Comparison(field=Field(kind='metric', key='auc', aggregate='max'), op='>', value=0.9),
          Not(part=Comparison(field=Field(kind='tag', key='owner', aggregate=None), op='=',
                              value='x'))))
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NoReturn, TypeAlias

PREFIXES: dict[str, str] = {
    "metrics": "metric", "metric": "metric",
    "params": "param", "param": "param", "parameter": "param", "parameters": "param",
    "tags": "tag", "tag": "tag",
    "attributes": "attribute", "attribute": "attribute", "attr": "attribute", "run": "attribute",
}  # fmt: skip
ATTRIBUTES: dict[str, str] = {
    "id": "id", "run_id": "id", "name": "name", "run_name": "name", "status": "status",
    "start_time": "start_time", "end_time": "end_time", "experiment": "experiment",
    "experiment_name": "experiment", "experiment_id": "experiment_id", "parent_id": "parent_id",
    "parent_run_id": "parent_id", "user": "user", "user_id": "user", "source": "source",
    "git_commit": "git_commit", "lifecycle": "lifecycle", "lifecycle_stage": "lifecycle",
}  # fmt: skip
AGGREGATES = ("max", "min", "mean", "last")
STATUSES = ("RUNNING", "FINISHED", "FAILED", "KILLED")
MAX_FILTER_LENGTH = 1_000_000  # characters; room for an IN list of 20,000 run ids
MAX_TERMS = 500  # comparisons; each is a column of the compiled query
MAX_DEPTH = 20  # nesting of "(" and NOT; SQLite's parser stack overflows at ~30 AND/OR levels
MAX_LIST_VALUES = 50_000  # values in all IN lists together
MAX_LITERAL_LENGTH = 10_000  # characters in a key or a text value (SQLite: LIKE <= 50,000 bytes)
INTEGER_RANGE = 2**31 - 1  # experiment ids are 32-bit integers on PostgreSQL

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BARE_KEY = re.compile(r"[A-Za-z0-9_\-/:.]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SYMBOLS = re.compile(r"[<>=!~]+")
_GOT = re.compile(r"[A-Za-z0-9_]+|.", re.DOTALL)
_OPERATORS = {"=": "=", "==": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">",
              ">=": ">="}  # fmt: skip
_OPERATOR_HELP = "=, !=, <, <=, >, >=, LIKE, ILIKE, NOT LIKE, NOT ILIKE, IN, NOT IN, IS [NOT] NULL"
_PATTERN_OPS = ("LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE")
_STATUS_OPS = ("=", "!=", "IN", "NOT IN")
_TIMES = ("start_time", "end_time")
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")  # NUL and lone surrogates: no database stores them
_CONTEXT = 60  # characters shown either side of the caret in a long filter


class FilterError(ValueError):
    """A filter that cannot be parsed. ``position`` is 0-based; the message shows it 1-based,
    followed by the filter and a caret under the offending column."""

    def __init__(self, message: str, text: str, position: int) -> None:
        self.reason = message
        self.filter = text
        self.position = max(0, min(position, len(text)))
        start = max(0, self.position - _CONTEXT)
        end = self.position + _CONTEXT
        shown = "".join(" " if char.isspace() else char for char in text[start:end])
        shown = ("…" if start else "") + shown + ("…" if end < len(text) else "")
        caret = self.position - start + (1 if start else 0)
        super().__init__(
            f"Invalid filter at position {self.position + 1}: {message}\n"
            f"  {shown}\n  {' ' * caret}^"
        )

    def __reduce__(self) -> tuple[type[FilterError], tuple[str, str, int]]:
        return (FilterError, (self.reason, self.filter, self.position))


class FilterTimeoutError(FilterError):
    """A search stopped because it ran past the query timeout (``WORKBENCH_QUERY_TIMEOUT``)."""

    def __init__(self, message: str, text: str) -> None:
        self.reason, self.filter, self.position = message, text, 0
        ValueError.__init__(self, message)

    def __reduce__(self) -> tuple[type[FilterTimeoutError], tuple[str, str]]:  # type: ignore[override]
        return (FilterTimeoutError, (self.reason, self.filter))


@dataclass(frozen=True)
class Field:
    kind: str  # "metric" | "param" | "tag" | "attribute"
    key: str  # the metric/param/tag key, or the canonical attribute name
    aggregate: str | None = None  # metrics only: None (latest value) or max|min|mean|last


Value: TypeAlias = str | float | tuple[str | float, ...] | None


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


Node: TypeAlias = Comparison | And | Or | Not


class _Parser:
    """Recursive descent over the raw text; tokens are scanned on demand because what a
    token is depends on context (``val.loss`` is one key, ``.5`` a number)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.depth = 0
        self.terms: list[int] = []  # where each comparison starts
        self.list_values = 0
        self.lists_full_at = -1  # where the IN lists went past MAX_LIST_VALUES

    # -- scanning helpers -------------------------------------------------------------------
    def fail(self, message: str, pos: int | None = None, *, got: bool = True) -> NoReturn:
        pos = self.pos if pos is None else pos
        if got:
            match = _GOT.match(self.text, pos)
            message += f" (got {match.group()!r})" if match else " (got end of input)"
        raise FilterError(message, self.text, pos)

    def skip(self) -> int:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1
        return self.pos

    def at(self, char: str) -> bool:
        return self.text.startswith(char, self.skip())

    def keyword(self, *words: str) -> str | None:
        match = _WORD.match(self.text, self.skip())
        if match is not None and match.group().upper() in words:
            self.pos = match.end()
            return match.group().upper()
        return None

    def string(self) -> str:
        """A quoted string at ``pos``; only the quote and the backslash can be escaped."""
        start, quote, chars = self.pos, self.text[self.pos], []
        i = start + 1
        while i < len(self.text):
            char = self.text[i]
            if char == "\\" and i + 1 < len(self.text) and self.text[i + 1] in (quote, "\\"):
                chars.append(self.text[i + 1])
                i += 2
                continue
            if char == quote:
                self.pos = i + 1
                return self.literal("".join(chars), start)
            chars.append(char)
            i += 1
        self.fail(f"unterminated string: no closing {quote}", start, got=False)

    def literal(self, text: str, start: int) -> str:
        if len(text) > MAX_LITERAL_LENGTH:
            self.fail(f"this text is {len(text)} characters long; the limit is "
                      f"{MAX_LITERAL_LENGTH}", start, got=False)  # fmt: skip
        return text

    # -- grammar ----------------------------------------------------------------------------
    def parse(self) -> Node:
        if len(self.text) > MAX_FILTER_LENGTH:
            self.fail(f"the filter is {len(self.text)} characters long; the limit is "
                      f"{MAX_FILTER_LENGTH} — narrow it", MAX_FILTER_LENGTH, got=False)  # fmt: skip
        bad = _BAD_TEXT.search(self.text)
        if bad is not None:
            name = "the NUL character" if bad.group() == "\x00" else "a lone surrogate"
            self.fail(f"the filter holds {name} ({bad.group()!r}), which no database can store; "
                      "remove it", bad.start(), got=False)  # fmt: skip
        node = self.parse_or()
        if self.skip() < len(self.text):
            if self.at(")"):
                self.fail("unbalanced parentheses: this ')' closes nothing", got=False)
            self.fail("expected AND, OR or the end of the filter")
        if len(self.terms) > MAX_TERMS:
            self.fail(f"the filter has {len(self.terms)} comparisons; the limit is {MAX_TERMS} — "
                      "narrow it, or use IN (...) for many values of one key",
                      self.terms[MAX_TERMS], got=False)  # fmt: skip
        if self.list_values > MAX_LIST_VALUES:
            message = f"the IN lists hold {self.list_values} values; the limit is {MAX_LIST_VALUES}"
            self.fail(f"{message} — narrow the filter", self.lists_full_at, got=False)
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
        start = self.skip()
        if self.depth >= MAX_DEPTH:
            self.fail(f"the filter nests '(' and NOT deeper than the limit of {MAX_DEPTH} levels",
                      got=False)  # fmt: skip
        self.depth += 1
        try:
            if self.keyword("NOT"):
                return Not(self.parse_unary())
            if self.at("("):
                self.pos += 1
                node = self.parse_or()
                if not self.at(")"):
                    self.fail(f"unbalanced parentheses: no ')' for the '(' at position {start + 1}")
                self.pos += 1
                return node
        finally:
            self.depth -= 1
        return self.parse_comparison()

    def parse_comparison(self) -> Comparison:
        self.terms.append(self.skip())
        field = self.parse_field()
        op = self.parse_operator()
        value_pos = self.skip()
        value: Value = None
        if op in ("IN", "NOT IN"):
            value = self.parse_list(op)
        elif not op.startswith("IS "):
            value = self.parse_scalar(repr(op))
        return Comparison(field, op, self.check(field, op, value, value_pos))

    def parse_field(self) -> Field:
        start = self.skip()
        match = _WORD.match(self.text, start)
        if match is None:
            self.fail("expected a comparison such as metrics.auc > 0.9")
        word, after = match.group(), match.end()
        kind = PREFIXES.get(word.lower())
        dotted = self.text.startswith(".", after)
        if kind is None and dotted:
            self.fail(f"unknown prefix {word!r}; use metrics., params., tags. or attributes.",
                      start, got=False)  # fmt: skip
        if kind is None:
            self.fail(f"{word!r} needs a prefix: metrics.{word}, params.{word}, tags.{word} "
                      f"or attributes.{word}", start, got=False)  # fmt: skip
        if not dotted:
            self.fail(f"expected '.' and a key after {word!r}", after)
        self.pos = key_pos = after + 1
        key, quoted = self.parse_key(word)
        aggregate = None
        if quoted and self.text.startswith(".", self.pos):
            agg_pos = self.pos + 1
            match = _WORD.match(self.text, agg_pos)
            if match is None or match.group().lower() not in AGGREGATES:
                self.fail("expected max, min, mean or last after the quoted key", agg_pos)
            if kind != "metric":
                self.fail("aggregates (.max, .min, .mean, .last) apply to metrics only",
                          agg_pos, got=False)  # fmt: skip
            aggregate, self.pos = match.group().lower(), match.end()
        elif kind == "metric" and not quoted:
            head, _, tail = key.rpartition(".")
            if head and tail.lower() in AGGREGATES:
                key, aggregate = head, tail.lower()
        if kind == "attribute":
            canonical = ATTRIBUTES.get(key.lower())
            if canonical is None:
                allowed = ", ".join(sorted(set(ATTRIBUTES.values())))
                self.fail(f"unknown attribute {key!r}; use one of: {allowed}", key_pos, got=False)
            key = canonical
        return Field(kind, key, aggregate)

    def parse_key(self, prefix: str) -> tuple[str, bool]:
        start = self.pos
        if self.text.startswith("`", start):
            end = self.text.find("`", start + 1)
            if end < 0:
                self.fail("unterminated key: no closing `", start, got=False)
            key, self.pos = self.literal(self.text[start + 1 : end], start), end + 1
        elif self.text.startswith('"', start):
            key = self.string()
        else:
            match = _BARE_KEY.match(self.text, start)
            if match is None:
                self.fail(f"expected a key after '{prefix}.'", start)
            key, self.pos = self.literal(match.group(), start), match.end()
            offset = 0
            for part in key.split("."):
                if not part:
                    self.fail("empty part in the key: '.' must separate non-empty names",
                              start + offset, got=False)  # fmt: skip
                offset += len(part) + 1
            return key, False
        if not key:
            self.fail("the key is empty", start, got=False)
        return key, True

    def parse_operator(self) -> str:
        start = self.skip()
        match = _SYMBOLS.match(self.text, start)
        if match is not None:
            if match.group() not in _OPERATORS:
                self.fail(f"unknown operator {match.group()!r}; use {_OPERATOR_HELP}",
                          start, got=False)  # fmt: skip
            self.pos = match.end()
            return _OPERATORS[match.group()]
        word = self.keyword("LIKE", "ILIKE", "IN", "NOT", "IS")
        if word == "NOT":
            negated = self.keyword("LIKE", "ILIKE", "IN")
            if negated is None:
                self.fail("expected LIKE, ILIKE or IN after NOT")
            return f"NOT {negated}"
        if word == "IS":
            op = "IS NOT NULL" if self.keyword("NOT") else "IS NULL"
            if self.keyword("NULL") is None:
                self.fail(f"expected NULL after {op[:-5]}")
            return op
        if word is None:
            self.fail(f"expected an operator: {_OPERATOR_HELP}")
        return word

    def parse_scalar(self, after: str) -> str | float:
        start = self.skip()
        if self.text[start : start + 1] in ("'", '"'):
            return self.string()
        match = _NUMBER.match(self.text, start)
        if match is not None:
            end = match.end()
            if end < len(self.text) and (self.text[end].isalnum() or self.text[end] in "_."):
                self.fail("invalid number", start)
            number = float(match.group())
            if math.isinf(number):
                self.fail("this number is out of range (the largest is about 1.8e308)", start,
                          got=False)  # fmt: skip
            self.pos = end
            return number
        word = _WORD.match(self.text, start)
        hint = f"; quote text values, e.g. '{word.group()}'" if word else ""
        self.fail(f"expected a value after {after}{hint}")

    def parse_list(self, op: str) -> tuple[str | float, ...]:
        if not self.at("("):
            self.fail(f"{op} needs a list in parentheses, e.g. ('a', 'b')")
        self.pos += 1
        if self.at(")"):
            self.fail(f"bad list: the {op} list is empty", got=False)
        values = [self.parse_scalar("'('")]
        while self.at(","):
            self.pos += 1
            if self.at(")"):
                self.fail("bad list: trailing ',' before ')'", got=False)
            values.append(self.parse_scalar("','"))
        if not self.at(")"):
            self.fail(f"bad list: expected ',' or ')' in the {op} list")
        if self.list_values <= MAX_LIST_VALUES < self.list_values + len(values):
            self.lists_full_at = self.pos
        self.list_values += len(values)
        self.pos += 1
        return tuple(values)

    def check(self, field: Field, op: str, value: Value, pos: int) -> Value:
        """Type rules the grammar cannot express; returns the (normalised) value."""
        values = value if isinstance(value, tuple) else (value,)
        if op in _PATTERN_OPS and not isinstance(value, str):
            self.fail(f"{op} needs a string pattern such as 'lgbm%'", pos, got=False)
        if field.kind == "metric" and any(isinstance(v, str) for v in values):
            self.fail(f"metric values are numbers: compare metrics.{field.key} with a number, "
                      "not a string", pos, got=False)  # fmt: skip
        if op in _PATTERN_OPS and isinstance(value, str) and _ends_with_escape(value):
            message = "a LIKE pattern cannot end with a lone '\\' (it makes the next character"
            self.fail(f"{message} literal); a backslash itself is '\\\\' in a pattern", pos,
                      got=False)  # fmt: skip
        if field.kind == "attribute" and field.key in ("experiment_id", *_TIMES):
            if op in _PATTERN_OPS:
                self.fail(f"{op} compares text, and attributes.{field.key} is a number",
                          pos, got=False)  # fmt: skip
            if isinstance(value, tuple):
                return tuple(self.attribute_number(field.key, item, pos) for item in value)
            return None if value is None else self.attribute_number(field.key, value, pos)
        if field.kind == "attribute" and field.key == "status" and op in _STATUS_OPS:
            upper: list[str | float] = []
            for item in values:
                if not isinstance(item, str) or item.upper() not in STATUSES:
                    self.fail(f"status must be one of {', '.join(STATUSES)} (got {item!r})",
                              pos, got=False)  # fmt: skip
                upper.append(item.upper())
            return tuple(upper) if isinstance(value, tuple) else upper[0]
        return value

    def attribute_number(self, key: str, value: str | float, pos: int) -> float:
        """A number for a numeric attribute; times may also be ISO dates (UTC if no zone)."""
        if key == "experiment_id":
            if isinstance(value, str) or not value.is_integer() or abs(value) > INTEGER_RANGE:
                self.fail(f"experiment ids are whole numbers up to {INTEGER_RANGE} "
                          f"(got {value!r})", pos, got=False)  # fmt: skip
            return value
        if isinstance(value, float):
            return value
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.fail(f"attributes.{key} is a time: compare it with seconds since 1970 or an "
                      f"ISO date such as '2024-05-01' (got {value!r})", pos, got=False)  # fmt: skip
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()


def _ends_with_escape(pattern: str) -> bool:
    trailing = len(pattern) - len(pattern.rstrip("\\"))
    return trailing % 2 == 1


def _combine(kind: type[And] | type[Or], parts: list[Node]) -> Node:
    """Flatten nested parts of the same kind; a single part stands for itself."""
    flat: list[Node] = []
    for part in parts:
        flat.extend(part.parts if isinstance(part, kind) else (part,))
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


def parse_filter(text: str | None) -> Node | None:
    """Parse a run filter into a tree; ``None`` for a missing or blank filter.

    >>> parse_filter("params.model IN ('lgbm', 'xgb')")  # doctest: +NORMALIZE_WHITESPACE
    Comparison(field=Field(kind='param', key='model', aggregate=None), op='IN',
               value=('lgbm', 'xgb'))
    """
    if text is None or not text.strip():
        return None
    return _Parser(text).parse()
