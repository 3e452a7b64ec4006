"""Save docs/screenshots/sequence-diagram.png: the Simulate window after a Full Acknowledgement.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshot_simulate.py [OUT.png]``.
The window is built with settings in a temporary folder; a round trip rejected with 20009 is run,
then the Full Acknowledgement button is clicked, and the window is grabbed once it is drawn.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("ITK_WORKBENCH_HOME", tempfile.mkdtemp(prefix="itk-shot-"))

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from workbench.gui.app import configure_application
from workbench.gui.context import AppContext
from workbench.gui.simulate.window import SimulateWindow

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots" / "sequence-diagram.png"


def main(out: Path) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_application(app)  # type: ignore[arg-type]
    window = SimulateWindow(AppContext())
    window.resize(1500, 940)
    window.splitter.setSizes([410, 1090])
    window.right_splitter.setSizes([700, 170])
    window.show()
    # A rejected round trip first, so the conversation list shows both outcomes.
    for start in (window.send_panel.negative_actions["20009"].trigger, window.send_panel.pattern_buttons["full"].click):
        loop = QEventLoop()
        window.sig_run_finished.connect(loop.quit)
        window.sig_run_failed.connect(loop.quit)
        QTimer.singleShot(60_000, loop.quit)
        start()
        loop.exec()
        window.sig_run_finished.disconnect(loop.quit)
        window.sig_run_failed.disconnect(loop.quit)
    if window.diagram.trip() is None or window.model.rowCount() != 2:
        print("the round trip did not finish", file=sys.stderr)
        return 1
    for _ in range(5):
        app.processEvents()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(out)):
        print(f"could not write {out}", file=sys.stderr)
        return 1
    print(out)
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
