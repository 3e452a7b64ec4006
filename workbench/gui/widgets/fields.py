"""Small building blocks the windows and dialogs share: a list table, a file field with Browse…."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractItemModel, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QHeaderView, QLineEdit, QPushButton, QTableView, QWidget


def list_table(model: QAbstractItemModel, name: str) -> QTableView:
    """A read-only table of rows (one selected at a time), its last column stretched, text elided
    in the middle, no row numbers."""
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return table


class PathField(QWidget):
    """A file's path, typed or chosen with "Browse…".

    Signals:
        sig_text_changed(str): The path changed; carries it.

    Args:
        path: The path shown at first.
        ask: Asks for a file (given the dialog's parent and the path shown); returns it, or None.
        name: The line edit's object name.
        parent: The Qt parent.

    Attributes:
        edit: The line edit.
        browse: The "Browse…" button.
    """

    sig_text_changed = Signal(str)

    def __init__(
        self, path: str, ask: Callable[[QWidget, str], str | None], name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._ask = ask
        self.edit = QLineEdit(path)
        self.edit.setObjectName(name)
        self.browse = QPushButton("Browse…")
        self.browse.clicked.connect(self._on_browse_clicked)
        self.edit.textChanged.connect(self.sig_text_changed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.browse)

    def path(self) -> str:
        """Return the path (spaces around it left out)."""
        return self.edit.text().strip()

    def _on_browse_clicked(self) -> None:
        chosen = self._ask(self, self.edit.text())
        if chosen:
            self.edit.setText(chosen)
