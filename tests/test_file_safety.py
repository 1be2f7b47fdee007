"""Files are read only where they should be; a byte-order mark is accepted.

A scenario's world reference, the scenario file itself and ``evidence --world`` must name a
regular ``.toml`` file of at most MAX_FILE_BYTES. Devices, FIFOs and folders are refused from
``os.stat`` alone, before anything is opened (opening a FIFO blocks, /dev/zero never ends), with
one line on stderr and exit status 2. Every command runs in a thread with a join timeout, so a
regression that opens a FIFO fails the test instead of hanging it.
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sim.loading import files
from sim.loading.files import BOM, FileRefused, NotARegularFile, read_input_file
from sim.loading.worlds import builtin_world_path
from sim.presentation.cli import EXIT_BAD_INPUT, main
from sim.schema.limits import MAX_FILE_BYTES

GOOD = 'name = "t"\nsteps = 4\nseed = 1\nreplicates = 1\n'
MB = 1024 * 1024
TIMEOUT = 30.0

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
needs_dev_zero = pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every path opened through os.open, open() or pathlib while the test runs."""
    seen: list[str] = []

    def recording(real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(path: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(path, str | os.PathLike):
                seen.append(os.path.abspath(os.fspath(path)))
            return real(path, *args, **kwargs)

        return wrapper

    monkeypatch.setattr(os, "open", recording(os.open))
    monkeypatch.setattr(builtins, "open", recording(builtins.open))
    monkeypatch.setattr(io, "open", recording(io.open))
    return seen


def unblock(fifo: Path) -> None:
    """Let a reader stuck opening ``fifo`` go on (it then reads end of file)."""
    with contextlib.suppress(OSError):  # no reader left: nothing to unblock
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def in_thread(argv: list[str], fifo: Path | None = None) -> int:
    """``main(argv)`` in a thread; fails (and unblocks the FIFO) if it does not end in time."""
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(main(argv)), daemon=True)
    thread.start()
    thread.join(TIMEOUT)
    if thread.is_alive():
        if fifo is not None:
            unblock(fifo)
            thread.join(TIMEOUT)
        pytest.fail(f"main({argv}) still running after {TIMEOUT} s: it opened what it should not")
    assert result, "main raised instead of returning an exit status"
    return result[0]


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert captured.out == ""
    return lines[0]


# --------------------------------------------------------------------------------------------
# What a world reference, a scenario file or --world may not be.
# --------------------------------------------------------------------------------------------


def bad_target(kind: str, tmp_path: Path) -> Path:
    """Make the thing a reference points at; nothing is written to devices or FIFOs."""
    if kind == "/dev/zero":
        return Path("/dev/zero")
    if kind == "fifo":
        path = tmp_path / "pipe.toml"
        os.mkfifo(path)
        return path
    if kind == "directory":
        path = tmp_path / "folder.toml"
        path.mkdir()
        return path
    if kind == "not .toml":
        path = tmp_path / "world.bin"
        shutil.copy(builtin_world_path(), path)  # a valid world, but not named .toml
        return path
    if kind == "11 MB":
        path = tmp_path / "huge.toml"
        with path.open("wb") as handle:
            handle.truncate(11 * MB)  # sparse: its size is 11 MB without writing them
        return path
    raise AssertionError(kind)


#: What a reference may point at, each with the mark a system without it needs.
KINDS = {
    "/dev/zero": needs_dev_zero,
    "fifo": needs_fifo,
    "directory": None,
    "not .toml": None,
    "11 MB": None,
}
#: The message after the field, for a world file and for the scenario file itself.
WORLD_MESSAGES = {
    "/dev/zero": "cannot read world file '{path}': not a regular file (a character device)",
    "fifo": "cannot read world file '{path}': not a regular file (a FIFO)",
    "directory": "cannot read world file '{path}': not a regular file (a directory)",
    "not .toml": "world file '{path}' must be a .toml file",
    "11 MB": "world file '{path}' is 11.0 MB; world files are at most 10 MB",
}
FILE_MESSAGES = {
    "/dev/zero": "cannot read: not a regular file (a character device)",
    "fifo": "cannot read: not a regular file (a FIFO)",
    "directory": "cannot read: not a regular file (a directory)",
    "not .toml": "must be a .toml file",
    "11 MB": "is 11.0 MB; scenario files are at most 10 MB",
}


PARAMS = [pytest.param(kind, marks=[mark] if mark else [], id=kind) for kind, mark in KINDS.items()]


@pytest.mark.parametrize("kind", PARAMS)
def test_a_world_reference_is_refused_before_it_is_read(
    kind: str, tmp_path: Path, opened: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    target = bad_target(kind, tmp_path)
    opened.clear()  # making it wrote it
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(GOOD + f"world = {json.dumps(str(target))}\n", encoding="utf-8")
    status = in_thread(["validate", str(scenario)], target if kind == "fifo" else None)
    assert status == EXIT_BAD_INPUT
    shown = target if kind == "/dev/zero" else target.resolve()
    expected = WORLD_MESSAGES[kind].format(path=shown)
    assert one_line(capsys) == f"alliance-sim: {scenario}: world: {expected}"
    assert str(shown) not in opened and str(target) not in opened


@pytest.mark.parametrize("kind", PARAMS)
def test_a_scenario_file_is_refused_before_it_is_read(
    kind: str, tmp_path: Path, opened: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    target = bad_target(kind, tmp_path)
    opened.clear()  # making it wrote it
    status = in_thread(["validate", str(target)], target if kind == "fifo" else None)
    assert status == EXIT_BAD_INPUT
    assert one_line(capsys) == f"alliance-sim: {target}: (file): {FILE_MESSAGES[kind]}"
    assert str(target) not in opened


@pytest.mark.parametrize("kind", PARAMS)
def test_evidence_world_is_refused_before_it_is_read(
    kind: str, tmp_path: Path, opened: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    target = bad_target(kind, tmp_path)
    opened.clear()  # making it wrote it
    status = in_thread(["evidence", "--world", str(target)], target if kind == "fifo" else None)
    assert status == EXIT_BAD_INPUT
    expected = WORLD_MESSAGES[kind].format(path=target)
    assert one_line(capsys) == f"alliance-sim: {target}: --world: {expected}"
    assert str(target) not in opened


def test_a_missing_world_file_cannot_be_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(GOOD + 'world = "gone.toml"\n', encoding="utf-8")
    assert in_thread(["validate", str(scenario)]) == EXIT_BAD_INPUT
    missing = tmp_path.resolve() / "gone.toml"
    assert one_line(capsys) == (
        f"alliance-sim: {scenario}: world: cannot read world file '{missing}': "
        "No such file or directory"
    )


def test_a_built_in_scenario_by_name_still_loads(capsys: pytest.CaptureFixture[str]) -> None:
    assert in_thread(["validate", "classroom"]) == 0
    assert "classroom.toml: ok" in capsys.readouterr().out


# --------------------------------------------------------------------------------------------
# The read itself: capped, and of what was checked.
# --------------------------------------------------------------------------------------------


def bytes_read() -> int:
    """Bytes this process has read through read system calls so far (Linux)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


@pytest.mark.skipif(not os.access("/proc/self/io", os.R_OK), reason="needs Linux /proc/self/io")
def test_a_file_that_grows_after_the_check_is_refused_having_read_no_more_than_the_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "growing.toml"
    path.write_bytes(b"# small\n")
    grown = MAX_FILE_BYTES + 40 * MB
    real_stat = os.stat

    def stat_then_grow(target: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        result = real_stat(target, *args, **kwargs)
        if os.fspath(target) == str(path):
            with open(path, "ab") as handle:  # it grows (sparse) past the limit once checked
                handle.truncate(grown)
        return result

    monkeypatch.setattr(os, "stat", stat_then_grow)
    before = bytes_read()
    with pytest.raises(FileRefused, match="is more than 10 MB; world files are at most 10 MB"):
        read_input_file(path, "world")
    assert bytes_read() - before < MAX_FILE_BYTES + MB  # the cap, not the grown file


def test_a_file_at_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "full.toml"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES)
    assert len(read_input_file(path, "world")) == MAX_FILE_BYTES
    with path.open("ab") as handle:
        handle.write(b"\n")
    with pytest.raises(FileRefused, match="is 10,485,761 bytes; world files are at most 10 MB"):
        read_input_file(path, "world")


@needs_fifo
def test_a_fifo_swapped_in_after_the_check_is_not_waited_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # os.stat says "regular file" (as it would have just before the swap); the open must not
    # block on the FIFO, and what was opened is looked at again.
    fifo = tmp_path / "swapped.toml"
    os.mkfifo(fifo)
    regular = tmp_path / "regular.toml"
    regular.write_bytes(b"")
    real_stat = os.stat
    monkeypatch.setattr(
        os,
        "stat",
        lambda target, *a, **k: real_stat(regular if os.fspath(target) == str(fifo) else target),
    )
    errors: list[BaseException] = []

    def read() -> None:
        try:
            read_input_file(fifo, "world")
        except BaseException as error:  # handed to the test thread
            errors.append(error)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    thread.join(TIMEOUT)
    if thread.is_alive():
        unblock(fifo)
        pytest.fail("reading a FIFO swapped in after the check blocked")
    assert len(errors) == 1 and isinstance(errors[0], NotARegularFile), errors
    assert str(errors[0]) == "not a regular file (a FIFO)"


def test_open_flags_never_wait() -> None:
    if hasattr(os, "O_NONBLOCK"):
        assert files._OPEN_FLAGS & os.O_NONBLOCK


# --------------------------------------------------------------------------------------------
# A world file named by a scenario: messages give where, not what.
# --------------------------------------------------------------------------------------------

SECRET = "s3cr3t-t0ken-value"


BUILTIN_TEXT = builtin_world_path().read_text(encoding="utf-8")


def builtin_with(pattern: str, line: str) -> str:
    """The built-in world with its first line matching ``pattern`` replaced by ``line``."""
    text, count = re.subn(pattern, line, BUILTIN_TEXT, count=1, flags=re.MULTILINE)
    assert count == 1, pattern
    return text


@pytest.mark.parametrize(
    "world",
    [
        f'meta = "{SECRET}"\n',  # a wrong type: pydantic's input would quote the value
        f'[meta]\nname = "w"\nyear = "{SECRET}"\n',
        f'password = "{SECRET}"\nbroken line\n',  # a TOML error on a later line
        builtin_with(r"^kind = .*$", f'kind = "{SECRET}"'),  # an unknown tie kind
        builtin_with(r"^war_cost = .*$", f'war_cost = "{SECRET}"'),
    ],
    ids=["meta type", "year type", "toml error", "tie kind", "model value"],
)
def test_a_world_file_error_does_not_quote_its_values(
    world: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "world.toml").write_text(world, encoding="utf-8")
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(GOOD + 'world = "world.toml"\n', encoding="utf-8")
    assert in_thread(["validate", str(scenario)]) == EXIT_BAD_INPUT
    line = one_line(capsys)
    assert line.startswith(f"alliance-sim: {scenario}: world: ")
    assert SECRET not in line


# --------------------------------------------------------------------------------------------
# A byte-order mark, as Windows editors save it.
# --------------------------------------------------------------------------------------------


def test_a_scenario_with_a_byte_order_mark_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "bom.toml"
    scenario.write_bytes(BOM + GOOD.encode("utf-8"))
    out = tmp_path / "out"
    argv = ["run", str(scenario), "--replicates", "1", "--no-plots", "--out", str(out)]
    assert in_thread(argv) == 0
    assert capsys.readouterr().err == ""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["scenario_text"] == GOOD  # the text, without the mark: it parses again
    assert manifest["scenario_sha256"] == hashlib.sha256(scenario.read_bytes()).hexdigest()


def test_a_world_file_with_a_byte_order_mark_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "world.toml").write_bytes(BOM + builtin_world_path().read_bytes())
    scenario = tmp_path / "scenario.toml"
    scenario.write_bytes(BOM + (GOOD + 'world = "world.toml"\n').encode("utf-8"))
    out = tmp_path / "out"
    argv = ["run", str(scenario), "--replicates", "1", "--no-plots", "--out", str(out)]
    assert in_thread(argv) == 0
    assert capsys.readouterr().err == ""
    assert (out / "summary.csv").is_file()


def test_only_one_byte_order_mark_is_dropped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "twice.toml"
    scenario.write_bytes(BOM + BOM + GOOD.encode("utf-8"))
    assert in_thread(["validate", str(scenario)]) == EXIT_BAD_INPUT
    assert one_line(capsys).startswith(f"alliance-sim: {scenario}: (file): invalid TOML")
