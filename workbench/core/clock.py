"""Clocks and id generators, injected so that Responses and simulations are deterministic.

Nothing in :mod:`workbench.core.acks` reads the system time or makes a random id by itself: a
:class:`Clock` and an :data:`IdGenerator` are passed in. The GUI and the CLI use
:class:`SystemClock` and :func:`random_ids`; tests and the simulator use :class:`VirtualClock`
and :class:`SequentialIds`, so the same inputs always give the same bytes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

#: A function returning a fresh UUID string each call.
IdGenerator = Callable[[], str]

#: Where a virtual clock starts unless told otherwise (a fixed, recognisable instant).
DEFAULT_START = datetime(2024, 1, 15, 9, 0, 0, tzinfo=UTC)

#: The longest delay, latency or timeout the simulator takes: a year of virtual time.
MAX_SECONDS = 366 * 24 * 3600.0


def check_seconds(value: float, what: str, *, positive: bool = False) -> float:
    """``value`` when it is a usable number of virtual seconds; ValueError naming ``what`` when not.

    Infinity, NaN and values past :data:`MAX_SECONDS` would overflow the clock's datetimes.
    """
    low = "more than 0" if positive else "0 or more"
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{what} must be a number of seconds, {low}") from None
    if number != number or number < 0 or (positive and number == 0) or number > MAX_SECONDS:
        raise ValueError(f"{what} must be a number of seconds, {low} and at most {MAX_SECONDS:,.0f} (a year)")
    return number


class Clock(Protocol):
    """Anything that tells the current time as a time-zone-aware datetime."""

    def now(self) -> datetime:
        """The current time (aware)."""
        ...


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        """The current time (UTC)."""
        return datetime.now(UTC)


class VirtualClock:
    """A clock that moves only when told to (the simulator's time).

    Attributes:
        start: the instant the clock started at.
    """

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        if start.tzinfo is None:
            raise ValueError("a virtual clock needs a time-zone-aware start")
        self.start = start
        self._now = start

    def now(self) -> datetime:
        """The current virtual time."""
        return self._now

    @property
    def elapsed(self) -> float:
        """Seconds since the start."""
        return (self._now - self.start).total_seconds()

    def advance(self, seconds: float) -> datetime:
        """Move forward by ``seconds`` (never backwards); return the new time."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._now += timedelta(seconds=seconds)
        return self._now

    def advance_to(self, when: datetime) -> datetime:
        """Move forward to ``when`` (a time already passed leaves the clock where it is)."""
        self._now = max(self._now, when)
        return self._now


class SequentialIds:
    """Deterministic UUIDs: the n-th call gives the same id for the same seed.

    The ids are RFC 4122 name-based UUIDs (version 5) of ``<seed>-<n>``, so they look and
    validate like any other UUID while staying reproducible.
    """

    _NAMESPACE = uuid.UUID("6f1a4c2e-8d3b-4e5f-9a7c-0b1d2e3f4a5b")

    def __init__(self, seed: str = "itk-workbench") -> None:
        self.seed = seed
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        return str(uuid.uuid5(self._NAMESPACE, f"{self.seed}-{self.count}"))


def random_ids() -> str:
    """A fresh random UUID (version 4): the generator for real use."""
    return str(uuid.uuid4())


def instant(when: datetime) -> str:
    """A FHIR ``instant`` for an aware datetime: seconds, or milliseconds when it has them."""
    if when.tzinfo is None:
        raise ValueError("a FHIR instant needs a time zone")
    spec = "milliseconds" if when.microsecond else "seconds"
    return when.isoformat(timespec=spec)
