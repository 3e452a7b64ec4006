"""Validation of the document a window shows: off the GUI thread, debounced, incremental.

A :class:`ValidationController` validates a document as soon as it is shown, and again
:data:`DEBOUNCE_MS` after the last of a burst of edits, re-checking only the entries the edits
changed (:class:`~workbench.core.validation.incremental.IncrementalValidator`). One validation
runs at a time per window; a request made while one runs starts when it ends. A result for an
older version of the document (an edit came in while it ran) or for another document is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from workbench.core.edits import EditableDocument
from workbench.core.tree import Document, Node
from workbench.core.validation.incremental import IncrementalValidator, RunStats
from workbench.core.validation.runner import Report, Validator
from workbench.gui.profiles import ProfileLibrary
from workbench.gui.workers import TaskFailure, TaskSignals, ValidateTask, ValidationResult

#: Quiet time after an edit before validation runs again.
DEBOUNCE_MS = 300


class _State:
    """The incremental validator of one window (used by one task at a time)."""

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
    """Keeps the validation of one window's document up to date.

    Signals:
        sig_validation_started(): A validation started (the banner says "Validating…").
        sig_report_ready(object): The document as it is now has been validated; carries the
            :class:`~workbench.gui.workers.ValidationResult`.
        sig_validation_failed(str): Validation of the current document failed; carries why.

    Args:
        library: Where the profiles come from.
        pool: The thread pool that validates.
        parent: The Qt parent.
    """

    sig_validation_started = Signal()
    sig_report_ready = Signal(object)
    sig_validation_failed = Signal(str)

    def __init__(self, library: ProfileLibrary, pool: QThreadPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = pool
        self._state = _State(library)
        self._target: EditableDocument | None = None
        self._generation = 0
        self._changed: list[Node] | None = None  # None: the next run is a full one
        self._running: TaskSignals | None = None
        self._running_version = -1
        self._again = False
        self._last: ValidationResult | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self._start)

    # ---------------------------------------------------------------------------------- API

    def set_target(self, target: EditableDocument | None) -> None:
        """Validate a new document now (None: stop validating)."""
        self._generation += 1
        self._target = target
        self._changed = None
        self._last = None
        self.timer.stop()
        if target is not None:
            self._start()

    def document_edited(self, changed: Sequence[Node]) -> None:
        """Validate again after the quiet time, re-checking what contains ``changed``."""
        if self._target is None:
            return
        if self._changed is not None:
            self._changed.extend(changed)
        self.timer.start()

    def revalidate(self) -> None:
        """Validate the whole document again now (the profiles changed)."""
        if self._target is None:
            return
        self._changed = None
        self.timer.stop()
        self._start()

    def is_busy(self) -> bool:
        """Return whether a validation runs or waits for the quiet time to pass."""
        return self._running is not None or self.timer.isActive() or self._again

    def result(self) -> ValidationResult | None:
        """Return the last result for the document shown, if any."""
        return self._last

    def report(self) -> Report | None:
        """Return the last report for the document shown, if any."""
        return self._last.report if self._last is not None else None

    # ---------------------------------------------------------------------------- helpers

    def _start(self) -> None:
        target = self._target
        if target is None:
            return
        if self._running is not None:
            self._again = True
            return
        self._again = False
        changed, self._changed = self._changed, []
        self._running_version = target.version
        signals = self._running = TaskSignals(self)
        signals.sig_result_ready.connect(self._on_result_ready)
        signals.sig_task_failed.connect(self._on_task_failed)
        self.sig_validation_started.emit()
        task = ValidateTask(self._state.validate, target.document, changed, target.version, self._generation, signals)
        self._pool.start(task)

    def _finish(self) -> None:
        if self._running is not None:
            self._running.deleteLater()
            self._running = None
        if self._again:
            self._start()

    def _on_result_ready(self, result: ValidationResult) -> None:
        current = (
            self._target is not None
            and result.generation == self._generation
            and result.version == self._target.version
        )
        if current:
            self._last = result
        self._finish()
        if current:
            self.sig_report_ready.emit(result)

    def _on_task_failed(self, failure: TaskFailure) -> None:
        current = failure.generation == self._generation
        if current:
            self._changed = None  # the validator forgot what it had: the next run is full
        # A run that read the tree while an edit changed it may fail; the run after the edit counts.
        stale = self._target is None or self._target.version != self._running_version
        self._finish()
        if current and not stale:
            self.sig_validation_failed.emit(failure.message)
