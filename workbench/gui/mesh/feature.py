"""MESH and the message store in the main window: the one object the window holds for them.

:class:`MeshFeature` composes the :class:`~.service.MeshService`, the Messages view (a dock at
the bottom: View › Messages), the status bar's :class:`~.status.MeshIndicator` and the dialogs
(Send Over MESH, Settings › MESH…), and answers the MESH menu (its entries name
``mesh.<method>`` in the window's menu table). It talks to the window only through
:class:`WindowHooks`: the tab shown, opening bytes in a tab, the message bar, the status bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, Signal, SignalInstance
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMainWindow, QTabWidget

from workbench.core.acks.runs import code_display
from workbench.core.session import MessageSession
from workbench.core.store import StoredMessage, default_store_path
from workbench.gui.context import AppContext
from workbench.gui.mesh.profile import LocalInfo, MeshProfile, load_prefs, save_prefs
from workbench.gui.mesh.send_dialog import Outgoing, SendDialog, SendRequest
from workbench.gui.mesh.service import MeshService, RetryDone, SendDone
from workbench.gui.mesh.settings_dialog import MeshSettingsDialog
from workbench.gui.mesh.status import MeshIndicator
from workbench.gui.messages.tasks import StoredBytes
from workbench.gui.messages.view import MessagesView, OpenStored, title_of
from workbench.gui.tasks import TaskFailure, TaskSignals, carrier
from workbench.gui.widgets.message_bar import MessageBar

_KEY = "messages/"
#: The Messages dock's height at first.
DOCK_HEIGHT = 340


class WindowHooks(Protocol):
    """What the feature needs of the main window."""

    message_bar: MessageBar
    tabs: QTabWidget
    sig_message_opened: SignalInstance

    def current_tab(self) -> object | None:
        """The tab shown (a :class:`~workbench.gui.documents.tab.MessageTab`)."""

    def open_bytes(self, data: bytes, name: str) -> object:
        """Open bytes in a tab (or bring forward the tab holding them)."""


@dataclass(frozen=True, slots=True)
class _Rendered:
    """A message written out in a worker for sending, and the edit version it was written at."""

    outgoing: Outgoing
    version: int


class _RenderTask(QRunnable):
    """Write a session's message (as edited) in its syntax, off the GUI thread."""

    def __init__(self, session: MessageSession, version: int, signals: TaskSignals) -> None:
        super().__init__()
        self.session = session
        self.version = version
        self.signals = signals

    def run(self) -> None:
        try:
            data = self.session.render()
        except Exception as exc:  # a worker must report every failure, in words, never crash
            self.signals.sig_task_failed.emit(TaskFailure(self.version, None, str(exc) or type(exc).__name__))
            return
        note = "The message has edits that are not saved: it is sent as it is now."
        event = _event_of(self.session)
        self.signals.sig_result_ready.emit(_Rendered(Outgoing(self.session.name, data, event, note), self.version))


