"""The issues panel: every finding of the last validation as a sortable, filterable table.

Above the table: one toggle per severity (with its count), a layer filter (with counts), a search
field, and how many issues are shown. Clicking an issue, or pressing Enter on it, asks for its
node to be shown (:attr:`IssuesPanel.sig_issue_activated`).
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core.validation.issue import LAYERS, SEVERITIES, Issue
from workbench.core.validation.runner import Report
from workbench.gui.inspector.issue_model import (
    CODE,
    LAYER,
    MESSAGE,
    PATH,
    POSITION,
    RULE,
    SEVERITY,
    SEVERITY_TITLES,
    IssueFilterModel,
    IssueTableModel,
    severity_icon,
)

_PLURALS = {"fatal": "Fatal", "error": "Errors", "warning": "Warnings", "information": "Info"}
_ALL_LAYERS = "All layers"
#: Severity toggles read as pills: outlined when on, faded when off.
_FILTER_STYLE = """
QToolButton[severityFilter="true"] {
    border: 1px solid #d0d7de; border-radius: 11px; padding: 2px 9px 2px 7px;
    background: #ffffff; color: #1f2328;
}
QToolButton[severityFilter="true"]:hover { background: #f3f4f6; }
QToolButton[severityFilter="true"]:!checked { border-style: dashed; background: transparent; color: #8c959f; }
"""


class _IssueTable(QTableView):
    """The table; Enter on a row activates it like a click."""

    sig_enter_pressed = Signal(QModelIndex)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Activate the current row on Enter/Return; otherwise the usual keys."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.sig_enter_pressed.emit(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)


class IssuesPanel(QWidget):
    """The findings of a report, filtered and sorted.

    Signals:
        sig_issue_activated(object): The user clicked an issue or pressed Enter on it; carries
            the :class:`Issue`.

    Args:
        parent: The Qt parent.
    """

    sig_issue_activated = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("issuesPanel")
        self.model = IssueTableModel(self)
        self.proxy = IssueFilterModel(self)
        self.proxy.setSourceModel(self.model)

        self.title = QLabel("Issues")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.severity_buttons: dict[str, QToolButton] = {}
        self.setStyleSheet(_FILTER_STYLE)
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 4, 8, 4)
        bar.setSpacing(6)
        bar.addWidget(self.title)
        bar.addSpacing(8)
        for severity in SEVERITIES:
            button = QToolButton()
            button.setObjectName(f"severity_{severity}")
            button.setProperty("severityFilter", True)
            button.setCheckable(True)
            button.setChecked(True)
            button.setAutoRaise(True)
            button.setIcon(severity_icon(severity))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setToolTip(f"Show {SEVERITY_TITLES[severity].lower()} findings")
            button.toggled.connect(self._on_severity_toggled)
            self.severity_buttons[severity] = button
            bar.addWidget(button)
        bar.addSpacing(8)
        self.layer_combo = QComboBox()
        self.layer_combo.setObjectName("layerFilter")
        self.layer_combo.setToolTip("Show the findings of one validation layer")
        self.layer_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.layer_combo.currentIndexChanged.connect(self._on_layer_changed)
        bar.addWidget(self.layer_combo)
        self.search = QLineEdit()
        self.search.setObjectName("issueSearch")
        self.search.setPlaceholderText("Search message, rule or path")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(220)
        self.search.textChanged.connect(self.proxy.set_search)
        self.search.textChanged.connect(self._update_shown)
        bar.addWidget(self.search, 1)
        self.shown = QLabel()
        self.shown.setObjectName("issuesShown")
        self.shown.setStyleSheet("color: #656d76;")
        bar.addWidget(self.shown)

        self.view = _IssueTable(self)
        self.view.setObjectName("issuesTable")
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(POSITION, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.view.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        for column, width in ((SEVERITY, 116), (LAYER, 84), (RULE, 210), (PATH, 300), (POSITION, 64), (CODE, 72)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(MESSAGE, QHeaderView.ResizeMode.Stretch)
        self.view.clicked.connect(self._on_index_activated)
        self.view.sig_enter_pressed.connect(self._on_index_activated)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self._fill_layers(None)
        self._update_counts(None)

    # ---------------------------------------------------------------------------------- API

    def set_report(self, report: Report | None) -> None:
        """Show a report's issues, keeping the filters and, when it is still there, the selection."""
        selected = self.current_issue()
        self.model.set_report(report)
        self._update_counts(report)
        self._fill_layers(report)
        if selected is not None:
            row = self.model.row_of(selected)
            if row is not None:
                index = self.proxy.mapFromSource(self.model.index(row, 0))
                if index.isValid():
                    self.view.selectionModel().setCurrentIndex(
                        index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
                    )
        self._update_shown()

    def current_issue(self) -> Issue | None:
        """Return the selected issue, if any."""
        return self.proxy.issue(self.view.currentIndex())

    def shown_issues(self) -> list[Issue]:
        """Return the issues the table shows, in the table's order."""
        found = []
        for row in range(self.proxy.rowCount()):
            issue = self.proxy.issue(self.proxy.index(row, 0))
            if issue is not None:
                found.append(issue)
        return found

    def select_issue(self, issue: Issue) -> bool:
        """Select an issue's row (clearing filters that hide it); return whether it is shown."""
        row = self.model.row_of(issue)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            self.clear_filters()
            index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        return index.isValid()

    def set_severity_shown(self, severity: str, shown: bool) -> None:
        """Show or hide the findings of one severity (as its toggle button does)."""
        self.severity_buttons[severity].setChecked(shown)

    def set_layer(self, layer: str | None) -> None:
        """Show the findings of one layer (None: all), as the layer filter does."""
        index = self.layer_combo.findData(layer) if layer is not None else 0
        self.layer_combo.setCurrentIndex(max(0, index))

    def clear_filters(self) -> None:
        """Show every finding."""
        for button in self.severity_buttons.values():
            button.setChecked(True)
        self.layer_combo.setCurrentIndex(0)
        self.search.clear()

    # ---------------------------------------------------------------------------- helpers

    def _update_counts(self, report: Report | None) -> None:
        counts = report.counts() if report is not None else dict.fromkeys(SEVERITIES, 0)
        for severity, button in self.severity_buttons.items():
            button.setText(f"{_PLURALS[severity]} {counts.get(severity, 0)}")
            button.setVisible(severity != "fatal" or counts.get("fatal", 0) > 0 or not button.isChecked())

    def _fill_layers(self, report: Report | None) -> None:
        current = self.layer_combo.currentData()
        counts = {layer: 0 for layer in LAYERS}
        for issue in report.issues if report is not None else []:
            counts[issue.layer] = counts.get(issue.layer, 0) + 1
        combo = self.layer_combo
        with QSignalBlocker(combo):  # refilling keeps the filter: no change to announce
            combo.clear()
            combo.addItem(_ALL_LAYERS, None)
            for layer, count in counts.items():
                combo.addItem(f"{layer} ({count})", layer)
            index = combo.findData(current) if current is not None else 0
            combo.setCurrentIndex(max(0, index))
        self.proxy.set_layer(combo.currentData())

    def _update_shown(self) -> None:
        total = self.model.rowCount()
        shown = self.proxy.rowCount()
        if total == 0:
            self.shown.setText("No issues")
        elif shown == total:
            self.shown.setText(f"{total} issue{'s' if total != 1 else ''}")
        else:
            self.shown.setText(f"Showing {shown} of {total}")

    # ---------------------------------------------------------------------------- handlers

    def _on_severity_toggled(self, _checked: bool) -> None:
        self.proxy.set_severities(s for s, b in self.severity_buttons.items() if b.isChecked())
        self._update_shown()

    def _on_layer_changed(self, _index: int) -> None:
        self.proxy.set_layer(self.layer_combo.currentData())
        self._update_shown()

    def _on_index_activated(self, index: QModelIndex) -> None:
        issue = self.proxy.issue(index)
        if issue is not None:
            self.sig_issue_activated.emit(issue)
