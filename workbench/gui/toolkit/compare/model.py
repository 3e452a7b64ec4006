"""One side of a comparison as a tree: the message's rows with its differences marked.

:class:`DiffTreeModel` is the inspector's tree model (the same labels and rows: an element that
only wraps a resource shows as that resource; a parent with many rows offers them a batch at a
time) over a read-only session of one side's tree, comments hidden (they are not compared), with
the differences of the core's :class:`~workbench.core.toolkit.diff.DiffResult` marked: a row
that differs is tinted in its kind's colour (:data:`KIND_COLOURS`) and says how in its tooltip;
a row that holds differences further down carries a grey swatch. What each side marks is worked
out off the GUI thread (:func:`side_marks`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any, Literal

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from workbench.core.itk3.labels import LabelContext
from workbench.core.session import MessageSession
from workbench.core.toolkit.diff import Difference, DiffResult
from workbench.core.tree import ELEMENT, RESOURCE, Document, Node
from workbench.gui.inspector.tree_model import MessageTreeModel

AnyIndex = QModelIndex | QPersistentModelIndex
Side = Literal["a", "b"]

#: Item data role giving a row's kind of difference (``changed`` ...), or None.
KIND_ROLE = Qt.ItemDataRole.UserRole + 11
#: Item data role giving True for a row that holds differences further down.
HOLDS_ROLE = Qt.ItemDataRole.UserRole + 12

#: (background, text, swatch) per kind of difference; ``holds`` marks a row with differences inside.
KIND_COLOURS = {
    "changed": ("#fff1c2", "#6b4400", "#d4a72c"),
    "added": ("#d6f5dd", "#0f5323", "#2da44e"),
    "removed": ("#ffe1de", "#82071e", "#cf222e"),
    "moved": ("#dcefff", "#0a3069", "#218bff"),
    "holds": ("#eaeef2", "#57606a", "#8c959f"),
}
#: The inspector's row flags without "editable", by the inspector's flags.
_READ_ONLY: dict[Qt.ItemFlag, Qt.ItemFlag] = {}
#: What each kind means, for the legend and tooltips.
KIND_MEANINGS = {
    "changed": "changed: a value, id, url or resource type differs",
    "added": "added: only in B (right)",
    "removed": "removed: only in A (left)",
    "moved": "moved: the same element at another place among its siblings",
    "holds": "holds differences further down",
}


def is_wrapper(node: Node) -> bool:
    """True for an element whose only child is a resource (shown as that resource)."""
    kids = node.children
    return node.kind == ELEMENT and len(kids) == 1 and kids[0].kind == RESOURCE


def difference_tip(difference: Difference) -> str:
    """A difference in words, for a tooltip."""
    if difference.kind == "changed":
        return f"changed: {_shown(difference.a)} in A, {_shown(difference.b)} in B"
    if difference.kind == "moved":
        return f"moved: {difference.a} in A is {difference.b} in B"
    if difference.kind == "added":
        return f"added: only in B ({difference.b})"
    return f"removed: only in A ({difference.a})"


class Pairing:
    """The nodes of A and B paired by a comparison, both ways.

    Args:
        document_a: A's tree.
        result: The comparison (its ``pairs`` go from A's nodes to B's).
    """

    def __init__(self, document_a: Document, result: DiffResult) -> None:
        self._to_b = result.pairs
        self._to_a: dict[int, Node] = {}
        for node in document_a.root.iter():
            found = self._to_b.get(id(node))
            if found is not None:
                self._to_a[id(found)] = node

    def counterpart(self, node: Node, side: Side) -> Node | None:
        """The node of the other side paired with ``node`` (of ``side``), if any."""
        return self._to_b.get(id(node)) if side == "a" else self._to_a.get(id(node))

    def nearest(self, node: Node | None, side: Side) -> Node | None:
        """The other side's node paired with ``node`` or, failing that, its nearest paired ancestor."""
        while node is not None:
            found = self.counterpart(node, side)
            if found is not None:
                return found
            node = node.parent
        return None


def _shown(value: str | None) -> str:
    return "(none)" if value is None else repr(value)


@dataclass(frozen=True)
class SideMarks:
    """What one side's rows show of a comparison (worked out in the worker: see :func:`side_marks`).

    Attributes:
        marks: The difference at each marked row, by ``id()`` of the row's node.
        holds: The rows holding differences further down, by ``id()`` of their nodes.
    """

    marks: dict[int, Difference] = field(default_factory=dict)
    holds: set[int] = field(default_factory=set)


def shown_node(node: Node) -> Node:
    """The node whose row shows ``node`` (a wrapper shows as its resource)."""
    return node.children[0] if is_wrapper(node) and node.parent is not None else node


