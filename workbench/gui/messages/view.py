"""The Messages view: every message and Response kept in the store, searched, opened, resent.

:class:`MessagesView` puts together the :class:`~.filters.FilterBar`, a table over a
:class:`~.model.MessageTableModel` and the :class:`~.conversation.ConversationPane`. All store
work runs in the context's thread pool (:mod:`.tasks`): the query (every matching id, then
pages of rows as the table scrolls), the selected message's conversation and diagram, reading
bytes to open or send again, exporting, importing. A newer request makes an older one's result
unwanted (generations). Files or folders dropped on the view are imported.

The view does not send: "Resend…" and "Retry" are requests the MESH feature answers
(:attr:`MessagesView.sig_resend_requested`, :attr:`MessagesView.sig_retry_requested`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QItemSelection, QMimeData, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QSplitter,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from workbench.core.store import ORDERS, MessageStore, Query, StoredMessage
from workbench.core.validation.runner import Validator
from workbench.gui.context import AppContext
from workbench.gui.messages import tasks
from workbench.gui.messages.conversation import ConversationPane
from workbench.gui.messages.filters import FilterBar
from workbench.gui.messages.model import WHAT, WHEN, MessageTableModel, parties, what_text
from workbench.gui.messages.tasks import ConversationView, FilesDone, Listing, Page, StoredBytes
from workbench.gui.simulate.diagram import OpenRequest
from workbench.gui.simulate.layout import MIN_WIDTH
from workbench.gui.tasks import TaskFailure
from workbench.gui.widgets import dialogs

_KEY = "messages/"
#: Quiet time after the selection moves before its conversation is read.
CONVERSATION_DELAY_MS = 120
_WIDTHS = {WHEN: 140, 1: 86, WHAT: 180, 3: 80, 4: 80, 5: 140, 6: 90, 7: 150, 8: 95}
#: The conversation pane's width at first: the narrowest diagram, whole.
CONVERSATION_WIDTH = int(MIN_WIDTH) + 30


@dataclass(frozen=True, slots=True)
class OpenStored:
    """Stored bytes to open in a tab.

    Attributes:
        name: The tab's title.
        data: The bytes, exactly as kept.
    """

    name: str
    data: bytes


def title_of(stored: StoredMessage) -> str:
    """What a stored message's tab is called: ``ITK006D to X26ABC2 (#12)``."""
    sender, receiver = parties(stored)
    if stored.transport == "import":
        where = f" ({Path(stored.name).name})" if stored.name else ""
        return f"{what_text(stored)}{where} (#{stored.id})"
    where = f" to {receiver}" if stored.direction == "out" else f" from {sender}"
    return f"{what_text(stored)}{where} (#{stored.id})"


def ask_export_file(parent: QWidget, suggested: str) -> str | None:
    """Ask where to save one message's bytes (tests replace this)."""
    path, _ = QFileDialog.getSaveFileName(parent, "Export message", suggested, "FHIR messages (*.xml *.json)")
    return path or None


def ask_export_folder(parent: QWidget, directory: str) -> str | None:
    """Ask which folder receives several messages' bytes (tests replace this)."""
    return QFileDialog.getExistingDirectory(parent, "Export messages to", directory) or None


