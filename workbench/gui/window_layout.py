"""Remembering the window's geometry, the panels' splitter positions and view options.

Every tab has its own panels, so its own splitters; they share one layout. A new tab takes the
sizes last used (this run, else the settings), and the tab brought forward takes those of the
tab that was shown, so the panels stay put while the user moves between messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QSplitter

DEFAULT_SIZE = (1400, 900)
_DIRECTORY_KEY = "files/last_directory"

#: (settings key, splitter, sizes used the first time), as an inspector gives them.
Splitters = tuple[tuple[str, QSplitter, list[int]], ...]


def last_directory(settings: QSettings) -> str:
    """Return the folder files were last opened from or saved to (the home folder at first)."""
    return str(settings.value(_DIRECTORY_KEY, str(Path.home())))


@dataclass
class WindowLayout:
    """What of a window's layout is kept between runs.

    Attributes:
        settings: Where it is kept.
        show_comments: The View › Show Comments toggle.
    """

    settings: QSettings
    show_comments: QAction
    _states: dict[str, QByteArray] = field(default_factory=dict)

    def restore(self, window: QMainWindow) -> None:
        """Give the window the geometry and options it had last time."""
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            window.restoreGeometry(geometry)
        else:
            window.resize(*DEFAULT_SIZE)
        show = self.settings.value("view/show_comments", True)
        self.show_comments.setChecked(show not in (False, "false", 0, "0"))

    def apply_splitters(self, splitters: Splitters) -> None:
        """Give a tab's splitters the sizes last used (this run, else the settings, else defaults)."""
        for key, splitter, sizes in splitters:
            state = self._states.get(key)
            if state is None:
                stored = self.settings.value(key)
                state = stored if isinstance(stored, QByteArray) else None
            if state is None or not splitter.restoreState(state):
                splitter.setSizes(sizes)

    def remember_splitters(self, splitters: Splitters) -> None:
        """Keep a tab's splitter sizes as the ones the next tab shown takes."""
        for key, splitter, _sizes in splitters:
            self._states[key] = splitter.saveState()

    def save(self, window: QMainWindow, splitters: Splitters = ()) -> None:
        """Remember the window's geometry, the splitter sizes (of the tab shown) and options."""
        self.settings.setValue("window/geometry", window.saveGeometry())
        self.remember_splitters(splitters)
        for key, state in self._states.items():
            self.settings.setValue(key, state)
        self.settings.setValue("view/show_comments", self.show_comments.isChecked())
        self.settings.sync()

    def last_directory(self) -> str:
        """Return the folder files were last opened from or saved to."""
        return last_directory(self.settings)

    def remember_directory(self, path: str) -> None:
        """Remember the folder of a file opened or saved."""
        self.settings.setValue(_DIRECTORY_KEY, str(Path(path).resolve().parent))
