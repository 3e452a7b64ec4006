"""What the compose tools need of the window they serve (a narrow protocol, not the window itself)."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import QStatusBar

from workbench.core.session import MessageSession
from workbench.gui.documents.tab import MessageTab
from workbench.gui.simulate.window import SimulateWindow
from workbench.gui.widgets.message_bar import MessageBar


class ComposeHost(Protocol):
    """The window, as the compose tools see it.

    Attributes:
        message_bar: Where refusals and notes are shown, without blocking.
    """

    message_bar: MessageBar

    def current_tab(self) -> MessageTab | None:
        """Return the tab shown, if any."""
        ...

    def open_tabs(self) -> list[MessageTab]:
        """Return the tabs, in the order shown."""
        ...

    def open_session(self, session: MessageSession) -> MessageTab:
        """Show a session made here (a new message, a Response, a recovered one) in a new tab."""
        ...

    def open_files(self, paths: list[str]) -> list[MessageTab]:
        """Open files, each in its tab."""
        ...

    def show_simulate(self) -> SimulateWindow:
        """Show the Simulate window; return it."""
        ...

    def statusBar(self) -> QStatusBar:
        """Return the status bar."""
        ...
