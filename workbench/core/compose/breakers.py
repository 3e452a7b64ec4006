"""How each negative code is caused: one small, named change to a copy of an accepted message.

Every breaker takes the copy's tree (changed in place), its ITK3 view and the receiver's
settings, and returns a :class:`Change`: what was changed, in words, and, for a code that
depends on what the receiver knows, the receiver settings it needs. :data:`BREAKERS` maps each
code to its breaker; :mod:`.negative` runs them and checks the receiver's answer.

The changes are the faults real traffic shows: a handling key missing or of the wrong type, an
unknown RecipientType, the generic MessageDefinition, an over-long SenderReference, the
definition of another event, the header without its source, an attachment of a type no one
approves, a message past the size limit, a document without its identifier; by the receiver's
settings, unknown or unauthorised senders, recipients it does not serve (named in the header or,
in the document's Composition, as its information recipients), a MessageDefinition version it
does not support and a replacement of a document it never had; duplicates by a second send.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

from workbench.core.acks.nodes import el, group, identifier, meta, reference, resource, urn
from workbench.core.acks.rules import party_codes, supported_definitions
from workbench.core.acks.settings import ReceiverSettings
from workbench.core.catalogue import catalogue, definition_name, definition_stem
from workbench.core.clock import IdGenerator
from workbench.core.compose.children import put_in_order
from workbench.core.compose.events import sendable_events, sender_reference_limit
from workbench.core.compose.form import HeaderForm
from workbench.core.compose.skeleton import ComposeError, Party
from workbench.core.edits import EditableDocument
from workbench.core.itk3.documents import replacements
from workbench.core.itk3.view import MessageView
from workbench.core.tree import Document, Node

#: A type no receiver approves (a Windows executable).
UNAPPROVED_TYPE = "application/x-msdownload"
#: Codes the receiver's lists are given (none of them a real organisation or person).
KNOWN_SENDER = "KNOWN01"
UNKNOWN_ODS = "ZZ999"
KNOWN_ODS = "ZZ998"
UNKNOWN_SDS = "000000000002"
KNOWN_SDS = "000000000001"


class BreakError(ComposeError):
    """A negative test that cannot be made from this message; the text says why."""


@dataclass(frozen=True, slots=True)
class Change:
    """What a breaker did.

    Attributes:
        note: the change, in words.
        settings: the receiver settings the code needs, when it depends on them (else None).
        cut: for 10009, the bytes are cut to this fraction of their length after writing.
        sends: 2 when the code needs a second send (duplicates).
        first: for 20008, the message to send first (the original), else None.
    """

    note: str
    settings: ReceiverSettings | None = None
    cut: float | None = None
    sends: int = 1
    first: bool = False


Breaker = Callable[[Document, MessageView, ReceiverSettings, IdGenerator], Change]


def _key(view: MessageView, key: str) -> Node:
    found = view.handling.get(key)
    if found is None:
        raise BreakError(f"the message has no {key} handling key to change")
    return found.node


def _replace_value(key: Node, element: str, value: str) -> None:
    for child in [c for c in key.children if c.name.startswith("value")]:
        key.children.remove(child)
    key.append(Node(element, value=value))


def _set_reference(key: Node, url: str) -> None:
    for child in [c for c in key.children if c.name.startswith("value")]:
        key.children.remove(child)
    holder = Node("valueReference")
    holder.append(Node("reference", value=url))
    key.append(holder)


def ask_infrastructure(view: MessageView) -> str | None:
    """Make InfAckRequested true (so the receiver answers at all); say so when it was not."""
    if view.flag("InfAckRequested") is True:
        return None
    _replace_value(_key(view, "InfAckRequested"), "valueBoolean", "true")
    return "InfAckRequested set to true, so that the receiver sends its infrastructure Response"


def _10001(document: Document, view: MessageView, settings: ReceiverSettings, ids: IdGenerator) -> Change:
    key = _key(view, "LocalExtension")
    assert key.parent is not None
    key.parent.children.remove(key)
    return Change(
        "removed the LocalExtension handling key: all six keys are mandatory, and LocalExtension has no code "
        "of its own, so a receiver answers the generic 10001"
    )


def _flag(key: str) -> Breaker:
    def breaker(document: Document, view: MessageView, settings: ReceiverSettings, ids: IdGenerator) -> Change:
        _replace_value(_key(view, key), "valueString", "yes")
        return Change(f"{key} carries valueString 'yes' instead of a valueBoolean, so it cannot be read")

    return breaker


def _10010(document: Document, view: MessageView, settings: ReceiverSettings, ids: IdGenerator) -> Change:
    coding = _key(view, "RecipientType").child("valueCoding")
    code = coding.child("code") if coding is not None else None
    if code is None:
        raise BreakError("the RecipientType key has no valueCoding code to change")
    was = code.value
    code.value = "XX"
    return Change(f"RecipientType code changed from {was} to XX, which is neither FA nor FI")


def _10004(document: Document, view: MessageView, settings: ReceiverSettings, ids: IdGenerator) -> Change:
    generic = f"{catalogue().urls.message_definition_prefix}ITK-SendPayload-MessageDefinition-1"
    _set_reference(_key(view, "MessageDefinition"), generic)
    return Change(
        "MessageDefinition set to ITK-SendPayload-MessageDefinition-1, the generic definition that names no "
        "message type a receiver could accept"
    )


def _10005(document: Document, view: MessageView, settings: ReceiverSettings, ids: IdGenerator) -> Change:
    url = (view.value("MessageDefinition") or "").strip()
    if not url:
        raise BreakError("the message has no MessageDefinition to change")
    name, stem = definition_name(url), definition_stem(url)
    known = [definition_name(m.url) for m in catalogue().message_definitions if definition_stem(m.url) == stem]
    numbers = [int(n) for n in (x.rpartition("-")[2] for x in (*known, name)) if n.isdigit()]
    unsupported = f"{stem}-{max(numbers, default=1) + 1}"
    _set_reference(_key(view, "MessageDefinition"), url[: len(url) - len(name)] + unsupported)
    note = f"MessageDefinition changed from {name} to {unsupported}, another version of the same message type"
    if name in supported_definitions(settings):
        return Change(f"{note}, which the receiver does not support")
    return Change(
        f"{note}; the receiver settings support only {name}",
        settings=settings.changed(supported_message_definitions=(url,)),
    )


def _10007(document: Document, view: MessageView, settings: ReceiverSettings, ids: IdGenerator) -> Change:
    limit = sender_reference_limit()
    _replace_value(_key(view, "SenderReference"), "valueString", "R" * (limit + 1))
    return Change(f"SenderReference made {limit + 1} characters long; the most is {limit}")


def _10008(document: Document, view: MessageView, settings: ReceiverSettings, ids: IdGenerator) -> Change:
    if view.is_response:
        _replace_value(_key(view, "BusAckRequested"), "valueBoolean", "true")
        return Change("BusAckRequested set to true on an ITK Response, which must never ask for a business Response")
    other = next(
        e for e in sendable_events() if e.code != view.event_code and not e.is_response and not e.definition.assumed
    )
    _set_reference(_key(view, "MessageDefinition"), other.message_definition)
    return Change(
        f"MessageDefinition set to {other.definition.name}, the definition of {other.code}, not of "
        f"{view.event_code}: the handling specification contradicts the payload specification"
    )


def _10009(document: Document, view: MessageView, settings: ReceiverSettings, ids: IdGenerator) -> Change:
    return Change(
        "the last third of the bytes removed (the message stops mid-element), so it cannot be read", cut=2 / 3
    )


def _20006(document: Document, view: MessageView, settings: ReceiverSettings, ids: IdGenerator) -> Change:
    header = view.header
    assert header is not None
    source = header.child("source")
    if source is None:
        raise BreakError("the MessageHeader has no source to remove")
    header.children.remove(source)
    return Change("removed MessageHeader.source (the sender's MESH mailbox), which the ITK header requires")


def _binary(ids: IdGenerator, content_type: str, data: bytes) -> tuple[Node, str]:
    rid = ids()
    binary = resource(
        "Binary",
        el("id", rid),
        meta(catalogue().urls.attachment_binary_profile),
        el("contentType", content_type),
        el("content", base64.b64encode(data).decode("ascii")),
    )
    return group("entry", el("fullUrl", urn(rid)), group("resource", binary)), rid


def _add_attachment(view: MessageView, ids: IdGenerator, content_type: str, data: bytes) -> str:
    """Add a Binary to the payload Bundle (or the message Bundle); return where, in words."""
    target = view.payload if view.payload is not None and view.payload.name == "Bundle" else view.bundle
    entry, _ = _binary(ids, content_type, data)
    target.append(entry)
    return "the document" if target is not view.bundle else "the message Bundle"


def _20004(document: Document, view: MessageView, settings: ReceiverSettings, ids: IdGenerator) -> Change:
    for attachment in view.attachments:
        holder = attachment.node.child("contentType")
        if holder is not None:
            was = holder.value
            holder.value = UNAPPROVED_TYPE
            return Change(
                f"the attachment's contentType changed from {was} to {UNAPPROVED_TYPE}, which is not approved"
            )
    where = _add_attachment(view, ids, UNAPPROVED_TYPE, b"MZ\x90\x00 ITK3 workbench negative test")
    return Change(f"added a Binary of type {UNAPPROVED_TYPE} (not an approved attachment type) to {where}")


def _approved(settings: ReceiverSettings) -> str:
    return "text/plain" if "text/plain" in settings.approved else settings.approved[0]


def _20005(document: Document, view: MessageView, settings: ReceiverSettings, ids: IdGenerator) -> Change:
    found = next(
        (a for a in view.attachments if (a.content_type or "").split(";")[0].strip().lower() in settings.approved), None
    )
    notes = []
    if found is not None:
        kind = (found.content_type or "").split(";")[0].strip().lower()
    else:
        kind = _approved(settings)
        where = _add_attachment(view, ids, kind, b"ITK3 workbench negative test attachment\n")
        notes.append(f"added a {kind} Binary to {where}")
    supported = settings.supported_content_types
    if supported and kind not in {s.lower() for s in supported}:
        return Change("; ".join([*notes, f"the receiver does not support {kind}"]))
    others = tuple(t for t in settings.approved if t != kind)
    needed = settings.changed(supported_content_types=others)
    notes.append(f"the receiver settings support every approved type but {kind}")
    return Change("; ".join(notes), settings=needed)


def _20015(document: Document, view: MessageView, settings: ReceiverSettings, ids: IdGenerator) -> Change:
    kind = _approved(settings)
    line = b"ITK3 workbench negative test: this attachment makes the message too large.\n"
    data = (line * (settings.size_limit // len(line) + 2))[: settings.size_limit + 1]
    where = _add_attachment(view, ids, kind, data)
    return Change(
        f"added a {kind} Binary of {len(data)} bytes, past the receiver's limit of {settings.size_limit}, to {where}"
    )


def _20009(document: Document, view: MessageView, settings: ReceiverSettings, ids: IdGenerator) -> Change:
    payload = view.payload
    if view.is_response or payload is None:
        raise BreakError("the message has no payload to break")
    if payload.name == "Bundle" and payload.value_at("type") == "document" and payload.child("identifier") is not None:
        payload.children.remove(payload.child("identifier"))  # type: ignore[arg-type]
        return Change("removed the document Bundle's identifier, which every FHIR document must have (bdl-9)")
    rid = payload.child("id")
    if rid is None:
        raise BreakError("the payload has no id to break")
    was = rid.value
    rid.value = "not a valid id!"
    return Change(f"the payload {payload.name}'s id changed from {was} to 'not a valid id!', which FHIR ids cannot be")


def _sender_code(view: MessageView) -> str:
    codes = sorted(party_codes(view.sender))
    if not codes:
        raise BreakError("the message's sender has no ODS code or SDS user id a receiver could know")
    return codes[0]


def _20003(document: Document, view: MessageView, settings: ReceiverSettings, ids: IdGenerator) -> Change:
    code = _sender_code(view)
    if settings.known_senders:
        party = _sender_party(view, "ZZ997" if "ZZ997" not in settings.known_senders else UNKNOWN_ODS)
        _apply(document, "sender", party, ids)
        return Change(f"the sender changed from {code} to {party.code}, which the receiver does not know")
    known = KNOWN_SENDER if code != KNOWN_SENDER else f"{KNOWN_SENDER}X"
    return Change(
        f"the receiver settings know only the sender {known}, not the message's sender {code}",
        settings=settings.changed(known_senders=(known,)),
    )


def _20012(document: Document, view: MessageView, settings: ReceiverSettings, ids: IdGenerator) -> Change:
    code = _sender_code(view)
    return Change(
        f"the receiver settings list the message's sender {code} as unauthorised",
        settings=settings.changed(unauthorised_senders=(*settings.unauthorised_senders, code)),
    )


def _sender_party(view: MessageView, code: str) -> Party:
    resource_node = view.sender.resource if view.sender is not None else None
    return Party("sds" if resource_node is not None and resource_node.name == "Practitioner" else "ods", code)


def _apply(document: Document, field: str, value: object, ids: IdGenerator) -> None:
    edit = HeaderForm(document, ids=ids).edit(field, value)
    if edit is not None:
        EditableDocument(document).apply(edit)


@dataclass(frozen=True, slots=True)
class _Recipients:
    """A kind of recipient (``sds``: a person, ``ods``: an organisation) as the breakers need it.

    Attributes:
        resource: the resource naming one (``Practitioner``, ``Organization``).
        listed: the receiver setting listing those it serves.
        unknown, known: a code the receiver is not given, and one it is.
        what: ``person`` or ``organisation``.
        system: the identifier system of the codes.
    """

    resource: str
    listed: str
    unknown: str
    known: str
    what: str
    system: str

    @classmethod
    def of(cls, kind: str) -> _Recipients:
        urls = catalogue().urls
        if kind == "sds":
            return cls("Practitioner", "known_recipient_persons", UNKNOWN_SDS, KNOWN_SDS, "person", urls.sds_user_id)
        return cls(
            "Organization",
            "known_recipient_organisations",
            UNKNOWN_ODS,
            KNOWN_ODS,
            "organisation",
            urls.ods_organization_code,
        )


def _recipient(kind: str) -> Breaker:
    """20001 (a person) or 20002 (an organisation) named as header recipient, unknown here."""
    who = _Recipients.of(kind)

    def breaker(document: Document, view: MessageView, settings: ReceiverSettings, ids: IdGenerator) -> Change:
        current = view.receiver.resource if view.receiver is not None else None
        codes = party_codes(view.receiver)
        lists: tuple[str, ...] = getattr(settings, who.listed)
        notes = []
        if current is None or current.name != who.resource or not codes or lists:
            _apply(document, "receiver", Party(kind, who.unknown), ids)  # type: ignore[arg-type]
            notes.append(f"the header recipient is now the {who.what} {who.unknown}")
            codes = {who.unknown}
        if lists and not codes & set(lists):
            return Change(f"{notes[0]}, which the receiver does not serve")
        needed = settings.changed(**{who.listed: (who.known,)})
        notes.append(f"the receiver settings serve only the {who.what} {who.known}")
        return Change("; ".join(notes), settings=needed)

    return breaker


def _payload_recipient(kind: str) -> Breaker:
    """20010 (an organisation) or 20011 (a person) the document names as its recipient, unknown here."""
    who = _Recipients.of(kind)
    organisation = kind == "ods"

    def breaker(document: Document, view: MessageView, settings: ReceiverSettings, ids: IdGenerator) -> Change:
        composition, payload = view.composition, view.payload
        if composition is None or payload is None:
            raise BreakError("the message carries no FHIR document whose Composition could name a recipient")
        lists: tuple[str, ...] = getattr(settings, who.listed)
        code = who.unknown if who.unknown not in lists else f"{who.unknown}9"
        rid = ids()
        name = (
            el("name", "Unknown recipient (negative test)")
            if organisation
            else group("name", el("family", "Unknown"), el("given", "Recipient"))
        )
        added = resource(who.resource, el("id", rid), identifier(who.system, code), name)
        payload.append(group("entry", el("fullUrl", urn(rid)), group("resource", added)))
        extension_url = catalogue().urls.information_recipient_extension
        named = el("extension", None, reference("valueReference", urn(rid)), url=extension_url)
        put_in_order(composition, "Composition", named)
        note = f"the document's Composition names the {who.what} {code} as a recipient (Extension-ITK-InformationRecipient-1)"
        if lists:
            return Change(f"{note}, which the receiver does not serve")
        header = view.receiver.resource if view.receiver is not None else None
        served = tuple(sorted(party_codes(view.receiver))) if header is not None and header.name == who.resource else ()
        why = " (the header recipient)" if served else ""
        served = served or (who.known,)
        return Change(
            f"{note}; the receiver settings serve only the {who.what} {', '.join(served)}{why}",
            settings=settings.changed(**{who.listed: served}),
        )

    return breaker


def _20014(document: Document, view: MessageView, settings: ReceiverSettings, ids: IdGenerator) -> Change:
    composition = view.composition
    if composition is None:
        raise BreakError("the message carries no FHIR document that could replace another")
    existing = next((r.target for r in replacements(view) if r.target), None)
    if existing is not None:
        note = f"nothing changed in the message: its document already replaces {existing}"
    else:
        original = ids()
        put_in_order(
            composition,
            "Composition",
            group(
                "relatesTo",
                el("code", "replaces"),
                group("targetIdentifier", el("system", catalogue().urls.uuid_identifier_system), el("value", original)),
            ),
        )
        note = f"the document's Composition now replaces the document {original} (relatesTo replaces)"
    note += ", which the receiver never received"
    if settings.replacements_need_original:
        return Change(note)
    return Change(
        f"{note}; the receiver settings process a replacement only when they hold the document it replaces",
        settings=settings.changed(replacements_need_original=True),
    )


def _20007(document: Document, view: MessageView, settings: ReceiverSettings, ids: IdGenerator) -> Change:
    return Change(
        "nothing changed: send this message twice (itk-workbench ack COPY COPY); the receiver accepts the first "
        "and answers the second 20007 (the same MessageHeader.id)",
        sends=2,
    )


def _20008(document: Document, view: MessageView, settings: ReceiverSettings, ids: IdGenerator) -> Change:
    if not any(e.resource is not None and e.resource.value_at("type") == "document" for e in view.entries[1:]):
        raise BreakError("the message carries no FHIR document whose second delivery a receiver could spot")
    header = view.header
    assert header is not None
    new_header = ids()
    old = header.value_at("id") or ""
    header_id = header.child("id")
    if header_id is None:
        raise BreakError("the MessageHeader has no id")
    header_id.value = new_header
    for found in view.entries[:1]:
        url = found.node.child("fullUrl")
        if url is not None and url.value and old in url.value:
            url.value = urn(new_header)
    for name in ("id", "identifier"):
        node = view.bundle.child(name)
        target = node.child("value") if node is not None and name == "identifier" else node
        if target is not None:
            target.value = ids()
    return Change(
        "a new message (new MessageHeader.id and Bundle ids) carrying the same document: send the original first, "
        "then this copy (itk-workbench ack ORIGINAL COPY); the receiver answers it 20008",
        sends=2,
        first=True,
    )


BREAKERS: dict[str, Breaker] = {
    "10001": _10001,
    "10002": _flag("InfAckRequested"),
    "10003": _flag("BusAckRequested"),
    "10004": _10004,
    "10005": _10005,
    "10007": _10007,
    "10008": _10008,
    "10009": _10009,
    "10010": _10010,
    "20001": _recipient("sds"),
    "20002": _recipient("ods"),
    "20003": _20003,
    "20004": _20004,
    "20005": _20005,
    "20006": _20006,
    "20007": _20007,
    "20008": _20008,
    "20009": _20009,
    "20010": _payload_recipient("ods"),
    "20011": _payload_recipient("sds"),
    "20012": _20012,
    "20014": _20014,
    "20015": _20015,
}

__all__ = ["BREAKERS", "BreakError", "Change", "ask_infrastructure"]
