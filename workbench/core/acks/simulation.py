"""Whole round trips on a virtual clock: sender, loopback transport, simulated receiver.

A :class:`Simulation` wires a sender (:class:`~workbench.core.acks.tracker.Tracker`), a
:class:`~workbench.core.transport.loopback.LoopbackTransport` with optional latency, and the
receiver (:func:`~workbench.core.acks.receiver.decide`, plus a tracker of the Responses it sent,
so that it sees the sender's ack-of-acks arrive). :meth:`Simulation.run` moves the virtual clock
from one happening to the next until nothing is left to happen (or a time limit), marking
conversations overdue when their deadline passes, and keeps an ordered event log for a
sequence diagram (:mod:`.events`): one :class:`~.events.SimEvent` per arrow (message,
Response, ack-of-ack) with its send and arrival times, plus notes on a lane (the receiver's
decision, overdue, anomalies). :func:`run_round_trip` sends one message and runs to the end;
:mod:`.patterns` runs the four response patterns from the sample message.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from workbench.core.acks.events import (
    RECEIVER,
    SENDER,
    EventKind,
    Lane,
    Outcome,
    SimEvent,
    SimulationResult,
)
from workbench.core.acks.receiver import Decision, OutgoingResponse, ReceiverState, decide
from workbench.core.acks.rules import party_codes
from workbench.core.acks.settings import ReceiverSettings
from workbench.core.acks.tracker import Conversation, Receipt, Tracker, TrackerSettings
from workbench.core.catalogue import catalogue
from workbench.core.clock import IdGenerator, SequentialIds, VirtualClock
from workbench.core.codecs import read_bytes, render
from workbench.core.errors import ReadError
from workbench.core.itk3.routing import response_workflow, workflow_for_event
from workbench.core.itk3.view import message_view
from workbench.core.transport.base import Delivery, Envelope, content_type_of
from workbench.core.transport.loopback import LoopbackTransport
from workbench.core.tree import Document
from workbench.core.validation.runner import Validator

__all__ = ["SimEvent", "Simulation", "SimulationResult", "run_round_trip"]


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
        self.tracker.settings = replace(
            self.tracker.settings, mailbox=mailbox, ods_code=ods[0] if ods else self.tracker.settings.ods_code
        )
        event = view.event_code if view is not None else None
        workflow = workflow_for_event(event)
        envelope = Envelope(
            data,
            mailbox,
            self.receiver.mailbox,
            workflow,
            view.message_id if view else None,
            content_type_of(data),
            subject=f"{event or 'message'} from {mailbox}",
        )
        delivery = self.transport.send(envelope)
        conversation = self.tracker.sent(
            document if document is not None else data,
            data=data,
            to_mailbox=self.receiver.mailbox,
            workflow_id=workflow,
        )
        self._arrow(
            delivery,
            SENDER,
            RECEIVER,
            "message",
            event,
            None,
            "none",
            event or "unreadable message",
            message_id=view.message_id if view else None,
        )
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
                self._note(
                    lane,
                    "overdue",
                    None,
                    "none",
                    f"overdue: no {conversation.awaiting} ack",
                    f"no {what} within {tracker.settings.timeout:g} s",
                )

    def _send_due(self) -> bool:
        now = self.clock.now()
        busy = False
        while self._queue and self._queue[0][0] <= now:
            _, _, item = heapq.heappop(self._queue)
            outgoing = item.response
            envelope = Envelope(
                outgoing.data,
                item.from_mailbox,
                outgoing.to_mailbox or "",
                item.workflow_id,
                outgoing.response.message_id,
                content_type_of(outgoing.data),
                subject=f"ITK Response {outgoing.code}",
            )
            delivery = self.transport.send(envelope)
            self.receiver_tracker.sent(
                outgoing.document,
                data=outgoing.data,
                to_mailbox=envelope.to_mailbox,
                workflow_id=item.workflow_id,
                kind="response",
            )
            self._response_arrow(delivery, RECEIVER, SENDER, "response", outgoing)
            busy = True
        return busy

    def _collect(self, box: str) -> Iterator[Delivery]:
        """Receive and acknowledge each message waiting in a mailbox, logging its arrival."""
        for transport_id in self.transport.poll(box):
            delivery = self.transport.receive(box, transport_id)
            self.transport.acknowledge(box, transport_id)
            self._arrived(delivery)
            yield delivery

    def _receiver_inbox(self) -> bool:
        busy = False
        box = self.receiver.mailbox
        for delivery in self._collect(box):
            busy = True
            data = delivery.envelope.data
            document = _read(data)
            if document is not None and message_view(document).is_response:
                receipt = self.receiver_tracker.receive(
                    data, from_mailbox=delivery.envelope.from_mailbox, document=document
                )
                self._anomaly_notes(RECEIVER, receipt)
                continue
            decision = decide(
                data,
                self.receiver,
                self.state,
                clock=self.clock,
                ids=self.ids,
                validator=self.validator,
                reply_to=delivery.envelope.from_mailbox,
                document=document,
            )
            self.decisions.append(decision)
            label = " + ".join(decision.codes) or "no Response"
            found = catalogue().response(decision.infrastructure_code)
            outcome: Outcome = "positive" if found is not None and found.positive else "negative"
            self._note(
                RECEIVER,
                "decision",
                decision.infrastructure_code,
                outcome,
                f"decides: {label}",
                "\n".join(decision.reasons),
                message_id=decision.message_id,
            )
            workflow = response_workflow(delivery.envelope.workflow_id, decision.event_code)
            for response in decision.responses:
                when = self.clock.now() + timedelta(seconds=response.delay)
                self._count += 1
                heapq.heappush(self._queue, (when, self._count, _Scheduled(response, box, workflow)))
        return busy

    def _sender_inboxes(self) -> bool:
        busy = False
        for box in sorted(self._mailboxes):
            for delivery in self._collect(box):
                busy = True
                data = delivery.envelope.data
                receipt = self.tracker.receive(data, from_mailbox=delivery.envelope.from_mailbox, document=_read(data))
                self._anomaly_notes(SENDER, receipt)
                if receipt.ack is not None:
                    ack = receipt.ack
                    envelope = Envelope(
                        ack.data,
                        box,
                        ack.to_mailbox or delivery.envelope.from_mailbox,
                        response_workflow(delivery.envelope.workflow_id),
                        ack.response.message_id,
                        content_type_of(ack.data),
                        subject=f"ITK Response {ack.code}",
                    )
                    self._response_arrow(self.transport.send(envelope), SENDER, RECEIVER, "ack-of-ack", ack)
        return busy

    # ---- the event log -------------------------------------------------------------------

    def _t(self, when: datetime) -> float:
        return round((when - self.clock.start).total_seconds(), 6)

    def _arrow(
        self,
        delivery: Delivery,
        source: Lane,
        target: Lane,
        kind: EventKind,
        event_code: str | None,
        code: str | None,
        outcome: Outcome,
        label: str,
        **extra: object,
    ) -> None:
        self._arrows[delivery.transport_id] = len(self.events)
        self.events.append(
            SimEvent(
                len(self.events),
                self._t(delivery.sent_at),
                None,
                delivery.sent_at,
                source,
                target,
                kind,
                event_code,
                code,
                outcome,
                label,
                delivery.envelope.data,
                **extra,  # type: ignore[arg-type]
            )
        )

    def _response_arrow(
        self, delivery: Delivery, source: Lane, target: Lane, kind: EventKind, response: OutgoingResponse
    ) -> None:
        built = response.response
        outcome: Outcome = "positive" if built.positive else "negative"
        label = response.label + (f" ({built.defect})" if built.defect else "")
        self._arrow(
            delivery,
            source,
            target,
            kind,
            catalogue().response_event,
            response.code,
            outcome,
            label,
            message_id=built.message_id,
            answers=built.identifier,
            level=built.level,
        )

    def _arrived(self, delivery: Delivery) -> None:
        index = self._arrows.get(delivery.transport_id)
        if index is not None:
            self.events[index] = replace(self.events[index], arrival=self._t(self.clock.now()))

    def _note(
        self, lane: Lane, kind: EventKind, code: str | None, outcome: Outcome, label: str, note: str, **extra: object
    ) -> None:
        now = self.clock.now()
        self.events.append(
            SimEvent(
                len(self.events),
                self._t(now),
                None,
                now,
                lane,
                lane,
                kind,
                None,
                code,
                outcome,
                label,
                note=note,
                **extra,
            )
        )  # type: ignore[arg-type]

    def _anomaly_notes(self, lane: Lane, receipt: Receipt) -> None:
        for anomaly in receipt.anomalies:
            self._note(lane, "anomaly", anomaly.code, "none", anomaly.kind, anomaly.message)


def _read(data: bytes) -> Document | None:
    """The bytes read, or None when they cannot be read (the reader explains it again)."""
    try:
        return read_bytes(data)
    except ReadError:
        return None


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
