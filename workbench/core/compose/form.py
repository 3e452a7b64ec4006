"""The header form's model: the MessageHeader's fields read from the tree, a change as one edit.

A :class:`HeaderForm` holds no values of its own: :meth:`HeaderForm.values` reads them from the
tree each time (so the form follows the tree through undo, redo, pasting and typing in the tree),
and :meth:`HeaderForm.edit` turns one field change into one undoable
:class:`~workbench.core.edits.Compound` (one undo step) that sets every element the field
stands for: the event's code and display (and the MessageDefinition, when it was the old
event's); a sender or receiver as a header Organization (ODS code) or Practitioner (SDS user
id), made, changed or replaced, with the reference pointing at it; a handling key's value
element (replacing one of the wrong type); for an ITK Response, the response code in the
OperationOutcome, ``response.code`` to match and the InfAck convention of its level.

Invalid values are refused with a :class:`FormError` before anything changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from workbench.core.acks.nodes import coding, el, entry, group, reference, urn
from workbench.core.catalogue import ResponseCode, catalogue
from workbench.core.clock import IdGenerator, random_ids
from workbench.core.compose.events import (
    DefinitionChoice,
    ResponsePattern,
    SendableEvent,
    response_pattern,
    sendable_event,
    sendable_events,
    sender_reference_limit,
)
from workbench.core.compose.skeleton import ComposeError, Party
from workbench.core.edits import Compound, Edit, InsertNode, RemoveElement, SetValue
from workbench.core.itk3.view import MessageView, message_view
from workbench.core.itk3.view import Party as HeaderParty
from workbench.core.tree import Document, Node
from workbench.core.validation.itk3rules.handling import PAYLOAD_SPEC_KEYS
from workbench.core.validation.primitives import check_value as lexical_problem
from workbench.core.validation.primitives import stricter_than_schema

#: The fields of the form, in the order it shows them.
FIELDS = (
    "event",
    "sender",
    "receiver",
    "mailbox",
    "timestamp",
    "bus_ack",
    "inf_ack",
    "recipient_type",
    "message_definition",
    "sender_reference",
    "local_extension",
    "response_identifier",
    "response_code",
)
_BOOLEAN_KEYS = {"bus_ack": "BusAckRequested", "inf_ack": "InfAckRequested"}
_STRING_KEYS = {"sender_reference": "SenderReference", "local_extension": "LocalExtension"}
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


class FormError(ComposeError):
    """A form value that cannot be set; the text says why."""


@dataclass(frozen=True, slots=True)
class HeaderValues:
    """What the MessageHeader says now, field by field (None: absent or unreadable)."""

    event: str | None
    event_display: str | None
    sender: Party | None
    receiver: Party | None
    mailbox: str | None
    timestamp: str | None
    bus_ack: bool | None
    inf_ack: bool | None
    recipient_type: str | None
    message_definition: str | None
    sender_reference: str | None
    local_extension: str | None
    is_response: bool
    response_identifier: str | None
    response_code: str | None

    @property
    def pattern(self) -> ResponsePattern | None:
        """The response pattern the two flags make, when both can be read."""
        if self.bus_ack is None or self.inf_ack is None:
            return None
        return response_pattern(self.bus_ack, self.inf_ack)

    @property
    def sender_reference_left(self) -> int:
        """How many more characters the SenderReference may have (negative: too long)."""
        return sender_reference_limit() - len(self.sender_reference or "")

    @property
    def recipient_type_meaning(self) -> str | None:
        """What FA or FI means, in words."""
        found = catalogue().recipient_type(self.recipient_type or "")
        return f"{found.display}: {found.meaning}" if found is not None else None

    @property
    def response(self) -> ResponseCode | None:
        """The response code's catalogue entry (display, level, sign), for a Response."""
        return catalogue().response(self.response_code or "")

    def get(self, field: str) -> object:
        """A field's value by name."""
        return getattr(self, field)


