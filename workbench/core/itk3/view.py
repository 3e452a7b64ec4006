"""The ITK3 view of a document: header, handling specification, parties, payload, attachments.

:func:`message_view` reads what an ITK3 message says without judging it: every field is
optional, because testers open broken messages too. The validator judges; this only reads.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from workbench.core.bundle import BundleIndex, Entry, Resolution, is_bundle
from workbench.core.catalogue import EventCode, catalogue
from workbench.core.tree import RESOURCE, Document, Node, gc_paused

#: Value elements a handling key may carry, in the order they are looked for.
_VALUE_ELEMENTS = (
    "valueBoolean",
    "valueCoding",
    "valueReference",
    "valueString",
    "valueCode",
    "valueUri",
    "valueId",
    "valueInteger",
    "valueCodeableConcept",
    "valueIdentifier",
)


@dataclass(frozen=True, slots=True)
class HandlingValue:
    """One key of the handling specification as the message carries it.

    Attributes:
        key: the sub-extension url (``BusAckRequested``).
        node: the sub-extension node.
        value_element: the value element found (``valueBoolean``), or None.
        value: the value in plain text (``true``, ``FA``, a URL), or None.
        display: a Coding's display, if any.
        system: a Coding's system, if any.
    """

    key: str
    node: Node
    value_element: str | None
    value: str | None
    display: str | None = None
    system: str | None = None

    @property
    def boolean(self) -> bool | None:
        """The value as a boolean when it is a valueBoolean ``true``/``false``."""
        if self.value_element == "valueBoolean" and self.value in ("true", "false"):
            return self.value == "true"
        return None


@dataclass(frozen=True, slots=True)
class Party:
    """A sender, receiver or focus reference and what it resolved to."""

    role: str
    reference: str | None
    resolution: Resolution
    node: Node

    @property
    def resource(self) -> Node | None:
        """The resource the reference led to, if any."""
        return self.resolution.resource

    @property
    def label(self) -> str:
        """A plain description: ``Organization RY6 (ODS organisation code)``."""
        resource = self.resource
        if resource is None:
            return f"{self.reference or '(no reference)'} (not found in the message)"
        return describe_resource(resource)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A binary attachment: a Binary resource, or an Attachment element with inline data."""

    node: Node
    content_type: str | None
    encoded: str | None
    title: str | None

    @property
    def size(self) -> int:
        """The decoded size in bytes (computed from the base64 length)."""
        text = "".join((self.encoded or "").split())
        return max(len(text) * 3 // 4 - text[-2:].count("="), 0)

    def data(self) -> bytes | None:
        """The decoded bytes, or None when the base64 is not valid."""
        try:
            return base64.b64decode("".join((self.encoded or "").split()), validate=True)
        except (binascii.Error, ValueError):
            return None

    @property
    def suggested_name(self) -> str:
        """A file name for saving it (from the title, else the id, with an extension)."""
        base = self.title or (self.node.value_at("id") if self.node.kind == RESOURCE else None) or "attachment"
        extension = _EXTENSIONS.get((self.content_type or "").split(";")[0].strip().lower(), "")
        safe = "".join(c if c.isalnum() or c in "-_. " else "_" for c in base).strip() or "attachment"
        return safe if not extension or safe.lower().endswith(extension) else safe + extension


_EXTENSIONS = {
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/xml": ".xml",
    "application/xml": ".xml",
    "application/json": ".json",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/jpg": ".jpg",
    "image/tiff": ".tiff",
    "image/tif": ".tif",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/rtf": ".rtf",
}


@dataclass
class MessageView:
    """What an ITK3 message says, read leniently.

    Attributes:
        bundle: the root node.
        is_bundle: the root is a Bundle.
        bundle_type: Bundle.type, if any.
        header: the first entry's MessageHeader, if it is one.
        event_system, event_code, event_display: MessageHeader.event as sent.
        event: the catalogue's entry for the event code, if known.
        handling: the handling keys by url, as found (the six and any others).
        sender, receiver: the parties the header names.
        focus: the focus references.
        source_endpoint: MessageHeader.source.endpoint (the sender's MESH mailbox).
        timestamp: MessageHeader.timestamp.
        response_identifier, response_code: MessageHeader.response, for a Response.
        response_codes: ITK response codes in the Response's OperationOutcome.
        entries: the Bundle's entries.
        payload: the root of the payload (the focus resource, else the first entry after
            the header resources).
        payload_kind: ``document bundle``, ``payload bundle (<type>)``, ``resources``,
            ``response`` or ``none``.
        attachments: Binary resources and inline attachments anywhere in the message.
    """

    bundle: Node
    is_bundle: bool = False
    bundle_type: str | None = None
    header: Node | None = None
    event_system: str | None = None
    event_code: str | None = None
    event_display: str | None = None
    event: EventCode | None = None
    handling_extension: Node | None = None
    handling: dict[str, HandlingValue] = field(default_factory=dict)
    sender: Party | None = None
    receiver: Party | None = None
    focus: list[Party] = field(default_factory=list)
    source_endpoint: str | None = None
    timestamp: str | None = None
    response_identifier: str | None = None
    response_code: str | None = None
    response_codes: list[str] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    payload: Node | None = None
    payload_kind: str = "none"
    attachments: list[Attachment] = field(default_factory=list)
    index: BundleIndex | None = None

    @property
    def composition(self) -> Node | None:
        """The Composition heading a document payload, if any."""
        payload = self.payload
        if payload is None or not is_bundle(payload):
            return None
        inner = BundleIndex(payload).entries
        first = inner[0].resource if inner else None
        return first if first is not None and first.name == "Composition" else None

    @property
    def is_message(self) -> bool:
        """True when this is a message Bundle whose first entry is a MessageHeader."""
        return self.is_bundle and self.header is not None

    @property
    def is_response(self) -> bool:
        """True for an ITK Response (ITK008M, or a header with a response element)."""
        return self.event_code == catalogue().response_event or self.response_identifier is not None

    def flag(self, key: str) -> bool | None:
        """The boolean value of a handling key (``BusAckRequested``), or None if unreadable."""
        found = self.handling.get(key)
        return found.boolean if found is not None else None

    def value(self, key: str) -> str | None:
        """The plain value of a handling key, or None."""
        found = self.handling.get(key)
        return found.value if found is not None else None

    @property
    def message_id(self) -> str | None:
        """MessageHeader.id: what Responses quote in response.identifier."""
        return self.header.value_at("id") if self.header is not None else None


#: Plain-words labels of the six handling keys, in the recommended order.
HANDLING_LABELS = {
    "BusAckRequested": "Business ack requested",
    "InfAckRequested": "Infrastructure ack requested",
    "RecipientType": "Recipient type",
    "MessageDefinition": "Message definition",
    "SenderReference": "Sender reference",
    "LocalExtension": "Local extension",
}


def describe_handling(view: MessageView) -> list[tuple[str, str]]:
    """The handling specification in plain words: ("Business ack requested", "yes"), ...

    The six keys come first, in order, each saying "(missing)" when absent; other keys
    follow, the removed Priority key named as legacy.
    """
    rows = []
    for key, label in HANDLING_LABELS.items():
        found = view.handling.get(key)
        rows.append((label, _plain(found) if found is not None else "(missing)"))
    for key, found in view.handling.items():
        if key in HANDLING_LABELS:
            continue
        legacy = catalogue().handling_key(key)
        note = " (legacy key, removed in ITK3 2.5.0)" if legacy is not None and legacy.legacy else " (local key)"
        rows.append((key + note, _plain(found)))
    return rows


def _plain(found: HandlingValue) -> str:
    if found.boolean is not None:
        return "yes" if found.boolean else "no"
    if found.value is None:
        return f"(no readable value{': ' + found.value_element if found.value_element else ''})"
    if found.value_element == "valueCoding":
        known = catalogue().recipient_type(found.value) if found.key == "RecipientType" else None
        display = found.display or (known.display if known else None)
        return f"{found.value} ({display})" if display else found.value
    return found.value


def message_view(document: Document | Node) -> MessageView:
    """Read the ITK3 view of a document (never raises on odd content)."""
    with gc_paused():  # building thousands of Entry objects over a big tree triggers collections
        return _message_view(document)


def _message_view(document: Document | Node) -> MessageView:
    root = document.root if isinstance(document, Document) else document
    view = MessageView(bundle=root)
    view.attachments = find_attachments(root)
    if not is_bundle(root):
        view.payload = root
        view.payload_kind = "resources"
        return view
    view.is_bundle = True
    view.bundle_type = root.value_at("type")
    view.index = BundleIndex(root)
    view.entries = view.index.entries
    first = view.entries[0].resource if view.entries else None
    if first is None or first.name != "MessageHeader":
        view.payload_kind = "resources" if view.entries else "none"
        return view
    header = view.header = first
    _read_header(view, header)
    _read_payload(view)
    return view


def _read_header(view: MessageView, header: Node) -> None:
    event = header.child("event")
    if event is not None:
        view.event_system = event.value_at("system")
        view.event_code = event.value_at("code")
        view.event_display = event.value_at("display")
        view.event = catalogue().event(view.event_code) if view.event_code else None
    handling_url = catalogue().urls.message_handling_extension
    for extension in header.children_named("extension"):
        if extension.url == handling_url:
            view.handling_extension = extension
            for key in extension.children_named("extension"):
                if key.url and key.url not in view.handling:
                    view.handling[key.url] = _handling_value(key)
            break
    index = view.index
    assert index is not None
    for role in ("sender", "receiver"):
        element = header.child(role)
        if element is not None:
            reference = element.value_at("reference")
            setattr(view, role, Party(role, reference, index.resolve(reference, header), element))
    for element in header.children_named("focus"):
        reference = element.value_at("reference")
        view.focus.append(Party("focus", reference, index.resolve(reference, header), element))
    view.source_endpoint = header.value_at("source.endpoint")
    view.timestamp = header.value_at("timestamp")
    response = header.child("response")
    if response is not None:
        view.response_identifier = response.value_at("identifier")
        view.response_code = response.value_at("code")


def _handling_value(key: Node) -> HandlingValue:
    for element in _VALUE_ELEMENTS:
        value = key.child(element)
        if value is None:
            continue
        if element == "valueCoding":
            return HandlingValue(
                key.url or "", key, element, value.value_at("code"), value.value_at("display"), value.value_at("system")
            )
        if element == "valueReference":
            return HandlingValue(key.url or "", key, element, value.value_at("reference"))
        if element in ("valueCodeableConcept", "valueIdentifier"):
            coding = value.find("coding") if element == "valueCodeableConcept" else value
            return HandlingValue(
                key.url or "",
                key,
                element,
                coding.value_at("code" if element == "valueCodeableConcept" else "value") if coding else None,
            )
        return HandlingValue(key.url or "", key, element, value.value)
    other = next((c for c in key.elements() if c.name.startswith("value")), None)
    return HandlingValue(key.url or "", key, other.name if other else None, other.value if other else None)


def _read_payload(view: MessageView) -> None:
    header_resources = {
        id(p.resource) for p in (view.sender, view.receiver) if p is not None and p.resource is not None
    }
    if view.is_response:
        view.payload_kind = "response"
        for entry in view.entries:
            if entry.resource is not None and entry.resource.name == "OperationOutcome":
                view.payload = view.payload or entry.resource
                view.response_codes.extend(_issue_codes(entry.resource))
        return
    focus = next((p.resource for p in view.focus if p.resource is not None), None)
    if focus is None:
        rest = [
            e.resource
            for e in view.entries[1:]
            if e.resource is not None
            and id(e.resource) not in header_resources
            and e.resource.name not in ("Organization", "Practitioner", "PractitionerRole")
        ]
        focus = rest[0] if rest else None
    view.payload = focus
    if focus is None:
        view.payload_kind = "none"
    elif is_bundle(focus):
        kind = focus.value_at("type")
        view.payload_kind = "document bundle" if kind == "document" else f"payload bundle ({kind or 'no type'})"
    else:
        view.payload_kind = "resources"


def _issue_codes(outcome: Node) -> list[str]:
    codes = []
    for issue in outcome.children_named("issue"):
        details = issue.child("details")
        for coding in details.children_named("coding") if details is not None else []:
            code = coding.value_at("code")
            if code:
                codes.append(code)
    return codes


def find_attachments(root: Node) -> list[Attachment]:
    """Return every Binary resource and every Attachment element with inline data."""
    found = []
    for node in root.iter():
        if node.kind == RESOURCE and node.name == "Binary":
            found.append(Attachment(node, node.value_at("contentType"), node.value_at("content"), None))
        elif node.name == "data" and node.parent is not None and node.parent.child("contentType") is not None:
            parent = node.parent
            found.append(Attachment(parent, parent.value_at("contentType"), node.value, parent.value_at("title")))
    return found


def describe_resource(resource: Node) -> str:
    """A one-line description of a resource: type, best identifier, name."""
    bits = [resource.name]
    for identifier in resource.children_named("identifier"):
        value = identifier.value_at("value")
        if value:
            system = identifier.value_at("system") or ""
            bits.append(f"{value} ({_SYSTEM_NAMES.get(system, system or 'no system')})")
            break
    name = resource.child("name")
    if name is not None:
        text = (
            name.value_at("text")
            or " ".join(
                v
                for v in [
                    *(g.value for g in name.children_named("prefix")),
                    *(g.value for g in name.children_named("given")),
                    name.value_at("family"),
                ]
                if v
            )
            or name.value
        )
        if text:
            bits.append(f'"{text}"')
    if len(bits) == 1:
        rid = resource.value_at("id")
        if rid:
            bits.append(f"id {rid}")
    return " ".join(bits)


_SYSTEM_NAMES = {
    "https://fhir.nhs.uk/Id/ods-organization-code": "ODS organisation code",
    "https://fhir.nhs.uk/Id/ods-site-code": "ODS site code",
    "https://fhir.nhs.uk/Id/sds-user-id": "SDS user id",
    "https://fhir.nhs.uk/Id/sds-role-profile-id": "SDS role profile id",
    "https://fhir.nhs.uk/Id/nhs-number": "NHS number",
}
