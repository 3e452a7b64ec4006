"""The sequence diagram widget: playback for trainers, hover, click to open, export.

:class:`SequenceDiagram` shows one :class:`~.runs.RoundTrip`. Its playback head counts the
arrows revealed; :meth:`~SequenceDiagram.play` grows one arrow after another on a timer,
:meth:`~SequenceDiagram.step` and :meth:`~SequenceDiagram.step_back` move by a whole arrow, and
:meth:`~SequenceDiagram.show_all` shows the finished diagram. Hovering an arrow highlights it
and says what it carries; clicking it asks for its bytes to be opened in the inspector.
:meth:`~SequenceDiagram.export_png` (twice the size) and :meth:`~SequenceDiagram.export_svg`
write the complete diagram with the same painter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QImage, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen, QResizeEvent
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QSizePolicy, QWidget

from workbench.core.acks.events import SimEvent
from workbench.core.acks.runs import RoundTrip, code_display
from workbench.gui.simulate.layout import MIN_WIDTH, DiagramLayout, compute_layout
from workbench.gui.simulate.painting import LabelBox, Scene, label_boxes, note_visible, paint_diagram

#: Seconds of playback per arrow at speed 1.
SECONDS_PER_ARROW = 1.2
TICK_MS = 30
SPEEDS = (0.5, 1.0, 2.0, 4.0)
#: How close (pixels) to an arrow's line a click still hits it.
HIT_DISTANCE = 6.0
PNG_SCALE = 2


@dataclass(frozen=True, slots=True)
class OpenRequest:
    """A message or Response to open in the inspector.

    Attributes:
        name: what the main window calls it (its title).
        data: the bytes carried.
        event: the arrow's event.
    """

    name: str
    data: bytes
    event: SimEvent


@dataclass(frozen=True, slots=True)
class PlaybackState:
    """Where playback is.

    Attributes:
        shown: arrows fully revealed.
        total: arrows in the diagram.
        playing: the timer is running.
    """

    shown: int
    total: int
    playing: bool

    @property
    def at_end(self) -> bool:
        """Every arrow is shown."""
        return self.shown >= self.total


def open_name(trip: RoundTrip, event: SimEvent) -> str:
    """The title an arrow's bytes get in the main window: ``Run 1 – Response 20013``."""
    if event.kind == "message":
        what = f"{event.event_code or 'unreadable'} message"
    elif event.kind == "ack-of-ack":
        what = f"sender's Response {event.itk_code or ''}".strip()
    else:
        what = f"Response {event.itk_code or ''}".strip()
    return f"Run {trip.number} – {what}"


def arrow_tooltip(event: SimEvent) -> str:
    """What an arrow carries, in a few lines."""
    lines = [f"{event.source} → {event.target}: {event.kind}"]
    if event.itk_code:
        lines.append(code_display(event.itk_code) + (f" ({event.level})" if event.level else ""))
    lines.append(f"event {event.event_code or '?'}, MessageHeader.id {event.message_id or '?'}")
    if event.answers:
        lines.append(f"answers {event.answers}")
    arrival = f"arrived {event.arrival:g} s" if event.arrival is not None else "not delivered"
    lines.append(f"sent {event.time:g} s, {arrival}; {len(event.data):,} bytes")
    if event.kind == "message" and not event.event_code:
        lines.append(
            "The bytes cannot be read as a message: open them in the inspector to see where they cannot be read"
        )
    else:
        lines.append("Click to open it in the inspector")
    return "\n".join(lines)


