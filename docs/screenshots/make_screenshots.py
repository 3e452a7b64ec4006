"""Make the screenshots in this folder: ``.venv/bin/python docs/screenshots/make_screenshots.py``.

Runs offscreen with throw-away settings, opens a real ITK3 message from ``../shared`` in the
main window (1400 x 900), waits for its validation, opens the handling specification, selects the
MessageHeader and saves ``main-window.png`` next to this script. Then opens ITK003D (bare-UUID references, missing
handling keys), waits for validation, selects the finding that decides the predicted response
and saves ``validation.png``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent.parent
MESSAGES = PROJECT.parent / "shared" / "itk3" / "examples" / "FHIR_MESH" / "test_messages"
EXAMPLE = MESSAGES / "ITK009D_ITK_Immunization_Document.xml"
DEFECTIVE = MESSAGES / "ITK003D_ITK_eDischarge.xml"


def main() -> int:
    """Make the screenshots; return the exit code."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["ITK_WORKBENCH_HOME"] = tempfile.mkdtemp(prefix="wb-shots-")
    sys.path.insert(0, str(PROJECT))
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from workbench.gui.app import configure_application
    from workbench.gui.context import AppContext
    from workbench.gui.main_window import MainWindow

    app = QApplication([sys.argv[0]])
    configure_application(app)
    window = MainWindow(AppContext())
    window.setWindowIcon(app.windowIcon())
    window.resize(1400, 900)
    window.show()
    loop = QEventLoop()
    window.sig_document_validated.connect(lambda _result: loop.quit())
    window.sig_load_failed.connect(lambda failure: (print(failure.message), loop.quit()))
    window.open_file(str(EXAMPLE))
    QTimer.singleShot(30_000, loop.quit)
    loop.exec()
    document = window.document()
    if document is None:
        return 1
    labels = window.tree.model.context()
    header = labels.view.header
    window.tree.expand_node(labels.view.handling_extension)
    window.tree.select_node(header)
    for _ in range(5):
        app.processEvents()
    target = HERE / "main-window.png"
    window.grab().save(str(target))
    print(f"saved {target}")
    window.close()
    return validation_screenshot(app)


def validation_screenshot(app: object) -> int:
    """Open ITK003D, wait for its validation, show the deciding finding, save ``validation.png``."""
    from PySide6.QtCore import QEventLoop, QTimer

    from workbench.gui.context import AppContext
    from workbench.gui.main_window import MainWindow

    window = MainWindow(AppContext())
    window.setWindowIcon(app.windowIcon())  # type: ignore[attr-defined]
    window.resize(1400, 900)
    window.show()
    loop = QEventLoop()
    window.sig_document_validated.connect(lambda _result: loop.quit())
    window.sig_load_failed.connect(lambda failure: (print(failure.message), loop.quit()))
    window.open_file(str(DEFECTIVE))
    QTimer.singleShot(30_000, loop.quit)
    loop.exec()
    if window.validation.report() is None:
        return 1
    window.workspace.main_splitter.setSizes([560, 300])
    deciding = window.banner.deciding_issue()
    if deciding is not None:
        window.issues.select_issue(deciding)
        window.workspace.show_issue(deciding)
    for _ in range(5):
        app.processEvents()  # type: ignore[attr-defined]
    target = HERE / "validation.png"
    window.grab().save(str(target))
    print(f"saved {target}")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
