"""Stored conversations: the tracker's view of them, and the round trip a sequence diagram draws.

A conversation is a message and what answered it: the receiver's Responses and the sender's
infrastructure Responses to business Responses (ack-of-acks). :func:`replay` feeds the stored
rows, in the order they happened and at their stored times, through the same two trackers the
loopback simulation uses (the sender's, and the receiver's tracking of the Responses it sent),
so a stored conversation has exactly the state the simulator would give it.
:func:`stored_round_trip` turns a stored conversation into the
:class:`~workbench.core.acks.runs.RoundTrip` (with its
:class:`~workbench.core.acks.events.SimulationResult` event log) that the Simulate window's
diagram draws for a loopback run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from workbench.core.acks.events import RECEIVER, SENDER, EventKind, Lane, Outcome, SimEvent, SimulationResult
from workbench.core.acks.runs import LaneInfo, RoundTrip, code_display, flags_text
from workbench.core.acks.tracker import Conversation, Tracker, TrackerSettings
from workbench.core.catalogue import catalogue, level_of
from workbench.core.clock import Clock, IdGenerator, SequentialIds
from workbench.core.codecs import read_bytes
from workbench.core.errors import ReadError
from workbench.core.itk3.view import message_view
from workbench.core.store.database import MessageStore
from workbench.core.store.records import StoredMessage
from workbench.core.validation.runner import Validator


class SetClock:
    """A clock that says what it was last set to (for replaying stored times)."""

    def __init__(self, when: datetime | None = None) -> None:
        self.when = when or datetime.now(UTC)

    def now(self) -> datetime:
        """The time it was set to."""
        return self.when


def parse_time(text: str | None) -> datetime | None:
    """A stored (or FHIR instant) time as an aware datetime; None when absent or unreadable."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass
class Replay:
    """The two trackers after replaying a conversation's rows.

    Attributes:
        sender: the sender's tracker (the message, then the ack-of-acks it sent).
        receiver: the receiver's tracking of the Responses it sent.
        clock: the replay's clock (set to each row's time in turn).
        keys: row id -> (tracker, conversation key) for rows that opened a conversation.
    """

    sender: Tracker
    receiver: Tracker
    clock: SetClock
    keys: dict[int, tuple[Tracker, str]] = field(default_factory=dict)

    def conversation_of(self, row_id: int) -> Conversation | None:
        """The conversation a row opened (its message, Response or ack-of-ack)."""
        found = self.keys.get(row_id)
        return found[0].conversation(found[1]) if found is not None else None

    def state_of(self, row_id: int) -> str | None:
        """The tracker's state of the conversation a row opened."""
        conversation = self.conversation_of(row_id)
        return conversation.state if conversation is not None else None


def replay(
    rows: Iterable[tuple[StoredMessage, bytes]],
    *,
    timeout: float = 3600.0,
    clock: SetClock | None = None,
    ids: IdGenerator | None = None,
    validator: Validator | None = None,
) -> Replay:
    """Feed stored rows (with their bytes), oldest first, through a sender's and a receiver's tracker.

    A message opens a conversation on the sender's side; a Response is received by the sender
    and counted as sent by the receiver; an ack-of-ack is sent by the sender and received by the
    receiver. Ack-of-acks are not built again (they are rows of their own).
    """
    clock = clock or SetClock()
    ids = ids or SequentialIds("replay")
    settings = TrackerSettings(timeout=timeout, ack_of_ack=False)
    sender = Tracker(settings, clock=clock, ids=ids, validator=validator)
    receiver = Tracker(settings, clock=clock, ids=ids)
    done = Replay(sender, receiver, clock)
    for row, data in sorted(rows, key=lambda pair: (pair[0].time, pair[0].id)):
        clock.when = parse_time(row.time) or clock.when
        if row.kind == "ack-of-ack":
            opened = sender.sent(data, to_mailbox=row.peer, workflow_id=row.workflow_id, kind="ack-of-ack")
            done.keys[row.id] = (sender, opened.key)
            receiver.receive(data, from_mailbox=row.peer)
        elif row.is_response:
            sender.receive(data, from_mailbox=row.peer)
            opened = receiver.sent(data, to_mailbox=row.peer, workflow_id=row.workflow_id, kind="response")
            done.keys[row.id] = (receiver, opened.key)
        else:
            opened = sender.sent(data, to_mailbox=row.peer, workflow_id=row.workflow_id)
            done.keys[row.id] = (sender, opened.key)
    return done