class SequenceDiagram(QWidget):
    """The round trip as a sequence diagram: lanes Sender and Receiver, one arrow per transfer.

    Signals:
        sig_open_requested(object): an arrow was clicked; carries an :class:`OpenRequest`.
        sig_playback_changed(object): the head moved or playback started/stopped; carries a
            :class:`PlaybackState`.

    Args:
        parent: The Qt parent.
    """

    sig_open_requested = Signal(object)
    sig_playback_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sequenceDiagram")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # playback keys work while it has focus
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._trip: RoundTrip | None = None
        self._layout = compute_layout(None, self.width())
        self._boxes: list[LabelBox] = []  # the arrows' labels, placed once per layout
        self._position = 0.0
        self._speed = 1.0
        self._hovered: int | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_tick)
        self._fit_height()

    # ---- the round trip ----------------------------------------------------------------------

    def set_trip(self, trip: RoundTrip | None, *, animate: bool = False) -> None:
        """Show a round trip: complete, or played from the start when ``animate``."""
        self._timer.stop()
        self._trip = trip
        self._hovered = None
        self._relayout()
        self._position = 0.0 if animate else float(self.arrow_count())
        if animate and self.arrow_count():
            self._timer.start()
        self._changed()

    def trip(self) -> RoundTrip | None:
        """Return the round trip shown."""
        return self._trip

    def diagram_layout(self) -> DiagramLayout:
        """Return the geometry as drawn now (widget coordinates)."""
        return self._layout

    def arrow_count(self) -> int:
        """Return how many arrows the diagram has."""
        return len(self._layout.arrows)

    def arrow_count_shown(self) -> int:
        """Return how many arrows are fully revealed."""
        return min(self.arrow_count(), math.floor(self._position + 1e-9))

    def arrow_centre(self, index: int) -> QPointF:
        """Return the centre of an arrow's label (where a click opens it)."""
        return self._boxes[index].rect.center()

    # ---- playback ----------------------------------------------------------------------------

    def playback(self) -> PlaybackState:
        """Return where playback is."""
        return PlaybackState(self.arrow_count_shown(), self.arrow_count(), self._timer.isActive())

    def is_playing(self) -> bool:
        """Return whether the diagram is playing."""
        return self._timer.isActive()

    def play(self) -> None:
        """Grow the arrows one after another (from the start when all are shown)."""
        if not self.arrow_count():
            return
        if self.arrow_count_shown() >= self.arrow_count():
            self._position = 0.0
        self._timer.start()
        self._changed()

    def pause(self) -> None:
        """Stop where the head is (a growing arrow stays half drawn until play or step)."""
        self._timer.stop()
        self._changed()

    def toggle_play(self) -> None:
        """Play when paused, pause when playing (Space)."""
        if self.is_playing():
            self.pause()
        else:
            self.play()

    def step(self) -> None:
        """Reveal the next arrow whole (pauses)."""
        self._timer.stop()
        self._position = float(min(self.arrow_count(), self.arrow_count_shown() + 1))
        self._changed()

    def step_back(self) -> None:
        """Hide the last arrow revealed (pauses)."""
        self._timer.stop()
        self._position = float(max(0, math.ceil(self._position - 1e-9) - 1))
        self._changed()

    def restart(self) -> None:
        """Go back to the start (nothing revealed; pauses)."""
        self._timer.stop()
        self._position = 0.0
        self._changed()

    def show_all(self) -> None:
        """Show the complete diagram (pauses)."""
        self._timer.stop()
        self._position = float(self.arrow_count())
        self._changed()

    def speed(self) -> float:
        """Return the playback speed (1 = one arrow per :data:`SECONDS_PER_ARROW`)."""
        return self._speed

    def set_speed(self, speed: float) -> None:
        """Set the playback speed."""
        self._speed = max(0.1, float(speed))

    # ---- export ------------------------------------------------------------------------------

    def scene(self, *, complete: bool = False) -> Scene:
        """Return what is painted now, or the complete diagram for an export."""
        if complete:
            return Scene(self._layout, self._trip, self.arrow_count(), boxes=self._boxes)
        shown = self.arrow_count_shown()
        return Scene(self._layout, self._trip, shown, self._position - shown, self._hovered, self._boxes)

    def render_image(self, scale: int = PNG_SCALE) -> QImage:
        """Return the complete diagram as an image ``scale`` times its size."""
        layout = self._layout
        image = QImage(
            QSize(math.ceil(layout.width * scale), math.ceil(layout.height * scale)), QImage.Format.Format_ARGB32
        )
        image.setDevicePixelRatio(scale)
        image.fill(Qt.GlobalColor.white)
        painter = QPainter(image)
        paint_diagram(painter, self.scene(complete=True))
        painter.end()
        return image

    def export_png(self, path: str) -> None:
        """Write the complete diagram as a PNG at twice its size.

        Raises:
            OSError: the file could not be written.
        """
        if not self.render_image().save(path, "PNG"):
            raise OSError(f"could not write {path}")

    def export_svg(self, path: str) -> None:
        """Write the complete diagram as SVG (text stays text).

        Raises:
            OSError: the file could not be written.
        """
        layout = self._layout
        generator = QSvgGenerator()
        generator.setFileName(path)
        generator.setSize(QSize(math.ceil(layout.width), math.ceil(layout.height)))
        generator.setViewBox(QRectF(0, 0, layout.width, layout.height))
        generator.setResolution(96)
        generator.setTitle(f"ITK3 round trip: {self._trip.title}" if self._trip else "ITK3 round trip")
        generator.setDescription("Sequence diagram exported from the ITK3 Message Workbench")
        painter = QPainter()
        if not painter.begin(generator):
            raise OSError(f"could not write {path}")
        paint_diagram(painter, self.scene(complete=True))
        painter.end()

    # ---- hit tests ---------------------------------------------------------------------------

    def arrow_at(self, point: QPointF) -> int | None:
        """Return the index of the revealed arrow at a point (its label or its line), or None."""
        shown = self.arrow_count_shown()
        for box in reversed(self._boxes):
            if box.index < shown and box.rect.contains(point):
                return box.index
        best: tuple[float, int] | None = None
        for arrow in self._layout.arrows[:shown]:
            distance = _distance(point, arrow.start, arrow.end)
            if distance <= HIT_DISTANCE and (best is None or distance < best[0]):
                best = (distance, arrow.index)
        return best[1] if best is not None else None

    def open_arrow(self, index: int) -> None:
        """Ask for an arrow's bytes to be opened in the inspector."""
        if self._trip is None or not 0 <= index < self.arrow_count():
            return
        event = self._layout.arrows[index].event
        if event.data:
            self.sig_open_requested.emit(OpenRequest(open_name(self._trip, event), event.data, event))

    # ---- Qt overrides ------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        """Override QWidget::sizeHint: the layout's size."""
        return QSize(math.ceil(self._layout.width), math.ceil(self._layout.height))

    def paintEvent(self, event: QPaintEvent) -> None:
        """Override QWidget::paintEvent."""
        painter = QPainter(self)
        paint_diagram(painter, self.scene())
        if self.hasFocus():  # the playback keys go here: say so
            painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(self.visibleRegion().boundingRect()).adjusted(1, 1, -1, -1))
        painter.end()

    def focusInEvent(self, event: QFocusEvent) -> None:
        """Override QWidget::focusInEvent: show the focus frame."""
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        """Override QWidget::focusOutEvent: hide the focus frame."""
        super().focusOutEvent(event)
        self.update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Override QWidget::resizeEvent: lay the diagram out for the new width."""
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self._relayout()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Override QWidget::mouseMoveEvent: highlight the arrow under the mouse."""
        hovered = self.arrow_at(event.position())
        if hovered is None:
            self.setToolTip(self._note_tooltip(event.position()))
        if hovered != self._hovered:
            self._hovered = hovered
            if hovered is None:
                self.unsetCursor()
            else:
                self.setCursor(Qt.CursorShape.PointingHandCursor)
                self.setToolTip(arrow_tooltip(self._layout.arrows[hovered].event))
            self.update()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        """Override QWidget::leaveEvent: no arrow is hovered."""
        if self._hovered is not None:
            self._hovered = None
            self.unsetCursor()
            self.update()
        super().leaveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """Override QWidget::mouseReleaseEvent: a click on an arrow opens it."""
        if event.button() == Qt.MouseButton.LeftButton:
            index = self.arrow_at(event.position())
            if index is not None:
                self.open_arrow(index)
                return
        super().mouseReleaseEvent(event)

    # ---- internals ---------------------------------------------------------------------------

    def _note_tooltip(self, point: QPointF) -> str:
        """The note or lane header at a point in words (a decision's reasons, who a lane is), or ''."""
        if self._trip is not None:
            for lane, header in (
                (self._trip.sender, self._layout.sender_header),
                (self._trip.receiver, self._layout.receiver_header),
            ):
                if header.contains(point):
                    return lane.tooltip
        scene = self.scene()
        for note in self._layout.notes:
            if note.rect.contains(point) and note_visible(scene, note):
                return f"{note.event.source}, {note.event.time:g} s: {note.event.label}\n{note.event.note}".strip()
        return ""

    def _relayout(self) -> None:
        self._layout = compute_layout(self._trip.result if self._trip else None, self.width())
        self._boxes = label_boxes(self._layout)
        self._fit_height()
        self.update()

    def _fit_height(self) -> None:
        height = math.ceil(self._layout.height)
        if self.minimumHeight() != height or self.maximumHeight() != height:
            self.setFixedHeight(height)
        self.setMinimumWidth(math.ceil(MIN_WIDTH))

    def _changed(self) -> None:
        self.update()
        self.sig_playback_changed.emit(self.playback())

    def _on_tick(self) -> None:
        total = self.arrow_count()
        before = self.arrow_count_shown()
        self._position = min(float(total), self._position + self._speed * TICK_MS / 1000 / SECONDS_PER_ARROW)
        if self._position >= total:
            self._timer.stop()
        if self.arrow_count_shown() != before or not self._timer.isActive():
            self._changed()
        else:
            self.update()


def _distance(point: QPointF, start: QPointF, end: QPointF) -> float:
    """Distance from a point to a segment."""
    dx, dy = end.x() - start.x(), end.y() - start.y()
    length = dx * dx + dy * dy
    t = (
        0.0
        if length == 0
        else max(0.0, min(1.0, ((point.x() - start.x()) * dx + (point.y() - start.y()) * dy) / length))
    )
    return math.hypot(point.x() - start.x() - t * dx, point.y() - start.y() - t * dy)