class HeaderForm:
    """The header form over one message's tree (see the module docstring).

    Args:
        document: the message (its tree is read and, through the edits, changed).
        ids: ids for resources the form makes (a new sender Organization).
        view: gives the ITK3 view of the message as it is now, when something keeps one up to
            date already (a session's labels); by default it is read from the tree each time.
    """

    def __init__(
        self,
        document: Document,
        *,
        ids: IdGenerator = random_ids,
        view: Callable[[], MessageView | None] | None = None,
    ) -> None:
        self.document = document
        self.ids = ids
        self._view = view

    # ---- reading ----------------------------------------------------------------------------

    def view(self) -> MessageView:
        """The ITK3 view of the message as it is now."""
        found = self._view() if self._view is not None else None
        return found if found is not None else message_view(self.document)

    def values(self, view: MessageView | None = None) -> HeaderValues:
        """The fields as the tree holds them now (``view``: the view of it, when at hand)."""
        view = view or self.view()
        header = view.header
        outcome_code = view.response_codes[0] if view.response_codes else None
        return HeaderValues(
            event=view.event_code,
            event_display=view.event_display,
            sender=_party(view.sender),
            receiver=_party(view.receiver),
            mailbox=view.source_endpoint,
            timestamp=view.timestamp,
            bus_ack=view.flag("BusAckRequested"),
            inf_ack=view.flag("InfAckRequested"),
            recipient_type=view.value("RecipientType"),
            message_definition=view.value("MessageDefinition"),
            sender_reference=view.value("SenderReference"),
            local_extension=view.value("LocalExtension"),
            is_response=view.is_response,
            response_identifier=header.value_at("response.identifier") if header is not None else None,
            response_code=outcome_code,
        )

    def event_choices(self, view: MessageView | None = None) -> tuple[SendableEvent, ...]:
        """The events the form offers (an ITK Response keeps ITK008M)."""
        is_response = (view or self.view()).is_response
        return tuple(e for e in sendable_events() if e.is_response == is_response)

    def definition_choices(self, view: MessageView | None = None) -> tuple[DefinitionChoice, ...]:
        """The MessageDefinitions that fit the message's event, the default first."""
        event = sendable_event((view or self.view()).event_code or "")
        return event.definitions if event is not None else ()

    def response_code_choices(self) -> tuple[ResponseCode, ...]:
        """Every live response code (for a Response)."""
        return catalogue().responses

    # ---- checking and editing ---------------------------------------------------------------

    def check(self, field: str, value: object) -> str | None:
        """Why ``value`` cannot go in ``field`` (None when it can)."""
        try:
            self.edit(field, value)
        except FormError as exc:
            return str(exc)
        return None

    def edit(self, field: str, value: object) -> Edit | None:
        """The one edit that sets ``field`` to ``value``; None when the tree already says so.

        Raises:
            FormError: the value is refused, or the message has no header to edit.
        """
        view = self.view()
        if view.header is None:
            raise FormError("this is not an ITK3 message: it has no MessageHeader first")
        builder = getattr(self, f"_edit_{field}", None)
        if builder is None:
            raise FormError(f"the form has no field {field!r}; its fields are {', '.join(FIELDS)}")
        edits: list[Edit] = builder(view, value)
        if not edits:
            return None
        return Compound(edits, f"Set {_FIELD_WORDS.get(field, field)} to {_shown(value)}")

    # ---- fields -----------------------------------------------------------------------------

    def _edit_event(self, view: MessageView, value: object) -> list[Edit]:
        event = sendable_event(str(value or ""))
        if event is None:
            raise FormError(f"{value!r} is not an ITK3 event the workbench can send")
        if event.is_response != view.is_response:
            kind = "an ITK Response keeps ITK008M" if view.is_response else "a message cannot become an ITK Response"
            raise FormError(f"{event.code}: {kind}")
        header = view.header
        assert header is not None
        urls = catalogue().urls
        wanted: Spec = [("system", urls.message_event_system), ("code", event.code), ("display", event.display)]
        edits = self._ensure_tree(header, [("event", wanted)])
        if not edits:
            return []
        old = sendable_event(view.event_code or "")
        current = view.value("MessageDefinition")
        fixed = PAYLOAD_SPEC_KEYS.get(event.code, {})
        if fixed and view.handling_extension is not None:
            # the event's payload specification fixes these keys: switching to it sets them
            edits += self._boolean(view, "bus_ack", fixed["BusAckRequested"] == "true")
            edits += self._boolean(view, "inf_ack", fixed["InfAckRequested"] == "true")
            edits += self._edit_recipient_type(view, fixed["RecipientType"])
            edits += self._key(view, "MessageDefinition", "valueReference", fixed["MessageDefinition"])
        elif not current or (old is not None and current in {d.url for d in old.definitions}):
            edits += self._key(view, "MessageDefinition", "valueReference", event.message_definition)
        return edits

    def _edit_sender(self, view: MessageView, value: object) -> list[Edit]:
        if value is None:
            raise FormError("a message must name its sender")
        return self._party_edits(view, "sender", _as_party(value))

    def _edit_receiver(self, view: MessageView, value: object) -> list[Edit]:
        return self._party_edits(view, "receiver", None if value is None else _as_party(value))

    def _edit_mailbox(self, view: MessageView, value: object) -> list[Edit]:
        text = str(value or "").strip()
        if not text or any(c.isspace() for c in text):
            raise FormError("the MESH mailbox is the sender's mailbox id: letters and digits, no spaces")
        assert view.header is not None
        return self._ensure(view.header, [("source", None), ("endpoint", None)], text)

    def _edit_timestamp(self, view: MessageView, value: object) -> list[Edit]:
        text = str(value or "")
        problem = lexical_problem("instant", text) or stricter_than_schema("instant", text)
        if problem is not None or not text:
            raise FormError(f"'{text}' {problem or 'is empty'}")
        assert view.header is not None
        return self._ensure(view.header, [("timestamp", None)], text)

    def _edit_bus_ack(self, view: MessageView, value: object) -> list[Edit]:
        return self._boolean(view, "bus_ack", value)

    def _edit_inf_ack(self, view: MessageView, value: object) -> list[Edit]:
        return self._boolean(view, "inf_ack", value)

    def _boolean(self, view: MessageView, field: str, value: object) -> list[Edit]:
        if not isinstance(value, bool):
            raise FormError(f"{_BOOLEAN_KEYS[field]} is true or false, not {value!r}")
        return self._key(view, _BOOLEAN_KEYS[field], "valueBoolean", "true" if value else "false")

    def _edit_recipient_type(self, view: MessageView, value: object) -> list[Edit]:
        found = catalogue().recipient_type(str(value or "").strip().upper())
        if found is None:
            raise FormError(f"RecipientType is FA (For Action) or FI (For Information), not {value!r}")
        system = catalogue().urls.recipient_type_system
        return self._key(view, "RecipientType", "valueCoding", (system, found.code, found.display))

    def _edit_message_definition(self, view: MessageView, value: object) -> list[Edit]:
        text = str(value or "").strip()
        if not text.startswith(("https://", "http://")) or any(c.isspace() for c in text):
            prefix = catalogue().urls.message_definition_prefix
            raise FormError(f"'{text}' is not a MessageDefinition URL (they look like {prefix}<name>)")
        return self._key(view, "MessageDefinition", "valueReference", text)

    def _edit_sender_reference(self, view: MessageView, value: object) -> list[Edit]:
        text = str(value if value is not None else "")
        limit = sender_reference_limit()
        if not text.strip():
            raise FormError("SenderReference cannot be empty: use 'None' when there is no sender reference")
        if len(text) > limit:
            raise FormError(f"SenderReference has {len(text)} characters; the most is {limit}")
        return self._key(view, "SenderReference", "valueString", text)

    def _edit_local_extension(self, view: MessageView, value: object) -> list[Edit]:
        text = str(value if value is not None else "")
        if not text.strip():
            raise FormError("LocalExtension cannot be empty: use 'None' when no local extension is agreed")
        return self._key(view, "LocalExtension", "valueString", text)

    def _edit_response_identifier(self, view: MessageView, value: object) -> list[Edit]:
        self._need_response(view)
        text = str(value or "").strip()
        if not _FHIR_ID.fullmatch(text):
            raise FormError(f"'{text}' is not a MessageHeader id (1 to 64 letters, digits, '-' and '.')")
        assert view.header is not None
        return self._ensure(view.header, [("response", None), ("identifier", None)], text)

    def _edit_response_code(self, view: MessageView, value: object) -> list[Edit]:
        self._need_response(view)
        cat = catalogue()
        found = cat.response(str(value or "").strip())
        if found is None:
            raise FormError(f"{value!r} is not a live ITK response code")
        header = view.header
        assert header is not None
        outcome = next(
            (e.resource for e in view.entries if e.resource is not None and e.resource.name == "OperationOutcome"), None
        )
        if outcome is None:
            raise FormError("the Response has no OperationOutcome to carry the code")
        coding_spec: Spec = [
            ("system", cat.urls.response_codes_system),
            ("code", found.code),
            ("display", found.display),
        ]
        issue: Spec = [("severity", found.severity), ("code", found.issue_code), ("details", [("coding", coding_spec)])]
        edits = self._ensure_tree(outcome, [("issue", issue)])
        if not edits:
            return []
        edits += self._ensure(header, [("response", None), ("code", None)], found.response_code)
        edits += self._key(view, "InfAckRequested", "valueBoolean", "true" if found.is_business else "false")
        return edits

    def _need_response(self, view: MessageView) -> None:
        if not view.is_response:
            raise FormError("only an ITK Response (ITK008M) answers a message")

    # ---- building blocks --------------------------------------------------------------------

    def _ensure_tree(self, parent: Node, spec: Spec) -> list[Edit]:
        """Edits that make ``parent`` hold what ``spec`` says: (name, value) leaves and (name, spec)
        groups; the first element of each name is used, and a missing group is made whole in one
        insert (so edits computed together never make it twice)."""
        edits: list[Edit] = []
        for name, wanted in spec:
            found = parent.child(name)
            if found is None:
                edits.append(InsertNode(parent, _build(name, wanted), self.document))
            elif isinstance(wanted, str):
                if found.value != wanted:
                    edits.append(SetValue(found, wanted, self.document))
            else:
                edits += self._ensure_tree(found, wanted)
        return edits

    def _ensure(self, parent: Node, steps: list[tuple[str, str | None]], value: str) -> list[Edit]:
        """Edits that give the element at ``steps`` under ``parent`` the value (made if absent)."""
        node = parent
        for index, (name, url) in enumerate(steps):
            found = next((c for c in node.children_named(name) if url is None or c.url == url), None)
            if found is None:
                return [InsertNode(node, _chain(steps[index:], value), self.document)]
            node = found
        return [] if node.value == value else [SetValue(node, value, self.document)]

    def _key(self, view: MessageView, key: str, element: str, value: str | tuple[str, str, str]) -> list[Edit]:
        """Edits that give a handling key its value element (replacing one of another type)."""
        header = view.header
        assert header is not None
        handling_url = catalogue().urls.message_handling_extension
        handling = view.handling_extension
        if handling is None:
            handling = Node("extension")
            handling.url = handling_url
            return [
                InsertNode(header, _with_key(handling, key, element, value), self.document, index=_after_meta(header))
            ]
        node = next((c for c in handling.children_named("extension") if c.url == key), None)
        if node is None:
            fresh = _with_key(None, key, element, value)
            return [InsertNode(handling, fresh, self.document, index=_key_index(handling, key))]
        edits: list[Edit] = [
            RemoveElement(c) for c in list(node.elements()) if c.name.startswith("value") and c.name != element
        ]
        if isinstance(value, tuple):
            system, code, display = value
            if node.child(element) is None:
                return [*edits, InsertNode(node, coding(element, system, code, display), self.document)]
            for name, text in (("system", system), ("code", code), ("display", display)):
                edits += self._ensure(node, [(element, None), (name, None)], text)
            return edits
        if element == "valueReference":
            return edits + self._ensure(node, [(element, None), ("reference", None)], value)
        return edits + self._ensure(node, [(element, None)], value)

    def _party_edits(self, view: MessageView, role: str, party: Party | None) -> list[Edit]:
        header = view.header
        assert header is not None
        current: HeaderParty | None = getattr(view, role)
        other: HeaderParty | None = view.receiver if role == "sender" else view.sender
        resource = current.resource if current is not None else None
        shared = resource is not None and other is not None and other.resource is resource
        holder = current.resolution.entry.node if current is not None and current.resolution.entry else None
        if party is None:
            if current is None:
                return []
            edits: list[Edit] = [RemoveElement(current.node)]
            if holder is not None and not shared:
                edits.append(RemoveElement(holder))
            return edits
        if resource is not None and resource.name == party.resource_type and not shared:
            return self._identifier_edits(resource, party)
        rid = self.ids()
        fresh = entry(party.build(rid))
        edits = []
        if holder is not None and not shared and holder.index_in_parent() > 0:
            index = holder.index_in_parent()
            edits += [RemoveElement(holder), InsertNode(view.bundle, fresh, self.document, index=index)]
        else:
            edits.append(InsertNode(view.bundle, fresh, self.document, index=_after_parties(view)))
        if current is not None:
            edits += self._ensure(header, [(role, None), ("reference", None)], urn(rid))
        else:
            edits.append(InsertNode(header, reference(role, urn(rid)), self.document))
        return edits

    def _identifier_edits(self, resource: Node, party: Party) -> list[Edit]:
        urls = catalogue().urls
        ours = (urls.ods_organization_code, urls.ods_site_code, urls.sds_user_id)
        identifiers = resource.children_named("identifier")
        match = next((i for i in identifiers if i.value_at("system") == party.system), None)
        if match is not None:
            edits = self._ensure(match, [("value", None)], party.code)
            if edits:
                edits += [RemoveElement(i) for i in identifiers if i is not match and i.value_at("system") in ours]
            return edits
        edits = [RemoveElement(i) for i in identifiers if i.value_at("system") in ours]
        fresh = group("identifier", el("system", party.system), el("value", party.code))
        return [*edits, InsertNode(resource, fresh, self.document)]


