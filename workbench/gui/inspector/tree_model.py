"""A thin Qt item model over the element tree of one message session.

The model holds no domain data: it reads the tree and the labels' context from its
:class:`~workbench.core.session.MessageSession` when asked, each index points at a core
:class:`Node`, and labels and tooltips come from :mod:`workbench.core.itk3.labels`. Two
presentation choices are made here:

* An element that only wraps a resource (``entry.resource``, ``contained``) is not a row of
  its own; the resource takes its place, so an entry opens straight onto its resource.
* Comments are rows (greyed) unless hidden with :meth:`MessageTreeModel.set_show_comments`.
  Prolog and epilog comments of an XML file are top-level rows beside the root.

Rows are looked up in caches filled per parent when first needed (``id(node)`` to row), so
``parent()`` costs O(1) even for a Bundle with thousands of entries. A parent with more than
:data:`FETCH_BATCH` rows offers them :data:`FETCH_BATCH` at a time (``canFetchMore`` /
``fetchMore``: the view asks for more as it is scrolled to the end): a view lays out every row
of an open parent at once, and 8,000 entries would hold the GUI thread for a tenth of a second.
Going to a row not offered yet (:meth:`MessageTreeModel.index_of`) offers the rows up to it.

Edits reach the model through the session's editable tree, which it observes: a value
change is a ``dataChanged`` of the row and its ancestors (their labels may quote it), an
inserted or removed element a ``beginInsertRows``/``beginRemoveRows`` pair around the change;
the model is never reset for an edit. Editing a value in the view (F2) does not change the
tree: :meth:`MessageTreeModel.setData` asks for it (:attr:`~MessageTreeModel.sig_value_edit_requested`)
and the session makes the change, undoably.
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
    Signal,
)
from PySide6.QtGui import QColor, QFont

from workbench.core.edits import EditObserver, is_primitive
from workbench.core.itk3.labels import LabelContext, node_label, node_tooltip
from workbench.core.session import MessageSession
from workbench.core.tree import COMMENT, ELEMENT, RESOURCE, Document, Node

#: Item data role giving the :class:`Node` of an index.
NODE_ROLE = Qt.ItemDataRole.UserRole + 1

_COMMENT_COLOUR = QColor("#7b8490")

AnyIndex = QModelIndex | QPersistentModelIndex
#: Rows of one parent offered at a time when it has more.
FETCH_BATCH = 500
_ALL = 1 << 62  # the limit of a parent whose rows are all offered
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_EDITABLE_FLAGS = _ROW_FLAGS | Qt.ItemFlag.ItemIsEditable


def _editable(node: Node) -> bool:
    """True for a row whose value can be edited (a primitive); cheap for the common complex rows."""
    if node.kind != ELEMENT:
        return False
    if node.value is None:
        for child in node.children:
            if child.kind != COMMENT and child.name != "extension":
                return False  # a primitive holds at most extensions: this is a complex element
    return is_primitive(node)


def _is_wrapper(node: Node) -> bool:
    """True for an element whose only child is a resource (shown as that resource)."""
    kids = node.children
    return node.kind == ELEMENT and len(kids) == 1 and kids[0].kind == RESOURCE


class _TreeSync(EditObserver):
    """Turns the core's change notices into the model's row signals."""

    def __init__(self, model: MessageTreeModel) -> None:
        self._model = model

    def node_changed(self, node: Node) -> None:
        self._model._node_changed(node)

    def child_about_to_be_inserted(self, parent: Node, index: int, child: Node) -> None:
        self._model._begin_insert(parent, index, child)

    def child_inserted(self, parent: Node, index: int, child: Node) -> None:
        self._model._end_change(parent)

    def child_about_to_be_removed(self, parent: Node, index: int, child: Node) -> None:
        self._model._begin_remove(parent, child)

    def child_removed(self, parent: Node, index: int, child: Node) -> None:
        self._model._end_change(parent)


class MessageTreeModel(QAbstractItemModel):
    """One column of rows, one per shown node of a session's tree.

    Signals:
        sig_value_edit_requested(object, str): The user edited a primitive's value in a view;
            carries the :class:`Node` and the new value (the tree is not changed yet).

    Args:
        parent: The Qt parent.
    """

    sig_value_edit_requested = Signal(object, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session: MessageSession | None = None
        self._sync = _TreeSync(self)
        self._pending: str | None = None  # "insert" or "remove" between begin and end
        self._removed: Node | None = None  # the row being removed
        self._show_comments = True
        self._no_labels = LabelContext()
        self._reset_caches()
        self._comment_font = QFont()
        self._comment_font.setItalic(True)
        self._resource_font = QFont()
        self._resource_font.setWeight(QFont.Weight.DemiBold)

    def _reset_caches(self) -> None:
        self._kids: dict[int, list[Node]] = {}
        self._rows: dict[int, int] = {}
        self._labels: dict[int, str] = {}
        self._flags: dict[int, Qt.ItemFlag] = {}
        self._limits: dict[int, int] = {}  # rows offered so far, for parents with more than a batch

    # ---------------------------------------------------------------------------------- API

    def set_session(self, session: MessageSession | None) -> None:
        """Show a session's tree (None, or an unreadable message, shows nothing) and follow its edits."""
        self._detach()
        self.beginResetModel()
        self._session = session
        self._reset_caches()
        self.endResetModel()
        if session is not None and session.editable is not None:
            session.editable.observers.append(self._sync)

    def _detach(self) -> None:
        editable = self._session.editable if self._session is not None else None
        if editable is not None and self._sync in editable.observers:
            editable.observers.remove(self._sync)

    def session(self) -> MessageSession | None:
        """Return the session shown, if any."""
        return self._session

    def document(self) -> Document | None:
        """Return the session's tree, if any (None for an unreadable message)."""
        return self._session.document if self._session is not None else None

    def refresh_labels(self) -> None:
        """Work the labels out again when shown (the session's labels changed after an edit)."""
        self._labels.clear()

    def context(self) -> LabelContext:
        """Return the labels' context of the session's message (an empty one when there is none)."""
        labels = self._session.labels if self._session is not None else None
        return labels if labels is not None else self._no_labels

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

    def index_of(self, node: Node, *, fetch: bool = True) -> QModelIndex:
        """Return the index of the row showing a node.

        A wrapper element gives its resource's row, a hidden comment its parent's row, and a
        node outside the document an invalid index. A row not offered yet is offered first
        (with the rows before it), unless ``fetch`` is False: then it has no index.
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
        parent = self._shown_parent(target)
        key = id(parent) if parent is not None else 0
        kids = self._kids[key]
        # the parent's own row first: a node under an entry not offered yet has no index until it is
        parent_index = self.index_of(parent, fetch=fetch) if parent is not None else QModelIndex()
        if parent is not None and not parent_index.isValid():
            return QModelIndex()
        if row >= self._offered(key, kids):
            if not fetch:
                return QModelIndex()
            self._offer(parent_index, key, kids, (row // FETCH_BATCH + 1) * FETCH_BATCH)
        return self.createIndex(row, 0, target)

    def label(self, node: Node) -> str:
        """Return the row label of a node (cached)."""
        found = self._labels.get(id(node))
        if found is None:
            found = self._labels[id(node)] = node_label(node, self.context())
        return found

    # ------------------------------------------------------------------------------ helpers

    def _top_level(self) -> list[Node]:
        document = self.document()
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
        if len(found) > FETCH_BATCH:
            self._limits.setdefault(key, FETCH_BATCH)
        return found

    def _offered(self, key: int, kids: list[Node]) -> int:
        """How many of a parent's rows are offered (see :data:`FETCH_BATCH`)."""
        limit = self._limits.get(key)
        return len(kids) if limit is None else min(limit, len(kids))

    def _offer(self, parent: AnyIndex, key: int, kids: list[Node], upto: int) -> None:
        """Offer a parent's rows up to ``upto`` (all of them when that is past the end)."""
        offered = self._offered(key, kids)
        upto = min(upto, len(kids))
        if upto <= offered:
            return
        self.beginInsertRows(parent, offered, upto - 1)
        self._limits[key] = _ALL if upto >= len(kids) else upto
        self.endInsertRows()

    def _shown_parent(self, node: Node) -> Node | None:
        """The node whose row is the parent of ``node``'s row (None for top-level rows)."""
        parent = node.parent
        if parent is not None and parent.parent is not None and node.kind == RESOURCE and _is_wrapper(parent):
            parent = parent.parent
        return parent

    def _row_of(self, node: Node) -> int | None:
        row = self._rows.get(id(node))
        if row is None:
            document = self.document()
            if document is None:
                return None
            parent = self._shown_parent(node)
            if (
                parent is None
                and node is not document.root
                and node not in document.prolog
                and node not in document.epilog
            ):
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
        pointer = parent.internalPointer()  # None for the invisible root
        key = id(pointer) if pointer is not None else 0
        kids = self._kids.get(key)
        if kids is None:
            kids = self._children(pointer)
        if row >= len(kids) or (key in self._limits and row >= self._offered(key, kids)):
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
            return self.document() is not None
        if parent.column() != 0:
            return False
        children = parent.internalPointer().children
        if self._show_comments:
            return bool(children)
        return any(child.kind != COMMENT for child in children)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Override QAbstractItemModel::flags (called for every row a view lays out: kept cheap)."""
        node = index.internalPointer()  # None for an invalid index
        if node is None:
            return _NO_FLAGS
        key = id(node)
        found = self._flags.get(key)
        if found is None:
            found = _EDITABLE_FLAGS if _editable(node) else _ROW_FLAGS
            if not node.children:
                found |= Qt.ItemFlag.ItemNeverHasChildren  # the view need not ask
            self._flags[key] = found
        return found

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractItemModel::data."""
        node = self.node(index)
        if node is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.label(node)
        if role == Qt.ItemDataRole.EditRole:
            return node.value or ""
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = node_tooltip(node, self.context())
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

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Override QAbstractItemModel::setData: ask for the value to be set (an undoable edit does it)."""
        node = self.node(index)
        if role != Qt.ItemDataRole.EditRole or node is None or not self.flags(index) & Qt.ItemFlag.ItemIsEditable:
            return False
        text = "" if value is None else str(value)
        if text == (node.value or ""):
            return False
        self.sig_value_edit_requested.emit(node, text)
        return True

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractItemModel::headerData."""
        if orientation == Qt.Orientation.Horizontal and section == 0 and role == Qt.ItemDataRole.DisplayRole:
            return "Structure"
        return None

    # ---------------------------------------------------------------------- following edits

    def _shown_row(self, parent: Node, child: Node) -> tuple[QModelIndex, int] | None:
        """The parent index and the row a child of ``parent`` has (or would have) among the rows."""
        if child.kind == COMMENT and not self._show_comments:
            return None
        parent_index = self.index_of(parent, fetch=False) if parent is not None else QModelIndex()
        if not parent_index.isValid() or self.node(parent_index) is not parent:
            return None
        kids = self._children(parent)
        self._offer(parent_index, id(parent), kids, len(kids))  # an edit among them: offer them all
        row = 0
        for sibling in parent.children:
            if sibling is child:
                break
            if sibling.kind != COMMENT or self._show_comments:
                row += 1
        return parent_index, row

    def _begin_insert(self, parent: Node, index: int, child: Node) -> None:
        found = self._shown_row(parent, child) if index <= len(parent.children) else None
        if found is None:
            return
        parent_index, _row = found
        row = sum(1 for c in parent.children[:index] if c.kind != COMMENT or self._show_comments)
        self._pending = "insert"
        self.beginInsertRows(parent_index, row, row)

    def _begin_remove(self, parent: Node, child: Node) -> None:
        found = self._shown_row(parent, child)
        if found is None:
            return
        parent_index, row = found
        self._pending = "remove"
        self._removed = child.children[0] if _is_wrapper(child) else child
        self.beginRemoveRows(parent_index, row, row)

    def _end_change(self, parent: Node) -> None:
        """Refresh the parent's row cache and finish the insertion or removal begun."""
        if self._removed is not None:
            self._rows.pop(id(self._removed), None)  # a removed row has no row number any more
            self._removed = None
        if id(parent) in self._kids:
            del self._kids[id(parent)]
            self._children(parent)
        self._labels.clear()
        self._flags.clear()
        pending, self._pending = self._pending, None
        if pending == "insert":
            self.endInsertRows()
        elif pending == "remove":
            self.endRemoveRows()
        index = self.index_of(parent, fetch=False)
        if index.isValid():
            self._changed_upwards(index)

    def _node_changed(self, node: Node) -> None:
        self._labels.clear()
        self._flags.pop(id(node), None)
        index = self.index_of(node, fetch=False)
        if index.isValid():
            self._changed_upwards(index)

    def _changed_upwards(self, index: QModelIndex) -> None:
        """Say that a row and its ancestors changed (their labels may quote what changed)."""
        roles = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.EditRole]
        while index.isValid():
            self.dataChanged.emit(index, index, roles)
            index = index.parent()
