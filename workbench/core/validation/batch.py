"""Validate many files at once, on every core, reporting in input order.

The validator is pure Python, so threads would share one core: :func:`validate_files` runs it
in worker processes (forked, so each starts with the parent's validator and its compiled
profiles) and yields the reports in the order of the input, as soon as each is next in line.
A report from a worker carries its findings but not the document tree (sending trees between
processes costs more than validating them); its ``document`` is a stub holding only the root, so
``readable`` still says whether the file could be read.

Workers are forked, which is safe in a single-threaded process such as the command line; a
process running threads (the desktop application) should pass ``jobs=1`` or run the batch in a
process of its own. Where fork is not available, files are validated one after another.

:func:`collect_files` turns files and folders into the list to validate, and says which files
it skipped and why.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path

from workbench.core.tree import Document, Node
from workbench.core.validation.runner import Report, Validator

#: File name suffixes validated in a folder.
SUFFIXES = (".xml", ".json")


@dataclass
class Collected:
    """What a list of files and folders comes to.

    Attributes:
        files: the files to validate, in order (a folder's files sorted by path).
        skipped: files found in folders but not validated, with the reason.
        missing: paths that do not exist.
    """

    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def collect_files(paths: Sequence[str | os.PathLike[str]]) -> Collected:
    """The files to validate: each file named, and every ``.xml``/``.json`` file in each folder."""
    collected = Collected()
    for name in paths:
        path = Path(name)
        if path.is_dir():
            _walk(path, collected)
        elif path.exists():
            collected.files.append(path)
        else:
            collected.missing.append(str(name))
    return collected


def _walk(folder: Path, collected: Collected) -> None:
    def unreadable(error: OSError) -> None:
        where = Path(error.filename) if error.filename else folder
        collected.skipped.append((where, f"cannot be read ({error.strerror or error})"))

    found: list[tuple[Path, str | None]] = []
    for root, dirs, names in os.walk(folder, onerror=unreadable):
        dirs.sort()
        for name in names:
            path = Path(root) / name
            if path.suffix.lower() not in SUFFIXES:
                found.append((path, "not an .xml or .json file"))
            elif not path.is_file():
                found.append((path, "not a regular file"))
            else:
                found.append((path, None))
    for path, reason in sorted(found):
        if reason is None:
            collected.files.append(path)
        else:
            collected.skipped.append((path, reason))


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


#: The validator of a worker process (set as the worker starts).
_WORKER: dict[str, Validator] = {}


def _start_worker(validator: Validator) -> None:
    _WORKER["validator"] = validator


def _validate_in_worker(path: Path) -> Report:
    return slim(_WORKER["validator"].validate_file(path))


def slim(report: Report) -> Report:
    """The report without the tree (for sending between processes): issues lose their node,
    the document is a stub with only its root."""
    document = report.document
    stub = None
    if document is not None:
        stub = Document(Node(document.root.name, document.root.kind), document.format, None, document.path)
    issues = [replace(i, node=None) if i.node is not None else i for i in report.issues]
    return Report(report.file, issues, report.predicted, report.seconds, stub)


def validate_files(
    files: Sequence[Path],
    validator: Validator,
    *,
    jobs: int | None = None,
    done: Callable[[int, Path], None] | None = None,
) -> Iterator[Report]:
    """Validate files, yielding each report in input order.

    Args:
        files: the files.
        validator: the validator (workers start with a copy of it).
        jobs: worker processes (default: every core); 1 validates here, one file after another.
        done: called with (number, path) as each report is yielded (a progress bar).
    """
    jobs = default_jobs() if jobs is None else max(1, jobs)
    jobs = min(jobs, len(files))
    reports = _serial(files, validator) if jobs <= 1 or not _can_fork() else _parallel(files, validator, jobs)
    for number, report in enumerate(reports, 1):
        if done is not None:
            done(number, files[number - 1])
        yield report


def _serial(files: Sequence[Path], validator: Validator) -> Iterator[Report]:
    for path in files:
        yield validator.validate_file(path)


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _parallel(files: Sequence[Path], validator: Validator, jobs: int) -> Iterator[Report]:
    given = 0
    chunk = max(1, min(16, len(files) // (jobs * 4)))
    context = multiprocessing.get_context("fork")  # the workers inherit the validator, unpickled
    try:
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker, initargs=(validator,)) as pool:
            for report in pool.map(_validate_in_worker, files, chunksize=chunk):
                given += 1
                yield report
    except BrokenProcessPool:
        # a worker died (killed, out of memory): finish here, one file after another
        yield from _serial(files[given:], validator)
