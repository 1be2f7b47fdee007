"""Conditions over a sweep's runs table, in a small grammar of their own (never Python's eval).

A condition picks the runs of interest for scenario discovery (:mod:`.discovery`), for example
``war_weeks > 6``, ``intervened_Russia`` or ``gain_karabakh >= 0.3 and not capitulation``. It
may use only:

* column names of the runs table (``war_weeks``, ``states.Russia.commitment``: letters,
  digits, ``_`` and dots); any other column name in backticks (```my column```);
* numbers (``6``, ``0.3``, ``-1``, ``1e-3``), ``true`` and ``false``, and quoted text
  (``"Russia"``) for text columns;
* comparisons ``<  <=  >  >=  ==  !=``, chained as in Python (``0.2 < gain_karabakh <= 0.5``);
* ``and``, ``or``, ``not`` (``not`` binds tightest, then ``and``, then ``or``) and parentheses.

A true/false column stands alone as a condition (``intervened_Russia``); a number column must
be compared (``wars > 0``). A comparison with a missing value (``first_intervention_Russia``
of a run in which Russia never intervened) is false, ``!=`` included, as in SQL; a missing
true/false flag counts as false.

The text is split into tokens by one regular expression and parsed by recursive descent into
a tree of the four node types below; names are checked against the table's columns and the
tree's types (number, true/false, text) are checked before any data is read. Anything else,
an attribute, a call, an index, a lambda, is a syntax error: nothing in the text is ever run.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NoReturn

import numpy as np
import pandas as pd

from sim.schema.errors import InputError

#: What a condition may contain, for error messages.
ALLOWED = (
    "allowed: column names, numbers, true/false, quoted text, < <= > >= == !=, "
    "and/or/not, parentheses"
)
#: Longest condition accepted, and deepest nesting of parentheses and ``not``.
MAX_LENGTH = 2000
MAX_DEPTH = 64

Kind = Literal["number", "flag", "text"]
KIND_NAMES = {"number": "a number", "flag": "true/false", "text": "text"}
OPERATORS = ("<=", ">=", "==", "!=", "<", ">")
SLUG_WORDS = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq", "!=": "ne"}
KEYWORDS = ("and", "or", "not", "true", "false")

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    |(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    |(?P<quoted>`[^`]*`)
    |(?P<text>"[^"]*"|'[^']*')
    |(?P<op><=|>=|==|!=|<|>)
    |(?P<open>\()
    |(?P<close>\))
    |(?P<minus>-)
    """,
    re.VERBOSE,
)
#: Hints for characters people type from other languages.
_HINTS = {
    "=": "write '==' to compare",
    "&": "write 'and'",
    "|": "write 'or'",
    "!": "write 'not' (or '!=' to compare)",
    "~": "write 'not'",
    "[": "indexing is not allowed",
    ",": "lists and function arguments are not allowed",
}


@dataclass(frozen=True)
class Token:
    """One token: its type, its text and where it starts in the condition."""

    type: str  # number, name, text, op, open, close, minus, keyword, end; bad: no token
    text: str
    at: int


# --- the tree -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of the runs table."""

    name: str


@dataclass(frozen=True)
class Literal_:
    """A number, true/false, or text."""

    value: float | bool | str


@dataclass(frozen=True)
class Compare:
    """A (chained) comparison: ``operands[0] ops[0] operands[1] ops[1] ...``."""

    operands: tuple[Node, ...]
    ops: tuple[str, ...]


@dataclass(frozen=True)
class Logic:
    """``and``/``or`` of two or more items, or ``not`` of one."""

    op: Literal["and", "or", "not"]
    items: tuple[Node, ...]


Node = Column | Literal_ | Compare | Logic


@dataclass(frozen=True)
class Condition:
    """A parsed condition: its tree, its text written out plainly, and the columns it reads."""

    source: str
    tree: Node
    text: str  # the tokens joined by single spaces: one spelling per condition
    columns: tuple[str, ...]

    @property
    def slug(self) -> str:
        """A folder name for the condition: ``war_weeks > 6`` gives ``war_weeks-gt-6``."""
        return slug(self.text)

    def evaluate(self, table: pd.DataFrame) -> np.ndarray:
        """Whether each row of ``table`` (which holds :attr:`columns`) meets the condition."""
        values = _evaluate(self.tree, table)
        if np.ndim(values) == 0:  # a condition of literals only: the same for every row
            return np.full(len(table), bool(values))
        return np.asarray(values, dtype=bool)


