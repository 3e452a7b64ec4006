"""A non-modal message bar above the panels: errors and notices that do not block the user."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

_STYLES = {
    "error": ("#ffebe9", "#ff8182", "#82071e"),
    "warning": ("#fff8c5", "#d4a72c", "#4d2d00"),
    "info": ("#ddf4ff", "#54aeff", "#0a3069"),
}


class MessageBar(QFrame):
    """A one-line message with a close button; hidden when there is nothing to say.

    Args:
        parent: The Qt parent.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self._level = "info"
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.clear)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.text, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_message(self, text: str, level: str = "info") -> None:
        """Show a message; ``level`` is ``error``, ``warning`` or ``info``."""
        background, border, colour = _STYLES.get(level, _STYLES["info"])
        self._level = level
        self.setStyleSheet(
            f"QFrame#messageBar {{ background: {background}; border: 1px solid {border}; border-radius: 4px; }}"
            f"QFrame#messageBar QLabel {{ color: {colour}; background: transparent; border: none; }}"
        )
        self.text.setText(text)
        self.show()

    def message(self) -> str:
        """Return the text shown ("" when hidden)."""
        return self.text.text() if not self.isHidden() else ""

    def level(self) -> str:
        """Return the level of the message shown."""
        return self._level

    def clear(self) -> None:
        """Hide the bar."""
        self.text.clear()
        self.hide()
