"""The panels of one message, laid out and kept in step with its session.

The verdict banner sits on top; below it the structure tree and the details pane (left; other
features add tabs beside Details in :attr:`Inspector.side_tabs`), the source preview (right),
and the issues panel along the bottom. Selecting a row shows its details
and marks its lines; clicking in the preview selects the row; activating an issue (or the banner)
selects the finding's node and marks its source lines. Attachments open with the system's
viewer or are saved from the tree's and the details pane's actions.

The inspector keeps no copy of the message: it reads the session it shows (tree, labels, bytes,
report) whenever it needs them. Its owner (the tab) tells it what happened to the session
(:meth:`Inspector.session_edited`, :meth:`Inspector.show_report`, :meth:`Inspector.session_saved`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QSplitter, QTabWidget, QVBoxLayout, QWidget

from workbench.core.itk3.labels import format_size
from workbench.core.itk3.view import Attachment
from workbench.core.session import MessageSession
from workbench.core.toolkit.responses import response_summary
from workbench.core.tree import Node
from workbench.core.validation.issue import Issue
from workbench.core.validation.runner import Report
from workbench.gui.context import AppContext
from workbench.gui.inspector import attachments
from workbench.gui.inspector.banner import ResponseBanner
from workbench.gui.inspector.details_panel import NO_ELEMENTS, DetailsPanel
from workbench.gui.inspector.issues_panel import IssuesPanel
from workbench.gui.inspector.preview_panel import PreviewPanel
from workbench.gui.inspector.response_bar import ResponseSaysBar, conformance_verdict
from workbench.gui.inspector.tree_panel import TreePanel
from workbench.gui.widgets import dialogs
from workbench.gui.window_layout import last_directory


class Inspector(QWidget):
    """Banner, tree, details, preview and issues of one message.

    Signals:
        sig_status_message(str): Something done that the status bar should say.
        sig_problem(str, str): Something failed; carries the text and the level (``error``,
            ``warning``) for the message bar.
        sig_node_selected(object): The selected row changed; carries its :class:`Node` or None.

    Args:
        context: The application context (the preview renders in its thread pool).
        parent: The Qt parent.
    """

    sig_status_message = Signal(str)
    sig_problem = Signal(str, str)
    sig_node_selected = Signal(object)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._session: MessageSession | None = None
        self.response_bar = ResponseSaysBar()  # what a Response says (hidden for other messages)
        self.banner = ResponseBanner()
        self.tree = TreePanel()
        self.details = DetailsPanel()
        self.preview = PreviewPanel(context)
        self.issues = IssuesPanel()
        # Details, and the panels other features add beside it (the header form); the bar shows
        # once there are two.
        self.side_tabs = QTabWidget()
        self.side_tabs.setObjectName("sideTabs")
        self.side_tabs.setDocumentMode(True)
        self.side_tabs.setTabBarAutoHide(True)
        self.side_tabs.addTab(self.details, "Details")
        self.left_splitter = QSplitter(Qt.Orientation.Vertical)
        self.left_splitter.addWidget(self.tree)
        self.left_splitter.addWidget(self.side_tabs)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.left_splitter)
        self.splitter.addWidget(self.preview)
        self.main_splitter = QSplitter(Qt.Orientation.Vertical)
        self.main_splitter.addWidget(self.splitter)
        self.main_splitter.addWidget(self.issues)
        self.main_splitter.setStretchFactor(0, 3)
        self.main_splitter.setStretchFactor(1, 1)
        for splitter in (self.splitter, self.left_splitter, self.main_splitter):
            splitter.setChildrenCollapsible(False)
            splitter.setHandleWidth(6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.response_bar)
        layout.addWidget(self.banner)
        layout.addWidget(self.main_splitter, 1)

        self.tree.sig_node_selected.connect(self._on_tree_node_selected)
        self.preview.sig_node_clicked.connect(self._on_preview_node_clicked)
        self.issues.sig_issue_activated.connect(self.show_issue)
        self.banner.sig_issue_requested.connect(self._on_banner_issue_requested)
        for panel in (self.tree, self.details):
            panel.sig_attachment_open_requested.connect(self._on_attachment_open_requested)
            panel.sig_attachment_save_requested.connect(self._on_attachment_save_requested)

    # ---------------------------------------------------------------------------------- API

    def splitters(self) -> tuple[tuple[str, QSplitter, list[int]], ...]:
        """Return each splitter with its settings key and the sizes it starts with."""
        return (
            ("window/splitter", self.splitter, [580, 820]),
            ("window/left_splitter", self.left_splitter, [540, 320]),
            ("window/main_splitter", self.main_splitter, [620, 230]),
        )

    def session(self) -> MessageSession | None:
        """Return the session shown, if any."""
        return self._session

    def set_session(self, session: MessageSession | None, text: str | None = None) -> None:
        """Show a session's message (None empties the panels), all at once.

        Args:
            session: The message.
            text: Its bytes decoded for the Original view, if done already (off the GUI thread).
        """
        for step in self.steps(session, text):
            step()

    def steps(self, session: MessageSession | None, text: str | None = None) -> list[Callable[[], object]]:
        """Showing a session, in steps the caller may run one per turn of the event loop.

        For a large message each step holds the GUI thread a while (the first fills the text
        views, the second lays the tree's rows out, the third selects the MessageHeader and
        shows its details); run apart, the window keeps answering in between.
        """
        self._session = session
        return [lambda: self._show_text(session, text), lambda: self._show_tree(session), self._select_start]

    def _show_text(self, session: MessageSession | None, text: str | None) -> None:
        self._show_details(None)
        self.tree.set_session(None)
        self.preview.set_session(session, text)
        self.banner.clear()
        self._show_response()
        self.issues.set_report(None)
        if session is not None and session.report is not None and session.report_current:
            self.show_report(session.report)

    def _show_tree(self, session: MessageSession | None) -> None:
        if session is self._session:
            self.tree.set_session(session)

    def _select_start(self) -> None:
        session = self._session
        view = session.labels.view if session is not None and session.labels is not None else None
        if view is not None and view.header is not None:
            self.tree.select_node(view.header)

    def session_edited(self, changed: Sequence[Node]) -> None:
        """The message was edited: relabel the rows, refresh the details, render the text again."""
        self.tree.refresh_labels()
        self._show_details(self.tree.current_node())
        self.preview.session_edited()
        self._show_response()

    def session_saved(self) -> None:
        """The message was saved: Original shows the saved bytes; positions are theirs now."""
        self.preview.session_saved()
        self._show_details(self.tree.current_node())

    def show_report(self, report: Report) -> None:
        """Show a validation's verdict and findings (a Response's: its own conformance)."""
        if self.response_bar.summary() is not None and report.readable:
            self.banner.show_verdict(*conformance_verdict(report))
        else:
            self.banner.show_report(report, self._session.error if self._session is not None else None)
        self.issues.set_report(report)

    def show_validating(self) -> None:
        """Say that validation runs."""
        self.banner.show_validating()

    def show_failure(self, message: str) -> None:
        """Say that validation could not run; the findings of an older version are not shown."""
        self.banner.show_failure(message)
        self.issues.set_report(None)

    def show_issue(self, issue: Issue) -> None:
        """Select a finding's node in the tree and mark its lines in the preview tab shown.

        The finding's own node is used; when it is no longer in the tree (an edit removed it) the
        node at its line and column in the source; failing both, its line in Original.
        """
        session = self._session
        if session is None:
            return
        document = session.document
        node = issue.node
        if document is not None and (node is None or not self.tree.select_node(node)):
            found = document.node_at(issue.line, issue.column or 1) if issue.line is not None else None
            node = found if found is not None and self.tree.select_node(found) else None
        if node is not None and document is not None:
            self.preview.show_node(node)
        elif issue.line is not None:
            self.preview.show_line(issue.line)

    def _show_response(self) -> None:
        """What the message says when it is a Response (the bar hides for any other message)."""
        session = self._session
        view = session.labels.view if session is not None and session.labels is not None else None
        self.response_bar.show_summary(response_summary(view) if view is not None else None)

    # ---------------------------------------------------------------------------- handlers

    def _show_details(self, node: Node | None) -> None:
        session = self._session
        # A message that could not be read has no elements: the tree panel's note says so alone.
        self.side_tabs.setHidden(session is not None and not session.readable)
        if session is None:
            self.details.clear()
        elif not session.readable:
            self.details.clear(NO_ELEMENTS)
        else:
            self.details.show_node(node, session.document, session.labels)

    def _on_tree_node_selected(self, node: Node | None) -> None:
        self._show_details(node)
        self.preview.show_node(node)
        self.sig_node_selected.emit(node)

    def _on_preview_node_clicked(self, node: Node) -> None:
        self.tree.select_node(node)

    def _on_banner_issue_requested(self, issue: Issue) -> None:
        self.issues.select_issue(issue)
        self.show_issue(issue)

    def _on_attachment_open_requested(self, attachment: Attachment) -> None:
        try:
            path = attachments.open_attachment(attachment)
        except (OSError, ValueError) as exc:
            self.sig_problem.emit(f"Could not open the attachment: {exc}", "error")
            return
        self.sig_status_message.emit(f"Opened {path.name} with the system viewer")

    def _on_attachment_save_requested(self, attachment: Attachment) -> None:
        suggested = str(Path(last_directory(self._context.settings)) / attachment.suggested_name)
        path = dialogs.ask_attachment_path(self, suggested)
        if not path:
            return
        try:
            size = attachments.save_attachment(attachment, path)
        except (OSError, ValueError) as exc:
            self.sig_problem.emit(f"Could not save the attachment: {exc}", "error")
            return
        self.sig_status_message.emit(f"Saved {Path(path).name} ({format_size(size)})")
