"""The Qt face of one open message: a :class:`~workbench.core.session.MessageSession` as signals.

The session (core, no Qt) owns the message: bytes, name, path, syntax, the editable tree and its
history, the labels, the latest report, modified state. :class:`QtSession` is one of its
observers and says what happened as Qt signals, so panels connect to signals instead of being
handed copies of the document. It holds nothing but the session: every panel reads the message
from ``qt_session.session`` when it needs it.

Rows of the structure tree follow the edits through the session's editable tree
(:attr:`MessageSession.editable`), as the tree model attaches there.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal

from workbench.core.session import MessageSession, SessionObserver
from workbench.core.tree import Node
from workbench.core.validation.runner import Report


class QtSession(QObject, SessionObserver):
    """Re-emits what happens to a message session as Qt signals.

    Signals:
        sig_edited(object): An edit was made, undone or redone; carries the list of
            :class:`Node` s it changed. The session's labels are those of the tree as it is now.
        sig_validated(object): A report for the message as it is now was recorded; carries the
            :class:`Report` (also ``session.report``).
        sig_saved(str): The message was saved; carries the file's path (the session's name,
            path, syntax and bytes are the saved ones now).
        sig_closed(): The message was closed; nothing should use the session any more.
        sig_modified_changed(bool): The message gained unsaved edits (True) or lost them
            (saved, or undone back to the saved state).

    Args:
        session: The message.
        parent: The Qt parent.

    Attributes:
        session: The message (the one object that holds it).
    """

    sig_edited = Signal(object)
    sig_validated = Signal(object)
    sig_saved = Signal(str)
    sig_closed = Signal()
    sig_modified_changed = Signal(bool)

    def __init__(self, session: MessageSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._modified = session.modified
        session.observers.append(self)

    # ---------------------------------------------------------------- SessionObserver overrides

    def session_edited(self, session: MessageSession, changed: Sequence[Node]) -> None:
        """Override SessionObserver.session_edited."""
        self.sig_edited.emit(list(changed))
        self._check_modified()

    def session_validated(self, session: MessageSession, report: Report) -> None:
        """Override SessionObserver.session_validated."""
        self.sig_validated.emit(report)

    def session_saved(self, session: MessageSession) -> None:
        """Override SessionObserver.session_saved."""
        self.sig_saved.emit(session.path or "")
        self._check_modified()

    def session_closed(self, session: MessageSession) -> None:
        """Override SessionObserver.session_closed."""
        self.sig_closed.emit()

    # ---------------------------------------------------------------------------- helpers

    def _check_modified(self) -> None:
        modified = self.session.modified
        if modified != self._modified:
            self._modified = modified
            self.sig_modified_changed.emit(modified)
