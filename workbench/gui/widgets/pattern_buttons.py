"""A grid of buttons, one per ITK3 response pattern (the Simulate window's and the start page's)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QGridLayout, QPushButton

from workbench.core.acks.patterns import PATTERNS, Pattern


def pattern_buttons(
    grid: QGridLayout, name: str, tooltip: Callable[[int, Pattern], str], clicked: Callable[[str], object]
) -> dict[str, QPushButton]:
    """Put a button per response pattern in ``grid``, two a row, titled as the pattern is.

    Args:
        grid: Where the buttons go.
        name: The buttons' object names are ``{name}_{pattern key}``.
        tooltip: Gives a button's tooltip from the pattern's number (1 to 4) and the pattern.
        clicked: Called with the pattern's key when its button is clicked.

    Returns:
        The buttons by pattern key.
    """
    buttons: dict[str, QPushButton] = {}
    for index, chosen in enumerate(PATTERNS):
        button = QPushButton(chosen.title)
        button.setObjectName(f"{name}_{chosen.key}")
        button.setToolTip(tooltip(index + 1, chosen))
        button.clicked.connect(lambda _checked=False, key=chosen.key: clicked(key))
        grid.addWidget(button, index // 2, index % 2)
        buttons[chosen.key] = button
    return buttons
