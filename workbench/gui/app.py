"""Start the desktop application: ``itk-workbench [FILE...]``.

``run_gui`` creates the QApplication (name, organisation, icon, style), one window per file
(or one empty window), and runs the event loop. With ``--smoke`` (or ``ITK_WORKBENCH_SMOKE=1``)
it shows the windows, waits until the files are read, saves a picture of the first window to
the path in ``ITK_WORKBENCH_SMOKE_PNG`` if set, and quits 300 ms later: exit 0 when every file
opened, 1 otherwise. The subprocess smoke test uses this to run the real entry point.
"""

from __future__ import annotations

import os
import sys

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
    """Open the main window with ``files`` and run until it closes; return the exit code."""
    smoke = SMOKE_FLAG in files or os.environ.get(SMOKE_VARIABLE) == "1"
    paths = [f for f in files if f != SMOKE_FLAG]
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "itk-workbench"])
    assert isinstance(app, QApplication)
    configure_application(app)
    context = AppContext()
    windows = [MainWindow(context) for _ in range(max(1, len(paths)))]
    for window in windows:
        window.setWindowIcon(app.windowIcon())
        window.show()
    if smoke:
        _arrange_smoke_exit(app, windows, len(paths))
    for window, path in zip(windows, paths, strict=False):
        window.open_file(path)
    code = app.exec()
    return code if not smoke else getattr(app, "_smoke_code", 1)


def _arrange_smoke_exit(app: QApplication, windows: list[MainWindow], files: int) -> None:
    """Quit 300 ms after every file is read (or failed), saving a picture first if asked."""
    state = {"waiting": files, "failed": False, "done": False}

    def finish() -> None:
        if state["done"]:
            return
        state["done"] = True
        target = os.environ.get(SMOKE_PNG_VARIABLE)
        if target:
            windows[0].grab().save(target)
        app._smoke_code = 1 if state["failed"] or state["waiting"] else 0  # type: ignore[attr-defined]
        for window in windows:
            window.close()
        app.quit()

    def settled(failed: bool) -> None:
        state["waiting"] -= 1
        state["failed"] = state["failed"] or failed
        if state["waiting"] <= 0:
            QTimer.singleShot(SMOKE_QUIT_MS, finish)

    for window in windows:
        window.sig_document_loaded.connect(lambda _document: settled(False))
        window.sig_load_failed.connect(lambda _failure: settled(True))
    if files == 0:
        QTimer.singleShot(SMOKE_QUIT_MS, finish)
    QTimer.singleShot(SMOKE_TIMEOUT_MS, finish)
