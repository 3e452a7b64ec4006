"""Autosave every few seconds per modified tab, and the offer to restore after a crash or a kill.

Every :data:`AUTOSAVE_INTERVAL_MS` the :class:`AutosaveController` looks at the open messages:
one whose unsaved edits changed since its last autosave is written (the core's
:class:`~workbench.core.compose.autosave.AutosaveStore`; atomic, one file per message), one
without unsaved edits any more (saved, or undone back) has its autosave forgotten. Writing the
message out happens in the thread pool; the file is written only if no edit came in meanwhile
(the next tick writes the newer version), so typing never waits and no file holds half an edit.
Closing a tab (saved, or its edits discarded) forgets its autosave too.

At the next start, autosaves left behind (the workbench crashed or was killed) are offered back
in a :class:`RecoveryDialog` that does not block: restore the ones checked into tabs (unsaved,
with the file they came from), discard them, or decide later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QRunnable, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core.compose.autosave import Autosaved, AutosaveError, AutosaveStore
from workbench.core.compose.payload import size_text
from workbench.core.session import MessageSession
from workbench.gui.context import AppContext
from workbench.gui.tasks import TaskFailure, TaskSignals, carrier

log = logging.getLogger(__name__)

#: How often modified messages are autosaved.
AUTOSAVE_INTERVAL_MS = 5000
_ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True, slots=True)
class AutosaveRecord:
    """A message written out for its autosave (not on disk yet).

    Attributes:
        key: The session's key.
        version: The session's edit version written.
        record: The autosave file's bytes.
        name: The message's name.
    """

    key: str
    version: int
    record: bytes
    name: str


class AutosaveTask(QRunnable):
    """Write a session's message out for its autosave (called on a pool thread)."""

    def __init__(self, store: AutosaveStore, session: MessageSession, signals: TaskSignals) -> None:
        super().__init__()
        self.store = store
        self.session = session
        self.signals = signals

    def run(self) -> None:
        """Make the record."""
        session = self.session
        version = session.version
        try:
            record = self.store.record(session)
        except Exception as exc:  # an edit made meanwhile can break the walk; the next tick retries
            self.signals.sig_task_failed.emit(TaskFailure(version, session.path, str(exc), "autosave"))
            return
        self.signals.sig_result_ready.emit(AutosaveRecord(session.key, version, record, session.name))


