"""Plain-words labels, tooltips and facts for the nodes of a message, as the structure tree shows them.

The Qt tree model only asks :func:`node_label` and :func:`node_tooltip`; everything a row says
is decided here, without Qt, so it can be tested on its own. A :class:`LabelContext` carries
what a label needs beyond the node itself: the :class:`MessageView` of the message (so the
MessageHeader's sender, receiver and handling keys read in plain words), the attachments found
in it, and a cache of entry numbers.

Examples of labels::

    entry[0] MessageHeader · ITK-MessageHeader-2 · b746b622…
    event: ITK009D ITK Digital Medicine Immunization Document
    sender → Organization FKL95 (ODS organisation code)
    Handling specification
    Business ack requested: yes
    Recipient type: FA (For Action)
    Binary · application/pdf · 123 KB
    section: Vaccinations
    birthDate: 1970-01-01
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workbench.core import stu3
from workbench.core.bundle import BundleIndex, is_bundle
from workbench.core.catalogue import catalogue
from workbench.core.itk3.text import base64_size, format_size, last_segment, xhtml_text
from workbench.core.itk3.view import (
    HANDLING_LABELS,
    Attachment,
    MessageView,
    describe_handling,
    describe_resource,
    message_view,
)
from workbench.core.stu3.paths import node_path
from workbench.core.stu3.typeinfo import element_def_of, type_of
from workbench.core.tree import (
    COMMENT,
    ELEMENT,
    EXTENSION_NAMES,
    KIND_NAMES,
    RESOURCE,
    XHTML,
    Document,
    Node,
)

#: Values longer than this are cut in labels (the details pane shows them whole).
MAX_LABEL_VALUE = 80
#: Ids longer than this are shortened in entry labels.
SHORT_ID = 8
SEPARATOR = " · "

_SPACE = re.compile(r"\s+")


@dataclass
class LabelContext:
    """What labels need to know beyond the node: the message and its attachments.

    Build one per document with :meth:`for_document` (or :meth:`for_view`) and reuse it for
    every label; it caches entry numbers per Bundle, so labelling 5,000 entries stays linear.

    Attributes:
        view: The ITK3 view of the message, or None for a document that is not read as one.
        fixed: Labels decided up front for particular nodes, by ``id(node)`` (header rows).
        tips: Tooltips decided up front for particular nodes, by ``id(node)``.
        roles: What a resource is to the message (``sender``, ``receiver``, ``payload``), by
            ``id(resource)``.
        attachments: Attachments by ``id()`` of their node (a Binary, or an Attachment element).
    """

    view: MessageView | None = None
    fixed: dict[int, str] = field(default_factory=dict)
    tips: dict[int, str] = field(default_factory=dict)
    roles: dict[int, str] = field(default_factory=dict)
    attachments: dict[int, Attachment] = field(default_factory=dict)
    _numbers: dict[int, dict[int, int]] = field(default_factory=dict, repr=False)
    _indexes: dict[int, BundleIndex] = field(default_factory=dict, repr=False)

    @classmethod
    def for_document(cls, document: Document) -> LabelContext:
        """Read the ITK3 view of a document and build the context from it."""
        return cls.for_view(message_view(document))

    @classmethod
    def for_view(cls, view: MessageView) -> LabelContext:
        """Build the context for a message whose view has been read already."""
        context = cls(view=view)
        context.attachments = {id(a.node): a for a in view.attachments}
        header = view.header
        if header is None:
            return context
        fixed, tips = context.fixed, context.tips
        event = header.child("event")
        if event is not None:
            shown = " ".join(v for v in (view.event_code, view.event_display) if v)
            fixed[id(event)] = f"event: {shown or '(no code)'}"
            if view.event is not None:
                tips[id(event)] = f"{view.event.code} {view.event.display}: {view.event.meaning}"
        for party in (view.sender, view.receiver):
            if party is not None:
                fixed[id(party.node)] = f"{party.role} → {party.label}"
                if party.resource is not None:
                    context.roles.setdefault(id(party.resource), party.role)
        for party in view.focus:
            resource = party.resource
            if resource is not None and resource.name == "Bundle":
                kind = resource.value_at("type")
                fixed[id(party.node)] = f"focus → Bundle ({kind})" if kind else "focus → Bundle"
            else:
                fixed[id(party.node)] = f"focus → {party.label}"
        if view.payload is not None:
            context.roles.setdefault(id(view.payload), "payload")
        source = header.child("source")
        if source is not None and view.source_endpoint:
            endpoint = view.source_endpoint
            # ITK3 puts the sender's MESH mailbox id here; older messages carry a URI.
            fixed[id(source)] = f"source: {endpoint}" if ":" in endpoint else f"source: {endpoint} (MESH mailbox)"
        if view.handling_extension is not None:
            fixed[id(view.handling_extension)] = "Handling specification"
            tips[id(view.handling_extension)] = (
                "The ITK3 handling specification (Extension-ITK-MessageHandling-2): six keys that tell "
                "the receiver which acknowledgements to send and how to treat the message."
            )
            _label_handling_keys(context, view)
        return context

    def attachment(self, node: Node) -> Attachment | None:
        """Return the attachment a node carries (a Binary or an Attachment element), or None."""
        return self.attachments.get(id(node))

    def resolve(self, reference_element: Node) -> Node | None:
        """Return the resource a Reference element points to in its Bundle, or None.

        The reference is resolved against the entries of the nearest Bundle holding the
        element's resource (fullUrl first, then the lenient matches of :class:`BundleIndex`).
        """
        reference = reference_element.value_at("reference")
        owner = reference_element.owning_resource()
        bundle = owner.parent if owner is not None else None
        while bundle is not None and not is_bundle(bundle):
            bundle = bundle.parent
        if not reference or bundle is None:
            return None
        index = self._indexes.get(id(bundle))
        if index is None:
            index = self._indexes[id(bundle)] = BundleIndex(bundle)
        return index.resolve(reference, reference_element).resource

    def number(self, node: Node) -> int:
        """Return the node's position among its parent's children of the same name.

        The numbers of all children of a parent are found together on first use and cached,
        so numbering every entry of a large Bundle costs one pass.
        """
        parent = node.parent
        if parent is None:
            return 0
        numbers = self._numbers.get(id(parent))
        if numbers is None:
            numbers = {}
            seen: dict[str, int] = {}
            for child in parent.children:
                if child.kind != COMMENT:
                    numbers[id(child)] = seen.get(child.name, 0)
                    seen[child.name] = numbers[id(child)] + 1
            self._numbers[id(parent)] = numbers
        return numbers.get(id(node), 0)


def _label_handling_keys(context: LabelContext, view: MessageView) -> None:
    rows = describe_handling(view)
    known = list(HANDLING_LABELS)
    others = [key for key in view.handling if key not in HANDLING_LABELS]
    places = {key: i for i, key in enumerate(known)}
    places.update({key: len(known) + i for i, key in enumerate(others)})
    for key, found in view.handling.items():
        label, value = rows[places[key]]
        context.fixed[id(found.node)] = f"{label}: {value}"
        definition = catalogue().handling_key(key)
        if definition is not None:
            context.tips[id(found.node)] = f"{key}: {definition.meaning}"


# ----------------------------------------------------------------------------------- labels


def node_label(node: Node, context: LabelContext | None = None) -> str:
    """Return the one-line label of a node for the structure tree.

    Args:
        node: Any node of the tree.
        context: The message's context; without one, header rows read as plain elements.

    Returns:
        The label, never empty.
    """
    context = context or LabelContext()
    fixed = context.fixed.get(id(node))
    if fixed is not None:
        return fixed
    if node.kind == COMMENT:
        text = _one_line(node.value or "")
        return f"<?{text}?>" if node.name == "#pi" else f"<!-- {text} -->"
    if node.kind == XHTML:
        return f"{node.name}: {_one_line(xhtml_text(node.value or '')) or '(empty narrative)'}"
    if node.kind == RESOURCE:
        return _resource_label(node, context)
    attachment = context.attachment(node)
    if attachment is not None:
        return SEPARATOR.join([node.name, *_attachment_bits(attachment)])
    if (
        node.name == "entry"
        and node.parent is not None
        and node.parent.kind == RESOURCE
        and node.parent.name == "Bundle"
    ):
        return _entry_label(node, context)
    type_name = type_of(node)
    if node.name in EXTENSION_NAMES:
        return _extension_label(node)
    if type_name == "Reference" or (type_name is None and node.value is None and node.child("reference") is not None):
        return _reference_label(node, context)  # an unknown element shaped like a Reference reads as one
    summary = _SUMMARIES.get(type_name or "")
    if summary is not None:
        text = summary(node)
        if text:
            return f"{node.name}: {text}"
    if node.value is not None:
        if type_name == "base64Binary":
            return f"{node.name}: base64, {format_size(base64_size(node.value))}"
        return f"{node.name}: {_one_line(node.value)}"
    return node.name


def _resource_label(node: Node, context: LabelContext) -> str:
    name = node.name
    if name == "Bundle":
        kind = node.value_at("type")
        text = f"Bundle ({kind})" if kind else "Bundle"
    elif name == "MessageHeader":
        code = node.value_at("event.code")
        text = f"MessageHeader{SEPARATOR}{code}" if code else name
    elif name == "Binary":
        attachment = context.attachment(node)
        bits = _attachment_bits(attachment) if attachment is not None else []
        text = SEPARATOR.join([name, *bits])
    elif name == "Composition" and node.value_at("title"):
        text = f"Composition{SEPARATOR}{_one_line(node.value_at('title') or '')}"
    else:
        text = describe_resource(node)
    wrapper = node.parent
    if wrapper is not None and wrapper.kind == ELEMENT and wrapper.name != "resource":
        text = f"{wrapper.name}{SEPARATOR}{text}"
    return text


def _entry_label(node: Node, context: LabelContext) -> str:
    wrapper = node.child("resource")
    resource = wrapper.resource() if wrapper is not None else None
    head = f"entry[{context.number(node)}]"
    if resource is None:
        return f"{head} (no resource)"
    bits = [resource.name]
    meta = resource.child("meta")
    profile = meta.value_at("profile") if meta is not None else None
    if profile:
        bits.append(last_segment(profile))
    rid = resource.value_at("id")
    if rid:
        bits.append(rid if len(rid) <= SHORT_ID + 4 else rid[:SHORT_ID] + "…")
    label = f"{head} {SEPARATOR.join(bits)}"
    role = context.roles.get(id(resource))
    return f"{label} ({role})" if role else label


def _reference_label(node: Node, context: LabelContext) -> str:
    target = context.resolve(node)
    if target is not None:
        return f"{node.name} → {_resource_label(target, context)}"
    shown = node.value_at("reference") or node.value_at("display")
    return f"{node.name} → {_one_line(shown)}" if shown else node.name


def _extension_label(node: Node) -> str:
    bits = [node.name]
    if node.url:
        bits.append(last_segment(node.url))
    label = SEPARATOR.join(bits)
    value = next((c for c in node.elements() if c.name.startswith("value")), None)
    if value is not None:
        if value.value is not None:
            return f"{label}: {_one_line(value.value)}"
        value_type = type_of(value)
        if value_type == "Reference":
            text = value.value_at("reference") or value.value_at("display")
        else:
            summary = _SUMMARIES.get(value_type or "")
            text = summary(value) if summary is not None else None
        if text:
            return f"{label}: {_one_line(text)}"
    return label


def _attachment_bits(attachment: Attachment) -> list[str]:
    bits = [attachment.content_type or "(no content type)"]
    if attachment.encoded is not None:
        bits.append(format_size(attachment.size))
    if attachment.title:
        bits.append(_one_line(attachment.title))
    return bits


# ----------------------------------------------------------------- summaries of datatypes


def _coding(node: Node) -> str | None:
    return " ".join(v for v in (node.value_at("code"), node.value_at("display")) if v) or None


def _codeable_concept(node: Node) -> str | None:
    text = node.value_at("text")
    if text:
        return _one_line(text)
    for coding in node.children_named("coding"):
        found = coding.value_at("display") or coding.value_at("code")
        if found:
            return _one_line(found)
    return None


def _identifier(node: Node) -> str | None:
    value = node.value_at("value")
    if not value:
        return None
    system = node.value_at("system")
    return f"{value} ({last_segment(system)})" if system else value


def _human_name(node: Node) -> str | None:
    text = node.value_at("text")
    if text:
        return _one_line(text)
    parts = [
        *(c.value for c in node.children_named("prefix")),
        *(c.value for c in node.children_named("given")),
        node.value_at("family"),
    ]
    return " ".join(p for p in parts if p) or None


def _quantity(node: Node) -> str | None:
    value = node.value_at("value")
    if value is None:
        return None
    unit = node.value_at("unit") or node.value_at("code")
    comparator = node.value_at("comparator") or ""
    return f"{comparator}{value} {unit}" if unit else f"{comparator}{value}"


def _period(node: Node) -> str | None:
    start, end = node.value_at("start"), node.value_at("end")
    if not start and not end:
        return None
    return f"{start or '…'} – {end or '…'}"


def _section(node: Node) -> str | None:
    title = node.value_at("title")
    if title:
        return _one_line(title)
    code = node.child("code")
    return _codeable_concept(code) if code is not None else None


def _narrative(node: Node) -> str | None:
    status = node.value_at("status")
    return f"narrative ({status})" if status else None


_SUMMARIES = {
    "Coding": _coding,
    "CodeableConcept": _codeable_concept,
    "Identifier": _identifier,
    "HumanName": _human_name,
    "Quantity": _quantity,
    "Age": _quantity,
    "Duration": _quantity,
    "Distance": _quantity,
    "Count": _quantity,
    "Money": _quantity,
    "SimpleQuantity": _quantity,
    "Period": _period,
    "CompositionSection": _section,
    "Narrative": _narrative,
}


# ---------------------------------------------------------------------------------- tooltips


def node_tooltip(node: Node, context: LabelContext | None = None) -> str | None:
    """Return the tooltip of a node's row: what the element means, in the specification's words.

    Handling keys and the event get the ITK3 meaning; other elements the STU3 definition of
    the element (its short text, a blank line, its definition); resources their profile.

    Args:
        node: Any node of the tree.
        context: The message's context.

    Returns:
        Plain text, or None when nothing is known about the node.
    """
    context = context or LabelContext()
    tip = context.tips.get(id(node))
    if tip is not None:
        return tip
    if node.kind == RESOURCE:
        meta = node.child("meta")
        profiles = [p.value for p in meta.children_named("profile") if p.value] if meta is not None else []
        found_type = stu3.definition(node.name)
        lines = [f"{node.name} resource" + (f": {found_type[0]}" if found_type else "")]
        lines += [f"Profile: {p}" for p in profiles]
        return "\n".join(lines)
    if node.kind == COMMENT:
        return node.value
    found = element_definition(node)
    if found is None:
        return None
    short, definition = found
    return short if definition in ("", short) else f"{short}\n\n{definition}"


def element_definition(node: Node) -> tuple[str, str] | None:
    """Return (short text, definition) of the STU3 element a node is, or None."""
    if node.parent is None or node.kind in (RESOURCE, COMMENT):
        return None
    parent_type = type_of(node.parent)
    if parent_type is None:
        return None
    found = stu3.definition(parent_type, node.name)
    if found is None and node.kind == XHTML:
        found = stu3.definition("Narrative", "div")
    return found


# ------------------------------------------------------------------------------------ facts


@dataclass(frozen=True, slots=True)
class NodeFacts:
    """What the details pane says about a node.

    Attributes:
        label: The row's label.
        path: The element path (``Bundle.entry[0].resource.event``).
        kind: ``element``, ``resource``, ``xhtml`` or ``comment``.
        type: The STU3 type, or None when unknown.
        cardinality: ``min..max`` of the element in STU3, or None.
        value: The value in full; for base64 data, its size instead.
        element_id: The element's ``id`` attribute, if any.
        url: An extension's url, if any.
        position: ``(line, column)`` in the source, or None.
        short: The STU3 short description, if known.
        definition: The STU3 definition (or the ITK3 meaning), if known.
        attachment: The attachment the node carries, if any.
    """

    label: str
    path: str
    kind: str
    type: str | None
    cardinality: str | None
    value: str | None
    element_id: str | None
    url: str | None
    position: tuple[int, int] | None
    short: str | None
    definition: str | None
    attachment: Attachment | None


def node_facts(node: Node, document: Document | None, context: LabelContext | None = None) -> NodeFacts:
    """Collect what the details pane shows about a node.

    Args:
        node: The node.
        document: The document it belongs to (for its source position), if any.
        context: The message's context.
    """
    context = context or LabelContext()
    type_name = type_of(node)
    definition = element_def_of(node)
    cardinality = f"{definition.min}..{definition.max_label}" if definition is not None else None
    value = node.value
    if value is not None and type_name == "base64Binary":
        size = base64_size(value)
        value = f"base64 data, {format_size(size)} ({size:,} bytes decoded)"
    short = long = None
    found = element_definition(node)
    if found is not None:
        short, long = found
    elif node.kind == RESOURCE:
        short, long = _resource_definition(node)
    special = context.tips.get(id(node))
    if special is not None:
        # The ITK3 meaning leads; the generic STU3 element is named after it.
        if short:
            stu3_text = f"STU3 {type_name or 'element'}: {short}"
            long = f"{stu3_text}\n\n{long}" if long and long != short else stu3_text
        short = special
    return NodeFacts(
        label=node_label(node, context),
        path=node_path(node),
        kind=KIND_NAMES.get(node.kind, "?"),
        type=type_name,
        cardinality=cardinality,
        value=value,
        element_id=node.id,
        url=node.url,
        position=document.position(node) if document is not None else None,
        short=short,
        definition=long,
        attachment=context.attachment(node),
    )


def _resource_definition(node: Node) -> tuple[str, str | None]:
    """What can be said of a resource: its STU3 definition, the profiles it claims, where it sits."""
    found_type = stu3.definition(node.name)
    lines = [found_type[1]] if found_type is not None else []
    meta = node.child("meta")
    for profile in meta.children_named("profile") if meta is not None else []:
        if profile.value:
            lines.append(f"Claims the profile {profile.value}.")
    wrapper = node.parent
    if wrapper is not None:
        found = element_definition(wrapper)
        if found is not None:
            lines.append(
                f"Carried in {type_of(wrapper.parent) if wrapper.parent else ''}.{wrapper.name}: {found[1] or found[0]}"
            )
    return f"{node.name} resource", "\n".join(lines) or None


def document_summary(document: Document, view: MessageView | None = None, *, edited: bool = False) -> str:
    """One line about a document for the status bar: ``ITK009D · 4 entries · XML · 25 KB``.

    The size is that of the bytes as opened or saved; ``edited`` (edits not saved) leaves it out,
    since those bytes are no longer the message.
    """
    bits = []
    if view is not None and view.event_code:
        bits.append(view.event_code)
    if view is not None and view.is_bundle:
        bits.append(f"{len(view.entries)} entries" if len(view.entries) != 1 else "1 entry")
    bits.append(document.format.upper())
    if document.source is not None and not edited:
        bits.append(format_size(len(document.source)))
    return "  ·  ".join(bits)


# ---------------------------------------------------------------------------------- helpers


def _one_line(text: str, limit: int = MAX_LABEL_VALUE) -> str:
    line = _SPACE.sub(" ", text[: limit * 4]).strip()
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
