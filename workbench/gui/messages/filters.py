"""The filter bar of the Messages view: search, direction, event, state, dates, conversation.

:class:`FilterBar` turns what the user picks into a core :class:`~workbench.core.store.Query`.
Typing in the search field waits until the user pauses (:data:`SEARCH_DELAY_MS`); the lists and
dates apply at once. A conversation filter is a chip with a close button.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from workbench.core.acks.tracker import FINAL_STATES
from workbench.core.catalogue import catalogue
from workbench.core.store import Query
from workbench.core.store.records import TRANSFER_STATES

#: Quiet time after typing before the search runs.
SEARCH_DELAY_MS = 250
#: The conversation states a sent message can be in (the tracker's).
CONVERSATION_STATES = ("awaiting-infrastructure", "awaiting-business", *FINAL_STATES)
_NO_DATE = QDate(2000, 1, 1)


class FilterBar(QWidget):
    """Search and filters over the stored messages.

    Signals:
        sig_query_changed(object): The filters changed; carries the :class:`Query` (no limit).

    Args:
        parent: The Qt parent.
    """

    sig_query_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._conversation: str | None = None
        self._quiet = False  # while clear() resets the widgets one by one
        self.search = QLineEdit()
        self.search.setObjectName("messageSearch")
        self.search.setPlaceholderText("Search ids, NHS numbers, names, codes…")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip(
            "MessageHeader and Bundle ids, MESH message ids, NHS numbers, names, codes, mailboxes: every word "
            "must match (each as the start of a word); a SHA-256 prefix finds the bytes"
        )
        self.direction = QComboBox()
        self.direction.setObjectName("directionFilter")
        for text, value in (("Sent and received", None), ("Sent", "out"), ("Received", "in")):
            self.direction.addItem(text, value)
        self.event_box = QComboBox()
        self.event_box.setObjectName("eventFilter")
        self.event_box.addItem("Any event", None)
        self.event_box.addItem(f"{catalogue().response_event} Responses", catalogue().response_event)
        for event in catalogue().events:
            if not event.legacy and event.code != catalogue().response_event:
                self.event_box.addItem(event.code, event.code)
                self.event_box.setItemData(self.event_box.count() - 1, event.display, Qt.ItemDataRole.ToolTipRole)
        self.state = QComboBox()
        self.state.setObjectName("stateFilter")
        self.state.addItem("Any state", None)
        for state in (*TRANSFER_STATES, *CONVERSATION_STATES):
            self.state.addItem(state.replace("-", " "), state)
        self.since = _date_edit("sinceFilter", "Stored on or after this day")
        self.until = _date_edit("untilFilter", "Stored on or before this day")
        self.chip = QToolButton()
        self.chip.setObjectName("conversationChip")
        self.chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.chip.setToolTip("Only this conversation's messages are listed; click to list every message")
        self.chip.clicked.connect(lambda: self.set_conversation(None))
        self.chip.hide()
        self.clear_button = QToolButton()
        self.clear_button.setText("Clear")
        self.clear_button.setToolTip("Clear the search and every filter")
        self.clear_button.clicked.connect(self.clear)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search, 3)
        layout.addWidget(self.direction)
        layout.addWidget(self.event_box)
        layout.addWidget(self.state)
        layout.addWidget(QLabel("From"))
        layout.addWidget(self.since)
        layout.addWidget(QLabel("to"))
        layout.addWidget(self.until)
        layout.addWidget(self.chip)
        layout.addWidget(self.clear_button)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self._emit)
        self.search.textChanged.connect(self._debounce.start)
        for combo in (self.direction, self.event_box, self.state):
            combo.currentIndexChanged.connect(self._emit)
        for edit in (self.since, self.until):
            edit.dateChanged.connect(self._emit)

    def query(self) -> Query:
        """The query the bar describes now."""
        text = self.search.text().strip() or None
        return Query(
            text=text,
            direction=self.direction.currentData(),
            event=self.event_box.currentData(),
            state=self.state.currentData(),
            since=_day(self.since),
            until=_day(self.until),
            conversation=self._conversation,
            limit=None,
        )

    def set_conversation(self, conversation: str | None) -> None:
        """List only one conversation's messages (None: every message)."""
        self._conversation = conversation
        if conversation:
            short = conversation if len(conversation) <= 14 else conversation[:8] + "…"
            self.chip.setText(f"Conversation {short}  ✕")
        self.chip.setVisible(bool(conversation))
        self._emit()

    def conversation(self) -> str | None:
        """The conversation listed alone, if any."""
        return self._conversation

    def set_search(self, text: str) -> None:
        """Search for ``text`` at once (no pause)."""
        self.search.setText(text)
        self._debounce.stop()
        self._emit()

    def clear(self) -> None:
        """Clear the search and every filter."""
        self._quiet = True
        try:
            self.search.clear()
            for combo in (self.direction, self.event_box, self.state):
                combo.setCurrentIndex(0)
            self.since.setDate(_NO_DATE)
            self.until.setDate(_NO_DATE)
        finally:
            self._quiet = False
        self.set_conversation(None)

    def _emit(self) -> None:
        self._debounce.stop()
        if not self._quiet:
            self.sig_query_changed.emit(self.query())


def _date_edit(name: str, tip: str) -> QDateEdit:
    edit = QDateEdit()
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(_NO_DATE)
    edit.setSpecialValueText("any day")
    edit.setDate(_NO_DATE)
    edit.setToolTip(tip)
    return edit


def _day(edit: QDateEdit) -> str | None:
    date = edit.date()
    return None if date == edit.minimumDate() else date.toString("yyyy-MM-dd")
