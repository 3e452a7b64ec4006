"""Send Over MESH: the recipient mailbox and the workflow, for the message shown (or one stored).

:class:`SendDialog` is not modal: the user can look at the message while choosing. The
workflow defaults to the event's, from the MESH settings or the catalogue; the recipient to
the last one used (or, on the local MESH, the auto-responder's mailbox). Recipients used are
remembered.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from workbench.core.catalogue import catalogue
from workbench.core.itk3.labels import format_size
from workbench.gui.mesh.profile import MeshProfile

_RECENT_KEY = "mesh/recent_recipients"
MAX_RECENT = 8
#: What a MESH mailbox id looks like (letters and digits).
MAILBOX = re.compile(r"[A-Za-z0-9]{3,20}")


@dataclass(frozen=True, slots=True)
class Outgoing:
    """Bytes to send, and what they are.

    Attributes:
        name: what the message is called.
        data: the bytes sent, as they are.
        event: its event code, if it can be read.
        note: anything the user should know about the bytes (edits not saved ...).
    """

    name: str
    data: bytes
    event: str | None
    note: str = ""


@dataclass(frozen=True, slots=True)
class SendRequest:
    """Send this, there.

    Attributes:
        outgoing: the bytes and what they are.
        to: the recipient mailbox.
        workflow: the WorkflowID.
    """

    outgoing: Outgoing
    to: str
    workflow: str


def recent_recipients(settings: QSettings) -> list[str]:
    """The recipient mailboxes used last, most recent first."""
    value = settings.value(_RECENT_KEY, [])
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in value or [] if v]


def remember_recipient(settings: QSettings, mailbox: str) -> None:
    """Put a recipient at the top of the list."""
    values = [mailbox, *(m for m in recent_recipients(settings) if m != mailbox)][:MAX_RECENT]
    settings.setValue(_RECENT_KEY, values)


class SendDialog(QDialog):
    """Ask where to send a message over MESH.

    Signals:
        sig_send_requested(object): Send was clicked; carries a :class:`SendRequest`.

    Args:
        outgoing: the message.
        profile: who the workbench is on which MESH.
        settings: where recipients used are remembered.
        parent: the Qt parent.
    """

    sig_send_requested = Signal(object)

    def __init__(self, outgoing: Outgoing, profile: MeshProfile, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sendOverMesh")
        self.setWindowTitle("Send Over MESH")
        self.outgoing = outgoing
        self._settings = settings
        event = catalogue().event(outgoing.event) if outgoing.event else None
        what = f"{outgoing.event} ({event.display})" if event is not None else (outgoing.event or "a message")
        heading = QLabel(
            f"<b>{html.escape(outgoing.name)}</b><br>{html.escape(what)}, {format_size(len(outgoing.data))}"
        )
        heading.setTextFormat(Qt.TextFormat.RichText)
        heading.setWordWrap(True)
        self.note = QLabel(outgoing.note)
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #9a6700;")
        self.note.setVisible(bool(outgoing.note))

        where = "the local MESH" if profile.local else "MESH"
        self.sender_label = QLabel(f"{profile.mailbox} on {where} ({profile.settings.url})")
        self.recipient = QComboBox()
        self.recipient.setObjectName("recipient")
        self.recipient.setEditable(True)
        self.recipient.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        recent = recent_recipients(settings)
        first = [profile.responder] if profile.responder and profile.local else []
        choices = list(dict.fromkeys([*first, *recent, *profile.recipients]))
        self.recipient.addItems([c for c in choices if c and c != profile.mailbox] or [""])
        self.recipient.setToolTip("The recipient's MESH mailbox id")
        self.workflow = QComboBox()
        self.workflow.setObjectName("workflow")
        self.workflow.setEditable(True)
        self.workflow.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        default = profile.settings.workflow_for(outgoing.event) or ""
        names = [default] if default else []
        names += sorted({w.workflow for w in catalogue().workflows if w.itk3_fhir} - {default})
        self.workflow.addItems(names or [""])
        self.workflow.setCurrentText(default)
        self.workflow.setToolTip("The MESH WorkflowID (its Responses come back on the _ACK one)")
        self.problem = QLabel()
        self.problem.setObjectName("sendProblem")
        self.problem.setStyleSheet("color: #cf222e;")
        self.problem.setWordWrap(True)
        self.problem.hide()

        form = QFormLayout()
        form.addRow("From", self.sender_label)
        form.addRow("To mailbox", self.recipient)
        form.addRow("Workflow", self.workflow)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.send_button = self.buttons.addButton("Send", QDialogButtonBox.ButtonRole.AcceptRole)
        self.send_button.setDefault(True)
        self.buttons.accepted.connect(self.send)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.note)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(480)

    def send(self) -> None:
        """Check the choices and ask for the send (the dialog closes); say what is wrong otherwise."""
        to = self.recipient.currentText().strip()
        workflow = self.workflow.currentText().strip()
        if not MAILBOX.fullmatch(to):
            self._say("Give the recipient's MESH mailbox id (letters and digits, such as X26ABC2).")
            return
        if not workflow or " " in workflow:
            self._say("Give the MESH workflow id (such as TOC_FHIR_IP_DISCH), without spaces.")
            return
        remember_recipient(self._settings, to)
        self.sig_send_requested.emit(SendRequest(self.outgoing, to, workflow))
        self.accept()

    def _say(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()
