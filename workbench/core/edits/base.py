"""The machinery of undoable edits: the document under edit, the edit protocol, value typing.

An :class:`EditableDocument` wraps a :class:`~workbench.core.tree.Document` while it is being
edited: it applies :class:`Edit` objects (and reverts them, newest first), counts a ``version``
that changes with every change of the tree, knows whether the tree differs from what was last
saved (``modified``), and tells its observers about every change *before and after* it happens,
so a view can keep its rows in step (a Qt item model needs to know which rows are about to be
inserted or removed). Edits mutate the tree only through :meth:`EditableDocument.set_attribute`,
:meth:`~EditableDocument.insert` and :meth:`~EditableDocument.remove`, so observers see every change.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence

from workbench.core import stu3
from workbench.core.stu3.typeinfo import element_def_of, type_of
from workbench.core.tree import (
    COMMENT,
    ELEMENT,
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


def in_tree(node: Node, document: Document) -> bool:
    """True when ``node`` is (still) part of the document's tree."""
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
    return json_typed(text, kind)


def json_typed(text: str, kind: str) -> str:
    """``text`` as a JSON document holds a value of JSON kind ``kind`` (number, boolean, string).

    A number or boolean whose text is not one stays a plain string (the validator reports it).
    """
    plain = str.__str__(text)
    if kind == "number" and _JSON_NUMBER.fullmatch(plain):
        return JsonNumber(plain)
    if kind == "boolean" and plain in ("true", "false"):
        return JsonLiteral(plain)
    return plain


def stu3_position(parent: Node, name: str) -> int:
    """The index among ``parent``'s children where a new ``name`` element belongs.

    That is after the children STU3 orders before it or with it (after the last ``given`` for
    another ``given``); last when STU3 does not know the element.
    """
    parent_type = type_of(parent)
    found_type = stu3.type_def(parent_type) if parent_type else None
    definitions = found_type.elements if found_type is not None else {}
    mine = definitions.get(name)
    if mine is None:
        return len(parent.children)
    index = 0
    for i, child in enumerate(parent.children):
        if child.kind == COMMENT:
            continue
        found = definitions.get(child.name)
        if found is not None and found.order <= mine.order:
            index = i + 1
    return index
