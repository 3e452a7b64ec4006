"""File › New…: the events the workbench can send, and who sends the new message.

The dialog lists every event of :func:`~workbench.core.compose.events.sendable_events` (legacy
codes are never offered) with its display, payload kind, the MessageDefinition that fits (with
its version) and its MESH workflow; the event chosen is explained below the list (its meaning,
what payload it carries, the MessageDefinitions that fit, the workflows, the response pattern
of its default flags). ITK008M is listed but cannot be chosen: a Response answers a message
(File › New Response…). Below: the sender (an Organization by ODS code or a Practitioner by
SDS user id), the receiver (optional), the sender's MESH mailbox and the syntax. The values
entered are remembered for the next time.

The dialog only asks (:attr:`NewMessageDialog.sig_message_requested`); the composer makes the
message from the core skeleton.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from workbench.core.compose.events import SendableEvent, response_pattern, sendable_event, sendable_events
from workbench.core.compose.skeleton import DEFAULT_MAILBOX, DEFAULT_SENDER, ComposeError, MessageSpec, Party
from workbench.gui.compose.fields import PartyField, muted, problem_label, select_data, show_problem
from workbench.gui.compose.rows import Row, RowsTable

COLUMNS = ("Code", "Display", "Payload", "MessageDefinition", "MESH workflow")
_KEY = "compose/new/"
_PAYLOAD_WORDS = {
    "document": "a FHIR document (a Bundle of type document)",
    "collection": "a payload Bundle (a document or a collection of resources)",
    "message": "FHIR resources placed in the message Bundle itself",
}


@dataclass(frozen=True, slots=True)
class NewMessageRequest:
    """What File › New… asks for.

    Attributes:
        spec: the header's values (event, parties, mailbox; the rest the event's defaults).
        syntax: ``xml`` or ``json``.
    """

    spec: MessageSpec
    syntax: str


def event_rows() -> list[Row]:
    """The sendable events as rows of the dialog's table (ITK008M listed, not choosable)."""
    rows = []
    for event in sendable_events():
        if event.is_response:
            tip = "An ITK Response answers a message: open the message, then File › New Response…"
        else:
            tip = event.meaning
        rows.append(
            Row(event.code, tuple(_cell(event, column) for column in range(len(COLUMNS))), tip, not event.is_response)
        )
    return rows


def _cell(event: SendableEvent, column: int) -> str:
    if column == 0:
        return event.code
    if column == 1:
        return event.display
    if column == 2:
        return "response" if event.is_response else event.payload_kind
    if column == 3:
        definition = event.definition
        version = f" {definition.version}" if definition.version else ""
        return f"{definition.name}{version}{' (assumed)' if definition.assumed else ''}"
    return event.workflow or "(none published)"


def describe_event(event: SendableEvent) -> str:
    """The event chosen, in words (rich text): meaning, payload, definitions, workflow, flags."""
    rows = [f"<b>{html.escape(event.label)}</b>: {html.escape(event.meaning)}"]
    rows.append(f"Carries {html.escape(_PAYLOAD_WORDS.get(event.payload_kind, event.payload_kind))}.")
    rows.append("MessageDefinition: " + "; ".join(html.escape(d.label) for d in event.definitions) + ".")
    if event.workflow:
        rows.append(
            f"MESH workflow {html.escape(event.workflow)}; its Responses travel on "
            f"{html.escape(event.ack_workflow or '(not published)')}."
        )
    else:
        rows.append("No MESH workflow is published for this event.")
    pattern = response_pattern(event.bus_ack, event.inf_ack)
    rows.append(f"Starts as {html.escape(pattern.text)}; RecipientType {event.recipient_type}.")
    return "<br>".join(rows)


