"""The main window: composes the menus, the message bar, the tabs (or the start page), the status bar.

One window, one tab per open message (:mod:`workbench.gui.documents`). Each tab reads its file
in a worker, shows the message in its own inspector and validates it with its own controller;
the window only routes: menus act on the tab shown, the title and the Edit menu follow it, a
tab's notes reach the status bar and the message bar. Opening a file (or bytes) already open
brings its tab forward. Closing a tab with unsaved edits asks first, without blocking; quitting
asks once, listing every message with unsaved edits. The files open at the end of a run come
back at the next start (Settings › Reopen Tabs at Start).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QStackedWidget, QVBoxLayout, QWidget

from workbench.core.acks.patterns import pattern
from workbench.core.acks.sample import sample_message
from workbench.core.clock import SystemClock, random_ids
from workbench.core.errors import WorkbenchError
from workbench.core.itk3.labels import document_summary, format_size
from workbench.core.session import MessageSession
from workbench.gui import actions as menus
from workbench.gui.compose.attaching import local_files, tab_at
from workbench.gui.compose.composer import Composer
from workbench.gui.context import APPLICATION, AppContext
from workbench.gui.documents import last_run, saving
from workbench.gui.documents.start_page import StartPage, dropped_paths
from workbench.gui.documents.tab import MessageTab
from workbench.gui.documents.tabs import DocumentTabs
from workbench.gui.inspector.inspector import Inspector
from workbench.gui.inspector.validation import ValidationResult
from workbench.gui.mesh.feature import MeshFeature
from workbench.gui.profiles.dialog import ProfilesDialog
from workbench.gui.simulate.diagram import OpenRequest
from workbench.gui.simulate.window import CurrentMessage, SimulateWindow
from workbench.gui.tasks import COLLECT_AFTER_CLOSE_MS, collect_frozen
from workbench.gui.toolkit.compare.window import CompareWindow
from workbench.gui.toolkit.controller import Toolkit
from workbench.gui.widgets import dialogs
from workbench.gui.widgets.message_bar import MessageBar
from workbench.gui.window_layout import WindowLayout

UNTITLED = "Untitled"


class MainWindow(QMainWindow):
    """The workbench window: a tab per open message, a start page when none is open.

    Signals:
        sig_message_opened(object): A message was read (or found unreadable) and is shown in
            its tab; carries the :class:`MessageTab`.
        sig_message_validated(object): A tab's message as it is now was validated; carries the
            :class:`~workbench.gui.inspector.validation.ValidationResult`.
        sig_message_saved(str): A message was saved; carries the file's path.

    Args:
        context: The application context.
        parent: The Qt parent.

    Attributes:
        tabs: The tab widget.
        mesh: MESH, the message store and the Messages view.
        start_page: What is shown when no message is open.
        message_bar: Errors and notes that do not block.
        question: The last question asked about unsaved edits (closing a tab, quitting), if any.
    """

    sig_message_opened = Signal(object)
    sig_message_validated = Signal(object)
    sig_message_saved = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._about: QMessageBox | None = None
        self._shown: MessageTab | None = None  # the tab whose splitters the layout follows
        self._quitting = False
        self._collector = QTimer(self)
        self._collector.setSingleShot(True)
        self._collector.setInterval(COLLECT_AFTER_CLOSE_MS)
        self._collector.timeout.connect(collect_frozen)
        self.question: QMessageBox | None = None
        self.profiles_dialog: ProfilesDialog | None = None
        self.simulate_window: SimulateWindow | None = None
        self.setWindowTitle(APPLICATION)
        self.setAcceptDrops(True)

        self.message_bar = MessageBar()
        self.tabs = DocumentTabs()
        self.start_page = StartPage()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.start_page)
        self.pages.addWidget(self.tabs)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.setSpacing(6)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.summary = QLabel()
        self.statusBar().addPermanentWidget(self.summary)
        self.mesh = MeshFeature(context, self)  # MESH and the Messages view (the menu calls mesh.*)
        self.toolkit = Toolkit(self, context)  # Responses, Compare, masking, exports (gui/toolkit)

        self.composer = Composer(self, context, self)
        self.menu_actions, self.submenus = menus.build_menus(self)
        self.mesh.bind(self.menu_actions)
        self.composer.set_actions(self.menu_actions, self.submenus)
        self.submenus["recent"].aboutToShow.connect(self._on_recent_menu_about_to_show)
        self._layout = WindowLayout(context.settings, self.menu_actions["show_comments"])
        self._layout.restore(self)
        self.menu_actions["reopen_tabs"].setChecked(last_run.reopen_enabled(context.settings))
        self.tabs.currentChanged.connect(self._on_current_changed)
        self.tabs.sig_close_requested.connect(self.close_tab)
        self.start_page.sig_open_requested.connect(self.open_dialog)
        self.start_page.sig_new_requested.connect(self.composer.new_message)
        self.start_page.sig_recent_requested.connect(self.open_recent)
        self.start_page.sig_sample_requested.connect(self.open_sample)
        self.start_page.sig_files_dropped.connect(self.open_files)
        self._on_current_changed()

    # ------------------------------------------------------------------------------ the tabs

    def current_tab(self) -> MessageTab | None:
        """Return the tab shown, if any."""
        return self.tabs.current()

    def open_tabs(self) -> list[MessageTab]:
        """Return the tabs, in the order shown."""
        return self.tabs.tabs()

    def is_loading(self) -> bool:
        """Return whether a tab is still reading its message."""
        return any(tab.is_loading() for tab in self.tabs.tabs())

    def next_tab(self) -> None:
        """Show the next tab (Ctrl+Tab)."""
        self.tabs.step(1)

    def previous_tab(self) -> None:
        """Show the previous tab (Ctrl+Shift+Tab)."""
        self.tabs.step(-1)

    # ------------------------------------------------------------------------------ opening

    def open_dialog(self) -> None:
        """Ask for files and open each in a tab (File › Open)."""
        self.open_files(dialogs.ask_open_paths(self, self._layout.last_directory()))

    def open_files(self, paths: list[str]) -> list[MessageTab]:
        """Open files, each in its tab (an open one is brought forward); return the tabs."""
        return [self.open_file(path) for path in paths]

    def open_file(self, path: str) -> MessageTab:
        """Open a file in a new tab (read in a worker), or bring forward the tab holding it.

        A tab whose file could not be read is read again (the file may have been mended), in
        the same place.
        """
        found = next((tab for tab in self.tabs.tabs() if tab.holds_file(str(path))), None)
        at = -1
        if found is not None:
            if found.session is None or found.session.readable:
                self.tabs.setCurrentWidget(found)
                return found
            at = self.tabs.indexOf(found)
            self._remove_tab(found)
        tab = self._new_tab(Path(path).name, at)
        tab.load_file(str(path))
        self._layout.remember_directory(str(path))
        return tab

    def open_bytes(self, data: bytes, name: str) -> MessageTab:
        """Open message bytes in a new tab, or bring forward the tab that holds the same bytes.

        Bytes are not a file: they do not go into Open Recent nor come back at the next start.
        """
        digest = hashlib.sha256(data).hexdigest()
        found = next((tab for tab in self.tabs.tabs() if tab.sha256() == digest), None)
        if found is not None:
            self.tabs.setCurrentWidget(found)
            return found
        tab = self._new_tab(name)
        tab.load_bytes(data, name)
        return tab

    def open_recent(self, path: str) -> MessageTab | None:
        """Open a recent file, or take it off the list when it no longer exists."""
        if not Path(path).is_file():
            self._context.recent.remove(path)
            self.start_page.set_recent(self._context.recent.paths())
            self.message_bar.show_message(f"{path} no longer exists; it was removed from Open Recent.", "warning")
            return None
        return self.open_file(path)

    def open_sample(self, key: str) -> MessageTab:
        """Open, unsaved, the sample message of a response pattern (its flags set as it needs)."""
        chosen = pattern(key)
        document = sample_message(clock=SystemClock(), ids=random_ids, inf_ack=chosen.inf_ack, bus_ack=chosen.bus_ack)
        return self._open_made(f"{UNTITLED} – {chosen.title}", document)

    def restore_last_tabs(self) -> list[MessageTab]:
        """Open the files open at the end of the last run, in order, showing the one shown then.

        Files that no longer exist are skipped, and the message bar says which. Nothing is
        opened when Settings › Reopen Tabs at Start is off.
        """
        settings = self._context.settings
        if not last_run.reopen_enabled(settings):
            return []
        opened, shown, missing = last_run.reopen(last_run.recall(settings), self.open_file)
        if shown is not None:
            self.tabs.setCurrentWidget(shown)
        if missing:
            self.message_bar.show_message(last_run.missing_note(missing), "warning")
        return opened

    def _open_made(self, name: str, document: object) -> MessageTab:
        return self.open_session(MessageSession.from_document(document, name))  # type: ignore[arg-type]

    def open_session(self, session: MessageSession) -> MessageTab:
        """Show a session made here (a new message, a Response, restored edits) in a new tab."""
        session.name = self.tabs.unused_name(session.name)
        tab = self._new_tab(session.name)
        tab.show_session(session)
        return tab

    def _new_tab(self, name: str, at: int = -1) -> MessageTab:
        tab = MessageTab(self._context, name, self._prepare_inspector)
        tab.sig_opened.connect(self._on_tab_opened)
        tab.sig_state_changed.connect(self._on_tab_state_changed)
        tab.sig_edited.connect(self._on_tab_edited)
        tab.sig_node_selected.connect(self._update_actions)
        tab.sig_validated.connect(self._on_tab_validated)
        tab.sig_status_message.connect(self._on_status_message)
        tab.sig_problem.connect(self.message_bar.show_message)
        self.tabs.add(tab, at)
        return tab

    def _prepare_inspector(self, inspector: Inspector) -> None:
        """Give a new tab's panels the window's layout and view options."""
        self._layout.apply_splitters(inspector.splitters())
        inspector.tree.set_show_comments(self.menu_actions["show_comments"].isChecked())

    # ------------------------------------------------------------------------------ closing

    def close_current_tab(self) -> None:
        """Close the tab shown (File › Close Tab, Ctrl+W); asks first about unsaved edits."""
        tab = self.current_tab()
        if tab is not None:
            self.close_tab(tab)

    def close_tab(self, tab: MessageTab) -> bool:
        """Close a tab; with unsaved edits ask first (without blocking) and return False."""
        if not tab.modified():
            self._remove_tab(tab)
            return True
        self.tabs.setCurrentWidget(tab)
        self.question = dialogs.ask_unsaved_edits(self, tab.name(), lambda choice: self._on_close_decided(tab, choice))
        return False

    def _on_close_decided(self, tab: MessageTab, choice: str) -> None:
        if tab not in self.tabs.tabs():
            return  # closed meanwhile
        if choice == "save" and not self._save_as(tab, "xml"):
            return
        if choice in ("save", "discard"):
            self._remove_tab(tab)

    def _remove_tab(self, tab: MessageTab) -> None:
        if tab is self._shown:
            self._layout.remember_splitters(tab.inspector.splitters() if tab.inspector else ())
            self._shown = None
        self.composer.tab_closed(tab)
        tab.close_session()
        self.tabs.removeTab(self.tabs.indexOf(tab))
        tab.deleteLater()
        self._collector.start()  # once the tab is gone, free what it held
        self._remember_open_tabs()
        self.toolkit.tab_closed(tab)

    def _remember_open_tabs(self) -> None:
        tabs = [tab for tab in self.tabs.tabs() if (tab.session.path if tab.session else tab.path)]
        paths = tuple(str(tab.session.path if tab.session else tab.path) for tab in tabs)
        current = self.current_tab()
        last_run.remember(
            self._context.settings, last_run.OpenTabs(paths, tabs.index(current) if current in tabs else -1)
        )

    # ------------------------------------------------------------------------------- saving

    def save_as_xml(self) -> None:
        """Save the message shown as FHIR XML (File › Save As XML)."""
        tab = self.current_tab()
        if tab is not None:
            self._save_as(tab, "xml")

    def save_as_json(self) -> None:
        """Save the message shown as FHIR JSON (File › Save As JSON)."""
        tab = self.current_tab()
        if tab is not None:
            self._save_as(tab, "json")

    def _save_as(self, tab: MessageTab, syntax: str) -> bool:
        """Ask where and save; return whether the message was saved."""
        session = tab.session
        if session is None or not session.readable:
            return False
        try:
            saved = saving.save_as(self, session, syntax, self._layout.last_directory())
        except (OSError, WorkbenchError) as exc:
            self.message_bar.show_message(f"Could not save {session.name}: {exc}", "error")
            return False
        if saved is None:
            return False
        self._layout.remember_directory(saved.path)
        self._context.recent.add(saved.path)
        self._remember_open_tabs()
        self.statusBar().showMessage(f"Saved {Path(saved.path).name} ({format_size(saved.size)})", 5000)
        self.sig_message_saved.emit(saved.path)
        return True

    # ------------------------------------------------------------------------------ editing

    def undo(self) -> None:
        """Undo the last edit of the message shown (Edit › Undo)."""
        self._edit(lambda session: session.undo())

    def redo(self) -> None:
        """Redo the last undone edit of the message shown (Edit › Redo)."""
        self._edit(lambda session: session.redo())

    def edit_value(self) -> None:
        """Edit the selected primitive's value in the tree (Edit › Edit Value, F2)."""
        tab = self.current_tab()
        if tab is None or tab.inspector is None or not tab.inspector.tree.edit_current():
            self.statusBar().showMessage("Select an element with a value (a primitive) to edit it", 5000)

    def delete_element(self) -> None:
        """Delete the selected element; Undo brings it back (Edit › Delete Element)."""
        tab = self.current_tab()
        node = tab.inspector.tree.current_node() if tab is not None and tab.inspector is not None else None
        if node is not None:
            self._edit(lambda session: self._problem(session.delete(node)))

    def _edit(self, change: Callable[[MessageSession], object]) -> None:
        tab = self.current_tab()
        if tab is None or tab.session is None or not tab.session.readable:
            return
        try:
            change(tab.session)
        except (WorkbenchError, ValueError) as exc:  # ValueError: an edit that does not fit (EditError)
            self.message_bar.show_message(str(exc), "warning")
        self._update_actions()

    def _problem(self, text: str | None) -> None:
        if text:
            self.message_bar.show_message(text, "warning")

    # --------------------------------------------------------------------------------- view

    def set_show_comments(self, show: bool) -> None:
        """Show or hide comments in the structure trees (View › Show Comments)."""
        for tab in self.tabs.tabs():
            if tab.inspector is not None:
                tab.inspector.tree.set_show_comments(show)

    def expand_all(self) -> None:
        """Open every row of the tree shown (View › Expand All)."""
        tab = self.current_tab()
        if tab is not None and tab.inspector is not None:
            tab.inspector.tree.expand_all()

    def collapse_all(self) -> None:
        """Close the rows of the tree shown (View › Collapse All)."""
        tab = self.current_tab()
        if tab is not None and tab.inspector is not None:
            tab.inspector.tree.collapse_all()

    def show_about(self) -> None:
        """Show the About box (Help › About); non-modal."""
        self._about = dialogs.show_about(self)

    # ------------------------------------------------------------------- settings and tools

    def set_reopen_tabs(self, enabled: bool) -> None:
        """Reopen the files of the last run at start, or not (Settings › Reopen Tabs at Start)."""
        last_run.set_reopen_enabled(self._context.settings, enabled)

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

    def compare_with(self, tab: MessageTab, path: str) -> CompareWindow | None:
        """Compare a tab's message (as it is now) with a file, in a Compare window (a file dropped on a tab)."""
        return self.toolkit.compare_with(tab, path)

    def current_message(self) -> CurrentMessage | None:
        """Return the message shown (as edited now) for the Simulate window, if any."""
        tab = self.current_tab()
        session = tab.session if tab is not None else None
        if session is None or session.editable is None:
            return None
        return CurrentMessage(session.name, session.editable)

    # ---------------------------------------------------------------- Qt event overrides

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Override QWidget::dragEnterEvent: accept FHIR XML and JSON files (any file over a tab)."""
        if dropped_paths(event.mimeData()) or (self.tabs.count() and local_files(event.mimeData())):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        """Override QWidget::dropEvent: on a tab, offer to open or attach; elsewhere open FHIR files in tabs."""
        point = self.mapToGlobal(event.position().toPoint())
        tab = tab_at(self.tabs, point)
        if tab is not None and tab.session is not None and local_files(event.mimeData()):
            event.acceptProposedAction()
            files = local_files(event.mimeData())
            compare = (
                f"Compare {tab.session.name} with {Path(files[0]).name}",
                lambda: self.compare_with(tab, files[0]),
            )
            self.composer.drop(tab, files, point, extra=(compare,))
            return
        paths = dropped_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_files(paths)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Override QWidget::closeEvent: ask once about unsaved edits, remember the tabs, wait for work."""
        modified = [tab for tab in self.tabs.tabs() if tab.modified()]
        if modified and not self._quitting:
            event.ignore()
            names = [tab.name() for tab in modified]
            self.question = dialogs.ask_quit(self, names, lambda choice: self._on_quit_decided(modified, choice))
            return
        self._remember_open_tabs()
        self.composer.forget_all()  # every message is saved, or its edits discarded
        tab = self.current_tab()
        self._layout.save(self, tab.inspector.splitters() if tab is not None and tab.inspector else ())
        for tab in self.tabs.tabs():
            tab.close_session()
        self.mesh.shutdown()  # stops polling and the local MESH
        self._context.pool.clear()
        self._context.pool.waitForDone()
        collect_frozen(refreeze=False)  # the messages go with the window: the collector may free them
        super().closeEvent(event)

    def _on_quit_decided(self, modified: list[MessageTab], choice: str) -> None:
        if choice == "save":
            for tab in modified:
                self.tabs.setCurrentWidget(tab)
                if tab.modified() and not self._save_as(tab, "xml"):
                    return  # cancelled or failed: stay
        elif choice != "discard":
            return
        self._quitting = True
        if not self.close():
            self._quitting = False

    # ----------------------------------------------------------------------------- handlers

    def _on_current_changed(self, _index: int = -1) -> None:
        tab = self.current_tab()
        previous = self._shown
        if previous is not None and previous is not tab and previous.inspector is not None:
            self._layout.remember_splitters(previous.inspector.splitters())
            if tab is not None and tab.inspector is not None:
                self._layout.apply_splitters(tab.inspector.splitters())
        self._shown = tab
        self.pages.setCurrentWidget(self.tabs if tab is not None else self.start_page)
        self.statusBar().clearMessage()  # what it said was about the tab shown before
        if tab is None:
            self.start_page.set_recent(self._context.recent.paths())
        self._update_title()
        self._update_actions()
        if self.simulate_window is not None:
            self.simulate_window.refresh_message()

    def _on_tab_opened(self, tab: MessageTab) -> None:
        session = tab.session
        assert session is not None and tab.inspector is not None
        menus.tree_actions(self.menu_actions, tab.inspector.tree.view)
        self.composer.tab_opened(tab)
        if session.path is not None:
            if session.source is not None:
                self._context.recent.add(session.path)
            elif session.path in self._context.recent.paths():
                self._context.recent.remove(session.path)  # gone: say so in its tab, forget it here
        self._remember_open_tabs()
        self._on_tab_state_changed()
        self.toolkit.tab_opened(tab)
        self.sig_message_opened.emit(tab)

    def _on_tab_edited(self) -> None:
        self._update_title()  # the status bar's summary counts the entries
        self._update_actions()

    def _on_tab_state_changed(self) -> None:
        self._update_title()
        self._update_actions()
        if self.simulate_window is not None:
            self.simulate_window.refresh_message()

    def _on_tab_validated(self, result: ValidationResult) -> None:
        if self.sender() is self.current_tab():
            stats = result.stats
            partial = f"; {stats.checked} of {stats.entries} entries checked again" if stats.partial else ""
            self.statusBar().showMessage(f"Validated in {result.report.seconds:.2f} s{partial}", 5000)
        self.sig_message_validated.emit(result)

    def _on_status_message(self, text: str) -> None:
        if self.sender() is self.current_tab():
            self.statusBar().showMessage(text, 5000)

    def _on_simulate_open_requested(self, request: OpenRequest) -> None:
        self.open_bytes(request.data, request.name)
        self.activateWindow()

    def _on_recent_menu_about_to_show(self) -> None:
        menus.fill_recent_menu(self.submenus["recent"], self._context.recent, self.open_recent)

    def _update_title(self) -> None:
        tab = self.current_tab()
        self.setWindowTitle(f"{tab.title()} — {APPLICATION}" if tab is not None else APPLICATION)
        session = tab.session if tab is not None else None
        document = session.document if session is not None else None
        labels = session.labels if session is not None else None
        view = labels.view if labels else None
        edited = session is not None and session.modified
        self.summary.setText(document_summary(document, view, edited=edited) if document else "")

    def _update_actions(self, *_args: object) -> None:
        tab = self.current_tab()
        session = tab.session if tab is not None else None
        readable = session is not None and session.readable
        for key in menus.DOCUMENT_ACTIONS:
            self.menu_actions[key].setEnabled(readable)
        count = self.tabs.count()
        for key in menus.TAB_ACTIONS:
            self.menu_actions[key].setEnabled(count > (0 if key == "close" else 1))
        node = tab.inspector.tree.current_node() if tab is not None and tab.inspector is not None else None
        menus.update_edit_actions(self.menu_actions, session, node)
        self.toolkit.update_actions(session)
        self.composer.update_actions(tab)
