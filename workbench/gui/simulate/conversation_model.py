"""The conversation list: one row per round trip, a thin table model over :class:`RoundTrip` records.

Columns: number, message id, event, pattern or flags, state (the tracker's ``state_label``),
codes received, when it was run, anomalies. The state is coloured as the banner colours a
verdict (green complete/accepted, red rejected, amber overdue). :data:`ROUND_TRIP_ROLE` gives
the :class:`~workbench.core.acks.runs.RoundTrip` of a row.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from workbench.core.acks.runs import RoundTrip, code_display

NUMBER, MESSAGE_ID, EVENT, FLAGS, STATE, CODES, STARTED, ANOMALIES = range(8)
COLUMNS = ("#", "Message id", "Event", "Pattern / flags", "State", "Codes", "Started", "Anomalies")
#: The role giving a row's :class:`RoundTrip`.
ROUND_TRIP_ROLE = Qt.ItemDataRole.UserRole + 1
#: Text colour of the state column per tracker state (the diagram's verdict has the same).
STATE_COLOURS = {
    "complete": "#1a7f37",
    "accepted": "#1a7f37",
    "rejected": "#cf222e",
    "overdue": "#9a6700",
}
#: The colour of a state with no colour of its own.
NEUTRAL_STATE_COLOUR = "#57606a"
_ANY_INDEX = QModelIndex | QPersistentModelIndex


class ConversationModel(QAbstractTableModel):
    """The round trips run in a window, oldest first.

    Args:
        parent: The Qt parent.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._trips: list[RoundTrip] = []

    # ---- the data ----------------------------------------------------------------------------

    def add(self, trip: RoundTrip) -> int:
        """Append a round trip; return its row."""
        row = len(self._trips)
        self.beginInsertRows(QModelIndex(), row, row)
        self._trips.append(trip)
        self.endInsertRows()
        return row

    def round_trip(self, row: int) -> RoundTrip | None:
        """Return the round trip of a row, or None outside the table."""
        return self._trips[row] if 0 <= row < len(self._trips) else None

    # ---- Qt overrides ------------------------------------------------------------------------

    def rowCount(self, parent: _ANY_INDEX = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        """Override QAbstractTableModel::rowCount."""
        return 0 if parent.isValid() else len(self._trips)

    def columnCount(self, parent: _ANY_INDEX = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        """Override QAbstractTableModel::columnCount."""
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractTableModel::headerData."""
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section]
        return None

    def data(self, index: _ANY_INDEX, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractTableModel::data."""
        if not index.isValid() or index.parent().isValid():
            return None
        trip = self.round_trip(index.row())
        if trip is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(trip, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(trip, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == STATE:
            colour = STATE_COLOURS.get(trip.result.final_state)
            return QColor(colour) if colour else None
        if role == Qt.ItemDataRole.ForegroundRole and column == ANOMALIES and trip.result.anomalies:
            return QColor(STATE_COLOURS["rejected"])
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (NUMBER, ANOMALIES):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == ROUND_TRIP_ROLE:
            return trip
        return None


def _display(trip: RoundTrip, column: int) -> str:
    conversation = trip.result.conversation
    if column == NUMBER:
        return str(trip.number)
    if column == MESSAGE_ID:
        return conversation.message_id or "(unreadable)"
    if column == EVENT:
        return conversation.event_code or "?"
    if column == FLAGS:
        return trip.flags
    if column == STATE:
        return conversation.state_label
    if column == CODES:
        return ", ".join(conversation.codes) or "—"
    if column == STARTED:
        return trip.started.strftime("%H:%M:%S")
    return str(len(trip.result.anomalies))


def _tooltip(trip: RoundTrip, column: int) -> str:
    result = trip.result
    if column == CODES:
        return "\n".join(code_display(code) for code in result.conversation.codes) or "No Response received"
    if column == ANOMALIES:
        return "\n".join(f"{a.kind}: {a.message}" for a in result.anomalies) or "No anomalies"
    if column == MESSAGE_ID:
        return f"MessageHeader.id {result.conversation.message_id or '(unreadable)'}"
    if column == STARTED:
        return (
            f"Run at {trip.started:%Y-%m-%d %H:%M:%S}; simulated {result.ended_at:g} s in {trip.seconds * 1000:.0f} ms"
        )
    return f"{trip.number}. {trip.title} — {result.conversation.state_label}"
