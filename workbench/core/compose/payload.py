"""Payloads and attachments: what File › Attach… and drag and drop do to a message.

Each function returns an :class:`Attached`: one undoable :class:`~workbench.core.edits.Edit`
(apply it with ``MessageSession.apply``) and what the user should know (sizes, notes, warnings).

* :func:`attach_payload` - a FHIR document Bundle or other Bundle becomes the payload entry
  (replacing the one there, if any) and ``focus`` points at it; for an event whose payload kind
  is *message* the entries of a Bundle (other than a document, which stays whole) or a single
  resource join the message Bundle itself. A
  single resource for a message that already carries a payload Bundle goes into that Bundle.
  The payload keeps every byte of meaning: the same elements, values and ids as the file (the
  tree is syntax-neutral; values are retyped for the message's syntax only).
* :func:`attach_file` - a file (PDF, image, text, Word) becomes an ITK attachment Binary
  (ITK-Attachment-Binary-1: ``contentType`` and base64 ``content``) inside the document, with a
  Composition section referring to it; its type is detected from its bytes.
* :func:`remove_payload` - the payload and ``focus`` go.
* :func:`read_fhir_file` - whether a file dropped or chosen is a FHIR payload or a file to
  attach.

Past the receiver's size limit (5 MB by default) a warning says a receiver answers 20015; a
type not on the approved list, that it answers 20004.
"""

from __future__ import annotations

import base64
import mimetypes
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePath

from workbench.core.acks.nodes import el, group, identifier, meta, reference, resource
from workbench.core.bundle import UUID_PREFIX, BundleIndex, is_bundle
from workbench.core.catalogue import catalogue
from workbench.core.clock import IdGenerator, random_ids
from workbench.core.codecs import read_bytes, render
from workbench.core.compose.events import sendable_event
from workbench.core.compose.skeleton import ComposeError
from workbench.core.edits import Compound, Edit, InsertNode, RemoveElement, SetValue, clone
from workbench.core.edits.structure import entry_resource
from workbench.core.errors import ReadError
from workbench.core.itk3.view import Attachment, MessageView, message_view
from workbench.core.tree import RESOURCE, Document, Node

_HEADER_TYPES = ("Organization", "Practitioner", "PractitionerRole")
#: Magic numbers of the file types an analyst attaches.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"{\\rtf", "application/rtf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/msword"),
)
_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: How the title of the Composition section an attached file gets begins.
ATTACHMENT_TITLE = "Attachment: "


