"""The event log of a simulated round trip, for a sequence diagram, and the result around it.

A :class:`SimEvent` is an arrow between the lanes ``Sender`` and ``Receiver`` (a message, a
Response, an ack-of-ack; with its send and arrival times and the bytes carried) or a note on
one lane (the receiver's decision, a conversation going overdue, an anomaly). A
:class:`SimulationResult` holds the log with both sides' conversations and the receiver's
decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from workbench.core.acks.receiver import Decision
from workbench.core.acks.tracker import Anomaly, Conversation

Lane = Literal["Sender", "Receiver"]
EventKind = Literal["message", "response", "ack-of-ack", "decision", "overdue", "anomaly"]
Outcome = Literal["positive", "negative", "none"]
SENDER: Lane = "Sender"
RECEIVER: Lane = "Receiver"
ARROW_KINDS = ("message", "response", "ack-of-ack")


@dataclass(frozen=True, slots=True)
class SimEvent:
    """One entry of the event log: an arrow between the lanes, or a note on one lane.

    Attributes:
        seq: position in the log (0, 1, 2 ...).
        time: seconds since the start when it happened (for an arrow: when it was sent).
        arrival: for an arrow, seconds since the start when it was delivered (None if it was
            still in transit at the end); None for a note.
        at: the absolute time (``time`` on the clock).
        source, target: lanes ``Sender``/``Receiver`` (the same lane for a note).
        kind: ``message``, ``response``, ``ack-of-ack`` (arrows); ``decision``, ``overdue``,
            ``anomaly`` (notes).
        event_code: the ITK event of the message carried (``ITK003D``, ``ITK008M``).
        itk_code: the response code a Response carries (``20013``), or a decision's result.
        outcome: ``positive``, ``negative`` or ``none`` (a message, a note without a code).
        label: short text for the arrow: ``ITK003D``, ``20013 Success``.
        data: the bytes carried (empty for notes): open them in the inspector.
        message_id: the MessageHeader.id of what was carried.
        answers: the ``response.identifier`` of a Response.
        level: ``infrastructure``/``business`` for a Response.
        note: more words (the decision's reasons, the anomaly, ...).
    """

    seq: int
    time: float
    arrival: float | None
    at: datetime
    source: Lane
    target: Lane
    kind: EventKind
    event_code: str | None
    itk_code: str | None
    outcome: Outcome
    label: str
    data: bytes = b""
    message_id: str | None = None
    answers: str | None = None
    level: str | None = None
    note: str = ""

    @property
    def is_arrow(self) -> bool:
        """True for a message, Response or ack-of-ack travelling between the lanes."""
        return self.kind in ARROW_KINDS

    @property
    def caption(self) -> str:
        """The diagram caption: label and time (``20013 Success  t=2.0s``)."""
        return f"{self.label}  t={self.time:g}s"

    def to_json(self) -> dict[str, object]:
        """The event as plain data (bytes left out)."""
        return {
            "seq": self.seq,
            "time": self.time,
            "arrival": self.arrival,
            "at": self.at.isoformat(),
            "from": self.source,
            "to": self.target,
            "kind": self.kind,
            "event": self.event_code,
            "code": self.itk_code,
            "outcome": self.outcome,
            "label": self.label,
            "message_id": self.message_id,
            "answers": self.answers,
            "level": self.level,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """What a simulation produced.

    Attributes:
        events: the event log, in order.
        conversations: the sender's conversations (messages, then ack-of-acks), final.
        receiver_conversations: the receiver's tracking of the Responses it sent.
        decisions: the receiver's decisions, in order of receipt.
        orphan_anomalies: anomalies of Responses that matched no conversation (both sides).
        ended_at: seconds since the start when the simulation stopped.
    """

    events: tuple[SimEvent, ...]
    conversations: tuple[Conversation, ...]
    receiver_conversations: tuple[Conversation, ...]
    decisions: tuple[Decision, ...]
    orphan_anomalies: tuple[Anomaly, ...]
    ended_at: float

    @property
    def conversation(self) -> Conversation:
        """The first message the sender sent (the round trip's subject)."""
        return next(c for c in self.conversations if c.kind == "message")

    @property
    def final_state(self) -> str:
        """The state of :attr:`conversation`."""
        return self.conversation.state

    @property
    def anomalies(self) -> tuple[Anomaly, ...]:
        """Every anomaly on either side."""
        every = [*self.conversations, *self.receiver_conversations]
        return tuple(a for c in every for a in c.anomalies) + self.orphan_anomalies

    @property
    def overdue(self) -> tuple[Conversation, ...]:
        """Conversations on either side that went overdue and are still awaiting."""
        return tuple(c for c in (*self.conversations, *self.receiver_conversations) if c.state == "overdue")

    @property
    def succeeded(self) -> bool:
        """True when the round trip ended accepted or complete with nothing overdue or odd."""
        return self.final_state in ("accepted", "complete") and not self.anomalies and not self.overdue

    @property
    def arrows(self) -> tuple[SimEvent, ...]:
        """The events drawn as arrows."""
        return tuple(e for e in self.events if e.is_arrow)

    @property
    def responses(self) -> tuple[SimEvent, ...]:
        """The receiver's Responses, in the order sent."""
        return tuple(e for e in self.events if e.kind == "response")

    def to_json(self) -> dict[str, object]:
        """The result as plain data (the CLI's ``--format json``)."""
        return {
            "final_state": self.final_state,
            "succeeded": self.succeeded,
            "ended_at": self.ended_at,
            "events": [e.to_json() for e in self.events],
            "conversations": [c.to_json() for c in self.conversations],
            "receiver_conversations": [c.to_json() for c in self.receiver_conversations],
            "decisions": [d.to_json() for d in self.decisions],
            "orphan_anomalies": [{"kind": a.kind, "message": a.message, "code": a.code} for a in self.orphan_anomalies],
        }
