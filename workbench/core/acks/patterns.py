"""The four ITK3 response patterns (FACTS §5.1), run from the sample message.

:func:`run_pattern` builds the sample message with the pattern's flags, sets the receiver's
full-acknowledgement flag as the pattern says, optionally forces any outcome (every response
code, ``none``, ``malformed``, ``truncated``: the negative-code scenarios of
:func:`negative_codes`), and runs the round trip with :func:`~.simulation.run_round_trip`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workbench.core.acks.events import SimulationResult
from workbench.core.acks.sample import sample_message
from workbench.core.acks.settings import ReceiverSettings
from workbench.core.acks.simulation import run_round_trip
from workbench.core.catalogue import ResponseCode, catalogue
from workbench.core.clock import DEFAULT_START, SequentialIds, VirtualClock
from workbench.core.codecs import render
from workbench.core.validation.runner import Validator


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
    Pattern(
        "full",
        "Full Acknowledgement",
        True,
        True,
        True,
        "Infrastructure Response, business Response, and the sender's infrastructure Response to it.",
    ),
    Pattern(
        "technical-and-business",
        "Technical and Business",
        True,
        True,
        False,
        "Infrastructure Response and business Response; the sender does not respond to Responses.",
    ),
    Pattern("technical", "Technical Only", True, False, False, "Exactly one infrastructure Response."),
    Pattern(
        "fire-and-forget", "Fire and Forget", False, False, False, "No Response (unless the flags cannot be read)."
    ),
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
        render(message, "xml"),
        receiver=settings,
        ack_of_ack=ack_of_ack,
        latency=latency,
        timeout=timeout,
        clock=clock,
        ids=ids,
        validator=validator,
    )
