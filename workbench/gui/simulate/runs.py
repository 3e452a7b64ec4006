"""Round trips the Simulate window runs: the request, the record of what happened, the worker.

A :class:`RoundTripRequest` says what to run: one of the four response patterns with the sample
message (optionally forcing an outcome), or a message of the user's own (loaded bytes, or the
sample built with chosen flags), against the receiver settings of the form. :func:`run_request`
runs it on the virtual clock (pure Python, no Qt) and returns a :class:`RoundTrip`: the
:class:`~workbench.core.acks.events.SimulationResult` with what the conversation list and the
diagram show about it. :class:`RoundTripTask` runs a request on the context's thread pool, since
validating a large message takes a moment.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QObject, QRunnable, Signal

from workbench.core.acks.clock import DEFAULT_START, SequentialIds, VirtualClock
from workbench.core.acks.events import SimulationResult
from workbench.core.acks.patterns import pattern, run_pattern
from workbench.core.acks.rules import party_codes
from workbench.core.acks.sample import sample_message
from workbench.core.acks.settings import ReceiverSettings
from workbench.core.acks.simulation import run_round_trip
from workbench.core.catalogue import catalogue
from workbench.core.errors import ReadError, WorkbenchError
from workbench.core.itk3.view import message_view
from workbench.core.load import read_bytes, render
from workbench.core.validation.runner import Validator

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LaneInfo:
    """A lane's header: its name and who it is.

    Attributes:
        name: ``Sender`` or ``Receiver``.
        ods: the organisation's ODS code, if known.
        mailbox: its MESH mailbox, if known.
    """

    name: str
    ods: str | None = None
    mailbox: str | None = None

    @property
    def subtitle(self) -> str:
        """``SND01 · SND01OT001`` (what is known of it)."""
        return " · ".join(part for part in (self.ods, self.mailbox) if part)


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
        message: the bytes of a message to send.
        sample: options to build the sample message to send.
        registry: the profiles the receiver validates with (None: the shipped ones).
    """

    title: str
    receiver: ReceiverSettings
    ack_of_ack: bool = True
    latency: float = 1.0
    timeout: float = 60.0
    pattern: str | None = None
    force: str | None = None
    message: bytes | None = None
    sample: SampleOptions | None = None
    registry: object | None = None


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """A finished round trip, as the conversation list and the diagram show it.

    Attributes:
        number: its number in this window (1, 2 ...).
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

    Raises:
        WorkbenchError: the sample cannot be built or the settings cannot be used.
        ValueError: likewise.
    """
    started_wall = datetime.now().astimezone()
    started = time.perf_counter()
    seed = f"simulate-{uuid.uuid4()}"
    validator = Validator(request.registry) if request.registry is not None else Validator()
    if request.pattern is not None:
        chosen = pattern(request.pattern)
        result = run_pattern(
            chosen, force=request.force, receiver=request.receiver, ack_of_ack=request.ack_of_ack,
            latency=request.latency, timeout=request.timeout, seed=seed, validator=validator,
        )
        flags = flags_text(chosen.inf_ack, chosen.bus_ack) + (f", forced {request.force}" if request.force else "")
    else:
        clock = VirtualClock(DEFAULT_START)
        ids = SequentialIds(seed)
        if request.message is not None:
            data = request.message
        else:
            options = request.sample or SampleOptions()
            document = sample_message(
                clock=clock, ids=ids, inf_ack=options.inf_ack, bus_ack=options.bus_ack,
                event=options.event, recipient_type=options.recipient_type,
            )
            data = render(document, "xml")
        result = run_round_trip(
            data, receiver=request.receiver, ack_of_ack=request.ack_of_ack, latency=request.latency,
            timeout=request.timeout, clock=clock, ids=ids, validator=validator,
        )
        flags = _flags_of(data)
    sender = _sender_lane(result)
    receiver = LaneInfo("Receiver", request.receiver.ods_code, request.receiver.mailbox)
    seconds = time.perf_counter() - started
    return RoundTrip(number, request.title, flags, result, sender, receiver, started_wall, seconds)


def _flags_of(data: bytes) -> str:
    try:
        view = message_view(read_bytes(data))
    except ReadError:
        return "unreadable message"
    return flags_text(view.flag("InfAckRequested"), view.flag("BusAckRequested"))


def _sender_lane(result: SimulationResult) -> LaneInfo:
    """The sender's ODS code and mailbox, from the first message it sent."""
    first = next((e for e in result.events if e.kind == "message"), None)
    if first is None or not first.data:
        return LaneInfo("Sender")
    try:
        view = message_view(read_bytes(first.data))
    except ReadError:
        return LaneInfo("Sender")
    codes = sorted(party_codes(view.sender))
    return LaneInfo("Sender", codes[0] if codes else None, view.source_endpoint)


def code_display(code: str | None) -> str:
    """``20013 Success`` for a response code ('' for None; the bare code when unknown)."""
    if not code:
        return ""
    found = catalogue().response(code)
    return f"{code} {found.display}" if found is not None else code


class RunSignals(QObject):
    """Signals of one round-trip task; create it on the GUI thread.

    Signals:
        sig_finished(object): the run finished; carries the :class:`RoundTrip`.
        sig_failed(int, str): run number and why it failed, in words.
    """

    sig_finished = Signal(object)
    sig_failed = Signal(int, str)


class RoundTripTask(QRunnable):
    """Run one :class:`RoundTripRequest` on a pool thread.

    Args:
        request: what to run.
        number: the run's number, echoed in the result.
        signals: where to report; created on the GUI thread.
    """

    def __init__(self, request: RoundTripRequest, number: int, signals: RunSignals) -> None:
        super().__init__()
        self.request = request
        self.number = number
        self.signals = signals

    def run(self) -> None:
        """Run the round trip (called on a pool thread)."""
        try:
            trip = run_request(self.request, self.number)
        except (WorkbenchError, ValueError, KeyError) as exc:
            self.signals.sig_failed.emit(self.number, f"{self.request.title}: {exc}")
            return
        except Exception as exc:  # a worker must report every failure, in words, never crash
            log.exception("round trip %s failed", self.request.title)
            self.signals.sig_failed.emit(self.number, f"{self.request.title} failed ({type(exc).__name__}: {exc})")
            return
        self.signals.sig_finished.emit(trip)
