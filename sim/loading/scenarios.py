"""Loading scenario files: read, validate against the world, apply levers and overrides.

Every scenario the software runs comes through here, from a file (:func:`load_scenario`) or
as a change to a loaded one (:func:`with_changes`, used by the classroom app), so every path
gets the same checks and the same one-line errors.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from sim.loading.checks import check_figure_path, check_number, check_sweep, check_world_references
from sim.loading.errors import first_error
from sim.loading.files import FileRefused, decode_text, read_input_file
from sim.loading.worlds import load_world_file, world_reference
from sim.schema.errors import InputError
from sim.schema.scenario import Scenario
from sim.schema.world import World, iter_figures


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with the world it runs on (overrides and levers applied)."""

    path: Path
    text: str
    sha256: str
    scenario: Scenario
    world: World

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # Sent to worker processes as plain data and validated again there. A pydantic model
        # unpickled as it is gets attribute names that are fresh strings, not the interned
        # ones, so each attribute read takes CPython's slow path (4x slower per read; a whole
        # chunk of runs 10% slower, see benchmarks/README.md).
        return (
            _validated,
            (
                self.path,
                self.text,
                self.sha256,
                self.scenario.model_dump(),
                self.world.model_dump(),
            ),
        )


def _validated(
    path: Path, text: str, sha256: str, scenario: dict[str, object], world: dict[str, object]
) -> LoadedScenario:
    scenario_model = Scenario.model_validate(scenario, context={"scenario": True})
    return LoadedScenario(path, text, sha256, scenario_model, World.model_validate(world))


def apply_overrides(file: Path, sc: Scenario, world: World) -> World:
    """Return a copy of ``world`` with the scenario's levers and overrides set."""
    world = world.model_copy(deep=True)
    figures = dict(iter_figures(world))
    settings = {
        f"states.{name}.{field}": value
        for name, levers in sc.levers.items()
        for field, value in levers.model_dump(exclude_none=True).items()
    }
    settings.update(sc.overrides)
    for path, value in settings.items():
        where = f"overrides.{path}" if path in sc.overrides else f"levers.{path.split('.', 1)[1]}"
        check_figure_path(file, where, path, figures)
        check_number(file, where, path.rsplit(".", 1)[1], value)
        figures[path].value = value
    return world


def load_scenario(path: str | Path) -> LoadedScenario:
    """Read, validate and resolve a scenario file.

    Raises:
        InputError: for any problem, naming the file and the field.
    """
    file = Path(path)
    try:
        raw = read_input_file(file, "scenario")
    except OSError as exc:  # missing, unreadable, a folder, a device or a FIFO (never opened)
        raise InputError(file, "(file)", f"cannot read: {exc.strerror or exc}") from None
    except FileRefused as exc:  # not .toml, too big
        raise InputError(file, "(file)", str(exc)) from None
    try:
        # A byte-order mark (Windows editors) is dropped from the text, which manifests store
        # and re-parse; the sha256 stays that of the file's bytes, as `sha256sum` gives it.
        text = decode_text(raw)
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise InputError(file, "(file)", "not UTF-8 text; a scenario is a TOML file") from None
    except (tomllib.TOMLDecodeError, ValueError, RecursionError) as exc:  # huge ints, deep nesting
        raise InputError(file, "(file)", f"invalid TOML: {exc}") from None
    try:
        sc = Scenario.model_validate(data, context={"scenario": True})
    except ValidationError as exc:
        raise first_error(file, exc) from None
    try:
        world_path = world_reference(sc.world, file.parent)
    except InputError as error:  # name the scenario file, not its folder
        raise InputError(file, error.field, error.message) from None
    world = load_world_file(world_path, file, "world")
    check_world_references(file, sc, world)
    world = apply_overrides(file, sc, world)
    if sc.sweep is not None:
        check_sweep(file, sc.sweep, world)
    return LoadedScenario(file, text, hashlib.sha256(raw).hexdigest(), sc, world)


def with_changes(
    loaded: LoadedScenario,
    *,
    levers: dict[str, dict[str, float]] | None = None,
    overrides: dict[str, float] | None = None,
    events: list[dict[str, object]] | None = None,
) -> LoadedScenario:
    """Return a loaded scenario with new levers, overrides or events, checked as a file is.

    The changed scenario goes through the same schema, world checks and override checks as
    :func:`load_scenario`, so an edit from the classroom app is refused with the same one-line
    error a scenario file would get. Levers and overrides are set on ``loaded.world``, which
    already holds the file's own, so setting those again changes nothing.

    Args:
        loaded: A loaded scenario.
        levers: State name -> lever -> value; replaces the scenario's ``[levers]``.
        overrides: Dotted path -> value; replaces its ``[overrides]``.
        events: The whole timeline, as scenario-file tables; replaces its ``[[events]]``.

    Returns:
        A new :class:`LoadedScenario` (its path, text and hash are the original file's).

    Raises:
        InputError: naming the scenario file and the field, for any value a file could not
            hold either.
    """
    data = loaded.scenario.model_dump(exclude_none=True)
    for key, value in (("levers", levers), ("overrides", overrides), ("events", events)):
        if value is not None:
            data[key] = value
    try:
        scenario = Scenario.model_validate(data, context={"scenario": True})
    except ValidationError as exc:
        raise first_error(loaded.path, exc) from None
    check_world_references(loaded.path, scenario, loaded.world)
    world = apply_overrides(loaded.path, scenario, loaded.world)
    return LoadedScenario(loaded.path, loaded.text, loaded.sha256, scenario, world)
