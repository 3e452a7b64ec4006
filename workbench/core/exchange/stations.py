"""Several mailboxes of one workbench over one store: the user's, and the auto-responder's.

The desktop application sends from the user's mailbox and, on a local MESH, also answers as the
receiver on another mailbox, keeping both sides in one store (each mailbox's rows are its side
of a conversation). :class:`Stations` holds one :class:`~.agent.Exchange` per mailbox:

* :meth:`Stations.send` sends from the user's mailbox (the first station);
* :meth:`Stations.cycle` polls every mailbox (answering where the station auto-responds), and
  again while something arrived, so that a message, its Responses and the sender's
  acknowledgement of a business Response all go round in one call;
* :meth:`Stations.retry` and :meth:`Stations.retry_due` send again what failed, each row from
  the mailbox that sent it (never twice: the exchange asks MESH for its local id first).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from workbench.core.acks.settings import ReceiverSettings
from workbench.core.clock import Clock, IdGenerator
from workbench.core.exchange.agent import Exchange, Outcome
from workbench.core.exchange.settings import MeshSettings
from workbench.core.store import MessageStore, StoredMessage
from workbench.core.transport.mesh import MeshConnection, MeshTransport
from workbench.core.validation.runner import Validator

#: Polls of every mailbox at most, in one cycle.
MAX_PASSES = 4


@dataclass(frozen=True, slots=True)
class Station:
    """A mailbox the workbench works on.

    Attributes:
        connection: where and who.
        auto_respond: answer what arrives there as the receiver would.
    """

    connection: MeshConnection
    auto_respond: bool = False

    @property
    def mailbox(self) -> str:
        """The mailbox id."""
        return self.connection.mailbox


@dataclass
class CycleResult:
    """What one cycle did, over every mailbox.

    Attributes:
        received: rows stored for what arrived, per mailbox in arrival order.
        outgoing: the Responses and acknowledgements sent (or failed) because of them.
        errors: what went wrong, each naming the mailbox.
        reports: MESH's reports about messages sent (undeliverable ...).
        passes: how many times every mailbox was polled.
    """

    received: list[StoredMessage] = field(default_factory=list)
    outgoing: list[Outcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    passes: int = 0


class Stations:
    """The user's mailbox (first) and the others the workbench answers on, over one store.

    Args:
        store: where every message goes.
        stations: the mailboxes; the first is the user's (sends go from it).
        settings: workflows per event, timeouts, where Responses go.
        receiver: the auto-responder's receiver settings.
        validator: validates what is stored and what the auto-responder decides on.
    """

    def __init__(
        self,
        store: MessageStore,
        stations: Sequence[Station],
        settings: MeshSettings | None = None,
        *,
        receiver: ReceiverSettings | None = None,
        validator: Validator | None = None,
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
    ) -> None:
        if not stations:
            raise ValueError("at least one mailbox is needed")
        self.store = store
        self.stations = tuple(stations)
        self.settings = settings or MeshSettings()
        self.transports = [MeshTransport(s.connection) for s in self.stations]
        validator = validator or Validator()
        options: dict[str, object] = {"receiver": receiver, "validator": validator}
        if clock is not None:
            options["clock"] = clock
        if ids is not None:
            options["ids"] = ids
        self.exchanges = [
            Exchange(store, transport, self.settings, **options)  # type: ignore[arg-type]
            for transport in self.transports
        ]

    @property
    def mailboxes(self) -> tuple[str, ...]:
        """The mailboxes, the user's first."""
        return tuple(s.mailbox for s in self.stations)

    def exchange(self, mailbox: str | None = None) -> Exchange:
        """The exchange of a mailbox (the user's when None).

        Raises:
            KeyError: no station has this mailbox.
        """
        if mailbox is None:
            return self.exchanges[0]
        for station, exchange in zip(self.stations, self.exchanges, strict=True):
            if station.mailbox == mailbox:
                return exchange
        raise KeyError(mailbox)

    def close(self) -> None:
        """Close the HTTP sessions."""
        for transport in self.transports:
            transport.close()

    def send(self, data: bytes, to: str, *, workflow: str | None = None, name: str | None = None) -> Outcome:
        """Store and send a message from the user's mailbox (see :meth:`Exchange.send`)."""
        return self.exchanges[0].send(data, to, workflow=workflow, name=name)

    def cycle(self, max_passes: int = MAX_PASSES) -> CycleResult:
        """Poll every mailbox (auto-responding where asked), again while anything arrived."""
        result = CycleResult()
        for _ in range(max(1, max_passes)):
            result.passes += 1
            arrived = 0
            failed = False
            for station, exchange in zip(self.stations, self.exchanges, strict=True):
                polled = exchange.poll(auto_respond=station.auto_respond)
                arrived += len(polled.received)
                result.received.extend(polled.received)
                result.outgoing.extend(polled.outgoing)
                result.reports.extend(polled.reports)
                result.errors.extend(polled.errors)
                failed = failed or bool(polled.errors)
            if not arrived or failed:
                break
        return result

    def retry(self, row_ids: Iterable[int] | None = None) -> list[Outcome]:
        """Send again what failed or waits (every mailbox's, or the rows named), each from its mailbox.

        A row sent from a mailbox no station has goes from the user's mailbox only when no
        mailbox ever accepted it (the mailbox or its credentials were wrong); otherwise it is
        left, with a note.
        """
        if row_ids is None:
            row_ids = [row.id for row in self.store.outstanding()]
        outcomes = []
        for row_id in row_ids:
            row = self.store.get(row_id)
            if row is None:
                continue
            exchange = self._sender_of(row)
            if exchange is None:
                outcomes.append(Outcome(row, False, f"sent from mailbox {row.mailbox}, which is not in use now"))
                continue
            outcomes.extend(exchange.retry([row_id]))
        return outcomes

    def retry_due(self, base: float = 10.0, cap: float = 900.0) -> list[Outcome]:
        """Send again, each from its mailbox, what failed and whose back-off has passed."""
        outcomes: list[Outcome] = []
        for exchange in self.exchanges:
            for row_id in exchange.retry_due(base, cap):
                row = self.store.get(row_id)
                if row is not None and self._sender_of(row) is exchange:  # once, from one mailbox
                    outcomes.extend(exchange.retry([row_id]))
        return outcomes

    def outstanding(self) -> int:
        """How many rows wait to be sent again, over every mailbox."""
        rows = self.store.outstanding()
        return sum(1 for row in rows if self._sender_of(row) is not None)

    def _sender_of(self, row: StoredMessage) -> Exchange | None:
        for station, exchange in zip(self.stations, self.exchanges, strict=True):
            if row.mailbox == station.mailbox:
                return exchange
        if row.kind == "message" and row.error_kind in ("credentials", "unknown-mailbox"):
            return self.exchanges[0]
        return None


__all__ = ["MAX_PASSES", "CycleResult", "Station", "Stations"]
