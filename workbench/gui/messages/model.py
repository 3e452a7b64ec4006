"""The stored messages as a table: a thin, lazy model over the store's listings.

:class:`MessageTableModel` holds the ids a query matched (newest first; 100,000 of them are
800 KB) and the rows read so far, a page at a time. A row not read yet shows "…" and asks for
its page (:attr:`MessageTableModel.sig_page_wanted`); the view reads it in a worker and hands
it back (:meth:`~MessageTableModel.set_page`). A new listing for the same query (the store
changed) keeps the rows read before on show until their pages are read again, and new rows at
the top are inserted, not a reset, so the selection and the scroll position stay put.

Columns: when, direction, what (event or Response code), from, to, workflow, transfer state,
conversation state, NHS number, MessageHeader id. Unread received rows are bold; a failed
transfer's state is red with its error as tooltip.
"""

from __future__ import annotations

from array import array
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont

from workbench.core.acks.runs import code_display
from workbench.core.catalogue import catalogue
from workbench.core.store import StoredMessage
from workbench.gui.messages.tasks import PAGE_SIZE, Listing, Page

WHEN, DIRECTION, WHAT, FROM, TO, WORKFLOW, STATE, CONVERSATION, NHS_NUMBER, MESSAGE_ID = range(10)
COLUMNS = ("When", "", "What", "From", "To", "Workflow", "State", "Conversation", "NHS number", "Message id")
#: The role giving a row's :class:`StoredMessage` (None while its page is being read).
STORED_ROLE = Qt.ItemDataRole.UserRole + 1
#: The role giving a row's id.
ID_ROLE = Qt.ItemDataRole.UserRole + 2
#: What a row not read yet shows.
PENDING = "…"
#: Rows kept from earlier listings, for showing while their pages are read again.
KEEP_ROWS = 20_000
STATE_COLOURS = {
    "failed": "#cf222e",
    "pending": "#9a6700",
    "complete": "#1a7f37",
    "accepted": "#1a7f37",
    "delivered": "#1a7f37",
    "rejected": "#cf222e",
    "overdue": "#9a6700",
}
_DIRECTIONS = {"out": "↑ Sent", "in": "↓ Received"}
_ANY_INDEX = QModelIndex | QPersistentModelIndex


