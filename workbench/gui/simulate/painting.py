"""Paints a laid-out sequence diagram with QPainter: the same code draws the screen, PNG and SVG.

:class:`Scene` says what to draw: the :class:`~.layout.DiagramLayout`, the round trip it shows
(for the caption and the lane headers), how many arrows are revealed and how far the next one
has grown (playback), and which arrow the mouse is over. :func:`label_boxes` places each
arrow's label (a white box sitting on the arrow, two lines: code and display, then event, level
and times); the widget uses the same boxes for hit tests. Fonts have pixel sizes, so the
geometry is the same on a screen, in a 2x image and in an SVG.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QApplication

from workbench.core.acks.events import SimEvent
from workbench.core.acks.runs import LaneInfo, RoundTrip
from workbench.gui.simulate.conversation_model import NEUTRAL_STATE_COLOUR, STATE_COLOURS
from workbench.gui.simulate.layout import LEGEND_ROW, ArrowGeometry, DiagramLayout, NoteGeometry

#: Arrow colour by outcome: a message (no code) is blue, Responses green or red.
OUTCOME_COLOURS = {"none": "#0969da", "positive": "#1a7f37", "negative": "#cf222e"}
#: Fill and border of notes by kind/outcome.
NOTE_COLOURS = {
    "positive": ("#dafbe1", "#4ac26b"),
    "negative": ("#ffebe9", "#ff8182"),
    "none": ("#f6f8fa", "#afb8c1"),
    "overdue": ("#fff8c5", "#d4a72c"),
    "anomaly": ("#fff8c5", "#d4a72c"),
}
TEXT = QColor("#1f2328")
MUTED = QColor("#57606a")
LIFELINE = QColor("#8c959f")
GRID = QColor("#eaeef2")
HEAD = QColor("#0969da")
BACKGROUND = QColor("#ffffff")
LABEL_PADDING = 7.0
LABEL_GAP = 3.0
ARROW_HEAD = 10.0
#: Where along an arrow its label may sit, in order of preference (the middle first).
_LABEL_POSITIONS = (0.5, 0.36, 0.64, 0.24, 0.76)


@dataclass(frozen=True, slots=True)
class Scene:
    """What to paint.

    Attributes:
        layout: the geometry.
        trip: the round trip shown (None: an empty diagram with a hint).
        shown: how many arrows are fully revealed (playback); notes show once the arrows before
            them have.
        fraction: how far (0..1) the next arrow has grown.
        hovered: the index of the arrow under the mouse.
        boxes: the arrows' labels from :func:`label_boxes` for this layout, when the caller
            keeps them (None: placed here).
    """

    layout: DiagramLayout
    trip: RoundTrip | None
    shown: int
    fraction: float = 0.0
    hovered: int | None = None
    boxes: list[LabelBox] | None = None


@dataclass(frozen=True, slots=True)
class LabelBox:
    """An arrow's label: its box and its two lines (already elided to fit)."""

    index: int
    rect: QRectF
    title: str
    detail: str


def font(pixels: float, bold: bool = False) -> QFont:
    """The application's font at a pixel size (the same geometry on every device)."""
    app = QApplication.instance()
    result = QFont(app.font()) if isinstance(app, QApplication) else QFont()
    result.setPixelSize(round(pixels))
    result.setBold(bold)
    return result


TITLE_FONT = 17
LABEL_FONT = 12.5
DETAIL_FONT = 11
SMALL_FONT = 11


def arrow_colour(event: SimEvent) -> QColor:
    """An arrow's colour by outcome."""
    return QColor(OUTCOME_COLOURS.get(event.outcome, OUTCOME_COLOURS["none"]))


def arrow_title(event: SimEvent) -> str:
    """An arrow label's first line: the Response code and display, or the message's event."""
    if event.kind == "message":
        return f"{event.event_code}  message" if event.event_code else "unreadable message"
    return event.label


