"""Make the screenshots in this folder: ``.venv/bin/python docs/screenshots/make_screenshots.py``.

Runs offscreen with throw-away settings, opens a real ITK3 message from ``../shared`` in the
main window (1400 x 900), opens the handling specification, selects the MessageHeader and saves
``main-window.png`` next to this script.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent.parent
EXAMPLE = PROJECT.parent / "shared" / "itk3" / "examples" / "FHIR_MESH" / "test_messages" / "ITK009D_ITK_Immunization_Document.xml"


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
    window.sig_document_loaded.connect(lambda _document: loop.quit())
    window.sig_load_failed.connect(lambda failure: (print(failure.message), loop.quit()))
    window.open_file(str(EXAMPLE))
    QTimer.singleShot(20_000, loop.quit)
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
