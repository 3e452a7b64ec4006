"""Paints a tree row's label in two tones: what the row is, then what it holds.

``timestamp: 2019-09-04T06:55:24Z`` shows the name in the text colour and the value in a value
colour; ``entry[0] MessageHeader · ITK-MessageHeader-2 · b746…`` shows the profile and id
muted. The label text itself is unchanged (copying and tests see the model's text).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

VALUE_COLOUR = QColor("#0a3069")
MUTED_COLOUR = QColor("#656d76")
#: Where the second tone starts, tried in this order; the first found wins.
_SPLITS = ((" · ", MUTED_COLOUR), (": ", VALUE_COLOUR), (" → ", VALUE_COLOUR))


def split_label(label: str) -> tuple[str, str, QColor | None]:
    """Split a label into its head, its tail and the tail's colour (None: one tone)."""
    if label.startswith(("<!--", "<?")):
        return label, "", None
    found: tuple[int, QColor] | None = None
    for separator, colour in _SPLITS:
        at = label.find(separator)
        if at > 0 and (found is None or at < found[0]):
            found = (at, colour)
    if found is None:
        return label, "", None
    at, colour = found
    return label[:at], label[at:], colour


class LabelDelegate(QStyledItemDelegate):
    """Draws the row text in two tones; everything else is the style's own drawing."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        """Override QStyledItemDelegate::paint."""
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        head, tail, colour = split_label(opt.text)
        if colour is None:
            super().paint(painter, option, index)
            return
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        opt.text = ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        rect = rect.adjusted(2, 0, -2, 0)  # the style's text margin
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = (
            QPalette.ColorGroup.Normal if opt.state & QStyle.StateFlag.State_Enabled else QPalette.ColorGroup.Disabled
        )
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        metrics = opt.fontMetrics
        painter.save()
        try:
            painter.setFont(opt.font)
            flags = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextSingleLine
            head_shown = metrics.elidedText(head, Qt.TextElideMode.ElideRight, rect.width())
            painter.setPen(opt.palette.color(group, role))
            painter.drawText(rect, flags, head_shown)
            used = metrics.horizontalAdvance(head_shown)
            if head_shown == head and used < rect.width():
                rest = rect.adjusted(used, 0, 0, 0)
                painter.setPen(opt.palette.color(group, role) if selected else colour)
                painter.drawText(rest, flags, metrics.elidedText(tail, Qt.TextElideMode.ElideRight, rest.width()))
        finally:
            painter.restore()
