"""Tools › Compare…: choose the two messages, each an open tab or a file.

The dialog opens without blocking (``open()``); when accepted, :meth:`CompareChooser.chosen`
gives the two sides. A starts as the tab shown and B as the next tab, when there is one.
"Choose File…" adds a file to both lists and picks it for that side.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.toolkit.compare.work import CompareSource


@dataclass(frozen=True)
class Choice:
    """A message that can be compared.

    Attributes:
        text: What the lists show.
        source: The side it gives.
    """

    text: str
    source: CompareSource


class CompareChooser(QDialog):
    """Choose A (left) and B (right).

    Args:
        choices: The open tabs, in order.
        current: The index of the tab shown in ``choices`` (-1: none).
        ask_file: Asks for a file to compare (returns its path, or None when cancelled).
        parent: The Qt parent.
    """

    def __init__(
        self,
        choices: Sequence[Choice],
        current: int,
        ask_file: Callable[[QWidget], str | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("compareChooser")
        self.setWindowTitle("Compare Two Messages")
        self._ask_file = ask_file
        self.combo_a = QComboBox()
        self.combo_a.setObjectName("compareA")
        self.combo_b = QComboBox()
        self.combo_b.setObjectName("compareB")
        for combo in (self.combo_a, self.combo_b):
            combo.setMinimumContentsLength(40)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            for choice in choices:
                combo.addItem(choice.text, choice)
        if choices:
            first = max(0, current)
            self.combo_a.setCurrentIndex(first)
            self.combo_b.setCurrentIndex((first + 1) % len(choices) if len(choices) > 1 else -1)
        else:
            self.combo_a.setCurrentIndex(-1)
            self.combo_b.setCurrentIndex(-1)
        self.browse_a = QPushButton("Choose File…")
        self.browse_b = QPushButton("Choose File…")
        self.browse_a.clicked.connect(lambda: self._browse(self.combo_a))
        self.browse_b.clicked.connect(lambda: self._browse(self.combo_b))
        grid = QGridLayout()
        grid.addWidget(QLabel("A (left):"), 0, 0)
        grid.addWidget(self.combo_a, 0, 1)
        grid.addWidget(self.browse_a, 0, 2)
        grid.addWidget(QLabel("B (right):"), 1, 0)
        grid.addWidget(self.combo_b, 1, 1)
        grid.addWidget(self.browse_b, 1, 2)
        grid.setColumnStretch(1, 1)
        note = QLabel(
            "Open tabs are compared as they are now, with any edits. XML and JSON of the same message compare equal."
        )
        note.setWordWrap(True)
        note.setObjectName("compareNote")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Compare")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.combo_a.currentIndexChanged.connect(self._update)
        self.combo_b.currentIndexChanged.connect(self._update)
        self._update()

    def chosen(self) -> tuple[CompareSource, CompareSource] | None:
        """Return the two sides chosen (None until both are)."""
        a, b = self.combo_a.currentData(), self.combo_b.currentData()
        if not isinstance(a, Choice) or not isinstance(b, Choice):
            return None
        return a.source, b.source

    def add_file(self, path: str, combo: QComboBox) -> None:
        """Offer a file in both lists and choose it in ``combo``."""
        choice = Choice(f"{Path(path).name} — file in {Path(path).parent}", CompareSource.file(path))
        for each in (self.combo_a, self.combo_b):
            each.addItem(choice.text, choice)
        combo.setCurrentIndex(combo.count() - 1)

    def _browse(self, combo: QComboBox) -> None:
        path = self._ask_file(self)
        if path:
            self.add_file(path, combo)

    def _update(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        same = self.combo_a.currentIndex() == self.combo_b.currentIndex()
        ok.setEnabled(self.chosen() is not None and not same)
        ok.setToolTip("Choose two different messages" if same else "")
