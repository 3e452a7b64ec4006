"""One side of a comparison as a tree: the message's rows with its differences marked.

:class:`DiffTreeModel` is a thin, read-only Qt model over a core document and the core's
:class:`~workbench.core.toolkit.diff.DiffResult`: rows are labelled as the inspector labels them
(:func:`~workbench.core.itk3.labels.node_label`), an element that only wraps a resource shows as
that resource (as in the inspector), comments are left out (they are not compared). A row that
differs is tinted in its kind's colour (:data:`KIND_COLOURS`) and says how in its tooltip; a row
that holds differences further down carries a grey swatch. A parent with many rows offers them
:data:`FETCH_BATCH` at a time (as the inspector's tree does), so a view never lays out thousands
at once. The model holds no data of its own beyond caches of rows.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any, Literal

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from workbench.core.itk3.labels import LabelContext, node_label
from workbench.core.toolkit.diff import Difference, DiffResult
from workbench.core.tree import COMMENT, ELEMENT, RESOURCE, Document, Node

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
#: Rows of one parent offered at a time when it has more (a view lays out every row offered).
FETCH_BATCH = 500
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
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


class DiffTreeModel(QAbstractItemModel):
    """The rows of one side of a comparison, its differences marked.

    Args:
        side: ``a`` (left) or ``b`` (right).
        parent: The Qt parent.
    """

    def __init__(self, side: Side, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.side: Side = side
        self._document: Document | None = None
        self._context = LabelContext()
        self._marks: dict[int, Difference] = {}
        self._holds: set[int] = set()
        self._kids: dict[int, list[Node]] = {}
        self._rows: dict[int, int] = {}
        self._labels: dict[int, str] = {}
        self._limits: dict[int, int] = {}  # rows offered so far, for parents with more than a batch
        self._bold = QFont()
        self._bold.setWeight(QFont.Weight.DemiBold)

    # ---------------------------------------------------------------------------------- API

    def set_document(self, document: Document | None, context: LabelContext | None = None) -> None:
        """Show a document (None: nothing), with no differences marked."""
        self.beginResetModel()
        self._document = document
        self._context = context or LabelContext()
        self._marks, self._holds = {}, set()
        self._kids, self._rows, self._labels, self._limits = {}, {}, {}, {}
        self.endResetModel()

    def set_result(self, marks: SideMarks | None) -> None:
        """Mark the differences of a comparison on this side (None: none); see :func:`side_marks`."""
        self.beginResetModel()
        self._marks, self._holds = (marks.marks, marks.holds) if marks is not None else ({}, set())
        self.endResetModel()

    def document(self) -> Document | None:
        """Return the document shown, if any."""
        return self._document

    def node(self, index: AnyIndex) -> Node | None:
        """Return the node of an index (None for the invisible root)."""
        return index.internalPointer() if index.isValid() else None

    def difference(self, node: Node) -> Difference | None:
        """Return the difference marked on a node's row, if any."""
        return self._marks.get(id(self.shown_node(node)))

    def holds_differences(self, node: Node) -> bool:
        """Return whether a node's row holds differences further down."""
        return id(node) in self._holds

    shown_node = staticmethod(shown_node)

    def index_of(self, node: Node) -> QModelIndex:
        """Return the index of the row showing a node (invalid for a node not shown here)."""
        target = self.shown_node(node)
        if target.kind == COMMENT:
            target = shown_parent(target) or target
        row = self._row_of(target)
        if row is None:
            return QModelIndex()
        parent = shown_parent(target)
        parent_index = self.index_of(parent) if parent is not None else QModelIndex()  # offered first
        if parent is not None and not parent_index.isValid():
            return QModelIndex()
        key = id(parent) if parent is not None else 0
        kids = self._kids[key]
        if row >= self._offered(key, kids):  # offer the rows up to it (and the batch it is in)
            self._offer(parent_index, key, kids, (row // FETCH_BATCH + 1) * FETCH_BATCH)
        return self.createIndex(row, 0, target)

    # ------------------------------------------------------------------------------ helpers

    def _offered(self, key: int, kids: list[Node]) -> int:
        """How many of a parent's rows are offered (see :data:`FETCH_BATCH`)."""
        limit = self._limits.get(key)
        return len(kids) if limit is None else min(limit, len(kids))

    def _offer(self, parent: AnyIndex, key: int, kids: list[Node], upto: int) -> None:
        offered = self._offered(key, kids)
        upto = min(upto, len(kids))
        if upto > offered:
            self.beginInsertRows(parent, offered, upto - 1)
            self._limits[key] = upto
            self.endInsertRows()

    def _children(self, node: Node | None) -> list[Node]:
        key = id(node) if node is not None else 0
        found = self._kids.get(key)
        if found is not None:
            return found
        if node is None:
            found = [self._document.root] if self._document is not None else []
        else:
            found = [self.shown_node(c) for c in node.children if c.kind != COMMENT]
        for row, child in enumerate(found):
            self._rows[id(child)] = row
        self._kids[key] = found
        if len(found) > FETCH_BATCH:
            self._limits.setdefault(key, FETCH_BATCH)
        return found

    def _row_of(self, node: Node) -> int | None:
        row = self._rows.get(id(node))
        if row is None and self._document is not None:
            parent = shown_parent(node)
            if parent is None and node is not self._document.root:
                return None
            if parent is not None and self._row_of(parent) is None:
                return None
            self._children(parent)
            row = self._rows.get(id(node))
        return row

    # ------------------------------------------------------------------------ Qt overrides

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        """Override QAbstractItemModel::index."""
        if column != 0 or row < 0:
            return QModelIndex()
        node = self.node(parent)
        kids = self._children(node)
        if row >= self._offered(id(node) if node is not None else 0, kids):
            return QModelIndex()
        return self.createIndex(row, 0, kids[row])

    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        """Override QAbstractItemModel::parent."""
        node = self.node(index)
        parent = shown_parent(node) if node is not None else None
        if parent is None:
            return QModelIndex()
        row = self._row_of(parent)
        return self.createIndex(row, 0, parent) if row is not None else QModelIndex()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Override QAbstractItemModel::rowCount."""
        if parent.isValid() and parent.column() != 0:
            return 0
        node = self.node(parent)
        return self._offered(id(node) if node is not None else 0, self._children(node))

    def canFetchMore(self, parent: AnyIndex) -> bool:
        """Override QAbstractItemModel::canFetchMore: a parent with rows not offered yet."""
        node = self.node(parent)
        kids = self._children(node)
        return self._offered(id(node) if node is not None else 0, kids) < len(kids)

    def fetchMore(self, parent: AnyIndex) -> None:
        """Override QAbstractItemModel::fetchMore: offer the next :data:`FETCH_BATCH` rows."""
        node = self.node(parent)
        key = id(node) if node is not None else 0
        kids = self._children(node)
        self._offer(parent, key, kids, self._offered(key, kids) + FETCH_BATCH)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Override QAbstractItemModel::columnCount."""
        return 1

    def hasChildren(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        """Override QAbstractItemModel::hasChildren (without building the child list)."""
        if not parent.isValid():
            return self._document is not None
        if parent.column() != 0:
            return False
        return any(c.kind != COMMENT for c in parent.internalPointer().children)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Override QAbstractItemModel::flags."""
        return _ROW_FLAGS if index.isValid() else _NO_FLAGS

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractItemModel::data."""
        node = self.node(index)
        if node is None:
            return None
        key = id(node)
        if role == Qt.ItemDataRole.DisplayRole:
            label = self._labels.get(key)
            if label is None:
                label = self._labels[key] = node_label(node, self._context)
            return label
        difference = self._marks.get(key)
        if role == KIND_ROLE:
            return difference.kind if difference is not None else None
        if role == HOLDS_ROLE:
            return key in self._holds
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [difference_tip(difference)] if difference is not None else []
            if key in self._holds:
                lines.append("holds differences further down")
            return "<p>" + "<br>".join(html.escape(line) for line in lines) + "</p>" if lines else None
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
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractItemModel::headerData."""
        if orientation == Qt.Orientation.Horizontal and section == 0 and role == Qt.ItemDataRole.DisplayRole:
            return "A (left)" if self.side == "a" else "B (right)"
        return None
