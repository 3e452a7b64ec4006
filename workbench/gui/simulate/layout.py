"""Geometry of a sequence diagram: lanes, time axis, arrows and notes, computed without painting.

Time flows down. A :class:`TimeMap` turns simulated seconds into a y coordinate, piecewise
linearly: :data:`PIXELS_PER_SECOND` while something happens; a long idle stretch (nothing in
flight for more than :data:`GAP_SECONDS`, such as the wait before a conversation goes overdue) is
compressed to :data:`BREAK_HEIGHT` and drawn as a break; arrows leaving at the same instant, or
moments apart, get a slot each (:data:`ARROW_SLOT`) so they never overlap. Each arrow runs from its send time on its
source lane to its arrival time on its target lane, slanted by the latency; notes sit beside their
lane's lifeline, outside the space between the lanes, pushed down when they would overlap.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise

from PySide6.QtCore import QPointF, QRectF

from workbench.core.acks.events import SENDER, SimEvent, SimulationResult

MARGIN = 24.0
CAPTION_HEIGHT = 46.0
HEADER_WIDTH = 188.0
HEADER_HEIGHT = 54.0
HEADER_GAP = 34.0
AXIS_WIDTH = 54.0
NOTE_WIDTH = 196.0
#: Notes are narrowed down to this (their text elided; the tooltip has it) when space is short.
MIN_NOTE_WIDTH = 110.0
NOTE_HEIGHT = 24.0
NOTE_GAP = 22.0
NOTE_SLOT = 30.0
#: The space between the lanes when there is room, and when there is not.
LANE_GAP = 400.0
MIN_LANE_GAP = 270.0
PIXELS_PER_SECOND = 76.0
#: The time axis is squeezed when the round trip is longer than this many (uncompressed) seconds.
MAX_PLAIN_SECONDS = 24.0
MIN_PIXELS_PER_SECOND = 18.0
GAP_SECONDS = 5.0
BREAK_HEIGHT = 60.0
ARROW_SLOT = 46.0  # taller than an arrow label, so labels of simultaneous arrows never overlap
#: The least drop between an arrow's start or end and the next arrival (instants moments apart).
ARRIVAL_STEP = 30.0
MIN_SLANT = 4.0
TAIL = 26.0
LEGEND_HEIGHT = 34.0
#: A second legend row, for narrow diagrams.
LEGEND_ROW = 18.0
_FIXED = MARGIN + AXIS_WIDTH + 14.0 + NOTE_GAP + NOTE_GAP + MARGIN
#: The width at which notes and the lane gap are full size; narrower diagrams shrink them.
FULL_WIDTH = _FIXED + 2 * NOTE_WIDTH + LANE_GAP
#: The narrowest diagram (about 650 px).
MIN_WIDTH = _FIXED + 2 * MIN_NOTE_WIDTH + MIN_LANE_GAP
_TICK_STEPS = (0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
_MIN_TICK_SPACING = 38.0


class TimeMap:
    """Simulated seconds to y and back: a monotone piecewise-linear map.

    Args:
        points: (seconds, y) pairs, both non-decreasing. Two points with the same time make a
            plateau (extra room at one instant); the time of a y on it is that instant.
    """

    def __init__(self, points: list[tuple[float, float]]) -> None:
        self.points = points or [(0.0, 0.0)]

    @property
    def end_y(self) -> float:
        """The y of the last point."""
        return self.points[-1][1]

    def y_at(self, seconds: float) -> float:
        """The y of an instant (the top of its plateau, if it has one)."""
        points = self.points
        if seconds <= points[0][0]:
            return points[0][1]
        for (t0, y0), (t1, y1) in pairwise(points):
            if seconds <= t1 and t1 > t0:
                return y0 + (y1 - y0) * (seconds - t0) / (t1 - t0)
        return points[-1][1]

    def time_at(self, y: float) -> float:
        """The instant shown at a y (clamped to the map's range)."""
        points = self.points
        if y <= points[0][1]:
            return points[0][0]
        for (t0, y0), (t1, y1) in pairwise(points):
            if y <= y1:
                return t0 if y1 <= y0 or t1 <= t0 else t0 + (t1 - t0) * (y - y0) / (y1 - y0)
        return points[-1][0]


@dataclass(frozen=True, slots=True)
class ArrowGeometry:
    """Where an arrow is drawn.

    Attributes:
        index: its position among the arrows (0, 1 ...).
        event: the message, Response or ack-of-ack it shows.
        start, end: on the source lane at the send time, on the target lane at the arrival.
        in_transit: it had not arrived when the simulation ended (no arrival time).
    """

    index: int
    event: SimEvent
    start: QPointF
    end: QPointF
    in_transit: bool = False

    @property
    def length(self) -> float:
        """The arrow's length in pixels."""
        return math.hypot(self.end.x() - self.start.x(), self.end.y() - self.start.y())

    def point_at(self, fraction: float) -> QPointF:
        """The point this far (0..1) along the arrow."""
        f = min(1.0, max(0.0, fraction))
        return QPointF(
            self.start.x() + (self.end.x() - self.start.x()) * f, self.start.y() + (self.end.y() - self.start.y()) * f
        )


@dataclass(frozen=True, slots=True)
class NoteGeometry:
    """Where a note (decision, overdue, anomaly) is drawn.

    Attributes:
        event: the note.
        rect: its box, beside its lane.
        anchor: the point on the lifeline at the note's time.
    """

    event: SimEvent
    rect: QRectF
    anchor: QPointF


@dataclass(frozen=True, slots=True)
class Tick:
    """A labelled instant on the time axis."""

    y: float
    seconds: float
    label: str


@dataclass(frozen=True, slots=True)
class Break:
    """A compressed idle stretch: from ``top`` to ``bottom``, ``seconds`` long."""

    top: float
    bottom: float
    seconds: float


@dataclass
class DiagramLayout:
    """Everything the painter and the hit tests need, in widget coordinates.

    Attributes:
        width, height: the diagram's size.
        caption: the title row.
        sender_header, receiver_header: the lanes' header boxes.
        axis_x, sender_x, receiver_x: the time axis and the two lifelines.
        top, bottom: where the timeline starts (time 0) and where the lifelines end.
        end_y: the y of the last happening (where playback stops).
        legend_y: the top of the legend row.
        pixels_per_second: the scale where nothing is compressed.
        time_map: seconds to y and back.
        note_width: the notes' width (narrower when space is short).
        arrows, notes, ticks, breaks: what to draw.
    """

    width: float
    height: float
    caption: QRectF
    sender_header: QRectF
    receiver_header: QRectF
    axis_x: float
    sender_x: float
    receiver_x: float
    top: float
    bottom: float
    end_y: float
    legend_y: float
    pixels_per_second: float
    time_map: TimeMap
    note_width: float = NOTE_WIDTH
    arrows: list[ArrowGeometry] = field(default_factory=list)
    notes: list[NoteGeometry] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    breaks: list[Break] = field(default_factory=list)

    def lane_x(self, lane: str) -> float:
        """The x of a lane's lifeline."""
        return self.sender_x if lane == SENDER else self.receiver_x


def compute_layout(result: SimulationResult | None, width: float) -> DiagramLayout:
    """Lay a simulation's events out at a width (at least :data:`MIN_WIDTH`).

    Below :data:`FULL_WIDTH` the notes and the gap between the lanes shrink together.
    """
    width = max(width, MIN_WIDTH)
    squeeze = min(1.0, (width - MIN_WIDTH) / (FULL_WIDTH - MIN_WIDTH))
    note_width = MIN_NOTE_WIDTH + (NOTE_WIDTH - MIN_NOTE_WIDTH) * squeeze
    sender_x = MARGIN + AXIS_WIDTH + 14.0 + note_width + NOTE_GAP
    receiver_x = width - MARGIN - note_width - NOTE_GAP
    caption = QRectF(MARGIN, MARGIN, width - 2 * MARGIN, CAPTION_HEIGHT)
    header_top = caption.bottom() + 10.0
    sender_header = QRectF(sender_x - HEADER_WIDTH / 2, header_top, HEADER_WIDTH, HEADER_HEIGHT)
    receiver_header = QRectF(receiver_x - HEADER_WIDTH / 2, header_top, HEADER_WIDTH, HEADER_HEIGHT)
    top = sender_header.bottom() + HEADER_GAP
    events = result.events if result is not None else ()
    ended = result.ended_at if result is not None else 0.0
    time_map, breaks, pps = _time_map(events, ended, top)
    layout = DiagramLayout(
        width,
        0.0,
        caption,
        sender_header,
        receiver_header,
        MARGIN + AXIS_WIDTH,
        sender_x,
        receiver_x,
        top,
        0.0,
        top,
        0.0,
        pps,
        time_map,
        note_width,
        breaks=breaks,
    )
    layout.arrows = _arrows(layout, events, ended)
    layout.notes = _notes(layout, events)
    layout.ticks = _ticks(time_map, breaks, ended, pps)
    ends = [a.end.y() for a in layout.arrows] + [n.anchor.y() for n in layout.notes]
    layout.end_y = max([top, *ends])
    lowest = max([time_map.end_y, layout.end_y, *(n.rect.bottom() for n in layout.notes)])
    layout.bottom = lowest + TAIL
    layout.legend_y = layout.bottom + 14.0
    layout.height = layout.legend_y + LEGEND_HEIGHT + (LEGEND_ROW if width < FULL_WIDTH else 0.0) + MARGIN / 2
    return layout


def _time_map(events: tuple[SimEvent, ...], ended: float, top: float) -> tuple[TimeMap, list[Break], float]:
    arrows = [e for e in events if e.is_arrow]
    flights = [(e.time, e.arrival if e.arrival is not None else ended) for e in arrows]
    times = sorted({0.0, ended, *(e.time for e in events), *(a for _, a in flights)})
    starts = Counter(e.time for e in arrows)
    ends = {a for _, a in flights}
    segments = list(pairwise(times))
    compressed = [t1 - t0 > GAP_SECONDS and not any(s < t1 and a > t0 for s, a in flights) for t0, t1 in segments]
    plain = sum(t1 - t0 for (t0, t1), squeezed in zip(segments, compressed, strict=True) if not squeezed)
    pps = (
        PIXELS_PER_SECOND
        if plain <= MAX_PLAIN_SECONDS
        else max(MIN_PIXELS_PER_SECOND, PIXELS_PER_SECOND * MAX_PLAIN_SECONDS / plain)
    )
    y = top
    points = [(times[0], y)]
    breaks: list[Break] = []
    last_start = -math.inf  # where the last arrow sent so far starts
    last_end = -math.inf  # where the last arrow to arrive so far ends
    for i, t in enumerate(times):
        extra = max(0, starts[t] - 1) * ARROW_SLOT
        if extra:
            y += extra
            points.append((t, y))
        if starts[t]:
            last_start = y
        if i < len(segments):
            t0, t1 = segments[i]
            if compressed[i]:
                breaks.append(Break(y, y + BREAK_HEIGHT, t1 - t0))
                y += BREAK_HEIGHT
            else:
                y += (t1 - t0) * pps
            if starts[t1] and not compressed[i]:
                # Arrows sent moments apart (a stored MESH round trip takes milliseconds) get a
                # slot each too: the stretch before the next one is drawn longer.
                y = max(y, last_start + ARROW_SLOT, last_end + ARRIVAL_STEP)
            elif t1 in ends and not compressed[i]:
                y = max(y, last_start + ARRIVAL_STEP, last_end + ARRIVAL_STEP)
            if t1 in ends:
                last_end = y
            points.append((t1, y))
    return TimeMap(points), breaks, pps


def _arrows(layout: DiagramLayout, events: tuple[SimEvent, ...], ended: float) -> list[ArrowGeometry]:
    placed: list[ArrowGeometry] = []
    slots: Counter[float] = Counter()
    for event in (e for e in events if e.is_arrow):
        y0 = layout.time_map.y_at(event.time) + slots[event.time] * ARROW_SLOT
        slots[event.time] += 1
        arrival = event.arrival if event.arrival is not None else ended
        y1 = max(layout.time_map.y_at(arrival), y0 + MIN_SLANT)
        start = QPointF(layout.lane_x(event.source), y0)
        end = QPointF(layout.lane_x(event.target), y1)
        placed.append(ArrowGeometry(len(placed), event, start, end, event.arrival is None))
    return placed


def _notes(layout: DiagramLayout, events: tuple[SimEvent, ...]) -> list[NoteGeometry]:
    placed: list[NoteGeometry] = []
    lowest: dict[str, float] = {}
    for event in (e for e in events if not e.is_arrow):
        x = layout.lane_x(event.source)
        anchor = QPointF(x, layout.time_map.y_at(event.time))
        centre = max(anchor.y(), lowest.get(event.source, -math.inf) + NOTE_SLOT)
        lowest[event.source] = centre
        width = layout.note_width
        left = x - NOTE_GAP - width if event.source == SENDER else x + NOTE_GAP
        placed.append(NoteGeometry(event, QRectF(left, centre - NOTE_HEIGHT / 2, width, NOTE_HEIGHT), anchor))
    return placed


def _ticks(time_map: TimeMap, breaks: list[Break], ended: float, pps: float) -> list[Tick]:
    step = next((s for s in _TICK_STEPS if s * pps >= _MIN_TICK_SPACING), _TICK_STEPS[-1])
    ticks: list[Tick] = []
    hidden = [(time_map.time_at(b.top), time_map.time_at(b.bottom)) for b in breaks]
    count = math.floor(ended / step + 1e-9)
    for k in range(count + 1):
        seconds = k * step
        if any(t0 + 1e-9 < seconds < t1 - 1e-9 for t0, t1 in hidden):
            continue
        ticks.append(Tick(time_map.y_at(seconds), seconds, f"{seconds:g} s"))
    # The instants after a break are labelled too, so the axis says where time resumes.
    for t0, t1 in hidden:
        if not any(abs(t.seconds - t1) < 1e-9 for t in ticks):
            ticks.append(Tick(time_map.y_at(t1), t1, f"{t1:g} s"))
        if not any(abs(t.seconds - t0) < 1e-9 for t in ticks):
            ticks.append(Tick(time_map.y_at(t0), t0, f"{t0:g} s"))
    kept: list[Tick] = []
    for tick in sorted(ticks, key=lambda t: t.y):
        if not kept or tick.y - kept[-1].y >= _MIN_TICK_SPACING / 2:
            kept.append(tick)
    return kept
