"""A thin Qt table model over a validation report's issues, and the proxy that filters it.

:class:`IssueTableModel` holds no data of its own: each row is ``report.issues[row]``; text,
icons, tooltips and sort keys are derived on request. :class:`IssueFilterModel` sorts (by the
sort role, so severities sort by rank and positions by number) and filters by severity, layer and
a search text matched against message, hint, rule and path.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from workbench.core.catalogue import catalogue
from workbench.core.validation.issue import SEVERITIES, Issue
from workbench.core.validation.runner import Report

AnyIndex = QModelIndex | QPersistentModelIndex

#: Item data role giving the :class:`Issue` of a row.
ISSUE_ROLE = Qt.ItemDataRole.UserRole + 1
#: Item data role giving the value a column sorts by.
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

COLUMNS = ("Severity", "Layer", "Rule", "Message", "Path", "Line", "ITK code")
SEVERITY, LAYER, RULE, MESSAGE, PATH, POSITION, CODE = range(len(COLUMNS))

#: Calm colours per severity (icon fill), shared with the issues panel's filter buttons.
SEVERITY_COLOURS = {
    "fatal": "#82071e",
    "error": "#cf222e",
    "warning": "#bf8700",
    "information": "#0969da",
}
SEVERITY_TITLES = {"fatal": "Fatal", "error": "Error", "warning": "Warning", "information": "Information"}
_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}


def severity_icon(severity: str, size: int = 12) -> QIcon:
    """A filled circle in the severity's colour (a square for fatal, so it reads without colour)."""
    pixmap = QPixmap(size * 2, size * 2)  # drawn at 2x, scaled down smoothly
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(SEVERITY_COLOURS.get(severity, "#656d76")))
        inset = size * 0.12
        side = size - 2 * inset
        if severity == "fatal":
            painter.drawRoundedRect(inset, inset, side, side, 2, 2)
        else:
            painter.drawEllipse(inset, inset, side, side)
    finally:
        painter.end()
    return QIcon(pixmap)


def position_text(issue: Issue) -> str:
    """``line:column``, ``line``, or "" when the issue has no position."""
    if issue.line is None:
        return ""
    return f"{issue.line}:{issue.column}" if issue.column is not None else str(issue.line)


class IssueTableModel(QAbstractTableModel):
    """One row per issue of a report, one column per attribute.

    Args:
        parent: The Qt parent.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._report: Report | None = None
        self._issues: list[Issue] = []
        self._icons = {severity: severity_icon(severity) for severity in SEVERITIES}

    # ---------------------------------------------------------------------------------- API

    def set_report(self, report: Report | None) -> None:
        """Show a report's issues (None shows none); the rows are replaced."""
        self.beginResetModel()
        self._report = report
        self._issues = list(report.issues) if report is not None else []
        self.endResetModel()

    def report(self) -> Report | None:
        """Return the report shown, if any."""
        return self._report

    def issue(self, index: AnyIndex) -> Issue | None:
        """Return the issue of an index's row, if valid."""
        if not index.isValid() or index.row() >= len(self._issues):
            return None
        return self._issues[index.row()]

    def row_of(self, issue: Issue) -> int | None:
        """Return the row of an issue (the same object, else an equal one), if shown."""
        for row, candidate in enumerate(self._issues):
            if candidate is issue:
                return row
        for row, candidate in enumerate(self._issues):
            if candidate == issue:
                return row
        return None

    def issues(self) -> list[Issue]:
        """Return the issues shown, in report order."""
        return list(self._issues)

    # ------------------------------------------------------------------------ Qt overrides

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Override QAbstractItemModel::rowCount."""
        return 0 if parent.isValid() else len(self._issues)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Override QAbstractItemModel::columnCount."""
        return 0 if parent.isValid() else len(COLUMNS)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Override QAbstractItemModel::flags."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractItemModel::data."""
        issue = self.issue(index)
        if issue is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(issue, column)
        if role == ISSUE_ROLE:
            return issue
        if role == SORT_ROLE:
            return self._sort_value(issue, column)
        if role == Qt.ItemDataRole.DecorationRole and column == SEVERITY:
            return self._icons.get(issue.severity)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(issue, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (POSITION, CODE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractItemModel::headerData."""
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == POSITION:
            return "Line and column in the message as received"
        return None

    # ---------------------------------------------------------------------------- helpers

    @staticmethod
    def _text(issue: Issue, column: int) -> str:
        if column == SEVERITY:
            return SEVERITY_TITLES.get(issue.severity, issue.severity)
        if column == LAYER:
            return issue.layer
        if column == RULE:
            return issue.rule
        if column == MESSAGE:
            return issue.message
        if column == PATH:
            return issue.path or ""
        if column == POSITION:
            return position_text(issue)
        return issue.itk_code or ""

    @staticmethod
    def _sort_value(issue: Issue, column: int) -> Any:
        if column == SEVERITY:
            return _RANK.get(issue.severity, len(_RANK))
        if column == POSITION:
            return (issue.line or 0) * 100_000 + (issue.column or 0)
        if column == CODE:
            return int(issue.itk_code) if issue.itk_code and issue.itk_code.isdigit() else 0
        return IssueTableModel._text(issue, column).lower()

    @staticmethod
    def _tooltip(issue: Issue, column: int) -> str | None:
        if column == MESSAGE:
            return f"{issue.message}\n\nHow to fix: {issue.hint}" if issue.hint else issue.message
        if column == CODE and issue.itk_code:
            found = catalogue().response(issue.itk_code)
            return f"A receiver would answer {issue.itk_code} {found.display}" if found is not None else None
        if column == PATH and issue.path:
            return issue.path
        return None


class IssueFilterModel(QSortFilterProxyModel):
    """Sorts issues and filters them by severity, layer and a search text.

    Args:
        parent: The Qt parent.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._severities: frozenset[str] = frozenset(SEVERITIES)
        self._layer: str | None = None
        self._search = ""
        self.setSortRole(SORT_ROLE)

    def severities(self) -> frozenset[str]:
        """Return the severities shown."""
        return self._severities

    def set_severities(self, severities: Iterable[str]) -> None:
        """Show only issues of these severities."""
        wanted = frozenset(severities)
        if wanted != self._severities:
            self.beginFilterChange()
            self._severities = wanted
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def layer(self) -> str | None:
        """Return the layer shown (None: all)."""
        return self._layer

    def set_layer(self, layer: str | None) -> None:
        """Show only issues of one layer (None: all layers)."""
        if layer != self._layer:
            self.beginFilterChange()
            self._layer = layer
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def search(self) -> str:
        """Return the search text."""
        return self._search

    def set_search(self, text: str) -> None:
        """Show only issues whose message, hint, rule or path contains ``text`` (any case)."""
        text = text.strip().casefold()
        if text != self._search:
            self.beginFilterChange()
            self._search = text
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def issue(self, index: AnyIndex) -> Issue | None:
        """Return the issue of a proxy index's row."""
        if not index.isValid():
            return None
        found = self.data(index, ISSUE_ROLE)
        return found if isinstance(found, Issue) else None

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        """Override QSortFilterProxyModel::filterAcceptsRow."""
        model = self.sourceModel()
        if not isinstance(model, IssueTableModel):
            return True
        issue = model.issue(model.index(source_row, 0, source_parent))
        if issue is None:
            return False
        if issue.severity not in self._severities:
            return False
        if self._layer is not None and issue.layer != self._layer:
            return False
        if self._search:
            haystack = " ".join(filter(None, (issue.message, issue.hint, issue.rule, issue.path))).casefold()
            return self._search in haystack
        return True