def arrow_detail(event: SimEvent) -> str:
    """An arrow label's second line: event, what it is, and when it was sent and arrived."""
    arrival = f"{round(event.arrival, 3):g} s" if event.arrival is not None else "not delivered"
    sent = f"{round(event.time, 3):g} s"  # a stored MESH round trip is timed to the microsecond
    if event.kind == "message":
        what = (
            event.message_id[:8] + "…" if event.message_id and len(event.message_id) > 9 else (event.message_id or "")
        )
        return f"{what}  ·  sent {sent} → {arrival}".lstrip(" ·")
    kind = "ack of the business Response" if event.kind == "ack-of-ack" else f"{event.level or ''} Response".strip()
    return f"{event.event_code or ''} {kind}  ·  sent {sent} → {arrival}".strip()


def label_boxes(layout: DiagramLayout) -> list[LabelBox]:
    """Where each arrow's label goes: on the arrow, sliding along it to avoid the one before."""
    title_metrics = QFontMetricsF(font(LABEL_FONT, bold=True))
    detail_metrics = QFontMetricsF(font(DETAIL_FONT))
    widest = abs(layout.receiver_x - layout.sender_x) - 2 * ARROW_HEAD - 24
    height = title_metrics.height() + detail_metrics.height() + LABEL_GAP + 2 * 4.0
    boxes: list[LabelBox] = []
    for arrow in layout.arrows:
        title = title_metrics.elidedText(
            arrow_title(arrow.event), Qt.TextElideMode.ElideRight, widest - 2 * LABEL_PADDING
        )
        detail = detail_metrics.elidedText(
            arrow_detail(arrow.event), Qt.TextElideMode.ElideRight, widest - 2 * LABEL_PADDING
        )
        width = (
            max(title_metrics.horizontalAdvance(title), detail_metrics.horizontalAdvance(detail)) + 2 * LABEL_PADDING
        )
        rect = QRectF()
        for position in _LABEL_POSITIONS:
            centre = arrow.point_at(position)
            rect = QRectF(centre.x() - width / 2, centre.y() - height / 2, width, height)
            if not any(rect.intersects(box.rect.adjusted(-2, -2, 2, 2)) for box in boxes):
                break
        boxes.append(LabelBox(arrow.index, rect, title, detail))
    return boxes


def note_visible(scene: Scene, note: NoteGeometry) -> bool:
    """A note shows once every arrow logged before it is fully revealed."""
    arrows = scene.layout.arrows
    hidden = arrows[scene.shown :] if scene.shown < len(arrows) else []
    return not any(a.event.seq < note.event.seq for a in hidden)


def head_y(scene: Scene) -> float | None:
    """The y of the playback head (the tip of the growing arrow), or None when all is shown."""
    arrows = scene.layout.arrows
    if scene.shown >= len(arrows):
        return None
    return arrows[scene.shown].point_at(scene.fraction).y()


def paint_diagram(painter: QPainter, scene: Scene) -> None:
    """Paint the whole diagram (background included) in layout coordinates."""
    layout = scene.layout
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    painter.fillRect(QRectF(0, 0, layout.width, layout.height), BACKGROUND)
    _paint_caption(painter, scene)
    _paint_axis(painter, layout)
    _paint_lanes(painter, scene)
    _paint_breaks(painter, layout)
    for note in layout.notes:
        if note_visible(scene, note):
            _paint_note(painter, note)
    boxes = scene.boxes if scene.boxes is not None else label_boxes(layout)
    for arrow, box in zip(layout.arrows, boxes, strict=True):
        if arrow.index < scene.shown:
            _paint_arrow(painter, arrow, 1.0, box, hovered=arrow.index == scene.hovered)
        elif arrow.index == scene.shown and scene.fraction > 0:
            _paint_arrow(painter, arrow, scene.fraction, None, hovered=False)
    y = head_y(scene)
    if y is not None and scene.trip is not None:
        _paint_head(painter, layout, y)
    _paint_legend(painter, layout)


# ---- parts -------------------------------------------------------------------------------