def replay_stored(store: MessageStore, rows: list[StoredMessage], **options: object) -> Replay:
    """:func:`replay` over stored rows, reading their bytes from the store."""
    return replay(((row, store.data(row)) for row in rows), **options)  # type: ignore[arg-type]


def check_overdue(done: Replay, now: datetime) -> None:
    """Mark conversations of a replay still awaiting at ``now`` past their deadline as overdue."""
    done.clock.when = now
    done.sender.check_overdue()
    done.receiver.check_overdue()


def side_of(store: MessageStore, conversation: str, mailbox: str | None = None) -> list[StoredMessage]:
    """A conversation's rows as one mailbox saw them (all of them when ``mailbox`` is None).

    One store can hold both sides of a conversation (the workbench sending from one mailbox and
    answering as the receiver on another): each side is a conversation of its own, with every
    transfer once.
    """
    rows = store.conversation(conversation)
    return rows if mailbox is None else [row for row in rows if row.mailbox == mailbox]


def stored_result(
    store: MessageStore,
    conversation: str,
    *,
    timeout: float = 3600.0,
    now: Clock | None = None,
    mailbox: str | None = None,
) -> SimulationResult:
    """A stored conversation as the event log and trackers a loopback simulation gives.

    With ``mailbox``, the conversation as that mailbox saw it (see :func:`side_of`).

    Raises:
        LookupError: no stored message belongs to ``conversation``, or none starts it.
    """
    rows = side_of(store, conversation, mailbox)
    if not rows:
        where = f" at mailbox {mailbox}" if mailbox else ""
        raise LookupError(f"no stored conversation {conversation}{where}")
    pairs = [(row, store.data(row)) for row in rows]
    done = replay(pairs, timeout=timeout)
    if now is not None:
        check_overdue(done, now.now())
    if not any(c.kind == "message" for c in done.sender.conversations):
        raise LookupError(f"conversation {conversation} has Responses but not the message they answer")
    times = transfer_times(pairs, store.conversation(conversation) if mailbox is not None else rows)
    start = min(sent for sent, _ in times.values())
    events: list[SimEvent] = []
    for row, data in sorted(pairs, key=lambda pair: (pair[0].time, pair[0].id)):
        events.extend(_events_of(row, data, start, len(events), times[row.id]))
    ended = max((e.arrival or e.time) for e in events) if events else 0.0
    orphans = (*done.sender.orphan_anomalies, *done.receiver.orphan_anomalies)
    return SimulationResult(
        tuple(events),
        tuple(done.sender.conversations),
        tuple(done.receiver.conversations),
        (),
        tuple(orphans),
        ended,
    )


def stored_round_trip(
    store: MessageStore,
    conversation: str,
    number: int = 0,
    *,
    timeout: float = 3600.0,
    mailbox: str | None = None,
) -> RoundTrip:
    """A stored conversation as the Simulate window's round trip (lanes, flags, event log).

    With ``mailbox``, the conversation as that mailbox saw it (see :func:`side_of`).
    """
    result = stored_result(store, conversation, timeout=timeout, mailbox=mailbox)
    rows = side_of(store, conversation, mailbox)
    first = next(r for r in rows if not r.is_response)
    data = store.data(first)
    try:
        view = message_view(read_bytes(data))
        flags = flags_text(view.flag("InfAckRequested"), view.flag("BusAckRequested"))
    except ReadError:
        flags = "flags unreadable"
    sender_box = first.mailbox if first.direction == "out" else first.peer
    receiver_box = first.peer if first.direction == "out" else first.mailbox
    response = next((r for r in rows if r.kind == "response"), None)
    sender = LaneInfo("Sender", first.sender, sender_box, "MESH mailbox", "not known")
    receiver = LaneInfo(
        "Receiver", response.sender if response else first.receiver, receiver_box, "MESH mailbox", "not known"
    )
    how = {"mesh": "over MESH", "folder": "over MESH client folders", "import": "imported"}
    title = f"{first.event or 'message'} {how.get(first.transport, 'over ' + first.transport)}"
    started = parse_time(first.time) or datetime.now(UTC)
    return RoundTrip(number, title, flags, result, sender, receiver, started, 0.0)


