"""A read-only table model over rows of text, and the searchable table that shows one.

The compose dialogs list core records (events, response codes, negative codes): each becomes
a :class:`Row` (a key, the cells, a tooltip, whether it can be chosen) and the model shows
them; the record itself stays in the core list, found again by the row's key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLineEdit, QTableView, QVBoxLayout, QWidget

AnyIndex = QModelIndex | QPersistentModelIndex
#: Item data role giving a row's key.
KEY_ROLE = Qt.ItemDataRole.UserRole + 1
_MUTED = QColor("#8c959f")


@dataclass(frozen=True, slots=True)
class Row:
    """One row.

    Attributes:
        key: What the row stands for (an event code, a response code).
        cells: The text of each column.
        tooltip: Shown over every cell of the row, if any.
        enabled: False for a row that is listed but cannot be chosen (it says why in its tooltip).
    """

    key: str
    cells: tuple[str, ...]
    tooltip: str | None = None
    enabled: bool = True


class RowsModel(QAbstractTableModel):
    """Rows of text under column titles.

    Args:
        columns: The column titles.
        rows: The rows.
        parent: The Qt parent.
    """

    def __init__(self, columns: Sequence[str], rows: Sequence[Row], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._rows = list(rows)

    def row(self, number: int) -> Row:
        """Return a row by its number."""
        return self._rows[number]

    def row_of(self, key: str) -> int:
        """Return the number of the row with this key, or -1."""
        return next((i for i, r in enumerate(self._rows) if r.key == key), -1)

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Show other rows."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Override QAbstractItemModel::rowCount."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Override QAbstractItemModel::columnCount."""
        return 0 if parent.isValid() else len(self._columns)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Override QAbstractItemModel::flags: a row that cannot be chosen is neither enabled nor selectable."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if not self._rows[index.row()].enabled:
            return Qt.ItemFlag.ItemNeverHasChildren
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractItemModel::data."""
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.cells[index.column()] if index.column() < len(row.cells) else ""
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.tooltip
        if role == KEY_ROLE:
            return row.key
        if role == Qt.ItemDataRole.ForegroundRole and not row.enabled:
            return _MUTED  # listed but not to be chosen: its tooltip says why
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractItemModel::headerData."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section] if 0 <= section < len(self._columns) else None
        return None


class RowsTable(QWidget):
    """A search field over a table of :class:`Row` s; one row is chosen at a time.

    Signals:
        sig_choice_changed(str): Another row was chosen; carries its key ('' for none).
        sig_choice_activated(str): A row was double-clicked (or Enter pressed on it); carries its key.

    Args:
        columns: The column titles.
        rows: The rows.
        search_text: The search field's placeholder.
        parent: The Qt parent.
    """

    sig_choice_changed = Signal(str)
    sig_choice_activated = Signal(str)

    def __init__(
        self, columns: Sequence[str], rows: Sequence[Row], search_text: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.model = RowsModel(columns, rows, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.search = QLineEdit()
        self.search.setPlaceholderText(search_text)
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self.sig_choice_changed.emit(self.chosen()))
        self.table.activated.connect(lambda _index: self._on_activated())
        self.table.doubleClicked.connect(lambda _index: self._on_activated())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)

    def chosen(self) -> str:
        """Return the key of the row chosen ('' for none)."""
        rows = self.table.selectionModel().selectedRows()
        return str(rows[0].data(KEY_ROLE)) if rows else ""

    def choose(self, key: str) -> bool:
        """Choose the row with this key (as a click would); return whether it can be chosen."""
        row = self.model.row_of(key)
        if row < 0 or not self.model.row(row).enabled:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            self.search.clear()
            index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        return True

    def _on_activated(self) -> None:
        if self.chosen():
            self.sig_choice_activated.emit(self.chosen())
