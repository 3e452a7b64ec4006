"""The simulated receiver: what Responses a receiver sends for the bytes it got (FACTS §4-§5).

:func:`decide` is pure logic over injected time and ids. It reads the message; unreadable input
gets 10009 (``response.identifier`` ``UNREADABLE-IN-ORIGINAL-MESSAGE``), always, back to the
mailbox it came from (FACTS §5.3). Otherwise it runs the validator (default layers, with the
receiver's size limit and supported types), adds what only a receiver knows (unknown or
unauthorised sender 20003/20012, unknown header recipient 20001/20002 or payload recipient
20011/20010, unsupported MessageDefinition 10004/10005, duplicate message 20007 and document
20008, a replacement of a document it never had 20014, attachment types outside its own approved
list 20004), and takes the first
rejecting finding in receiver order (:func:`workbench.core.validation.receiver.predicted_response`
over all findings), else 20013. The business outcome (settings: a default code, NHS number
rules, the harness's "first given name" convention) follows when BusAckRequested is true and the
infrastructure level passed.

The response patterns (FACTS §5.1): an infrastructure Response only when InfAckRequested is true,
or when the flags cannot be read (then always); a business Response only when BusAckRequested is
true and the infrastructure level passed; nothing after a negative Response; at most two,
infrastructure first. A negative infrastructure result on a message whose readable
InfAckRequested is false is not sent (the reasons say so).

:class:`ReceiverState` remembers the MessageHeader ids and document ids of messages the receiver
accepted (passed the infrastructure level): a message it rejected was not processed, so sending
it again, corrected, is not a duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from workbench.core.acks.builder import BuiltResponse, Responder, build_response
from workbench.core.acks.rules import (
    BusinessOutcome,
    Outcome,
    adjust_attachments,
    business_outcome,
    diagnostics_for,
    forced_outcome,
    receiver_findings,
    remembered_ids,
)
from workbench.core.acks.settings import ReceiverSettings
from workbench.core.catalogue import catalogue
from workbench.core.clock import Clock, IdGenerator
from workbench.core.codecs import read_bytes
from workbench.core.errors import ReadError
from workbench.core.itk3.view import MessageView, message_view
from workbench.core.tree import Document
from workbench.core.validation.issue import Issue
from workbench.core.validation.receiver import predicted_response
from workbench.core.validation.runner import Validator


@dataclass
class ReceiverState:
    """What a receiver has accepted before (for 20007, 20008 and 20014).

    Attributes:
        message_ids: MessageHeader ids of accepted messages.
        document_ids: ``id:<Bundle.id>`` and ``identifier:<system>|<value>`` of the document
            Bundles those messages carried, and ``composition:<value>`` of their Compositions'
            identifiers and ids (what a replacement names).
    """

    message_ids: set[str] = field(default_factory=set)
    document_ids: set[str] = field(default_factory=set)

    def remember(self, message_id: str | None, documents: tuple[str, ...]) -> None:
        """Record an accepted message and its documents."""
        if message_id:
            self.message_ids.add(message_id)
        self.document_ids.update(documents)


@dataclass(frozen=True, slots=True)
class OutgoingResponse:
    """A Response the receiver sends.

    Attributes:
        response: the built Response (tree, code, ids).
        data: its bytes, in the receiver's syntax.
        syntax: ``xml`` or ``json``.
        delay: seconds after receipt at which it is sent.
        to_mailbox: the mailbox it goes to (the original's source.endpoint, or where the
            message came from when that cannot be read).
    """

    response: BuiltResponse
    data: bytes
    syntax: str
    delay: float
    to_mailbox: str | None

    @property
    def code(self) -> str:
        """The response code (``20013``)."""
        return self.response.code.code

    @property
    def level(self) -> str:
        """``infrastructure`` or ``business``."""
        return self.response.level

    @property
    def positive(self) -> bool:
        """True for a positive code."""
        return self.response.positive

    @property
    def label(self) -> str:
        """A short label: ``20013 Success``."""
        return f"{self.code} {self.response.code.display}"

    @property
    def document(self) -> Document:
        """The Response's tree."""
        return self.response.document


