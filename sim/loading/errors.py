"""Pydantic validation errors turned into one-line input errors naming the field."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from sim.schema.errors import InputError
from sim.schema.scenario import EVENT_KINDS
from sim.schema.world import TIE_KINDS

#: Tags of the schema's discriminated unions, which pydantic puts in its error locations.
_TAGS = frozenset(TIE_KINDS + EVENT_KINDS)


def _field_name(loc: tuple[int | str, ...]) -> str:
    """Dotted field path of a pydantic error location, without pydantic's internal parts.

    Pydantic puts the tag of a discriminated union right after the list index or the ``tie``
    key it belongs to; only those tags are dropped, so a user's key named like one stays.
    """
    parts: list[str] = []
    previous: int | str | None = None
    for item in loc:
        internal = isinstance(item, str) and (
            item.startswith("function-")
            or (item in _TAGS and (isinstance(previous, int) or previous == "tie"))
        )
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif not internal:
            parts.append(("." if parts else "") + str(item))
        previous = item
    return "".join(parts) or "(top level)"


def first_error(file: str | Path, error: ValidationError) -> InputError:
    """Turn the first pydantic error into an :class:`InputError`."""
    err = error.errors()[0]
    message = err["msg"]
    if err["type"] == "value_error" and not err["loc"]:
        # Checks across a whole file (World._references_exist) name their field first.
        where, _, detail = message.removeprefix("Value error, ").partition(": ")
        if detail:
            return InputError(file, where, detail)
    if err["type"] == "extra_forbidden":
        message = "unknown field; 'alliance-sim schema' lists the allowed ones"
    elif err["type"] == "union_tag_invalid":
        message = (
            f"unknown kind {err['input'].get('kind')!r}; allowed: {err['ctx']['expected_tags']}"
        )
    elif "input" in err and not isinstance(err["input"], dict | list):
        message += f" (got {err['input']!r})"
    return InputError(file, _field_name(err["loc"]), message)