@dataclass(frozen=True, slots=True)
class Attached:
    """One attach or remove, ready to apply.

    Attributes:
        edit: the undoable edit (one step).
        size: the bytes attached (the file, or the payload as the message will carry it).
        message_size: about how large the message will be (in its syntax) once it is applied.
        content_type: the attachment's MIME type, for a file.
        notes: what was done, in words.
        warnings: what a receiver would object to (with the code it answers).
    """

    edit: Edit
    size: int = 0
    message_size: int = 0
    content_type: str | None = None
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def detect_content_type(data: bytes, name: str | None = None) -> tuple[str, str | None]:
    """The MIME type of a file from its bytes (then its name), and a note when it was adjusted.

    JPEG images are labelled ``image/jpg``, the spelling on the ITK approved list.
    """
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            if kind == "image/jpeg" and catalogue().is_approved_content_type("image/jpg"):
                return "image/jpg", "JPEG is labelled image/jpg, the spelling on the ITK approved list"
            if kind == "application/msword" and (name or "").lower().endswith((".xls", ".ppt", ".msg")):
                break
            return kind, None
    if data.startswith(b"PK\x03\x04") and _is_docx(data):
        return _DOCX, None
    guessed = mimetypes.guess_type(name or "")[0]
    if guessed and guessed.startswith("text/") and not catalogue().is_approved_content_type(guessed) and _is_text(data):
        return "text/plain", f"labelled text/plain: {guessed} is not an approved attachment type"
    if guessed:
        return guessed, None
    if _is_text(data):
        return "text/plain", None
    return "application/octet-stream", "the file type could not be told from its bytes or name"


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return any(n.startswith("word/") for n in archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def _is_text(data: bytes) -> bool:
    sample = data[:4096]
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(sample) - 4  # a character cut at the sample's end
    return True


def size_text(size: int) -> str:
    """A size in words: ``812 bytes``, ``14.2 KB``, ``5.0 MB``."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def size_warnings(size: int, content_type: str | None, limit: int, message_size: int = 0) -> list[str]:
    """What a receiver objects to in an attachment of ``size`` bytes and this type.

    ``message_size`` is the message's size with the attachment in it (base64 makes a file about
    a third larger), which a receiver checks too.
    """
    found = []
    if size > limit:
        found.append(
            f"{size_text(size)} is past the receiver's limit of {size_text(limit)}: a receiver answers "
            "20015 Message too large"
        )
    elif message_size > limit:
        found.append(
            f"with it the message is about {size_text(message_size)}, past the receiver's limit of "
            f"{size_text(limit)}: a receiver answers 20015 Message too large"
        )
    if content_type is not None and not catalogue().is_approved_content_type(content_type):
        found.append(f"{content_type} is not an approved attachment type: a receiver answers 20004")
    return found


# ---- payloads ------------------------------------------------------------------------------


def attach_payload(
    document: Document, payload: Document, *, replace: bool = True, ids: IdGenerator = random_ids
) -> Attached:
    """The edit that attaches a FHIR payload (see the module docstring).

    Args:
        document: the message.
        payload: the FHIR document, Bundle or resource (read from a file of either syntax).
        replace: a payload Bundle replaces the one the message carries; with False that is
            refused (one document per transmission).
        ids: ids for fullUrls a payload without a UUID id needs.

    Raises:
        ComposeError: the message is not an ITK3 message, or the payload does not fit it.
    """
    view = _message(document)
    root = clone(payload.root)
    kind = _payload_kind(view)
    name = (payload.path and PurePath(payload.path).name) or root.name
    if is_bundle(root) and (kind != "message" or root.value_at("type") == "document"):
        if not replace and _payload_entry(view) is not None:
            raise ComposeError(
                f"the message already carries a payload Bundle; {name} would replace it (one document per transmission)"
            )
        return _bundle_payload(document, view, root, name, ids)
    if is_bundle(root):
        return _resources_payload(document, view, _entries(root), name, root.value_at("type"))
    inner = view.payload if view.payload is not None and is_bundle(view.payload) else None
    if inner is not None and kind != "message":
        entry = _new_entry(root, _used_urls(inner), ids)
        edit = InsertNode(inner, entry, document, description=f"Add {root.name} to the payload")
        what = "the document" if inner.value_at("type") == "document" else "the payload Bundle"
        return Attached(edit, notes=(f"{root.name} from {name} added to {what}",))
    return _resources_payload(document, view, [(None, root)], name, None)


def _bundle_payload(document: Document, view: MessageView, root: Node, name: str, ids: IdGenerator) -> Attached:
    notes = []
    kind = _payload_kind(view)
    bundle_type = root.value_at("type")
    if kind == "document" and bundle_type != "document":
        notes.append(f"{view.event_code} carries a FHIR document, but this Bundle's type is {bundle_type or '(none)'}")
    entry = _new_entry(root, _used_urls(view.bundle), ids)
    full_url = entry.value_at("fullUrl") or ""
    if full_url != f"{UUID_PREFIX}{root.value_at('id')}":
        notes.append("the Bundle has no UUID id, so its entry's fullUrl is a fresh urn:uuid")
    old = _payload_entry(view)
    edits: list[Edit] = []
    if old is not None:
        index = old.index_in_parent()
        edits.append(RemoveElement(old))
        edits.append(InsertNode(view.bundle, entry, document, index=index))
        notes.append(f"replaced the payload {_entry_label(old)} with {bundle_type or 'a'} Bundle from {name}")
        action = "Replace the payload"
    else:
        edits.append(InsertNode(view.bundle, entry, document))
        notes.append(f"{bundle_type or 'the'} Bundle from {name} is the payload; focus points at it")
        action = "Attach the payload"
    edits.extend(_focus_edits(document, view, full_url))
    return Attached(Compound(edits, action), notes=tuple(notes))


def _resources_payload(
    document: Document, view: MessageView, items: list[tuple[Node | None, Node]], name: str, bundle_type: str | None
) -> Attached:
    """Resources placed directly in the message Bundle (an event whose payload kind is message)."""
    used = _used_urls(view.bundle)
    edits: list[Edit] = []
    first_url = None
    for source_entry, res in items:
        full_url = source_entry.value_at("fullUrl") if source_entry is not None else None
        if not full_url:
            rid = res.value_at("id")
            full_url = f"{UUID_PREFIX}{rid}" if rid else None
        if full_url is None:
            raise ComposeError(f"the {res.name} from {name} has no id or fullUrl, so nothing could refer to it")
        if full_url in used:
            raise ComposeError(
                f"the message already has an entry {full_url}; the {res.name} from {name} would repeat it"
            )
        used.add(full_url)
        entry = group("entry", el("fullUrl", full_url), group("resource", res))
        edits.append(InsertNode(view.bundle, entry, document))
        first_url = first_url or full_url
    if not edits:
        raise ComposeError(f"{name} holds no resources to attach")
    assert first_url is not None
    notes = [f"{len(edits)} resource(s) from {name} added to the message Bundle"]
    if bundle_type is not None:
        notes[0] = f"the {len(edits)} entries of the {bundle_type} Bundle {name} added to the message Bundle"
    if not view.focus:
        edits.extend(_focus_edits(document, view, first_url))
        notes.append(f"focus points at the first, {items[0][1].name}")
    return Attached(
        Compound(edits, f"Attach {len(edits)} resource(s)" if len(edits) > 1 else f"Attach {items[0][1].name}"),
        notes=tuple(notes),
    )


def remove_payload(document: Document) -> Attached:
    """The edit that removes the payload and ``focus``.

    Raises:
        ComposeError: the message has no payload to remove.
    """
    view = _message(document)
    old = _payload_entry(view)
    edits: list[Edit] = []
    if old is not None:
        edits.append(RemoveElement(old))
    edits.extend(RemoveElement(p.node) for p in view.focus)
    if not edits:
        raise ComposeError("the message has no payload to remove")
    what = _entry_label(old) if old is not None else "focus"
    return Attached(Compound(edits, "Remove the payload"), notes=(f"removed {what}",))


# ---- files --------------------------------------------------------------------------------

#: What marks bytes as meant to be FHIR (the XML namespace, the JSON member every resource has).
_FHIR_MARKS = (b"http://hl7.org/fhir", b'"resourceType"')


def read_fhir_file(data: bytes, name: str) -> Document | None:
    """The FHIR resource a file holds (attach it as a payload), or None for any other file.

    A file that reads as a FHIR resource, in XML or JSON, is a payload; any other file (a PDF,
    an image, text, XML or JSON that is not FHIR) is attached as a file. A file that is meant
    to be FHIR (it names the FHIR namespace or has a ``resourceType``) but cannot be read is
    refused, saying where reading stopped: attaching it as a Binary would hide the mistake.

    Raises:
        ComposeError: the file looks like FHIR but cannot be read.
    """
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head not in (b"<", b"{"):
        return None
    try:
        document = read_bytes(data, name)
    except ReadError as exc:
        if any(mark in data[:8192] for mark in _FHIR_MARKS):
            raise ComposeError(f"{name} looks like FHIR but cannot be read: {exc.message}{_where(exc)}") from None
        return None
    return document if document.root.kind == RESOURCE else None


def _where(error: ReadError) -> str:
    return f" (line {error.line}, column {error.column})" if error.line is not None else ""


def attach_file(
    document: Document,
    data: bytes,
    name: str,
    *,
    content_type: str | None = None,
    limit: int | None = None,
    ids: IdGenerator = random_ids,
) -> Attached:
    """The edit that attaches a file as an ITK attachment Binary (see the module docstring).

    Raises:
        ComposeError: the message has nowhere to put it (a document event without its document).
    """
    view = _message(document)
    notes: list[str] = []
    if content_type is None:
        content_type, note = detect_content_type(data, name)
        if note:
            notes.append(note)
    limit = limit or catalogue().size_limit_bytes
    urls = catalogue().urls
    rid = ids()
    binary = resource(
        "Binary",
        el("id", rid),
        meta(urls.attachment_binary_profile),
        el("contentType", content_type),
        el("content", base64.b64encode(data).decode("ascii")),
    )
    entry = group("entry", el("fullUrl", f"{UUID_PREFIX}{rid}"), group("resource", binary))
    payload = view.payload if view.payload is not None and is_bundle(view.payload) else None
    kind = _payload_kind(view)
    edits: list[Edit] = []
    if payload is not None:
        edits.append(InsertNode(payload, entry, document))
        composition = view.composition if payload.value_at("type") == "document" else None
        if composition is not None:
            title = f"{ATTACHMENT_TITLE}{name}"
            section = group("section", el("title", title), reference("entry", f"{UUID_PREFIX}{rid}"))
            edits.append(InsertNode(composition, section, document))
            notes.append(f"{name} is a Binary in the document; a Composition section refers to it")
        else:
            notes.append(f"{name} is a Binary in the payload Bundle")
    elif kind == "document":
        raise ComposeError(
            f"{view.event_code} carries a FHIR document and files go inside it: attach the document first"
        )
    elif kind == "collection":
        bundle_id = ids()
        inner = resource(
            "Bundle",
            el("id", bundle_id),
            meta(urls.payload_bundle_profile),
            identifier(urls.uuid_identifier_system, ids()),
            el("type", "collection"),
            entry,
        )
        outer = group("entry", el("fullUrl", f"{UUID_PREFIX}{bundle_id}"), group("resource", inner))
        edits.append(InsertNode(view.bundle, outer, document))
        edits.extend(_focus_edits(document, view, f"{UUID_PREFIX}{bundle_id}"))
        notes.append(f"{name} is a Binary in a new payload Bundle (collection); focus points at it")
    else:
        edits.append(InsertNode(view.bundle, entry, document))
        if not view.focus:
            edits.extend(_focus_edits(document, view, f"{UUID_PREFIX}{rid}"))
        notes.append(f"{name} is a Binary in the message Bundle")
    notes.insert(0, f"{name}: {content_type}, {size_text(len(data))}")
    message_size = _rendered_size(document) + len(binary.value_at("content") or "") + _ENTRY_OVERHEAD
    warnings = size_warnings(len(data), content_type, limit, message_size)
    return Attached(
        Compound(edits, f"Attach {name}"),
        size=len(data),
        message_size=message_size,
        content_type=content_type,
        notes=tuple(notes),
        warnings=tuple(warnings),
    )


def attachment_name(view: MessageView, attachment: Attachment) -> str:
    """What an attachment is called, for a list of them.

    The title of the Composition section that refers to its Binary (``Attachment: letter.pdf``
    as File › Attach… writes it, the prefix left out), else the attachment's own title, else a
    name made from its id and type.
    """
    if attachment.title:
        return attachment.title
    holder = attachment.node.parent
    entry = holder.parent if holder is not None else None
    full_url = entry.value_at("fullUrl") if entry is not None and entry.name == "entry" else None
    composition = view.composition
    if full_url and composition is not None:
        sections = list(composition.children_named("section"))
        while sections:
            section = sections.pop(0)
            sections.extend(section.children_named("section"))
            if any(e.value_at("reference") == full_url for e in section.children_named("entry")):
                title = (section.value_at("title") or "").strip()
                if title:
                    return title[len(ATTACHMENT_TITLE) :] if title.startswith(ATTACHMENT_TITLE) else title
    return attachment.suggested_name


# ---- helpers --------------------------------------------------------------------------------

#: Bytes an attachment's entry, Binary and section add besides the base64 content (about).
_ENTRY_OVERHEAD = 600


def _rendered_size(document: Document) -> int:
    """The message's size in its syntax now (its source when unedited would do, but may be stale)."""
    return len(render(document, document.format))


