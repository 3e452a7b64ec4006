"""Errors the core raises for input a user supplied: each names the place it went wrong."""

from __future__ import annotations

import re

#: Longer names, paths and words in messages are shortened (an element name can be megabytes long).
WORD_LIMIT = 100
_LONG_WORD = re.compile(rf"\S{{{WORD_LIMIT + 1},}}")


def shorten(text: str, limit: int = WORD_LIMIT) -> str:
    """``text`` cut to at most ``limit`` characters, keeping its start and end around an ellipsis."""
    if len(text) <= limit:
        return text
    head = (limit - 1) * 2 // 3
    tail = limit - 1 - head
    return text[:head] + "…" + (text[-tail:] if tail else "")


def shorten_words(text: str, limit: int = WORD_LIMIT) -> str:
    """``text`` with every run of non-space characters longer than ``limit`` shortened."""
    if len(text) <= limit:
        return text
    return _LONG_WORD.sub(lambda found: shorten(found.group(), limit), text)


class WorkbenchError(Exception):
    """Base class for errors that are the input's fault, shown to the user as a message."""


class ReadError(WorkbenchError):
    """A file could not be read as FHIR XML or JSON.

    Attributes:
        message: what is wrong, in plain words.
        line: 1-based line in the file, if known.
        column: 1-based column, if known.
        file: the file name, if known.
    """

    def __init__(
        self, message: str, line: int | None = None, column: int | None = None, file: str | None = None
    ) -> None:
        self.message = shorten_words(message)
        self.line = line
        self.column = column
        self.file = file
        super().__init__(str(self))

    def __str__(self) -> str:
        where = shorten(self.file, 160) if self.file else "input"
        if self.line is not None:
            where += f", line {self.line}"
            if self.column is not None:
                where += f", column {self.column}"
        return f"{where}: {self.message}"


class WriteError(WorkbenchError):
    """A tree could not be written in the requested syntax (the place is an element path)."""

    def __init__(self, message: str, path: str | None = None) -> None:
        self.message = shorten_words(message)
        self.path = shorten_words(path) if path else path
        super().__init__(f"{self.path}: {self.message}" if path else self.message)
