"""Importing files into the store: which files a list of paths names, and storing one file.

``messages import`` and the Messages view's Import (and its drops) take files and folders: a
folder stands for every ``.xml`` and ``.json`` file under it. A file is read up to just past the
largest message the readers accept, so an enormous file is kept marked unreadable rather than
read whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from workbench.core.codecs import MAX_BYTES
from workbench.core.store.database import MessageStore
from workbench.core.store.records import StoredMessage
from workbench.core.validation.runner import Validator

#: The suffixes of the files a folder stands for.
SUFFIXES = (".xml", ".json")


def files_to_import(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """The files the paths name (a folder: its FHIR files, sorted), and the paths that do not exist."""
    files: list[Path] = []
    missing: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES))
        elif path.is_file():
            files.append(path)
        else:
            missing.append(str(raw))
    return files, missing


def import_file(
    store: MessageStore, file: Path, validator: Validator | None = None
) -> tuple[StoredMessage | None, bool]:
    """Store a file's bytes (once); the row and whether it was added. (None, False): it cannot be read."""
    try:
        with file.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError:
        return None, False
    return store.import_bytes(data, str(file), validator)
