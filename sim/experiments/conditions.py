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
a tree of four node types (:mod:`.condition_grammar`, whose public names are importable from
here too); names are checked against the table's columns and the tree's types (number,
true/false, text) are checked here before any data is read. Anything else, an attribute, a
call, an index, a lambda, is a syntax error: nothing in the text is ever run.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from sim.experiments.condition_grammar import (
    ALLOWED,
    FAVOURITES,
    KEYWORDS,
    MAX_DEPTH,
    MAX_LENGTH,
    Column,
    Compare,
    Kind,
    Literal_,
    Logic,
    Node,
    Parser,
    Token,
    examples,
)

__all__ = [
    "ALLOWED",
    "FAVOURITES",
    "KEYWORDS",
    "KIND_NAMES",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "SLUG_WORDS",
    "Column",
    "Compare",
    "Condition",
    "Kind",
    "Literal_",
    "Logic",
    "Node",
    "Parser",
    "Token",
    "Values",
    "column_kinds",
    "examples",
    "parse_condition",
    "slug",
]

#: How messages name each kind of value.
KIND_NAMES = {"number": "a number", "flag": "true/false", "text": "text"}
#: The comparison operators as words in a condition's folder name.
SLUG_WORDS = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq", "!=": "ne"}


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


# --- parsing, kinds of columns, folder names ----------------------------------------------


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
    parser = Parser(source, columns, file, field)
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


# --- checking and evaluating ------------------------------------------------------------


def _names(node: Node) -> Iterable[str]:
    """The column names a node reads, in order, repeats included."""
    if isinstance(node, Column):
        yield node.name
    elif isinstance(node, Compare):
        for item in node.operands:
            yield from _names(item)
    elif isinstance(node, Logic):
        for item in node.items:
            yield from _names(item)


def _literal_kind(value: float | bool | str) -> Kind:
    """The kind of a literal's value."""
    if isinstance(value, bool):
        return "flag"
    return "text" if isinstance(value, str) else "number"


def _show(node: Node) -> str:
    """A node for messages: a column's name, a literal as written, else ``(...)``."""
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
    """Whether a column of Python objects holds only true/false values (and missing ones)."""
    return bool(series.dropna().map(type).eq(bool).all())


def _missing(values: object) -> np.ndarray | bool:
    """Where values are missing (NaN, None, NA): an array like ``values``, or one bool."""
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
