"""ITK3 rules, payload: attachments, size, the inner bundle (FACTS §1.1, §1.3, §5.2 steps 7-9; §10 item 8).

========================  ========  =====  =====================================================
rule                      severity  code   checks
========================  ========  =====  =====================================================
itk-attachment-type       error     20004  an attachment's contentType is on the approved list
itk-attachment-unsupported error    20005  ... and among the receiver's supported types (when set)
itk-attachment-base64     error     20009  an attachment's content is present and valid base64
itk-attachment-size       error     20015  an attachment is within the size limit (5 MB)
itk-message-size          error     20015  the whole message is within the size limit
itk-payload-bundle-type   error     20009  an inner Bundle has one of the eight payload types;
                                           a document event's inner Bundle is a document
itk-document-identifier   error     20009  an inner document Bundle has identifier system+value (bdl-9)
itk-document-composition  error     20009  an inner document Bundle starts with a Composition
itk-payload-ref-unresolved error    20009  references inside an inner Bundle resolve within it (FACTS §7
                                           FHIR-PAY-02, FHIR-CC-04)
itk-payload-ref-bare-id   error     20009  ... by fullUrl, not as a bare id
itk-payload-ref-external  warning   -      ... and do not point outside the message
itk-replacement-target    error     20014  a replacement document names the document it replaces
========================  ========  =====  =====================================================

Attachments are Binary resources and Attachment elements with inline data anywhere in the
message. The approved list is the catalogue's (the NHS harness list); ``size_limit`` (bytes) and
``supported_content_types`` come from the validation options or the receiver settings.
A replacement document (its Composition ``relatesTo`` ``replaces``, as the ToC replacement
example) is processed by archiving the document it replaces; one that names no document to
replace (a ``targetIdentifier`` without a value) cannot be, so a receiver answers 20014 (FACTS §7).
The document and reference rules overlap the bundle layer's (``bundle-document-*``,
``bundle-ref-*``); they are left to it when it runs in the same validation.
"""

from __future__ import annotations

from workbench.core.bundle import BundleIndex, is_bundle
from workbench.core.catalogue import catalogue
from workbench.core.itk3.documents import replacements
from workbench.core.itk3.view import Attachment, MessageView
from workbench.core.stu3.paths import node_path
from workbench.core.stu3.typeinfo import type_of
from workbench.core.tree import RESOURCE, Document, Node
from workbench.core.validation.itk3rules.common import Findings, Rule, quoted
from workbench.core.validation.itk3rules.header import check_full_urls

RULES: dict[str, Rule] = {
    "itk-attachment-type": Rule("error", "20004", "attachment contentType is an approved file type"),
    "itk-attachment-unsupported": Rule("error", "20005", "attachment contentType is one the receiver supports"),
    "itk-attachment-base64": Rule("error", "20009", "attachment content is present and valid base64"),
    "itk-attachment-size": Rule("error", "20015", "an attachment is within the 5 MB limit"),
    "itk-message-size": Rule("error", "20015", "the message is within the 5 MB limit"),
    "itk-payload-bundle-type": Rule(
        "error", "20009", "an inner Bundle has a payload type; a document event carries a document"
    ),
    "itk-document-identifier": Rule(
        "error", "20009", "an inner document Bundle has identifier system and value (bdl-9)"
    ),
    "itk-document-composition": Rule("error", "20009", "an inner document Bundle starts with a Composition"),
    "itk-payload-ref-unresolved": Rule("error", "20009", "references in an inner Bundle resolve within it"),
    "itk-payload-ref-bare-id": Rule("error", "20009", "references in an inner Bundle are fullUrls, not bare ids"),
    "itk-payload-ref-external": Rule("warning", None, "references in an inner Bundle stay inside the message"),
    "itk-replacement-target": Rule("error", "20014", "a replacement document names the document it replaces"),
}

