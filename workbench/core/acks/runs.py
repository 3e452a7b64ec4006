"""Round trips the Simulate window runs: the request and the record of what happened.

A :class:`RoundTripRequest` says what to run: one of the four response patterns with the sample
message (optionally forcing an outcome), or a message of the user's own (loaded bytes, or the
sample built with chosen flags), against the receiver settings of the form. :func:`run_request`
runs it on the virtual clock (pure Python, no Qt) and returns a :class:`RoundTrip`: the
:class:`~workbench.core.acks.events.SimulationResult` with what the conversation list and the
diagram show about it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from workbench.core.acks.events import SimulationResult
from workbench.core.acks.patterns import pattern, run_pattern
from workbench.core.acks.rules import party_codes
from workbench.core.acks.sample import sample_message
from workbench.core.acks.settings import ReceiverSettings
from workbench.core.acks.simulation import run_round_trip
from workbench.core.catalogue import catalogue
from workbench.core.clock import DEFAULT_START, SequentialIds, VirtualClock
from workbench.core.codecs import render
from workbench.core.itk3.view import message_view
from workbench.core.tree import Document
from workbench.core.validation.runner import Validator

if TYPE_CHECKING:
    from workbench.core.validation.profiles.registry import ProfileRegistry


@dataclass(frozen=True, slots=True)
class LaneInfo:
    """A lane's header: its name and who it is.

    Attributes:
        name: ``Sender`` or ``Receiver``.
        ods: the organisation's ODS code (or other identifier), if known.
        endpoint: where it sends from or receives at, if known.
        endpoint_kind: what ``endpoint`` is (``source endpoint``, ``MESH mailbox``).
        unknown: what the subtitle says when nothing is known.
    """

    name: str
    ods: str | None = None
    endpoint: str | None = None
    endpoint_kind: str = "endpoint"
    unknown: str = ""

    @property
    def subtitle(self) -> str:
        """``SND01 · SND01OT001`` (what is known of it)."""
        return " · ".join(part for part in (self.ods, self.endpoint) if part) or self.unknown

    @property
    def tooltip(self) -> str:
        """The header in words, nothing elided."""
        lines = [self.name]
        if self.ods:
            lines.append(f"organisation {self.ods}")
        if self.endpoint:
            lines.append(f"{self.endpoint_kind} {self.endpoint}")
        if len(lines) == 1 and self.unknown:
            lines.append(self.unknown)
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class SampleOptions:
    """How to build the sample message.

    Attributes:
        event: the event code (a document event, ``ITK003D`` ...).
        inf_ack, bus_ack: the InfAckRequested / BusAckRequested flags.
        recipient_type: ``FA`` or ``FI``.
    """

    event: str = "ITK003D"
    inf_ack: bool = True
    bus_ack: bool = True
    recipient_type: str = "FA"


@dataclass(frozen=True, slots=True)
class RoundTripRequest:
    """What to run.

    Exactly one of ``pattern``, ``message`` and ``sample`` is set.

    Attributes:
        title: what the run is called in the list and on the diagram.
        receiver: the receiver's settings.
        ack_of_ack: the sender answers business Responses that ask for it.
        latency: seconds each transfer takes.
        timeout: seconds before a conversation still awaiting a Response is overdue.
        pattern: a response pattern key (:data:`~workbench.core.acks.patterns.PATTERNS`).
        force: with a pattern, the outcome to force (a response code, ``none`` ...).
        message: a message to send: bytes, or a document rendered as XML by the worker.
        sample: options to build the sample message to send.
        profiles: gives the profile registry the receiver validates with; called by the worker
            (it may load the profiles). None: the shipped profiles.
    """

    title: str
    receiver: ReceiverSettings
    ack_of_ack: bool = True
    latency: float = 1.0
    timeout: float = 60.0
    pattern: str | None = None
    force: str | None = None
    message: bytes | Document | None = None
    sample: SampleOptions | None = None
    profiles: Callable[[], ProfileRegistry | None] | None = None


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """A finished round trip, as the conversation list and the diagram show it.

    Attributes:
        number: its number in this window (1, 2 ...; the worker gives the request's key, and the
            window numbers the runs that finish).
        title: what it was called (``Full Acknowledgement``, ``Send discharge.xml``).
        flags: the pattern or the flags of the message sent (``InfAck + BusAck``).
        result: what the simulation produced.
        sender, receiver: the lanes' headers.
        started: the wall-clock time it was run.
        seconds: how long the simulation took to compute.
    """

    number: int
    title: str
    flags: str
    result: SimulationResult
    sender: LaneInfo
    receiver: LaneInfo
    started: datetime
    seconds: float


def flags_text(inf_ack: bool | None, bus_ack: bool | None) -> str:
    """The flags in words: ``InfAck + BusAck``, ``InfAck only``, ``no acks requested``."""
    if inf_ack is None or bus_ack is None:
        return "flags unreadable"
    if inf_ack and bus_ack:
        return "InfAck + BusAck"
    if inf_ack:
        return "InfAck only"
    return "BusAck only" if bus_ack else "no acks requested"


def run_request(request: RoundTripRequest, number: int) -> RoundTrip:
    """Run a request to the end on the virtual clock (no Qt; call it from a worker).

    Loading the profiles and rendering a document happen here, off the GUI thread. The message
    is read once, by the simulation; its flags and sender come from what the simulation and the
    receiver found (or from the document, when there is one).

    Raises:
        WorkbenchError: the sample cannot be built, the document cannot be rendered, or the
            settings cannot be used.
        ValueError: likewise.
    """
    started_wall = datetime.now().astimezone()
    started = time.perf_counter()
    seed = f"simulate-{uuid.uuid4()}"
    registry = request.profiles() if request.profiles is not None else None
    validator = Validator(registry) if registry is not None else Validator()
    document: Document | None = None
    if request.pattern is not None:
        chosen = pattern(request.pattern)
        result = run_pattern(
            chosen,
            force=request.force,
            receiver=request.receiver,
            ack_of_ack=request.ack_of_ack,
            latency=request.latency,
            timeout=request.timeout,
            seed=seed,
            validator=validator,
        )
        flags = flags_text(chosen.inf_ack, chosen.bus_ack) + (f", forced {request.force}" if request.force else "")
    else:
        clock = VirtualClock(DEFAULT_START)
        ids = SequentialIds(seed)
        if isinstance(request.message, Document):
            document = request.message
        elif request.message is None:
            options = request.sample or SampleOptions()
            document = sample_message(
                clock=clock,
                ids=ids,
                inf_ack=options.inf_ack,
                bus_ack=options.bus_ack,
                event=options.event,
                recipient_type=options.recipient_type,
            )
        data = render(document, "xml") if document is not None else request.message or b""
        result = run_round_trip(
            data,
            receiver=request.receiver,
            ack_of_ack=request.ack_of_ack,
            latency=request.latency,
            timeout=request.timeout,
            clock=clock,
            ids=ids,
            validator=validator,
        )
        flags = _flags_of(result, document)
    sender = _sender_lane(result, document)
    receiver = LaneInfo("Receiver", request.receiver.ods_code, request.receiver.mailbox, "MESH mailbox")
    seconds = time.perf_counter() - started
    return RoundTrip(number, request.title, flags, result, sender, receiver, started_wall, seconds)


def _flags_of(result: SimulationResult, document: Document | None) -> str:
    """The flags of the message sent, as its document or the receiver's decision has them."""
    if document is not None:
        view = message_view(document)
        return flags_text(view.flag("InfAckRequested"), view.flag("BusAckRequested"))
    decision = result.decisions[0] if result.decisions else None
    if decision is None:  # not decided on (a Response sent as a message): what the tracker expects
        conversation = result.conversation
        return flags_text(conversation.expects_infrastructure, conversation.expects_business)
    if not decision.readable:
        return "flags unreadable"
    return flags_text(decision.inf_ack_requested, decision.bus_ack_requested)


def _sender_lane(result: SimulationResult, document: Document | None) -> LaneInfo:
    """The sender's organisation and source endpoint, without reading the message again.

    From the document sent when there is one; else from the receiver's decision (where it
    replied to) and its first Response (whose receiver names the sender).
    """
    if document is not None:
        view = message_view(document)
        codes = sorted(party_codes(view.sender))
        return LaneInfo(
            "Sender", codes[0] if codes else None, view.source_endpoint, "source endpoint", "sender not named"
        )
    decision = result.decisions[0] if result.decisions else None
    if decision is None:
        return LaneInfo("Sender", unknown="not known")
    if not decision.readable:
        return LaneInfo("Sender", unknown="not known (unreadable)")
    codes: list[str] = []
    if decision.responses:
        codes = sorted(party_codes(message_view(decision.responses[0].response.document).receiver))
    return LaneInfo("Sender", codes[0] if codes else None, decision.reply_to, "source endpoint", "sender not named")


def code_display(code: str | None) -> str:
    """``20013 Success`` for a response code ('' for None; the bare code when unknown)."""
    if not code:
        return ""
    found = catalogue().response(code)
    return f"{code} {found.display}" if found is not None else code
