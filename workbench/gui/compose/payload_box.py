"""The header form's payload section: what the message carries, its attachments and sizes.

It says what the payload is (a document Bundle, a payload Bundle, resources, or nothing yet,
with how to attach one), lists every attachment with its type and size, and the message's size
against the receiver's limit (5 MB by default): past it, a warning says a receiver answers
20015; an attachment of a type not approved, that it answers 20004.

The message's size is the size of the message written in its syntax. For a message as opened
or saved that is its bytes; after edits it is measured by writing the message in the thread
pool (:class:`SizeTask`), a moment after the last edit, so typing never waits for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRunnable, QTimer, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from workbench.core.catalogue import catalogue
from workbench.core.compose.payload import attachment_name, size_text, size_warnings
from workbench.core.errors import WorkbenchError
from workbench.core.itk3.view import MessageView
from workbench.core.session import MessageSession
from workbench.gui.compose.fields import WARNING_STYLE, muted
from workbench.gui.context import AppContext
from workbench.gui.tasks import TaskFailure, TaskSignals, carrier

#: Quiet time after an edit before the message's size is measured again.
SIZE_DELAY_MS = 400
_KINDS = {
    "document bundle": "a FHIR document (Bundle of type document)",
    "resources": "FHIR resources in the message Bundle",
}


@dataclass(frozen=True, slots=True)
class MeasuredSize:
    """The size of one version of a message.

    Attributes:
        generation: The request the result answers.
        version: The session's edit version measured.
        size: Bytes, written in the message's syntax.
    """

    generation: int
    version: int
    size: int


class SizeTask(QRunnable):
    """Write a message in its syntax (off the GUI thread) to learn its size.

    The tree may be edited meanwhile; the result then carries an older version and is dropped.
    """

    def __init__(self, session: MessageSession, generation: int, signals: TaskSignals) -> None:
        super().__init__()
        self.session = session
        self.version = session.version
        self.generation = generation
        self.signals = signals

    def run(self) -> None:
        """Measure (called on a pool thread)."""
        try:
            size = len(self.session.render())
        except (WorkbenchError, ValueError, RuntimeError) as exc:  # an edit under way may break the walk
            self.signals.sig_task_failed.emit(TaskFailure(self.generation, None, str(exc), "size"))
            return
        self.signals.sig_result_ready.emit(MeasuredSize(self.generation, self.version, size))


class PayloadBox(QGroupBox):
    """The payload, attachments and sizes of one message.

    Signals:
        sig_attach_requested(): Attach… was pressed.
        sig_remove_requested(): Remove Payload was pressed.

    Args:
        context: The application context (its thread pool measures the size).
        session: The message.
        parent: The Qt parent.
    """

    sig_attach_requested = Signal()
    sig_remove_requested = Signal()

    def __init__(self, context: AppContext, session: MessageSession, parent: QWidget | None = None) -> None:
        super().__init__("Payload and attachments", parent)
        self._context = context
        self._session = session
        self._generation = 0
        self._size: int | None = None
        self.summary = QLabel()
        self.summary.setObjectName("payloadSummary")
        self.summary.setWordWrap(True)
        self.attachments = QLabel()
        self.attachments.setObjectName("attachments")
        self.attachments.setWordWrap(True)
        self.size_label = muted()
        self.size_label.setObjectName("messageSize")
        self.warning = QLabel()
        self.warning.setObjectName("sizeWarning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(WARNING_STYLE)
        self.warning.hide()
        self.attach_button = QPushButton("Attach…")
        self.attach_button.setToolTip("Attach a FHIR document, other FHIR resources or any file (File › Attach…)")
        self.attach_button.clicked.connect(self.sig_attach_requested)
        self.remove_button = QPushButton("Remove Payload")
        self.remove_button.setToolTip("Remove the payload and the header's focus on it (Undo brings them back)")
        self.remove_button.clicked.connect(self.sig_remove_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.attach_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.attachments)
        layout.addWidget(self.size_label)
        layout.addWidget(self.warning)
        layout.addLayout(buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SIZE_DELAY_MS)
        self._timer.timeout.connect(self._measure)
        self._limit = catalogue().size_limit_bytes

    # ---------------------------------------------------------------------------------- API

    def message_size(self) -> int | None:
        """Return the message's size as last measured (None until it is known)."""
        return self._size

    def is_measuring(self) -> bool:
        """Return whether the size of the message as it is now is still to come."""
        return self._timer.isActive() or self._size is None

    def show_view(self, view: MessageView, edited: bool) -> None:
        """Show what the message carries; measure its size again after edits."""
        self.summary.setText(_summary(view))
        lines = []
        warnings: list[str] = []
        for attachment in view.attachments:
            name = attachment_name(view, attachment)
            lines.append(f"• {name}: {attachment.content_type or 'no contentType'}, {size_text(attachment.size)}")
            warnings += size_warnings(attachment.size, attachment.content_type, self._limit)
        self.attachments.setText("\n".join(lines) if lines else "No attachments.")
        self._attachment_warnings = warnings
        self.remove_button.setEnabled(view.payload is not None)
        source = self._session.source
        if not edited and source is not None:
            self._timer.stop()
            self._show_size(len(source))
        else:
            self._generation += 1  # a measure under way is for an older version
            self._timer.start()
            if self._size is None:
                self.size_label.setText("Message size: measuring…")
            self._show_warnings()

    # ---------------------------------------------------------------------------- helpers

    def _measure(self) -> None:
        signals = carrier(self._context.carriers, self._on_measured, self._on_failed)  # type: ignore[arg-type]
        self._context.pool.start(SizeTask(self._session, self._generation, signals))

    def _on_measured(self, measured: MeasuredSize) -> None:
        if measured.generation == self._generation and measured.version == self._session.version:
            self._show_size(measured.size)

    def _on_failed(self, failure: TaskFailure) -> None:
        if failure.generation == self._generation:
            self._timer.start()  # the message changed under the measure: measure again

    def _show_size(self, size: int) -> None:
        self._size = size
        self.size_label.setText(f"Message size: {size_text(size)} (a receiver's limit: {size_text(self._limit)})")
        self._show_warnings()

    def _show_warnings(self) -> None:
        found = list(getattr(self, "_attachment_warnings", []))
        if self._size is not None:
            found += size_warnings(0, None, self._limit, self._size)
        self.warning.setText("\n".join(found))
        self.warning.setVisible(bool(found))


def _summary(view: MessageView) -> str:
    kind = view.payload_kind
    if view.payload is None:
        event = view.event.payload_kind if view.event is not None else None
        wanted = {"document": "its FHIR document", "collection": "its payload"}.get(event or "", "its payload")
        return f"No payload yet: attach {wanted} with Attach… or drop the file on this tab."
    words = _KINDS.get(kind) or (f"a payload Bundle ({kind.split('(', 1)[-1].rstrip(')')})" if "(" in kind else kind)
    count = ""
    if kind != "resources":
        entries = len(view.payload.children_named("entry"))
        count = f", {entries} entr{'y' if entries == 1 else 'ies'}"
    focused = any(p.resource is view.payload for p in view.focus)
    return f"Carries {words}{count}; " + ("focus points at it." if focused else "the header's focus does not name it.")
