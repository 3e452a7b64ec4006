"""The source preview: the message as received, and rendered as XML and as JSON.

"Original" shows the session's bytes (decoded), with the positions the reader recorded; for a
message that could not be read it still shows them, with the line where reading stopped marked,
and for a message made in the workbench and not saved yet it says so. "XML" and "JSON" show the
tree written by the workbench's writers; each is rendered in a worker the first time its tab is
shown (:mod:`.rendering`), read back to learn where each node landed, and aligned with the
original tree. Selecting a node elsewhere marks its lines in the tab on show; clicking in a tab
reports the node under the click.

After an edit (:meth:`PreviewPanel.session_edited`) "XML" and "JSON" are rendered again from
the edited tree (the tab shown at once, the other when it is shown; the old text stays until the
new one is ready); "Original" keeps the bytes as opened or last saved, and its tab title and a
note above the tabs say which ("Original (as opened)", "Original (as saved)"). After a save
(:meth:`PreviewPanel.session_saved`) "Original" shows the bytes saved.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from workbench.core.session import MessageSession
from workbench.core.spans import line_span
from workbench.core.tree import Document, Node, decode_source
from workbench.gui.context import AppContext
from workbench.gui.inspector.highlight import normalise_newlines
from workbench.gui.inspector.rendering import RenderResult, RenderTask
from workbench.gui.inspector.source_view import SourceView
from workbench.gui.tasks import TaskFailure, carrier

ORIGINAL, XML, JSON = "original", "xml", "json"
TAB_TITLES = {ORIGINAL: "Original", XML: "XML", JSON: "JSON"}
EDITED_NOTE = "Edited — Original shows the message {state}; XML and JSON show it with your edits."
NEW_NOTE = "This message has not been saved yet (made or recovered in the workbench): the XML and JSON tabs show it."
UNREADABLE_RENDER = "The message could not be read, so it cannot be shown as {syntax}. Original shows its bytes."


def original_state(session: MessageSession | None) -> str:
    """What the Original tab shows of a session, in words: ``as opened``, ``as saved``, ``not saved``."""
    if session is None:
        return ""
    if session.source is None:
        return "not saved" if session.readable else ""
    return "as saved" if session.source_saved else "as opened"


@dataclass
class _Tab:
    """One tab: its view and how its text relates to the original tree."""

    name: str
    view: SourceView
    document: Document | None = None
    forward: dict[int, Node] | None = None  # None: the text is the original's (identity)
    backward: dict[int, Node] | None = None
    state: str = "empty"  # empty, pending, ready, failed, stale (text of an older version)


class PreviewPanel(QWidget):
    """Tabs with the message's text, following the selection.

    Signals:
        sig_node_clicked(object): The user clicked (or moved the cursor) in a tab; carries the
            node of the *original* tree at that place.
        sig_tab_ready(str): A tab's text is shown in full (``original``, ``xml`` or ``json``),
            after it was filled, or a render finished or failed.

    Args:
        context: The application context (its thread pool runs the renders).
        parent: The Qt parent.
    """

    sig_node_clicked = Signal(object)
    sig_tab_ready = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._session: MessageSession | None = None
        self._selected: Node | None = None
        self._generation = 0
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self._tabs: dict[str, _Tab] = {}
        for name, title in TAB_TITLES.items():
            view = SourceView(self)
            view.setObjectName(f"{name}Source")
            view.sig_position_clicked.connect(
                lambda line, column, tab=name: self._on_position_clicked(tab, line, column)
            )
            view.sig_filled.connect(lambda tab=name: self._on_filled(tab))
            self._tabs[name] = _Tab(name, view)
            self.tabs.addTab(view, title)
        self.tabs.currentChanged.connect(self._on_current_changed)
        self.edited_note = QLabel()
        self.edited_note.setObjectName("editedNote")
        self.edited_note.setWordWrap(True)
        self.edited_note.setStyleSheet(
            "QLabel#editedNote { background: #ddf4ff; color: #0a3069; border: 1px solid #54aeff;"
            " border-radius: 4px; padding: 4px 8px; }"
        )
        self.edited_note.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.edited_note)
        layout.addWidget(self.tabs)

    # ---------------------------------------------------------------------------------- API

    def view(self, name: str) -> SourceView:
        """Return the source view of a tab (``original``, ``xml`` or ``json``)."""
        return self._tabs[name].view

    def tab_document(self, name: str) -> Document | None:
        """Return the document whose positions a tab's text has (None until it is shown)."""
        return self._tabs[name].document

    def tab_node(self, name: str, node: Node) -> Node | None:
        """Return the node of a tab's document that stands for an original node, if known."""
        tab = self._tabs[name]
        if tab.state != "ready":
            return None
        return node if tab.forward is None else tab.forward.get(id(node))

    def is_ready(self, name: str) -> bool:
        """Return whether a tab shows its whole text."""
        tab = self._tabs[name]
        return tab.state == "ready" and not tab.view.is_filling()

    def current_tab(self) -> str:
        """Return the name of the tab shown."""
        return list(self._tabs)[self.tabs.currentIndex()]

    def set_current_tab(self, name: str) -> None:
        """Show a tab (rendering its text if needed)."""
        self.tabs.setCurrentIndex(list(self._tabs).index(name))

    def set_session(self, session: MessageSession | None, text: str | None = None) -> None:
        """Show a session: its bytes now, the renderings when their tabs are shown.

        Args:
            session: The message (None empties the panel).
            text: The bytes decoded for the Original view, when already done off the GUI
                thread; decoded here otherwise.
        """
        self._generation += 1
        self._session = session
        self._selected = None
        for tab in self._tabs.values():
            tab.document, tab.forward, tab.backward, tab.state = None, None, None, "empty"
            tab.view.set_source("", "text")
        self._show_original_state()
        if session is None:
            return
        self._show_original(text)
        if session.source is None and session.readable:
            self.set_current_tab(XML)  # nothing saved yet: the rendering is the message
        self.ensure_rendered(self.current_tab())
        error = session.error
        if error is not None and error.line is not None and session.source is not None:
            self.set_current_tab(ORIGINAL)
            self.view(ORIGINAL).mark_range(error.line, error.line)

    def _show_original(self, text: str | None) -> None:
        session = self._session
        assert session is not None
        original = self._tabs[ORIGINAL]
        if session.source is None:
            note = NEW_NOTE if session.readable else f"Nothing to show: {session.error}"
            original.state = "failed"
            original.view.set_source(note, "text")
            return
        document = session.document
        if text is None:
            text = normalise_newlines(document.text or "" if document is not None else decode_source(session.source))
        original.document = document
        original.state = "ready" if document is not None else "failed"
        original.view.set_source(text, session.syntax)

    def session_edited(self) -> None:
        """The tree was edited: render XML and JSON again; say that Original is as opened or saved."""
        session = self._session
        if session is None or not session.readable:
            return
        self._generation += 1
        self._show_original_state()
        for name in (XML, JSON):
            tab = self._tabs[name]
            if tab.state != "empty":
                tab.state = "stale"  # keeps its text until the new one is ready
        if self.current_tab() != ORIGINAL:
            self.ensure_rendered(self.current_tab())

    def session_saved(self) -> None:
        """The message was saved: Original shows the bytes saved (the tree's positions are theirs now)."""
        if self._session is None:
            return
        self._show_original(None)
        self._show_original_state()
        self._mark(self._tabs[self.current_tab()])

    def is_edited(self) -> bool:
        """Return whether the note that the message was edited is shown."""
        return not self.edited_note.isHidden()

    def _show_original_state(self) -> None:
        """Name the Original tab for what it shows (as opened, as saved) and note edits beyond it."""
        session = self._session
        state = original_state(session)
        self.tabs.setTabText(
            list(self._tabs).index(ORIGINAL), f"{TAB_TITLES[ORIGINAL]} ({state})" if state else "Original"
        )
        edited = session is not None and session.edited and session.source is not None
        self.edited_note.setText(EDITED_NOTE.format(state=state) if edited else "")
        self.edited_note.setVisible(edited)

    def ensure_rendered(self, name: str) -> None:
        """Start rendering a tab's text if it has none yet (or only that of an older version)."""
        tab = self._tabs[name]
        session = self._session
        if session is None or tab.state not in ("empty", "stale") or name == ORIGINAL:
            return
        document = session.document
        if document is None:
            tab.state = "failed"
            tab.view.set_source(UNREADABLE_RENDER.format(syntax=TAB_TITLES[name]), "text")
            return
        stale = tab.state == "stale"
        tab.state = "pending"
        if not stale:
            tab.view.set_source(f"Rendering {TAB_TITLES[name]}…", "text")
        signals = carrier(self._context.carriers, self._on_render_ready, self._on_render_failed)  # type: ignore[arg-type]
        self._context.pool.start(RenderTask(document, name, self._generation, signals))

    def show_node(self, node: Node | None) -> None:
        """Mark the lines of a node (of the original tree) in the tab shown."""
        self._selected = node
        self._mark(self._tabs[self.current_tab()])

    def show_line(self, line: int) -> None:
        """Show Original with one line marked (a finding that has a line but no node)."""
        self._selected = None
        self.set_current_tab(ORIGINAL)
        self.view(ORIGINAL).mark_range(line, line)

    # ---------------------------------------------------------------------------- helpers

    def _mark(self, tab: _Tab) -> None:
        node = self._selected
        if tab.state != "ready" or tab.document is None or node is None:
            if tab.document is not None or tab.name != ORIGINAL:
                tab.view.clear_mark()  # (an unreadable message's Original keeps its error line marked)
            return
        target: Node | None = node
        if tab.forward is not None:
            target = None
            current: Node | None = node
            while current is not None and target is None:  # nearest ancestor the text has
                target = tab.forward.get(id(current))
                current = current.parent
        span = line_span(tab.document, target) if target is not None else None
        if span is None:
            tab.view.clear_mark()
        else:
            tab.view.mark_range(*span)

    # ---------------------------------------------------------------------------- handlers

    def _on_filled(self, name: str) -> None:
        if self._tabs[name].state in ("ready", "failed"):
            self.sig_tab_ready.emit(name)

    def _on_current_changed(self, _index: int) -> None:
        tab = self._tabs[self.current_tab()]
        if tab.state in ("empty", "stale"):
            self.ensure_rendered(tab.name)
        else:
            self._mark(tab)

    def _on_render_ready(self, result: RenderResult) -> None:
        if result.generation != self._generation:
            return
        tab = self._tabs[result.syntax]
        tab.document, tab.forward, tab.backward = result.document, result.forward, result.backward
        tab.state = "ready"
        tab.view.set_source(result.text, result.syntax)
        self._mark(tab)

    def _on_render_failed(self, failure: TaskFailure) -> None:
        if failure.generation != self._generation:
            return
        tab = self._tabs.get(failure.task)
        if tab is not None and tab.state == "pending":
            tab.state = "failed"
            tab.view.set_source(failure.message, "text")

    def _on_position_clicked(self, name: str, line: int, column: int) -> None:
        tab = self._tabs[name]
        document = tab.document
        if tab.state != "ready" or document is None:
            return
        # A click in a line's indentation means the element the line starts.
        text = tab.view.document().findBlockByNumber(line - 1).text()
        column = max(column, len(text) - len(text.lstrip()) + 1)
        node = document.node_at(line, column)
        # On a line that only closes elements, take the element being closed.
        while node is not None and node.parent is not None:
            span = line_span(document, node)
            if span is None or line <= span[1]:
                break
            node = node.parent
        if node is not None and tab.backward is not None:
            original = None
            while node is not None and original is None:
                original = tab.backward.get(id(node))
                node = node.parent
            node = original
        if node is not None:
            self.sig_node_clicked.emit(node)
