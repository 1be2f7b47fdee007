"""Scenario files for the classroom app: opened from a path or dropped on the page.

Bad input never raises here: :func:`open_scenario` and :func:`open_uploads` return None and the
one line to show (file, field, problem). An uploaded scenario may use only a built-in world or
a world file dropped with it; any other ``world`` is refused before any file is read.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import tomllib
from collections.abc import Sequence
from pathlib import Path

from sim.loading.files import decode_text
from sim.loading.scenarios import LoadedScenario, load_scenario
from sim.loading.worlds import shipped_worlds
from sim.schema.errors import InputError
from sim.schema.limits import MAX_FILE_BYTES
from sim.schema.world import BUILTIN_WORLD


def open_scenario(
    source: str | Path, shown_as: str | None = None
) -> tuple[LoadedScenario | None, str]:
    """Load a scenario file for the page, turning bad input into the line to show.

    Args:
        source: A scenario file path.
        shown_as: The name to show in an error instead of the path (an upload's file name).

    Returns:
        The scenario and ``""``, or None and one line naming the file, the field and the problem.
    """
    try:
        return load_scenario(source), ""
    except InputError as error:
        return None, f"{shown_as or error.file}: {error.field}: {error.message}"


def open_uploads(files: Sequence[tuple[str, bytes]]) -> tuple[LoadedScenario | None, str]:
    """Load one uploaded scenario, with the world files dropped with it; errors name the upload.

    An uploaded scenario may use only the built-in world (``world = "builtin"``, the default)
    or a world file uploaded with it, named by its file name (``world = "my_world.toml"``). Any
    other ``world`` (a path on the server, ``../x.toml``, a file not dropped) is refused before
    any file but the upload is read. A dropped file is a world file if it has a ``[meta]``
    table; exactly one of the files must be a scenario.

    The scenario and the world it names go to a private temporary folder for the time of
    loading, since scenarios are read from a path; the loaded scenario keeps its text and is
    named by the upload's file name.

    Args:
        files: ``(file name, contents)`` of each dropped file.

    Returns:
        The scenario and ``""``, or None and one line saying what is wrong.
    """
    uploads, refusal = _gather(files)
    if refusal:
        return None, refusal
    tables = {name: _toml(data) for name, data in uploads.items()}
    worlds = _world_files(tables)
    name, refusal = _one_scenario(list(uploads), worlds)
    if not refusal:
        refusal = _world_refusal(name, tables[name], worlds) or _base_refusal(tables, worlds)
    if refusal:
        return None, refusal
    loaded, message = _load(name, (tables[name] or {}).get("world"), uploads, worlds)
    if loaded is None:
        return None, message
    # The loader parses as _toml does, so this never refuses; if they ever differ, it still must.
    refusal = _world_refusal(name, {"world": loaded.scenario.world}, worlds)
    if refusal:
        return None, refusal
    return dataclasses.replace(loaded, path=Path(name)), ""


def open_upload(name: str, data: bytes) -> tuple[LoadedScenario | None, str]:
    """Load one uploaded scenario file alone, as :func:`open_uploads`."""
    return open_uploads([(name, data)])


def _upload_name(name: str) -> str:
    """The file name of an upload without any folder, printable, never empty, "." or ".."."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch if ch.isprintable() else "?" for ch in base)
    return base if base not in ("", ".", "..") else "upload.toml"


def _gather(files: Sequence[tuple[str, bytes]]) -> tuple[dict[str, bytes], str]:
    """The dropped files by file name and ``""``, or none and the line refusing one of them.

    A file is refused if it is dropped twice, or too large to be a scenario or world file.
    """
    uploads: dict[str, bytes] = {}
    for raw_name, data in files:
        name = _upload_name(raw_name)
        if name in uploads:
            return {}, f"{name}: (file): dropped twice; drop each file once"
        if len(data) > MAX_FILE_BYTES:
            return {}, (
                f"{name}: (file): larger than {MAX_FILE_BYTES // 2**20} MB; scenario and world "
                "files are short text files"
            )
        uploads[name] = data
    return uploads, ""


def _toml(data: bytes) -> dict[str, object] | None:
    """The TOML table of a file's bytes, or None if they are not UTF-8 TOML.

    Decoded and parsed as :func:`sim.loading.scenarios.load_scenario` does, so the ``world``
    checked here is the one the loader would read.
    """
    try:
        return tomllib.loads(decode_text(data))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError, RecursionError):
        return None


