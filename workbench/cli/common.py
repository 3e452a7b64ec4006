"""Helpers shared by the headless commands: reading input, reporting errors, writing output."""

from __future__ import annotations

import json
import sys
from typing import Any

from workbench.core.codecs import read_file
from workbench.core.errors import ReadError, WorkbenchError
from workbench.core.files import atomic_write
from workbench.core.tree import Document


def fail(message: str, code: int = 2) -> int:
    """Print an error for the user (never a traceback) and return the exit code."""
    print(f"itk-workbench: error: {message}", file=sys.stderr)
    return code


def load(path: str) -> Document | None:
    """Read a document, printing a clear error (file, line, column) when it cannot be read."""
    try:
        return read_file(path)
    except ReadError as exc:
        fail(str(exc))
        return None


def emit(data: bytes | str, output: str | None) -> int:
    """Write a result to a file (atomically) or to standard output."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if output is None or output == "-":
        sys.stdout.buffer.write(raw)
        sys.stdout.flush()
        return 0
    try:
        atomic_write(output, raw)
    except OSError as exc:
        return fail(f"cannot write {output}: {exc.strerror or exc}")
    return 0


def print_json(value: Any) -> None:
    """Print a value as indented JSON."""
    print(json.dumps(value, indent=2, ensure_ascii=False))


__all__ = ["WorkbenchError", "emit", "fail", "load", "print_json"]
