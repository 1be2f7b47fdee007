"""The one error the library raises for bad user input."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Bad user input: names the file, the field and what is allowed, in one line."""

    def __init__(self, file: str | Path, field: str, message: str) -> None:
        self.file, self.field, self.message = str(file), field, message
        super().__init__(f"{file}: {field}: {message}")
