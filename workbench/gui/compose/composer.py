"""The compose feature's hub: what the window's compose menus call, and the tools of each tab.

The window makes one :class:`Composer` and tells it when a tab opens or closes, when the
actions need updating, and when files are dropped on a tab; the menu table names the
composer's methods (``composer.new_message``, ``composer.editing.copy_element``). Each tab whose
message could be read gets the header form beside Details, the type-aware value editors and the
editing entries of its tree's context menu.

Everything domain is the core's (:mod:`workbench.core.compose`); this module only asks, shows
and routes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QFileDialog, QMenu, QWidget

from workbench.core.acks.settings import ReceiverSettings
from workbench.core.clock import SystemClock
from workbench.core.compose.negative import Negative
from workbench.core.compose.payload import remove_payload
from workbench.core.compose.skeleton import ComposeError, new_message, new_response
from workbench.core.edits import Edit, EditError
from workbench.core.session import MessageSession
from workbench.core.tree import Node
from workbench.gui.compose import attaching, autosaving
from workbench.gui.compose.header_form import HeaderFormPanel
from workbench.gui.compose.host import ComposeHost
from workbench.gui.compose.negative_dialog import NegativeDialog, NegativeMade, NegativeTask
from workbench.gui.compose.new_dialog import NewMessageDialog, NewMessageRequest
from workbench.gui.compose.response_dialog import NewResponseDialog, NewResponseRequest
from workbench.gui.compose.tree_editing import EDIT_ACTIONS, TreeEditing, profile_registry
from workbench.gui.compose.value_delegate import ValueDelegate
from workbench.gui.context import AppContext
from workbench.gui.documents.tab import MessageTab
from workbench.gui.tasks import TaskFailure, carrier
from workbench.gui.window_layout import last_directory

#: Actions of the compose feature that need a message open (besides the tree's editing actions).
MESSAGE_ACTIONS = ("new_response", "attach", "make_negative")
ATTACH_FILTER = "Payloads and attachments (*)"


def ask_attach_paths(parent: QWidget | None, directory: str) -> list[str]:
    """Ask for the files to attach (tests replace this)."""
    paths, _ = QFileDialog.getOpenFileNames(parent, "Attach to the message", directory, ATTACH_FILTER)
    return list(paths)


class Composer(QObject):
    """Composing messages in one window.

    Args:
        host: The window (see :class:`~.host.ComposeHost`).
        context: The application context.
        parent: The window, as the Qt parent and the dialogs' parent.

    Attributes:
        editing: The tree's editing actions (Edit menu and context menu).
        autosave: Autosave of the open messages, and the offer to restore after a crash.
        dialog: The compose dialog open now, if any (New, New Response, Make Negative Test).
        drop_menu: The menu of the last drop on a tab, if any.
    """

    def __init__(self, host: ComposeHost, context: AppContext, parent: QWidget) -> None:
        super().__init__(parent)
        self._host = host
        self._context = context
        self._parent = parent
        self._actions: dict[str, QAction] = {}
        self._forms: dict[MessageTab, HeaderFormPanel] = {}
        self._notes: dict[str, str] = {}  # session key -> what the header form says of how it was made
        self._generation = 0
        self.editing = TreeEditing(host, context)
        self.autosave = autosaving.AutosaveController(context, self._sessions, parent=self)
        self.dialog: QDialog | None = None
        self.recovery: autosaving.RecoveryDialog | None = None
        self.drop_menu: QMenu | None = None

    def set_actions(self, actions: dict[str, QAction], submenus: dict[str, QMenu]) -> None:
        """Take the window's actions (the context menus reuse them) and fill Edit › Add when it opens."""
        self._actions = actions
        add = submenus["add"]
        add.aboutToShow.connect(lambda: self.editing.fill_add_menu(add, self._current_node()))

    def _current_node(self) -> Node | None:
        tab = self._host.current_tab()
        return tab.inspector.tree.current_node() if tab is not None and tab.inspector is not None else None

    def _sessions(self) -> list[MessageSession]:
        return [tab.session for tab in self._host.open_tabs() if tab.session is not None]

    # ------------------------------------------------------------------------------ new

    def new_message(self) -> NewMessageDialog:
        """Ask which event and who sends a new message (File › New…; the start page's New)."""
        dialog = NewMessageDialog(self._context.settings, self._parent)
        dialog.sig_message_requested.connect(self.create)
        self._show_dialog(dialog)
        return dialog

    def create(self, request: NewMessageRequest) -> MessageTab | None:
        """Open the skeleton of a new message in a new, unsaved tab."""
        try:
            built = new_message(request.spec, clock=SystemClock(), syntax=request.syntax)
        except ComposeError as exc:
            self._host.message_bar.show_message(f"The message could not be made: {exc}", "warning")
            return None
        session = MessageSession.from_document(built.document, f"New {request.spec.event} message")
        # What is missing (the payload) the form's payload section says, and stops saying once attached.
        notes = [_sentence(n) for n in built.notes if not n.endswith("attach it to complete the message")]
        return self._open(session, " ".join(notes))

    def new_response(self) -> NewResponseDialog | None:
        """Ask which code the Response to the message shown carries (File › New Response…)."""
        tab = self._host.current_tab()
        session = tab.session if tab is not None else None
        if session is None:
            return None
        view = session.labels.view if session.labels is not None else None
        message_id = view.message_id if view is not None else None
        answering = f"The Response answers {session.name}" + (
            f" (MessageHeader id {message_id}, which response.identifier quotes)."
            if message_id
            else ": it cannot be read, so the Response quotes UNREADABLE-IN-ORIGINAL-MESSAGE."
        )
        dialog = NewResponseDialog(answering, self._parent)
        dialog.sig_response_requested.connect(lambda request: self.create_response(session, request))
        self._show_dialog(dialog)
        return dialog

    def create_response(self, original: MessageSession, request: NewResponseRequest) -> MessageTab | None:
        """Open the Response a receiver would send for ``original`` in a new, unsaved tab."""
        answered = original.document if original.document is not None else original.source
        try:
            built = new_response(
                answered,
                request.code,
                recipient_type=request.recipient_type,
                clock=SystemClock(),
                syntax=original.syntax,
            )
        except ComposeError as exc:
            self._host.message_bar.show_message(f"The Response could not be made: {exc}", "warning")
            return None
        session = MessageSession.from_document(built.document, f"Response {request.code} to {original.name}")
        note = f"The ITK Response {request.code} a receiver would send for {original.name}."
        return self._open(session, " ".join([note, *(_sentence(n) for n in built.notes)]))

    def _open(self, session: MessageSession, note: str) -> MessageTab:
        """Open a session made here; its header form shows how it was made."""
        if note:
            self._notes[session.key] = note
        return self._host.open_session(session)

    def _show_dialog(self, dialog: QDialog) -> None:
        """Show a compose dialog (window-modal, never blocking); it is deleted once closed."""
        previous = self.dialog
        if previous is not None and previous is not dialog and shiboken6.isValid(previous):
            previous.close()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()

    # ------------------------------------------------------------------------------ tabs

    def tab_opened(self, tab: MessageTab) -> None:
        """Give a tab whose message could be read the header form, value editors and edit menu."""
        session, qt, inspector = tab.session, tab.qt_session, tab.inspector
        if session is None or qt is None or inspector is None or not session.readable or tab in self._forms:
            return
        view = inspector.tree.view
        delegate = ValueDelegate(session, lambda: profile_registry(self._context), view)
        delegate.sig_problem.connect(self._host.message_bar.show_message)
        delegate.sig_edit_requested.connect(lambda edit: self._apply(tab, edit))
        view.setItemDelegate(delegate)
        inspector.tree.menu_extensions.append(
            lambda menu, node: self.editing.extend_menu(menu, node, tab, self._actions)
        )
        form = HeaderFormPanel(self._context, session)
        self._forms[tab] = form
        inspector.side_tabs.addTab(form, "Header")
        form.sig_problem.connect(self._host.message_bar.show_message)
        form.sig_attach_requested.connect(lambda: self.attach_dialog(tab))
        form.sig_remove_payload_requested.connect(lambda: self.remove_payload(tab))
        qt.sig_edited.connect(lambda _changed: form.refresh())
        qt.sig_saved.connect(lambda _path: form.refresh())
        note = self._notes.pop(session.key, "")
        if note:
            form.set_note(note)
        if note or session.source is None:
            inspector.side_tabs.setCurrentWidget(form)  # a message being made: its header first

    def tab_closed(self, tab: MessageTab) -> None:
        """A tab closes (saved, or its edits discarded): forget its form and its autosave."""
        self._forms.pop(tab, None)
        if tab.session is not None:
            self.autosave.forget(tab.session)

    def header_form(self, tab: MessageTab) -> HeaderFormPanel | None:
        """Return a tab's header form, if it has one."""
        return self._forms.get(tab)

    def update_actions(self, tab: MessageTab | None) -> None:
        """Enable the compose actions for the tab shown and its selected row."""
        session = tab.session if tab is not None else None
        readable = session is not None and session.readable
        view = session.labels.view if readable and session is not None and session.labels is not None else None
        message = view is not None and view.is_message
        self._actions["new_response"].setEnabled(session is not None)
        self._actions["attach"].setEnabled(attaching.can_attach(session) is None)
        self._actions["make_negative"].setEnabled(message and view is not None and not view.is_response)
        node = tab.inspector.tree.current_node() if tab is not None and tab.inspector is not None else None
        self.editing.update_actions(self._actions, session, node)

    def _apply(self, tab: MessageTab, edit: Edit) -> None:
        session = tab.session
        if session is None:
            return
        try:
            session.apply(edit)
        except EditError as exc:
            self._host.message_bar.show_message(str(exc), "warning")

    # ------------------------------------------------------------------------------ attaching

    def attach_dialog(self, tab: MessageTab | None = None) -> list[str]:
        """Ask for files and attach them to the message shown (File › Attach…); return the paths."""
        tab = tab or self._host.current_tab()
        if tab is None:
            return []
        paths = ask_attach_paths(self._parent, last_directory(self._context.settings))
        if paths:
            self.attach(tab, paths)
        return paths

    def attach(self, tab: MessageTab, paths: list[str]) -> bool:
        """Read files in the thread pool, then attach each to a tab's message (one undo step each)."""
        why = attaching.can_attach(tab.session)
        if why is not None:
            self._host.message_bar.show_message(f"Nothing was attached to {tab.name()}: {why}", "warning")
            return False
        self._generation += 1
        signals = carrier(
            self._context.carriers,
            lambda result: self._on_files_read(tab, result),
            self._on_files_failed,
        )
        names = ", ".join(Path(p).name for p in paths)
        self._host.statusBar().showMessage(f"Attaching {names}…")
        self._context.pool.start(attaching.ReadFilesTask(list(paths), self._generation, signals))
        return True

    def _on_files_read(self, tab: MessageTab, result: attaching.FilesRead) -> None:
        if tab not in self._host.open_tabs() or tab.session is None:
            return  # closed meanwhile
        notes: list[str] = []
        warnings: list[str] = []
        for found in result.files:
            try:
                attached = attaching.apply_attached(tab.session, found)
            except ComposeError as exc:
                warnings.append(str(exc))
                continue
            notes.extend(attached.notes)
            warnings.extend(f"{found.name}: {w}" for w in attached.warnings)
        self._host.statusBar().showMessage("; ".join(notes) or "Nothing was attached", 8000)
        if warnings:
            self._host.message_bar.show_message(" ".join(_sentence(w) for w in warnings), "warning")
        elif notes:
            self._host.message_bar.show_message(" ".join(_sentence(n) for n in notes), "info")

    def _on_files_failed(self, failure: TaskFailure) -> None:
        self._host.message_bar.show_message(f"The files could not be read: {failure.message}", "error")

    def remove_payload(self, tab: MessageTab) -> bool:
        """Remove the payload and the header's focus on it (undoably)."""
        session = tab.session
        if session is None or session.document is None:
            return False
        try:
            removed = remove_payload(session.document)
            session.apply(removed.edit)
        except (ComposeError, EditError) as exc:
            self._host.message_bar.show_message(str(exc), "warning")
            return False
        self._host.statusBar().showMessage(_sentence(removed.notes[0]) if removed.notes else "Removed", 5000)
        return True

    def drop(
        self,
        tab: MessageTab,
        paths: list[str],
        point: QPoint,
        extra: Sequence[tuple[str, Callable[[], object]]] = (),
    ) -> QMenu:
        """Offer what to do with files dropped on a tab (a menu at ``point``; nothing blocks).

        ``extra`` entries (text, what it does) follow Open and Attach in a group of their own.
        """
        menu = attaching.drop_menu(self._parent, tab, paths, self._host.open_files, self.attach, extra)
        self.drop_menu = menu
        menu.popup(point)
        return menu

    # ------------------------------------------------------------------------------ negative tests

    def make_negative(self) -> NegativeDialog | None:
        """Offer the negative tests of the message shown (Tools › Make Negative Test…)."""
        tab = self._host.current_tab()
        session = tab.session if tab is not None else None
        if session is None or not session.readable:
            return None
        dialog = NegativeDialog(session.name, ReceiverSettings(), self._parent)
        dialog.sig_make_requested.connect(lambda code: self._start_negative(dialog, session, code))
        dialog.sig_use_settings_requested.connect(self._use_in_simulate)
        self._show_dialog(dialog)
        return dialog

    def _start_negative(self, dialog: NegativeDialog, session: MessageSession, code: str) -> None:
        self._generation += 1
        dialog.show_working(code)
        signals = carrier(
            self._context.carriers,
            lambda made: self._on_negative_made(dialog, session, code, made),
            lambda failure: dialog.show_failed(failure.message),
        )
        self._context.pool.start(NegativeTask(session, code, ReceiverSettings(), self._generation, signals))

    def _on_negative_made(self, dialog: NegativeDialog, session: MessageSession, code: str, made: NegativeMade) -> None:
        if made.version != session.version:
            self._start_negative(dialog, session, code)  # the message changed while the copy was made
            return
        negative = made.negative
        dialog.show_made(negative)
        self._open_negative(session, negative)

    def _open_negative(self, original: MessageSession, negative: Negative) -> MessageTab:
        stem = Path(original.path).stem if original.path else original.name
        name = f"{stem} – negative {negative.code}"
        note = f"Negative test for {negative.code} {negative.display}: {negative.note}."
        if negative.sends == 2:
            note += " It is answered with the code on a second send."
        if negative.settings is not None:
            note += (
                f" Only a receiver with the settings that come with it answers {negative.code}: the checks here, "
                "made as the default receiver, accept it (Make Negative Test… saves the settings or sends them to "
                "the Simulate window)."
            )
        if negative.document is None:
            session = MessageSession.open_bytes(negative.data, name)
            self._host.message_bar.show_message(note, "info")
            return self._host.open_session(session)
        return self._open(MessageSession.from_document(negative.document, name), note)

    def _use_in_simulate(self, settings: ReceiverSettings) -> None:
        simulate = self._host.show_simulate()
        simulate.settings_form.set_settings(settings)
        self._host.statusBar().showMessage("The Simulate window's receiver has the negative test's settings", 5000)

    # ------------------------------------------------------------------------------ autosave

    def offer_recovery(self) -> autosaving.RecoveryDialog | None:
        """Offer back the unsaved edits a crash or kill left (non-blocking); None when there are none."""
        entries = self.autosave.store.left_behind()  # not those of another workbench still open
        open_keys = {s.key for s in self._sessions()}
        entries = [e for e in entries if e.key not in open_keys]
        if not entries:
            return None
        dialog = autosaving.RecoveryDialog(entries, self._parent)
        dialog.sig_decided.connect(self._on_recovery_decided)
        self.recovery = dialog
        dialog.open()
        return dialog

    def _on_recovery_decided(self, choice: autosaving.RecoveryChoice) -> None:
        sessions, problems = autosaving.restore(self.autosave.store, choice)
        for session in sessions:
            where = f" of {session.path}" if session.path else ""
            self._open(session, f"Unsaved edits{where} restored from an autosave: save them to keep them.")
        if problems:
            self._host.message_bar.show_message(" ".join(problems), "warning")

    def forget_all(self) -> None:
        """The window closes with every message saved or its edits discarded: forget their autosaves."""
        self.autosave.stop()
        for session in self._sessions():
            self.autosave.forget(session)


def _sentence(text: str) -> str:
    """``text`` as a sentence: a plain first word capitalised (not a file name or a code), a full stop."""
    text = text.strip()
    if not text:
        return ""
    first = text.split(maxsplit=1)[0]
    if first.isalpha() and first.islower():
        text = text[:1].upper() + text[1:]
    return text + ("" if text.endswith((".", "!", "?")) else ".")


__all__ = ["EDIT_ACTIONS", "MESSAGE_ACTIONS", "Composer", "ask_attach_paths"]