# --- parsing ------------------------------------------------------------------------------


def parse_condition(
    source: str,
    columns: Mapping[str, Kind],
    *,
    file: str | Path = "(command line)",
    field: str = "where",
) -> Condition:
    """Parse and type-check a condition over a table with ``columns``.

    Args:
        source: The condition, e.g. ``"gain_karabakh >= 0.3 and not capitulation"``.
        columns: Each column's name and kind (``number``, ``flag`` for true/false, ``text``),
            as :func:`column_kinds` gives them.
        file: What errors name as the file (the sweep folder).
        field: What errors name as the field (``where``; ``--where`` on the command line).

    Returns:
        The condition.

    Raises:
        InputError: on ``field``, one line: a syntax error with its position, an unknown
            column with close matches and examples, or a comparison of different kinds.
    """
    parser = _Parser(source, columns, file, field)
    tree = parser.parse()
    kind = _check(tree, columns, parser.fail)
    if kind != "flag":
        example = "war_weeks > 6"
        parser.fail(
            f"{source.strip()!r} is {KIND_NAMES[kind]}, not true/false; compare it, e.g. {example}"
        )
    text = " ".join(t.text for t in parser.tokens)
    used = tuple(dict.fromkeys(_names(tree)))
    return Condition(source, tree, text, used)


def column_kinds(types: Mapping[str, object]) -> dict[str, Kind]:
    """The kind of each column, from pandas or Arrow data types; others are left out."""
    import pyarrow as pa

    kinds: dict[str, Kind] = {}
    for name, dtype in types.items():
        if isinstance(dtype, pa.DataType):
            if pa.types.is_boolean(dtype):
                kinds[name] = "flag"
            elif pa.types.is_integer(dtype) or pa.types.is_floating(dtype):
                kinds[name] = "number"
            elif pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
                kinds[name] = "text"
        elif pd.api.types.is_bool_dtype(dtype):
            kinds[name] = "flag"
        elif pd.api.types.is_numeric_dtype(dtype):
            kinds[name] = "number"
        elif pd.api.types.is_string_dtype(dtype):
            kinds[name] = "text"
    return kinds


def slug(text: str, limit: int = 80) -> str:
    """A file-name-safe spelling of a condition's text (operators as words, no spaces)."""
    parts = []
    for word in text.split(" "):
        word = SLUG_WORDS.get(word, word)
        if word in ("(", ")"):
            continue
        word = word.replace("-", "neg", 1) if re.fullmatch(r"-[\d.]", word[:2]) else word
        parts.append(re.sub(r"[^A-Za-z0-9._]+", "_", word).strip("_") or "_")
    name = "-".join(parts).strip(".") or "condition"
    if len(name) > limit:
        digest = hashlib.sha256(text.encode()).hexdigest()[:8]
        name = f"{name[: limit - 9].rstrip('-.')}-{digest}"
    return name


