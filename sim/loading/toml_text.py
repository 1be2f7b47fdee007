"""Writing TOML text that ``tomllib`` reads back equal: world files, scenario files, test data.

One writer for the package (``world_to_toml``, ``alliance-sim world from-edges``) and its tests.
Nested tables are written as ``[table]`` sections and lists of tables as ``[[array]]``
sections, except where the caller asks for them inline (a world's figures,
``{ value = ..., assumption = ... }``, read best on one line).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes, control characters and DEL escaped."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_key(key: object) -> str:
    """A TOML key: bare when it can be, quoted otherwise (state names may hold spaces)."""
    text = str(key)
    return text if _BARE_KEY.fullmatch(text) else toml_string(text)


def toml_value(value: Any) -> str:
    """One TOML value written inline: arrays on one line, tables as inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def toml_document(doc: dict[str, Any], inline: Callable[[Any], bool] = lambda _: False) -> str:
    """A whole TOML document: tables as sections, lists of tables as arrays of tables.

    Args:
        doc: The data, as ``tomllib`` would read it.
        inline: Whether a table value is written inline instead of as a section.

    Returns:
        TOML text that ``tomllib.loads`` reads back as ``doc``.
    """
    lines: list[str] = []

    def section(value: Any) -> bool:
        if isinstance(value, dict):
            return not inline(value)
        # A list of tables is an array of tables unless every one of them goes inline.
        return (
            isinstance(value, list)
            and bool(value)
            and all(isinstance(v, dict) for v in value)
            and not all(inline(v) for v in value)
        )

    def table(prefix: tuple[str, ...], data: dict[str, Any]) -> None:
        nested = {k: v for k, v in data.items() if section(v)}
        lines.extend(f"{toml_key(k)} = {toml_value(v)}" for k, v in data.items() if k not in nested)
        for key, value in nested.items():
            name = ".".join(toml_key(k) for k in (*prefix, key))
            if isinstance(value, dict):
                # A table holding only tables needs no header of its own ([states] above
                # [states.Armenia]); an empty one does, or it would not exist.
                if not value or not all(section(v) for v in value.values()):
                    lines.extend(["", f"[{name}]"])
                table((*prefix, key), value)
                continue
            for item in value:
                lines.extend(["", f"[[{name}]]"])
                table((*prefix, key), item)

    table((), doc)
    return "\n".join(lines).lstrip("\n") + "\n"
