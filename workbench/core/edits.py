"""Undoable edits of a document's tree, without Qt.

An :class:`EditableDocument` wraps a :class:`~workbench.core.tree.Document` while it is being
edited: it applies :class:`Edit` objects (and reverts them, newest first), counts a ``version``
that changes with every change of the tree, knows whether the tree differs from what was last
saved (``modified``), and tells its observers about every change *before and after* it happens,
so a view can keep its rows in step (a Qt item model needs to know which rows are about to be
inserted or removed).

Four edits, each one small mutation with an exact inverse:

* :class:`SetValue` - a primitive's value (``<code value="FA"/>``);
* :class:`SetElementId` - an element's ``id`` (``<given id="a">``);
* :class:`RemoveElement` - an element (with everything inside it);
* :class:`AddPrimitive` - a new primitive child, placed in STU3 element order.

Every edit returns the nodes it changed (the edited node, the new node, or the parent of a
removed one); the incremental validator re-checks what contains them. Nodes made by an edit
have no source position (``src`` is -1); values keep the JSON type a JSON document needs
(``JsonNumber`` for a decimal read from JSON), so an edited JSON document validates as if it had
been written that way.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence

from workbench.core import stu3
from workbench.core.stu3.paths import node_path
from workbench.core.stu3.typeinfo import element_def_of, type_of
from workbench.core.tree import (
    COMMENT,
    ELEMENT,
    FROM_JSON_ARRAY,
    RESOURCE,
    Document,
    JsonLiteral,
    JsonNumber,
    Node,
)

_JSON_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")


class EditError(ValueError):
    """An edit that cannot be made (the node is not in the tree, not a primitive, ...)."""


class EditObserver:
    """Told about every change of an :class:`EditableDocument`'s tree (override what you need).

    Structural changes come in pairs around the mutation: ``*_about_to_*`` while the tree is
    still as it was, then the matching call once it has changed. ``edited`` comes last, once per
    applied or reverted edit, with the nodes it changed.
    """

    def node_about_to_change(self, node: Node) -> None:
        """A node's value or id is about to change."""

    def node_changed(self, node: Node) -> None:
        """A node's value or id changed."""

    def child_about_to_be_inserted(self, parent: Node, index: int, child: Node) -> None:
        """``child`` is about to become ``parent.children[index]``."""

    def child_inserted(self, parent: Node, index: int, child: Node) -> None:
        """``child`` is now ``parent.children[index]``."""

    def child_about_to_be_removed(self, parent: Node, index: int, child: Node) -> None:
        """``parent.children[index]`` (``child``) is about to be removed."""

    def child_removed(self, parent: Node, index: int, child: Node) -> None:
        """``child`` was removed from ``parent`` (it was at ``index``)."""

    def edited(self, changed: Sequence[Node]) -> None:
        """An edit was applied or reverted; ``changed`` are the nodes it changed."""


class EditableDocument:
    """A document under edit: applies and reverts edits, counts versions, notifies observers.

    Edits are reverted newest first (a linear history, as an undo stack keeps it).

    Attributes:
        document: the document edited (its tree changes in place; ``source`` stays the bytes
            as received).
        version: increases with every applied or reverted edit; a result computed for an older
            version is stale.
        observers: told about each change, in order.
    """

    def __init__(self, document: Document) -> None:
        self.document = document
        self.version = 0
        self.observers: list[EditObserver] = []
        self._applied: list[Edit] = []
        self._undone: list[Edit] = []
        self._saved: list[Edit] = []

    @property
    def modified(self) -> bool:
        """True when the tree differs from when it was read or last saved."""
        return self._applied != self._saved

    @property
    def edited(self) -> bool:
        """True when the tree differs from the source as received (``document.source``)."""
        return bool(self._applied)

    def mark_saved(self) -> None:
        """Record that the tree as it is now has been saved."""
        self._saved = list(self._applied)

    def apply(self, edit: Edit) -> list[Node]:
        """Make an edit; return the nodes it changed.

        Raises:
            EditError: the edit does not fit the tree (nothing is changed then).
        """
        changed = edit.do(self)
        self._applied.append(edit)
        self._undone.clear()
        return self._finish(changed)

    def revert(self, edit: Edit) -> list[Node]:
        """Undo the newest edit; return the nodes it changed.

        Raises:
            EditError: ``edit`` is not the newest edit applied.
        """
        if not self._applied or self._applied[-1] is not edit:
            raise EditError("only the newest edit can be undone")
        changed = edit.undo(self)
        self._applied.pop()
        return self._finish(changed)

    # ---- history ----------------------------------------------------------------------------

    @property
    def can_undo(self) -> bool:
        """True when there is an edit to undo."""
        return bool(self._applied)

    @property
    def can_redo(self) -> bool:
        """True when there is an undone edit to make again."""
        return bool(self._undone)

    @property
    def undo_text(self) -> str:
        """What Undo would undo, in words ('' when nothing)."""
        return self._applied[-1].description if self._applied else ""

    @property
    def redo_text(self) -> str:
        """What Redo would make again, in words ('' when nothing)."""
        return self._undone[-1].description if self._undone else ""

    def undo(self) -> list[Node]:
        """Undo the newest edit (it can be redone); return the nodes it changed."""
        if not self._applied:
            return []
        edit = self._applied[-1]
        changed = self.revert(edit)
        self._undone.append(edit)
        return changed

    def redo(self) -> list[Node]:
        """Make the newest undone edit again; return the nodes it changed.

        Raises:
            EditError: the edit no longer fits the tree (it is dropped from the history).
        """
        if not self._undone:
            return []
        edit = self._undone.pop()
        changed = edit.do(self)
        self._applied.append(edit)
        return self._finish(changed)

    def _finish(self, changed: list[Node]) -> list[Node]:
        self.version += 1
        for observer in list(self.observers):
            observer.edited(changed)
        return changed

    # ---- the mutations edits make (each tells the observers) ------------------------------

    def set_attribute(self, node: Node, attribute: str, value: str | None) -> None:
        """Set ``node.value`` or ``node.id``."""
        for observer in list(self.observers):
            observer.node_about_to_change(node)
        setattr(node, attribute, value)
        for observer in list(self.observers):
            observer.node_changed(node)

    def insert(self, parent: Node, index: int, child: Node) -> None:
        """Put ``child`` at ``parent.children[index]``."""
        for observer in list(self.observers):
            observer.child_about_to_be_inserted(parent, index, child)
        child.parent = parent
        parent.children.insert(index, child)
        for observer in list(self.observers):
            observer.child_inserted(parent, index, child)

    def remove(self, parent: Node, index: int) -> Node:
        """Take ``parent.children[index]`` out of the tree and return it."""
        child = parent.children[index]
        for observer in list(self.observers):
            observer.child_about_to_be_removed(parent, index, child)
        del parent.children[index]
        for observer in list(self.observers):
            observer.child_removed(parent, index, child)
        return child


