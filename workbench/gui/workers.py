"""Work done off the GUI thread: reading a message, rendering it as XML or JSON, validating it.

Each task is a ``QRunnable`` run by the context's ``QThreadPool``. A task reports through its
own :class:`TaskSignals` object, created on the GUI thread, so its signals reach GUI slots as
queued calls. Results are small frozen dataclasses; the receiver compares their ``generation``
with the latest request and ignores results that are no longer wanted.

Everything a task computes is finished before its result is sent (lazy caches of the
document, such as its source positions, are warmed in the worker), so the GUI thread never
shares a half-built object with a worker.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Signal

from workbench.core.codecs import read_bytes, read_file, render
from workbench.core.errors import ReadError, WorkbenchError
from workbench.core.itk3.labels import LabelContext
from workbench.core.spans import align_pairs, line_span
from workbench.core.tree import Document, Node, gc_paused
from workbench.core.validation.incremental import RunStats
from workbench.core.validation.runner import Report

log = logging.getLogger(__name__)

#: Progress is reported in steps of at least this fraction.
PROGRESS_STEP = 0.01


@dataclass(frozen=True, slots=True)
class LoadResult:
    """A message read from a file, ready to show.

    Attributes:
        generation: The request number the result answers.
        path: The file read; None when the message was read from bytes (not a file: not
            remembered in Open Recent).
        name: What the message is called (the file's name, or the name the bytes are known by).
        document: The document.
        context: The labels' context (holds the message's ITK3 view).
        seconds: How long reading took.
    """

    generation: int
    path: str | None
    name: str
    document: Document
    context: LabelContext
    seconds: float


@dataclass(frozen=True, slots=True)
class TaskFailure:
    """Why a task failed, in words for the user (never a traceback).

    Attributes:
        generation: The request number the failure answers.
        path: The file concerned, if any.
        message: What went wrong; for a read error it names the file, line and column.
        line: The line of a read error, if known.
        column: The column of a read error, if known.
        task: What failed: ``load``, ``validate``, or the syntax of a render (``xml``, ``json``).
    """

    generation: int
    path: str | None
    message: str
    line: int | None = None
    column: int | None = None
    task: str = "load"


@dataclass(frozen=True, slots=True)
class RenderResult:
    """A document rendered as XML or JSON, read back for positions, aligned with the original.

    Attributes:
        generation: The request number the result answers.
        syntax: ``xml`` or ``json``.
        text: The rendered text.
        document: The rendered text read back (its nodes have positions in ``text``).
        forward: ``id(original node)`` to the rendered node.
        backward: ``id(rendered node)`` to the original node.
    """

    generation: int
    syntax: str
    text: str
    document: Document
    forward: dict[int, Node]
    backward: dict[int, Node]


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """A validation of one version of a document.

    Attributes:
        generation: The request number the result answers (a new document is a new series).
        version: The document's edit version that was validated.
        report: The report.
        stats: Which entries were checked and which reused.
    """

    generation: int
    version: int
    report: Report
    stats: RunStats


#: Validates a document (with the nodes changed since the last run, or None for a full run).
ValidateFunction = Callable[[Document, "list[Node] | None"], tuple[Report, RunStats]]


class TaskSignals(QObject):
    """Signals of one task; create it on the GUI thread.

    Signals:
        sig_progress_changed(int, float): The task with this generation is this far (0..1).
        sig_result_ready(object): The task finished; carries its result dataclass.
        sig_task_failed(object): The task failed; carries a :class:`TaskFailure`.
    """

    sig_progress_changed = Signal(int, float)
    sig_result_ready = Signal(object)
    sig_task_failed = Signal(object)


def warm(document: Document) -> None:
    """Build a document's lazy indexes (text, positions, line starts) now, in this thread."""
    _ = document.text
    document.node_at(1, 1)
    line_span(document, document.root)


