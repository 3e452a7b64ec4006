"""Start the desktop application: ``itk-workbench [FILE...]``.

``run_gui`` creates the QApplication (name, organisation, icon, style) and one main window,
reopens the tabs of the last run (unless that is switched off), opens each file given in a tab
of its own, offers back the unsaved edits a crash or kill left (autosaves), and runs the event
loop. With ``--smoke`` (or ``ITK_WORKBENCH_SMOKE=1``) it shows
the window, waits until every tab has read its message, prints one line per tab (its name, and
whether it could be read), saves a picture of the window to the path in
``ITK_WORKBENCH_SMOKE_PNG`` if set, and quits 300 ms later: exit 0 when every message could be
read, 1 otherwise. The subprocess smoke tests use this to run the real entry point.
"""

from __future__ import annotations

import os
import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from workbench.gui.context import APPLICATION, ORGANISATION, AppContext
from workbench.gui.icon import app_icon
from workbench.gui.main_window import MainWindow

SMOKE_FLAG = "--smoke"
SMOKE_VARIABLE = "ITK_WORKBENCH_SMOKE"
SMOKE_PNG_VARIABLE = "ITK_WORKBENCH_SMOKE_PNG"
SMOKE_QUIT_MS = 300
SMOKE_TIMEOUT_MS = 60_000


def configure_application(app: QApplication) -> None:
    """Give the application its names, icon and a calm, light look (the Fusion style)."""
    app.setApplicationName(APPLICATION)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationDisplayName(APPLICATION)
    app.setWindowIcon(app_icon())
    app.setStyle("Fusion")
    palette = app.palette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#f6f8fa"),
        (QPalette.ColorRole.Base, "#ffffff"),
        (QPalette.ColorRole.AlternateBase, "#f6f8fa"),
        (QPalette.ColorRole.Text, "#1f2328"),
        (QPalette.ColorRole.WindowText, "#1f2328"),
        (QPalette.ColorRole.Button, "#f6f8fa"),
        (QPalette.ColorRole.Highlight, "#0969da"),
        (QPalette.ColorRole.HighlightedText, "#ffffff"),
        (QPalette.ColorRole.ToolTipBase, "#ffffff"),
        (QPalette.ColorRole.ToolTipText, "#1f2328"),
    ):
        palette.setColor(role, QColor(colour))
    app.setPalette(palette)


def run_gui(files: list[str]) -> int:
    """Open the main window with a tab per file and run until it closes; return the exit code."""
    smoke = SMOKE_FLAG in files or os.environ.get(SMOKE_VARIABLE) == "1"
    paths = [f for f in files if f != SMOKE_FLAG]
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "itk-workbench"])
    assert isinstance(app, QApplication)
    configure_application(app)
    window = MainWindow(AppContext())
    window.setWindowIcon(app.windowIcon())
    window.show()
    window.restore_last_tabs()
    window.open_files(paths)
    window.composer.offer_recovery()  # the unsaved edits of a run that crashed or was killed
    if smoke:
        _arrange_smoke_exit(app, window)
    code = app.exec()
    return code if not smoke else getattr(app, "_smoke_code", 1)


def _arrange_smoke_exit(app: QApplication, window: MainWindow) -> None:
    """Quit 300 ms after every tab has read its message, saving a picture first if asked."""
    started = time.monotonic()

    def finish() -> None:
        target = os.environ.get(SMOKE_PNG_VARIABLE)
        if target:
            window.grab().save(target)
        unreadable = False
        for tab in window.open_tabs():
            read = tab.session is not None and tab.session.readable
            unreadable = unreadable or not read
            print(f"tab: {tab.name()}: {'read' if read else 'could not be read'}", flush=True)
        app._smoke_code = 1 if unreadable or window.is_loading() else 0  # type: ignore[attr-defined]
        window.close()
        app.quit()

    def check() -> None:
        if window.is_loading() and time.monotonic() - started < SMOKE_TIMEOUT_MS / 1000:
            QTimer.singleShot(50, check)
        else:
            QTimer.singleShot(SMOKE_QUIT_MS, finish)

    QTimer.singleShot(0, check)
