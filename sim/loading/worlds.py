"""Reading world files: the built-in world, a world file, and one-line errors for bad ones."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.loading.errors import first_error
from sim.loading.files import FileRefused, decode_text, read_input_file
from sim.schema.errors import InputError
from sim.schema.world import BUILTIN_WORLD, World


def read_toml(path: Path) -> dict[str, Any]:
    """Read a world file: a regular ``.toml`` file of bounded size, a byte-order mark allowed.

    Raises:
        OSError: it cannot be read, or is not a regular file (checked before opening it).
        sim.loading.files.FileRefused: not a ``.toml`` file, or too big.
        UnicodeDecodeError, tomllib.TOMLDecodeError: it is not UTF-8 TOML.
    """
    return tomllib.loads(decode_text(read_input_file(path, "world")))


def builtin_world_path() -> Path:
    """Return the path of the built-in world file."""
    return Path(str(resources.files("sim") / "data" / "world.toml"))


def shipped_worlds() -> dict[str, Path]:
    """The other worlds shipped with the package (``sim/data/worlds/``), by name.

    A scenario names one by its name alone (``world = "great_powers_1872"``), so the reference
    works wherever the package is installed.
    """
    # Under the package's data folder, found the way the built-in world is (a namespace
    # package such as sim.data.worlds has no single path of its own).
    folder = Path(str(resources.files("sim") / "data" / "worlds"))
    return {path.stem: path for path in sorted(folder.glob("*.toml"))}


def _world_named(reference: str) -> Path | None:
    """The file of the built-in or a shipped world ``reference`` names, or None for a path.

    Raises:
        LookupError: a bare name (no folder, no suffix) that names no world; its message lists
            the names allowed.
    """
    if reference == BUILTIN_WORLD:
        return builtin_world_path()
    shipped = shipped_worlds()
    if reference in shipped:
        return shipped[reference]
    if "/" not in reference and "\\" not in reference and "." not in reference:
        raise LookupError(", ".join([BUILTIN_WORLD, *shipped]))
    return None


def world_reference(reference: str, scenario_folder: Path) -> str:
    """The file a scenario's ``world`` names: the built-in world, a shipped world, or a path.

    Args:
        reference: The scenario's ``world`` field.
        scenario_folder: Where a relative path starts.

    Returns:
        ``"builtin"``, or the path of the world file as a string.

    Raises:
        InputError: a bare name (no folder, no suffix) that is not a shipped world, naming the
            field ``world`` and the names allowed; or a path that cannot be resolved.
    """
    if reference == BUILTIN_WORLD:
        return reference
    try:
        named = _world_named(reference)
    except LookupError as unknown:
        raise InputError(
            scenario_folder,
            "world",
            f"no world named {reference!r}; built-in worlds: {unknown}, "
            "or give the path of a .toml world file",
        ) from None
    if named is not None:
        return str(named)
    try:
        return str((scenario_folder / reference).resolve())
    except (OSError, RuntimeError, ValueError) as exc:  # a symlink loop, a NUL character
        raise InputError(
            scenario_folder, "world", f"cannot read world file {reference!r}: {exc}"
        ) from None


class BaseRefused(ValueError):
    """A world's ``meta.base`` names no world, or the chain of bases loops or runs too deep."""


#: How many worlds a chain of ``meta.base`` may hold, the file itself included.
MAX_BASE_DEPTH = 8


def _base_path(reference: str, folder: Path) -> Path:
    """The file a ``meta.base`` names: the built-in world, a shipped world, or a relative path."""
    try:
        named = _world_named(reference)
    except LookupError as unknown:
        raise BaseRefused(
            f"no world named {reference!r}; allowed: {unknown}, or a .toml path"
        ) from None
    return folder / reference if named is None else named


