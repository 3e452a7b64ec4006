"""What a comparison compares and the work it does off the GUI thread: read both sides, compare.

A side is an open tab (its message as it is now: see :class:`~workbench.gui.toolkit.jobs.Snapshot`)
or a file. Each side is read into a tree of its own, so the comparison never shares nodes with
a tab that may be edited meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workbench.core.codecs import read_bytes, read_file_bytes
from workbench.core.errors import ReadError, WorkbenchError
from workbench.core.itk3.labels import LabelContext
from workbench.core.toolkit.diff import DiffResult, diff_documents
from workbench.core.tree import RESOURCE, Document
from workbench.gui.tasks import quiet_collector
from workbench.gui.toolkit.compare.model import Pairing, SideMarks, side_marks
from workbench.gui.toolkit.jobs import Snapshot


@dataclass(frozen=True)
class CompareSource:
    """One side of a comparison.

    Attributes:
        name: What it is called (the tab's or the file's name).
        path: The file, for a file (or a tab's file, if it has one).
        snapshot: The open message, for a tab.
    """

    name: str
    path: str | None = None
    snapshot: Snapshot | None = None

    @classmethod
    def file(cls, path: str) -> CompareSource:
        """A file as a side."""
        return cls(Path(path).name, str(path))

    @property
    def origin(self) -> str:
        """Where it comes from, in words: ``tab``, or the file's folder."""
        if self.snapshot is not None:
            return "open tab" + (" (edited)" if self.snapshot.data is None else "")
        return str(Path(self.path).parent) if self.path else ""

    def bytes(self) -> bytes:
        """The bytes to compare (call it in the worker).

        Raises:
            ReadError: the file cannot be read.
            WorkbenchError: the tab's tree cannot be written.
        """
        if self.snapshot is not None:
            return self.snapshot.bytes()
        assert self.path is not None
        return read_file_bytes(self.path)


@dataclass(frozen=True)
class Compared:
    """Two messages read and compared.

    Attributes:
        a, b: The two sides as given.
        document_a, document_b: Their trees.
        context_a, context_b: Their labels' contexts (their Bundles' indexes built).
        result: The comparison.
        seconds: How long reading and comparing took.
        pairing: The nodes paired, both ways.
        marks_a, marks_b: What each side's rows show of the comparison.
    """

    a: CompareSource
    b: CompareSource
    document_a: Document
    document_b: Document
    context_a: LabelContext
    context_b: LabelContext
    result: DiffResult
    seconds: float
    pairing: Pairing
    marks_a: SideMarks
    marks_b: SideMarks


def read_side(source: CompareSource, label: str, progress: Callable[[float], None]) -> Document:
    """Read one side into a tree of its own.

    Raises:
        WorkbenchError: it cannot be read; the message says which side and where.
    """
    try:
        data = source.bytes()
        return read_bytes(data, source.path or source.name, progress=progress)
    except ReadError as exc:
        if exc.file is None:
            exc.file = source.name
        raise WorkbenchError(f"{label} could not be read: {exc}") from exc


def compare_sources(
    a: CompareSource, b: CompareSource, ignore_volatile: bool, progress: Callable[[float], None]
) -> Compared:
    """Read both sides and compare them (the work of a job)."""
    started = time.perf_counter()
    with quiet_collector():
        document_a = read_side(a, f"A ({a.name})", lambda f: progress(0.4 * f))
        document_b = read_side(b, f"B ({b.name})", lambda f: progress(0.4 + 0.4 * f))
        context_a, context_b = _context(document_a), _context(document_b)
        progress(0.85)
        return _compared(a, b, document_a, document_b, context_a, context_b, ignore_volatile, started, progress)


def compare_again(compared: Compared, ignore_volatile: bool, progress: Callable[[float], None]) -> Compared:
    """Compare the same two trees again with another option (the work of a job)."""
    with quiet_collector():
        return _compared(
            compared.a,
            compared.b,
            compared.document_a,
            compared.document_b,
            compared.context_a,
            compared.context_b,
            ignore_volatile,
            time.perf_counter(),
            progress,
        )


def _compared(
    a: CompareSource,
    b: CompareSource,
    document_a: Document,
    document_b: Document,
    context_a: LabelContext,
    context_b: LabelContext,
    ignore_volatile: bool,
    started: float,
    progress: Callable[[float], None],
) -> Compared:
    result = diff_documents(document_a, document_b, ignore_volatile=ignore_volatile)
    pairing = Pairing(document_a, result)
    marks_a, marks_b = side_marks(result, "a", pairing), side_marks(result, "b", pairing)
    progress(1.0)
    seconds = time.perf_counter() - started
    return Compared(a, b, document_a, document_b, context_a, context_b, result, seconds, pairing, marks_a, marks_b)


def _context(document: Document) -> LabelContext:
    """The labels' context of a side, each Bundle's index of entries built now (not on the GUI
    thread, when the first reference is labelled)."""
    context = LabelContext.for_document(document)
    indexed: set[int] = set()
    for node in document.root.iter():
        if node.name != "reference" or node.parent is None:
            continue
        owner = node.owning_resource()
        bundle = owner.parent if owner is not None else None
        while bundle is not None and not (bundle.kind == RESOURCE and bundle.name == "Bundle"):
            bundle = bundle.parent
        if bundle is not None and id(bundle) not in indexed:
            indexed.add(id(bundle))
            context.resolve(node.parent)
    return context