def _world_files(tables: dict[str, dict[str, object] | None]) -> set[str]:
    """The dropped files that are world files.

    A world file has a ``[meta]`` table, or is named by another dropped file (even a broken
    one: the loader then says what is wrong with it).
    """
    named = {
        (other, table.get("world"))
        for other, table in tables.items()
        if table is not None and isinstance(table.get("world"), str)
    }
    return {
        name
        for name, table in tables.items()
        if (table is not None and "meta" in table)
        or any(world == name and other != name for other, world in named)
    }


def _one_scenario(names: list[str], worlds: set[str]) -> tuple[str, str]:
    """The one dropped scenario file and ``""``; or ``""`` and the line refusing the drop."""
    scenarios = [name for name in names if name not in worlds]
    if not names:
        return "", "(upload): no file was dropped"
    if not scenarios:
        return "", (
            f"{', '.join(sorted(worlds))}: (file): only world files were dropped; drop the "
            "scenario file together with its world file"
        )
    if len(scenarios) > 1:
        return "", (
            f"{', '.join(scenarios)}: (file): drop one scenario file at a time (with the world "
            "file it names, if any)"
        )
    return scenarios[0], ""


def _world_refusal(name: str, table: dict[str, object] | None, worlds: set[str]) -> str:
    """The line refusing an uploaded scenario's ``world``, or ``""`` if it is allowed.

    Allowed: ``"builtin"``, the name of a world shipped with the package, and the file name of a
    world file dropped in the same upload. A
    scenario that is not TOML, or whose ``world`` is not a string, is left to the loader, which
    refuses it before it reads any world.
    """
    world = (table or {}).get("world", BUILTIN_WORLD)
    shipped = shipped_worlds()
    if not isinstance(world, str) or world in (BUILTIN_WORLD, *shipped) or world in worlds:
        return ""
    dropped = ", ".join(sorted(worlds)) if worlds else "none was dropped"
    shown = _shortened(world)
    return (
        f"{name}: world: an uploaded scenario may use only a built-in world "
        f"({', '.join([BUILTIN_WORLD, *shipped])}) or the file name of a world file dropped "
        f"with it ({dropped}); got {shown!r}"
    )


def _shortened(text: str) -> str:
    """An uploaded value as a refusal quotes it: at most 80 characters."""
    return text if len(text) <= 80 else text[:77] + "..."


def _base_refusal(tables: dict[str, dict[str, object] | None], worlds: set[str]) -> str:
    """The line refusing a dropped world built on a file (``meta.base``), or ``""``.

    A dropped world may be built only on a built-in world: a path could name a file on the
    server. A world that is not TOML, or whose ``meta`` is not a table, is left to the loader.
    """
    allowed = [BUILTIN_WORLD, *shipped_worlds()]
    for world in sorted(worlds):
        meta = (tables.get(world) or {}).get("meta")
        base = meta.get("base") if isinstance(meta, dict) else None
        if base is not None and base not in allowed:
            return (
                f"{world}: meta.base: an uploaded world may be built only on a built-in world "
                f"({', '.join(allowed)}); got {_shortened(str(base))!r}"
            )
    return ""


def _load(
    name: str, world: object, uploads: dict[str, bytes], worlds: set[str]
) -> tuple[LoadedScenario | None, str]:
    """Load the scenario ``name`` from a private temporary folder, with the world file it names.

    Args:
        name: The scenario's file name.
        world: Its ``world`` as the file says it.
        uploads: Every dropped file's contents, by file name.
        worlds: The dropped files that are world files.

    Returns:
        As :func:`open_scenario`, with the temporary folder taken out of any message.
    """
    with tempfile.TemporaryDirectory(prefix="alliance-sim-upload-") as folder:
        for file in {name, *([world] if isinstance(world, str) and world in worlds else [])}:
            (Path(folder) / file).write_bytes(uploads[file])
        loaded, message = open_scenario(Path(folder) / name, shown_as=name)
        # A world file's error names its path: the upload's name is what the user knows.
        for prefix in {str(Path(folder)), os.path.realpath(folder)}:
            message = message.replace(prefix + os.sep, "")
    return loaded, message
