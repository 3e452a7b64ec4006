"""One side of a comparison as a tree: the message's rows with its differences marked.

:class:`DiffTreeModel` is a thin, read-only Qt model over a core document and the core's
:class:`~workbench.core.toolkit.diff.DiffResult`: rows are labelled as the inspector labels them
(:func:`~workbench.core.itk3.labels.node_label`), an element that only wraps a resource shows as
that resource (as in the inspector), comments are left out (they are not compared). A row that
differs is tinted in its kind's colour (:data:`KIND_COLOURS`) and says how in its tooltip; a row
that holds differences further down carries a grey swatch. The model holds no data of its own
beyond caches of rows.
"""

from __future__ import annotations

import html
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
        self._bold = QFont()
        self._bold.setWeight(QFont.Weight.DemiBold)

    # ---------------------------------------------------------------------------------- API

    def set_document(self, document: Document | None, context: LabelContext | None = None) -> None:
        """Show a document (None: nothing), with no differences marked."""
        self.beginResetModel()
        self._document = document
        self._context = context or LabelContext()
        self._marks, self._holds = {}, set()
        self._kids, self._rows, self._labels = {}, {}, {}
        self.endResetModel()

    def set_result(self, result: DiffResult | None, pairing: Pairing | None = None) -> None:
        """Mark the differences of a comparison on this side (None: none).

        A difference on the other side only (an addition, seen from A) makes the row paired with
        its nearest paired ancestor hold it.
        """
        self.beginResetModel()
        self._marks, self._holds = {}, set()
        for difference in result.differences if result is not None else ():
            node = difference.node_a if self.side == "a" else difference.node_b
            if node is None:  # on the other side only: its parent here holds it
                other = difference.node_b if self.side == "a" else difference.node_a
                if other is not None and pairing is not None and other.parent is not None:
                    self._hold_from(pairing.nearest(other.parent, "b" if self.side == "a" else "a"))
                continue
            shown = self.shown_node(node)
            self._marks.setdefault(id(shown), difference)
            parent = self._shown_parent(shown)
            if parent is not None:
                self._hold_from(parent)
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

    @staticmethod
    def shown_node(node: Node) -> Node:
        """The node whose row shows ``node`` (a wrapper shows as its resource)."""
        return node.children[0] if is_wrapper(node) and node.parent is not None else node

    def index_of(self, node: Node) -> QModelIndex:
        """Return the index of the row showing a node (invalid for a node not shown here)."""
        target = self.shown_node(node)
        if target.kind == COMMENT:
            target = self._shown_parent(target) or target
        row = self._row_of(target)
        return self.createIndex(row, 0, target) if row is not None else QModelIndex()

    # ------------------------------------------------------------------------------ helpers

    def _hold_from(self, node: Node | None) -> None:
        while node is not None:
            shown = self.shown_node(node)
            if id(shown) in self._holds:
                return
            self._holds.add(id(shown))
            node = self._shown_parent(shown)

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
        return found

    def _shown_parent(self, node: Node) -> Node | None:
        parent = node.parent
        if parent is not None and parent.parent is not None and node.kind == RESOURCE and is_wrapper(parent):
            parent = parent.parent
        return parent

    def _row_of(self, node: Node) -> int | None:
        row = self._rows.get(id(node))
        if row is None and self._document is not None:
            parent = self._shown_parent(node)
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
        kids = self._children(self.node(parent))
        if row >= len(kids):
            return QModelIndex()
        return self.createIndex(row, 0, kids[row])

    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        """Override QAbstractItemModel::parent."""
        node = self.node(index)
        parent = self._shown_parent(node) if node is not None else None
        if parent is None:
            return QModelIndex()
        row = self._row_of(parent)
        return self.createIndex(row, 0, parent) if row is not None else QModelIndex()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Override QAbstractItemModel::rowCount."""
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._children(self.node(parent)))

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
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

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
