"""The transport interface: send envelope bytes, poll a mailbox, receive, acknowledge.

An :class:`Envelope` carries the message bytes and what a MESH-like transport needs to route
them (FACTS §9): from and to mailbox, WorkflowID, a local id, content type and subject. A
transport accepts an envelope (:meth:`Transport.send`) and later makes it available in the
recipient's mailbox as a :class:`Delivery`; the recipient lists what has arrived
(:meth:`Transport.poll`), downloads it (:meth:`Transport.receive`) and acknowledges it
(:meth:`Transport.acknowledge`), after which it is gone from the mailbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from workbench.core.errors import WorkbenchError

XML_CONTENT_TYPE = "application/fhir+xml"
JSON_CONTENT_TYPE = "application/fhir+json"


class TransportError(WorkbenchError):
    """A transport could not do what was asked (unknown mailbox item, not yet delivered ...)."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """Message bytes with their routing details.

    Attributes:
        data: the message bytes, sent as they are.
        from_mailbox: the sender's mailbox.
        to_mailbox: the recipient's mailbox.
        workflow_id: the MESH WorkflowID (Responses travel on the flow's ``_ACK`` workflow).
        local_id: the sender's own reference for the transfer.
        content_type: the MIME type of ``data``.
        subject: a subject line.
        filename: a file name for the payload (MESH carries one).
    """

    data: bytes
    from_mailbox: str
    to_mailbox: str
    workflow_id: str | None = None
    local_id: str | None = None
    content_type: str = XML_CONTENT_TYPE
    subject: str | None = None
    filename: str | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """An envelope in transit or in a mailbox.

    Attributes:
        transport_id: the transport's id for this transfer.
        envelope: what was sent.
        sent_at: when it was handed to the transport.
        available_at: when it can be received from the recipient's mailbox.
        message_type: ``DATA`` for a message; ``REPORT`` for a transport's report about
            one (MESH sends a report when it could not deliver).
        status: a report's words (why delivery failed), else None.
    """

    transport_id: str
    envelope: Envelope
    sent_at: datetime
    available_at: datetime
    message_type: str = "DATA"
    status: str | None = None


@runtime_checkable
class Transport(Protocol):
    """What every transport offers (loopback, folder, MESH)."""

    def send(self, envelope: Envelope) -> Delivery:
        """Hand an envelope to the transport; return its delivery record."""
        ...

    def poll(self, mailbox: str) -> list[str]:
        """The transport ids waiting in ``mailbox`` now, oldest first."""
        ...

    def receive(self, mailbox: str, transport_id: str) -> Delivery:
        """Download one waiting item (it stays until acknowledged)."""
        ...

    def acknowledge(self, mailbox: str, transport_id: str) -> None:
        """Remove a received item from the mailbox."""
        ...


def content_type_of(data: bytes) -> str:
    """``application/fhir+json`` for JSON bytes, else ``application/fhir+xml``."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return JSON_CONTENT_TYPE if head in (b"{", b"[") else XML_CONTENT_TYPE
