"""The header form: the MessageHeader as fields, beside the tree, over the core form model.

Every field is read from the tree (:meth:`~workbench.core.compose.form.HeaderForm.values`) each
time the message changes, so the form follows edits made in the tree, undo and redo, pasting.
A change the user makes (a choice, a tick, a field left after typing) becomes one
:class:`~workbench.core.compose.form.HeaderForm` edit, applied through the session: one undo
step that sets every element the field stands for (the event's code and display; a sender as
a header Organization or Practitioner with the reference pointing at it; a handling key's
value; a Response's code in its OperationOutcome with ``response.code`` to match). A value the
core refuses never reaches the tree: the field is marked and the form says why.

Sections: the event; the parties (sender, receiver, the sender's MESH mailbox, timestamp); the
handling specification (the two flags with the response pattern in words, RecipientType with
its meaning, MessageDefinition from those that fit the event, SenderReference with a
255-character counter, LocalExtension); for an ITK Response, what it answers and its code;
otherwise the payload and attachments with their sizes (:mod:`.payload_box`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core.catalogue import catalogue
from workbench.core.compose.events import sender_reference_limit
from workbench.core.compose.form import FormError, HeaderForm, HeaderValues
from workbench.core.compose.skeleton import ComposeError
from workbench.core.compose.testdata import now_instant
from workbench.core.edits import EditError
from workbench.core.itk3.view import MessageView
from workbench.core.session import MessageSession
from workbench.gui.compose.fields import (
    INVALID_STYLE,
    PartyField,
    muted,
    problem_label,
    row_of,
    select_data,
    show_problem,
)
from workbench.gui.compose.payload_box import PayloadBox
from workbench.gui.context import AppContext

NOT_ITK3 = "This is not an ITK3 message (its first entry is not a MessageHeader), so it has no header to fill in."
NOTE_STYLE = (
    "QLabel#composeNote { background: #ddf4ff; color: #0a3069; border: 1px solid #54aeff;"
    " border-radius: 4px; padding: 4px 8px; }"
)
#: The form's line edits by field name, committed when the user leaves them.
_TEXT_FIELDS = ("mailbox", "timestamp", "sender_reference", "local_extension", "response_identifier")


class HeaderFormPanel(QWidget):
    """The header form of one message.

    Signals:
        sig_problem(str, str): A value was refused (or an edit failed); the text and the level
            for the message bar.
        sig_attach_requested(): The payload section's Attach… was pressed.
        sig_remove_payload_requested(): The payload section's Remove Payload was pressed.

    Args:
        context: The application context.
        session: The message.
        parent: The Qt parent.

    Attributes:
        form: The core form model over the session's tree.
    """

    sig_problem = Signal(str, str)
    sig_attach_requested = Signal()
    sig_remove_payload_requested = Signal()

    def __init__(self, context: AppContext, session: MessageSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("headerForm")
        self._session = session
        assert session.document is not None
        # The session keeps the message's ITK3 view up to date after every edit: the form reads that.
        self.form = HeaderForm(session.document, view=lambda: session.labels.view if session.labels else None)
        self._values: HeaderValues | None = None
        self._showing = False  # filling the widgets from the tree: not an edit

        self.note = QLabel()
        self.note.setObjectName("composeNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(NOTE_STYLE)
        self.note.hide()
        self.not_itk3 = muted(NOT_ITK3)
        self.problem = problem_label()

        self.event_combo = QComboBox()
        self.event_combo.setObjectName("event")
        self.event_about = muted()
        self.sender_field = PartyField()
        self.receiver_field = PartyField(optional=True)
        self.mailbox = QLineEdit()
        self.timestamp = QLineEdit()
        self.now_button = QToolButton()
        self.now_button.setText("Now")
        self.now_button.setToolTip("Set the timestamp to the current instant, with its time zone")
        self.bus_ack = QCheckBox("Business acknowledgement requested (BusAckRequested)")
        self.inf_ack = QCheckBox("Infrastructure acknowledgement requested (InfAckRequested)")
        self.pattern = muted()
        self.pattern.setObjectName("pattern")
        self.recipient_type = QComboBox()
        for kind in catalogue().recipient_types:
            self.recipient_type.addItem(f"{kind.code} {kind.display}", kind.code)
        self.recipient_meaning = muted()
        self.message_definition = QComboBox()
        self.message_definition.setObjectName("messageDefinition")
        self.message_definition.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.message_definition.setMinimumContentsLength(24)
        self.definition_about = muted()
        self.sender_reference = QLineEdit()
        self.counter = muted(wrap=False)
        self.counter.setObjectName("senderReferenceCounter")
        self.local_extension = QLineEdit()
        self.response_identifier = QLineEdit()
        self.response_code = QComboBox()
        self.response_code.setObjectName("responseCode")
        self.response_code.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.response_code.setMinimumContentsLength(24)
        for response in self.form.response_code_choices():
            self.response_code.addItem(f"{response.code} {response.display}", response.code)
        self.response_about = muted()
        self.response_about.setObjectName("responseAbout")
        self.payload = PayloadBox(context, session)
        self.payload.sig_attach_requested.connect(self.sig_attach_requested)
        self.payload.sig_remove_requested.connect(self.sig_remove_payload_requested)

        self.event_box = self._section(
            "Event",
            [("Code", self.event_combo), ("", self.event_about)],
            "The event: its code and display come from the catalogue",
        )
        self.parties_box = self._section(
            "Sender and receiver",
            [
                ("Sender", self.sender_field),
                ("Receiver", self.receiver_field),
                ("MESH mailbox", self.mailbox),
                ("Timestamp", row_of(self.timestamp, self.now_button)),
            ],
        )
        self.handling_box = self._section(
            "Handling specification",
            [
                ("", self.bus_ack),
                ("", self.inf_ack),
                ("", self.pattern),
                ("RecipientType", self.recipient_type),
                ("", self.recipient_meaning),
                ("MessageDefinition", self.message_definition),
                ("", self.definition_about),
                ("SenderReference", row_of(self.sender_reference, self.counter)),
                ("LocalExtension", self.local_extension),
            ],
        )
        self.response_box = self._section(
            "Response",
            [
                ("Answers message", self.response_identifier),
                ("Response code", self.response_code),
                ("", self.response_about),
            ],
        )
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(8, 8, 8, 8)
        for widget in (
            self.note,
            self.not_itk3,
            self.problem,
            self.event_box,
            self.parties_box,
            self.handling_box,
            self.response_box,
            self.payload,
        ):
            column.addWidget(widget)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        self._connect()
        self.refresh()

    @staticmethod
    def _section(title: str, rows: list[tuple[str, QWidget]], tip: str = "") -> QGroupBox:
        box = QGroupBox(title)
        box.setToolTip(tip)
        form = QFormLayout(box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for label, widget in rows:
            if label:
                form.addRow(label, widget)
            else:
                form.addRow(widget)  # a check box or an explanation: the whole width
        return box

    def _connect(self) -> None:
        self.event_combo.activated.connect(lambda _i: self.set_field("event", self.event_combo.currentData()))
        self.sender_field.sig_party_edited.connect(lambda: self._set_party("sender", self.sender_field))
        self.receiver_field.sig_party_edited.connect(lambda: self._set_party("receiver", self.receiver_field))
        for name in _TEXT_FIELDS:
            edit: QLineEdit = getattr(self, name)
            edit.editingFinished.connect(lambda name=name, edit=edit: self._on_text_finished(name, edit))
            edit.textEdited.connect(lambda _text, edit=edit: edit.setStyleSheet(""))
        self.sender_reference.textChanged.connect(self._show_counter)
        self.now_button.clicked.connect(lambda: self.set_field("timestamp", now_instant()))
        self.bus_ack.clicked.connect(lambda checked: self.set_field("bus_ack", bool(checked)))
        self.inf_ack.clicked.connect(lambda checked: self.set_field("inf_ack", bool(checked)))
        self.recipient_type.activated.connect(
            lambda _i: self.set_field("recipient_type", self.recipient_type.currentData())
        )
        self.message_definition.activated.connect(
            lambda _i: self.set_field("message_definition", self.message_definition.currentData())
        )
        self.response_code.activated.connect(
            lambda _i: self.set_field("response_code", self.response_code.currentData())
        )

    # ---------------------------------------------------------------------------------- API

    def values(self) -> HeaderValues | None:
        """Return the values shown (None for a message with no MessageHeader)."""
        return self._values

    def set_note(self, text: str) -> None:
        """Show a note above the form ('' hides it): how the message was made."""
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def set_field(self, field: str, value: object) -> bool:
        """Set a field as the user would (one undoable edit); return whether the tree changed.

        A refused value is shown under the form (and sent as :attr:`sig_problem`); the tree is
        not changed.
        """
        if self._showing:
            return False
        try:
            edit = self.form.edit(field, value)
            if edit is None:
                show_problem(self.problem, None)
                return False
            self._session.apply(edit)
        except (FormError, ComposeError, EditError) as exc:
            self._refuse(field, str(exc))
            return False
        show_problem(self.problem, None)
        return True

    def refresh(self) -> None:
        """Show the header as the tree holds it now."""
        view = self.form.view()
        readable = view.header is not None
        self.not_itk3.setVisible(not readable)
        for box in (self.event_box, self.parties_box, self.handling_box, self.response_box, self.payload):
            box.setEnabled(readable)
        if not readable:
            self._values = None
            self.response_box.hide()
            return
        values = self._values = self.form.values(view)
        self._showing = True
        try:
            self._show(values, view)
        finally:
            self._showing = False
        self.response_box.setVisible(values.is_response)
        self.payload.setVisible(not values.is_response)
        if not values.is_response:
            self.payload.show_view(view, self._session.edited or self._session.source is None)

    # ---------------------------------------------------------------------------- showing

    def _show(self, values: HeaderValues, view: MessageView) -> None:
        choices = self.form.event_choices(view)
        self.event_combo.clear()
        for event in choices:
            self.event_combo.addItem(event.label, event.code)
        if not select_data(self.event_combo, values.event):
            self.event_combo.addItem(
                f"{values.event or '(no code)'} {values.event_display or ''} (not sendable)", values.event
            )
            self.event_combo.setCurrentIndex(self.event_combo.count() - 1)
        chosen = next((e for e in choices if e.code == values.event), None)
        self.event_about.setText(
            f"{chosen.meaning} Payload: {chosen.payload_kind}; MESH workflow {chosen.workflow or '(none published)'}."
            if chosen is not None
            else "An event the workbench does not send: choose one from the list."
        )
        self.sender_field.set_party(values.sender)
        self.receiver_field.set_party(values.receiver)
        self._show_text("mailbox", values.mailbox)
        self._show_text("timestamp", values.timestamp)
        self.bus_ack.setChecked(bool(values.bus_ack))
        self.inf_ack.setChecked(bool(values.inf_ack))
        pattern = values.pattern
        self.pattern.setText(
            pattern.text if pattern is not None else "The flags cannot be read: a receiver answers 10002 or 10003."
        )
        select_data(self.recipient_type, values.recipient_type)
        self.recipient_meaning.setText(values.recipient_type_meaning or "Not FA or FI: a receiver answers 10010.")
        self._show_definitions(values, view)
        self._show_text("sender_reference", values.sender_reference)
        self._show_text("local_extension", values.local_extension)
        self._show_counter()
        if values.is_response:
            self._show_text("response_identifier", values.response_identifier)
            if not select_data(self.response_code, values.response_code):
                self.response_code.setCurrentIndex(-1)
            response = values.response
            if response is None:
                self.response_about.setText("The OperationOutcome carries no live ITK response code.")
            else:
                outcome = "positive" if response.positive else "negative"
                self.response_about.setText(
                    f"{response.level.capitalize()} Response, {outcome}: response.code is {response.response_code} "
                    f"(set to match the code); OperationOutcome issue {response.severity}/{response.issue_code}."
                )

    def _show_definitions(self, values: HeaderValues, view: MessageView) -> None:
        combo = self.message_definition
        combo.clear()
        choices = self.form.definition_choices(view)
        for choice in choices:
            combo.addItem(choice.label, choice.url)
            combo.setItemData(combo.count() - 1, choice.url, Qt.ItemDataRole.ToolTipRole)
        current = values.message_definition
        if current and not select_data(combo, current):
            combo.addItem(f"{current} (does not fit {values.event or 'the event'})", current)
            combo.setCurrentIndex(combo.count() - 1)
        found = next((c for c in choices if c.url == current), None)
        self.definition_about.setText(current or "No MessageDefinition: a receiver answers 10004.")
        self.definition_about.setToolTip(found.label if found is not None else "")

    def _show_text(self, name: str, value: str | None) -> None:
        edit: QLineEdit = getattr(self, name)
        if edit.hasFocus() and edit.isModified():
            return  # the user is typing there: their text stays until they leave the field
        edit.setText(value or "")
        edit.setModified(False)
        edit.setStyleSheet("")
        edit.setCursorPosition(0)

    def _show_counter(self) -> None:
        limit = sender_reference_limit()
        used = len(self.sender_reference.text())
        self.counter.setText(f"{used} / {limit}")
        colour = "#cf222e" if used > limit else "#57606a"
        self.counter.setStyleSheet(f"QLabel {{ color: {colour}; }}")

    # ---------------------------------------------------------------------------- editing

    def _on_text_finished(self, name: str, edit: QLineEdit) -> None:
        if self._showing or not edit.isModified():
            return
        edit.setModified(False)
        if self.set_field(name, edit.text()):
            return
        if self.problem.isVisible():
            edit.setStyleSheet(INVALID_STYLE)

    def _set_party(self, role: str, field: PartyField) -> None:
        try:
            party = field.party()
        except ComposeError as exc:
            self._refuse(role, str(exc))
            return
        self.set_field(role, party)

    def _refuse(self, field: str, text: str) -> None:
        words = field.replace("_", " ")
        message = f"The header's {words} was not changed: {text}"
        show_problem(self.problem, message)
        self.sig_problem.emit(message, "warning")
        if field not in _TEXT_FIELDS:
            self._showing = True
            try:
                if self._values is not None:
                    self._show(self._values, self.form.view())  # choices and ticks go back to what the tree says
            finally:
                self._showing = False
