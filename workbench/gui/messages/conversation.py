"""The conversation pane of the Messages view: the selected message's conversation and its diagram.

:class:`ConversationPane` shows one :class:`~workbench.gui.messages.tasks.ConversationView`:
a heading (its MessageHeader id, the mailbox whose side it is, its state and the codes
received), the Simulate window's :class:`~workbench.gui.simulate.diagram.SequenceDiagram`
drawing the stored round trip as it draws loopback runs, and a button that lists the
conversation's messages together. Clicking an arrow asks for that message to be opened.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QScrollArea, QStackedWidget, QVBoxLayout, QWidget

from workbench.core.acks.runs import RoundTrip
from workbench.gui.messages.tasks import ConversationView
from workbench.gui.simulate.diagram import SequenceDiagram

PLACEHOLDER = "Select a message to see its conversation: the message, its Responses and the sender's acknowledgements."


class ConversationPane(QWidget):
    """One conversation, drawn.

    Signals:
        sig_open_requested(object): An arrow was clicked; carries the diagram's
            :class:`~workbench.gui.simulate.diagram.OpenRequest`.
        sig_list_requested(str): "List its messages" was clicked; carries the conversation id.

    Args:
        parent: The Qt parent.
    """

    sig_open_requested = Signal(object)
    sig_list_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._view: ConversationView | None = None
        self.heading = QLabel()
        self.heading.setObjectName("conversationHeading")
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.list_button = QPushButton("List Its Messages")
        self.list_button.setObjectName("listConversation")
        self.list_button.setToolTip("List only this conversation's messages, in the table")
        self.list_button.clicked.connect(self._on_list_clicked)
        self.list_button.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.list_button, 0, Qt.AlignmentFlag.AlignTop)

        self.diagram = SequenceDiagram()
        self.diagram.sig_open_requested.connect(self.sig_open_requested)
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.diagram)
        self.scroll.setWidgetResizable(True)
        self.note = QLabel(PLACEHOLDER)
        self.note.setObjectName("conversationNote")
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setStyleSheet("color: #57606a;")
        self.pages = QStackedWidget()
        self.pages.addWidget(self.note)
        self.pages.addWidget(self.scroll)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.pages, 1)
        self.show_view(None)

    def view(self) -> ConversationView | None:
        """The conversation shown, if any."""
        return self._view

    def show_view(self, view: ConversationView | None) -> None:
        """Show a conversation (None: nothing selected)."""
        self._view = view
        self.list_button.setEnabled(view is not None)
        if view is None:
            self.heading.setText("<b>Conversation</b>")
            self.note.setText(PLACEHOLDER)
            self.diagram.set_trip(None)
            self.pages.setCurrentWidget(self.note)
            return
        self.heading.setText(heading_html(view))
        if view.trip is None:
            self.note.setText(view.note or "This conversation cannot be drawn.")
            self.diagram.set_trip(None)
            self.pages.setCurrentWidget(self.note)
            return
        if self.diagram.trip() is None or _arrows(self.diagram.trip()) != _arrows(view.trip):
            self.diagram.set_trip(view.trip)
        self.pages.setCurrentWidget(self.scroll)

    def show_problem(self, text: str) -> None:
        """Say why the conversation could not be read."""
        self._view = None
        self.list_button.setEnabled(False)
        self.note.setText(text)
        self.diagram.set_trip(None)
        self.pages.setCurrentWidget(self.note)

    def _on_list_clicked(self) -> None:
        if self._view is not None:
            self.sig_list_requested.emit(self._view.conversation)


def heading_html(view: ConversationView) -> str:
    """The heading: which conversation, whose side, its state, its Responses."""
    parts = [f"<b>Conversation</b> {html.escape(view.conversation)}"]
    if view.mailbox:
        parts.append(f"as mailbox {html.escape(view.mailbox)} saw it")
    line = " ".join(parts)
    count = len(view.rows)
    details = [f"{count} message{'s' if count != 1 else ''}"]
    if view.trip is not None:
        conversation = view.trip.result.conversation
        details.append(html.escape(conversation.state_label))
        if conversation.codes:
            details.append("Responses " + html.escape(", ".join(conversation.codes)))
    return f"{line}<br><span style='color:#57606a'>{' · '.join(details)}</span>"


def _arrows(trip: RoundTrip | None) -> tuple[tuple[object, ...], ...]:
    """What a diagram draws of a round trip (the same again needs no redrawing)."""
    events = trip.result.events if trip is not None else ()
    return tuple((e.kind, e.label, e.time, e.arrival, e.message_id, e.note) for e in events)
