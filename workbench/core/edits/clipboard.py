"""Copy and paste as FHIR XML or JSON text, between messages of either syntax.

What goes on the clipboard is plain FHIR text another tool understands:

* a **resource** (or the element holding one, such as ``entry.resource``) as a whole FHIR
  document, ``<Patient xmlns="http://hl7.org/fhir">...`` or ``{"resourceType": "Patient", ...}``;
* an **element** as an XML fragment in the FHIR namespace (``<identifier xmlns=
  "http://hl7.org/fhir"><system value="..."/>...</identifier>``) or as the JSON member it is
  (``{"identifier": [{"system": "..."}]}``), with the JSON types its place in STU3 gives it.

:func:`paste` turns clipboard text into the edit that puts it into a message: a resource
becomes a new Bundle entry (with a fresh id when its id is not a free UUID), an element becomes
a child of the selected element, or its sibling when only the parent can hold it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from workbench.core import stu3
from workbench.core.bundle import UUID_PREFIX, is_bundle
from workbench.core.clock import IdGenerator, random_ids
from workbench.core.codecs import read_bytes, render
from workbench.core.edits.base import Edit, EditError
from workbench.core.edits.basic import Compound
from workbench.core.edits.structure import InsertNode, clone, entry_resource, give_fresh_id
from workbench.core.errors import ReadError
from workbench.core.stu3.paths import node_path
from workbench.core.stu3.typeinfo import type_of
from workbench.core.tree import COMMENT, ELEMENT, KIND_NAMES, RESOURCE, XHTML, Document, Node

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
#: The resource type the JSON form of an element fragment is read under (it names no real type).
_FRAGMENT = "Fragment"


@dataclass(frozen=True, slots=True)
class Fragment:
    """What clipboard text holds.

    Attributes:
        nodes: the resource (one) or the elements (one or more, detached).
        is_resource: True for a resource.
        syntax: ``xml`` or ``json``.
    """

    nodes: tuple[Node, ...]
    is_resource: bool
    syntax: str

    @property
    def label(self) -> str:
        """What it is, in words: ``Patient`` or ``identifier``."""
        return ", ".join(dict.fromkeys(n.name for n in self.nodes))


# ---- copy -------------------------------------------------------------------------------------


def copy_text(node: Node, syntax: str = "xml") -> str:
    """The clipboard text for ``node`` in ``syntax`` (``xml`` or ``json``).

    A resource, or an element that only holds a resource, is copied as the resource.
    """
    if syntax not in ("xml", "json"):
        raise ValueError(f"unknown syntax {syntax!r}")
    if node.kind == ELEMENT and node.resource() is not None and len(list(node.elements())) == 1:
        node = node.resource()  # type: ignore[assignment]
    if node.kind in (COMMENT, XHTML):
        raise EditError(f"a {KIND_NAMES[node.kind]} cannot be copied on its own: copy the element that holds it")
    if node.kind == RESOURCE or syntax == "xml":
        return render(Document(clone(node), syntax), syntax, plain=True).decode("utf-8")
    return _element_json(node)


def _element_json(node: Node) -> str:
    """An element as the JSON member it is, typed by its place (``{"given": ["Jane"]}``)."""
    owner = node.parent.owning_resource() if node.parent is not None else None
    if owner is None:
        raise EditError(f"{node.name} is not inside a resource, so its JSON form is not known")
    chain: list[Node] = []
    current = node.parent
    while current is not None and current is not owner:
        chain.append(current)
        current = current.parent
    top = Node(owner.name, RESOURCE)
    bottom = top
    for ancestor in reversed(chain):
        step = Node(ancestor.name, ancestor.kind)
        step.url = ancestor.url
        bottom = bottom.append(step)
    bottom.append(clone(node))
    data = json.loads(render(Document(top, "json"), "json", plain=True), parse_float=_Raw, parse_int=_Raw)
    for ancestor in reversed(chain):
        data = data[ancestor.name]
        if isinstance(data, list):
            data = data[0]
    member = {k: v for k, v in data.items() if k in (node.name, f"_{node.name}")}
    return _dump(member, 0) + "\n"


class _Raw(str):
    """A JSON number kept as its text."""


def _dump(value: object, depth: int) -> str:
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {_dump(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(f"{inner}{_dump(v, depth + 1)}" for v in value) + f"\n{pad}]"
    if isinstance(value, _Raw):
        return str.__str__(value)
    return json.dumps(value, ensure_ascii=False)


# ---- paste ------------------------------------------------------------------------------------


def read_clipboard(text: str) -> Fragment:
    """Read clipboard text as FHIR XML or JSON.

    Raises:
        EditError: the text is not a FHIR resource or element in XML or JSON.
    """
    stripped = text.strip().lstrip("\ufeff")
    if not stripped:
        raise EditError("the clipboard is empty")
    try:
        if stripped.startswith("<"):
            root = read_bytes(stripped.encode("utf-8"), syntax="xml").root
            root.parent = None
            return Fragment((root,), root.kind == RESOURCE, "xml")
        if stripped.startswith("{"):
            return _json_fragment(stripped)
    except ReadError as exc:
        raise EditError(f"the clipboard text is not readable FHIR: {exc.message}") from None
    raise EditError("the clipboard holds no FHIR XML or JSON (it should start with '<' or '{')")


def _json_fragment(text: str) -> Fragment:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise EditError(f"the clipboard text is not readable JSON: {exc}") from None
    if not isinstance(data, dict) or not data:
        raise EditError("the clipboard JSON is not an object with FHIR content")
    if "resourceType" in data:
        root = read_bytes(text.encode("utf-8"), syntax="json").root
        root.parent = None
        return Fragment((root,), True, "json")
    wrapped = '{"resourceType": "' + _FRAGMENT + '", ' + text[text.index("{") + 1 :]
    root = read_bytes(wrapped.encode("utf-8"), syntax="json").root
    nodes = tuple(c for c in root.children if c.kind != COMMENT)
    for node in nodes:
        node.parent = None
    return Fragment(nodes, False, "json")


def paste(document: Document, target: Node, text: str, ids: IdGenerator = random_ids) -> Edit:
    """The edit that pastes clipboard ``text`` at ``target`` (the selected node).

    Raises:
        EditError: the text is not FHIR, or what it holds has no place there.
    """
    fragment = read_clipboard(text)
    if fragment.is_resource:
        return _paste_resource(document, target, fragment.nodes[0], ids)
    return _paste_elements(document, target, fragment, ids)


def _paste_resource(document: Document, target: Node, resource: Node, ids: IdGenerator) -> Edit:
    bundle, after = _bundle_place(target)
    if bundle is None:
        raise EditError(
            f"a {resource.name} resource is pasted into a Bundle as a new entry: select the Bundle or one of its entries"
        )
    entry = Node("entry")
    entry.append(Node("fullUrl", value=""))
    entry.append(Node("resource")).append(resource)
    rid = resource.value_at("id") or ""
    used = _used_ids(bundle)
    renamed = not _UUID.fullmatch(rid) or rid in used
    if renamed:
        give_fresh_id(entry, ids)
    else:
        entry.child("fullUrl").value = f"{UUID_PREFIX}{rid}"  # type: ignore[union-attr]
    index = after.index_in_parent() + 1 if after is not None else None
    note = " (with a new id)" if renamed else ""
    return InsertNode(bundle, entry, document, index=index, description=f"Paste {resource.name}{note}")


def _bundle_place(target: Node) -> tuple[Node | None, Node | None]:
    """The Bundle a pasted resource goes into and the entry it goes after (None: at the end)."""
    node: Node | None = target
    while node is not None:
        if node.kind == RESOURCE and is_bundle(node):
            return node, None
        if node.kind == ELEMENT and node.name == "entry" and is_bundle(node.parent):
            return node.parent, node
        if node.kind == RESOURCE and not is_bundle(node):
            holder = node.parent
            if holder is None or holder.parent is None or holder.parent.name != "entry":
                return None, None
        node = node.parent
    return None, None


def _used_ids(bundle: Node) -> set[str]:
    used = set()
    for entry in bundle.children_named("entry"):
        full_url = entry.value_at("fullUrl") or ""
        if full_url.startswith(UUID_PREFIX):
            used.add(full_url[len(UUID_PREFIX) :])
        resource = entry_resource(entry)
        if resource is not None and resource.value_at("id"):
            used.add(resource.value_at("id") or "")
    return used


def _paste_elements(document: Document, target: Node, fragment: Fragment, ids: IdGenerator) -> Edit:
    names = [n.name for n in fragment.nodes]
    holder, after = None, None
    why = _refusal(target, names)
    if why is None:
        holder = target
    elif target.kind == ELEMENT and target.parent is not None and _refusal(target.parent, names) is None:
        holder, after = target.parent, target
    if holder is None:
        raise EditError(f"{fragment.label} cannot be pasted into {node_path(target)}: {why}")
    edits: list[Edit] = []
    for offset, node in enumerate(fragment.nodes):
        if node.name == "entry" and is_bundle(holder) and entry_resource(node) is not None:
            rid = entry_resource(node).value_at("id") or ""  # type: ignore[union-attr]
            if rid in _used_ids(holder) or not _UUID.fullmatch(rid):
                give_fresh_id(node, ids)
        index = after.index_in_parent() + 1 + offset if after is not None and node.name == after.name else None
        edits.append(InsertNode(holder, node, document, index=index))
    label = f"Paste {fragment.label}"
    if len(edits) == 1:
        edits[0].description = label
        return edits[0]
    return Compound(edits, label)


def _refusal(parent: Node, names: list[str]) -> str | None:
    """Why ``parent`` cannot get children called ``names`` (None when it can)."""
    if parent.kind not in (ELEMENT, RESOURCE):
        return "it holds no elements"
    parent_type = type_of(parent)
    if parent_type is None:
        return "its type is not known, so what it may hold is not known"
    for name in dict.fromkeys(names):
        definition = stu3.element_def(parent_type, name)
        if definition is None:
            return f"a {parent_type} has no element {name}"
        present = len(parent.children_named(name))
        if not definition.max_many and present + names.count(name) > 1:
            return f"a {parent_type} has at most one {name}" + (" and already has it" if present else "")
    return None


__all__ = ["Fragment", "copy_text", "paste", "read_clipboard"]