_FIELD_WORDS = {
    "event": "the event",
    "sender": "the sender",
    "receiver": "the receiver",
    "mailbox": "the MESH mailbox",
    "timestamp": "the timestamp",
    "bus_ack": "BusAckRequested",
    "inf_ack": "InfAckRequested",
    "recipient_type": "RecipientType",
    "message_definition": "the MessageDefinition",
    "sender_reference": "SenderReference",
    "local_extension": "LocalExtension",
    "response_identifier": "the message answered",
    "response_code": "the response code",
}


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Party):
        return value.label
    if value is None:
        return "none"
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _as_party(value: object) -> Party:
    if isinstance(value, Party):
        return value
    if isinstance(value, tuple) and len(value) == 2:
        return Party(value[0], value[1])  # type: ignore[arg-type]
    raise FormError(f"a sender or receiver is a Party (ods or sds, and a code), not {value!r}")


def _party(found: HeaderParty | None) -> Party | None:
    """The Party a header reference leads to (None when it leads nowhere or names no code)."""
    if found is None or found.resource is None:
        return None
    urls = catalogue().urls
    kinds = {urls.ods_organization_code: "ods", urls.ods_site_code: "ods", urls.sds_user_id: "sds"}
    for ident in found.resource.children_named("identifier"):
        kind = kinds.get(ident.value_at("system") or "")
        value = (ident.value_at("value") or "").strip()
        if kind is not None and value and not any(c.isspace() for c in value):
            return Party(kind, value)  # type: ignore[arg-type]
    return None


