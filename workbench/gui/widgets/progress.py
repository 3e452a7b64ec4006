"""A progress bar for the status bar that appears only when work takes longer than a moment."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QProgressBar, QWidget

#: Work that takes longer than this shows the bar.
PROGRESS_DELAY_MS = 300


class DelayedProgressBar(QProgressBar):
    """Hidden until :meth:`begin` has been running for :data:`PROGRESS_DELAY_MS`.

    Args:
        parent: The Qt parent.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(0, 100)
        self.setMaximumWidth(220)
        self.setTextVisible(False)
        self.hide()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PROGRESS_DELAY_MS)
        self._timer.timeout.connect(self.show)

    def begin(self) -> None:
        """Start at 0 %; show the bar if the work is still going after the delay."""
        self.setValue(0)
        self._timer.start()

    def set_fraction(self, fraction: float) -> None:
        """Show how far the work is (0..1)."""
        self.setValue(round(fraction * 100))

    def end(self) -> None:
        """The work is done: hide the bar."""
        self._timer.stop()
        self.hide()
