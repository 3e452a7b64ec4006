"""Edits that add, move and copy whole elements and entries.

* :class:`InsertNode` - put a prepared subtree (a new complex element, a pasted element, a new
  Bundle entry) into the tree, in STU3 element order or at a given index;
* :class:`MoveElement` - move an element up or down among the repeats of its name;
* :func:`duplicate` - the edit that puts a copy of an element (or a whole entry, with a fresh
  id and fullUrl) right after it.

A subtree inserted into a document is first *retyped* for that document (:func:`retype`): in
a JSON document a boolean or number value gets the JSON type its place in STU3 says, in an XML
document every value is plain text, so an element copied between messages of either syntax is
written and validated as if it had been read there.
"""

from __future__ import annotations

from workbench.core import stu3
from workbench.core.bundle import UUID_PREFIX
from workbench.core.clock import IdGenerator, random_ids
from workbench.core.edits.base import Edit, EditableDocument, EditError, in_tree, json_typed, stu3_position
from workbench.core.stu3.paths import node_path
from workbench.core.stu3.typeinfo import element_def_of, type_of
from workbench.core.tree import COMMENT, ELEMENT, FROM_JSON_ARRAY, RESOURCE, Document, Node


def clone(node: Node) -> Node:
    """A deep copy of ``node`` and everything inside it, detached and with no source position."""
    copy = Node(node.name, node.kind, node.value)
    copy.id, copy.url, copy.flags = node.id, node.url, node.flags
    if node.xml is not None and not node.xml.is_empty():
        copy.xml = type(node.xml)()
        for slot in node.xml.__slots__:
            value = getattr(node.xml, slot)
            setattr(copy.xml, slot, dict(value) if isinstance(value, dict) else value)
    for child in node.children:
        copy.append(clone(child))
    return copy


def retype(node: Node, parent: Node, document: Document) -> None:
    """Give the values in ``node`` the types they need as a child of ``parent`` in ``document``.

    JSON: booleans and numbers STU3 defines become :class:`JsonLiteral`/:class:`JsonNumber`
    (when the text is one) and repeating elements are marked as array items; XML: every value
    becomes plain text and no node is an array item. Elements STU3 does not know keep what they
    have in a JSON document.
    """
    json = document.format == "json"
    stack = [(node, type_of(parent))]
    while stack:
        current, parent_type = stack.pop()
        if current.kind == COMMENT:
            continue
        definition = stu3.element_def(parent_type, current.name) if parent_type and current.kind == ELEMENT else None
        if current.kind == RESOURCE:
            own_type: str | None = current.name
        else:
            own_type = definition.type if definition is not None else None
        if json:
            if definition is not None:
                if definition.max_many:
                    current.flags |= FROM_JSON_ARRAY
                else:
                    current.flags &= ~FROM_JSON_ARRAY
                if current.value is not None and current.kind == ELEMENT:
                    current.value = json_typed(current.value, definition.json_kind)
        else:
            current.flags &= ~FROM_JSON_ARRAY
            if current.value is not None and type(current.value) is not str:
                current.value = str.__str__(current.value)
        stack.extend((child, own_type) for child in current.children)


class InsertNode(Edit):
    """Insert a prepared subtree as a child of ``parent``.

    Args:
        parent: the element or resource that gets the new child.
        node: the subtree (detached; it is retyped for the document here).
        document: the document edited.
        index: where among ``parent.children`` it goes; None for its place in STU3 order
            (after the children STU3 orders before it or with it).
        description: what the edit does, in words (default ``Add <name>``).
    """

    def __init__(
        self,
        parent: Node,
        node: Node,
        document: Document,
        *,
        index: int | None = None,
        description: str | None = None,
    ) -> None:
        if parent.kind not in (ELEMENT, RESOURCE):
            raise EditError(f"{parent.name} cannot hold elements")
        if node.parent is not None:
            raise EditError(f"{node.name} is already in a tree; insert a copy of it")
        retype(node, parent, document)
        self.parent = parent
        self.node = node
        self.wanted = index
        self.index = -1
        self.description = description or f"Add {node.name}"

    def do(self, target: EditableDocument) -> list[Node]:
        """Insert the subtree."""
        if not in_tree(self.parent, target.document):
            raise EditError(f"{self.parent.name} is no longer in the message")
        if any(c is self.node for c in self.parent.children):
            raise EditError(f"{self.node.name} has been inserted already")
        count = len(self.parent.children)
        self.index = stu3_position(self.parent, self.node.name) if self.wanted is None else min(self.wanted, count)
        target.insert(self.parent, self.index, self.node)
        return [self.node]

    def undo(self, target: EditableDocument) -> list[Node]:
        """Take the subtree out again."""
        index = self.index if self.parent.children[self.index : self.index + 1] == [self.node] else None
        target.remove(self.parent, index if index is not None else self.node.index_in_parent())
        return [self.parent]


