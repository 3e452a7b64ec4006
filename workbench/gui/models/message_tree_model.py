"""A thin Qt item model over the element tree of one message.

The model holds no domain data: each index points at a core :class:`Node`, and labels and
tooltips come from :mod:`workbench.core.itk3.labels`. Two presentation choices are made here:

* An element that only wraps a resource (``entry.resource``, ``contained``) is not a row of
  its own; the resource takes its place, so an entry opens straight onto its resource.
* Comments are rows (greyed) unless hidden with :meth:`MessageTreeModel.set_show_comments`.
  Prolog and epilog comments of an XML file are top-level rows beside the root.

Rows are looked up in caches filled per parent when first needed (``id(node)`` to row), so
``parent()`` costs O(1) even for a Bundle with thousands of entries.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QFont

from workbench.core.itk3.labels import LabelContext, node_label, node_tooltip
from workbench.core.tree import COMMENT, ELEMENT, RESOURCE, Document, Node

#: Item data role giving the :class:`Node` of an index.
NODE_ROLE = Qt.ItemDataRole.UserRole + 1

_COMMENT_COLOUR = QColor("#7b8490")

AnyIndex = QModelIndex | QPersistentModelIndex


def _is_wrapper(node: Node) -> bool:
    """True for an element whose only child is a resource (shown as that resource)."""
    kids = node.children
    return node.kind == ELEMENT and len(kids) == 1 and kids[0].kind == RESOURCE


class MessageTreeModel(QAbstractItemModel):
    """One column of rows, one per shown node of a document's tree.

    Args:
        parent: The Qt parent.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document: Document | None = None
        self._context = LabelContext()
        self._show_comments = True
        self._reset_caches()
        self._comment_font = QFont()
        self._comment_font.setItalic(True)
        self._resource_font = QFont()
        self._resource_font.setWeight(QFont.Weight.DemiBold)

    def _reset_caches(self) -> None:
        self._kids: dict[int, list[Node]] = {}
        self._rows: dict[int, int] = {}
        self._labels: dict[int, str] = {}

    # ---------------------------------------------------------------------------------- API

    def set_document(self, document: Document | None, context: LabelContext | None = None) -> None:
        """Show a document (None shows nothing)."""
        self.beginResetModel()
        self._document = document
        self._context = context or LabelContext()
        self._reset_caches()
        self.endResetModel()

    def document(self) -> Document | None:
        """Return the document shown, if any."""
        return self._document

    def context(self) -> LabelContext:
        """Return the labels' context of the document shown."""
        return self._context

    def show_comments(self) -> bool:
        """Return whether comment rows are shown."""
        return self._show_comments

    def set_show_comments(self, show: bool) -> None:
        """Show or hide comment rows (resets the model; views must restore their state)."""
        if show == self._show_comments:
            return
        self.beginResetModel()
        self._show_comments = show
        self._reset_caches()
        self.endResetModel()

    def node(self, index: AnyIndex) -> Node | None:
        """Return the node of an index, or None for the invisible root."""
        if not index.isValid():
            return None
        return index.internalPointer()

    def index_of(self, node: Node) -> QModelIndex:
        """Return the index of the row showing a node.

        A wrapper element gives its resource's row, a hidden comment its parent's row, and a
        node outside the document an invalid index.
        """
        target: Node | None = node
        if _is_wrapper(node) and node.parent is not None:  # a root is always its own row
            target = node.children[0]
        if target is not None and target.kind == COMMENT and not self._show_comments:
            target = self._shown_parent(target)
        if target is None:
            return QModelIndex()
        row = self._row_of(target)
        if row is None:
            return QModelIndex()
        return self.createIndex(row, 0, target)

    def label(self, node: Node) -> str:
        """Return the row label of a node (cached)."""
        found = self._labels.get(id(node))
        if found is None:
            found = self._labels[id(node)] = node_label(node, self._context)
        return found

    # ------------------------------------------------------------------------------ helpers

    def _top_level(self) -> list[Node]:
        document = self._document
        if document is None:
            return []
        if not self._show_comments:
            return [document.root]
        return [*document.prolog, document.root, *document.epilog]

    def _children(self, node: Node | None) -> list[Node]:
        """The shown children of a node (None: the top-level rows), rows cached on the way."""
        key = id(node) if node is not None else 0
        found = self._kids.get(key)
        if found is not None:
            return found
        if node is None:
            found = self._top_level()
        else:
            show_comments = self._show_comments
            found = []
            for child in node.children:
                if child.kind == COMMENT and not show_comments:
                    continue
                found.append(child.children[0] if _is_wrapper(child) else child)
        rows = self._rows
        for row, child in enumerate(found):
            rows[id(child)] = row
        self._kids[key] = found
        return found

    def _shown_parent(self, node: Node) -> Node | None:
        """The node whose row is the parent of ``node``'s row (None for top-level rows)."""
        parent = node.parent
        if parent is not None and parent.parent is not None and node.kind == RESOURCE and _is_wrapper(parent):
            parent = parent.parent
        return parent

    def _row_of(self, node: Node) -> int | None:
        row = self._rows.get(id(node))
        if row is None:
            document = self._document
            if document is None:
                return None
            parent = self._shown_parent(node)
            if parent is None and node is not document.root and node not in document.prolog and node not in document.epilog:
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
        if node is None:
            return QModelIndex()
        parent = self._shown_parent(node)
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
        node = self.node(parent)
        if node is None:
            return self._document is not None
        if parent.column() != 0:
            return False
        if self._show_comments:
            return bool(node.children)
        return any(child.kind != COMMENT for child in node.children)

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
        if role == Qt.ItemDataRole.DisplayRole:
            return self.label(node)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = node_tooltip(node, self._context)
            if not tip:
                return None
            # Rich text, so Qt wraps long definitions.
            return "<p>" + html.escape(tip).replace("\n\n", "</p><p>").replace("\n", "<br>") + "</p>"
        if role == NODE_ROLE:
            return node
        if node.kind == COMMENT:
            if role == Qt.ItemDataRole.ForegroundRole:
                return _COMMENT_COLOUR
            if role == Qt.ItemDataRole.FontRole:
                return self._comment_font
        elif node.kind == RESOURCE and role == Qt.ItemDataRole.FontRole:
            return self._resource_font
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractItemModel::headerData."""
        if orientation == Qt.Orientation.Horizontal and section == 0 and role == Qt.ItemDataRole.DisplayRole:
            return "Structure"
        return None