#: Bundle types an ITK-Payload-Bundle-1 may have (FACTS §1.1), plus document.
PAYLOAD_BUNDLE_TYPES = (
    "document",
    "message",
    "transaction",
    "transaction-response",
    "batch",
    "batch-response",
    "history",
    "searchset",
    "collection",
)


def check_size(document: Document, limit: int, out: Findings) -> None:
    """Report a message larger than ``limit`` bytes (20015)."""
    size = len(document.source) if document.source is not None else len((document.text or "").encode())
    if size > limit:
        out.add(
            "itk-message-size",
            f"the message is {_mb(size)}; receivers may reject messages over {_mb(limit)} as too large",
            document.root,
            hint="send large attachments separately or reduce them; the ITK3 recommended maximum is 5 MB",
        )


def check_attachments(view: MessageView, out: Findings, *, limit: int, supported: tuple[str, ...] | None) -> None:
    """Check every attachment's type (20004/20005), content (20009) and size (20015)."""
    approved = catalogue().approved_content_types
    for attachment in view.attachments:
        node = attachment.node
        kind = "Binary" if node.kind == RESOURCE else f"attachment {node_path(node)}"
        _check_type(attachment, kind, approved, supported, out)
        if not (attachment.encoded or "").strip():
            out.add(
                "itk-attachment-base64",
                f"the {kind} has no content",
                node,
                hint="put the file's bytes, base64-encoded, in content"
                if node.kind == RESOURCE
                else "put the file's bytes in data",
            )
            continue
        if attachment.data() is None:
            out.add(
                "itk-attachment-base64",
                f"the {kind}'s content is not valid base64",
                node.child("content") or node.child("data") or node,
                hint="encode the file with standard base64 (A-Z a-z 0-9 + / and = padding)",
            )
        elif attachment.size > limit:
            out.add(
                "itk-attachment-size",
                f"the {kind} is {_mb(attachment.size)}; receivers may reject attachments over {_mb(limit)} as too large",
                node,
                hint="reduce the attachment; the ITK3 recommended maximum is 5 MB",
            )


def _check_type(
    attachment: Attachment, kind: str, approved: tuple[str, ...], supported: tuple[str, ...] | None, out: Findings
) -> None:
    node = attachment.node
    content_type = attachment.content_type
    shown = ", ".join(approved)
    if not content_type:
        out.add(
            "itk-attachment-type",
            f"the {kind} has no contentType",
            node,
            hint=f"give its MIME type; approved types are {shown}",
        )
        return
    bare = content_type.split(";", 1)[0].strip().lower()
    where = node.child("contentType") or node
    if not catalogue().is_approved_content_type(content_type):
        note = "; the approved list spells it image/jpg" if bare == "image/jpeg" else ""
        out.add(
            "itk-attachment-type",
            f"the {kind} has contentType {quoted(content_type)}, not an approved file type{note}",
            where,
            hint=f"send the document as one of {shown}",
        )
    elif supported is not None and bare not in {s.lower() for s in supported}:
        out.add(
            "itk-attachment-unsupported",
            f"the {kind} has contentType {quoted(content_type)}, which this receiver does not support",
            where,
            hint=f"this receiver supports {', '.join(supported)}",
        )


def check_inner_bundles(view: MessageView, out: Findings, *, generic: bool) -> None:
    """Check the Bundles carried as entries of the message.

    ``generic``: also run the checks the bundle layer makes (document identifier and
    Composition, reference resolution), for when it does not run.
    """
    document_event = view.event is not None and view.event.payload_kind == "document"
    for entry in view.entries[1:]:
        inner = entry.resource
        if inner is None or not is_bundle(inner):
            continue
        kind = inner.value_at("type")
        is_payload = any(f.resource is inner for f in view.focus)
        if kind not in PAYLOAD_BUNDLE_TYPES:
            out.add(
                "itk-payload-bundle-type",
                f"the inner Bundle in entry {entry.index} has type {quoted(kind)}, not a payload Bundle type",
                inner.child("type") or inner,
                hint="use document for a FHIR document, else one of " + ", ".join(PAYLOAD_BUNDLE_TYPES[1:]),
            )
        elif document_event and is_payload and kind != "document":
            out.add(
                "itk-payload-bundle-type",
                f"event {view.event_code} carries a FHIR document, but its payload Bundle has type {quoted(kind)}",
                inner.child("type") or inner,
                hint="send the document as a Bundle of type document starting with its Composition",
            )
        index = BundleIndex(inner)
        check_full_urls(index, out)
        if generic:
            if kind == "document":
                _check_document(inner, index, out)
            _check_references(inner, index, view, out)