def transfer_times(
    pairs: list[tuple[StoredMessage, bytes]], every: list[StoredMessage]
) -> dict[int, tuple[datetime, datetime | None]]:
    """When each transfer left its sender and reached its recipient (None: not known to have).

    A side of a conversation knows its own times: when it sent, when it received. The other
    end's are taken from its rows when the store has them too (``every``: the desktop keeps
    both sides, matched by MESH message id); otherwise a received message left when its header
    says (clamped between what it answers leaving and its receipt: headers have whole
    seconds, clocks differ), and a message sent arrived when MESH said it was delivered, but no
    later than the first Response to it left.
    """
    twins = {(r.mesh_message_id, r.direction): r for r in every if r.mesh_message_id}
    times: dict[int, tuple[datetime, datetime | None]] = {}
    left: dict[str, datetime] = {}  # MessageHeader.id -> when it left
    for row, data in sorted(pairs, key=lambda pair: (pair[0].time, pair[0].id)):
        at = parse_time(row.time) or datetime.now(UTC)
        if row.direction == "out":
            twin = twins.get((row.mesh_message_id, "in"))
            arrival = parse_time(twin.received_at) if twin is not None else _delivered(row)
            sent = at
        else:
            twin = twins.get((row.mesh_message_id, "out"))
            sent = (parse_time(twin.sent_at) if twin is not None else None) or _stamped(row, data, at, left)
            arrival = at
        if row.message_id:
            left.setdefault(row.message_id, sent)
        times[row.id] = (sent, arrival)
    for row, _data in pairs:
        answers = [times[r.id][0] for r, _ in pairs if row.message_id and r.response_to == row.message_id]
        sent, arrival = times[row.id]
        if answers and row.direction == "out":
            arrival = max(sent, min(*answers, arrival) if arrival is not None else min(answers))
            times[row.id] = (sent, arrival)
    return times


def _delivered(row: StoredMessage) -> datetime | None:
    """When MESH said a message sent was delivered (its recipient acknowledged it), if it did."""
    return parse_time(json.loads(row.delivery).get("delivered_at")) if row.delivery else None


def _stamped(row: StoredMessage, data: bytes, at: datetime, left: dict[str, datetime]) -> datetime:
    """When a received message left, by its header: not before what it answers left, not after ``at``."""
    earliest = left.get(row.response_to or "") or at - timedelta(hours=1)
    try:
        stamped = parse_time(message_view(read_bytes(data)).timestamp)
    except ReadError:
        stamped = None
    if stamped is None or stamped > at or stamped < at - timedelta(hours=1):
        return at  # no time, or one far from the receipt (an old example) would stretch the diagram
    return min(at, max(stamped, earliest))


def _events_of(
    row: StoredMessage, data: bytes, start: datetime, seq: int, when: tuple[datetime, datetime | None]
) -> list[SimEvent]:
    sent, reached = when
    arrival = _seconds(reached, start) if reached is not None else None
    kind: EventKind = "response" if row.kind == "response" else "ack-of-ack" if row.kind == "ack-of-ack" else "message"
    source, target = (RECEIVER, SENDER) if kind == "response" else (SENDER, RECEIVER)
    outcome: Outcome = "none"
    label = row.event or "unreadable message"
    level = None
    if kind != "message":
        found = catalogue().response(row.response_code) if row.response_code else None
        outcome = "none" if found is None else "positive" if found.positive else "negative"
        label = code_display(row.response_code) or "Response without a code"
        level = level_of(row.response_code) if row.response_code else None
    arrow = SimEvent(
        seq,
        _seconds(sent, start),
        arrival,
        sent,
        source,
        target,
        kind,
        row.event,
        row.response_code,
        outcome,
        label,
        data,
        message_id=row.message_id,
        answers=row.response_to,
        level=level,
        note=row.error or "",
    )
    found_events = [arrow]
    decision = row.decision_data
    if decision:
        note_lane: Lane = RECEIVER
        code = decision.get("infrastructure_code")
        known = catalogue().response(code) if code else None
        found_events.append(
            SimEvent(
                seq + 1,
                arrival if arrival is not None else arrow.time,
                None,
                parse_time(row.time) or sent,
                note_lane,
                note_lane,
                "decision",
                None,
                code,
                "positive" if known is not None and known.positive else "negative",
                "decides: " + (" + ".join(decision.get("codes") or []) or "no Response"),
                note="\n".join(decision.get("reasons") or []),
                message_id=row.message_id,
            )
        )
    return found_events


def _seconds(when: datetime, start: datetime) -> float:
    return round(max(0.0, (when - start).total_seconds()), 6)