class MoveElement(Edit):
    """Move an element one place up or down among the elements of the same name.

    Args:
        node: the element (a resource moves with the element that holds it: pass that).
        offset: -1 for up, +1 for down.

    Raises:
        EditError: the element has no neighbour of its name that way.
    """

    def __init__(self, node: Node, offset: int) -> None:
        if node.parent is None or node.kind != ELEMENT:
            raise EditError("only an element among repeats of its name can be moved")
        if offset not in (-1, 1):
            raise EditError("an element moves one place up (-1) or down (+1)")
        if neighbour(node, offset) is None:
            raise EditError(f"{node_path(node)} is already the {'first' if offset < 0 else 'last'} {node.name}")
        self.node = node
        self.parent = node.parent
        self.offset = offset
        self.start = self.end = -1
        self.description = f"Move {node.name} {'up' if offset < 0 else 'down'}"

    def do(self, target: EditableDocument) -> list[Node]:
        """Put the element on the other side of its neighbour."""
        if not in_tree(self.node, target.document):
            raise EditError(f"{self.node.name} is no longer in the message")
        other = neighbour(self.node, self.offset)
        if other is None:
            raise EditError(f"{node_path(self.node)} has no {self.node.name} to move past")
        self.start = self.node.index_in_parent()
        goal = other.index_in_parent()
        target.remove(self.parent, self.start)
        self.end = goal
        target.insert(self.parent, self.end, self.node)
        return [self.parent]

    def undo(self, target: EditableDocument) -> list[Node]:
        """Put the element back where it was."""
        target.remove(self.parent, self.end)
        target.insert(self.parent, self.start, self.node)
        return [self.parent]


def neighbour(node: Node, offset: int) -> Node | None:
    """The nearest sibling of the same name before (-1) or after (+1) ``node``, or None."""
    parent = node.parent
    if parent is None:
        return None
    siblings = [c for c in parent.children if c.name == node.name and c.kind == node.kind]
    position = next(i for i, c in enumerate(siblings) if c is node)
    other = position + offset
    return siblings[other] if 0 <= other < len(siblings) else None


def holder_of(node: Node) -> Node:
    """The element that stands for ``node`` among its siblings: the holder of a nested resource."""
    if node.kind == RESOURCE and node.parent is not None:
        return node.parent
    return node


def movable(node: Node) -> Node:
    """The element that Move Up/Down and Duplicate act on for a row showing ``node``.

    A resource in a Bundle entry stands for the whole ``entry``; another nested resource for
    the element holding it (``contained``); any other node for itself.
    """
    element = holder_of(node)
    if element.name == "resource" and element.parent is not None and element.parent.name == "entry":
        return element.parent
    return element


def can_move(node: Node, offset: int) -> bool:
    """True when the element a row stands for (:func:`movable`) has a repeat to move past that way."""
    element = movable(node)
    return element.kind == ELEMENT and element.parent is not None and neighbour(element, offset) is not None


def repeats(node: Node) -> bool:
    """True when ``node``'s element may appear more than once where it is (or STU3 does not say)."""
    if node.kind != ELEMENT or node.parent is None:
        return False
    if node.name in ("extension", "modifierExtension"):
        return True
    definition = element_def_of(node)
    return definition.max_many if definition is not None else True


def duplicate(node: Node, document: Document, ids: IdGenerator = random_ids) -> InsertNode:
    """The edit that puts a copy of ``node`` right after it.

    A resource is copied with the element holding it; a Bundle ``entry`` (or the resource in
    one) is copied as a whole entry whose resource gets a fresh id and whose fullUrl is
    ``urn:uuid:`` and that id, so the copy is a new entry, not a duplicate fullUrl.

    Raises:
        EditError: the element cannot repeat where it is.
    """
    element = movable(node)
    parent = element.parent
    if parent is None:
        raise EditError("the root of a message cannot be duplicated")
    if not repeats(element):
        raise EditError(f"{element.name} can appear only once in {node_path(parent)}, so it cannot be duplicated")
    copy = clone(element)
    what = element.name
    if element.name == "entry":
        resource = entry_resource(copy)
        if resource is not None:
            give_fresh_id(copy, ids)
            what = f"entry ({resource.name})"
    return InsertNode(parent, copy, document, index=element.index_in_parent() + 1, description=f"Duplicate {what}")


def entry_resource(entry: Node) -> Node | None:
    """The resource an ``entry`` element carries, or None."""
    holder = entry.child("resource")
    return holder.resource() if holder is not None else None


def give_fresh_id(entry: Node, ids: IdGenerator = random_ids) -> str:
    """Give an entry's resource a fresh id and make the fullUrl ``urn:uuid:`` and that id; return it."""
    resource = entry_resource(entry)
    new_id = ids()
    if resource is not None:
        found = resource.child("id")
        if found is None:
            found = Node("id")
            found.parent = resource
            resource.children.insert(0, found)
        found.value = new_id
    full_url = entry.child("fullUrl")
    if full_url is None:
        full_url = Node("fullUrl")
        full_url.parent = entry
        entry.children.insert(next((i for i, c in enumerate(entry.children) if c.name != "link"), 0), full_url)
    full_url.value = f"{UUID_PREFIX}{new_id}"
    return new_id


__all__ = [
    "InsertNode",
    "MoveElement",
    "can_move",
    "clone",
    "duplicate",
    "entry_resource",
    "give_fresh_id",
    "holder_of",
    "movable",
    "neighbour",
    "repeats",
    "retype",
]