def check_replacements(view: MessageView, out: Findings) -> None:
    """Report a replacement document that does not say which document it replaces (20014)."""
    for replacement in replacements(view):
        if replacement.target is None:
            out.add(
                "itk-replacement-target",
                "the document replaces another (relatesTo code 'replaces') but does not say which: "
                "its target has no identifier value or reference",
                replacement.relates_to,
                hint="set relatesTo.targetIdentifier to the identifier of the Composition this document replaces",
            )


def _check_document(inner: Node, index: BundleIndex, out: Findings) -> None:
    identifier = inner.child("identifier")
    if identifier is None or not identifier.value_at("system") or not identifier.value_at("value"):
        out.add(
            "itk-document-identifier",
            "the inner document Bundle needs an identifier with both system and value (bdl-9)",
            identifier or inner,
            hint="add identifier.system https://tools.ietf.org/html/rfc4122 and a UUID value",
        )
    first = index.entries[0] if index.entries else None
    if first is None or first.resource_type != "Composition":
        found = first.resource_type if first is not None and first.resource_type else "nothing"
        out.add(
            "itk-document-composition",
            f"the inner document Bundle must start with its Composition; its first entry is {found}",
            first.node if first is not None else inner,
            hint="put the Composition in the first entry of the document Bundle",
        )


def _check_references(inner: Node, index: BundleIndex, view: MessageView, out: Findings) -> None:
    outer = view.index
    for entry in index.entries:
        if entry.resource is None or is_bundle(entry.resource):
            continue
        for node in _references(entry.resource):
            reference = node.value or ""
            if reference.startswith("#"):
                continue  # contained references: the bundle layer's concern
            found = index.resolve(reference, node)
            if found.how in ("fullUrl", "relative"):
                continue
            if found.how == "bare-id":
                target = found.entry.full_url if found.entry is not None else None
                out.add(
                    "itk-payload-ref-bare-id",
                    f"reference {quoted(reference)} in the inner Bundle is a bare id; it matches an entry only leniently",
                    node,
                    hint=f"write the entry's fullUrl{', ' + quoted(target) if target else ''}",
                )
            elif reference.startswith(("http://", "https://")):
                out.add(
                    "itk-payload-ref-external",
                    f"reference {quoted(reference)} in the inner Bundle points outside the message",
                    node,
                    hint="carry the referenced resource in the same Bundle (FHIR-PAY-02)",
                )
            else:
                in_outer = outer is not None and outer.resolve(reference, node).found
                where = " (it resolves only in the outer message Bundle)" if in_outer else ""
                out.add(
                    "itk-payload-ref-unresolved",
                    f"reference {quoted(reference)} does not resolve within the inner Bundle{where}",
                    node,
                    hint="references inside a document or payload Bundle must point to entries of that same Bundle",
                )


def _references(resource: Node) -> list[Node]:
    """The ``Reference.reference`` nodes of a resource, not descending into nested Bundles."""
    found = []
    stack = list(reversed(resource.children))
    while stack:
        node = stack.pop()
        if node.kind == RESOURCE and is_bundle(node):
            continue
        if node.name == "reference" and node.value and node.parent is not None and type_of(node.parent) == "Reference":
            found.append(node)
        stack.extend(reversed(node.children))
    return found


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 100 * 1024 else f"{size} bytes"
