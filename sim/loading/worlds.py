"""Reading world files: the built-in world, a world file, and one-line errors for bad ones."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.loading.errors import first_error
from sim.schema.errors import InputError
from sim.schema.world import BUILTIN_WORLD, World


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file (raises OSError or tomllib.TOMLDecodeError)."""
    with path.open("rb") as handle:
        return tomllib.load(handle)


def builtin_world_path() -> Path:
    """Return the path of the built-in world file."""
    return Path(str(resources.files("sim") / "data" / "world.toml"))


def load_world(path: str | Path = BUILTIN_WORLD) -> World:
    """Load and validate a world file; ``"builtin"`` names the built-in world.

    Raises:
        OSError, tomllib.TOMLDecodeError, pydantic.ValidationError: the caller
        (:func:`sim.loading.scenarios.load_scenario`) turns them into one-line input errors.
    """
    file = builtin_world_path() if str(path) == BUILTIN_WORLD else Path(path)
    return World.model_validate(read_toml(file))


def load_world_file(path: str | Path, file: str | Path, field: str) -> World:
    """Load a world file, turning any problem into an :class:`InputError` on ``file``/``field``."""
    try:
        return load_world(path)
    except OSError as exc:
        raise InputError(
            file, field, f"cannot read world file {str(path)!r}: {exc.strerror or exc}"
        ) from None
    except ValidationError as exc:  # before ValueError, of which it is a subclass
        inner = first_error(path, exc)
        raise InputError(
            file, field, f"world file invalid at {inner.field}: {inner.message}"
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError, ValueError) as exc:
        raise InputError(file, field, f"world file {str(path)!r} is invalid TOML: {exc}") from None
