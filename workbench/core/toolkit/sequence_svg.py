"""A conversation drawn as an SVG sequence diagram, without Qt (for reports and evidence packs).

Two lanes, Sender and Receiver; one arrow per message and Response (labelled with event or code
and time, coloured by outcome), one note per decision, anomaly or overdue conversation. The
input is the event log of :mod:`workbench.core.acks.events`, from a simulation or from
:func:`workbench.core.toolkit.evidence.conversation_events` over real Responses.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from workbench.core.acks.events import RECEIVER, SENDER, SimEvent

_WIDTH = 760
_LANE_X = {SENDER: 150, RECEIVER: 610}
_TOP = 80
_STEP = 54
_COLOURS = {"positive": "#17803d", "negative": "#c0262d", "none": "#34495e"}
_NOTE_WIDTH = 260


def sequence_svg(events: Sequence[SimEvent], *, title: str = "", subtitle: str = "") -> str:
    """The events as a complete SVG document (UTF-8 text)."""
    rows = [e for e in events if e.is_arrow or e.kind in ("decision", "anomaly", "overdue")]
    height = _TOP + _STEP * max(1, len(rows)) + 50
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        f'viewBox="0 0 {_WIDTH} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
        "<defs>",
    ]
    for outcome, colour in _COLOURS.items():
        parts.append(
            f'<marker id="arrow-{outcome}" markerWidth="10" markerHeight="8" refX="9" refY="4" orient="auto">'
            f'<path d="M0,0 L10,4 L0,8 z" fill="{colour}"/></marker>'
        )
    parts.append("</defs>")
    parts.append(f'<rect width="{_WIDTH}" height="{height}" fill="#ffffff"/>')
    if title:
        parts.append(f'<text x="20" y="24" font-size="15" font-weight="bold">{escape(title)}</text>')
    if subtitle:
        parts.append(f'<text x="20" y="44" fill="#555">{escape(subtitle)}</text>')
    bottom = height - 20
    for lane, x in _LANE_X.items():
        parts.append(
            f'<rect x="{x - 55}" y="{_TOP - 26}" width="110" height="24" rx="4" fill="#eef1f5" stroke="#8892a0"/>'
        )
        parts.append(f'<text x="{x}" y="{_TOP - 9}" text-anchor="middle" font-weight="bold">{lane}</text>')
        parts.append(f'<line x1="{x}" y1="{_TOP}" x2="{x}" y2="{bottom}" stroke="#8892a0" stroke-dasharray="4 4"/>')
    for row, event in enumerate(rows):
        y = _TOP + _STEP * row + 32
        colour = _COLOURS.get(event.outcome, _COLOURS["none"])
        if event.is_arrow:
            parts.extend(_arrow(event, y, colour))
        else:
            parts.extend(_note(event, y, colour))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _arrow(event: SimEvent, y: int, colour: str) -> list[str]:
    x1, x2 = _LANE_X[event.source], _LANE_X[event.target]
    dash = ' stroke-dasharray="6 3"' if event.kind == "ack-of-ack" else ""
    arrives = event.arrival is not None and event.arrival != event.time
    when = f"t={event.time:g}s" + (f", arrives t={event.arrival:g}s" if arrives else "")
    middle = (x1 + x2) / 2
    return [
        f'<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="{colour}" stroke-width="2"{dash} '
        f'marker-end="url(#arrow-{event.outcome})"/>',
        f'<text x="{middle}" y="{y - 6}" text-anchor="middle" fill="{colour}" font-weight="bold">'
        f"{escape(_short(event.label, 60))}</text>",
        f'<text x="{middle}" y="{y + 15}" text-anchor="middle" fill="#555" font-size="11">{escape(when)}</text>',
    ]


def _note(event: SimEvent, y: int, colour: str) -> list[str]:
    x = _LANE_X[event.source]
    left = x + 12 if event.source == SENDER else x - 12 - _NOTE_WIDTH
    return [
        f'<rect x="{left}" y="{y - 16}" width="{_NOTE_WIDTH}" height="24" rx="3" fill="#fffbe6" stroke="{colour}"/>',
        f'<text x="{left + 8}" y="{y}" fill="{colour}">{escape(_short(event.label, 40))}</text>',
        f"<title>{escape(event.note)}</title>" if event.note else "",
    ]


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
