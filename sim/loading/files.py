"""Reading the files a user names: regular ``.toml`` files of bounded size, nothing else.

A scenario names its world file, and a scenario may come from anyone (the classroom app takes
uploads), so a path is checked before anything is opened: it must be a regular file (never a
device such as ``/dev/zero``, a FIFO, whose opening blocks, or a folder), end in ``.toml`` and
hold at most :data:`~sim.schema.limits.MAX_FILE_BYTES`. The read itself is capped too, so a file
that grows between the check and the read is still refused.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from sim.schema.limits import MAX_FILE_BYTES

#: The UTF-8 byte-order mark some editors (Windows Notepad among them) put at a file's start.
BOM = b"\xef\xbb\xbf"
_MB = 1024 * 1024
#: Flags of the one open: never wait (a FIFO swapped in after the check would block), never
#: become a controlling terminal, binary on Windows.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_BINARY", 0)
)


class NotARegularFile(OSError):
    """A path that is a folder, a device, a FIFO or a socket: it is never opened."""


class FileRefused(Exception):
    """A regular file that is not read: not a ``.toml`` file, or too big.

    Its message is a phrase about the file ("must be a .toml file"), for the caller to put
    after the file's name.
    """


def _kind_of(mode: int) -> str:
    """What a path that is not a regular file is, in words."""
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "not a file")


def _size(n: int) -> str:
    """A file size in MB with one decimal, or in bytes where that would read as the limit."""
    if round(n / _MB, 1) <= MAX_FILE_BYTES / _MB:
        return f"{n:,} bytes"
    return f"{n / _MB:.1f} MB"


def _too_big(size: int | None, kind: str) -> FileRefused:
    shown = _size(size) if size is not None else f"more than {MAX_FILE_BYTES / _MB:g} MB"
    return FileRefused(f"is {shown}; {kind} files are at most {MAX_FILE_BYTES / _MB:g} MB")


def read_input_file(path: str | Path, kind: str) -> bytes:
    """Return the bytes of a world or scenario file, checked before it is opened.

    Args:
        path: The file (symbolic links are followed).
        kind: ``"world"`` or ``"scenario"``, for the size message.

    Raises:
        OSError: it cannot be read; :class:`NotARegularFile` (an ``OSError``) if it is a folder,
            a device, a FIFO or a socket, found by ``os.stat`` without opening it.
        FileRefused: it does not end in ``.toml`` or holds more than ``MAX_FILE_BYTES``.
    """
    try:
        info = os.stat(path)
    except ValueError:  # a NUL character in the name
        raise OSError(errno.EINVAL, "not a valid file name") from None
    if not stat.S_ISREG(info.st_mode):
        raise NotARegularFile(f"not a regular file ({_kind_of(info.st_mode)})")
    if Path(path).suffix.lower() != ".toml":
        raise FileRefused("must be a .toml file")
    if info.st_size > MAX_FILE_BYTES:
        raise _too_big(info.st_size, kind)
    fd = os.open(path, _OPEN_FLAGS)
    with os.fdopen(fd, "rb") as handle:
        # The path may have been replaced since the check: look again at what was opened.
        opened = os.fstat(handle.fileno())
        if not stat.S_ISREG(opened.st_mode):
            raise NotARegularFile(f"not a regular file ({_kind_of(opened.st_mode)})")
        if _OPEN_FLAGS & getattr(os, "O_NONBLOCK", 0):
            os.set_blocking(handle.fileno(), True)
        data = handle.read(MAX_FILE_BYTES + 1)  # one byte more tells a file that grew
    if len(data) > MAX_FILE_BYTES:
        raise _too_big(None, kind)
    return data


def decode_text(data: bytes) -> str:
    """The UTF-8 text of a file, without the byte-order mark some editors put first.

    Raises:
        UnicodeDecodeError: it is not UTF-8.
    """
    return data.removeprefix(BOM).decode("utf-8")
