"""The application's icon, drawn with QPainter (no image files to ship or load)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap

BLUE = QColor("#005eb8")
LIGHT = QColor("#ffffff")


def _draw(size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        s = size / 64.0
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(BLUE)
        painter.drawRoundedRect(QRectF(2 * s, 2 * s, 60 * s, 60 * s), 12 * s, 12 * s)
        # A message tree: a root node and three branches, the middle one opened.
        pen = QPen(LIGHT, max(1.0, 3.2 * s), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.drawLine(QPointF(19 * s, 20 * s), QPointF(19 * s, 46 * s))
        for y in (28, 37, 46):
            painter.drawLine(QPointF(19 * s, y * s), QPointF(29 * s, y * s))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(LIGHT)
        painter.drawEllipse(QPointF(19 * s, 17 * s), 5 * s, 5 * s)
        for y, width in ((28, 20), (37, 26), (46, 14)):
            painter.drawRoundedRect(QRectF(31 * s, (y - 3) * s, width * s, 6 * s), 3 * s, 3 * s)
    finally:
        painter.end()
    return pixmap


def app_icon() -> QIcon:
    """Return the workbench's icon in the usual sizes."""
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        icon.addPixmap(_draw(size))
    return icon