class AutosaveController(QObject):
    """Autosaves the open messages and offers back what a crash left.

    Signals:
        sig_autosaved(str): A message's autosave was written; carries the session's key.

    Args:
        context: The application context (its thread pool writes the messages out).
        sessions: Gives the open sessions.
        store: Where autosaves go (default: the user's data directory).
        parent: The Qt parent.

    Attributes:
        store: The core autosave store.
        timer: The autosave timer (every :data:`AUTOSAVE_INTERVAL_MS`).
    """

    sig_autosaved = Signal(str)

    def __init__(
        self,
        context: AppContext,
        sessions: Callable[[], list[MessageSession]],
        store: AutosaveStore | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._sessions = sessions
        self.store = store or AutosaveStore()
        self._running: set[str] = set()
        self.timer = QTimer(self)
        self.timer.setInterval(AUTOSAVE_INTERVAL_MS)
        self.timer.timeout.connect(self.autosave_now)
        self.timer.start()

    def autosave_now(self) -> int:
        """Autosave every message that needs it now (in the thread pool); return how many were started."""
        started = 0
        for session in self._sessions():
            if self.store.is_stale(session):
                self.store.discard(session.key)
            if session.key in self._running or not self.store.needs_saving(session):
                continue
            self._running.add(session.key)
            signals = carrier(
                self._context.carriers,
                lambda result, session=session: self._on_recorded(session, result),
                lambda failure, key=session.key: self._on_failed(key, failure),
            )
            self._context.pool.start(AutosaveTask(self.store, session, signals))
            started += 1
        return started

    def is_busy(self) -> bool:
        """Return whether an autosave is being written out."""
        return bool(self._running)

    def forget(self, session: MessageSession) -> None:
        """Forget a message's autosave (its tab closed: saved, or its edits discarded)."""
        self.store.discard(session.key)

    def stop(self) -> None:
        """Stop autosaving (the window closes)."""
        self.timer.stop()

    # ---------------------------------------------------------------------------- handlers

    def _on_recorded(self, session: MessageSession, result: AutosaveRecord) -> None:
        self._running.discard(result.key)
        open_now = any(s is session for s in self._sessions())
        if not open_now or session.version != result.version or not session.modified:
            return  # closed, edited meanwhile (the next tick writes the newer one), or saved
        try:
            self.store.write(result.key, result.version, result.record, result.name)
        except AutosaveError as exc:
            log.warning("%s", exc)
            return
        self.sig_autosaved.emit(result.key)

    def _on_failed(self, key: str, _failure: TaskFailure) -> None:
        self._running.discard(key)


# ---- the offer at start ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecoveryChoice:
    """What to do with the autosaves left behind.

    Attributes:
        restore: Those to open in tabs.
        discard: Those to forget.
    """

    restore: tuple[Autosaved, ...]
    discard: tuple[Autosaved, ...]


class RecoveryDialog(QDialog):
    """Offers back the unsaved edits of the last run (it was closed unexpectedly).

    Signals:
        sig_decided(object): The user chose; carries a :class:`RecoveryChoice` ("Later" sends
            nothing: the autosaves are offered again at the next start).

    Args:
        entries: The autosaves left behind, newest first.
        parent: The Qt parent.
    """

    sig_decided = Signal(object)

    def __init__(self, entries: list[Autosaved], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recoveryDialog")
        self.setWindowTitle("Restore Unsaved Edits")
        self._entries = entries
        count = len(entries)
        intro = QLabel(
            f"The workbench was closed without saving {count} message{'s' if count != 1 else ''}. "
            "Restore the edits checked below into tabs (not saved yet), or discard them."
        )
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("autosaves")
        for entry in entries:
            where = entry.path or "a new message, never saved"
            text = f"{entry.label}\n{where}"
            if entry.problem is None:
                text += f" · {size_text(entry.size)}"
            else:
                text += f" · cannot be restored: {entry.problem}"
            item = QListWidgetItem(text)
            item.setData(_ENTRY_ROLE, entry.key)
            flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
            if entry.problem is None:
                flags |= Qt.ItemFlag.ItemIsUserCheckable
            item.setFlags(flags)
            item.setCheckState(Qt.CheckState.Checked if entry.problem is None else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        note = QLabel("Edits not checked are discarded. Later keeps them all and asks again at the next start.")
        note.setWordWrap(True)
        note.setStyleSheet("QLabel { color: #57606a; }")
        buttons = QDialogButtonBox()
        self.restore_button: QPushButton = buttons.addButton("Restore", QDialogButtonBox.ButtonRole.AcceptRole)
        self.restore_button.setObjectName("restore")
        self.discard_button: QPushButton = buttons.addButton("Discard All", QDialogButtonBox.ButtonRole.DestructiveRole)
        self.discard_button.setObjectName("discardAll")
        self.later_button: QPushButton = buttons.addButton("Later", QDialogButtonBox.ButtonRole.RejectRole)
        self.later_button.setObjectName("later")
        self.restore_button.setDefault(True)
        self.restore_button.clicked.connect(self._on_restore_clicked)
        self.discard_button.clicked.connect(self._on_discard_clicked)
        self.later_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(620, 340)

    def checked(self) -> list[Autosaved]:
        """Return the autosaves checked for restoring."""
        keys = {
            self.list.item(row).data(_ENTRY_ROLE)
            for row in range(self.list.count())
            if self.list.item(row).checkState() == Qt.CheckState.Checked
        }
        return [e for e in self._entries if e.key in keys and e.problem is None]

    def _on_restore_clicked(self) -> None:
        chosen = self.checked()
        rest = tuple(e for e in self._entries if e not in chosen)
        self.sig_decided.emit(RecoveryChoice(tuple(chosen), rest))
        self.accept()

    def _on_discard_clicked(self) -> None:
        self.sig_decided.emit(RecoveryChoice((), tuple(self._entries)))
        self.accept()


def restore(store: AutosaveStore, choice: RecoveryChoice) -> tuple[list[MessageSession], list[str]]:
    """Act on a recovery choice: the sessions restored, and what could not be (in words)."""
    sessions: list[MessageSession] = []
    problems: list[str] = []
    for entry in choice.restore:
        try:
            sessions.append(store.recover(entry))
        except AutosaveError as exc:
            problems.append(str(exc))
    for entry in choice.discard:
        store.discard(entry.key)
    return sessions, problems
