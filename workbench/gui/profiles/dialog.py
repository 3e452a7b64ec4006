"""Settings › Profiles: the conformance resources validation uses, and adding or removing them.

The dialog lists the shipped ITK3 pack and each file or folder the user added, with how many
StructureDefinitions, ValueSets, CodeSystems and MessageDefinitions each gave and what could not
be loaded. Add Folder…, Add File… and Remove change the :class:`ProfileLibrary`, which remembers
the choice and loads the new set off the GUI thread; windows validate again when it is loaded.
The dialog is not modal.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.profiles.library import ProfileLibrary, ProfileSet, SourceSummary

COLUMNS = ("Source", "StructureDefinitions", "ValueSets", "CodeSystems", "MessageDefinitions", "Problems")
_PROFILE_FILTER = "Conformance resources (*.xml *.json);;All files (*)"


def ask_folder(parent: QWidget | None, directory: str) -> str | None:
    """Ask for a folder of conformance resources (tests replace this)."""
    path = QFileDialog.getExistingDirectory(parent, "Add a folder of profiles", directory)
    return path or None


def ask_file(parent: QWidget | None, directory: str) -> str | None:
    """Ask for a file with conformance resources (tests replace this)."""
    path, _ = QFileDialog.getOpenFileName(parent, "Add a profile file", directory, _PROFILE_FILTER)
    return path or None


class ProfilesDialog(QDialog):
    """Lists the loaded conformance resources; adds and removes the user's sources.

    Args:
        library: The application's profile library.
        parent: The Qt parent.
    """

    def __init__(self, library: ProfileLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Profiles")
        self.setObjectName("profilesDialog")
        self._library = library
        self._summaries: list[SourceSummary] = []
        intro = QLabel(
            "Validation checks messages against the workbench's own ITK3 pack and the "
            "StructureDefinitions, ValueSets and CodeSystems of the files and folders below."
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("profileSources")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._on_selection_changed)
        self.problems = QPlainTextEdit()
        self.problems.setObjectName("profileProblems")
        self.problems.setReadOnly(True)
        self.problems.setMaximumHeight(110)
        self.problems.setPlaceholderText("Load problems of the selected source show here.")
        self.status = QLabel()
        self.status.setObjectName("profilesStatus")

        self.add_folder_button = QPushButton("Add Folder…")
        self.add_folder_button.clicked.connect(self.add_folder)
        self.add_file_button = QPushButton("Add File…")
        self.add_file_button.clicked.connect(self.add_file)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setEnabled(False)
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        for button in (self.add_folder_button, self.add_file_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.status)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.close)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problems)
        layout.addLayout(buttons)
        layout.addWidget(close)
        self.resize(820, 420)

        library.sig_profiles_changed.connect(self._on_profiles_changed)
        library.sig_loading_changed.connect(self._on_loading_changed)
        current = library.current()
        if current is not None:
            self.show_set(current)
        else:
            self._on_loading_changed(True)
            library.reload()

    # ---------------------------------------------------------------------------------- API

    def summaries(self) -> list[SourceSummary]:
        """Return the sources listed, the shipped pack first."""
        return list(self._summaries)

    def show_set(self, loaded: ProfileSet) -> None:
        """List a loaded set's sources."""
        self._summaries = list(loaded.summaries)
        self.table.setRowCount(len(self._summaries))
        for row, summary in enumerate(self._summaries):
            values = (
                summary.title,
                summary.structure_definitions,
                summary.value_sets,
                summary.code_systems,
                summary.message_definitions,
                len(summary.problems),
            )
            for column, value in enumerate(values):
                item = QTableWidgetItem(str(value))
                if column == 0:
                    item.setToolTip(summary.source or "Written by the project from the ITK3 facts; always used")
                else:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if column == len(COLUMNS) - 1 and summary.problems:
                    item.setForeground(Qt.GlobalColor.darkRed)
                    item.setToolTip("\n".join(summary.problems))
                self.table.setItem(row, column, item)
        self._on_loading_changed(self._library.is_loading())
        self._on_selection_changed()

    def add_folder(self) -> None:
        """Ask for a folder and add it."""
        path = ask_folder(self, self._start_directory())
        if path:
            self._library.add_source(path)

    def add_file(self) -> None:
        """Ask for a file and add it."""
        path = ask_file(self, self._start_directory())
        if path:
            self._library.add_source(path)

    def remove_selected(self) -> None:
        """Remove the selected source (the shipped pack cannot be removed)."""
        summary = self._selected()
        if summary is not None and summary.source is not None:
            self._library.remove_source(summary.source)

    # ---------------------------------------------------------------------------- helpers

    def _selected(self) -> SourceSummary | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self._summaries):
            return None
        return self._summaries[rows[0].row()]

    def _start_directory(self) -> str:
        sources = self._library.sources()
        return sources[-1] if sources else ""

    # ---------------------------------------------------------------------------- handlers

    def _on_selection_changed(self) -> None:
        summary = self._selected()
        self.remove_button.setEnabled(summary is not None and summary.source is not None)
        self.problems.setPlainText("\n".join(summary.problems) if summary is not None else "")

    def _on_profiles_changed(self, loaded: ProfileSet) -> None:
        self.show_set(loaded)

    def _on_loading_changed(self, loading: bool) -> None:
        self.status.setText("Loading…" if loading else "")
