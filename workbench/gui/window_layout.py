"""Remembering a window's geometry, splitter positions and view options in the settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QSplitter

DEFAULT_SIZE = (1400, 900)
_DIRECTORY_KEY = "files/last_directory"


def last_directory(settings: QSettings) -> str:
    """Return the folder files were last opened from or saved to (the home folder at first)."""
    return str(settings.value(_DIRECTORY_KEY, str(Path.home())))


@dataclass
class WindowLayout:
    """What of a window's layout is kept between runs.

    Attributes:
        settings: Where it is kept.
        splitters: (settings key, splitter, sizes used the first time) for each splitter.
        show_comments: The View › Show Comments toggle.
    """

    settings: QSettings
    splitters: tuple[tuple[str, QSplitter, list[int]], ...]
    show_comments: QAction

    def restore(self, window: QMainWindow) -> None:
        """Give the window the geometry, splitter sizes and options it had last time."""
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            window.restoreGeometry(geometry)
        else:
            window.resize(*DEFAULT_SIZE)
        for key, splitter, sizes in self.splitters:
            state = self.settings.value(key)
            if not (isinstance(state, QByteArray) and splitter.restoreState(state)):
                splitter.setSizes(sizes)
        show = self.settings.value("view/show_comments", True)
        self.show_comments.setChecked(show not in (False, "false", 0, "0"))

    def save(self, window: QMainWindow) -> None:
        """Remember the window's geometry, splitter sizes and options."""
        self.settings.setValue("window/geometry", window.saveGeometry())
        for key, splitter, _sizes in self.splitters:
            self.settings.setValue(key, splitter.saveState())
        self.settings.setValue("view/show_comments", self.show_comments.isChecked())
        self.settings.sync()

    def last_directory(self) -> str:
        """Return the folder files were last opened from or saved to."""
        return last_directory(self.settings)

    def remember_directory(self, path: str) -> None:
        """Remember the folder of a file opened or saved."""
        self.settings.setValue(_DIRECTORY_KEY, str(Path(path).resolve().parent))
