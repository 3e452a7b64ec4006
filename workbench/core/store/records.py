"""What the store keeps about a message, what it is asked for, and reading the bytes for it.

:class:`StoredMessage` is one row: a transfer of some bytes (sent, received or imported) with
what was read from them. :func:`describe` reads message bytes (leniently: unreadable bytes get
``readable=False`` and the reader's error, with line and column) and returns the fields the
store indexes: event, MessageHeader id, Bundle id and identifier, sender and receiver, the
patient's NHS number, ``response.identifier`` and response code of a Response, the validation
verdict and predicted Response, and the words the text search finds. :class:`Query` filters
the list (direction, event, state, dates, conversation, text).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from workbench.core.acks.builder import answered_id
from workbench.core.acks.rules import nhs_numbers, party_codes
from workbench.core.codecs import read_bytes
from workbench.core.errors import ReadError
from workbench.core.itk3.view import MessageView, message_view
from workbench.core.tree import ELEMENT, Node
from workbench.core.validation.runner import Validator

Direction = Literal["in", "out"]
#: Transfer states: an outgoing message is ``pending`` (stored, not yet handed over), ``sent``,
#: ``delivered`` (the recipient acknowledged it to MESH) or ``failed``; an incoming one is
#: ``received`` (stored, not yet acknowledged to MESH) then ``acknowledged``; a file read in by
#: hand is ``imported``.
TRANSFER_STATES = ("pending", "sent", "delivered", "failed", "received", "acknowledged", "imported")
_SEARCH_LIMIT = 4000  # characters of message text indexed per message (ids and names come first)


@dataclass(frozen=True, slots=True)
class Description:
    """What :func:`describe` read from message bytes."""

    sha256: str
    size: int
    readable: bool = True
    error: str | None = None
    event: str | None = None
    message_id: str | None = None
    bundle_id: str | None = None
    bundle_identifier: str | None = None
    sender: str | None = None
    receiver: str | None = None
    source_endpoint: str | None = None
    nhs_number: str | None = None
    response_to: str | None = None
    response_code: str | None = None
    quoted_as: str | None = None
    verdict: str | None = None
    predicted: str | None = None
    text: str = ""

    @property
    def is_response(self) -> bool:
        """True for an ITK Response (it quotes the message it answers)."""
        return self.response_to is not None or self.event == "ITK008M"


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """One stored transfer (a row); see the module docstring of :mod:`workbench.core.store`."""

    id: int
    sha256: str
    size: int
    direction: Direction
    transport: str
    kind: str
    state: str
    created_at: str
    mailbox: str | None = None
    peer: str | None = None
    workflow_id: str | None = None
    mesh_message_id: str | None = None
    local_id: str | None = None
    subject: str | None = None
    name: str | None = None
    event: str | None = None
    message_id: str | None = None
    bundle_id: str | None = None
    bundle_identifier: str | None = None
    sender: str | None = None
    receiver: str | None = None
    source_endpoint: str | None = None
    nhs_number: str | None = None
    response_to: str | None = None
    response_code: str | None = None
    quoted_as: str | None = None
    readable: bool = True
    verdict: str | None = None
    predicted: str | None = None
    conversation: str | None = None
    conversation_state: str | None = None
    deadline: str | None = None
    error: str | None = None
    error_kind: str | None = None
    attempts: int = 0
    decision: str | None = None
    accepted: bool | None = None
    documents: str | None = None
    delivery: str | None = None
    sent_at: str | None = None
    received_at: str | None = None
    acknowledged_at: str | None = None
    updated_at: str | None = None

    @property
    def time(self) -> str:
        """When it happened: sent, received, or stored."""
        return (self.sent_at if self.direction == "out" else self.received_at) or self.created_at

    @property
    def is_response(self) -> bool:
        """True for an ITK Response (or an ack-of-ack, itself a Response)."""
        return self.kind in ("response", "ack-of-ack") or self.response_to is not None

    @property
    def decision_data(self) -> dict[str, Any]:
        """The receiver's decision as stored (codes, reasons), or {}."""
        return json.loads(self.decision) if self.decision else {}

    def to_json(self) -> dict[str, Any]:
        """The row as plain data (``messages --format json``)."""
        data = asdict(self)
        data["readable"] = bool(self.readable)
        if self.direction != "out":
            data["conversation_state"] = None
        data["decision"] = self.decision_data or None
        data["documents"] = json.loads(self.documents) if self.documents else None
        data["delivery"] = json.loads(self.delivery) if self.delivery else None
        return data


#: The columns of the messages table, in :class:`StoredMessage` order.
COLUMNS = tuple(f.name for f in fields(StoredMessage))
#: The columns :func:`describe` fills from the bytes (the rest describe the transfer).
DESCRIBED = tuple(f.name for f in fields(Description) if f.name not in ("sha256", "size", "readable", "error", "text"))