def shown_parent(node: Node) -> Node | None:
    """The node whose row is the parent of ``node``'s row (None for the root)."""
    parent = node.parent
    if parent is not None and parent.parent is not None and node.kind == RESOURCE and is_wrapper(parent):
        parent = parent.parent
    return parent


def side_marks(result: DiffResult, side: Side, pairing: Pairing) -> SideMarks:
    """The marked rows and the rows holding differences of one side.

    A difference on the other side only (an addition, seen from A) makes the row paired with its
    nearest paired ancestor hold it.
    """
    found = SideMarks()
    other_side: Side = "b" if side == "a" else "a"
    for difference in result.differences:
        node = difference.node_a if side == "a" else difference.node_b
        if node is None:
            other = difference.node_b if side == "a" else difference.node_a
            if other is not None and other.parent is not None:
                _hold_from(found.holds, pairing.nearest(other.parent, other_side))
            continue
        shown = shown_node(node)
        found.marks.setdefault(id(shown), difference)
        _hold_from(found.holds, shown_parent(shown))
    return found


def _hold_from(holds: set[int], node: Node | None) -> None:
    while node is not None:
        shown = shown_node(node)
        if id(shown) in holds:
            return
        holds.add(id(shown))
        node = shown_parent(shown)


class DiffTreeModel(MessageTreeModel):
    """The rows of one side of a comparison, its differences marked.

    The inspector's tree model (labels, rows, batches) over a read-only session of the side's
    tree, comments hidden; this adds the marks.

    Args:
        side: ``a`` (left) or ``b`` (right).
        parent: The Qt parent.
    """

    def __init__(self, side: Side, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.side: Side = side
        self._marks: dict[int, Difference] = {}
        self._holds: set[int] = set()
        self._bold = QFont()
        self._bold.setWeight(QFont.Weight.DemiBold)
        self.set_show_comments(False)  # comments are not compared

    # ---------------------------------------------------------------------------------- API

    def set_document(self, document: Document | None, context: LabelContext | None = None) -> None:
        """Show a document (None: nothing), with no differences marked."""
        self._marks, self._holds = {}, set()
        name = "A" if self.side == "a" else "B"
        self.set_session(MessageSession(name=name, document=document, labels=context) if document else None)

    def set_result(self, marks: SideMarks | None) -> None:
        """Mark the differences of a comparison on this side (None: none); see :func:`side_marks`."""
        self.beginResetModel()
        self._marks, self._holds = (marks.marks, marks.holds) if marks is not None else ({}, set())
        self.endResetModel()

    def difference(self, node: Node) -> Difference | None:
        """Return the difference marked on a node's row, if any."""
        return self._marks.get(id(shown_node(node)))

    def holds_differences(self, node: Node) -> bool:
        """Return whether a node's row holds differences further down."""
        return id(node) in self._holds

    # ------------------------------------------------------------------------ Qt overrides

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Override QAbstractItemModel::flags: rows are read only (called for every row laid out: cheap)."""
        found = super().flags(index)
        read_only = _READ_ONLY.get(found)
        if read_only is None:
            read_only = _READ_ONLY[found] = found & ~Qt.ItemFlag.ItemIsEditable
        return read_only

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractItemModel::data: the marks, over the inspector's labels."""
        node = self.node(index)
        if node is None:
            return None
        key = id(node)
        difference = self._marks.get(key)
        if role == KIND_ROLE:
            return difference.kind if difference is not None else None
        if role == HOLDS_ROLE:
            return key in self._holds
        if role == Qt.ItemDataRole.ToolTipRole and (difference is not None or key in self._holds):
            line = difference_tip(difference) if difference is not None else "holds differences further down"
            return f"<p><b>{html.escape(line)}</b></p>{super().data(index, role) or ''}"
        if difference is not None:
            background, text, swatch = KIND_COLOURS[difference.kind]
            if role == Qt.ItemDataRole.BackgroundRole:
                return QColor(background)
            if role == Qt.ItemDataRole.ForegroundRole:
                return QColor(text)
            if role == Qt.ItemDataRole.FontRole:
                return self._bold
            if role == Qt.ItemDataRole.DecorationRole:
                return QColor(swatch)
        elif key in self._holds and role == Qt.ItemDataRole.DecorationRole:
            return QColor(KIND_COLOURS["holds"][2])
        return super().data(index, role)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractItemModel::headerData."""
        if orientation == Qt.Orientation.Horizontal and section == 0 and role == Qt.ItemDataRole.DisplayRole:
            return "A (left)" if self.side == "a" else "B (right)"
        return None
