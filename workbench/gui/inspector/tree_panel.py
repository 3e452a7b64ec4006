"""The structure tree: the message as rows, selection, and attachment actions on rows.

A message that could not be read has no tree; the panel says so in place of the rows.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelection, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QLabel, QMenu, QStackedLayout, QTreeView, QWidget

from workbench.core.itk3.view import Attachment
from workbench.core.session import MessageSession
from workbench.core.stu3.paths import node_path
from workbench.core.tree import RESOURCE, Node
from workbench.gui.inspector.tree_model import MessageTreeModel
from workbench.gui.widgets.label_delegate import LabelDelegate

UNREADABLE_NOTE = (
    "This message could not be read, so it has no structure to show. The Original view shows its "
    "bytes with the line where reading stopped marked; the issues below say why."
)


class TreePanel(QWidget):
    """The message's structure as a tree of rows.

    Signals:
        sig_node_selected(object): The current row changed (by the user or by
            :meth:`select_node`); carries the row's :class:`Node`, or None when nothing is
            selected.
        sig_attachment_open_requested(object): "Open with system viewer" was chosen on an
            attachment row; carries the :class:`Attachment`.
        sig_attachment_save_requested(object): "Save attachment as…" was chosen on an
            attachment row; carries the :class:`Attachment`.
        sig_value_edit_requested(object, str): The user edited a primitive's value in the
            tree (F2); carries the :class:`Node` and the new value (nothing is changed yet).

    Args:
        parent: The Qt parent.

    Attributes:
        menu_extensions: Called with the context menu and the row's node after the attachment
            actions; other features add their entries (editing) this way.
    """

    sig_node_selected = Signal(object)
    sig_attachment_open_requested = Signal(object)
    sig_attachment_save_requested = Signal(object)
    sig_value_edit_requested = Signal(object, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.menu_extensions: list[Callable[[QMenu, Node], object]] = []
        self.model = MessageTreeModel(self)
        self.view = QTreeView(self)
        self.view.setObjectName("structureTree")
        self.view.setModel(self.model)
        self.view.setItemDelegate(LabelDelegate(self.view))
        self.view.setHeaderHidden(True)
        self.view.setUniformRowHeights(True)  # constant-time layout for thousands of rows
        self.view.setAnimated(False)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.model.sig_value_edit_requested.connect(self.sig_value_edit_requested)
        self.view.customContextMenuRequested.connect(self._on_context_menu_requested)
        self.view.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.note = QLabel(UNREADABLE_NOTE)
        self.note.setObjectName("treeNote")
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.note.setStyleSheet("QLabel#treeNote { color: #57606a; padding: 12px; }")
        self._stack = QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)
        self._stack.addWidget(self.view)
        self._stack.addWidget(self.note)

    # ---------------------------------------------------------------------------------- API

    def set_session(self, session: MessageSession | None) -> None:
        """Show a session's tree with its top levels open (None empties the panel)."""
        self.model.set_session(session)
        unreadable = session is not None and not session.readable
        self._stack.setCurrentWidget(self.note if unreadable else self.view)
        if self.model.document() is not None:
            self.expand_default()
        self.sig_node_selected.emit(None)

    def is_unreadable_note_shown(self) -> bool:
        """Return whether the panel says the message has no tree (it could not be read)."""
        return self._stack.currentWidget() is self.note

    def refresh_labels(self) -> None:
        """Label the rows again (the session's labels changed after an edit) and repaint them."""
        self.model.refresh_labels()
        self.view.viewport().update()

    def edit_current(self) -> bool:
        """Open the value editor on the selected row; return False when it has no value to edit."""
        index = self.view.currentIndex()
        if not index.isValid() or not self.model.flags(index) & Qt.ItemFlag.ItemIsEditable:
            return False
        self.view.scrollTo(index)
        self.view.edit(index)
        return True

    def current_node(self) -> Node | None:
        """Return the node of the selected row, if any."""
        return self.model.node(self.view.currentIndex())

    def select_node(self, node: Node) -> bool:
        """Select the row showing a node (opening its parents) and scroll to it.

        Returns:
            True when a row was found.
        """
        index = self.model.index_of(node)
        if not index.isValid():
            return False
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        return True

    def expand_default(self) -> None:
        """Open the root, its entries' resources, and the MessageHeader's handling specification."""
        document = self.model.document()
        if document is None:
            return
        self.view.expand(self.model.index_of(document.root))
        view = self.model.context().view
        if view is not None and view.header is not None:
            header = self.model.index_of(view.header)
            self.view.expand(header.parent())
            self.view.expand(header)

    def expand_node(self, node: Node) -> None:
        """Open the row of a node (and its parents)."""
        index = self.model.index_of(node)
        while index.isValid():
            self.view.expand(index)
            index = index.parent()

    def show_comments(self) -> bool:
        """Return whether comment rows are shown."""
        return self.model.show_comments()

    def set_show_comments(self, show: bool) -> None:
        """Show or hide comment rows, keeping open rows open and the selection."""
        if show == self.model.show_comments():
            return
        current = self.current_node()
        expanded = self._expanded_nodes()
        self.model.set_show_comments(show)
        for node in expanded:
            index = self.model.index_of(node)
            if index.isValid():
                self.view.expand(index)
        if current is not None:
            self.select_node(current)

    def expand_all(self) -> None:
        """Open every row."""
        self.view.expandAll()

    def collapse_all(self) -> None:
        """Close every row but the root."""
        self.view.collapseAll()
        document = self.model.document()
        if document is not None:
            self.view.expand(self.model.index_of(document.root))

    # ---------------------------------------------------------------------------- handlers

    def _expanded_nodes(self) -> list[Node]:
        found: list[Node] = []
        stack = [QModelIndex()]
        while stack:
            parent = stack.pop()
            for row in range(self.model.rowCount(parent)):
                index = self.model.index(row, 0, parent)
                if self.view.isExpanded(index):
                    node = self.model.node(index)
                    if node is not None:
                        found.append(node)
                    stack.append(index)
        return found

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = self.view.selectionModel().selectedIndexes()
        self.sig_node_selected.emit(self.model.node(indexes[0]) if indexes else None)

    def _on_context_menu_requested(self, point: QPoint) -> None:
        node = self.model.node(self.view.indexAt(point))
        if node is not None:
            menu = self.context_menu(node)
            menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            menu.popup(self.view.viewport().mapToGlobal(point))

    def _attachment_of(self, node: Node) -> Attachment | None:
        """The attachment a row carries: its own, or (for an entry) its resource's."""
        context = self.model.context()
        found = context.attachment(node)
        if found is None and node.kind != RESOURCE:
            wrapper = node.child("resource")
            resource = wrapper.resource() if wrapper is not None else None
            found = context.attachment(resource) if resource is not None else None
        return found

    def attachment_of(self, node: Node) -> Attachment | None:
        """Return the attachment a node's row offers to open or save, if any."""
        return self._attachment_of(node)

    def context_menu(self, node: Node) -> QMenu:
        """Build the context menu of a node's row (attachment actions, the extensions', then copying)."""
        menu = QMenu(self)
        attachment = self._attachment_of(node)
        if attachment is not None:
            open_action = menu.addAction("Open with system viewer")
            open_action.triggered.connect(lambda: self.sig_attachment_open_requested.emit(attachment))
            save_action = menu.addAction("Save attachment as…")
            save_action.triggered.connect(lambda: self.sig_attachment_save_requested.emit(attachment))
            menu.addSeparator()
        for extend in self.menu_extensions:
            extend(menu, node)
        if menu.actions() and not menu.actions()[-1].isSeparator():
            menu.addSeparator()
        copy_label = QAction("Copy label", menu)
        copy_label.triggered.connect(lambda: QGuiApplication.clipboard().setText(self.model.label(node)))
        copy_path = QAction("Copy path", menu)
        copy_path.triggered.connect(lambda: QGuiApplication.clipboard().setText(node_path(node)))
        menu.addActions([copy_label, copy_path])
        return menu
