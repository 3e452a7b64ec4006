"""The toolkit's work off the GUI thread: one job, one pool task; and a message's bytes as it is now.

A :class:`Job` runs a plain function (``work(progress) -> result``) in the context's thread
pool and reports through a :func:`~workbench.gui.tasks.carrier`: its result, or a
:class:`~workbench.gui.tasks.TaskFailure` in words (never a traceback). Failures the user can
act on (a file that cannot be read or written, a message that cannot be rendered) are told as
they are; anything else is logged and told with its type.

A :class:`Snapshot` is what a job needs of an open message: its bytes as opened when it has no
edits, otherwise its tree, rendered in the worker. A job whose message was edited meanwhile may
have read a half-made edit: :meth:`Snapshot.stale` says so, and the caller runs it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable

from workbench.core.codecs import render_for_saving
from workbench.core.edits import EditableDocument
from workbench.core.errors import WorkbenchError
from workbench.core.session import MessageSession
from workbench.core.tree import Document
from workbench.gui.context import AppContext
from workbench.gui.tasks import TaskFailure, TaskSignals, ThrottledProgress, carrier

log = logging.getLogger(__name__)

#: A job's work: told how to report progress (0..1), returns its result.
Work = Callable[[Callable[[float], None]], Any]


@dataclass(frozen=True, slots=True)
class JobResult:
    """What a job gave back.

    Attributes:
        generation: The request number it answers.
        value: The work's result.
    """

    generation: int
    value: Any


class Job(QRunnable):
    """Run one piece of work on a pool thread.

    Args:
        work: What to do.
        generation: The request number, echoed in the result or failure.
        signals: Where to report; created on the GUI thread.
        task: What the work is, for a failure (``mask``, ``report`` ...).
    """

    def __init__(self, work: Work, generation: int, signals: TaskSignals, task: str) -> None:
        super().__init__()
        self.work = work
        self.generation = generation
        self.signals = signals
        self.task = task
        self._progress = ThrottledProgress(signals, generation)

    def run(self) -> None:
        """Do the work (called on a pool thread)."""
        try:
            value = self.work(self._progress)
        except (WorkbenchError, OSError, ValueError) as exc:
            self.signals.sig_task_failed.emit(TaskFailure(self.generation, None, str(exc), self.task))
            return
        except Exception as exc:  # a worker must report every failure, in words, never crash
            log.exception("%s failed", self.task)
            message = f"{self.task} failed ({type(exc).__name__}: {exc})"
            self.signals.sig_task_failed.emit(TaskFailure(self.generation, None, message, self.task))
            return
        self.signals.sig_result_ready.emit(JobResult(self.generation, value))


def start_job(
    context: AppContext,
    work: Work,
    generation: int,
    task: str,
    done: Callable[[JobResult], object],
    failed: Callable[[TaskFailure], object],
    progress: Callable[[int, float], object] | None = None,
    owner: QObject | None = None,
) -> None:
    """Start a job in the context's pool, its signals under a long-lived owner."""
    signals = carrier(owner or context.carriers, done, failed, progress)  # type: ignore[arg-type]
    context.pool.start(Job(work, generation, signals, task))


@dataclass(frozen=True)
class Snapshot:
    """An open message as a job needs it.

    Attributes:
        name: What it is called.
        path: Its file, if any.
        syntax: ``xml`` or ``json``.
        data: Its bytes as opened (or last saved) when it has no edits since; else None.
        document: Its tree (None when it could not be read).
        editable: Its tree under edit, for noticing edits made while a job ran.
        version: The edit version when the snapshot was taken.
    """

    name: str
    path: str | None
    syntax: str
    data: bytes | None
    document: Document | None
    editable: EditableDocument | None
    version: int

    @classmethod
    def of(cls, session: MessageSession) -> Snapshot:
        """The message of a session as it is now."""
        unedited = session.source is not None and not session.edited
        return cls(
            session.name,
            session.path,
            session.syntax,
            session.source if unedited or session.document is None else None,
            session.document,
            session.editable,
            session.version,
        )

    def bytes(self) -> bytes:
        """The bytes (rendered from the tree when it has edits; call it in the worker).

        Raises:
            WorkbenchError: the tree cannot be written.
        """
        if self.data is not None:
            return self.data
        if self.document is None:
            return b""
        return render_for_saving(self.document, self.syntax)

    @classmethod
    def as_opened(cls, session: MessageSession) -> Snapshot:
        """The message of a session as opened or last saved (as it is now when it has no bytes yet)."""
        return cls(
            session.name,
            session.path,
            session.syntax,
            session.source,
            session.document,
            session.editable,
            session.version,
        )

    def stale(self) -> bool:
        """True when the tree, to be rendered, was edited after the snapshot was taken (a job
        that rendered it may have read a half-made edit)."""
        return self.data is None and self.editable is not None and self.editable.version != self.version
