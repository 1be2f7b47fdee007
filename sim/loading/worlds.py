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
    shipped = shipped_worlds()
    if reference in shipped:
        return str(shipped[reference])
    if "/" not in reference and "\\" not in reference and "." not in reference:
        names = ", ".join([BUILTIN_WORLD, *shipped])
        raise InputError(
            scenario_folder,
            "world",
            f"no world named {reference!r}; built-in worlds: {names}, "
            "or give the path of a .toml world file",
        )
    try:
        return str((scenario_folder / reference).resolve())
    except (OSError, RuntimeError, ValueError) as exc:  # a symlink loop, a NUL character
        raise InputError(
            scenario_folder, "world", f"cannot read world file {reference!r}: {exc}"
        ) from None


def load_world(path: str | Path = BUILTIN_WORLD) -> World:
    """Load and validate a world file; ``"builtin"`` names the built-in world.

    Raises:
        OSError, sim.loading.files.FileRefused, UnicodeDecodeError, tomllib.TOMLDecodeError,
        pydantic.ValidationError: :func:`load_world_file` turns them into one-line input errors.
    """
    file = builtin_world_path() if str(path) == BUILTIN_WORLD else Path(path)
    return World.model_validate(read_toml(file))


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
    except ValidationError as exc:  # before ValueError, of which it is a subclass
        raise InputError(file, field, _schema_problem(path, exc)) from None
    except UnicodeDecodeError:  # before ValueError, of which it is a subclass
        raise InputError(
            file, field, f"world file {str(path)!r} is not UTF-8 text; a world file is TOML"
        ) from None
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as exc:  # huge ints, nesting
        raise InputError(file, field, f"world file {str(path)!r} is invalid TOML: {exc}") from None