class MeshFeature(QObject):
    """MESH, the message store and the Messages view, in one main window.

    Signals:
        sig_dialog_shown(object): A dialog of the feature was shown (Send, Settings); carries it.

    Args:
        context: The application context.
        window: The main window (it must offer :class:`WindowHooks`).

    Attributes:
        service: The desktop's MESH.
        view: The Messages view.
        dock: The dock holding it.
        indicator: The status bar's MESH indicator.
        send_dialog: The Send Over MESH dialog shown last, if any.
        settings_dialog: Settings › MESH…, once shown.
    """

    sig_dialog_shown = Signal(object)

    def __init__(self, context: AppContext, window: QMainWindow) -> None:
        super().__init__(window)
        self._context = context
        self._window = window
        self._hooks: WindowHooks = window  # type: ignore[assignment]
        self._actions: dict[str, QAction] = {}
        self._dirty = True  # the store changed while the view was hidden
        self.send_dialog: SendDialog | None = None
        self.settings_dialog: MeshSettingsDialog | None = None
        store = default_store_path()
        self.service = MeshService(
            store, load_prefs(context.settings), context.profiles.registry, self, carriers=context.carriers
        )
        self.view = MessagesView(context, store)
        self.dock = QDockWidget("Messages", window)
        self.dock.setObjectName("messagesDock")
        self.dock.setWidget(self.view)
        self.dock.setAllowedAreas(Qt.DockWidgetArea.BottomDockWidgetArea | Qt.DockWidgetArea.TopDockWidgetArea)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()
        self.indicator = MeshIndicator()
        window.statusBar().addPermanentWidget(self.indicator)

        service = self.service
        service.sig_status_changed.connect(self.indicator.show_status)
        service.sig_status_changed.connect(lambda _status: self.view.set_unread(service.unread()))
        service.sig_store_changed.connect(self._on_store_changed)
        service.sig_sent.connect(self._on_sent)
        service.sig_received.connect(self._on_received)
        service.sig_retried.connect(self._on_retried)
        service.sig_local_changed.connect(self._on_local_changed)
        service.sig_profile_changed.connect(self._on_profile_changed)
        service.sig_problem.connect(self._problem)
        self.indicator.sig_clicked.connect(self.show_messages)
        self.dock.visibilityChanged.connect(self._on_dock_visibility_changed)
        self.view.sig_open_requested.connect(self._on_open_requested)
        self.view.sig_resend_requested.connect(self._on_resend_requested)
        self.view.sig_retry_requested.connect(lambda ids: self.service.retry(tuple(ids)))
        self.view.sig_rows_seen.connect(self.service.mark_seen)
        self.view.sig_status_message.connect(lambda text: window.statusBar().showMessage(text, 5000))
        self.view.sig_problem.connect(self._problem)

    def bind(self, actions: dict[str, QAction]) -> None:
        """Take the window's actions (the MESH menu's and View › Messages) and start."""
        self._actions = actions
        self._hooks.tabs.currentChanged.connect(lambda _index: self.update_actions())
        self._hooks.sig_message_opened.connect(lambda _tab: self.update_actions())
        visible = self._context.settings.value(_KEY + "visible", False) not in (False, "false", 0, "0")
        if visible:
            self.show_messages()
        self._on_profile_changed(self.service.profile())
        self.service.start()

    # ---- the menu ------------------------------------------------------------------------------

    def set_messages_visible(self, visible: bool) -> None:
        """Show or hide the Messages view (View › Messages)."""
        if visible:
            self.show_messages()
        else:
            self.dock.hide()

    def show_messages(self) -> None:
        """Show the Messages view (and list the store)."""
        first = self.dock.isHidden()
        self.dock.show()
        self.dock.raise_()
        if first and not self.dock.isFloating():
            self._window.resizeDocks([self.dock], [DOCK_HEIGHT], Qt.Orientation.Vertical)
        self.view.table.setFocus()

    def send_current(self) -> None:
        """Send the message shown over MESH: ask the recipient and workflow (MESH › Send Over MESH…)."""
        tab = self._hooks.current_tab()
        session: MessageSession | None = getattr(tab, "session", None)
        if session is None:
            self._problem("Open a message first: Send Over MESH sends the message shown.", "warning")
            return
        if self.service.profile() is None:
            self._problem(f"Cannot send: {self.service.problem()}", "error")
            return
        if session.source is not None and not session.modified:
            self._ask_send(Outgoing(session.name, session.source, _event_of(session)))
        elif session.document is not None:
            self._render(session)
        else:
            self._problem(f"{session.name} has no bytes to send.", "warning")

    def poll_now(self) -> None:
        """Fetch what waits in the mailbox now (MESH › Poll Now)."""
        if self.service.poll_now():
            self._window.statusBar().showMessage("Polling MESH…", 3000)

    def retry_failed(self) -> None:
        """Send again everything that failed (MESH › Retry Failed); never twice."""
        self.service.retry(None)

    def toggle_local(self) -> None:
        """Start the local MESH, or stop it (MESH › Start/Stop Local MESH)."""
        if self.service.local() is not None:
            self.service.stop_local()
            self._window.statusBar().showMessage("The local MESH is stopping; your MESH settings are back", 5000)
        else:
            self.service.start_local()
            self._window.statusBar().showMessage("Starting the local MESH…")
            self.update_actions()

    def set_use_local(self, use: bool) -> None:
        """Use the local MESH while it runs, or your own settings (MESH › Use Local MESH)."""
        if use != self.service.prefs().use_local:
            self.service.set_use_local(use)
            save_prefs(self._context.settings, self.service.prefs())

    def set_auto_respond(self, on: bool) -> None:
        """Answer what arrives as the receiver would, or not (MESH › Auto-Respond)."""
        if on != self.service.prefs().auto_respond:
            self.service.set_auto_respond(on)
            save_prefs(self._context.settings, self.service.prefs())

    def show_settings(self) -> MeshSettingsDialog:
        """Show Settings › MESH… (not modal)."""
        dialog = self.settings_dialog
        if dialog is None:
            dialog = self.settings_dialog = MeshSettingsDialog(self.service, self._window)
            dialog.sig_saved.connect(lambda _place: save_prefs(self._context.settings, self.service.prefs()))
        else:
            dialog.reload()
        if dialog.isVisible():
            dialog.raise_()  # already open: bring it to the front
        else:
            dialog.show()
        self.sig_dialog_shown.emit(dialog)
        return dialog

    def update_actions(self) -> None:
        """Enable and name the MESH menu's entries for the state of things."""
        if not self._actions:
            return
        profile = self.service.profile()
        tab = self._hooks.current_tab()
        self._actions["mesh_send"].setEnabled(getattr(tab, "session", None) is not None)
        for key in ("mesh_poll", "mesh_retry"):
            self._actions[key].setEnabled(profile is not None)
        local = self.service.local()
        starting = self.service.is_starting()
        self._actions["mesh_local"].setText("Stop &Local MESH" if local is not None else "Start &Local MESH")
        self._actions["mesh_local"].setEnabled(not starting)
        use = self._actions["mesh_use_local"]
        use.setEnabled(local is not None)
        use.setChecked(self.service.prefs().use_local)
        self._actions["mesh_auto_respond"].setChecked(self.service.prefs().auto_respond)

    def shutdown(self) -> None:
        """The window closes: remember the view, stop polling and the local MESH."""
        settings = self._context.settings
        settings.setValue(_KEY + "visible", self.dock.isVisible())
        self.view.save_layout()
        save_prefs(settings, self.service.prefs())
        self.service.shutdown()

    # ---- sending -------------------------------------------------------------------------------

    def _render(self, session: MessageSession) -> None:
        version = session.version

        def rendered(result: _Rendered) -> None:
            if session.version != result.version:
                self._render(session)  # edited meanwhile: write it again as it is now
            else:
                self._ask_send(result.outgoing)

        def failed(failure: TaskFailure) -> None:
            self._problem(f"{session.name} could not be written for sending: {failure.message}", "error")

        signals = carrier(self._context.carriers, rendered, failed)  # type: ignore[arg-type]
        self._context.pool.start(_RenderTask(session, version, signals))

    def _ask_send(self, outgoing: Outgoing, to: str | None = None, workflow: str | None = None) -> None:
        profile = self.service.profile()
        if profile is None:
            self._problem(f"Cannot send: {self.service.problem()}", "error")
            return
        if self.send_dialog is not None:
            self.send_dialog.close()
        dialog = self.send_dialog = SendDialog(outgoing, profile, self._context.settings, self._window)
        if to:
            dialog.recipient.setCurrentText(to)
        if workflow:
            dialog.workflow.setCurrentText(workflow)
        dialog.sig_send_requested.connect(self._on_send_requested)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda: setattr(self, "send_dialog", None))
        dialog.show()
        self.sig_dialog_shown.emit(dialog)

    def _on_send_requested(self, request: SendRequest) -> None:
        outgoing = request.outgoing
        if self.service.send(outgoing.data, outgoing.name, request.to, request.workflow):
            self._window.statusBar().showMessage(f"Sending {outgoing.name} to {request.to}…", 5000)

    def _on_resend_requested(self, stored: StoredBytes) -> None:
        row = stored.row
        outgoing = Outgoing(title_of(row), stored.data, row.event, "Sent again as a new transfer (a new local id).")
        self._ask_send(outgoing, row.peer if row.direction == "out" else None, row.workflow_id)

    # ---- handlers ------------------------------------------------------------------------------

    def _on_sent(self, done: SendDone) -> None:
        outcome = done.outcome
        if outcome is None:
            self._problem(f"{done.name} was not sent: {done.problem}.", "error")
        elif outcome.failed:
            row = outcome.row
            self._problem(
                f"{done.name} was not sent to {done.to}: {outcome.note}. It is kept in the store (#{row.id}) "
                "and is tried again automatically; MESH › Retry Failed tries now.",
                "error",
            )
        else:
            row = outcome.row
            self._window.statusBar().showMessage(
                f"Sent {done.name} to {done.to} as MESH message {row.mesh_message_id} (workflow {row.workflow_id})",
                8000,
            )

    def _on_received(self, rows: tuple[StoredMessage, ...]) -> None:
        what = ", ".join(_short(r) for r in rows[:4]) + (f" and {len(rows) - 4} more" if len(rows) > 4 else "")
        self._window.statusBar().showMessage(f"Received over MESH at {rows[0].mailbox}: {what}", 10000)

    def _on_retried(self, done: RetryDone) -> None:
        sent = [o for o in done.outcomes if o.sent]
        failed = [o for o in done.outcomes if o.failed]
        if sent:
            self._window.statusBar().showMessage(f"Sent again: {', '.join(f'#{o.row.id}' for o in sent)}", 8000)
        if failed and done.asked:
            what = "; ".join(f"#{o.row.id}: {o.note}" for o in failed[:3])
            self._problem(f"Not sent again: {what}. Kept in the store; tried again automatically later.", "error")
        elif sent and not failed and self._hooks.message_bar.level() == "error":
            self._hooks.message_bar.clear()  # what it said failed has gone now
        elif done.asked and not done.outcomes:
            self._window.statusBar().showMessage("Nothing to send again: no message failed or waits", 5000)
        elif done.outcomes and not sent and not failed:
            self._window.statusBar().showMessage("; ".join(f"#{o.row.id}: {o.note}" for o in done.outcomes), 8000)

    def _on_local_changed(self, info: LocalInfo | None) -> None:
        if info is None:
            self._window.statusBar().showMessage("The local MESH stopped", 5000)
        else:
            prefs = self.service.prefs()
            others = [b.mailbox for b in info.mailboxes if b.mailbox not in (prefs.local_you, prefs.local_responder)]
            self._hooks.message_bar.show_message(
                f"The local MESH runs at {info.url}: you are {prefs.local_you}; the auto-responder answers on "
                f"{prefs.local_responder}" + (f"; also {', '.join(others)}" if others else "") + ". Each mailbox's "
                f"password is 'password' and the shared key {info.shared_key}. Your own MESH settings are "
                "unchanged (MESH › Use Local MESH switches between them); the local MESH stops when you quit.",
                "info",
            )
        self.update_actions()

    def _on_profile_changed(self, _profile: MeshProfile | None) -> None:
        self.update_actions()

    def _on_store_changed(self) -> None:
        if self.dock.isVisible():
            self.view.refresh()
        else:
            self._dirty = True

    def _on_dock_visibility_changed(self, visible: bool) -> None:
        if not shiboken6.isValid(self._window):  # the window is being destroyed: its docks hide
            return
        action = self._actions.get("messages")
        if action is not None and action.isChecked() != visible and not self._window.isHidden():
            action.setChecked(visible)
        if visible and self._dirty:
            self._dirty = False
            self.view.refresh()

    def _on_open_requested(self, request: OpenStored) -> None:
        self._hooks.open_bytes(request.data, request.name)

    def _problem(self, text: str, level: str = "error") -> None:
        self._hooks.message_bar.show_message(text, level)


def _event_of(session: MessageSession) -> str | None:
    labels = session.labels
    return labels.view.event_code if labels is not None else None


def _short(row: StoredMessage) -> str:
    if row.is_response and row.response_code:
        return f"Response {code_display(row.response_code)}"
    return row.event or "an unreadable message"
