"""Errors the core raises for input a user supplied: each names the place it went wrong."""

from __future__ import annotations


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
        self.message = message
        self.line = line
        self.column = column
        self.file = file
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file or "input"
        if self.line is not None:
            where += f", line {self.line}"
            if self.column is not None:
                where += f", column {self.column}"
        return f"{where}: {self.message}"


class WriteError(WorkbenchError):
    """A tree could not be written in the requested syntax (the place is an element path)."""

    def __init__(self, message: str, path: str | None = None) -> None:
        self.message = message
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)
