"""Validation of one open message: off the GUI thread, debounced, incremental, recorded in its session.

A :class:`ValidationController` validates a session's message as soon as it is shown, again
:data:`DEBOUNCE_MS` after the last of a burst of edits, re-checking only the entries the edits
changed (:class:`~workbench.core.validation.incremental.IncrementalValidator`), and in full after
a save (positions now point into the saved bytes) or when the profiles change. One validation
runs at a time per message; a request made while one runs starts when it ends. A report is
recorded with ``session.set_report(report, version)``, which drops a report made for an older
version (an edit came in while it ran); the session tells its observers, so the banner and the
issues panel follow the session, not the controller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from workbench.core.session import MessageSession
from workbench.core.tree import Document, Node
from workbench.core.validation.incremental import IncrementalValidator, RunStats
from workbench.core.validation.runner import Report, Validator
from workbench.gui.profiles.library import ProfileLibrary
from workbench.gui.tasks import LARGE_MESSAGE, TaskFailure, TaskSignals, carrier, quiet_collector

log = logging.getLogger(__name__)

#: Quiet time after an edit before validation runs again.
DEBOUNCE_MS = 300

#: Validates a document (with the nodes changed since the last run, or None for a full run).
ValidateFunction = Callable[[Document, "list[Node] | None"], tuple[Report, RunStats]]


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """A validation of one version of a message.

    Attributes:
        generation: The request series the result answers (a new session is a new series).
        version: The message's edit version that was validated.
        report: The report.
        stats: Which entries were checked and which reused.
    """

    generation: int
    version: int
    report: Report
    stats: RunStats


class ValidateTask(QRunnable):
    """Validate a document (only what changed, when the validation function can).

    The tree may be edited on the GUI thread while the task reads it; the result then carries
    an older ``version`` and the session drops it (a new validation follows the edit).

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
            with quiet_collector(len(self.document.source or b"") >= LARGE_MESSAGE):
                report, stats = self.validate(self.document, self.changed)
        except Exception as exc:  # a worker must report every failure, in words, never crash
            log.exception("validating failed")
            message = f"validation failed ({type(exc).__name__}: {exc})"
            self.signals.sig_task_failed.emit(TaskFailure(self.generation, self.document.path, message, "validate"))
            return
        self.signals.sig_result_ready.emit(ValidationResult(self.generation, self.version, report, stats))


class _State:
    """The incremental validator of one message (used by one task at a time)."""

    def __init__(self, library: ProfileLibrary) -> None:
        self.library = library
        self.incremental: IncrementalValidator | None = None

    def validate(self, document: Document, changed: list[Node] | None) -> tuple[Report, RunStats]:
        registry = self.library.registry()
        if self.incremental is None or self.incremental.validator.registry is not registry:
            self.incremental = IncrementalValidator(Validator(registry))
        try:
            report = self.incremental.validate(document, changed)
        except Exception:
            self.incremental = None
            raise
        return report, self.incremental.stats


class ValidationController(QObject):
    """Keeps the validation of one session's message up to date.

    Signals:
        sig_validation_started(): A validation started (the banner says "Validating…").
        sig_report_ready(object): The message as it is now has been validated and the report
            recorded in the session; carries the :class:`ValidationResult`.
        sig_validation_failed(str): Validation of the message as it is now failed; carries why.

    Args:
        library: Where the profiles come from.
        pool: The thread pool that validates.
        carriers: The long-lived parent of the tasks' signal carriers.
        parent: The Qt parent.
    """

    sig_validation_started = Signal()
    sig_report_ready = Signal(object)
    sig_validation_failed = Signal(str)

    def __init__(
        self, library: ProfileLibrary, pool: QThreadPool, carriers: QObject, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._pool = pool
        self._carriers = carriers
        self._state = _State(library)
        self._session: MessageSession | None = None
        self._generation = 0
        self._changed: list[Node] | None = None  # None: the next run is a full one
        self._running = False
        self._running_version = -1
        self._again = False
        self._last: ValidationResult | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self._start)

    # ---------------------------------------------------------------------------------- API

    def set_session(self, session: MessageSession | None) -> None:
        """Validate a session's message now (None, or an unreadable message: stop validating)."""
        self._generation += 1
        self._session = session if session is not None and session.readable else None
        self._changed = None
        self._last = None
        self._again = False
        self.timer.stop()
        if self._session is not None:
            self._start()

    def session_edited(self, changed: Sequence[Node]) -> None:
        """Validate again after the quiet time, re-checking what contains ``changed``."""
        if self._session is None:
            return
        if self._changed is not None:
            self._changed.extend(changed)
        self.timer.start()

    def revalidate(self) -> None:
        """Validate the whole message again now (the profiles changed, or it was saved)."""
        if self._session is None:
            return
        self._changed = None
        self.timer.stop()
        self._start()

    def is_busy(self) -> bool:
        """Return whether a validation runs or waits for the quiet time to pass."""
        return self._running or self.timer.isActive() or self._again

    def result(self) -> ValidationResult | None:
        """Return the last result recorded for the session's message, if any."""
        return self._last

    # ---------------------------------------------------------------------------- helpers

    def _start(self) -> None:
        session = self._session
        if session is None or session.document is None:
            return
        if self._running:
            self._again = True
            return
        self._again = False
        changed, self._changed = self._changed, []
        self._running = True
        self._running_version = session.version
        signals = carrier(self._carriers, self._on_result_ready, self._on_task_failed)  # type: ignore[arg-type]
        self.sig_validation_started.emit()
        task = ValidateTask(self._state.validate, session.document, changed, session.version, self._generation, signals)
        self._pool.start(task)

    def _finish(self, generation: int) -> bool:
        """The running task ended (one runs at a time); start the next if asked.

        Returns:
            Whether the task was for the session shown now.
        """
        self._running = False
        current = generation == self._generation and self._session is not None
        if self._again:
            self._start()
        return current

    def _on_result_ready(self, result: ValidationResult) -> None:
        if not self._finish(result.generation):
            return
        assert self._session is not None
        if self._session.set_report(result.report, result.version):
            self._last = result
            self.sig_report_ready.emit(result)

    def _on_task_failed(self, failure: TaskFailure) -> None:
        # A run that read the tree while an edit changed it may fail; the run after the edit counts.
        stale = self._session is None or self._session.version != self._running_version
        if failure.generation == self._generation:
            self._changed = None  # the validator forgot what it had: the next run is full
        if not self._finish(failure.generation):
            return
        if not stale:
            self.sig_validation_failed.emit(failure.message)