class NewMessageDialog(QDialog):
    """File › New…: choose an event and who sends the message.

    Signals:
        sig_message_requested(object): Create was pressed with valid values; carries a
            :class:`NewMessageRequest`.

    Args:
        settings: Where the values entered are remembered.
        parent: The Qt parent.
    """

    sig_message_requested = Signal(object)

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newMessageDialog")
        self.setWindowTitle("New ITK3 Message")
        self._settings = settings
        self.events = RowsTable(COLUMNS, event_rows(), "Search events (code, name, payload, workflow)")
        self.events.setObjectName("events")
        self.events.sig_choice_changed.connect(self._on_choice_changed)
        self.events.sig_choice_activated.connect(lambda _code: self._on_create_clicked())
        self.about = QLabel()
        self.about.setObjectName("eventDetails")
        self.about.setWordWrap(True)
        self.about.setTextFormat(Qt.TextFormat.RichText)
        self.about.setMinimumHeight(96)
        self.about.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.about.setStyleSheet(
            "QLabel#eventDetails { background: #f6f8fa; border: 1px solid #d0d7de; padding: 8px; }"
        )

        self.sender_field = PartyField()
        self.receiver_field = PartyField(optional=True)
        self.mailbox = QLineEdit()
        self.mailbox.setPlaceholderText("the sender's MESH mailbox id, e.g. X26ABC1")
        self.syntax = QComboBox()
        self.syntax.addItem("FHIR XML", "xml")
        self.syntax.addItem("FHIR JSON", "json")
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("Sender", self.sender_field)
        form.addRow("Receiver", self.receiver_field)
        form.addRow("Sender's MESH mailbox", self.mailbox)
        form.addRow("Syntax", self.syntax)
        note = muted(
            "The new message has every header element, the six handling keys (the event's defaults) and fresh "
            "ids; attach its payload next (File › Attach… or drop a file on its tab)."
        )
        self.problem = problem_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = self.buttons.addButton("Create", QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setObjectName("create")
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self._on_create_clicked)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.events, 1)
        layout.addWidget(self.about)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(1080, 620)
        self._restore()

    # ---------------------------------------------------------------------------------- API

    def chosen_event(self) -> SendableEvent | None:
        """Return the event chosen, if any."""
        return sendable_event(self.events.chosen()) if self.events.chosen() else None

    def choose_event(self, code: str) -> bool:
        """Choose an event by its code (as a click would); return whether it can be chosen."""
        return self.events.choose(code)

    def request(self) -> NewMessageRequest:
        """The message asked for.

        Raises:
            ComposeError: no event is chosen, or a party or the mailbox is not valid.
        """
        event = self.chosen_event()
        if event is None:
            raise ComposeError("choose the event the message is for")
        sender = self.sender_field.party()
        if sender is None:  # pragma: no cover - the sender field offers no "None"
            raise ComposeError("a message names its sender")
        try:
            receiver = self.receiver_field.party()
        except ComposeError as exc:
            raise ComposeError(f"receiver: {exc}") from None
        mailbox = self.mailbox.text().strip()
        if not mailbox or any(c.isspace() for c in mailbox):
            raise ComposeError("the sender's MESH mailbox is an id of letters and digits, without spaces")
        spec = MessageSpec(event.code, sender=sender, receiver=receiver, mailbox=mailbox)
        return NewMessageRequest(spec, str(self.syntax.currentData()))

    # ---------------------------------------------------------------------------- handlers

    def _on_choice_changed(self, _code: str) -> None:
        event = self.chosen_event()
        self.about.setText(describe_event(event) if event is not None else "Choose the event the message is for.")
        self.create_button.setEnabled(event is not None)
        show_problem(self.problem, None)

    def _on_create_clicked(self) -> None:
        try:
            request = self.request()
        except ComposeError as exc:
            show_problem(self.problem, f"Cannot create the message: {exc}")
            return
        self._remember(request)
        self.sig_message_requested.emit(request)
        self.accept()

    # ---------------------------------------------------------------------------- settings

    def _restore(self) -> None:
        settings = self._settings
        kind, code = DEFAULT_SENDER
        sender_kind = str(settings.value(_KEY + "sender_kind", kind))
        sender_code = str(settings.value(_KEY + "sender_code", code))
        receiver_kind = settings.value(_KEY + "receiver_kind", "")
        receiver_code = str(settings.value(_KEY + "receiver_code", ""))
        try:
            self.sender_field.set_party(Party(sender_kind, sender_code))  # type: ignore[arg-type]
        except ComposeError:
            self.sender_field.set_party(Party(*DEFAULT_SENDER))  # type: ignore[arg-type]
        try:
            receiver = Party(str(receiver_kind), receiver_code) if receiver_kind else None  # type: ignore[arg-type]
        except ComposeError:
            receiver = None
        self.receiver_field.set_party(receiver)
        self.mailbox.setText(str(settings.value(_KEY + "mailbox", DEFAULT_MAILBOX)))
        select_data(self.syntax, str(settings.value(_KEY + "syntax", "xml")))
        self.choose_event(str(settings.value(_KEY + "event", "ITK003D"))) or self.choose_event("ITK003D")

    def _remember(self, request: NewMessageRequest) -> None:
        spec = request.spec
        settings = self._settings
        settings.setValue(_KEY + "event", spec.event)
        settings.setValue(_KEY + "sender_kind", spec.sender.kind)
        settings.setValue(_KEY + "sender_code", spec.sender.code)
        settings.setValue(_KEY + "receiver_kind", spec.receiver.kind if spec.receiver is not None else "")
        settings.setValue(_KEY + "receiver_code", spec.receiver.code if spec.receiver is not None else "")
        settings.setValue(_KEY + "mailbox", spec.mailbox)
        settings.setValue(_KEY + "syntax", request.syntax)
        settings.sync()