@dataclass(frozen=True, slots=True)
class Query:
    """A filter over the stored messages (every field given must match).

    Attributes:
        text: words to search for (ids, NHS numbers, names, codes ...; each word a prefix).
        direction: ``in`` or ``out``.
        event: an event code (``ITK008M`` for Responses).
        state: a transfer state (``failed`` ...) or a conversation state (``complete`` ...).
        since, until: ISO dates or times bounding when it was stored (``until`` inclusive of
            the whole day when a bare date is given).
        conversation: a conversation id.
        mailbox, transport: where it went or came from.
        limit, offset: a page of the listing.
        order: what the listing is sorted by, one of :data:`ORDERS` (None: the order stored,
            newest first); rows that tie keep the order stored.
        ascending: sort ``order`` ascending (else descending).
    """

    text: str | None = None
    direction: str | None = None
    event: str | None = None
    state: str | None = None
    since: str | None = None
    until: str | None = None
    conversation: str | None = None
    mailbox: str | None = None
    transport: str | None = None
    limit: int | None = 1000
    offset: int = 0
    order: str | None = None
    ascending: bool = False

    def __post_init__(self) -> None:
        if self.order is not None and self.order not in ORDERS:
            raise ValueError(f"cannot sort by {self.order!r}; by one of {', '.join(ORDERS)}")


#: What a listing can be sorted by: the columns a user sees (when, direction, what, from, to,
#: workflow, state, conversation, NHS number, MessageHeader id), each as the store computes it.
ORDERS = (
    "when",
    "direction",
    "what",
    "from",
    "to",
    "workflow",
    "state",
    "conversation",
    "nhs_number",
    "message_id",
)


def sha256_of(data: bytes) -> str:
    """The SHA-256 of ``data`` in hex."""
    return hashlib.sha256(data).hexdigest()


def describe(data: bytes, validator: Validator | None = None, name: str | None = None) -> Description:
    """Read message bytes for the store (never raises for unreadable bytes).

    With a validator the verdict (``valid``/``invalid``) and the predicted Response are filled.
    """
    digest = sha256_of(data)
    try:
        document = read_bytes(data)
    except ReadError as exc:
        where = f"{name}: " if name else ""
        return Description(
            digest, len(data), False, f"{where}{exc}", verdict="unreadable", predicted="10009", text=name or ""
        )
    view = message_view(document)
    verdict = predicted = None
    if validator is not None:
        report = validator.validate(document)
        predicted = report.predicted[0]
        verdict = "valid" if not any(i.is_error for i in report.issues) else "invalid"
    numbers = [n.replace(" ", "") for n in nhs_numbers(view)] if view.is_bundle else []
    sender = ",".join(sorted(party_codes(view.sender))) or None
    receiver = ",".join(sorted(party_codes(view.receiver))) or None
    found = Description(
        sha256=digest,
        size=len(data),
        event=view.event_code,
        message_id=view.message_id,
        bundle_id=view.bundle.value_at("id"),
        bundle_identifier=view.bundle.value_at("identifier.value"),
        sender=sender,
        receiver=receiver,
        source_endpoint=view.source_endpoint,
        nhs_number=numbers[0] if numbers else None,
        response_to=view.response_identifier,
        response_code=view.response_codes[0] if view.response_codes else None,
        quoted_as=answered_id(view) if view.header is not None else None,
        verdict=verdict,
        predicted=predicted,
    )
    return _with_text(found, view, name)


def _with_text(found: Description, view: MessageView, name: str | None) -> Description:
    words = [
        found.event,
        view.event_display,
        found.message_id,
        found.bundle_id,
        found.bundle_identifier,
        found.sender,
        found.receiver,
        found.source_endpoint,
        found.response_to,
        found.response_code,
        name,
        found.nhs_number,
    ]
    head = " ".join(w for w in words if w)
    return _replace_text(found, head + " " + _values_text(view.bundle, _SEARCH_LIMIT))


def _replace_text(found: Description, text: str) -> Description:
    values = {f.name: getattr(found, f.name) for f in fields(Description)}
    values["text"] = text.strip()
    return Description(**values)


_SKIP_VALUES = {"data", "div", "content", "system", "url", "reference", "fullUrl", "profile", "lastUpdated"}


def _values_text(root: Node, limit: int) -> str:
    """The message's text values (names, displays, codes), up to ``limit`` characters."""
    parts: list[str] = []
    size = 0
    for node in root.iter():
        if node.kind != ELEMENT or node.value is None or node.name in _SKIP_VALUES:
            continue
        parent = node.parent
        if parent is not None and parent.name in _SKIP_VALUES:
            continue
        value = node.value.strip()
        if not value or len(value) > 200:
            continue
        parts.append(value)
        size += len(value) + 1
        if size >= limit:
            break
    return " ".join(parts)