class _Parser:
    """Recursive descent over the tokens; every error is an :class:`InputError`."""

    def __init__(self, source: str, columns: Mapping[str, Kind], file: str | Path, field: str):
        self.source, self.columns, self.file, self.field = source, columns, file, field
        self.tokens = self._tokenize()
        self.i = 0
        self.depth = 0

    def fail(self, message: str) -> NoReturn:
        raise InputError(self.file, self.field, f"{message}; {ALLOWED}")

    # tokens

    def _tokenize(self) -> list[Token]:
        text = self.source
        if not isinstance(text, str) or not text.strip():
            self.fail("empty condition: give one, e.g. 'war_weeks > 6' or 'intervened_Russia'")
        if len(text) > MAX_LENGTH:
            self.fail(f"longer than {MAX_LENGTH} characters")
        tokens: list[Token] = []
        at = 0
        while at < len(text):
            match = _TOKEN.match(text, at)
            if match is None:  # reported when the parser reaches it, so errors come in order
                tokens.append(Token("bad", text[at], at))
                break
            kind = match.lastgroup or ""
            value = match.group()
            if kind == "name" and value.lower() in KEYWORDS:
                tokens.append(Token("keyword", value.lower(), at))
            elif kind == "quoted":
                tokens.append(Token("name", value, at))  # `any name`
            elif kind != "space":
                tokens.append(Token(kind, value, at))
            at = match.end()
        return tokens

    def peek(self) -> Token:
        token = self.tokens[self.i] if self.i < len(self.tokens) else Token("end", "", -1)
        if token.type == "bad":
            hint = _HINTS.get(token.text, "")
            self.fail(
                f"unexpected {token.text!r} at position {token.at + 1}"
                + (f" ({hint})" if hint else "")
            )
        return token

    def take(self) -> Token:
        token = self.peek()
        self.i += 1
        return token

    def where(self, token: Token) -> str:
        return "at the end" if token.type == "end" else f"at position {token.at + 1}"

    def describe(self, token: Token) -> str:
        return "the end of the condition" if token.type == "end" else repr(token.text)

    # grammar: or := and ('or' and)* ; and := not ('and' not)* ; not := 'not' not | compare

    def parse(self) -> Node:
        tree = self.logic("or")
        token = self.peek()
        if token.type != "end":
            extra = ""
            if token.type == "open":
                extra = " (function calls are not allowed)"
            elif token.type in ("name", "number", "text", "keyword") and token.text not in (
                "and",
                "or",
            ):
                extra = " (join conditions with 'and' or 'or')"
            self.fail(f"unexpected {self.describe(token)} {self.where(token)}{extra}")
        return tree

    def logic(self, op: Literal["and", "or"]) -> Node:
        inner = (lambda: self.logic("and")) if op == "or" else self.negation
        items = [inner()]
        while self.peek().type == "keyword" and self.peek().text == op:
            self.take()
            items.append(inner())
        return items[0] if len(items) == 1 else Logic(op, tuple(items))

    def negation(self) -> Node:
        if self.peek().type == "keyword" and self.peek().text == "not":
            self.take()
            with self._deeper():
                return Logic("not", (self.negation(),))
        return self.comparison()

    def comparison(self) -> Node:
        operands = [self.operand()]
        ops: list[str] = []
        while self.peek().type == "op":
            ops.append(self.take().text)
            operands.append(self.operand())
        return operands[0] if not ops else Compare(tuple(operands), tuple(ops))

    def operand(self) -> Node:
        token = self.take()
        if token.type == "number":
            return Literal_(float(token.text))
        if token.type == "minus":
            number = self.take()
            if number.type != "number":
                self.fail(
                    f"'-' must be followed by a number {self.where(token)}, "
                    f"not {self.describe(number)}"
                )
            self.tokens[self.i - 2 : self.i] = [Token("number", "-" + number.text, token.at)]
            self.i -= 1
            return Literal_(-float(number.text))
        if token.type == "text":
            return Literal_(token.text[1:-1])
        if token.type == "keyword" and token.text in ("true", "false"):
            return Literal_(token.text == "true")
        if token.type == "name":
            name = token.text[1:-1] if token.text.startswith("`") else token.text
            if self.peek().type == "open":
                self.fail(f"function calls are not allowed ({name}( at position {token.at + 1})")
            if name not in self.columns:
                self.fail(self._unknown(name))
            return Column(name)
        if token.type == "open":
            with self._deeper():
                inner = self.logic("or")
            close = self.take()
            if close.type != "close":
                self.fail(
                    f"expected ')' {self.where(close)} to close the '(' at position "
                    f"{token.at + 1}, found {self.describe(close)}"
                )
            return inner
        self.fail(
            f"expected a column, a number, true/false or '(' {self.where(token)}, "
            f"found {self.describe(token)}"
        )

    def _deeper(self) -> _Depth:
        return _Depth(self)

    def _unknown(self, name: str) -> str:
        names = list(self.columns)
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        return (
            f"unknown column {name!r}{hint}; columns of the runs table include "
            f"{', '.join(examples(names))} ({len(names)} in all)"
        )


class _Depth:
    """Counts the nesting of parentheses and ``not`` (a bound on the parser's recursion)."""

    def __init__(self, parser: _Parser) -> None:
        self.parser = parser

    def __enter__(self) -> None:
        self.parser.depth += 1
        if self.parser.depth > MAX_DEPTH:
            self.parser.fail(f"nested more than {MAX_DEPTH} deep")

    def __exit__(self, *_: object) -> None:
        self.parser.depth -= 1


#: Columns named first when a condition names an unknown one (those present, in this order).
FAVOURITES = (
    "war_weeks",
    "wars",
    "max_escalation",
    "ceasefire",
    "capitulation",
    "gain_karabakh",
    "intervened_Russia",
    "intervened_Turkey",
    "reliability",
)


def examples(names: Iterable[str], count: int = 8) -> list[str]:
    """A few column names to show: the usual outcomes first, then any others."""
    names = list(names)
    present = [n for n in FAVOURITES if n in names]
    skip = {"run", "point", "replicate", *present}
    return (present + [n for n in names if n not in skip])[:count]


