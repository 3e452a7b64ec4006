"""The main window: composes the panels, the menus, loading, editing and validation of a message.

The window holds one message at a time. It reads files in a worker (the GUI keeps running;
progress shows in the status bar when reading takes longer than a moment), shows errors in a
non-modal message bar, and keeps the previous message when a new one cannot be read. A message
shown is validated in a worker (the banner gives the predicted receiver response, the issues
panel the findings) and again after each edit; edits go through the message's undo stack.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from workbench.core.codecs import xml_only_details
from workbench.core.edits import EditError
from workbench.core.errors import WorkbenchError
from workbench.core.itk3.labels import LabelContext, document_summary, format_size
from workbench.core.tree import Document, Node, gc_paused
from workbench.gui import dialogs, saving
from workbench.gui.actions import DOCUMENT_ACTIONS, build_menus, fill_recent_menu, tree_actions, update_edit_actions
from workbench.gui.context import APPLICATION, AppContext
from workbench.gui.panels.message_bar import MessageBar
from workbench.gui.panels.progress import DelayedProgressBar
from workbench.gui.profiles_dialog import ProfilesDialog
from workbench.gui.simulate.diagram import OpenRequest
from workbench.gui.simulate.window import CurrentMessage, SimulateWindow
from workbench.gui.undo import EditSession
from workbench.gui.validation import ValidationController
from workbench.gui.window_layout import WindowLayout
from workbench.gui.workers import LoadResult, LoadTask, TaskFailure, TaskSignals, ValidationResult
from workbench.gui.workspace import MessageWorkspace

OPENABLE_SUFFIXES = (".xml", ".json")


class MainWindow(QMainWindow):
    """The workbench window: structure tree, details and source preview of one message.

    Signals:
        sig_document_loaded(object): A message was read and is shown; carries the
            :class:`Document`.
        sig_load_failed(object): A file could not be read (the message bar says why); carries
            the :class:`TaskFailure`.
        sig_document_saved(str): The message was saved; carries the file path.
        sig_document_validated(object): The message as it is now was validated; carries the
            :class:`~workbench.gui.workers.ValidationResult`.

    Args:
        context: The application context.
        parent: The Qt parent.
    """

    sig_document_loaded = Signal(object)
    sig_load_failed = Signal(object)
    sig_document_saved = Signal(str)
    sig_document_validated = Signal(object)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._document: Document | None = None
        self._labels: LabelContext | None = None
        self._generation = 0
        self._pending: dict[int, TaskSignals] = {}
        self._about: QMessageBox | None = None
        self._path: str | None = None  # the file shown (None: none, or bytes)
        self._name: str | None = None  # what the message shown is called
        self._session: EditSession | None = None
        self.unsaved = dialogs.UnsavedEditsGuard(self, self.save_as_xml)
        self.profiles_dialog: ProfilesDialog | None = None
        self.simulate_window: SimulateWindow | None = None
        self.setWindowTitle(APPLICATION)
        self.setAcceptDrops(True)

        self.message_bar = MessageBar()
        self.workspace = MessageWorkspace(context)
        # The panels, by name (the workspace lays them out and keeps them in step).
        self.banner, self.tree, self.details = self.workspace.banner, self.workspace.tree, self.workspace.details
        self.preview, self.issues = self.workspace.preview, self.workspace.issues
        self.splitter, self.left_splitter = self.workspace.splitter, self.workspace.left_splitter
        self.validation = ValidationController(context.profiles, context.pool, self)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.setSpacing(6)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.workspace, 1)
        self.setCentralWidget(central)

        self.summary = QLabel()
        self.progress = DelayedProgressBar()
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.summary)

        self.menu_actions, self.submenus = build_menus(self)
        tree_actions(self.menu_actions, self.tree.view)
        self.submenus["recent"].aboutToShow.connect(self._on_recent_menu_about_to_show)
        self.tree.sig_node_selected.connect(self._update_actions)
        self.tree.sig_value_edit_requested.connect(self._on_value_edit_requested)
        self.validation.sig_validation_started.connect(self.banner.show_validating)
        self.validation.sig_report_ready.connect(self._on_report_ready)
        self.validation.sig_validation_failed.connect(self.banner.show_failure)
        context.profiles.sig_profiles_changed.connect(self._on_profiles_changed)
        self.workspace.sig_status_message.connect(self._on_status_message)
        self.workspace.sig_problem.connect(self.message_bar.show_message)
        self._layout = WindowLayout(context.settings, self.workspace.splitters(), self.menu_actions["show_comments"])
        self._layout.restore(self)
        self._update_actions()

    # ------------------------------------------------------------------------------ opening

    def document(self) -> Document | None:
        """Return the message shown, if any."""
        return self._document

    def is_loading(self) -> bool:
        """Return whether a file is being read."""
        return bool(self._pending)

    def session(self) -> EditSession | None:
        """Return the edit session (document and undo stack) of the message shown, if any."""
        return self._session

    def open_dialog(self) -> None:
        """Ask for a file and open it (File › Open)."""
        paths = dialogs.ask_open_paths(self, self._layout.last_directory())
        if paths:
            self.open_file(paths[0])

    def open_file(self, path: str) -> int:
        """Start reading a file in a worker; the result replaces the message shown.

        When the message shown has unsaved edits, the user is asked first (without blocking) and
        the file is read once they have saved or discarded the edits.

        Returns:
            The request's generation number (results of older requests are ignored), or -1
            while the user is asked about unsaved edits.
        """
        if not self._confirm_discard(lambda: self.open_file(path)):
            return -1
        return self._start_loading(str(path), None, Path(path).name)

    def _start_loading(self, path: str | None, data: bytes | None, name: str) -> int:
        self._generation += 1
        generation = self._generation
        signals = TaskSignals(self)
        signals.sig_progress_changed.connect(self._on_load_progress_changed)
        signals.sig_result_ready.connect(self._on_load_result_ready)
        signals.sig_task_failed.connect(self._on_load_task_failed)
        self._pending[generation] = signals
        self.progress.begin()
        self.statusBar().showMessage(f"Opening {name}…")
        self._context.pool.start(LoadTask(path, generation, signals, data, name))
        return generation

    def open_bytes(self, data: bytes, name: str) -> int:
        """Read a message from bytes in a worker, as :meth:`open_file` reads a file.

        The message is shown under ``name`` (in the title); it is not a file, so it does not go
        into Open Recent. Unsaved edits are asked about first, as for a file.

        Returns:
            The request's generation number, or -1 while the user is asked about unsaved edits.
        """
        if not self._confirm_discard(lambda: self.open_bytes(data, name)):
            return -1
        return self._start_loading(None, data, name)

    def open_recent(self, path: str) -> None:
        """Open a recent file, or take it off the list when it no longer exists."""
        if not Path(path).is_file():
            self._context.recent.remove(path)
            self.message_bar.show_message(f"{path} no longer exists; it was removed from Open Recent.", "warning")
            return
        self.open_file(path)

    def close_document(self) -> None:
        """Stop showing the message (File › Close); asks first when it has unsaved edits."""
        if self._confirm_discard(self.close_document):
            self._show(None, None)

    def _show(
        self, document: Document | None, labels: LabelContext | None, path: str | None = None, name: str | None = None
    ) -> None:
        if self._session is not None:
            self._session.close()
            self._session.deleteLater()
        self._document, self._labels, self._path = document, labels, path
        self._name = name or (Path(path).name if path else None)
        self._session = EditSession(document, self) if document is not None else None
        self.unsaved.reset()
        self.workspace.show_document(document, labels)
        self.summary.setText(document_summary(document, labels.view if labels else None) if document else "")
        if self._session is not None:
            self.tree.model.attach(self._session.target)
            self._session.sig_document_edited.connect(self._on_document_edited)
            self._session.stack.cleanChanged.connect(self._update_title)
            for signal in (self._session.stack.canUndoChanged, self._session.stack.canRedoChanged):
                signal.connect(self._update_actions)
        self.validation.set_target(self._session.target if self._session is not None else None)
        if self.simulate_window is not None:
            self.simulate_window.refresh_message()
        self._update_title()
        self._update_actions()

    def _finish_loading(self, generation: int) -> bool:
        """Forget a request; return whether it is the latest one."""
        carrier = self._pending.pop(generation, None)
        if carrier is not None:
            carrier.deleteLater()
        if generation != self._generation:
            return False
        self.progress.end()
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
        offer = syntax == "json" and xml_only_details(document) > 0
        suggested = str(Path(self._layout.last_directory()) / saving.suggested_name(document, syntax))
        target = dialogs.ask_save_target(self, syntax, suggested, offer)
        if target is None:
            return
        try:
            size = saving.save_document(document, syntax, target.path, target.keep_xml)
        except (OSError, WorkbenchError) as exc:
            self.message_bar.show_message(f"Could not save {target.path}: {exc}", "error")
            return
        self._layout.remember_directory(target.path)
        if self._session is not None:
            self._session.mark_saved()
        self.statusBar().showMessage(f"Saved {Path(target.path).name} ({format_size(size)})", 5000)
        self.sig_document_saved.emit(target.path)

    # ---------------------------------------------------------------------------- editing

    def undo(self) -> None:
        """Undo the last edit (Edit › Undo)."""
        if self._session is not None:
            self._session.stack.undo()

    def redo(self) -> None:
        """Redo the last undone edit (Edit › Redo)."""
        if self._session is not None:
            self._session.stack.redo()

    def edit_value(self) -> None:
        """Edit the selected primitive's value in the tree (Edit › Edit Value, F2)."""
        if not self.tree.edit_current():
            self.statusBar().showMessage("Select an element with a value (a primitive) to edit it", 5000)

    def delete_element(self) -> None:
        """Delete the selected element; Undo brings it back (Edit › Delete Element)."""
        node = self.tree.current_node()
        if self._session is None or node is None:
            return
        problem = self._session.delete(node)
        if problem:
            self.message_bar.show_message(problem, "warning")

    def show_profiles(self) -> None:
        """Show the conformance resources validation uses (Settings › Profiles…); non-modal."""
        if self.profiles_dialog is None:
            self.profiles_dialog = ProfilesDialog(self._context.profiles, self)
        if self.profiles_dialog.isVisible():
            self.profiles_dialog.raise_()  # already open: bring it to the front
        else:
            self.profiles_dialog.show()

    def show_simulate(self) -> SimulateWindow:
        """Show this window's Simulate window (Tools › Simulate Round Trip…); non-modal."""
        window = self.simulate_window
        if window is None:
            window = self.simulate_window = SimulateWindow(self._context, self, self.current_message)
            window.sig_open_requested.connect(self._on_simulate_open_requested)
            window.refresh_message()
            window.send_panel.set_use_current(True)  # preloaded with the message shown, if any
        else:
            window.refresh_message()
        if window.isVisible():
            window.raise_()  # already open: bring it to the front
        else:
            window.show()
        window.activateWindow()
        return window

    def current_message(self) -> CurrentMessage | None:
        """Return the message shown (as edited now) for the Simulate window, if any."""
        if self._session is None:
            return None
        return CurrentMessage(self._name or "Untitled", self._session.target)

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

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask about unsaved edits, remember the layout and wait for work in progress."""
        if not self._confirm_discard(self.close):
            event.ignore()
            return
        self.validation.set_target(None)
        self._layout.save(self)
        self._pending.clear()
        self._context.pool.clear()
        self._context.pool.waitForDone()
        super().closeEvent(event)

    def _update_actions(self, *_args: object) -> None:
        for key in DOCUMENT_ACTIONS:
            self.menu_actions[key].setEnabled(self._document is not None)
        stack = self._session.stack if self._session is not None else None
        update_edit_actions(self.menu_actions, stack, self.tree.current_node())

    def _update_title(self) -> None:
        if self._document is None:
            self.setWindowTitle(APPLICATION)
            return
        name = self._name or "Untitled"
        modified = self._session is not None and not self._session.is_clean()
        self.setWindowTitle(f"{name}{'*' if modified else ''} — {APPLICATION}")

    def _confirm_discard(self, then: Callable[[], object]) -> bool:
        """True when no unsaved edit would be lost; otherwise ask, and call ``then`` once decided."""
        session = self._session
        name = self._name or "the message"
        return session is None or self.unsaved.allows(session.is_clean, name, then)

    # ---------------------------------------------------------------------------- handlers

    def _on_load_progress_changed(self, generation: int, fraction: float) -> None:
        if generation == self._generation:
            self.progress.set_fraction(fraction)

    def _on_load_result_ready(self, result: LoadResult) -> None:
        if not self._finish_loading(result.generation):
            return
        self.message_bar.clear()
        self._show(result.document, result.context, result.path, result.name)
        if result.path is not None:
            self._context.recent.add(result.path)
            self._layout.remember_directory(result.path)
        self.statusBar().showMessage(f"Opened {result.name} in {result.seconds:.2f} s", 5000)
        view = result.context.view
        if view is not None and view.header is not None:
            self.tree.select_node(view.header)
        self.sig_document_loaded.emit(result.document)

    def _on_load_task_failed(self, failure: TaskFailure) -> None:
        if not self._finish_loading(failure.generation):
            return
        self.unsaved.reset()  # the edited message stays: ask again before it is lost
        text = f"Could not open {failure.message}"
        if failure.path and not Path(failure.path).exists() and failure.path in self._context.recent.paths():
            self._context.recent.remove(failure.path)
            text += " (removed from Open Recent)"
        self.message_bar.show_message(text, "error")
        self.sig_load_failed.emit(failure)

    def _on_simulate_open_requested(self, request: OpenRequest) -> None:
        self.open_bytes(request.data, request.name)
        self.activateWindow()

    def _on_recent_menu_about_to_show(self) -> None:
        fill_recent_menu(self.submenus["recent"], self._context.recent, self.open_recent)

    def _on_value_edit_requested(self, node: Node, value: str) -> None:
        if self._session is not None:
            try:
                self._session.set_value(node, value)
            except EditError as exc:
                self.message_bar.show_message(str(exc), "warning")

    def _on_document_edited(self, changed: list[Node]) -> None:
        document = self._document
        if document is None:
            return
        with gc_paused():  # labels read the message again: the header's rows may quote the edit
            self._labels = LabelContext.for_document(document)
        self.workspace.document_edited(self._labels)
        self.summary.setText(document_summary(document, self._labels.view))
        self.validation.document_edited(changed)
        self._update_actions()

    def _on_status_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 5000)

    def _on_report_ready(self, result: ValidationResult) -> None:
        self.workspace.show_report(result.report)
        stats = result.stats
        partial = f"; {stats.checked} of {stats.entries} entries checked again" if stats.partial else ""
        self.statusBar().showMessage(f"Validated in {result.report.seconds:.2f} s{partial}", 5000)
        self.sig_document_validated.emit(result)

    def _on_profiles_changed(self, _loaded: object) -> None:
        self.validation.revalidate()
