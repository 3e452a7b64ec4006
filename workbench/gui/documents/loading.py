"""Reading a message off the GUI thread: a file or bytes become a :class:`MessageSession`.

:class:`LoadTask` runs in the context's thread pool. It builds the session (the core reads the
bytes, the tree, the ITK3 labels; bytes that cannot be read give a session that says where and
why), then warms what the GUI thread would otherwise build on first use: the decoded text the
Original view shows (with its line breaks normalised), source positions, the line index, the
STU3 type index. Nothing the GUI thread touches is half built when the result arrives.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QRunnable

from workbench.core.errors import ReadError
from workbench.core.session import MessageSession
from workbench.core.tree import decode_source
from workbench.gui.inspector.highlight import normalise_newlines
from workbench.gui.tasks import TaskFailure, TaskSignals, ThrottledProgress, quiet_collector, warm

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LoadResult:
    """A message read, ready to show.

    Attributes:
        generation: The request number the result answers.
        session: The message (readable or not).
        text: What the Original view shows: the bytes decoded, line breaks as ``\\n`` ("" when
            there are no bytes).
        seconds: How long reading took.
    """

    generation: int
    session: MessageSession
    text: str
    seconds: float


class LoadTask(QRunnable):
    """Read a file (or bytes) into a :class:`MessageSession`.

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
        self._progress = ThrottledProgress(signals, generation)

    def run(self) -> None:
        """Read (called on a pool thread)."""
        started = time.perf_counter()
        try:
            with quiet_collector():  # the tree is hundreds of thousands of objects
                if self.path is not None:
                    session = MessageSession.open_file(self.path, progress=self._progress)
                else:
                    session = MessageSession.open_bytes(self.data or b"", self.name, progress=self._progress)
                if session.document is not None:
                    warm(session.document)
                    text = session.document.text or ""
                else:
                    text = decode_source(session.source) if session.source is not None else ""
                text = normalise_newlines(text)
        except Exception as exc:  # a worker must report every failure, in words, never crash
            log.exception("reading %s failed", self.path or self.name)
            message = f"could not be read ({type(exc).__name__}: {exc})"
            self.signals.sig_task_failed.emit(TaskFailure(self.generation, self.path, message))
            return
        seconds = time.perf_counter() - started
        self.signals.sig_result_ready.emit(LoadResult(self.generation, session, text, seconds))


def failed_session(failure: TaskFailure, name: str, data: bytes | None) -> MessageSession:
    """A session for a message whose reading failed unexpectedly: it says so, never empty."""
    error = ReadError(failure.message, file=failure.path or name)
    return MessageSession(name=name, path=failure.path, source=data, error=error)