def _paint_caption(painter: QPainter, scene: Scene) -> None:
    rect = scene.layout.caption
    trip = scene.trip
    painter.setPen(TEXT)
    painter.setFont(font(TITLE_FONT, bold=True))
    if trip is None:
        title = "Sequence diagram"
    else:  # a stored conversation has no run number
        title = f"{trip.number}. {trip.title}" if trip.number else trip.title
    painter.drawText(
        QRectF(rect.left(), rect.top(), rect.width() * 0.7, 24),
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
        title,
    )
    painter.setFont(font(SMALL_FONT))
    painter.setPen(MUTED)
    if trip is None:
        subtitle = "Run a response pattern or send a message: its round trip is drawn here."
    else:
        conversation = trip.result.conversation
        ended = trip.result.ended_at
        if trip.number:
            took = f"simulated {ended:g} s"
        else:  # a stored conversation: how long it really took
            took = f"took {ended * 1000:.0f} ms" if ended < 1 else f"took {ended:.1f} s"
        parts = [conversation.event_code or "unreadable message", trip.flags, took]
        subtitle = "   ·   ".join(parts)
    painter.drawText(
        QRectF(rect.left(), rect.top() + 26, rect.width() * 0.75, 18),
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
        subtitle,
    )
    if trip is not None:
        state = trip.result.conversation.state_label
        colour = QColor(STATE_COLOURS.get(trip.result.final_state, NEUTRAL_STATE_COLOUR))
        bold = font(LABEL_FONT, bold=True)
        width = QFontMetricsF(bold).horizontalAdvance(state) + 24
        pill = QRectF(rect.right() - width, rect.top() + 2, width, 24)
        fill = QColor(colour)
        fill.setAlpha(28)
        painter.setPen(QPen(colour, 1.2))
        painter.setBrush(fill)
        painter.drawRoundedRect(pill, 12, 12)
        painter.setFont(bold)
        painter.setPen(colour)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, state)
    painter.setPen(QPen(GRID, 1))
    painter.drawLine(QLineF(rect.left(), rect.bottom(), rect.right(), rect.bottom()))


def _paint_axis(painter: QPainter, layout: DiagramLayout) -> None:
    x = layout.axis_x
    painter.setPen(QPen(LIFELINE, 1))
    painter.drawLine(QLineF(x, layout.top, x, layout.bottom))
    painter.setFont(font(SMALL_FONT))
    for tick in layout.ticks:
        painter.setPen(QPen(GRID, 1))
        painter.drawLine(QLineF(x + 1, tick.y, layout.receiver_x, tick.y))
        painter.setPen(QPen(LIFELINE, 1))
        painter.drawLine(QLineF(x - 4, tick.y, x, tick.y))
        painter.setPen(MUTED)
        painter.drawText(
            QRectF(x - 60, tick.y - 8, 54, 16), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, tick.label
        )
    painter.setPen(MUTED)
    painter.drawText(
        QRectF(x - 60, layout.top - 26, 60, 16), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, "time"
    )