class MessagesView(QWidget):
    """The stored messages, filtered, with the selected one's conversation.

    Signals:
        sig_open_requested(object): Open bytes in a tab; carries an :class:`OpenStored`.
        sig_resend_requested(object): Send a stored message again; carries its
            :class:`~.tasks.StoredBytes`.
        sig_retry_requested(object): Retry these failed or pending rows; carries a tuple of ids.
        sig_listed(object): A listing is shown; carries the :class:`~.tasks.Listing`.
        sig_conversation_shown(object): A conversation is shown; carries its
            :class:`~.tasks.ConversationView`.
        sig_rows_seen(object): Rows were selected (no longer unread); carries a tuple of ids.
        sig_status_message(str): Something for the status bar.
        sig_problem(str, str): Something failed: the text and the level for the message bar.

    Args:
        context: The application context (thread pool, settings, profiles).
        store_path: The message store file.
        parent: The Qt parent.
    """

    sig_open_requested = Signal(object)
    sig_resend_requested = Signal(object)
    sig_retry_requested = Signal(object)
    sig_listed = Signal(object)
    sig_conversation_shown = Signal(object)
    sig_rows_seen = Signal(object)
    sig_status_message = Signal(str)
    sig_problem = Signal(str, str)

    def __init__(self, context: AppContext, store_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messagesView")
        self.setAcceptDrops(True)
        self._context = context
        self.store_path = store_path
        self._generation = 0
        self._listing_generation = 0  # of the listing asked for last
        self._listing_busy = False
        self._again = False  # the store changed while a listing was read: read it again after
        self._conversation_generation = 0

        self.filters = FilterBar()
        self.model = MessageTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("messagesTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in _WIDTHS.items():
            self.table.setColumnWidth(column, width)
        self.conversation = ConversationPane()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.conversation)
        self.splitter.setStretchFactor(0, 1)  # the table takes what the window gives more
        self.splitter.setStretchFactor(1, 0)
        self.count_label = QLabel()
        self.count_label.setObjectName("messagesCount")
        self.count_label.setStyleSheet("color: #57606a;")
        self.count_label.setToolTip(f"The message store: {store_path}")

        self.commands = self._make_actions()
        toolbar = QToolBar()
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for key in ("open", "resend", "retry", "export", None, "import", "refresh"):
            if key is None:
                toolbar.addSeparator()
            else:
                toolbar.addAction(self.commands[key])
        top = QHBoxLayout()
        top.addWidget(self.filters, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(toolbar)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.count_label)

        self._conversation_timer = QTimer(self)
        self._conversation_timer.setSingleShot(True)
        self._conversation_timer.setInterval(CONVERSATION_DELAY_MS)
        self._conversation_timer.timeout.connect(self._read_conversation)
        self.filters.sig_query_changed.connect(self._on_query_changed)
        self.model.sig_page_wanted.connect(self._on_page_wanted)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        self.table.customContextMenuRequested.connect(self._on_context_menu)
        self.conversation.sig_open_requested.connect(self._on_arrow_open_requested)
        self.conversation.sig_list_requested.connect(self.filters.set_conversation)
        self._restore()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicatorClearable(True)  # a third click: back to the order stored
        header.sortIndicatorChanged.connect(self._on_sort_changed)
        self._update_actions()

    # ---- listing -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the listing again (the store changed); the selection and scroll position stay."""
        if self._listing_busy:
            self._again = True
            return
        self._list(self.query())

    def query(self) -> Query:
        """The query listed: the filters', sorted as the header shows."""
        return self._sorted(self.filters.query())

    def sort_by(self, column: int, order: Qt.SortOrder) -> None:
        """Sort by a column (as a click on its header would); -1: the order stored, newest first."""
        self.table.horizontalHeader().setSortIndicator(column, order)

    def _sorted(self, query: Query) -> Query:
        header = self.table.horizontalHeader()
        column = header.sortIndicatorSection()
        if not 0 <= column < len(ORDERS):
            return replace(query, order=None, ascending=False)
        ascending = header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
        return replace(query, order=ORDERS[column], ascending=ascending)

    def _on_sort_changed(self, _column: int, _order: Qt.SortOrder) -> None:
        self._on_query_changed(self.filters.query())

    def selected_rows(self) -> list[StoredMessage]:
        """The stored messages selected (those already read), in table order."""
        found = []
        for index in sorted(self.table.selectionModel().selectedRows(), key=QModelIndex.row):
            stored = self.model.stored(index.row())
            if stored is not None:
                found.append(stored)
        return found

    def select_id(self, row_id: int) -> bool:
        """Select the row with this id, if listed; return whether it is."""
        row = self.model.row_of(row_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def set_unread(self, ids: set[int]) -> None:
        """Show these rows as unread."""
        self.model.set_unread(ids)

    def _list(self, query: Query) -> None:
        self._generation += 1
        self._listing_generation = self._generation
        self._listing_busy = True
        self._again = False
        self.count_label.setText("Searching…")
        self._run(tasks.list_messages(query, self._generation), "list", self._on_listed, self._on_list_failed)

    def _on_query_changed(self, query: Query) -> None:
        self._listing_busy = False  # a new question: whatever is in flight is no longer wanted
        self._list(self._sorted(query))

    def _on_listed(self, listing: Listing) -> None:
        if listing.generation != self._listing_generation:
            return
        self._listing_busy = False
        selected = [s.id for s in self.selected_rows()]
        self.model.set_listing(listing)
        if selected and not self.table.selectionModel().hasSelection():
            self.select_id(selected[0])  # the table was reset: select the same message again
        total = len(listing.ids)
        self.count_label.setText(
            f"{total:,} message{'s' if total != 1 else ''} · listed in {listing.seconds * 1000:.0f} ms"
            f" · store {self.store_path}"
        )
        self._update_actions()
        self.sig_listed.emit(listing)
        if self._again:
            self.refresh()
        elif self.conversation.view() is not None:
            self._read_conversation()  # its state may have changed

    def _on_list_failed(self, failure: TaskFailure) -> None:
        if failure.generation != self._listing_generation:
            return
        self._listing_busy = False
        self.count_label.setText("The messages could not be listed")
        self.sig_problem.emit(f"Could not list the stored messages: {failure.message}", "error")

    def _on_page_wanted(self, start: int, generation: int) -> None:
        ids = self.model.page_ids(start)

        def failed(failure: TaskFailure) -> None:
            self.model.page_failed(start, generation)
            self.sig_problem.emit(f"Could not read stored messages: {failure.message}", "error")

        self._run(tasks.read_page(ids, start, generation), "page", self._on_page_read, failed)

    def _on_page_read(self, page: Page) -> None:
        self.model.set_page(page)
        self._update_actions()

    # ---- the conversation ------------------------------------------------------------------------

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update_actions()
        rows = self.selected_rows()
        if rows:
            self.sig_rows_seen.emit(tuple(r.id for r in rows))
        self._conversation_timer.start()

    def _read_conversation(self) -> None:
        current = self.table.currentIndex()
        stored = self.model.stored(current.row()) if current.isValid() else None
        self._conversation_generation += 1
        if stored is None or not stored.conversation:
            self.conversation.show_view(None)
            if stored is not None:
                self.conversation.show_problem("This message belongs to no conversation (it cannot be read).")
            return
        mailbox = None if stored.transport == "import" else stored.mailbox
        work = tasks.read_conversation(stored.conversation, mailbox, self._conversation_generation)
        self._run(work, "conversation", self._on_conversation_read, self._on_conversation_failed)

    def _on_conversation_read(self, view: ConversationView) -> None:
        if view.generation != self._conversation_generation:
            return
        self.conversation.show_view(view)
        self.sig_conversation_shown.emit(view)

    def _on_conversation_failed(self, failure: TaskFailure) -> None:
        if failure.generation == self._conversation_generation:
            self.conversation.show_problem(f"The conversation could not be read: {failure.message}")

    # ---- actions ---------------------------------------------------------------------------------

    def open_selected(self) -> None:
        """Open each selected message in a tab (a tab holding the same bytes comes forward)."""
        for stored in self.selected_rows()[:20]:
            self._read_bytes(stored.id, "open")

    def resend_selected(self) -> None:
        """Ask to send the selected message again (the MESH feature asks where)."""
        rows = self.selected_rows()
        if rows:
            self._read_bytes(rows[0].id, "resend")

    def retry_selected(self) -> None:
        """Ask to retry the selected messages that failed or wait to be sent."""
        ids = tuple(r.id for r in self.selected_rows() if r.direction == "out" and r.state in ("pending", "failed"))
        if ids:
            self.sig_retry_requested.emit(ids)

    def export_selected(self) -> None:
        """Save the selected messages' original bytes: one to a file, several into a folder."""
        rows = self.selected_rows()
        if not rows:
            return
        directory = str(self._context.settings.value(_KEY + "export_directory", str(Path.home())))
        if len(rows) == 1:
            chosen = ask_export_file(self, str(Path(directory) / tasks.file_name(rows[0])))
            target, into_folder = (Path(chosen), False) if chosen else (None, False)
        else:
            folder = ask_export_folder(self, directory)
            target, into_folder = (Path(folder), True) if folder else (None, True)
        if target is None:
            return
        self._context.settings.setValue(_KEY + "export_directory", str(target if into_folder else target.parent))
        self._generation += 1
        work = tasks.export_messages(tuple(r.id for r in rows), target, into_folder, self._generation)
        self._run(work, "export", self._on_files_done, self._on_files_failed)

    def import_dialog(self) -> None:
        """Ask for files and store them (Import…)."""
        directory = str(self._context.settings.value(_KEY + "import_directory", str(Path.home())))
        paths = dialogs.ask_open_paths(self, directory)
        if paths:
            self._context.settings.setValue(_KEY + "import_directory", str(Path(paths[0]).parent))
            self.import_paths(paths)

    def import_paths(self, paths: list[str]) -> None:
        """Store the FHIR files (and the files in folders) given, in a worker."""
        self._generation += 1
        registry = self._context.profiles.registry
        work = tasks.import_files(tuple(paths), lambda: Validator(registry()), self._generation)
        self.sig_status_message.emit(f"Importing {len(paths)} item{'s' if len(paths) != 1 else ''}…")
        self._run(work, "import", self._on_files_done, self._on_files_failed)

    def _read_bytes(self, row_id: int, purpose: str) -> None:
        self._generation += 1
        self._run(tasks.read_bytes_of(row_id, purpose, self._generation), purpose, self._on_bytes, self._on_failed)

    def _on_bytes(self, stored: StoredBytes) -> None:
        if stored.purpose == "open":
            self.sig_open_requested.emit(OpenStored(title_of(stored.row), stored.data))
        else:
            self.sig_resend_requested.emit(stored)

    def _on_arrow_open_requested(self, request: OpenRequest) -> None:
        event = request.event
        view = self.conversation.view()
        row = next((r for r in (view.rows if view else ()) if r.message_id == event.message_id), None)
        name = title_of(row) if row is not None else request.name
        self.sig_open_requested.emit(OpenStored(name, request.data))

    def _on_files_done(self, done: FilesDone) -> None:
        self.sig_status_message.emit(done.note)
        if done.skipped:
            shown = "; ".join(done.skipped[:3]) + (
                f" (and {len(done.skipped) - 3} more)" if len(done.skipped) > 3 else ""
            )
            self.sig_problem.emit(f"{done.note}, but not everything: {shown}", "warning")
        self.refresh()

    def _on_files_failed(self, failure: TaskFailure) -> None:
        self.sig_problem.emit(f"Could not {failure.task} the messages: {failure.message}", "error")

    def _on_failed(self, failure: TaskFailure) -> None:
        self.sig_problem.emit(f"Could not read the stored message: {failure.message}", "error")

    def _make_actions(self) -> dict[str, QAction]:
        made: dict[str, QAction] = {}
        for key, text, handler, keys, tip in (
            ("open", "&Open", self.open_selected, "Return", "Open the selected messages, each in a tab"),
            ("resend", "Re&send…", self.resend_selected, None, "Send the selected message over MESH again"),
            ("retry", "Re&try", self.retry_selected, None, "Send again the selected messages that failed"),
            ("export", "&Export…", self.export_selected, "Ctrl+E", "Save the selected messages' original bytes"),
            ("import", "&Import…", self.import_dialog, None, "Keep FHIR files in the store (or drop them here)"),
            ("refresh", "Re&fresh", self.refresh, None, "List the stored messages again"),
        ):
            action = QAction(text, self)
            action.setObjectName(f"messages_{key}")
            action.setToolTip(tip)
            action.setStatusTip(tip)
            if keys:
                action.setShortcut(QKeySequence(keys))
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                self.table.addAction(action)
            action.triggered.connect(lambda _checked=False, call=handler: call())
            made[key] = action
        return made

    def _update_actions(self) -> None:
        rows = self.selected_rows()
        for key in ("open", "export"):
            self.commands[key].setEnabled(bool(rows))
        self.commands["resend"].setEnabled(len(rows) == 1)
        self.commands["retry"].setEnabled(any(r.direction == "out" and r.state in ("pending", "failed") for r in rows))

    def _on_context_menu(self, point: QPoint) -> None:
        menu = QMenu(self)
        for key in ("open", "resend", "retry", "export"):
            menu.addAction(self.commands[key])
        rows = self.selected_rows()
        if rows and rows[0].conversation:
            menu.addSeparator()
            conversation = rows[0].conversation
            menu.addAction("List Its Conversation", lambda: self.filters.set_conversation(conversation))
        menu.popup(self.table.viewport().mapToGlobal(point))

    def _run(
        self,
        work: Callable[[MessageStore], object],
        what: str,
        done: Callable[[Any], object],
        failed: Callable[[TaskFailure], object],
    ) -> None:
        pool, owner = self._context.pool, self._context.carriers
        tasks.start_store_task(pool, owner, self.store_path, work, self._generation, what, done, failed)

    # ---- remembered layout -----------------------------------------------------------------------

    def save_layout(self) -> None:
        """Remember the column widths, the sort and the splitter."""
        settings = self._context.settings
        settings.setValue(_KEY + "header", self.table.horizontalHeader().saveState())
        settings.setValue(_KEY + "splitter", self.splitter.saveState())

    def _restore(self) -> None:
        settings = self._context.settings
        header = settings.value(_KEY + "header")
        if not (isinstance(header, QByteArray) and self.table.horizontalHeader().restoreState(header)):
            self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.DescendingOrder)
        splitter = settings.value(_KEY + "splitter")
        if not (isinstance(splitter, QByteArray) and self.splitter.restoreState(splitter)):
            self.splitter.setSizes([400, CONVERSATION_WIDTH])

    # ---- Qt overrides ----------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Override QWidget::dragEnterEvent: accept FHIR files and folders (to import)."""
        if _importable(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        """Override QWidget::dropEvent: import the FHIR files and folders dropped."""
        paths = _importable(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.import_paths(paths)


def _importable(mime: QMimeData) -> list[str]:
    """The local FHIR files and folders a drag carries."""
    if not mime.hasUrls():
        return []
    paths = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
    return [p for p in paths if Path(p).is_dir() or p.lower().endswith(tasks.SUFFIXES)]
