"""An in-process transport: mailboxes in memory, optional latency on the injected clock.

Deterministic: with a :class:`~workbench.core.clock.VirtualClock` an envelope sent at
``t`` is available at ``t + latency`` exactly, and items come out of a mailbox in the order
they became available (then the order they were sent).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from workbench.core.clock import Clock, IdGenerator, check_seconds
from workbench.core.transport.base import Delivery, Envelope, TransportError


class LoopbackTransport:
    """Mailboxes in memory; implements :class:`~workbench.core.transport.base.Transport`.

    Attributes:
        latency: seconds between sending and availability.
    """

    def __init__(self, clock: Clock, ids: IdGenerator, latency: float = 0.0) -> None:
        check_seconds(latency, "latency")
        self.clock = clock
        self.ids = ids
        self.latency = latency
        self._boxes: dict[str, list[Delivery]] = {}
        self.sent: list[Delivery] = []

    def send(self, envelope: Envelope) -> Delivery:
        """Accept an envelope; it reaches ``envelope.to_mailbox`` after the latency."""
        if not envelope.to_mailbox:
            raise TransportError("the envelope has no recipient mailbox")
        now = self.clock.now()
        delivery = Delivery(self.ids(), envelope, now, now + timedelta(seconds=self.latency))
        self._boxes.setdefault(envelope.to_mailbox, []).append(delivery)
        self.sent.append(delivery)
        return delivery

    def poll(self, mailbox: str) -> list[str]:
        """Ids of the items available in ``mailbox`` now, in order of availability."""
        now = self.clock.now()
        waiting = [d for d in self._boxes.get(mailbox, []) if d.available_at <= now]
        waiting.sort(key=lambda d: d.available_at)  # stable: same time keeps the send order
        return [d.transport_id for d in waiting]

    def receive(self, mailbox: str, transport_id: str) -> Delivery:
        """Return an available item (it stays in the mailbox until acknowledged)."""
        for delivery in self._boxes.get(mailbox, []):
            if delivery.transport_id == transport_id:
                if delivery.available_at > self.clock.now():
                    raise TransportError(f"{transport_id} has not reached {mailbox} yet")
                return delivery
        raise TransportError(f"no item {transport_id} in mailbox {mailbox}")

    def acknowledge(self, mailbox: str, transport_id: str) -> None:
        """Remove an item from the mailbox."""
        box = self._boxes.get(mailbox, [])
        for index, delivery in enumerate(box):
            if delivery.transport_id == transport_id:
                del box[index]
                return
        raise TransportError(f"no item {transport_id} in mailbox {mailbox}")

    def next_arrival(self) -> datetime | None:
        """When the next item still in transit becomes available, or None."""
        now = self.clock.now()
        pending = [d.available_at for box in self._boxes.values() for d in box if d.available_at > now]
        return min(pending) if pending else None

    def waiting(self, mailbox: str) -> int:
        """How many items (available or in transit) are in ``mailbox``."""
        return len(self._boxes.get(mailbox, []))