def _paint_lanes(painter: QPainter, scene: Scene) -> None:
    layout = scene.layout
    trip = scene.trip
    lanes = (trip.sender, trip.receiver) if trip is not None else (LaneInfo("Sender"), LaneInfo("Receiver"))
    for lane, header in zip(lanes, (layout.sender_header, layout.receiver_header), strict=True):
        x = header.center().x()
        pen = QPen(LIFELINE, 1.2, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawLine(QLineF(x, header.bottom(), x, layout.bottom))
        painter.setPen(QPen(QColor("#57606a"), 1.2))
        painter.setBrush(QColor("#f6f8fa"))
        painter.drawRoundedRect(header, 6, 6)
        painter.setPen(TEXT)
        painter.setFont(font(14, bold=True))
        painter.drawText(
            QRectF(header.left(), header.top() + 7, header.width(), 20), Qt.AlignmentFlag.AlignCenter, lane.name
        )
        small = font(SMALL_FONT)
        painter.setFont(small)
        painter.setPen(MUTED)
        subtitle = QFontMetricsF(small).elidedText(lane.subtitle, Qt.TextElideMode.ElideMiddle, header.width() - 12)
        painter.drawText(
            QRectF(header.left(), header.top() + 28, header.width(), 18), Qt.AlignmentFlag.AlignCenter, subtitle
        )
        painter.setPen(QPen(QColor("#57606a"), 1.2))
        painter.drawLine(QLineF(x - 14, layout.bottom, x + 14, layout.bottom))
    if trip is None:
        painter.setPen(MUTED)
        painter.setFont(font(13))
        middle = QRectF(layout.sender_x, layout.top + 10, layout.receiver_x - layout.sender_x, 60)
        painter.drawText(middle, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, "No round trip yet")


def _paint_breaks(painter: QPainter, layout: DiagramLayout) -> None:
    for gap in layout.breaks:
        band = QRectF(layout.axis_x - 6, gap.top + 16, layout.width - layout.axis_x - 12, gap.bottom - gap.top - 32)
        painter.fillRect(band, BACKGROUND)
        painter.setPen(QPen(LIFELINE, 1.2))
        for y in (band.top(), band.bottom()):
            path = QPainterPath(QPointF(band.left(), y))
            x = band.left()
            step = 8.0
            up = True
            while x < band.right():
                x = min(band.right(), x + step)
                path.lineTo(x, y - 3 if up else y + 3)
                up = not up
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
        painter.setPen(MUTED)
        painter.setFont(font(SMALL_FONT))
        text = f"{_duration(gap.seconds)} with nothing in flight"
        middle = QRectF(layout.sender_x, band.top(), layout.receiver_x - layout.sender_x, band.height())
        painter.drawText(middle, Qt.AlignmentFlag.AlignCenter, text)


def _duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:g} s"