class LoadTask(QRunnable):
    """Read a file (or bytes) into a document and the ITK3 view of it.

    Args:
        path: The file to read; None to read ``data``.
        generation: The request number, echoed in the result.
        signals: Where to report; created on the GUI thread.
        data: Bytes to read instead of a file (a simulated message or Response).
        name: What the message is called (default: the file's name).
    """

    def __init__(
        self, path: str | None, generation: int, signals: TaskSignals, data: bytes | None = None, name: str = ""
    ) -> None:
        super().__init__()
        self.path = path
        self.name = name or (Path(path).name if path else "the message")
        self.generation = generation
        self.signals = signals
        self.data = data
        self._reported = -1.0

    def _progress(self, fraction: float) -> None:
        if fraction - self._reported >= PROGRESS_STEP or fraction >= 1.0 > self._reported:
            self._reported = fraction
            self.signals.sig_progress_changed.emit(self.generation, float(fraction))

    def run(self) -> None:
        """Read the file (called on a pool thread)."""
        started = time.perf_counter()
        try:
            if self.path is not None:
                document = read_file(self.path, progress=self._progress)
            else:
                document = read_bytes(self.data or b"", progress=self._progress)
            # Reading the view allocates an object per entry; with a large tree in memory each
            # garbage collection would walk all of it (0.7 s instead of 0.05 s for 8,000 entries).
            with gc_paused():
                context = LabelContext.for_document(document)
                warm(document)
        except ReadError as exc:
            message = str(exc) if self.path is not None else f"{self.name}: {exc}"
            failure = TaskFailure(self.generation, self.path, message, exc.line, exc.column)
            self.signals.sig_task_failed.emit(failure)
            return
        except Exception as exc:  # a worker must report every failure, in words, never crash
            log.exception("reading %s failed", self.path or self.name)
            message = f"{self.path or self.name}: could not be read ({type(exc).__name__}: {exc})"
            self.signals.sig_task_failed.emit(TaskFailure(self.generation, self.path, message))
            return
        seconds = time.perf_counter() - started
        result = LoadResult(self.generation, self.path, self.name, document, context, seconds)
        self.signals.sig_result_ready.emit(result)


class RenderTask(QRunnable):
    """Render a document as XML or JSON, read it back and align it with the original tree.

    Args:
        document: The original document (only read, never changed).
        syntax: ``xml`` or ``json``.
        generation: The request number, echoed in the result.
        signals: Where to report; created on the GUI thread.
    """

    def __init__(self, document: Document, syntax: str, generation: int, signals: TaskSignals) -> None:
        super().__init__()
        self.document = document
        self.syntax = syntax
        self.generation = generation
        self.signals = signals

    def run(self) -> None:
        """Render and align (called on a pool thread)."""
        try:
            data = render(self.document, self.syntax)
            twin = read_bytes(data, syntax=self.syntax)
            forward: dict[int, Node] = {}
            backward: dict[int, Node] = {}
            for original, rendered in align_pairs(self.document.root, twin.root):
                forward[id(original)] = rendered
                backward[id(rendered)] = original
            for originals, renders in ((self.document.prolog, twin.prolog), (self.document.epilog, twin.epilog)):
                for original, rendered in zip(originals, renders, strict=False):
                    forward[id(original)] = rendered
                    backward[id(rendered)] = original
            warm(twin)
            text = twin.text or ""
        except WorkbenchError as exc:
            name = Path(self.document.path).name if self.document.path else "the message"
            message = f"{name} cannot be shown as {self.syntax.upper()}: {exc}"
            failure = TaskFailure(self.generation, self.document.path, message, task=self.syntax)
            self.signals.sig_task_failed.emit(failure)
            return
        except Exception as exc:  # a worker must report every failure, in words, never crash
            log.exception("rendering as %s failed", self.syntax)
            message = f"Could not render as {self.syntax.upper()} ({type(exc).__name__}: {exc})"
            failure = TaskFailure(self.generation, self.document.path, message, task=self.syntax)
            self.signals.sig_task_failed.emit(failure)
            return
        self.signals.sig_result_ready.emit(RenderResult(self.generation, self.syntax, text, twin, forward, backward))


class ValidateTask(QRunnable):
    """Validate a document (only what changed, when the validation function can).

    The tree may be edited on the GUI thread while the task reads it; the result then carries
    an older ``version`` and the receiver drops it (a new validation follows the edit).

    Args:
        validate: The validation function (it keeps the previous results).
        document: The document.
        changed: The nodes changed since the last validation, or None for a full one.
        version: The document's edit version now.
        generation: The request series, echoed in the result.
        signals: Where to report; created on the GUI thread.
    """

    def __init__(
        self,
        validate: ValidateFunction,
        document: Document,
        changed: list[Node] | None,
        version: int,
        generation: int,
        signals: TaskSignals,
    ) -> None:
        super().__init__()
        self.validate = validate
        self.document = document
        self.changed = changed
        self.version = version
        self.generation = generation
        self.signals = signals

    def run(self) -> None:
        """Validate (called on a pool thread)."""
        try:
            report, stats = self.validate(self.document, self.changed)
        except Exception as exc:  # a worker must report every failure, in words, never crash
            log.exception("validating failed")
            message = f"validation failed ({type(exc).__name__}: {exc})"
            self.signals.sig_task_failed.emit(
                TaskFailure(self.generation, self.document.path, message, task="validate")
            )
            return
        self.signals.sig_result_ready.emit(ValidationResult(self.generation, self.version, report, stats))