Spec = list[tuple[str, "str | Spec"]]


def _build(name: str, wanted: str | Spec) -> Node:
    node = Node(name)
    if isinstance(wanted, str):
        node.value = wanted
    else:
        for child, value in wanted:
            node.append(_build(child, value))
    return node


def _chain(steps: list[tuple[str, str | None]], value: str) -> Node:
    top: Node | None = None
    bottom: Node | None = None
    for name, url in steps:
        node = Node(name)
        node.url = url
        if bottom is None:
            top = node
        else:
            bottom.append(node)
        bottom = node
    assert top is not None and bottom is not None
    bottom.value = value
    return top


def _with_key(handling: Node | None, key: str, element: str, value: str | tuple[str, str, str]) -> Node:
    """A handling key sub-extension (put into ``handling`` when given, which is returned then)."""
    node = Node("extension")
    node.url = key
    if isinstance(value, tuple):
        node.append(coding(element, *value))
    elif element == "valueReference":
        node.append(reference(element, value))
    else:
        node.append(Node(element, value=value))
    if handling is None:
        return node
    handling.append(node)
    return handling


def _key_index(handling: Node, key: str) -> int:
    """Where a missing key goes: after the keys that come before it in the recommended order."""
    order = [k.url for k in catalogue().handling_keys]
    rank = order.index(key) if key in order else len(order)
    index = 0
    for i, child in enumerate(handling.children):
        if child.name == "extension" and (child.url not in order or order.index(child.url) < rank):
            index = i + 1
    return index


def _after_meta(header: Node) -> int:
    names = [c.name for c in header.children]
    wanted = [i for i, n in enumerate(names) if n in ("id", "meta", "implicitRules", "language", "text", "contained")]
    return (wanted[-1] + 1) if wanted else 0


def _after_parties(view: MessageView) -> int:
    """The entry index after the header and the header parties (where a new party goes)."""
    parties = {id(p.resource) for p in (view.sender, view.receiver) if p is not None and p.resource is not None}
    index = 1
    for found in view.entries[1:]:
        if found.resource is not None and id(found.resource) in parties:
            index = found.index + 1
    return _entry_child_index(view, index)


def _entry_child_index(view: MessageView, entry_index: int) -> int:
    """The index among the Bundle's children of its ``entry_index``-th entry (or past the last)."""
    entries = view.bundle.children_named("entry")
    if entry_index < len(entries):
        return entries[entry_index].index_in_parent()
    return entries[-1].index_in_parent() + 1 if entries else len(view.bundle.children)