def _paint_note(painter: QPainter, note: NoteGeometry) -> None:
    event = note.event
    key = event.kind if event.kind in ("overdue", "anomaly") else event.outcome
    fill, border = NOTE_COLOURS.get(key, NOTE_COLOURS["none"])
    rect = note.rect
    edge_x = rect.right() if rect.center().x() < note.anchor.x() else rect.left()
    painter.setPen(QPen(QColor(border), 1))
    painter.drawLine(QLineF(note.anchor, QPointF(edge_x, rect.center().y())))
    painter.setBrush(QColor(border))
    painter.drawEllipse(note.anchor, 3.0, 3.0)
    painter.setBrush(QColor(fill))
    painter.drawRoundedRect(rect, 4, 4)
    painter.setPen(TEXT)
    small = font(SMALL_FONT)
    painter.setFont(small)
    text = QFontMetricsF(small).elidedText(event.label, Qt.TextElideMode.ElideRight, rect.width() - 12)
    painter.drawText(rect.adjusted(6, 0, -6, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)


def _paint_arrow(painter: QPainter, arrow: ArrowGeometry, fraction: float, box: LabelBox | None, hovered: bool) -> None:
    event = arrow.event
    colour = arrow_colour(event)
    if arrow.in_transit:
        colour = QColor(LIFELINE)
    end = arrow.point_at(fraction)
    width = 3.2 if hovered else 2.0
    style = Qt.PenStyle.DashLine if event.kind == "ack-of-ack" or arrow.in_transit else Qt.PenStyle.SolidLine
    if hovered:
        halo = QColor(colour)
        halo.setAlpha(50)
        painter.setPen(QPen(halo, 10, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawLine(QLineF(arrow.start, end))
    pen = QPen(colour, width, style, Qt.PenCapStyle.FlatCap)
    painter.setPen(pen)
    angle = math.atan2(end.y() - arrow.start.y(), end.x() - arrow.start.x())
    shaft_end = QPointF(end.x() - math.cos(angle) * ARROW_HEAD * 0.8, end.y() - math.sin(angle) * ARROW_HEAD * 0.8)
    painter.drawLine(QLineF(arrow.start, shaft_end))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawEllipse(arrow.start, 3.2, 3.2)
    head = QPolygonF(
        [
            end,
            QPointF(end.x() - ARROW_HEAD * math.cos(angle - 0.42), end.y() - ARROW_HEAD * math.sin(angle - 0.42)),
            QPointF(end.x() - ARROW_HEAD * math.cos(angle + 0.42), end.y() - ARROW_HEAD * math.sin(angle + 0.42)),
        ]
    )
    painter.drawPolygon(head)
    if box is not None:
        _paint_label(painter, box, colour, hovered)


def _paint_label(painter: QPainter, box: LabelBox, colour: QColor, hovered: bool) -> None:
    fill = QColor(BACKGROUND)
    if hovered:
        fill = QColor(colour)
        fill.setAlpha(22)
        fill = _over_white(fill)
    painter.setPen(QPen(colour, 1.4 if hovered else 1.0))
    painter.setBrush(QBrush(fill))
    painter.drawRoundedRect(box.rect, 5, 5)
    title_font = font(LABEL_FONT, bold=True)
    title_height = QFontMetricsF(title_font).height()
    inner = box.rect.adjusted(LABEL_PADDING, 4, -LABEL_PADDING, -4)
    painter.setFont(title_font)
    painter.setPen(colour.darker(115))
    painter.drawText(
        QRectF(inner.left(), inner.top(), inner.width(), title_height), Qt.AlignmentFlag.AlignCenter, box.title
    )
    painter.setFont(font(DETAIL_FONT))
    painter.setPen(MUTED)
    detail = QRectF(
        inner.left(), inner.top() + title_height + LABEL_GAP, inner.width(), inner.height() - title_height - LABEL_GAP
    )
    painter.drawText(detail, Qt.AlignmentFlag.AlignCenter, box.detail)


def _over_white(colour: QColor) -> QColor:
    alpha = colour.alphaF()
    return QColor.fromRgbF(
        1 - alpha + colour.redF() * alpha, 1 - alpha + colour.greenF() * alpha, 1 - alpha + colour.blueF() * alpha
    )


def _paint_head(painter: QPainter, layout: DiagramLayout, y: float) -> None:
    pen = QPen(HEAD, 1, Qt.PenStyle.DotLine)
    painter.setPen(pen)
    painter.drawLine(QLineF(layout.axis_x, y, layout.width - 12, y))
    seconds = layout.time_map.time_at(y)
    painter.setFont(font(SMALL_FONT, bold=True))
    painter.setPen(HEAD)
    painter.drawText(
        QRectF(layout.axis_x + 4, y - 16, 80, 14),
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
        f"▶ {seconds:.1f} s",
    )


def _paint_legend(painter: QPainter, layout: DiagramLayout) -> None:
    small = font(SMALL_FONT)
    metrics = QFontMetricsF(small)
    painter.setFont(small)
    x = layout.axis_x
    y = layout.legend_y + 12
    entries = (
        (OUTCOME_COLOURS["none"], Qt.PenStyle.SolidLine, "message"),
        (OUTCOME_COLOURS["positive"], Qt.PenStyle.SolidLine, "positive Response"),
        (OUTCOME_COLOURS["negative"], Qt.PenStyle.SolidLine, "negative Response"),
        (OUTCOME_COLOURS["positive"], Qt.PenStyle.DashLine, "sender's ack of a business Response"),
    )
    for colour, style, text in entries:
        if x > layout.axis_x and x + 32 + metrics.horizontalAdvance(text) > layout.width - 12:
            x, y = layout.axis_x, y + LEGEND_ROW  # narrow diagram: a second row
        painter.setPen(QPen(QColor(colour), 2, style))
        painter.drawLine(QLineF(x, y, x + 26, y))
        painter.setPen(MUTED)
        painter.drawText(QPointF(x + 32, y + metrics.ascent() / 2 - 1), text)
        x += 32 + metrics.horizontalAdvance(text) + 22
