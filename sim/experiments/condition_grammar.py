"""The grammar of conditions: the text split into tokens and parsed into a tree of four nodes.

What a condition may say is :mod:`sim.experiments.conditions`' to tell; this module turns its
text into a tree (:class:`Column`, :class:`Literal_`, :class:`Compare`, :class:`Logic`) by one
regular expression and recursive descent (:class:`Parser`), refusing anything else with one
line naming the position. Nothing in the text is ever run; the tree's types are checked and
its values computed in :mod:`sim.experiments.conditions`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NoReturn

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


# --- parsing ------------------------------------------------------------------------------


class Parser:
    """Recursive descent over the tokens; every error is an :class:`InputError`.

    The grammar: ``or := and ('or' and)*``; ``and := not ('and' not)*``;
    ``not := 'not' not | compare``; ``compare := operand (op operand)*``;
    ``operand := number | '-' number | text | true | false | column | '(' or ')'``.

    Attributes:
        source: The condition's text.
        columns: Each column's name and kind; a name not among them is refused.
        file: What errors name as the file.
        field: What errors name as the field.
        tokens: The tokens, a leading ``-`` joined to its number once parsed.
        i: The next token.
        depth: The nesting of parentheses and ``not`` so far.
    """

    def __init__(self, source: str, columns: Mapping[str, Kind], file: str | Path, field: str):
        self.source, self.columns, self.file, self.field = source, columns, file, field
        self.tokens = self._tokenize()
        self.i = 0
        self.depth = 0

    def fail(self, message: str) -> NoReturn:
        """Refuse the condition: an :class:`InputError` on the field, with what is allowed."""
        raise InputError(self.file, self.field, f"{message}; {ALLOWED}")

    # tokens

    def _tokenize(self) -> list[Token]:
        """The tokens of the source; a character no token matches ends them as a ``bad`` one."""
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
        """The next token (``end`` after the last), refusing a character no token matched."""
        token = self.tokens[self.i] if self.i < len(self.tokens) else Token("end", "", -1)
        if token.type == "bad":
            hint = _HINTS.get(token.text, "")
            self.fail(
                f"unexpected {token.text!r} at position {token.at + 1}"
                + (f" ({hint})" if hint else "")
            )
        return token

    def take(self) -> Token:
        """The next token, moving past it."""
        token = self.peek()
        self.i += 1
        return token

    def where(self, token: Token) -> str:
        """Where a token is, for messages: ``at position 7`` or ``at the end``."""
        return "at the end" if token.type == "end" else f"at position {token.at + 1}"

    def describe(self, token: Token) -> str:
        """A token for messages: its text quoted, or ``the end of the condition``."""
        return "the end of the condition" if token.type == "end" else repr(token.text)

    # grammar

    def parse(self) -> Node:
        """The tree of the whole condition; refuses anything left over after it."""
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
        """Items joined by ``op`` (``or`` of ``and`` items, ``and`` of negations)."""
        inner = (lambda: self.logic("and")) if op == "or" else self.negation
        items = [inner()]
        while self.peek().type == "keyword" and self.peek().text == op:
            self.take()
            items.append(inner())
        return items[0] if len(items) == 1 else Logic(op, tuple(items))

    def negation(self) -> Node:
        """``not`` of a negation, or a comparison."""
        if self.peek().type == "keyword" and self.peek().text == "not":
            self.take()
            with self._deeper():
                return Logic("not", (self.negation(),))
        return self.comparison()

    def comparison(self) -> Node:
        """An operand, or a (chained) comparison of operands."""
        operands = [self.operand()]
        ops: list[str] = []
        while self.peek().type == "op":
            ops.append(self.take().text)
            operands.append(self.operand())
        return operands[0] if not ops else Compare(tuple(operands), tuple(ops))

    def operand(self) -> Node:
        """A number, text, true/false, a column, or a condition in parentheses."""
        token = self.take()
        if token.type == "number":
            return Literal_(float(token.text))
        if token.type == "minus":
            return self._negative(token)
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
            return self._group(token)
        self.fail(
            f"expected a column, a number, true/false or '(' {self.where(token)}, "
            f"found {self.describe(token)}"
        )

    def _negative(self, minus: Token) -> Literal_:
        """The number after ``minus``, negated; the two tokens become one (``-6``)."""
        number = self.take()
        if number.type != "number":
            self.fail(
                f"'-' must be followed by a number {self.where(minus)}, not {self.describe(number)}"
            )
        self.tokens[self.i - 2 : self.i] = [Token("number", "-" + number.text, minus.at)]
        self.i -= 1
        return Literal_(-float(number.text))

    def _group(self, opening: Token) -> Node:
        """The condition inside the parentheses opened by ``opening``, up to its ``)``."""
        with self._deeper():
            inner = self.logic("or")
        close = self.take()
        if close.type != "close":
            self.fail(
                f"expected ')' {self.where(close)} to close the '(' at position "
                f"{opening.at + 1}, found {self.describe(close)}"
            )
        return inner

    def _deeper(self) -> _Depth:
        """A context one level deeper, refusing nesting beyond :data:`MAX_DEPTH`."""
        return _Depth(self)

    def _unknown(self, name: str) -> str:
        """The message for an unknown column: close matches and some columns there are."""
        names = list(self.columns)
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        return (
            f"unknown column {name!r}{hint}; columns of the runs table include "
            f"{', '.join(examples(names))} ({len(names)} in all)"
        )


class _Depth:
    """Counts the nesting of parentheses and ``not`` (a bound on the parser's recursion)."""

    def __init__(self, parser: Parser) -> None:
        self.parser = parser

    def __enter__(self) -> None:
        """One level deeper; refuses nesting beyond :data:`MAX_DEPTH`."""
        self.parser.depth += 1
        if self.parser.depth > MAX_DEPTH:
            self.parser.fail(f"nested more than {MAX_DEPTH} deep")

    def __exit__(self, *_: object) -> None:
        """One level back up."""
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
