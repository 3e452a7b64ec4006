"""Helpers shared by the headless commands: reading input, reporting errors, writing output."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from typing import Any

from workbench.core.codecs import read_file
from workbench.core.errors import ReadError, WorkbenchError, shorten_words
from workbench.core.files import atomic_write, same_file
from workbench.core.tree import Document


def fail(message: str, code: int = 2) -> int:
    """Print an error for the user (never a traceback) and return the exit code.

    Names longer than a few hundred characters (a hostile file or element name) are shortened.
    """
    print(f"itk-workbench: error: {shorten_words(message, 300)}", file=sys.stderr)
    return code


def overwrites_input(output: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]]) -> str | None:
    """The input that writing ``output`` would replace, or None (``-`` is standard output)."""
    if str(output) == "-":
        return None
    return next((str(name) for name in inputs if same_file(output, name)), None)


def load(path: str) -> Document | None:
    """Read a document, printing a clear error (file, line, column) when it cannot be read."""
    try:
        return read_file(path)
    except ReadError as exc:
        fail(str(exc))
        return None


def emit(data: bytes | str, output: str | None, inputs: Iterable[str] = ()) -> int:
    """Write a result to a file (atomically) or to standard output; never over one of ``inputs``."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if output is None or output == "-":
        sys.stdout.buffer.write(raw)
        sys.stdout.flush()
        return 0
    replaced = overwrites_input(output, inputs)
    if replaced is not None:
        return fail(f"{output} is the input file {replaced}; refusing to overwrite it (choose another output)")
    try:
        atomic_write(output, raw)
    except OSError as exc:
        return fail(f"cannot write {output}: {exc.strerror or exc}")
    return 0


def print_json(value: Any) -> None:
    """Print a value as indented JSON."""
    print(json.dumps(value, indent=2, ensure_ascii=False))


__all__ = ["WorkbenchError", "emit", "fail", "load", "overwrites_input", "print_json"]