@dataclass(frozen=True, slots=True)
class Decision:
    """What the receiver decided for one received message, and why.

    Attributes:
        readable: False when the bytes could not be read at all (10009).
        message_id: the received MessageHeader.id, if readable.
        event_code: its event code, if readable.
        inf_ack_requested, bus_ack_requested: the flags as read (None: missing/unreadable).
        is_response: the received message is itself an ITK Response.
        infrastructure_code: the infrastructure result (10001 ... 20015, or 20013).
        business_code: the business result, when the business level was reached.
        forced: the forced outcome that applied and where it came from, if any.
        responses: the Responses sent (0, 1 or 2; infrastructure first).
        reasons: plain-words lines explaining the decision.
        issues: every finding (validator and receiver), for the details view.
        reply_to: where the Responses go.
    """

    readable: bool
    message_id: str | None
    event_code: str | None
    inf_ack_requested: bool | None
    bus_ack_requested: bool | None
    is_response: bool
    infrastructure_code: str
    business_code: str | None
    forced: str | None
    responses: tuple[OutgoingResponse, ...]
    reasons: tuple[str, ...]
    issues: tuple[Issue, ...] = ()
    reply_to: str | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes of the Responses sent, in order."""
        return tuple(r.code for r in self.responses)

    @property
    def accepted(self) -> bool:
        """True when the infrastructure level passed."""
        found = catalogue().response(self.infrastructure_code)
        return found is not None and found.positive

    def to_json(self) -> dict[str, object]:
        """The decision as plain data (the CLI's ``--format json``)."""
        return {
            "readable": self.readable,
            "message_id": self.message_id,
            "event": self.event_code,
            "inf_ack_requested": self.inf_ack_requested,
            "bus_ack_requested": self.bus_ack_requested,
            "infrastructure_code": self.infrastructure_code,
            "business_code": self.business_code,
            "forced": self.forced,
            "reply_to": self.reply_to,
            "responses": [
                {
                    "level": r.level,
                    "code": r.code,
                    "display": r.response.code.display,
                    "response_code": r.response.code.response_code,
                    "message_id": r.response.message_id,
                    "identifier": r.response.identifier,
                    "inf_ack_requested": r.response.inf_ack_requested,
                    "delay": r.delay,
                    "defect": r.response.defect,
                }
                for r in self.responses
            ],
            "reasons": list(self.reasons),
        }


def decide(
    data: bytes,
    settings: ReceiverSettings,
    state: ReceiverState,
    *,
    clock: Clock,
    ids: IdGenerator,
    validator: Validator | None = None,
    reply_to: str | None = None,
    document: Document | None = None,
) -> Decision:
    """Decide the Responses a receiver sends for the message bytes it received.

    Args:
        data: the bytes received.
        settings: the receiver's settings.
        state: what it accepted before; updated when this message is accepted.
        clock: the time of receipt (Responses are stamped receipt + their delay).
        ids: ids for the Responses.
        validator: the validator to run (default: all layers, no extra profiles); the
            receiver's size limit and supported types are added to its options.
        reply_to: the mailbox the message came from (used when it cannot be read).
        document: ``data`` already read, when the caller has it (saves reading it again).
    """
    responder = Responder(settings.ods_code, settings.mailbox)
    if document is None:
        try:
            document = read_bytes(data)
        except ReadError as exc:
            return _unreadable(exc, settings, responder, clock, ids, reply_to)
    view = message_view(document)
    report = receiver_validator(validator, settings).validate(document)
    issues = [*adjust_attachments(report.issues, view, settings), *receiver_findings(document, view, settings, state)]
    natural, _ = predicted_response(issues)
    reasons = [_summary(view), _infrastructure_reason(natural, issues)]
    forced = forced_outcome(settings, view)
    infrastructure = natural
    if forced.infrastructure is not None:
        infrastructure = forced.infrastructure
        reasons.append(f"forced outcome {infrastructure} ({forced.source}) replaces {natural}")
    cat = catalogue()
    found = cat.response(infrastructure)
    accepted = found is not None and found.positive
    if accepted:
        state.remember(view.message_id, remembered_ids(view))
    business = None
    if accepted and view.flag("BusAckRequested") is True and not view.is_response:
        if forced.business is not None:
            business = BusinessOutcome(forced.business, f"forced outcome, {forced.source}")
        else:
            business = business_outcome(settings, view)
    codes = _plan(view, infrastructure, business, reasons, "due" if forced.suppress or forced.defect else "sent")
    target = view.source_endpoint or reply_to
    responses = _send(view, codes, forced, settings, responder, clock, ids, reasons, issues, target)
    return Decision(
        readable=True,
        message_id=view.message_id,
        event_code=view.event_code,
        inf_ack_requested=view.flag("InfAckRequested"),
        bus_ack_requested=view.flag("BusAckRequested"),
        is_response=view.is_response,
        infrastructure_code=infrastructure,
        business_code=business.code if business is not None else None,
        forced=f"{forced.describe()} ({forced.source})" if forced.applies else None,
        responses=responses,
        reasons=tuple(reasons),
        issues=tuple(issues),
        reply_to=target,
    )


def receiver_validator(validator: Validator | None, settings: ReceiverSettings) -> Validator:
    """The validator to run, with the receiver's settings in its options.

    The ITK3 layer reads ``size_limit`` and ``supported_content_types`` from
    ``options["receiver"]``; the caller's validator is not changed.
    """
    if validator is None:
        return Validator(options={"receiver": settings})
    return Validator(
        validator.registry,
        layers=validator.enabled,
        profiles=validator.profiles,
        options={**validator.options, "receiver": settings},
    )


def _unreadable(
    exc: ReadError,
    settings: ReceiverSettings,
    responder: Responder,
    clock: Clock,
    ids: IdGenerator,
    reply_to: str | None,
) -> Decision:
    unreadable = catalogue().unreadable_message_id
    reasons = [
        f"the message cannot be read ({exc.message}): 10009 Unreadable message received",
        (
            f"the flags cannot be told: an infrastructure Response is sent anyway, quoting {unreadable}, "
            f"back to the mailbox it came from ({reply_to or 'unknown'})"
        ),
    ]
    issue = Issue("fatal", "syntax", "syntax-unreadable", exc.message, None, None, exc.line, exc.column, "10009")
    forced = forced_outcome(settings, None)
    code = "10009"
    if forced.infrastructure is not None:
        code = forced.infrastructure
        reasons.append(f"forced outcome {code} ({forced.source}) replaces 10009")
    codes = [code]
    responses = _send(None, codes, forced, settings, responder, clock, ids, reasons, [issue], reply_to)
    return Decision(
        readable=False,
        message_id=None,
        event_code=None,
        inf_ack_requested=None,
        bus_ack_requested=None,
        is_response=False,
        infrastructure_code=code,
        business_code=None,
        forced=f"{forced.describe()} ({forced.source})" if forced.applies and not forced.business else None,
        responses=responses,
        reasons=tuple(reasons),
        issues=(issue,),
        reply_to=reply_to,
    )


def _summary(view: MessageView) -> str:
    if not view.is_message:
        return "read the input: it is not an ITK3 message Bundle with a MessageHeader first"
    flags = "; ".join(f"{k}={_flag_text(view.flag(k))}" for k in ("InfAckRequested", "BusAckRequested"))
    kind = "an ITK Response" if view.is_response else f"message {view.event_code or '(no event)'}"
    return f"read {kind}, MessageHeader.id {view.message_id or '(none)'}; {flags}"


def _flag_text(value: bool | None) -> str:
    return "unreadable" if value is None else str(value).lower()


def _infrastructure_reason(code: str, issues: list[Issue]) -> str:
    rejecting = [i for i in issues if i.itk_code and i.is_error]
    if not rejecting:
        return "20013: no finding makes the receiver reject the message at the infrastructure level"
    first = next(i for i in rejecting if i.itk_code == code)
    others = sorted({i.itk_code for i in rejecting if i.itk_code != code})
    more = f" (first in receiver order; also {', '.join(others)})" if others else ""
    return f"{code}: {first.message}{more}"


def _plan(
    view: MessageView, infrastructure: str, business: BusinessOutcome | None, reasons: list[str], verb: str
) -> list[str]:
    """The codes to send, following the response patterns; explains each choice.

    ``verb`` is ``sent``, or ``due`` when a forced outcome changes what is actually sent.
    """
    inf, bus = view.flag("InfAckRequested"), view.flag("BusAckRequested")
    codes: list[str] = []
    if inf is True:
        codes.append(infrastructure)
        reasons.append(f"InfAckRequested=true: infrastructure Response {infrastructure} {verb}")
    elif inf is None or bus is None:
        codes.append(infrastructure)
        which = "InfAckRequested" if inf is None else "BusAckRequested"
        reasons.append(
            f"{which} missing or unreadable: infrastructure Response {infrastructure} {verb} anyway "
            "(a receiver that cannot tell the flags responds)"
        )
    else:
        reasons.append(f"InfAckRequested=false: no infrastructure Response (the result was {infrastructure})")
    if view.is_response:
        reasons.append("the message is itself an ITK Response: a Response never gets a business Response")
    elif bus is True and business is None:
        reasons.append(
            f"BusAckRequested=true but the infrastructure level failed ({infrastructure}): "
            "no business Response (nothing follows a negative Response)"
        )
    elif bus is True and business is not None:
        codes.append(business.code)
        reasons.append(f"BusAckRequested=true: business Response {business.code} {verb} ({business.source})")
    elif bus is False:
        reasons.append("BusAckRequested=false: no business Response")
    return codes


def _send(
    view: MessageView | None,
    codes: list[str],
    forced: Outcome,
    settings: ReceiverSettings,
    responder: Responder,
    clock: Clock,
    ids: IdGenerator,
    reasons: list[str],
    issues: list[Issue],
    target: str | None,
) -> tuple[OutgoingResponse, ...]:
    """Build the Responses for ``codes``, applying a forced 'none' or defect."""
    if forced.suppress:
        if codes:
            reasons.append(f"forced outcome 'none' ({forced.source}): no Response is sent")
        return ()
    if forced.defect and codes:
        codes = codes[:1]
        what = "without response.identifier" if forced.defect == "malformed" else "cut in half (not well-formed)"
        reasons.append(
            f"forced outcome '{forced.defect}' ({forced.source}): Response {codes[0]} is sent {what}; nothing follows it"
        )
    responses = []
    delay = settings.delay
    for index, code in enumerate(codes):
        if index:
            delay += settings.second_delay
        built = build_response(
            view,
            code,
            responder,
            clock=clock,
            ids=ids,
            recipient_type=settings.recipient_type,
            full_acknowledgement=settings.full_acknowledgement,
            diagnostics=diagnostics_for(code, issues, forced),
            timestamp=clock.now() + timedelta(seconds=delay),
            defect=_defect(forced.defect),
        )
        responses.append(OutgoingResponse(built, built.to_bytes(settings.syntax), settings.syntax, delay, target))
        if built.level == "business" and built.inf_ack_requested:
            reasons.append(
                f"the business Response {code} asks for an infrastructure Response back (full acknowledgement)"
            )
    return tuple(responses)


def _defect(word: str | None) -> str | None:
    return {"malformed": "missing-identifier", "truncated": "truncated"}.get(word or "")