def read_world_table(file: Path, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a world file as a table, with the world its ``meta.base`` names merged beneath it.

    A world built on another gives only what it adds or changes: its states, theatres,
    documents and ``[model]`` figures replace the base's of the same name, its ties replace the
    base's of the same id and are otherwise added after them, and its ``meta`` replaces the
    base's keys it gives (``year`` may be left to the base).

    Raises:
        BaseRefused: the base names no world, or the bases loop or run deeper than
            :data:`MAX_BASE_DEPTH`; and whatever :func:`read_toml` raises, for any file.
    """
    table = read_toml(file)
    meta = table.get("meta")
    reference = meta.get("base") if isinstance(meta, dict) else None
    if reference is None:
        return table
    if not isinstance(reference, str):
        raise BaseRefused("must be a world name or a path")
    resolved = file.resolve()
    if resolved in chain or len(chain) + 1 >= MAX_BASE_DEPTH:
        raise BaseRefused(f"the bases loop or run over {MAX_BASE_DEPTH} worlds deep")
    try:
        base = read_world_table(_base_path(reference, file.parent), (*chain, resolved))
    except OSError as exc:  # name the base, not the file that names it
        raise BaseRefused(f"cannot read {reference!r}: {exc.strerror or exc}") from None
    except FileRefused as exc:
        raise BaseRefused(f"{reference!r} {exc}") from None
    return _merged(base, table)


def _merged(base: dict[str, Any], table: dict[str, Any]) -> dict[str, Any]:
    """``table`` laid over ``base`` (see :func:`read_world_table`)."""
    merged = {**base, **table}
    meta = {**base.get("meta", {}), **table["meta"]}
    meta.pop("base", None)
    merged["meta"] = meta
    for key in ("documents", "states", "theatres", "model"):
        merged[key] = {**base.get(key, {}), **table.get(key, {})}
    ties = {tie.get("id"): tie for tie in base.get("ties", []) if isinstance(tie, dict)}
    added = [tie for tie in table.get("ties", []) if not isinstance(tie, dict)]
    for tie in table.get("ties", []):
        if isinstance(tie, dict):
            ties[tie.get("id")] = tie
    merged["ties"] = [*ties.values(), *added]
    return merged


def load_world(path: str | Path = BUILTIN_WORLD) -> World:
    """Load and validate a world file; ``"builtin"`` names the built-in world.

    Raises:
        OSError, sim.loading.files.FileRefused, UnicodeDecodeError, tomllib.TOMLDecodeError,
        pydantic.ValidationError, BaseRefused: :func:`load_world_file` turns them into one-line
        input errors.
    """
    file = builtin_world_path() if str(path) == BUILTIN_WORLD else Path(path)
    return World.model_validate(read_world_table(file))


def _schema_problem(path: str | Path, error: ValidationError) -> str:
    """The first schema error of a world file, without the values pydantic quotes.

    A scenario may name any ``.toml`` file as its world (an uploaded scenario too), so the
    message gives where the file breaks the schema and what is allowed, never a value read from
    it: pydantic's ``input`` (which :func:`sim.loading.errors.first_error` appends as
    ``(got ...)``) and an unknown tie kind are left out.
    """
    inner = first_error(path, error)
    err = error.errors()[0]
    message = inner.message
    if err["type"] == "union_tag_invalid":
        message = f"unknown kind; allowed: {err['ctx']['expected_tags']}"
    elif "input" in err and not isinstance(err["input"], dict | list):
        message = message.removesuffix(f" (got {err['input']!r})")
    return f"world file invalid at {inner.field}: {message}"


def load_world_file(path: str | Path, file: str | Path, field: str) -> World:
    """Load a world file, turning any problem into an :class:`InputError` on ``file``/``field``.

    Messages quote nothing of the world file beyond what the TOML parser says of the line it
    stopped at (its position, a key or a character of that line).
    """
    try:
        return load_world(path)
    except OSError as exc:  # missing, unreadable, a folder, a device or a FIFO
        raise InputError(
            file, field, f"cannot read world file {str(path)!r}: {exc.strerror or exc}"
        ) from None
    except FileRefused as exc:  # not .toml, too big
        raise InputError(file, field, f"world file {str(path)!r} {exc}") from None
    except BaseRefused as exc:  # before ValueError, of which it is a subclass
        raise InputError(file, field, f"world file {str(path)!r}: meta.base: {exc}") from None
    except ValidationError as exc:  # before ValueError, of which it is a subclass
        raise InputError(file, field, _schema_problem(path, exc)) from None
    except UnicodeDecodeError:  # before ValueError, of which it is a subclass
        raise InputError(
            file, field, f"world file {str(path)!r} is not UTF-8 text; a world file is TOML"
        ) from None
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as exc:  # huge ints, nesting
        raise InputError(file, field, f"world file {str(path)!r} is invalid TOML: {exc}") from None
