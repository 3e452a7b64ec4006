"""The tester's toolkit in the main window: Responses read as Responses, Compare, masking, exports.

The main window makes one :class:`Toolkit` and tells it when a tab opens or closes and which
message is shown; the menu table names its methods (``toolkit.compare_dialog`` ...). It knows
the window only through :class:`ToolkitWindow` (what any main window offers), so this package
never imports the window or the tabs.

* A tab whose message is a Response shows what it says (the inspector's
  :class:`~workbench.gui.inspector.response_bar.ResponseSaysBar`); the toolkit finds where the message it answers is
  (another tab, or the message store, looked in off the GUI thread) and opens it on request.
* Tools › Compare… opens :class:`~.compare.window.CompareWindow` s; :meth:`Toolkit.compare_with`
  compares a tab with a file (a file dropped on a tab).
* File › Save Masked Copy…, Export Report… and Export Evidence… run in the thread pool with
  progress in the status bar; failures go to the message bar, in words.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QStatusBar, QTabWidget, QWidget
from shiboken6 import isValid

from workbench.core.session import MessageSession
from workbench.core.toolkit.responses import ResponseSummary, response_summary
from workbench.core.toolkit.stored import Found
from workbench.gui.context import AppContext
from workbench.gui.inspector.response_bar import AnsweredLocation
from workbench.gui.tasks import TaskFailure
from workbench.gui.toolkit import asking, store_lookup
from workbench.gui.toolkit.compare.chooser import Choice, CompareChooser
from workbench.gui.toolkit.compare.window import CompareWindow
from workbench.gui.toolkit.compare.work import CompareSource
from workbench.gui.toolkit.exports import EvidenceDialog, Exported, ResponseChoice, evidence_to_file, report_to_file
from workbench.gui.toolkit.jobs import JobResult, Snapshot, Work, start_job
from workbench.gui.toolkit.masking import MaskDialog, MaskDone, MaskSummaryDialog, mask_to_file, suggested_path
from workbench.gui.widgets.message_bar import MessageBar
from workbench.gui.widgets.progress import DelayedProgressBar
from workbench.gui.window_layout import last_directory


class ToolkitWindow(Protocol):
    """What the toolkit needs of the main window."""

    message_bar: MessageBar
    tabs: QTabWidget
    menu_actions: dict[str, QAction]

    def current_tab(self) -> Any:
        """The tab shown (a MessageTab), if any."""

    def open_tabs(self) -> list[Any]:
        """The tabs, in order."""

    def open_file(self, path: str) -> Any:
        """Open a file in a tab."""

    def open_bytes(self, data: bytes, name: str) -> Any:
        """Open bytes in a tab."""

    def statusBar(self) -> QStatusBar:
        """The window's status bar."""


