"""A new ITK3 message for an event, and a new ITK Response answering a message.

:func:`new_message` builds the complete, consistent skeleton File › New opens (FACTS §1-§3):
an ITK-Message-Bundle-1 (``type`` message, a fresh ``id`` and a different fresh
``identifier``), the ITK-MessageHeader-2 first with the handling extension and all six keys
(the event's defaults, its MessageDefinition), the sender and (when given) the receiver as
header Organizations (ODS code) or Practitioners (SDS user id), ``source.endpoint`` (the
sender's MESH mailbox) and a ``timestamp`` with its time zone. Every fullUrl is ``urn:uuid:``
and the resource id. What only the user can supply, the payload, is attached afterwards
(:mod:`.payload`), which also points ``focus`` at it; until then validation says the payload
is missing and nothing else.

:func:`new_response` answers a message with a response code the user picks, as a receiver
would (the Response builder of :mod:`workbench.core.acks.builder`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from workbench.core.acks.builder import Responder, build_response
from workbench.core.acks.nodes import (
    coding,
    el,
    entry,
    group,
    handling,
    identifier,
    message_bundle,
    meta,
    reference,
    resource,
    urn,
)
from workbench.core.acks.settings import ReceiverSettings
from workbench.core.catalogue import catalogue
from workbench.core.clock import Clock, IdGenerator, SystemClock, instant, random_ids
from workbench.core.codecs import read_bytes, render
from workbench.core.compose.events import sendable_event, sender_reference_limit
from workbench.core.errors import ReadError, WorkbenchError
from workbench.core.itk3.view import MessageView, message_view
from workbench.core.tree import Document, Node

PartyKind = Literal["ods", "sds"]
#: The MESH sandbox's first mailbox and its ODS code: a new message can go there unchanged.
DEFAULT_SENDER = ("ods", "X26")
DEFAULT_MAILBOX = "X26ABC1"


class ComposeError(WorkbenchError, ValueError):
    """A message cannot be made as asked (unknown event, bad value); the text says why."""


@dataclass(frozen=True, slots=True)
class Party:
    """A sender or receiver: an Organization by ODS code, or a Practitioner by SDS user id."""

    kind: PartyKind
    code: str

    def __post_init__(self) -> None:
        if self.kind not in ("ods", "sds"):
            raise ComposeError(f"a party is named by an ODS code (ods) or an SDS user id (sds), not {self.kind!r}")
        if not self.code.strip() or any(c.isspace() for c in self.code.strip()):
            raise ComposeError(f"{self.code!r} is not an ODS code or SDS user id (it needs characters, no spaces)")

    @property
    def resource_type(self) -> str:
        """``Organization`` or ``Practitioner``."""
        return "Organization" if self.kind == "ods" else "Practitioner"

    @property
    def system(self) -> str:
        """The identifier system: the ODS organisation code or the SDS user id system."""
        urls = catalogue().urls
        return urls.ods_organization_code if self.kind == "ods" else urls.sds_user_id

    @property
    def profile(self) -> str:
        """The ITK header profile of the resource."""
        urls = catalogue().urls
        return urls.header_organization_profile if self.kind == "ods" else urls.header_practitioner_profile

    @property
    def label(self) -> str:
        """``Organization X26 (ODS code)``."""
        return f"{self.resource_type} {self.code} ({'ODS code' if self.kind == 'ods' else 'SDS user id'})"

    def build(self, rid: str) -> Node:
        """The header resource naming this party (id, profile, identifier only)."""
        return resource(
            self.resource_type, el("id", rid), meta(self.profile), identifier(self.system, self.code.strip())
        )


@dataclass(frozen=True, slots=True)
class MessageSpec:
    """What a new message says in its header; ``None`` takes the event's default.

    Attributes:
        event: the event code (``ITK003D``).
        sender, receiver: the parties (no receiver: MESH routes the message).
        mailbox: the sender's MESH mailbox (``source.endpoint``).
        bus_ack, inf_ack, recipient_type: the handling flags and recipient type.
        message_definition: the MessageDefinition URL.
        sender_reference, local_extension: the two string keys (``None`` when not used).
    """

    event: str
    sender: Party = field(default_factory=lambda: Party(*DEFAULT_SENDER))  # type: ignore[arg-type]
    receiver: Party | None = None
    mailbox: str = DEFAULT_MAILBOX
    bus_ack: bool | None = None
    inf_ack: bool | None = None
    recipient_type: str | None = None
    message_definition: str | None = None
    sender_reference: str = "None"
    local_extension: str = "None"


@dataclass(frozen=True, slots=True)
class Built:
    """A message or Response made: its tree and what the user should know about it."""

    document: Document
    notes: tuple[str, ...] = ()


def new_message(
    spec: MessageSpec,
    *,
    clock: Clock | None = None,
    ids: IdGenerator = random_ids,
    syntax: str = "xml",
) -> Built:
    """Build the skeleton of a new message for ``spec.event`` (see the module docstring).

    The tree is read back from its ``syntax`` bytes, so its values have the types that syntax
    gives them and every node knows where it is.

    Raises:
        ComposeError: an unknown or legacy event, ITK008M (answer a message instead), or a
            value a header cannot carry.
    """
    event = sendable_event(spec.event)
    if event is None:
        legacy = catalogue().event(spec.event.strip().upper())
        if legacy is not None and legacy.legacy:
            raise ComposeError(f"{legacy.code} is a legacy event (replaced by ITK008M in 2018) and is never sent")
        raise ComposeError(f"{spec.event!r} is not an ITK3 event the workbench can send (see new --list-events)")
    if event.is_response:
        raise ComposeError(
            "an ITK Response (ITK008M) answers a message: make it with --responds-to MESSAGE --code CODE"
        )
    _check_spec(spec)
    cat = catalogue()
    urls = cat.urls
    notes: list[str] = []
    recipient = cat.recipient_type(spec.recipient_type or event.recipient_type)
    if recipient is None:
        raise ComposeError(f"RecipientType {spec.recipient_type!r} is not FA (For Action) or FI (For Information)")
    definition = (spec.message_definition or event.message_definition).strip()
    if spec.message_definition is None and event.definition.assumed:
        notes.append(
            f"no MessageDefinition is published for {event.code}; the header names {event.definition.name}, "
            "named by the NHS convention: replace it with the one your payload specification gives"
        )
    bus = event.bus_ack if spec.bus_ack is None else spec.bus_ack
    inf = event.inf_ack if spec.inf_ack is None else spec.inf_ack
    bundle_id, bundle_identifier, header_id, sender_id = ids(), ids(), ids(), ids()
    receiver_id = ids() if spec.receiver is not None else None
    handling_spec = handling(
        bus_ack=bus,
        inf_ack=inf,
        recipient_type=recipient,
        message_definition=definition,
        sender_reference=spec.sender_reference,
        local_extension=spec.local_extension,
    )
    header = resource(
        "MessageHeader",
        el("id", header_id),
        meta(urls.message_header_profile),
        handling_spec,
        coding("event", urls.message_event_system, event.code, event.display),
        reference("receiver", urn(receiver_id)) if receiver_id else None,
        reference("sender", urn(sender_id)),
        el("timestamp", instant((clock or SystemClock()).now())),
        group("source", el("endpoint", spec.mailbox.strip())),
    )
    bundle = message_bundle(
        urls.message_bundle_profile,
        urls.uuid_identifier_system,
        bundle_id,
        bundle_identifier,
        entry(header),
        entry(spec.sender.build(sender_id)),
        entry(spec.receiver.build(receiver_id)) if spec.receiver is not None and receiver_id else None,
    )
    notes.append(f"{event.code} carries a {_payload_words(event.payload_kind)}: attach it to complete the message")
    return Built(as_syntax(Document(bundle, "xml"), syntax), tuple(notes))


def _check_spec(spec: MessageSpec) -> None:
    limit = sender_reference_limit()
    for name, value in (("SenderReference", spec.sender_reference), ("LocalExtension", spec.local_extension)):
        if not value.strip():
            raise ComposeError(f"{name} cannot be empty: use 'None' when it is not used")
    if len(spec.sender_reference) > limit:
        raise ComposeError(f"SenderReference has {len(spec.sender_reference)} characters; the most is {limit}")
    if not spec.mailbox.strip() or any(c.isspace() for c in spec.mailbox.strip()):
        raise ComposeError(f"{spec.mailbox!r} is not a MESH mailbox id (it needs characters, no spaces)")
    prefix = catalogue().urls.message_definition_prefix
    if spec.message_definition is not None and not spec.message_definition.strip().startswith(("https://", "http://")):
        raise ComposeError(f"{spec.message_definition!r} is not a MessageDefinition URL (they start {prefix})")


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _payload_words(kind: str) -> str:
    return {
        "document": "FHIR document (a Bundle of type document)",
        "collection": "payload Bundle (a document or a collection of resources)",
        "message": "payload of FHIR resources placed in the message Bundle",
    }.get(kind, "payload")


def as_syntax(document: Document, syntax: str) -> Document:
    """``document`` written as ``syntax`` and read back (values typed, positions known)."""
    if syntax not in ("xml", "json"):
        raise ComposeError(f"unknown syntax {syntax!r}: use xml or json")
    return read_bytes(render(document, syntax), syntax=syntax)


def new_response(
    original: bytes | Document | None,
    code: str,
    *,
    responder: Responder | None = None,
    recipient_type: str = "FI",
    clock: Clock | None = None,
    ids: IdGenerator = random_ids,
    syntax: str = "xml",
) -> Built:
    """The ITK Response (ITK008M) a receiver would send for ``original`` with ``code``.

    Args:
        original: the message answered (bytes, or its tree); unreadable bytes or None are
            answered as unreadable (``response.identifier`` UNREADABLE-IN-ORIGINAL-MESSAGE).
        code: a live ITK-ResponseCodes-1 code.
        responder: who answers; default the message's header receiver (its ODS code) at the
            default receiver's mailbox, else the default receiver.
        recipient_type: the Response's RecipientType (FI, as the NHS harness, or FA).

    Raises:
        ComposeError: an unknown or retired code, or a recipient type that is not FA or FI.
    """
    cat = catalogue()
    found = cat.response(code.strip())
    if found is None:
        retired = cat.retired_response(code.strip())
        if retired is not None:
            raise ComposeError(f"{retired.code} {retired.display} is retired and never sent: {retired.note}")
        raise ComposeError(f"{code!r} is not a live ITK response code")
    notes: list[str] = []
    view: MessageView | None = None
    if isinstance(original, Document):
        view = message_view(original)
    elif original is not None:
        try:
            view = message_view(read_bytes(original))
        except ReadError as exc:
            notes.append(f"the message cannot be read ({exc.message}): the Response quotes {cat.unreadable_message_id}")
    else:
        notes.append(f"no message to answer: the Response quotes {cat.unreadable_message_id}")
    if view is not None:
        notes.extend(_response_notes(view, found.code, found.is_business))
    who = responder or _default_responder(view)
    try:
        built = build_response(
            view, found.code, who, clock=clock or SystemClock(), ids=ids, recipient_type=recipient_type
        )
    except ValueError as exc:
        raise ComposeError(str(exc)) from None
    return Built(as_syntax(built.document, syntax), tuple(notes))


def _default_responder(view: MessageView | None) -> Responder:
    settings = ReceiverSettings()
    party = view.receiver if view is not None else None
    if party is not None and party.resource is not None and party.resource.name == "Organization":
        urls = catalogue().urls
        for ident in party.resource.children_named("identifier"):
            system, value = ident.value_at("system"), (ident.value_at("value") or "").strip()
            if value and system in (urls.ods_organization_code, urls.ods_site_code):
                return Responder(value, settings.mailbox, site=system == urls.ods_site_code)
    return Responder(settings.ods_code, settings.mailbox)


def _response_notes(view: MessageView, code: str, business: bool) -> list[str]:
    notes = []
    if not view.is_message:
        notes.append("the file answered is not an ITK3 message (no MessageHeader first)")
    elif view.is_response and business:
        notes.append("the message answered is itself an ITK Response: a Response never gets a business Response")
    elif business and view.flag("BusAckRequested") is False:
        notes.append(f"the message did not ask for a business Response (BusAckRequested=false), yet {code} is one")
    elif not business and view.flag("InfAckRequested") is False and code == "20013":
        notes.append("the message did not ask for an infrastructure Response (InfAckRequested=false)")
    return notes
