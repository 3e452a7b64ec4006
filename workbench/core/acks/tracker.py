"""The sender's side: a conversation per message sent, correlated with the Responses received.

For every message sent, :meth:`Tracker.sent` opens a :class:`Conversation` expecting the
Responses its flags ask for (FACTS §5.1): an infrastructure Response when InfAckRequested is true
or when the flags cannot be read (a receiver then responds anyway, §5.3), a business Response
when BusAckRequested is true. :meth:`Tracker.receive` reads a Response, finds its conversation by
``response.identifier`` (= the sent MessageHeader.id, §4.1) and records it, with anomalies:

* ``unexpected`` - a level that was not requested, or a Response without a readable code;
* ``duplicate`` - the same Response again, or a second one at a level with the same code;
* ``contradictory`` - a second Response at a level with another code, anything after a
  negative Response, or ``response.code`` disagreeing with the code's sign;
* ``business-before-infrastructure`` - a business Response while the infrastructure one is
  still awaited;
* ``late`` - a Response after the conversation went overdue;
* ``unknown-message`` / ``unreadable`` - a Response quoting no message this tracker sent, or
  bytes that cannot be read: kept in :attr:`Tracker.orphans`.

A conversation's state is computed from what it expected and received: ``awaiting-infrastructure``,
``awaiting-business``, ``accepted`` (the infrastructure Response 20013 and nothing more
expected), ``complete`` (everything expected arrived, positive; also a message that expects
nothing), ``rejected`` (a negative Response; :attr:`Conversation.rejected_code`), ``overdue``
(still awaiting at ``sent + timeout`` on the injected clock).

In the full acknowledgement pattern the sender answers each business Response that asks for it
(InfAckRequested=true, or unreadable) with its own infrastructure Response: 20013, or the code
its validator predicts when that Response is broken (e.g. 10002). These ack-of-acks are
conversations too (kind ``ack-of-ack``), expecting nothing back.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

from workbench.core.acks.builder import Responder, answered_id, build_response
from workbench.core.acks.receiver import OutgoingResponse
from workbench.core.catalogue import catalogue, level_of
from workbench.core.clock import Clock, IdGenerator, check_seconds
from workbench.core.codecs import read_bytes
from workbench.core.errors import ReadError
from workbench.core.itk3.view import MessageView, message_view
from workbench.core.tree import Document
from workbench.core.validation.runner import Validator

State = Literal["awaiting-infrastructure", "awaiting-business", "accepted", "complete", "rejected", "overdue"]
Kind = Literal["message", "ack-of-ack", "response"]
ANOMALY_KINDS = (
    "unexpected",
    "duplicate",
    "contradictory",
    "business-before-infrastructure",
    "late",
    "unknown-message",
    "unreadable",
)
#: States in which nothing more is awaited.
FINAL_STATES = ("accepted", "complete", "rejected", "overdue")


@dataclass(frozen=True, slots=True)
class TrackerSettings:
    """How the sender tracks its conversations.

    Attributes:
        ods_code: the sender's ODS code (the sender of its ack-of-acks).
        mailbox: the sender's MESH mailbox.
        timeout: seconds after sending at which a conversation still awaiting a Response
            is overdue (ITK3 defines none, FACTS §5.1; payload specs do).
        ack_of_ack: answer business Responses that ask for it (full acknowledgement).
        recipient_type: RecipientType of the ack-of-acks.
        syntax: ``xml`` or ``json`` for the ack-of-acks.
    """

    ods_code: str = "SND01"
    mailbox: str = "SND01OT001"
    timeout: float = 3600.0
    ack_of_ack: bool = True
    recipient_type: str = "FI"
    syntax: str = "xml"

    def __post_init__(self) -> None:
        check_seconds(self.timeout, "timeout", positive=True)


@dataclass(frozen=True, slots=True)
class Anomaly:
    """Something wrong with the Responses a conversation got.

    Attributes:
        kind: one of :data:`ANOMALY_KINDS`.
        message: what happened, in plain words.
        at: when it was noticed.
        code: the response code involved, if any.
    """

    kind: str
    message: str
    at: datetime
    code: str | None = None


@dataclass(frozen=True, slots=True)
class ReceivedResponse:
    """A Response as the tracker read it.

    Attributes:
        data: the bytes received.
        at: when.
        readable: False when the bytes could not be read.
        message_id: the Response's own MessageHeader.id.
        answers: its ``response.identifier``.
        code: its (first) response code; level and sign follow from it.
        response_code: ``MessageHeader.response.code`` (``ok``/``fatal-error``).
        inf_ack_requested: the Response's InfAckRequested (None: missing or unreadable).
        from_mailbox: where it came from (its source.endpoint, else the transport's sender).
    """

    data: bytes
    at: datetime
    readable: bool
    message_id: str | None = None
    answers: str | None = None
    code: str | None = None
    response_code: str | None = None
    inf_ack_requested: bool | None = None
    from_mailbox: str | None = None

    @property
    def level(self) -> str | None:
        """``infrastructure``, ``business`` or None."""
        return level_of(self.code) if self.code else None

    @property
    def positive(self) -> bool | None:
        """True/False for a known code, None otherwise."""
        found = catalogue().response(self.code) if self.code else None
        return found.positive if found is not None else None

    @property
    def label(self) -> str:
        """``20013 Success``, or what could be read."""
        found = catalogue().response(self.code) if self.code else None
        if found is not None:
            return f"{found.code} {found.display}"
        return self.code or ("unreadable Response" if not self.readable else "Response without a code")


@dataclass(frozen=True, slots=True)
class Conversation:
    """One sent message and the Responses it got.

    Attributes:
        key: unique within the tracker (the MessageHeader.id, made unique if sent twice).
        kind: ``message``, ``ack-of-ack`` (the sender's answer to a business Response) or
            ``response`` (a receiver tracking the Responses it sent).
        message_id: the sent MessageHeader.id (None when unreadable).
        quoted_as: what Responses quote for it (``UNREADABLE-IN-ORIGINAL-MESSAGE`` when the
            id cannot be read).
        event_code: the sent event.
        sent_at, deadline: when it was sent and when it is overdue.
        expects_infrastructure, expects_business: what its flags ask for.
        received: the Responses received, in order.
        anomalies: what went wrong.
        acks_sent: MessageHeader ids of the ack-of-acks sent for its business Responses.
        overdue_at: when it went overdue, if it did.
        answers: for an ack-of-ack or a Response, the message it answers.
        to_mailbox, workflow_id: where it went.
        data: the bytes sent.
    """

    key: str
    kind: Kind
    message_id: str | None
    quoted_as: str
    event_code: str | None
    sent_at: datetime
    deadline: datetime
    expects_infrastructure: bool
    expects_business: bool
    received: tuple[ReceivedResponse, ...] = ()
    anomalies: tuple[Anomaly, ...] = ()
    acks_sent: tuple[str, ...] = ()
    overdue_at: datetime | None = None
    answers: str | None = None
    to_mailbox: str | None = None
    workflow_id: str | None = None
    data: bytes = field(default=b"", repr=False)

    @property
    def infrastructure(self) -> ReceivedResponse | None:
        """The first infrastructure Response received."""
        return next((r for r in self.received if r.level == "infrastructure"), None)

    @property
    def business(self) -> ReceivedResponse | None:
        """The first business Response received."""
        return next((r for r in self.received if r.level == "business"), None)

    @property
    def rejected_code(self) -> str | None:
        """The code of the first negative Response, if any."""
        return next((r.code for r in self.received if r.positive is False), None)

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes received, in order."""
        return tuple(r.code for r in self.received if r.code)

    @property
    def awaiting(self) -> str | None:
        """The level still awaited (``infrastructure``/``business``), or None."""
        if self.rejected_code is not None:
            return None
        if self.expects_infrastructure and self.infrastructure is None:
            return "infrastructure"
        if self.expects_business and self.business is None:
            return "business"
        return None

    @property
    def state(self) -> State:
        """The conversation's state (see the module docstring)."""
        if self.rejected_code is not None:
            return "rejected"
        awaiting = self.awaiting
        if awaiting is not None:
            return "overdue" if self.overdue_at is not None else f"awaiting-{awaiting}"  # type: ignore[return-value]
        if self.expects_business:
            return "complete"
        return "accepted" if self.expects_infrastructure else "complete"

    @property
    def state_label(self) -> str:
        """The state in words: ``rejected (20003)``, ``awaiting business ack``."""
        state = self.state
        if state == "rejected":
            return f"rejected ({self.rejected_code})"
        if state.startswith("awaiting-"):
            return f"awaiting {state.removeprefix('awaiting-')} ack"
        return state

    @property
    def is_final(self) -> bool:
        """True when nothing more is awaited."""
        return self.state in FINAL_STATES

    @property
    def succeeded(self) -> bool:
        """True when accepted or complete, with no anomaly."""
        return self.state in ("accepted", "complete") and not self.anomalies

    def to_json(self) -> dict[str, object]:
        """The conversation as plain data."""
        return {
            "kind": self.kind,
            "message_id": self.message_id,
            "event": self.event_code,
            "state": self.state,
            "rejected_code": self.rejected_code,
            "expects": [
                lvl
                for lvl, on in (("infrastructure", self.expects_infrastructure), ("business", self.expects_business))
                if on
            ],
            "received": [{"code": r.code, "label": r.label, "at": r.at.isoformat()} for r in self.received],
            "anomalies": [{"kind": a.kind, "message": a.message, "code": a.code} for a in self.anomalies],
            "acks_sent": list(self.acks_sent),
            "sent_at": self.sent_at.isoformat(),
            "overdue_at": self.overdue_at.isoformat() if self.overdue_at else None,
        }


@dataclass(frozen=True, slots=True)
class Receipt:
    """What :meth:`Tracker.receive` made of one Response.

    Attributes:
        response: the Response as read.
        conversation: its conversation after the update, or None for an orphan.
        anomalies: the anomalies it caused.
        ack: the ack-of-ack to send back, if one is due.
    """

    response: ReceivedResponse
    conversation: Conversation | None
    anomalies: tuple[Anomaly, ...]
    ack: OutgoingResponse | None = None


class Tracker:
    """Conversations of one sender (see the module docstring)."""

    def __init__(
        self,
        settings: TrackerSettings | None = None,
        *,
        clock: Clock,
        ids: IdGenerator,
        validator: Validator | None = None,
    ) -> None:
        self.settings = settings or TrackerSettings()
        self.clock = clock
        self.ids = ids
        self.validator = validator
        self._conversations: dict[str, Conversation] = {}
        self.orphans: list[ReceivedResponse] = []
        self.orphan_anomalies: list[Anomaly] = []

    # ---- what was sent -------------------------------------------------------------------

    @property
    def conversations(self) -> list[Conversation]:
        """Every conversation, in the order sent."""
        return list(self._conversations.values())

    def conversation(self, key: str) -> Conversation | None:
        """The conversation with this key (normally the sent MessageHeader.id)."""
        return self._conversations.get(key)

    def sent(
        self,
        message: bytes | Document,
        *,
        to_mailbox: str | None = None,
        workflow_id: str | None = None,
        kind: Kind = "message",
        answers: str | None = None,
        data: bytes | None = None,
    ) -> Conversation:
        """Open a conversation for a message just sent; return it.

        ``message`` is the bytes sent, or the tree they were written from (then ``data`` may
        give the bytes: a sender knows what it meant to send even when the bytes are broken).
        """
        if isinstance(message, Document):
            view: MessageView | None = message_view(message)
            data = data or b""
        else:
            data = message
            try:
                view = message_view(read_bytes(message))
            except ReadError:
                view = None
        inf = view.flag("InfAckRequested") if view is not None else None
        bus = view.flag("BusAckRequested") if view is not None else None
        quoted = answered_id(view)
        message_id = view.message_id if view is not None else None
        key = self._unique(message_id or quoted)
        now = self.clock.now()
        conversation = Conversation(
            key=key,
            kind=kind,
            message_id=message_id,
            quoted_as=quoted,
            event_code=view.event_code if view is not None else None,
            sent_at=now,
            deadline=now + timedelta(seconds=self.settings.timeout),
            expects_infrastructure=inf is not False or bus is None,
            expects_business=bus is True and not (view is not None and view.is_response),
            answers=answers if answers is not None else (view.response_identifier if view is not None else None),
            to_mailbox=to_mailbox,
            workflow_id=workflow_id,
            data=data,
        )
        self._conversations[key] = conversation
        return conversation

    def _unique(self, base: str) -> str:
        key, n = base, 1
        while key in self._conversations:
            n += 1
            key = f"{base}#{n}"
        return key

    # ---- what comes back -----------------------------------------------------------------

    def receive(self, data: bytes, *, from_mailbox: str | None = None, document: Document | None = None) -> Receipt:
        """Read a Response, correlate it, record anomalies, and prepare an ack-of-ack if due.

        ``document`` is ``data`` already read, when the caller has it.
        """
        now = self.clock.now()
        try:
            view = message_view(document if document is not None else read_bytes(data))
        except ReadError as exc:
            received = ReceivedResponse(data, now, False, from_mailbox=from_mailbox)
            return self._orphan(
                received, Anomaly("unreadable", f"a Response that cannot be read arrived ({exc.message})", now)
            )
        received = _read_response(data, now, view, from_mailbox)
        ack = self._ack_of_ack(view, received)
        if not view.is_response:
            anomaly = Anomaly(
                "unexpected", "a message that is not an ITK Response arrived where Responses are expected", now
            )
            return self._orphan(received, anomaly, ack)
        conversation = self._correlate(received)
        if conversation is None:
            why = (
                "quotes no message id (response.identifier is missing)"
                if not received.answers
                else f"answers {received.answers}, a message this sender did not send (or cannot tell)"
            )
            return self._orphan(
                received, Anomaly("unknown-message", f"Response {received.label} {why}", now, received.code), ack
            )
        anomalies = _anomalies(conversation, received, now)
        updated = replace(
            conversation,
            received=(*conversation.received, received),
            anomalies=(*conversation.anomalies, *anomalies),
            acks_sent=(*conversation.acks_sent, ack.response.message_id) if ack is not None else conversation.acks_sent,
        )
        self._conversations[conversation.key] = updated
        return Receipt(received, updated, tuple(anomalies), ack)

    def _orphan(self, received: ReceivedResponse, anomaly: Anomaly, ack: OutgoingResponse | None = None) -> Receipt:
        self.orphans.append(received)
        self.orphan_anomalies.append(anomaly)
        return Receipt(received, None, (anomaly,), ack)

    def _correlate(self, received: ReceivedResponse) -> Conversation | None:
        if not received.answers:
            return None
        candidates = [c for c in self._conversations.values() if c.quoted_as == received.answers]
        if not candidates:
            return None
        for conversation in candidates:  # the oldest still awaiting this level
            if conversation.awaiting == received.level:
                return conversation
        open_ = [c for c in candidates if not c.is_final]
        return (open_ or candidates)[0]

    def _ack_of_ack(self, view: MessageView, received: ReceivedResponse) -> OutgoingResponse | None:
        """The sender's infrastructure Response to a business Response that asks for one."""
        if not self.settings.ack_of_ack or received.level != "business" or received.inf_ack_requested is False:
            return None
        code = "20013"
        if self.validator is not None:
            code = self.validator.validate(view_document(view)).predicted[0]
            if level_of(code) != "infrastructure":  # pragma: no cover - predicted codes are 1xxxx/2xxxx
                code = "20013"
        elif received.inf_ack_requested is None:
            code = "10002"
        built = build_response(
            view,
            code,
            Responder(self.settings.ods_code, self.settings.mailbox),
            clock=self.clock,
            ids=self.ids,
            recipient_type=self.settings.recipient_type,
        )
        data = built.to_bytes(self.settings.syntax)
        target = received.from_mailbox
        self.sent(built.document, data=data, to_mailbox=target, kind="ack-of-ack", answers=received.message_id)
        return OutgoingResponse(built, data, self.settings.syntax, 0.0, target)

    # ---- time ----------------------------------------------------------------------------

    def next_deadline(self) -> datetime | None:
        """The earliest deadline of a conversation still awaiting and not yet overdue."""
        pending = [c.deadline for c in self._conversations.values() if c.awaiting and c.overdue_at is None]
        return min(pending) if pending else None

    def check_overdue(self) -> list[Conversation]:
        """Mark conversations awaiting past their deadline as overdue; return them."""
        now = self.clock.now()
        changed = []
        for key, conversation in list(self._conversations.items()):
            if conversation.awaiting and conversation.overdue_at is None and now >= conversation.deadline:
                updated = replace(conversation, overdue_at=now)
                self._conversations[key] = updated
                changed.append(updated)
        return changed

    @property
    def anomalies(self) -> list[Anomaly]:
        """Every anomaly: the conversations' and the orphans'."""
        return [a for c in self._conversations.values() for a in c.anomalies] + list(self.orphan_anomalies)


def view_document(view: MessageView) -> Document:
    """A Document around a view's root (for validating a Response already read)."""
    return Document(view.bundle, "xml")


def _read_response(data: bytes, now: datetime, view: MessageView, from_mailbox: str | None) -> ReceivedResponse:
    return ReceivedResponse(
        data=data,
        at=now,
        readable=True,
        message_id=view.message_id,
        answers=view.response_identifier,
        code=view.response_codes[0] if view.response_codes else None,
        response_code=view.response_code,
        inf_ack_requested=view.flag("InfAckRequested"),
        from_mailbox=view.source_endpoint or from_mailbox,
    )


def _anomalies(conversation: Conversation, received: ReceivedResponse, now: datetime) -> list[Anomaly]:
    found: list[Anomaly] = []
    code, level = received.code, received.level
    label = received.label

    def add(kind: str, message: str) -> None:
        found.append(Anomaly(kind, message, now, code))

    if conversation.overdue_at is not None:
        add("late", f"Response {label} arrived after the conversation went overdue")
    if level is None:
        add("unexpected", f"the Response carries no readable ITK response code ({label})")
        return found
    if conversation.rejected_code is not None:
        add(
            "contradictory",
            f"Response {label} arrived after the negative Response {conversation.rejected_code}; nothing should follow a negative Response",
        )
    same_level = [r for r in conversation.received if r.level == level]
    if received.message_id and any(r.message_id == received.message_id for r in conversation.received):
        add("duplicate", f"the same Response ({label}) arrived twice")
    elif same_level:
        if any(r.code == code for r in same_level):
            add("duplicate", f"a second {level} Response with the same code {code}")
        else:
            add("contradictory", f"a second {level} Response says {code} where the first said {same_level[0].code}")
    expected = conversation.expects_infrastructure if level == "infrastructure" else conversation.expects_business
    if not expected:
        what = "nothing" if conversation.kind != "message" else f"no {level} Response"
        add("unexpected", f"{level} Response {label} arrived, but the message asked for {what}")
    if level == "business" and conversation.expects_infrastructure and conversation.infrastructure is None:
        add("business-before-infrastructure", f"business Response {label} arrived before any infrastructure Response")
    found_code = catalogue().response(code) if code else None
    if found_code is not None and received.response_code and received.response_code != found_code.response_code:
        add(
            "contradictory",
            f"response.code is {received.response_code} but {code} is {'positive' if found_code.positive else 'negative'}",
        )
    return found
