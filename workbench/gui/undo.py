"""Undo and redo for the document a window shows: core edits as QUndoCommands, one stack per document.

Each :class:`EditCommand` wraps one :class:`~workbench.core.edits.Edit`: ``redo`` applies it to
the :class:`~workbench.core.edits.EditableDocument`, ``undo`` reverts it; neither does anything
else. Views follow through the core's observers (the tree model inserts and removes rows, the
session announces the change so validation and the preview follow). The window's modified flag
is the stack's clean state.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from workbench.core.edits import (
    Edit,
    EditableDocument,
    EditError,
    EditObserver,
    RemoveElement,
    SetValue,
    is_primitive,
)
from workbench.core.tree import ELEMENT, RESOURCE, Document, Node

log = logging.getLogger(__name__)


class EditCommand(QUndoCommand):
    """One core edit, undoable.

    Args:
        target: The document under edit.
        edit: The edit.
    """

    def __init__(self, target: EditableDocument, edit: Edit) -> None:
        super().__init__(edit.description)
        self._target = target
        self._edit = edit

    def edit(self) -> Edit:
        """Return the core edit."""
        return self._edit

    def redo(self) -> None:
        """Override QUndoCommand::redo: apply the edit."""
        try:
            self._target.apply(self._edit)
        except EditError as exc:  # the tree changed under the command: drop it
            log.warning("edit not applied: %s", exc)
            self.setObsolete(True)

    def undo(self) -> None:
        """Override QUndoCommand::undo: revert the edit."""
        self._target.revert(self._edit)


class _Relay(EditObserver):
    """Passes the core's "edited" notice on as a Qt signal."""

    def __init__(self, session: EditSession) -> None:
        self._session = session

    def edited(self, changed: Sequence[Node]) -> None:
        self._session.sig_document_edited.emit(list(changed))


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


class EditSession(QObject):
    """A document being edited: the core's editable document and its undo stack.

    Signals:
        sig_document_edited(object): An edit was applied, undone or redone; carries the list of
            nodes it changed.

    Args:
        document: The document.
        parent: The Qt parent.
    """

    sig_document_edited = Signal(object)

    def __init__(self, document: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.target = EditableDocument(document)
        self.stack = QUndoStack(self)
        self._relay = _Relay(self)
        self.target.observers.append(self._relay)

    @property
    def document(self) -> Document:
        """The document edited."""
        return self.target.document

    def push(self, edit: Edit) -> None:
        """Apply an edit through the undo stack."""
        self.stack.push(EditCommand(self.target, edit))

    def set_value(self, node: Node, value: str) -> bool:
        """Set a primitive's value (undoably); return whether anything changed.

        Raises:
            EditError: the node is not a primitive.
        """
        if node.value == value:
            return False
        self.push(SetValue(node, value, self.document))
        return True

    def delete(self, node: Node) -> str | None:
        """Delete the element a row shows (undoably); return why not, or None when deleted."""
        found = deletable(node)
        if isinstance(found, str):
            return found
        self.push(RemoveElement(found))
        return None

    @staticmethod
    def can_edit_value(node: Node | None) -> bool:
        """Return whether a node has a value to edit."""
        return node is not None and is_primitive(node)

    def is_clean(self) -> bool:
        """Return whether the document is as read or last saved."""
        return self.stack.isClean()

    def mark_saved(self) -> None:
        """Record that the document as it is now has been saved."""
        self.stack.setClean()
        self.target.mark_saved()

    def close(self) -> None:
        """Stop following the document (the window shows another one)."""
        if self._relay in self.target.observers:
            self.target.observers.remove(self._relay)
        self.stack.clear()