def _message(document: Document) -> MessageView:
    view = message_view(document)
    if not view.is_message or view.header is None:
        raise ComposeError("this is not an ITK3 message (a Bundle whose first entry is a MessageHeader)")
    if view.is_response:
        raise ComposeError("an ITK Response carries no payload")
    return view


def _payload_kind(view: MessageView) -> str:
    event = sendable_event(view.event_code or "")
    return event.payload_kind if event is not None else "message"


def _payload_entry(view: MessageView) -> Node | None:
    """The entry holding the payload the header's focus names (not a header party)."""
    for party in view.focus:
        found = party.resolution.entry
        if (
            found is not None
            and found.index > 0
            and found.resource is not None
            and found.resource.name not in _HEADER_TYPES
        ):
            return found.node
    return None


def _entry_label(entry: Node) -> str:
    found = entry_resource(entry)
    if found is None:
        return "entry"
    kind = found.value_at("type") if is_bundle(found) else None
    return f"{kind} Bundle" if kind else found.name


def _entries(bundle: Node) -> list[tuple[Node | None, Node]]:
    return [(e.node, e.resource) for e in BundleIndex(bundle).entries if e.resource is not None]


def _used_urls(bundle: Node) -> set[str]:
    return {e.full_url for e in BundleIndex(bundle).entries if e.full_url}


