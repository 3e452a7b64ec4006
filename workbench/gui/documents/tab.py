"""One open message: its session, its inspector and its validation, in one tab.

A :class:`MessageTab` starts reading its file (or bytes) in a worker as soon as it is made, and
shows "Opening…" with a progress bar (after a moment) until the session arrives. Then it shows
the :class:`~workbench.gui.inspector.inspector.Inspector` over the session and validates the
message with its own :class:`~workbench.gui.inspector.validation.ValidationController`. A file
that cannot be read still gives a session, so the tab shows where reading stopped, the bytes,
and the 10009 verdict; an unexpected failure of the reader is shown the same way.

The tab wires its :class:`~.qt_session.QtSession`'s signals to the inspector and the
controller; nothing else holds the message.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QStackedLayout, QVBoxLayout, QWidget

from workbench.core.edits import EditError
from workbench.core.session import MessageSession
from workbench.core.tree import Node
from workbench.core.validation.runner import Report
from workbench.gui.context import AppContext
from workbench.gui.documents.loading import LoadResult, LoadTask, failed_session
from workbench.gui.documents.qt_session import QtSession
from workbench.gui.inspector.inspector import Inspector
from workbench.gui.inspector.validation import ValidationController
from workbench.gui.tasks import TaskFailure, TaskSignals, carrier, in_turns
from workbench.gui.widgets.progress import DelayedProgressBar


class MessageTab(QWidget):
    """One open message (or one being opened).

    Signals:
        sig_opened(object): The message was read (or found unreadable) and is shown; carries
            this tab.
        sig_state_changed(): The tab's title, mark or tooltip may have changed (opened,
            edited, saved).
        sig_edited(): The message was edited, or an edit undone or redone (its history changed).
        sig_validated(object): The message as it is now was validated; carries the
            :class:`~workbench.gui.inspector.validation.ValidationResult`.
        sig_node_selected(object): The selected row of the tree changed; carries its node.
        sig_status_message(str): Something the status bar should say.
        sig_problem(str, str): Something failed; the text and the level for the message bar.

    Args:
        context: The application context.
        name: What the message is called until it is read (the file's name, or the bytes' name).
        prepare: Called with the inspector once it is made, before it shows the message (the
            window gives it its layout and view options).
        parent: The Qt parent.

    Attributes:
        path: The file asked for (absolute), or None for bytes and new messages.
        inspector: The panels, once the message is read.
        validation: The message's validation.
    """

    sig_opened = Signal(object)
    sig_state_changed = Signal()
    sig_edited = Signal()
    sig_validated = Signal(object)
    sig_node_selected = Signal(object)
    sig_status_message = Signal(str)
    sig_problem = Signal(str, str)

    def __init__(
        self,
        context: AppContext,
        name: str,
        prepare: Callable[[Inspector], object] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._name = name
        self._prepare = prepare
        self._qt: QtSession | None = None
        self._sha256: str | None = None  # of the bytes being read (a loaded message has its own)
        self._data: bytes | None = None
        self._generation = 0
        self._closed = False
        self._opened_done = False
        self.path: str | None = None
        self.inspector: Inspector | None = None
        self.validation = ValidationController(context.profiles, context.pool, context.carriers, self)
        self.validation.sig_report_ready.connect(self.sig_validated)
        context.profiles.sig_profiles_changed.connect(self.validation.revalidate)

        self.loading_label = QLabel(f"Opening {name}…")
        self.loading_label.setObjectName("loadingLabel")
        self.progress = DelayedProgressBar()
        loading = QWidget()
        column = QVBoxLayout(loading)
        column.addStretch(1)
        column.addWidget(self.loading_label, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(self.progress, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addStretch(2)
        self._stack = QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)
        self._stack.addWidget(loading)

    # ------------------------------------------------------------------------------ opening

    def load_file(self, path: str) -> None:
        """Read a file in a worker; the tab shows it when read."""
        self.path = os.path.abspath(path)
        self._start(LoadTask(self.path, self._next_generation(), self._carrier(), name=Path(path).name))

    def load_bytes(self, data: bytes, name: str) -> None:
        """Read message bytes (a simulated message or Response) in a worker."""
        self._data = data
        self._sha256 = hashlib.sha256(data).hexdigest()
        self._start(LoadTask(None, self._next_generation(), self._carrier(), data, name))

    def show_session(self, session: MessageSession, text: str | None = None) -> None:
        """Show a session made here (a new message), as a worker's would be shown."""
        self._next_generation()  # a read under way is no longer wanted
        self._show(session, text)

    def _next_generation(self) -> int:
        self._generation += 1
        return self._generation

    def _carrier(self) -> TaskSignals:
        return carrier(
            self._context.carriers,
            self._on_load_result_ready,  # type: ignore[arg-type]
            self._on_load_task_failed,
            self._on_load_progress_changed,
        )

    def _start(self, task: LoadTask) -> None:
        self.progress.begin()
        self._context.pool.start(task)

    def _show(self, session: MessageSession, text: str | None, *, staged: bool = False) -> None:
        """Show a session; ``staged`` runs the steps one per turn of the event loop (a read file)."""
        self.progress.end()
        self._qt = qt = QtSession(session, self)
        inspector = self.inspector = Inspector(self._context, self)
        inspector.sig_status_message.connect(self.sig_status_message)
        inspector.sig_problem.connect(self.sig_problem)
        inspector.sig_node_selected.connect(self.sig_node_selected)
        inspector.tree.sig_value_edit_requested.connect(self._on_value_edit_requested)
        self.validation.sig_validation_started.connect(inspector.show_validating)
        self.validation.sig_validation_failed.connect(inspector.show_failure)
        qt.sig_edited.connect(self._on_session_edited)
        qt.sig_validated.connect(self._on_session_validated)
        qt.sig_saved.connect(self._on_session_saved)
        qt.sig_modified_changed.connect(self.sig_state_changed)
        self._stack.addWidget(inspector)
        self._stack.setCurrentWidget(inspector)
        if self._prepare is not None:
            self._prepare(inspector)
        steps = [*inspector.steps(session, text), self._opened]
        if staged:
            generation = self._generation  # a read or a close after this one stops the steps
            in_turns(steps, lambda: not self._closed and generation == self._generation)
        else:
            for step in steps:
                step()

    def _opened(self) -> None:
        assert self._qt is not None
        self._opened_done = True
        self.validation.set_session(self._qt.session)
        self.sig_state_changed.emit()
        self.sig_opened.emit(self)

    # ---------------------------------------------------------------------------------- API

    @property
    def session(self) -> MessageSession | None:
        """The message, once read (None while it is being read)."""
        return self._qt.session if self._qt is not None else None

    @property
    def qt_session(self) -> QtSession | None:
        """The session's Qt adapter, once read."""
        return self._qt

    def is_loading(self) -> bool:
        """Return whether the message is still being read, or shown (see :attr:`sig_opened`)."""
        return not self._opened_done

    def name(self) -> str:
        """Return what the message is called."""
        session = self.session
        return session.name if session is not None else self._name

    def modified(self) -> bool:
        """Return whether the message has edits not saved (or was made here and never saved)."""
        session = self.session
        return session is not None and session.modified

    def sha256(self) -> str | None:
        """Return the SHA-256 of the bytes the tab holds (or is reading), if any."""
        session = self.session
        return session.sha256 if session is not None else self._sha256

    def holds_file(self, path: str) -> bool:
        """Return whether the tab holds (or is reading) this file."""
        mine = self.session.path if self.session is not None else self.path
        return mine is not None and _same_file(mine, path)

    def title(self) -> str:
        """Return the tab's text: the name, with ``*`` when there are unsaved edits."""
        return f"{self.name()}{'*' if self.modified() else ''}"

    def tooltip(self) -> str:
        """Return the tab's tooltip: the full name and where the message comes from."""
        session = self.session
        path = session.path if session is not None else self.path
        if session is None:
            where = path or "bytes"
            return f"{self._name}\n{where}\nopening…"
        if path is not None:
            where = path
        elif session.source is None:
            where = "a new message, not saved yet"
        else:
            where = "not a file (bytes from the Simulate window)"
        lines = [session.name, where]
        if session.error is not None:
            lines.append(f"could not be read: {session.error}")
        elif session.modified:
            lines.append("has edits that are not saved")
        return "\n".join(lines)

    def close_session(self) -> None:
        """Stop validating and close the message (its observers are told); the tab is done."""
        self._next_generation()  # a read under way is dropped when it ends
        self._closed = True
        self.validation.set_session(None)
        if self._qt is not None:
            self._qt.session.close()

    # ---------------------------------------------------------------------------- handlers

    def _on_load_progress_changed(self, generation: int, fraction: float) -> None:
        if generation == self._generation:
            self.progress.set_fraction(fraction)

    def _on_load_result_ready(self, result: LoadResult) -> None:
        if result.generation != self._generation:
            return
        self.sig_status_message.emit(f"Opened {result.session.name} in {result.seconds:.2f} s")
        self._show(result.session, result.text, staged=True)

    def _on_load_task_failed(self, failure: TaskFailure) -> None:
        if failure.generation != self._generation:
            return
        self._show(failed_session(failure, self._name, self._data), None)

    def _on_value_edit_requested(self, node: Node, value: str) -> None:
        """A value typed in the tree (F2): the session makes the edit, undoably."""
        if self._qt is None:
            return
        try:
            self._qt.session.set_value(node, value)
        except EditError as exc:
            self.sig_problem.emit(str(exc), "warning")

    def _on_session_edited(self, changed: list) -> None:
        if self.inspector is not None:
            self.inspector.session_edited(changed)
        self.validation.session_edited(changed)
        self.sig_edited.emit()

    def _on_session_validated(self, report: Report) -> None:
        if self.inspector is not None:
            self.inspector.show_report(report)

    def _on_session_saved(self, _path: str) -> None:
        if self.inspector is not None:
            self.inspector.session_saved()
        self.validation.revalidate()  # findings must point into the bytes saved
        self.sig_state_changed.emit()


def _same_file(a: str, b: str) -> bool:
    """True when two paths name the same file (followed links, or the same text when missing)."""
    try:
        return Path(a).samefile(b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)
