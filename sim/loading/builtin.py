"""The built-in scenarios, and scenario arguments that name one or give a file path."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from sim.schema.errors import InputError


def builtin_scenarios() -> dict[str, Path]:
    """Map built-in scenario names to their files.

    They are the repository's ``scenarios/`` folder, installed as the resource package
    ``sim.scenarios`` (see pyproject.toml), so an installed wheel has them too.
    """
    folder = Path(str(resources.files("sim.scenarios")))
    return {path.stem: path for path in sorted(folder.glob("*.toml"))}


def resolve_scenario(name_or_path: str) -> Path:
    """Accept a scenario file path or the name of a built-in scenario."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        return path
    builtin = builtin_scenarios()
    if name_or_path in builtin:
        return builtin[name_or_path]
    raise InputError(
        path, "(file)", f"no such file or built-in scenario; built-in: {', '.join(builtin)}"
    )
