"""The main window: composes the panels, the menus and the loading of files.

The window holds one message at a time. It reads files in a worker (the GUI keeps running;
progress shows in the status bar when reading takes longer than a moment), shows errors in a
non-modal message bar, and keeps the previous message when a new one cannot be read.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from workbench.core.errors import WorkbenchError
from workbench.core.itk3.labels import LabelContext, document_summary, format_size
from workbench.core.itk3.view import Attachment
from workbench.core.tree import Document, Node
from workbench.gui import dialogs, saving
from workbench.gui.actions import DOCUMENT_ACTIONS, build_menus, fill_recent_menu
from workbench.gui.context import APPLICATION, AppContext
from workbench.gui.panels.details_panel import DetailsPanel
from workbench.gui.panels.message_bar import MessageBar
from workbench.gui.panels.preview_panel import PreviewPanel
from workbench.gui.panels.tree_panel import TreePanel
from workbench.gui.workers import LoadResult, LoadTask, TaskFailure, TaskSignals

#: Reading that takes longer than this shows a progress bar.
PROGRESS_DELAY_MS = 300
OPENABLE_SUFFIXES = (".xml", ".json")


class MainWindow(QMainWindow):
    """The workbench window: structure tree, details and source preview of one message.

    Signals:
        sig_document_loaded(object): A message was read and is shown; carries the
            :class:`Document`.
        sig_load_failed(object): A file could not be read (the message bar says why); carries
            the :class:`TaskFailure`.
        sig_document_saved(str): The message was saved; carries the file path.

    Args:
        context: The application context.
        parent: The Qt parent.
    """

    sig_document_loaded = Signal(object)
    sig_load_failed = Signal(object)
    sig_document_saved = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._document: Document | None = None
        self._labels: LabelContext | None = None
        self._generation = 0
        self._pending: dict[int, TaskSignals] = {}
        self._about: QMessageBox | None = None
        self.setWindowTitle(APPLICATION)
        self.setAcceptDrops(True)

        self.message_bar = MessageBar()
        self.tree = TreePanel()
        self.details = DetailsPanel()
        self.preview = PreviewPanel(context)
        self.left_splitter = QSplitter(Qt.Orientation.Vertical)
        self.left_splitter.addWidget(self.tree)
        self.left_splitter.addWidget(self.details)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.left_splitter)
        self.splitter.addWidget(self.preview)
        for splitter in (self.splitter, self.left_splitter):
            splitter.setChildrenCollapsible(False)
            splitter.setHandleWidth(6)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.setSpacing(6)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.summary = QLabel()
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.summary)
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.setInterval(PROGRESS_DELAY_MS)
        self._progress_timer.timeout.connect(self._on_progress_timer_timeout)

        self.menu_actions, self.submenus = build_menus(self)
        self.submenus["recent"].aboutToShow.connect(self._on_recent_menu_about_to_show)
        self.tree.sig_node_selected.connect(self._on_tree_node_selected)
        self.preview.sig_node_clicked.connect(self._on_preview_node_clicked)
        for panel in (self.tree, self.details):
            panel.sig_attachment_open_requested.connect(self._on_attachment_open_requested)
            panel.sig_attachment_save_requested.connect(self._on_attachment_save_requested)
        self._restore_layout()
        self._update_actions()

    # ------------------------------------------------------------------------------ opening

    def document(self) -> Document | None:
        """Return the message shown, if any."""
        return self._document

    def is_loading(self) -> bool:
        """Return whether a file is being read."""
        return bool(self._pending)

    def open_dialog(self) -> None:
        """Ask for a file and open it (File › Open)."""
        paths = dialogs.ask_open_paths(self, self._last_directory())
        if paths:
            self.open_file(paths[0])

    def open_file(self, path: str) -> int:
        """Start reading a file in a worker; the result replaces the message shown.

        Returns:
            The request's generation number (results of older requests are ignored).
        """
        self._generation += 1
        generation = self._generation
        signals = TaskSignals(self)
        signals.sig_progress_changed.connect(self._on_load_progress_changed)
        signals.sig_result_ready.connect(self._on_load_result_ready)
        signals.sig_task_failed.connect(self._on_load_task_failed)
        self._pending[generation] = signals
        self.progress.setValue(0)
        self._progress_timer.start()
        self.statusBar().showMessage(f"Opening {Path(path).name}…")
        self._context.pool.start(LoadTask(str(path), generation, signals))
        return generation

    def open_recent(self, path: str) -> None:
        """Open a recent file, or take it off the list when it no longer exists."""
        if not Path(path).is_file():
            self._context.recent.remove(path)
            self.message_bar.show_message(f"{path} no longer exists; it was removed from Open Recent.", "warning")
            return
        self.open_file(path)

    def close_document(self) -> None:
        """Stop showing the message (File › Close)."""
        self._show(None, None)
        self.setWindowTitle(APPLICATION)

    def _show(self, document: Document | None, labels: LabelContext | None) -> None:
        self._document, self._labels = document, labels
        self.details.clear()
        self.preview.set_document(document)
        self.tree.set_document(document, labels)
        self.summary.setText(document_summary(document, labels.view if labels else None) if document else "")
        self._update_actions()

    def _finish_loading(self, generation: int) -> bool:
        """Forget a request; return whether it is the latest one."""
        carrier = self._pending.pop(generation, None)
        if carrier is not None:
            carrier.deleteLater()
        if generation != self._generation:
            return False
        self._progress_timer.stop()
        self.progress.hide()
        self.statusBar().clearMessage()
        return True

    # ---------------------------------------------------------------------------- saving

    def save_as_xml(self) -> None:
        """Save the message as FHIR XML (File › Save As XML)."""
        self._save_as("xml")

    def save_as_json(self) -> None:
        """Save the message as FHIR JSON (File › Save As JSON)."""
        self._save_as("json")

    def _save_as(self, syntax: str) -> None:
        document = self._document
        if document is None:
            return
        offer = syntax == "json" and saving.has_xml_only_details(document)
        suggested = str(Path(self._last_directory()) / saving.suggested_name(document, syntax))
        target = dialogs.ask_save_target(self, syntax, suggested, offer)
        if target is None:
            return
        try:
            size = saving.save_document(document, syntax, target.path, target.keep_xml)
        except (OSError, WorkbenchError) as exc:
            self.message_bar.show_message(f"Could not save {target.path}: {exc}", "error")
            return
        self._remember_directory(target.path)
        self.statusBar().showMessage(f"Saved {Path(target.path).name} ({format_size(size)})", 5000)
        self.sig_document_saved.emit(target.path)

    # ------------------------------------------------------------------------------- view

    def set_show_comments(self, show: bool) -> None:
        """Show or hide comments in the structure tree (View › Show Comments)."""
        self.tree.set_show_comments(show)

    def expand_all(self) -> None:
        """Open every row of the tree (View › Expand All)."""
        self.tree.expand_all()

    def collapse_all(self) -> None:
        """Close the rows of the tree (View › Collapse All)."""
        self.tree.collapse_all()

    def show_about(self) -> None:
        """Show the About box (Help › About); non-modal."""
        self._about = dialogs.show_about(self)

    # -------------------------------------------------------------------- drag and drop

    @staticmethod
    def _openable(event: QDragEnterEvent | QDropEvent) -> list[str]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        paths = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
        return [p for p in paths if p.lower().endswith(OPENABLE_SUFFIXES)]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept FHIR XML and JSON files dragged onto the window."""
        if self._openable(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        """Open the first FHIR XML or JSON file dropped on the window."""
        paths = self._openable(event)
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_file(paths[0])

    # ---------------------------------------------------------------------- persistence

    def _restore_layout(self) -> None:
        settings = self._context.settings
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 900)
        for key, splitter, sizes in (
            ("window/splitter", self.splitter, [580, 820]),
            ("window/left_splitter", self.left_splitter, [540, 320]),
        ):
            state = settings.value(key)
            if not (isinstance(state, QByteArray) and splitter.restoreState(state)):
                splitter.setSizes(sizes)
        show = settings.value("view/show_comments", True)
        self.menu_actions["show_comments"].setChecked(show not in (False, "false", 0, "0"))

    def _save_layout(self) -> None:
        settings = self._context.settings
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/splitter", self.splitter.saveState())
        settings.setValue("window/left_splitter", self.left_splitter.saveState())
        settings.setValue("view/show_comments", self.tree.show_comments())
        settings.sync()

    def _last_directory(self) -> str:
        return str(self._context.settings.value("files/last_directory", str(Path.home())))

    def _remember_directory(self, path: str) -> None:
        self._context.settings.setValue("files/last_directory", str(Path(path).resolve().parent))

    def closeEvent(self, event: QCloseEvent) -> None:
        """Remember the layout and wait for work in progress before closing."""
        self._save_layout()
        self._pending.clear()
        self._context.pool.clear()
        self._context.pool.waitForDone()
        super().closeEvent(event)

    def _update_actions(self) -> None:
        for key in DOCUMENT_ACTIONS:
            self.menu_actions[key].setEnabled(self._document is not None)

    # ---------------------------------------------------------------------------- handlers

    def _on_progress_timer_timeout(self) -> None:
        if self._pending:
            self.progress.show()

    def _on_load_progress_changed(self, generation: int, fraction: float) -> None:
        if generation == self._generation:
            self.progress.setValue(round(fraction * 100))

    def _on_load_result_ready(self, result: LoadResult) -> None:
        if not self._finish_loading(result.generation):
            return
        self.message_bar.clear()
        self._show(result.document, result.context)
        self._context.recent.add(result.path)
        self._remember_directory(result.path)
        self.setWindowTitle(f"{Path(result.path).name} — {APPLICATION}")
        self.statusBar().showMessage(f"Opened {Path(result.path).name} in {result.seconds:.2f} s", 5000)
        view = result.context.view
        if view is not None and view.header is not None:
            self.tree.select_node(view.header)
        self.sig_document_loaded.emit(result.document)

    def _on_load_task_failed(self, failure: TaskFailure) -> None:
        if not self._finish_loading(failure.generation):
            return
        text = f"Could not open {failure.message}"
        if failure.path and not Path(failure.path).exists() and failure.path in self._context.recent.paths():
            self._context.recent.remove(failure.path)
            text += " (removed from Open Recent)"
        self.message_bar.show_message(text, "error")
        self.sig_load_failed.emit(failure)

    def _on_recent_menu_about_to_show(self) -> None:
        fill_recent_menu(self.submenus["recent"], self._context.recent, self.open_recent)

    def _on_tree_node_selected(self, node: Node | None) -> None:
        self.details.show_node(node, self._document, self._labels)
        self.preview.show_node(node)

    def _on_preview_node_clicked(self, node: Node) -> None:
        self.tree.select_node(node)

    def _on_attachment_open_requested(self, attachment: Attachment) -> None:
        try:
            path = saving.open_attachment(attachment)
        except (OSError, ValueError) as exc:
            self.message_bar.show_message(f"Could not open the attachment: {exc}", "error")
            return
        self.statusBar().showMessage(f"Opened {path.name} with the system viewer", 5000)

    def _on_attachment_save_requested(self, attachment: Attachment) -> None:
        suggested = str(Path(self._last_directory()) / attachment.suggested_name)
        path = dialogs.ask_attachment_path(self, suggested)
        if not path:
            return
        try:
            size = saving.save_attachment(attachment, path)
        except (OSError, ValueError) as exc:
            self.message_bar.show_message(f"Could not save the attachment: {exc}", "error")
            return
        self.statusBar().showMessage(f"Saved {Path(path).name} ({format_size(size)})", 5000)
