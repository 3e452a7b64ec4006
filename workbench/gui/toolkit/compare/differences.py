"""The differences of a comparison as a table: kind, FHIR path, what A has, what B has."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from workbench.core.toolkit.diff import Difference, DiffResult
from workbench.gui.toolkit.compare.model import KIND_COLOURS, difference_tip

AnyIndex = QModelIndex | QPersistentModelIndex

KIND, PATH, A, B = range(4)
HEADERS = ("Kind", "Path", "A (left)", "B (right)")
#: Item data role giving a row's :class:`Difference`.
DIFFERENCE_ROLE = Qt.ItemDataRole.UserRole + 21


class DifferenceListModel(QAbstractTableModel):
    """One row per difference, in document order.

    Args:
        parent: The Qt parent.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._differences: tuple[Difference, ...] = ()

    def set_result(self, result: DiffResult | None) -> None:
        """Show a comparison's differences (None: none)."""
        self.beginResetModel()
        self._differences = result.differences if result is not None else ()
        self.endResetModel()

    def difference(self, row: int) -> Difference | None:
        """Return the difference of a row, if any."""
        return self._differences[row] if 0 <= row < len(self._differences) else None

    def row_of(self, difference: Difference) -> int:
        """Return the row of a difference (-1 when it is not listed)."""
        for row, listed in enumerate(self._differences):
            if listed is difference:
                return row
        return -1

    # ------------------------------------------------------------------------ Qt overrides

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Override QAbstractItemModel::rowCount."""
        return 0 if parent.isValid() else len(self._differences)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Override QAbstractItemModel::columnCount."""
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractItemModel::data."""
        if not index.isValid():
            return None
        difference = self.difference(index.row())
        if difference is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == KIND:
                return difference.kind
            if column == PATH:
                return difference.path
            value = difference.a if column == A else difference.b
            return "" if value is None else " ".join(value.split())  # narrative on one line
        if role == Qt.ItemDataRole.ToolTipRole:
            return difference_tip(difference)
        if role == DIFFERENCE_ROLE:
            return difference
        if column == KIND and role == Qt.ItemDataRole.BackgroundRole:
            return QColor(KIND_COLOURS[difference.kind][0])
        if column == KIND and role == Qt.ItemDataRole.ForegroundRole:
            return QColor(KIND_COLOURS[difference.kind][1])

        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractItemModel::headerData."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < 4:
            return HEADERS[section]
        return None