# --- checking and evaluating ------------------------------------------------------------


def _names(node: Node) -> Iterable[str]:
    if isinstance(node, Column):
        yield node.name
    elif isinstance(node, Compare):
        for item in node.operands:
            yield from _names(item)
    elif isinstance(node, Logic):
        for item in node.items:
            yield from _names(item)


def _literal_kind(value: float | bool | str) -> Kind:
    if isinstance(value, bool):
        return "flag"
    return "text" if isinstance(value, str) else "number"


def _show(node: Node) -> str:
    if isinstance(node, Column):
        return node.name
    if isinstance(node, Literal_):
        value = node.value
        if isinstance(value, bool):
            return str(value).lower()
        return repr(value) if isinstance(value, str) else f"{value:g}"
    return "(...)"


def _check(node: Node, columns: Mapping[str, Kind], fail: Callable[[str], NoReturn]) -> Kind:
    """The kind of a node's value; refuses comparisons of different kinds."""
    if isinstance(node, Column):
        return columns[node.name]
    if isinstance(node, Literal_):
        return _literal_kind(node.value)
    if isinstance(node, Compare):
        kinds = [_check(item, columns, fail) for item in node.operands]
        for i, op in enumerate(node.ops):
            left, right = kinds[i], kinds[i + 1]
            a, b = _show(node.operands[i]), _show(node.operands[i + 1])
            if left != right:
                fail(
                    f"cannot compare {a} ({KIND_NAMES[left]}) with {b} ({KIND_NAMES[right]})"
                    + (
                        f"; use {a if left == 'flag' else b} alone, or with 'not'"
                        if "flag" in (left, right)
                        else ""
                    )
                )
            if left != "number" and op not in ("==", "!="):
                fail(f"{a} {op} {b}: {KIND_NAMES[left]} can only be compared with == or !=")
        return "flag"
    for item in node.items:
        kind = _check(item, columns, fail)
        if kind != "flag":
            fail(
                f"{_show(item)} is {KIND_NAMES[kind]}, not true/false: compare it "
                f"(e.g. {_show(item)} > 0) before '{node.op}'"
            )
    return "flag"


Values = np.ndarray | float | bool | str


def _evaluate(node: Node, table: pd.DataFrame) -> Values:
    """The node's values: an array over the rows, or one value for a literal."""
    if isinstance(node, Literal_):
        return node.value
    if isinstance(node, Column):
        series = table[node.name]
        if pd.api.types.is_bool_dtype(series) or (series.dtype == object and _flags(series)):
            return series.fillna(False).to_numpy(dtype=bool)
        if pd.api.types.is_numeric_dtype(series):
            return series.to_numpy(dtype=float, na_value=np.nan)
        return series.to_numpy(dtype=object)
    if isinstance(node, Compare):
        values = [_evaluate(item, table) for item in node.operands]
        result: Values = True
        for i, op in enumerate(node.ops):
            result = np.logical_and(result, _compare(values[i], op, values[i + 1]))
        return result
    if node.op == "not":
        return np.logical_not(_evaluate(node.items[0], table))
    combine = np.logical_and if node.op == "and" else np.logical_or
    out = _evaluate(node.items[0], table)
    for item in node.items[1:]:
        out = combine(out, _evaluate(item, table))
    return out


def _flags(series: pd.Series) -> bool:
    return bool(series.dropna().map(type).eq(bool).all())


def _missing(values: object) -> np.ndarray | bool:
    if isinstance(values, np.ndarray):
        if values.dtype == float:
            return np.isnan(values)
        if values.dtype == object:
            return np.asarray(pd.isna(values), dtype=bool)
        return np.zeros(values.shape, dtype=bool)
    return bool(pd.isna(values)) if not isinstance(values, str) else False


def _compare(a: object, op: str, b: object) -> np.ndarray | bool:
    """``a op b`` elementwise; false wherever either side is missing."""
    import operator

    function: Callable[[Any, Any], Any] = {
        "<": operator.lt,
        "<=": operator.le,
        ">": operator.gt,
        ">=": operator.ge,
        "==": operator.eq,
        "!=": operator.ne,
    }[op]
    known = np.logical_not(np.logical_or(_missing(a), _missing(b)))
    with np.errstate(invalid="ignore"):
        result = function(a, b)
    return np.logical_and(np.asarray(result, dtype=bool), known)