class MessageTableModel(QAbstractTableModel):
    """Stored messages, newest first, read a page at a time.

    Signals:
        sig_page_wanted(int, int): Rows from this position (a page) are wanted; carries the
            position and the listing's generation.

    Args:
        parent: The Qt parent.
    """

    sig_page_wanted = Signal(int, int)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._ids: array = array("q")
        self._generation = -1
        self._rows: dict[int, StoredMessage] = {}  # by id: this listing's, and earlier ones' on show
        self._fresh: set[int] = set()  # pages read for this listing
        self._asked: set[int] = set()  # pages asked for and not read yet
        self._unread: set[int] = set()
        self._bold = QFont()
        self._bold.setBold(True)

    # ---- the data ----------------------------------------------------------------------------

    def set_listing(self, listing: Listing) -> None:
        """Show what a query matched (rows new at the top are inserted; otherwise a reset)."""
        old = self._ids
        new = listing.ids
        added = len(new) - len(old)
        self._generation = listing.generation
        self._fresh.clear()
        self._asked.clear()
        if len(self._rows) > KEEP_ROWS:
            self._rows.clear()
        if added >= 0 and new[added:] == old and len(old):
            if added:
                self.beginInsertRows(QModelIndex(), 0, added - 1)
                self._ids = new
                self.endInsertRows()
            else:
                self._ids = new
        else:
            self.beginResetModel()
            self._ids = new
            self.endResetModel()
        self._store_rows(listing.first)
        if listing.first:
            self._fresh.add(0)
        if len(self._ids):
            self._changed(0, len(self._ids) - 1)  # states may have changed: rows read again when shown

    def set_page(self, page: Page) -> None:
        """Take rows read for the current listing."""
        if page.generation != self._generation:
            return
        number = page.start // PAGE_SIZE
        self._asked.discard(number)
        self._fresh.add(number)
        self._store_rows(page.rows)
        end = min(len(self._ids), page.start + PAGE_SIZE) - 1
        if end >= page.start:
            self._changed(page.start, end)

    def page_failed(self, start: int, generation: int) -> None:
        """A page could not be read: it is asked for again when next shown."""
        if generation == self._generation:
            self._asked.discard(start // PAGE_SIZE)

    def page_ids(self, start: int) -> tuple[int, ...]:
        """The ids of the page starting at ``start``."""
        return tuple(self._ids[start : start + PAGE_SIZE])

    @property
    def generation(self) -> int:
        """The generation of the listing shown."""
        return self._generation

    def total(self) -> int:
        """How many rows the listing has."""
        return len(self._ids)

    def id_at(self, row: int) -> int | None:
        """The id of a row, or None outside the table."""
        return int(self._ids[row]) if 0 <= row < len(self._ids) else None

    def stored(self, row: int) -> StoredMessage | None:
        """The stored message of a row, if read (perhaps from an earlier listing)."""
        row_id = self.id_at(row)
        return self._rows.get(row_id) if row_id is not None else None

    def row_of(self, row_id: int) -> int:
        """The row showing this id, or -1."""
        try:
            return self._ids.index(row_id)
        except ValueError:
            return -1

    def set_unread(self, ids: set[int]) -> None:
        """Show these received rows as unread (bold)."""
        changed = ids ^ self._unread
        self._unread = set(ids)
        for row_id in changed:
            row = self.row_of(row_id)
            if row >= 0:
                self._changed(row, row)

    def _store_rows(self, rows: tuple[StoredMessage, ...]) -> None:
        for stored in rows:
            self._rows[stored.id] = stored

    def _changed(self, first: int, last: int) -> None:
        self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

    def _want(self, row: int) -> None:
        number = row // PAGE_SIZE
        if number not in self._fresh and number not in self._asked:
            self._asked.add(number)
            self.sig_page_wanted.emit(number * PAGE_SIZE, self._generation)

    # ---- Qt overrides ------------------------------------------------------------------------

    def rowCount(self, parent: _ANY_INDEX = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        """Override QAbstractTableModel::rowCount."""
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _ANY_INDEX = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        """Override QAbstractTableModel::columnCount."""
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractTableModel::headerData."""
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == DIRECTION:
            return "Sent, received, or imported from a file"
        return None

    def data(self, index: _ANY_INDEX, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractTableModel::data."""
        if not index.isValid() or index.parent().isValid() or not 0 <= index.row() < len(self._ids):
            return None
        row = index.row()
        if role == ID_ROLE:
            return int(self._ids[row])
        self._want(row)
        stored = self._rows.get(int(self._ids[row]))
        if role == STORED_ROLE:
            return stored
        column = index.column()
        if stored is None:
            return PENDING if role == Qt.ItemDataRole.DisplayRole and column == WHEN else None
        if role == Qt.ItemDataRole.DisplayRole:
            return display(stored, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(stored, column)
        if role == Qt.ItemDataRole.FontRole and stored.id in self._unread:
            return self._bold
        if role == Qt.ItemDataRole.ForegroundRole:
            return _colour(stored, column)
        return None


def when_text(stored: StoredMessage) -> str:
    """When it happened, in local time to the second."""
    try:
        moment = datetime.fromisoformat(stored.time)
    except ValueError:
        return stored.time[:19]
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def what_text(stored: StoredMessage) -> str:
    """The event, or the Response code and its display."""
    if not stored.readable:
        return "unreadable"
    if stored.is_response and stored.response_code:
        kind = "Sender's Response" if stored.kind == "ack-of-ack" else "Response"
        return f"{kind} {code_display(stored.response_code)}"
    return stored.event or "not an ITK3 message"


def parties(stored: StoredMessage) -> tuple[str, str]:
    """From and to: mailboxes for a transfer, the file's name for an import."""
    if stored.transport == "import":
        return (stored.sender or "", stored.receiver or "")
    if stored.direction == "out":
        return (stored.mailbox or "", stored.peer or "")
    return (stored.peer or "", stored.mailbox or "")


def conversation_text(stored: StoredMessage) -> str:
    """The tracker's state of the conversation a sent row opened, in words."""
    state = stored.conversation_state or ""
    return f"awaiting {state.removeprefix('awaiting-')} ack" if state.startswith("awaiting-") else state


def display(stored: StoredMessage, column: int) -> str:
    """The text of a cell."""
    if column == WHEN:
        return when_text(stored)
    if column == DIRECTION:
        return "Imported" if stored.transport == "import" else _DIRECTIONS.get(stored.direction, stored.direction)
    if column == WHAT:
        return what_text(stored)
    if column in (FROM, TO):
        return parties(stored)[column - FROM]
    if column == WORKFLOW:
        return stored.workflow_id or ""
    if column == STATE:
        return stored.state
    if column == CONVERSATION:
        return conversation_text(stored) if stored.direction == "out" else ""
    if column == NHS_NUMBER:
        return stored.nhs_number or ""
    return stored.message_id or ""


def tooltip(stored: StoredMessage, column: int) -> str:
    """The tooltip of a cell: what the short text stands for."""
    if column == STATE:
        lines = [f"{stored.state} (attempts: {stored.attempts})" if stored.direction == "out" else stored.state]
        if stored.error:
            lines.append(stored.error)
        if stored.mesh_message_id:
            lines.append(f"MESH message id {stored.mesh_message_id}")
        if stored.local_id:
            lines.append(f"local id {stored.local_id}")
        return "\n".join(lines)
    if column == WHAT:
        event = catalogue().event(stored.event) if stored.event else None
        lines = [event.display if event is not None else what_text(stored)]
        if stored.error and not stored.readable:
            lines.append(stored.error)
        if stored.verdict:
            lines.append(f"validation: {stored.verdict}; a receiver would answer {stored.predicted or '?'}")
        if stored.name:
            lines.append(stored.name)
        return "\n".join(lines)
    if column == WHEN:
        return f"{stored.time} (#{stored.id}, {stored.size:,} bytes, SHA-256 {stored.sha256[:16]}…)"
    if column == MESSAGE_ID:
        return f"MessageHeader.id {stored.message_id or '(none)'}\nconversation {stored.conversation or '(none)'}"
    return display(stored, column)


def _colour(stored: StoredMessage, column: int) -> QColor | None:
    if column == STATE:
        colour = STATE_COLOURS.get(stored.state)
    elif column == CONVERSATION and stored.direction == "out":
        colour = STATE_COLOURS.get(stored.conversation_state or "")
    elif column == WHAT and not stored.readable:
        colour = STATE_COLOURS["failed"]
    else:
        colour = None
    return QColor(colour) if colour else None
