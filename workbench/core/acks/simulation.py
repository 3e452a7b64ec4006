"""Whole round trips on a virtual clock: sender, loopback transport, simulated receiver.

A :class:`Simulation` wires a sender (:class:`~workbench.core.acks.tracker.Tracker`), a
:class:`~workbench.core.transport.loopback.LoopbackTransport` with optional latency, and the
receiver (:func:`~workbench.core.acks.receiver.decide`, plus a tracker of the Responses it sent,
so that it sees the sender's ack-of-acks arrive). :meth:`Simulation.run` moves the virtual clock
from one happening to the next until nothing is left to happen (or a time limit), marking
conversations overdue when their deadline passes, and keeps an ordered event log for a
sequence diagram: one :class:`SimEvent` per arrow (message, Response, ack-of-ack) with its send
and arrival times, plus notes on a lane (the receiver's decision, overdue, anomalies).

:func:`run_pattern` runs one of the four response patterns (:data:`PATTERNS`) from the sample
message, optionally forcing any response code; :func:`run_round_trip` runs any message.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from workbench.core.acks.clock import (
    DEFAULT_START,
    IdGenerator,
    SequentialIds,
    VirtualClock,
)
from workbench.core.acks.receiver import (
    Decision,
    OutgoingResponse,
    ReceiverState,
    decide,
)
from workbench.core.acks.rules import party_codes
from workbench.core.acks.sample import sample_message
from workbench.core.acks.settings import ReceiverSettings
from workbench.core.acks.tracker import (
    Anomaly,
    Conversation,
    Receipt,
    Tracker,
    TrackerSettings,
)
from workbench.core.catalogue import ResponseCode, catalogue
from workbench.core.errors import ReadError
from workbench.core.itk3.view import message_view
from workbench.core.load import read_bytes, render
from workbench.core.transport.base import (
    Delivery,
    Envelope,
    content_type_of,
    response_workflow,
    workflow_for_event,
)
from workbench.core.transport.loopback import LoopbackTransport
from workbench.core.tree import Document
from workbench.core.validation.runner import Validator

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


@dataclass(frozen=True, slots=True)
class _Scheduled:
    response: OutgoingResponse
    from_mailbox: str
    workflow_id: str | None


class Simulation:
    """A sender and a simulated receiver over loopback, on a virtual clock.

    Args:
        receiver: the receiver's settings.
        tracker: the sender's settings (its mailbox, timeout, whether it acks business
            Responses); the mailbox is replaced by each message's source.endpoint.
        latency: seconds each transfer takes.
        clock: the virtual clock (default: starts at :data:`DEFAULT_START`).
        ids: the id generator (default: :class:`SequentialIds`).
        validator: the receiver's validator (default: all layers, no extra profiles).
    """

    def __init__(
        self,
        receiver: ReceiverSettings | None = None,
        *,
        tracker: TrackerSettings | None = None,
        latency: float = 1.0,
        clock: VirtualClock | None = None,
        ids: IdGenerator | None = None,
        validator: Validator | None = None,
    ) -> None:
        self.receiver = receiver or ReceiverSettings()
        self.clock = clock or VirtualClock()
        self.ids = ids or SequentialIds("simulation")
        self.validator = validator or Validator()
        self.transport = LoopbackTransport(self.clock, self.ids, latency)
        self.tracker = Tracker(tracker, clock=self.clock, ids=self.ids, validator=self.validator)
        receiver_tracking = TrackerSettings(
            self.receiver.ods_code, self.receiver.mailbox, self.tracker.settings.timeout, ack_of_ack=False
        )
        self.receiver_tracker = Tracker(receiver_tracking, clock=self.clock, ids=self.ids)
        self.state = ReceiverState()
        self.decisions: list[Decision] = []
        self.events: list[SimEvent] = []
        self._mailboxes: set[str] = set()
        self._queue: list[tuple[datetime, int, _Scheduled]] = []
        self._count = 0
        self._arrows: dict[str, int] = {}  # transport id -> index in events

    # ---- sending -------------------------------------------------------------------------

    def send(self, message: bytes | Document, *, syntax: str = "xml") -> Conversation:
        """The sender sends a message now; returns its conversation."""
        data = render(message, syntax) if isinstance(message, Document) else message
        document = _read(data)
        view = message_view(document) if document is not None else None
        mailbox = (view.source_endpoint if view is not None else None) or self.tracker.settings.mailbox
        self._mailboxes.add(mailbox)
        ods = sorted(party_codes(view.sender))[:1] if view is not None else []
        # The sender's ack-of-acks come from the organisation and mailbox the message names.
        self.tracker.settings = replace(self.tracker.settings, mailbox=mailbox, ods_code=ods[0] if ods else self.tracker.settings.ods_code)
        event = view.event_code if view is not None else None
        workflow = workflow_for_event(event)
        envelope = Envelope(
            data, mailbox, self.receiver.mailbox, workflow, view.message_id if view else None, content_type_of(data),
            subject=f"{event or 'message'} from {mailbox}",
        )
        delivery = self.transport.send(envelope)
        conversation = self.tracker.sent(document if document is not None else data, data=data,
                                         to_mailbox=self.receiver.mailbox, workflow_id=workflow)
        self._arrow(delivery, SENDER, RECEIVER, "message", event, None, "none", event or "unreadable message",
                    message_id=view.message_id if view else None)
        return conversation

    # ---- running -------------------------------------------------------------------------

    def run(self, until: float | None = None) -> SimulationResult:
        """Run until nothing more happens, or until ``until`` seconds after the start."""
        limit = self.clock.start.timestamp() + until if until is not None else None
        while True:
            self._settle()
            upcoming = [t for t in self._next_times() if t is not None]
            if not upcoming:
                break
            nxt = min(upcoming)
            if limit is not None and nxt.timestamp() > limit:
                self.clock.advance(max(0.0, limit - self.clock.now().timestamp()))
                self._settle()
                break
            self.clock.advance_to(nxt)
        return self.result()

    def result(self) -> SimulationResult:
        """The result so far."""
        orphans = (*self.tracker.orphan_anomalies, *self.receiver_tracker.orphan_anomalies)
        return SimulationResult(
            tuple(self.events),
            tuple(self.tracker.conversations),
            tuple(self.receiver_tracker.conversations),
            tuple(self.decisions),
            tuple(orphans),
            self.clock.elapsed,
        )

    def _next_times(self) -> Iterator[datetime | None]:
        yield self._queue[0][0] if self._queue else None
        yield self.transport.next_arrival()
        yield self.tracker.next_deadline()
        yield self.receiver_tracker.next_deadline()

    def _settle(self) -> None:
        """Do everything due now, until nothing more is (zero latency chains included)."""
        busy = True
        while busy:
            busy = self._send_due() | self._receiver_inbox() | self._sender_inboxes()
        for tracker, lane in ((self.tracker, SENDER), (self.receiver_tracker, RECEIVER)):
            for conversation in tracker.check_overdue():
                what = f"{conversation.awaiting} Response to {conversation.event_code or 'message'} {conversation.message_id or ''}".strip()
                self._note(lane, "overdue", None, "none", f"overdue: no {conversation.awaiting} ack",
                           f"no {what} within {tracker.settings.timeout:g} s")

    def _send_due(self) -> bool:
        now = self.clock.now()
        busy = False
        while self._queue and self._queue[0][0] <= now:
            _, _, item = heapq.heappop(self._queue)
            outgoing = item.response
            envelope = Envelope(
                outgoing.data, item.from_mailbox, outgoing.to_mailbox or "", item.workflow_id,
                outgoing.response.message_id, content_type_of(outgoing.data), subject=f"ITK Response {outgoing.code}",
            )
            delivery = self.transport.send(envelope)
            self.receiver_tracker.sent(outgoing.document, data=outgoing.data, to_mailbox=envelope.to_mailbox,
                                       workflow_id=item.workflow_id, kind="response")
            self._response_arrow(delivery, RECEIVER, SENDER, "response", outgoing)
            busy = True
        return busy

    def _receiver_inbox(self) -> bool:
        busy = False
        box = self.receiver.mailbox
        for transport_id in self.transport.poll(box):
            delivery = self.transport.receive(box, transport_id)
            self.transport.acknowledge(box, transport_id)
            self._arrived(delivery)
            busy = True
            data = delivery.envelope.data
            document = _read(data)
            if document is not None and message_view(document).is_response:
                receipt = self.receiver_tracker.receive(data, from_mailbox=delivery.envelope.from_mailbox, document=document)
                self._anomaly_notes(RECEIVER, receipt)
                continue
            decision = decide(
                data, self.receiver, self.state, clock=self.clock, ids=self.ids,
                validator=self.validator, reply_to=delivery.envelope.from_mailbox, document=document,
            )
            self.decisions.append(decision)
            label = " + ".join(decision.codes) or "no Response"
            found = catalogue().response(decision.infrastructure_code)
            outcome: Outcome = "positive" if found is not None and found.positive else "negative"
            self._note(RECEIVER, "decision", decision.infrastructure_code, outcome, f"decides: {label}",
                       "\n".join(decision.reasons), message_id=decision.message_id)
            workflow = response_workflow(delivery.envelope.workflow_id, decision.event_code)
            for response in decision.responses:
                when = self.clock.now() + timedelta(seconds=response.delay)
                self._count += 1
                heapq.heappush(self._queue, (when, self._count, _Scheduled(response, box, workflow)))
        return busy

    def _sender_inboxes(self) -> bool:
        busy = False
        for box in sorted(self._mailboxes):
            for transport_id in self.transport.poll(box):
                delivery = self.transport.receive(box, transport_id)
                self.transport.acknowledge(box, transport_id)
                self._arrived(delivery)
                busy = True
                data = delivery.envelope.data
                receipt = self.tracker.receive(data, from_mailbox=delivery.envelope.from_mailbox, document=_read(data))
                self._anomaly_notes(SENDER, receipt)
                if receipt.ack is not None:
                    ack = receipt.ack
                    envelope = Envelope(
                        ack.data, box, ack.to_mailbox or delivery.envelope.from_mailbox,
                        response_workflow(delivery.envelope.workflow_id), ack.response.message_id,
                        content_type_of(ack.data), subject=f"ITK Response {ack.code}",
                    )
                    self._response_arrow(self.transport.send(envelope), SENDER, RECEIVER, "ack-of-ack", ack)
        return busy

    # ---- the event log -------------------------------------------------------------------

    def _t(self, when: datetime) -> float:
        return round((when - self.clock.start).total_seconds(), 6)

    def _arrow(
        self, delivery: Delivery, source: Lane, target: Lane, kind: EventKind, event_code: str | None,
        code: str | None, outcome: Outcome, label: str, **extra: object,
    ) -> None:
        self._arrows[delivery.transport_id] = len(self.events)
        self.events.append(SimEvent(
            len(self.events), self._t(delivery.sent_at), None, delivery.sent_at, source, target, kind, event_code,
            code, outcome, label, delivery.envelope.data, **extra,  # type: ignore[arg-type]
        ))

    def _response_arrow(self, delivery: Delivery, source: Lane, target: Lane, kind: EventKind, response: OutgoingResponse) -> None:
        built = response.response
        outcome: Outcome = "positive" if built.positive else "negative"
        label = response.label + (f" ({built.defect})" if built.defect else "")
        self._arrow(delivery, source, target, kind, catalogue().response_event, response.code, outcome, label,
                    message_id=built.message_id, answers=built.identifier, level=built.level)

    def _arrived(self, delivery: Delivery) -> None:
        index = self._arrows.get(delivery.transport_id)
        if index is not None:
            self.events[index] = replace(self.events[index], arrival=self._t(self.clock.now()))

    def _note(self, lane: Lane, kind: EventKind, code: str | None, outcome: Outcome, label: str, note: str, **extra: object) -> None:
        now = self.clock.now()
        self.events.append(SimEvent(len(self.events), self._t(now), None, now, lane, lane, kind, None, code, outcome,
                                    label, note=note, **extra))  # type: ignore[arg-type]

    def _anomaly_notes(self, lane: Lane, receipt: Receipt) -> None:
        for anomaly in receipt.anomalies:
            self._note(lane, "anomaly", anomaly.code, "none", anomaly.kind, anomaly.message)


def _read(data: bytes) -> Document | None:
    """The bytes read, or None when they cannot be read (the reader explains it again)."""
    try:
        return read_bytes(data)
    except ReadError:
        return None


# ---- patterns ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pattern:
    """One of the four ITK3 response patterns (FACTS §5.1).

    Attributes:
        key: ``full``, ``technical-and-business``, ``technical`` or ``fire-and-forget``.
        title: its name in the IG.
        inf_ack, bus_ack: the flags the message carries.
        full_acknowledgement: the receiver's business Response asks for an infrastructure
            Response back (what tells pattern 1 from pattern 2).
        description: what happens, in plain words.
    """

    key: str
    title: str
    inf_ack: bool
    bus_ack: bool
    full_acknowledgement: bool
    description: str


PATTERNS: tuple[Pattern, ...] = (
    Pattern("full", "Full Acknowledgement", True, True, True,
            "Infrastructure Response, business Response, and the sender's infrastructure Response to it."),
    Pattern("technical-and-business", "Technical and Business", True, True, False,
            "Infrastructure Response and business Response; the sender does not respond to Responses."),
    Pattern("technical", "Technical Only", True, False, False, "Exactly one infrastructure Response."),
    Pattern("fire-and-forget", "Fire and Forget", False, False, False, "No Response (unless the flags cannot be read)."),
)


def pattern(key: str) -> Pattern:
    """The pattern with this key (or title, case-insensitive).

    Raises:
        KeyError: no such pattern.
    """
    wanted = key.strip().lower()
    for found in PATTERNS:
        if wanted in (found.key, found.title.lower()):
            return found
    raise KeyError(f"no response pattern {key!r}; known: {', '.join(p.key for p in PATTERNS)}")


def negative_codes() -> tuple[ResponseCode, ...]:
    """Every negative response code (the scenarios a trainer can force)."""
    return tuple(r for r in catalogue().responses if not r.positive)


def run_pattern(
    which: str | Pattern,
    *,
    force: str | None = None,
    business: str | None = None,
    receiver: ReceiverSettings | None = None,
    ack_of_ack: bool = True,
    latency: float = 1.0,
    timeout: float = 60.0,
    start: datetime = DEFAULT_START,
    seed: str = "simulation",
    validator: Validator | None = None,
    **sample: object,
) -> SimulationResult:
    """Run one response pattern with the sample message.

    Args:
        which: a :class:`Pattern` or its key.
        force: a forced outcome for the receiver (any response code, ``none``, ``malformed``,
            ``truncated``).
        business: the receiver's business code.
        receiver: base receiver settings (its full-acknowledgement flag is set by the pattern).
        ack_of_ack: the sender answers business Responses that ask for it.
        latency: seconds per transfer; timeout: seconds before a conversation is overdue.
        start: the virtual clock's start; seed: the id generator's seed.
        validator: the receiver's validator.
        **sample: more :func:`~workbench.core.acks.sample.sample_message` arguments (``inf_ack=None``
            makes the flag unreadable).
    """
    chosen = which if isinstance(which, Pattern) else pattern(which)
    settings = (receiver or ReceiverSettings(delay=1.0)).changed(full_acknowledgement=chosen.full_acknowledgement)
    if force is not None:
        settings = settings.changed(forced=force)
    if business is not None:
        settings = settings.changed(business_code=business)
    clock = VirtualClock(start)
    ids = SequentialIds(seed)
    arguments = {"inf_ack": chosen.inf_ack, "bus_ack": chosen.bus_ack, **sample}  # the sample may override a flag
    message = sample_message(clock=clock, ids=ids, **arguments)  # type: ignore[arg-type]
    return run_round_trip(
        render(message, "xml"), receiver=settings, ack_of_ack=ack_of_ack, latency=latency, timeout=timeout,
        clock=clock, ids=ids, validator=validator,
    )


def run_round_trip(
    message: bytes | Document,
    *,
    receiver: ReceiverSettings | None = None,
    ack_of_ack: bool = True,
    latency: float = 1.0,
    timeout: float = 60.0,
    clock: VirtualClock | None = None,
    ids: IdGenerator | None = None,
    validator: Validator | None = None,
    until: float | None = None,
) -> SimulationResult:
    """Send one message to the simulated receiver and run until everything has happened."""
    simulation = Simulation(
        receiver,
        tracker=TrackerSettings(timeout=timeout, ack_of_ack=ack_of_ack),
        latency=latency,
        clock=clock,
        ids=ids,
        validator=validator,
    )
    simulation.send(message)
    return simulation.run(until)
