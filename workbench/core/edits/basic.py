"""The small edits: set a value or an element id, remove an element, add a primitive, several as one.

Each is one mutation with an exact inverse:

* :class:`SetValue` - a primitive's value (``<code value="FA"/>``);
* :class:`SetElementId` - an element's ``id`` (``<given id="a">``);
* :class:`RemoveElement` - an element (with everything inside it);
* :class:`AddPrimitive` - a new primitive child, placed in STU3 element order;
* :class:`Compound` - several edits made, undone and redone as one step.

Every edit returns the nodes it changed (the edited node, the new node, or the parent of a
removed one); the incremental validator re-checks what contains them. Nodes made by an edit
have no source position (``src`` is -1); values keep the JSON type a JSON document needs
(``JsonNumber`` for a decimal read from JSON), so an edited JSON document validates as if it had
been written that way.
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.core import stu3
from workbench.core.edits.base import (
    Edit,
    EditableDocument,
    EditError,
    in_tree,
    is_primitive,
    stu3_position,
    typed_value,
)
from workbench.core.stu3.paths import node_path
from workbench.core.stu3.typeinfo import type_of
from workbench.core.tree import ELEMENT, FROM_JSON_ARRAY, RESOURCE, Document, Node


class SetValue(Edit):
    """Set a primitive element's value.

    Args:
        node: the primitive element.
        value: the new value (its lexical form, kept as given).
        document: the document (for the JSON type of the value).
    """

    def __init__(self, node: Node, value: str, document: Document) -> None:
        if not is_primitive(node):
            raise EditError(f"{node_path(node)} is not a primitive element, so it has no value to set")
        self.node = node
        self.old = node.value
        self.new = typed_value(node, value, document)
        self.description = f"Set {node.name} to '{value}'"

    def do(self, target: EditableDocument) -> list[Node]:
        """Set the new value."""
        if not in_tree(self.node, target.document):
            raise EditError(f"{self.node.name} is no longer in the message")
        target.set_attribute(self.node, "value", self.new)
        return [self.node]

    def undo(self, target: EditableDocument) -> list[Node]:
        """Put the old value back."""
        target.set_attribute(self.node, "value", self.old)
        return [self.node]


class SetElementId(Edit):
    """Set (or, with None, clear) an element's ``id``.

    Args:
        node: the element (a resource's logical id is its ``id`` child: use :class:`SetValue`).
        element_id: the new id, or None to remove it.
    """

    def __init__(self, node: Node, element_id: str | None) -> None:
        if node.kind != ELEMENT:
            raise EditError(f"{node_path(node)} is not an element, so it has no element id")
        self.node = node
        self.old = node.id
        self.new = element_id
        self.description = f"Set the id of {node.name}" if element_id is not None else f"Remove the id of {node.name}"

    def do(self, target: EditableDocument) -> list[Node]:
        """Set the new id."""
        if not in_tree(self.node, target.document):
            raise EditError(f"{self.node.name} is no longer in the message")
        target.set_attribute(self.node, "id", self.new)
        return [self.node]

    def undo(self, target: EditableDocument) -> list[Node]:
        """Put the old id back."""
        target.set_attribute(self.node, "id", self.old)
        return [self.node]


class RemoveElement(Edit):
    """Remove an element (or a comment) with everything inside it.

    The root cannot be removed. To remove a resource held in ``entry.resource`` or
    ``contained``, remove that element.

    Args:
        node: the element.
    """

    def __init__(self, node: Node) -> None:
        if node.parent is None:
            raise EditError("the root of a message cannot be removed")
        if node.kind == RESOURCE:
            raise EditError(f"remove the element that holds the {node.name} ({node.parent.name}), not the resource")
        self.node = node
        self.parent = node.parent
        self.index = -1
        self.description = f"Delete {node.name}"

    def do(self, target: EditableDocument) -> list[Node]:
        """Take the element out (remembering where it was)."""
        if not in_tree(self.node, target.document):
            raise EditError(f"{self.node.name} is no longer in the message")
        self.index = self.node.index_in_parent()
        target.remove(self.parent, self.index)
        return [self.parent]

    def undo(self, target: EditableDocument) -> list[Node]:
        """Put the element back where it was."""
        target.insert(self.parent, self.index, self.node)
        return [self.node]


class AddPrimitive(Edit):
    """Add a primitive child element with a value, in STU3 element order.

    The new element goes after the parent's children that STU3 orders before it or with it
    (after the last ``given`` for another ``given``), or last when the order is unknown.

    Args:
        parent: the element or resource to add to.
        name: the new element's name (``display``, ``given``).
        value: its value.
        document: the document (for the JSON type of the value).
    """

    def __init__(self, parent: Node, name: str, value: str, document: Document) -> None:
        if parent.kind not in (ELEMENT, RESOURCE):
            raise EditError(f"{parent.name} cannot hold elements")
        parent_type = type_of(parent)
        definition = stu3.element_def(parent_type, name) if parent_type else None
        if definition is not None and not definition.is_primitive:
            raise EditError(f"{name} is a {definition.type}, not a primitive; only primitives can be added")
        self.parent = parent
        self.node = Node(name, ELEMENT, typed_value(parent, value, document, name), parent)
        if document.format == "json" and definition is not None and definition.max_many:
            self.node.flags |= FROM_JSON_ARRAY
        self.index = -1
        self.description = f"Add {name}"

    def position(self) -> int:
        """The index among the parent's children where the new element belongs."""
        return stu3_position(self.parent, self.node.name)

    def do(self, target: EditableDocument) -> list[Node]:
        """Insert the new element."""
        if not in_tree(self.parent, target.document):
            raise EditError(f"{self.parent.name} is no longer in the message")
        self.index = self.position()
        target.insert(self.parent, self.index, self.node)
        return [self.node]

    def undo(self, target: EditableDocument) -> list[Node]:
        """Take the new element out again."""
        target.remove(self.parent, self.index)
        return [self.parent]


class Compound(Edit):
    """Several edits made, undone and redone as one step (a form field that sets two elements).

    Args:
        edits: the edits, made in order and undone in reverse.
        description: what they do together, in words.
    """

    def __init__(self, edits: Sequence[Edit], description: str) -> None:
        self.edits = list(edits)
        self.description = description

    def do(self, target: EditableDocument) -> list[Node]:
        """Make every edit in order; if one does not fit, undo those made and raise."""
        changed: list[Node] = []
        done: list[Edit] = []
        try:
            for edit in self.edits:
                changed.extend(edit.do(target))
                done.append(edit)
        except EditError:
            for edit in reversed(done):
                edit.undo(target)
            raise
        return changed

    def undo(self, target: EditableDocument) -> list[Node]:
        """Undo every edit, newest first."""
        changed: list[Node] = []
        for edit in reversed(self.edits):
            changed.extend(edit.undo(target))
        return changed


def deletable(node: Node) -> Node | str:
    """The node Delete removes for a selected row, or why nothing can be deleted.

    A resource shown in place of its holder (``entry.resource``, ``contained``) is removed with
    its holder. The root cannot be removed, nor a node whose removal would leave an element
    holding only a resource next to nothing else (the tree would have to show it differently).
    """
    if node.parent is None:
        return "The root of the message cannot be deleted."
    if node.kind == RESOURCE:
        holder = node.parent
        if holder.parent is None:
            return "The root of the message cannot be deleted."
        node = holder
    parent = node.parent
    assert parent is not None
    rest = [c for c in parent.children if c is not node]
    if parent.kind == ELEMENT and len(rest) == 1 and rest[0].kind == RESOURCE:
        return f"Delete the {parent.name} element that holds the {rest[0].name} instead."
    return node