class Edit(ABC):
    """One undoable change of the tree.

    Attributes:
        description: what the edit does, in words (an undo menu shows "Undo <description>").
    """

    description: str = "Edit"

    @abstractmethod
    def do(self, target: EditableDocument) -> list[Node]:
        """Make the change; return the nodes changed."""

    @abstractmethod
    def undo(self, target: EditableDocument) -> list[Node]:
        """Reverse the change; return the nodes changed."""


def _in_tree(node: Node, document: Document) -> bool:
    current: Node | None = node
    while current is not None:
        if current is document.root:
            return True
        parent = current.parent
        if parent is not None and not any(c is current for c in parent.children):
            return False
        current = parent
    return False


def is_primitive(node: Node) -> bool:
    """True for an element that holds a value: a primitive (or an unknown element with one)."""
    if node.kind != ELEMENT:
        return False
    definition = element_def_of(node)
    if definition is not None:
        return definition.is_primitive
    return node.value is not None


def typed_value(node: Node, text: str, document: Document, name: str | None = None) -> str:
    """``text`` as the value a reader of the document's syntax would give the element.

    In a JSON document a number or boolean element holds a :class:`JsonNumber` or
    :class:`JsonLiteral` when the text is one; everything else is a plain string.

    Args:
        node: the element (or, with ``name``, the parent of a new element called ``name``).
        text: the value.
        document: the document the element belongs to.
        name: the name of a new child of ``node``.
    """
    if document.format != "json":
        return text
    if name is None:
        definition = element_def_of(node)
        previous = node.value.__class__ if node.value is not None else str
    else:
        parent_type = type_of(node)
        definition = stu3.element_def(parent_type, name) if parent_type else None
        previous = str
    kind = definition.json_kind if definition is not None else None
    if kind is None:  # an element STU3 does not know: keep the type it was read with
        kind = "number" if previous is JsonNumber else "boolean" if previous is JsonLiteral else "string"
    if kind == "number" and _JSON_NUMBER.fullmatch(text):
        return JsonNumber(text)
    if kind == "boolean" and text in ("true", "false"):
        return JsonLiteral(text)
    return text


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
        if not _in_tree(self.node, target.document):
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
        if not _in_tree(self.node, target.document):
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
        if not _in_tree(self.node, target.document):
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
        parent_type = type_of(self.parent)
        definitions = stu3.type_def(parent_type).elements if parent_type and stu3.type_def(parent_type) else {}
        mine = definitions.get(self.node.name)
        if mine is None:
            return len(self.parent.children)
        index = 0
        for i, child in enumerate(self.parent.children):
            if child.kind == COMMENT:
                continue
            found = definitions.get(child.name)
            if found is not None and found.order <= mine.order:
                index = i + 1
        return index

    def do(self, target: EditableDocument) -> list[Node]:
        """Insert the new element."""
        if not _in_tree(self.parent, target.document):
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