class Toolkit(QObject):
    """The toolkit's actions and its part in the window's tabs.

    Signals:
        sig_located(object): Where the message a Response answers was found (or not); carries
            the :class:`~workbench.gui.inspector.response_bar.AnsweredLocation`.
        sig_compare_opened(object): A Compare window was opened; carries it.
        sig_masked(object): A masked copy was written; carries the :class:`~.masking.MaskDone`.
        sig_exported(object): A report or evidence pack was written; carries the
            :class:`~.exports.Exported`.
        sig_failed(str): Masking or an export failed; carries why (also in the message bar).

    Args:
        window: The main window.
        context: The application context.

    Attributes:
        progress: The status bar's progress for the toolkit's work.
        compare_windows: The Compare windows open.
        chooser, mask_dialog, mask_summary, evidence_dialog: The dialog last opened of each kind.
    """

    sig_located = Signal(object)
    sig_compare_opened = Signal(object)
    sig_masked = Signal(object)
    sig_exported = Signal(object)
    sig_failed = Signal(str)

    def __init__(self, window: ToolkitWindow, context: AppContext) -> None:
        super().__init__(window)  # type: ignore[arg-type]
        self._window = window
        self._context = context
        self._generation = 0
        self.progress = DelayedProgressBar()
        self.progress_label = QLabel()
        window.statusBar().insertPermanentWidget(0, self.progress)
        window.statusBar().insertPermanentWidget(0, self.progress_label)
        self.progress_label.hide()
        self.compare_windows: list[CompareWindow] = []
        self.chooser: CompareChooser | None = None
        self.mask_dialog: MaskDialog | None = None
        self.mask_summary: MaskSummaryDialog | None = None
        self.evidence_dialog: EvidenceDialog | None = None

    @property
    def _parent(self) -> QWidget:
        return self._window  # type: ignore[return-value]

    # ------------------------------------------------------------------- the window's hooks

    def tab_opened(self, tab: Any) -> None:
        """A tab shows its message: follow its Response bar, and find what Responses answer."""
        if tab.inspector is not None:
            tab.inspector.response_bar.sig_open_answered_requested.connect(self.open_answered)
            tab.sig_edited.connect(lambda tab=tab: self._locate(tab))
        self.relocate_all()

    def tab_closed(self, _tab: Any) -> None:
        """A tab was closed: the messages Responses answer may be elsewhere now."""
        self.relocate_all()

    def update_actions(self, session: MessageSession | None) -> None:
        """Enable the toolkit's File actions for the message shown."""
        actions = self._window.menu_actions
        readable = session is not None and session.readable
        has_bytes = session is not None and _has_bytes(session)
        actions["save_masked"].setEnabled(readable)
        actions["export_report"].setEnabled(has_bytes)
        actions["export_report_all"].setEnabled(any(_has_bytes(s) for s in self._sessions()))
        actions["export_evidence"].setEnabled(has_bytes)

    # ---------------------------------------------------------------- Responses as Responses

    def relocate_all(self) -> None:
        """Find again, for every Response open, where the message it answers is."""
        for tab in self._window.open_tabs():
            self._locate(tab)

    def open_answered(self, summary: ResponseSummary) -> None:
        """Show the message a Response answers: its tab, else open it from the message store."""
        if not summary.answers or summary.answers_unreadable:
            return
        tab = self._tab_answered(summary)
        if tab is not None:
            self._window.tabs.setCurrentWidget(tab)
            self._window.statusBar().showMessage(f"{tab.name()} is the message this Response answers", 5000)
            return
        message_id = summary.answers

        def done(result: JobResult) -> None:
            found: Found | None = result.value
            if found is None:
                self._window.message_bar.show_message(
                    f"The message {message_id} this Response answers is not open, nor in the message store "
                    f"({store_lookup.store_path()}).",
                    "warning",
                )
                return
            self._window.open_bytes(found.data, found.name)
            self._window.statusBar().showMessage(f"Opened {found.name} from the message store", 5000)

        self._run(lambda _progress: store_lookup.find_answered(message_id), "look in the message store", done)

    def _tab_answered(self, summary: ResponseSummary, exclude: Any = None) -> Any:
        if not summary.answers:
            return None
        for tab in self._window.open_tabs():
            session = tab.session
            labels = session.labels if session is not None else None
            if tab is exclude or labels is None or labels.view is None:
                continue
            view = labels.view
            if view.message_id == summary.answers and response_summary(view) is None:
                return tab
        return None

    def _locate(self, tab: Any) -> None:
        bar = tab.inspector.response_bar if tab.inspector is not None else None
        summary = bar.summary() if bar is not None else None
        if bar is None or summary is None or not summary.answers or summary.answers_unreadable:
            return
        found = self._tab_answered(summary, exclude=tab)
        if found is not None:
            self._located(bar, AnsweredLocation("tab", found.name()))
            return
        if not store_lookup.store_path().is_file():
            self._located(bar, AnsweredLocation("nowhere"))
            return
        message_id = summary.answers

        def done(result: JobResult) -> None:
            if not isValid(bar):
                return  # its tab was closed meanwhile
            stored: Found | None = result.value
            current = bar.summary()
            if current is None or current.answers != message_id or bar.location().where == "tab":
                return  # the Response was edited, or its message opened, meanwhile
            self._located(bar, AnsweredLocation("store", stored.name) if stored else AnsweredLocation("nowhere"))

        start_job(
            self._context,
            lambda _progress: store_lookup.find_answered(message_id),
            0,
            "look in the message store",
            done,  # type: ignore[arg-type]
            lambda failure: self._located(bar, AnsweredLocation("nowhere")) if isValid(bar) else None,
            owner=self._context.carriers,
        )

    def _located(self, bar: Any, location: AnsweredLocation) -> None:
        bar.set_location(location)
        self.sig_located.emit(location)

    # ------------------------------------------------------------------------------ Compare

    def compare_dialog(self) -> CompareChooser:
        """Ask which two messages to compare (Tools › Compare…); non-blocking."""
        tabs = [tab for tab in self._window.open_tabs() if tab.session is not None]
        choices = [Choice(f"{tab.name()} — open tab", self._tab_source(tab)) for tab in tabs]
        current = tabs.index(self._window.current_tab()) if self._window.current_tab() in tabs else -1
        directory = last_directory(self._context.settings)
        chooser = self.chooser = CompareChooser(
            choices, current, lambda parent: asking.ask_message_path(parent, directory), self._parent
        )
        chooser.accepted.connect(lambda: self._on_chooser_accepted(chooser))
        chooser.open()
        return chooser

    def compare(self, a: CompareSource, b: CompareSource) -> CompareWindow:
        """Open a Compare window over two messages."""
        window = CompareWindow(self._context, self._parent)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.destroyed.connect(lambda _obj=None, w=window: self._forget(w))
        self.compare_windows.append(window)
        window.show()
        window.compare(a, b)
        self.sig_compare_opened.emit(window)
        return window

    def compare_with(self, tab: Any, path: str) -> CompareWindow | None:
        """Compare a tab's message (as it is now) with a file (a file dropped on the tab)."""
        if tab.session is None:
            self._window.message_bar.show_message(f"{tab.name()} is still opening; compare it once it is shown.")
            return None
        return self.compare(self._tab_source(tab), CompareSource.file(path))

    @staticmethod
    def _tab_source(tab: Any) -> CompareSource:
        session: MessageSession = tab.session
        return CompareSource(session.name, session.path, Snapshot.of(session))

    def _forget(self, window: CompareWindow) -> None:
        if window in self.compare_windows:
            self.compare_windows.remove(window)

    def _on_chooser_accepted(self, chooser: CompareChooser) -> None:
        chosen = chooser.chosen()
        if chosen is not None:
            self.compare(*chosen)

    # ------------------------------------------------------------------------------ masking

    def save_masked_copy(self) -> MaskDialog | None:
        """Ask where and with which seed, then write a masked copy (File › Save Masked Copy…)."""
        session = self._session()
        if session is None or not session.readable:
            return None
        snapshot = Snapshot.of(session)
        suggested = suggested_path(snapshot, last_directory(self._context.settings))
        dialog = self.mask_dialog = MaskDialog(
            session.name, suggested, snapshot.syntax, asking.ask_masked_path, self._parent
        )
        dialog.accepted.connect(lambda: self._mask(session, dialog.options()))
        dialog.open()
        return dialog

    def _mask(self, session: MessageSession, options: Any) -> None:
        snapshot = Snapshot.of(session)

        def done(result: JobResult) -> None:
            if snapshot.stale():
                self._mask(session, options)  # it was edited meanwhile: mask it as it is now
                return
            masked: MaskDone = result.value
            summary = self.mask_summary = MaskSummaryDialog(masked, self._parent)
            summary.sig_open_requested.connect(self._window.open_file)
            summary.show()
            self._window.statusBar().showMessage(
                f"Saved the masked copy {Path(masked.path).name} ({masked.replaced} values replaced)", 8000
            )
            self.sig_masked.emit(masked)

        self._run(lambda progress: mask_to_file(snapshot, options, progress), "save the masked copy", done)

    # ------------------------------------------------------------------------------ exports

    def export_report(self) -> None:
        """Ask where and write the message's HTML report (File › Export Report…)."""
        session = self._session()
        if session is None:
            return
        snapshot = Snapshot.of(session)
        suggested = self._beside(snapshot, "report", "html")
        path = asking.ask_report_path(self._parent, suggested)
        if path:
            self._report([session], path)

    def export_report_all(self) -> None:
        """Ask where and write one HTML report over every open message (File › Export Report of All Tabs…)."""
        sessions = [s for s in self._sessions() if _has_bytes(s)]
        if not sessions:
            return
        folder = Path(last_directory(self._context.settings))
        path = asking.ask_report_path(self._parent, str(folder / "messages-report.html"))
        if path:
            self._report(sessions, path)

    def _report(self, sessions: list[MessageSession], path: str) -> None:
        snapshots = [Snapshot.of(s) for s in sessions]
        library = self._context.profiles

        def done(result: JobResult) -> None:
            if any(s.stale() for s in snapshots):
                self._report(sessions, path)  # a message was edited meanwhile: report it as it is now
                return
            self._exported(result.value)

        what = "export the report" if len(snapshots) == 1 else f"export the report of {len(snapshots)} messages"
        self._run(lambda progress: report_to_file(snapshots, path, library, progress), what, done)

    def export_evidence(self) -> EvidenceDialog | None:
        """Choose the Responses and where, then write an evidence pack (File › Export Evidence…)."""
        session = self._session()
        if session is None:
            return None
        snapshot = Snapshot.as_opened(session)
        view = session.labels.view if session.labels is not None else None
        message_id = view.message_id if view is not None else None
        choices, known = self._response_choices(session, message_id)
        directory = last_directory(self._context.settings)
        dialog = self.evidence_dialog = EvidenceDialog(
            session.name,
            choices,
            self._beside(snapshot, "evidence", "zip"),
            lambda parent: asking.ask_message_paths(parent, directory),
            asking.ask_evidence_path,
            edited=session.edited,
            parent=self._parent,
        )
        library = self._context.profiles
        dialog.accepted.connect(
            lambda: self._run(
                lambda progress: evidence_to_file(snapshot, dialog.request(), library, progress),
                "export the evidence pack",
                lambda result: self._exported(result.value),
            )
        )
        if message_id and store_lookup.store_path().is_file():
            start_job(
                self._context,
                lambda _progress: store_lookup.find_responses(message_id),
                0,
                "look in the message store",
                lambda result: dialog.set_stored(result.value, known),  # type: ignore[attr-defined]
                lambda failure: dialog.set_store_problem(failure.message),
            )
        else:
            dialog.set_stored([], known)
        dialog.open()
        return dialog

    def _response_choices(
        self, session: MessageSession, message_id: str | None
    ) -> tuple[list[tuple[ResponseChoice, bool]], set[str]]:
        """The Responses open in tabs (other than the message's own), ticked when they answer it."""
        choices, known = [], set()
        for tab in self._window.open_tabs():
            other = tab.session
            view = other.labels.view if other is not None and other.labels is not None else None
            summary = response_summary(view) if view is not None and other is not session else None
            if summary is None or other.source is None:
                continue
            answers = message_id is not None and summary.answers == message_id
            text = f"{other.name} — open tab: {summary.headline}"
            choices.append((ResponseChoice(text, other.name, other.source), answers))
            known.add(other.sha256)
        return choices, known

    def _exported(self, exported: Exported) -> None:
        what = "Report" if exported.kind == "report" else "Evidence pack"
        self._window.statusBar().showMessage(f"{what} written to {exported.path} ({exported.summary})", 10000)
        self.sig_exported.emit(exported)

    # ---------------------------------------------------------------------------- helpers

    def _session(self) -> MessageSession | None:
        tab = self._window.current_tab()
        return tab.session if tab is not None else None

    def _sessions(self) -> list[MessageSession]:
        return [tab.session for tab in self._window.open_tabs() if tab.session is not None]

    def _beside(self, snapshot: Snapshot, what: str, suffix: str) -> str:
        stem = Path(snapshot.path or snapshot.name).stem or "message"
        folder = Path(snapshot.path).parent if snapshot.path else Path(last_directory(self._context.settings))
        return str(folder / f"{stem}-{what}.{suffix}")

    def _run(self, work: Work, task: str, done: Callable[[JobResult], object]) -> None:
        """Run work in the pool with progress in the status bar; a failure goes to the message bar."""
        self._generation += 1
        generation = self._generation
        self.progress_label.setText(f"Working to {task}…")
        self.progress_label.show()
        self.progress.begin()

        def finished(result: JobResult) -> None:
            self._end(generation)
            done(result)

        def failed(failure: TaskFailure) -> None:
            self._end(generation)
            text = f"Could not {task}: {failure.message}"
            self._window.message_bar.show_message(text, "error")
            self.sig_failed.emit(text)

        def progress(number: int, fraction: float) -> None:
            if number == self._generation:
                self.progress.set_fraction(fraction)

        start_job(self._context, work, generation, task, finished, failed, progress)  # type: ignore[arg-type]

    def _end(self, generation: int) -> None:
        if generation == self._generation:
            self.progress.end()
            self.progress_label.hide()


def _has_bytes(session: MessageSession) -> bool:
    """True when the session holds a message to report on (read, or bytes that could not be)."""
    return session.source is not None or session.document is not None
