"""The panels of one message, laid out and kept in step.

The verdict banner sits on top; below it the structure tree and the details pane (left), the
source preview (right), and the issues panel along the bottom. Selecting a row shows its details
and marks its lines; clicking in the preview selects the row; activating an issue (or the banner)
selects the finding's node and marks its source lines. Attachments open with the system's
viewer or are saved from the tree's and the details pane's actions.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from workbench.core.itk3.labels import LabelContext, format_size
from workbench.core.itk3.view import Attachment
from workbench.core.tree import Document, Node
from workbench.core.validation.issue import Issue
from workbench.core.validation.runner import Report
from workbench.gui import dialogs, saving
from workbench.gui.context import AppContext
from workbench.gui.panels.banner import ResponseBanner
from workbench.gui.panels.details_panel import DetailsPanel
from workbench.gui.panels.issues import IssuesPanel
from workbench.gui.panels.preview_panel import ORIGINAL, PreviewPanel
from workbench.gui.panels.tree_panel import TreePanel
from workbench.gui.window_layout import last_directory


class MessageWorkspace(QWidget):
    """Banner, tree, details, preview and issues of the message shown.

    Signals:
        sig_status_message(str): Something done that the status bar should say.
        sig_problem(str, str): Something failed; carries the text and the level (``error``,
            ``warning``) for the message bar.

    Args:
        context: The application context (the preview renders in its thread pool).
        parent: The Qt parent.
    """

    sig_status_message = Signal(str)
    sig_problem = Signal(str, str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._document: Document | None = None
        self._labels: LabelContext | None = None
        self.banner = ResponseBanner()
        self.tree = TreePanel()
        self.details = DetailsPanel()
        self.preview = PreviewPanel(context)
        self.issues = IssuesPanel()
        self.left_splitter = QSplitter(Qt.Orientation.Vertical)
        self.left_splitter.addWidget(self.tree)
        self.left_splitter.addWidget(self.details)
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

    def labels(self) -> LabelContext | None:
        """Return the labels' context of the message shown."""
        return self._labels

    def show_document(self, document: Document | None, labels: LabelContext | None) -> None:
        """Show a message (None empties the panels)."""
        self._document, self._labels = document, labels
        self.details.clear()
        self.preview.set_document(document)
        self.tree.set_document(document, labels)
        self.issues.set_report(None)
        self.banner.clear()

    def document_edited(self, labels: LabelContext) -> None:
        """The message was edited: relabel the rows, refresh the details, render the text again."""
        self._labels = labels
        self.tree.set_context(labels)
        self.details.show_node(self.tree.current_node(), self._document, labels)
        self.preview.document_edited()

    def show_report(self, report: Report) -> None:
        """Show a validation's verdict and findings."""
        self.banner.show_report(report)
        self.issues.set_report(report)

    def show_issue(self, issue: Issue) -> None:
        """Select a finding's node in the tree and mark its lines in the preview tab shown.

        The finding's own node is used; when it is no longer in the tree (an edit removed it) the
        node at its line and column in the source; failing both, its line in Original.
        """
        document = self._document
        if document is None:
            return
        node = issue.node
        if node is None or not self.tree.select_node(node):
            found = document.node_at(issue.line, issue.column or 1) if issue.line is not None else None
            node = found if found is not None and self.tree.select_node(found) else None
        if node is not None:
            self.preview.show_node(node)
        elif issue.line is not None:
            self.preview.set_current_tab(ORIGINAL)
            self.preview.view(ORIGINAL).mark_range(issue.line, issue.line)

    # ---------------------------------------------------------------------------- handlers

    def _on_tree_node_selected(self, node: Node | None) -> None:
        self.details.show_node(node, self._document, self._labels)
        self.preview.show_node(node)

    def _on_preview_node_clicked(self, node: Node) -> None:
        self.tree.select_node(node)

    def _on_banner_issue_requested(self, issue: Issue) -> None:
        self.issues.select_issue(issue)
        self.show_issue(issue)

    def _on_attachment_open_requested(self, attachment: Attachment) -> None:
        try:
            path = saving.open_attachment(attachment)
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
            size = saving.save_attachment(attachment, path)
        except (OSError, ValueError) as exc:
            self.sig_problem.emit(f"Could not save the attachment: {exc}", "error")
            return
        self.sig_status_message.emit(f"Saved {Path(path).name} ({format_size(size)})")
