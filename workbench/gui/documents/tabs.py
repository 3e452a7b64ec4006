"""The tab widget of the main window: one tab per open message.

Document-mode tabs with a close button each; a middle click on a tab closes it too; tabs can
be dragged into another order. A tab's text is the message's name with ``*`` while it has
unsaved edits, its tooltip the full name and where the message comes from, and a message that
could not be read carries a warning icon. Closing is only asked for
(:attr:`DocumentTabs.sig_close_requested`): the window decides, as it may have to ask about
unsaved edits first.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QIcon, QMouseEvent
from PySide6.QtWidgets import QStyle, QTabWidget, QWidget

from workbench.gui.documents.tab import MessageTab


class DocumentTabs(QTabWidget):
    """The open messages, one :class:`MessageTab` each.

    Signals:
        sig_close_requested(object): The user asked to close a tab (its close button, or a
            middle click); carries the :class:`MessageTab`.

    Args:
        parent: The Qt parent.
    """

    sig_close_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentTabs")
        self.setDocumentMode(True)
        self.setTabsClosable(True)
        self.setMovable(True)
        self.setUsesScrollButtons(True)
        self.setElideMode(Qt.TextElideMode.ElideMiddle)
        self.tabBar().setExpanding(False)
        self.tabBar().installEventFilter(self)
        self.tabCloseRequested.connect(self._on_tab_close_requested)

    # ---------------------------------------------------------------------------------- API

    def add(self, tab: MessageTab, at: int = -1) -> None:
        """Add a tab after the others (or at index ``at``) and show it."""
        index = self.insertTab(at, tab, tab.title())
        tab.sig_state_changed.connect(lambda tab=tab: self.refresh(tab))
        self.refresh(tab)
        self.setCurrentIndex(index)

    def tabs(self) -> list[MessageTab]:
        """Return the tabs in the order shown."""
        return [tab for i in range(self.count()) if isinstance(tab := self.widget(i), MessageTab)]

    def current(self) -> MessageTab | None:
        """Return the tab shown, if any."""
        tab = self.currentWidget()
        return tab if isinstance(tab, MessageTab) else None

    def refresh(self, tab: MessageTab) -> None:
        """Show a tab's title, mark, icon and tooltip as they are now."""
        index = self.indexOf(tab)
        if index < 0:
            return
        self.setTabText(index, tab.title())
        self.setTabToolTip(index, tab.tooltip())
        session = tab.session
        unreadable = session is not None and not session.readable
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning) if unreadable else QIcon()
        self.setTabIcon(index, icon)

    def unused_name(self, name: str) -> str:
        """Return ``name``, or ``name 2``, ``name 3``... whichever no tab is called yet."""
        taken = {tab.name() for tab in self.tabs()}
        unique, number = name, 2
        while unique in taken:
            unique, number = f"{name} {number}", number + 1
        return unique

    def step(self, delta: int) -> None:
        """Show the next (1) or previous (-1) tab, wrapping around."""
        if self.count() > 1:
            self.setCurrentIndex((self.currentIndex() + delta) % self.count())

    # ------------------------------------------------------------------------ Qt overrides

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Override QObject::eventFilter: a middle click on a tab asks to close it."""
        if (
            watched is self.tabBar()
            and event.type() == QEvent.Type.MouseButtonRelease
            and isinstance(event, QMouseEvent)
            and event.button() == Qt.MouseButton.MiddleButton
        ):
            index = self.tabBar().tabAt(event.position().toPoint())
            if index >= 0:
                self._on_tab_close_requested(index)
                return True
        return super().eventFilter(watched, event)

    # ---------------------------------------------------------------------------- handlers

    def _on_tab_close_requested(self, index: int) -> None:
        tab = self.widget(index)
        if isinstance(tab, MessageTab):
            self.sig_close_requested.emit(tab)