def _new_entry(res: Node, used: set[str], ids: IdGenerator) -> Node:
    rid = res.value_at("id")
    full_url = f"{UUID_PREFIX}{rid}" if rid and _looks_like_uuid(rid) else f"{UUID_PREFIX}{ids()}"
    if full_url in used:
        full_url = f"{UUID_PREFIX}{ids()}"
    return group("entry", el("fullUrl", full_url), group("resource", res))


def _looks_like_uuid(text: str) -> bool:
    parts = text.split("-")
    return [len(p) for p in parts] == [8, 4, 4, 4, 12] and all(c in "0123456789abcdefABCDEF" for c in "".join(parts))


def _focus_edits(document: Document, view: MessageView, full_url: str) -> list[Edit]:
    """Point focus at ``full_url``: set the one focus, or add it to the header."""
    header = view.header
    assert header is not None
    if view.focus:
        target = view.focus[0].node.child("reference")
        if target is not None:
            return [SetValue(target, full_url, document)] if target.value != full_url else []
        return [InsertNode(view.focus[0].node, el("reference", full_url), document)]
    return [InsertNode(header, reference("focus", full_url), document)]


__all__ = [
    "Attached",
    "attach_file",
    "attach_payload",
    "attachment_name",
    "detect_content_type",
    "read_fhir_file",
    "remove_payload",
    "size_text",
    "size_warnings",
]
