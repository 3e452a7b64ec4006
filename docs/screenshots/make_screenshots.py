"""Make the screenshots in this folder: ``.venv/bin/python docs/screenshots/make_screenshots.py``.

Runs offscreen with throw-away settings and real ITK3 messages from ``../shared``, in a main
window of 1400 x 900:

* ``main-window.png``: ITK009D in its tab, validated, the handling specification open and the
  MessageHeader selected;
* ``validation.png``: ITK003D (bare-UUID references, missing handling keys), validated, with
  the finding that decides the predicted response selected;
* ``tabs.png``: three tabs in one window: ITK009D, ITK003D with an edit not saved (its tab is
  marked), and a copy of ITK003D cut short, which cannot be read: its tab shows where reading
  stopped, the bytes with that line marked, and the 10009 a receiver would answer;
* ``messages.png``: the Messages view after a session on the local MESH (MESH › Start Local
  MESH): real examples imported, two sent to the auto-responder and answered, one sent to a
  mailbox MESH does not know (kept, failed); the outpatient letter's conversation selected and
  drawn;
* ``mesh-conversation.png``: that MESH conversation on the sequence diagram (message, the
  infrastructure and business Responses, the sender's acknowledgement of the business one).;
* ``response.png``: ITK003D and, in the tab shown, the 10001 Response the workbench's receiver
  sends for it (built by the core): what the Response says, with "Open the message it
  answers", above its own verdict;
* ``compare.png``: ITK003D and ITK004D compared side by side (Tools › Compare…), leaving out
  what changes on every send, the third difference gone to with F8.
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
LETTER = MESSAGES / "ToC-WT02-04-op_letter_full_payload_example_01-corrected.xml"
SIZE = (1400, 900)


def main() -> int:
    """Make the screenshots; return the exit code."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = tempfile.mkdtemp(prefix="wb-shots-")
    os.environ["ITK_WORKBENCH_HOME"] = home
    os.environ["XDG_DATA_HOME"] = str(Path(home) / "data")  # a message store of its own
    os.environ["XDG_CONFIG_HOME"] = str(Path(home) / "config")  # no MESH settings of the user's
    sys.path.insert(0, str(PROJECT))
    from PySide6.QtWidgets import QApplication

    from workbench.gui.app import configure_application

    app = QApplication([sys.argv[0]])
    configure_application(app)
    for make in (main_window, validation, tabs, messages, response, compare):
        if make(app) != 0:
            return 1
    return 0


def _window(app: object) -> object:
    from workbench.gui.context import AppContext
    from workbench.gui.main_window import MainWindow

    window = MainWindow(AppContext())
    window.setWindowIcon(app.windowIcon())  # type: ignore[attr-defined]
    window.resize(*SIZE)
    window.show()
    return window


def _open(app: object, window: object, paths: list[Path]) -> list[object]:
    """Open files as tabs and wait until each is read and, if readable, validated."""
    from PySide6.QtCore import QEventLoop, QTimer

    opened = window.open_files([str(p) for p in paths])  # type: ignore[attr-defined]
    loop = QEventLoop()

    def check() -> None:
        done = all(
            not tab.is_loading() and (not tab.session.readable or tab.validation.result() is not None) for tab in opened
        )
        if done:
            loop.quit()
        else:
            QTimer.singleShot(50, check)

    QTimer.singleShot(50, check)
    QTimer.singleShot(60_000, loop.quit)
    loop.exec()
    return opened


def _save(app: object, window: object, name: str) -> int:
    for _ in range(10):
        app.processEvents()  # type: ignore[attr-defined]
    target = HERE / name
    if not window.grab().save(str(target)):  # type: ignore[attr-defined]
        print(f"could not write {target}", file=sys.stderr)
        return 1
    print(f"saved {target}")
    return 0


def main_window(app: object) -> int:
    """ITK009D, the handling specification open and the MessageHeader selected."""
    window = _window(app)
    [tab] = _open(app, window, [EXAMPLE])
    if tab.session is None or tab.validation.result() is None:
        return 1
    labels = tab.session.labels
    tab.inspector.tree.expand_node(labels.view.handling_extension)
    tab.inspector.tree.select_node(labels.view.header)
    code = _save(app, window, "main-window.png")
    window.close()  # type: ignore[attr-defined]
    return code


def validation(app: object) -> int:
    """ITK003D with the finding that decides the predicted response selected."""
    window = _window(app)
    [tab] = _open(app, window, [DEFECTIVE])
    if tab.validation.result() is None:
        return 1
    inspector = tab.inspector
    inspector.main_splitter.setSizes([560, 300])
    deciding = inspector.banner.deciding_issue()
    if deciding is not None:
        inspector.issues.select_issue(deciding)
        inspector.show_issue(deciding)
    code = _save(app, window, "validation.png")
    window.close()  # type: ignore[attr-defined]
    return code


def tabs(app: object) -> int:
    """Three tabs: ITK009D, ITK003D edited, and ITK003D cut short (unreadable, shown)."""
    from PySide6.QtWidgets import QMessageBox

    folder = Path(tempfile.mkdtemp(prefix="wb-shots-files-"))
    truncated = folder / "ITK003D-cut-short.xml"
    data = DEFECTIVE.read_bytes()
    truncated.write_bytes(data[: len(data) * 2 // 5])
    window = _window(app)
    opened = _open(app, window, [EXAMPLE, DEFECTIVE, truncated])
    edited = opened[1].session
    endpoint = edited.labels.view.header.find("source.endpoint")
    edited.set_value(endpoint, "X26OT001")
    window.tabs.setCurrentWidget(opened[2])  # type: ignore[attr-defined]
    opened[2].inspector.main_splitter.setSizes([600, 260])
    code = _save(app, window, "tabs.png")
    window.close()  # type: ignore[attr-defined]
    box = window.question  # type: ignore[attr-defined]
    if box is not None:
        box.button(QMessageBox.StandardButton.Discard).click()
    return code


def _until(app: object, done: object, seconds: float = 60.0) -> bool:
    """Run the event loop until ``done()`` or the time is up; return ``done()``."""
    import time

    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:  # type: ignore[operator]
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.02)
    return bool(done())  # type: ignore[operator]


def messages(app: object) -> int:
    """The Messages view after a session on the local MESH, and its conversation on the diagram."""
    from PySide6.QtCore import Qt

    from workbench.core.store import MessageStore, Query, default_store_path
    from workbench.core.validation.runner import Validator

    with MessageStore(default_store_path()) as store:
        for path in sorted(MESSAGES.glob("ITK00*.xml"))[:4]:
            store.import_bytes(path.read_bytes(), str(path), Validator())
    window = _window(app)
    feature = window.mesh  # type: ignore[attr-defined]
    service = feature.service
    window.menu_actions["mesh_local"].trigger()  # type: ignore[attr-defined]
    if not _until(app, lambda: service.local() is not None):
        print("the local MESH did not start", file=sys.stderr)
        return 1
    for path, to in ((EXAMPLE, "X26ABC2"), (LETTER, "X26ABC2"), (DEFECTIVE, "X26NOPE9")):
        service.send(path.read_bytes(), path.name, to, None)
        _until(app, lambda: not service.worker.busy())

    def letter() -> list:
        with MessageStore(default_store_path()) as store:
            return store.query(Query(direction="out", event="ITK006D"))

    if not _until(app, lambda: [r.conversation_state for r in letter()] == ["complete"]):
        print("the letter's conversation did not complete", file=sys.stderr)
        return 1
    _until(app, lambda: not service.worker.busy())
    feature.show_messages()
    window.resizeDocks([feature.dock], [610], Qt.Orientation.Vertical)  # type: ignore[attr-defined]
    view = feature.view
    _until(app, lambda: view.model.rowCount() > 0 and view.model.stored(0) is not None)
    view.splitter.setSizes([560, 840])  # room for the diagram whole
    view.select_id(letter()[0].id)
    _until(app, lambda: view.conversation.view() is not None and view.conversation.view().trip is not None)
    code = _save(app, window, "messages.png")
    image = view.conversation.diagram.render_image(scale=1)
    target = HERE / "mesh-conversation.png"
    if code == 0 and not image.save(str(target)):
        print(f"could not write {target}", file=sys.stderr)
        code = 1
    elif code == 0:
        print(f"saved {target}")


def response(app: object) -> int:
    """ITK003D and the 10001 Response to it: the Response's tab shown."""
    from PySide6.QtCore import QEventLoop, QTimer

    from workbench.core.acks.builder import Responder, build_response
    from workbench.core.clock import SequentialIds, VirtualClock
    from workbench.core.codecs import read_file, render

    folder = Path(tempfile.mkdtemp(prefix="wb-shots-files-"))
    answer = folder / "ITK003D-response-10001.xml"
    built = build_response(
        read_file(DEFECTIVE), "10001", Responder("RCV01", "RCV01OT001"), clock=VirtualClock(), ids=SequentialIds("shot")
    )
    answer.write_bytes(render(built.document, "xml"))
    window = _window(app)
    _message, shown = _open(app, window, [DEFECTIVE, answer])
    bar = shown.inspector.response_bar
    loop = QEventLoop()
    QTimer.singleShot(3000, loop.quit)
    window.toolkit.sig_located.connect(loop.quit)  # type: ignore[attr-defined]
    if bar.location().where == "unknown":
        loop.exec()
    if not bar.is_link_shown():
        return 1
    code = _save(app, window, "response.png")
    window.close()  # type: ignore[attr-defined]
    return code


def compare(app: object) -> int:
    """ITK003D and ITK004D side by side."""
    from PySide6.QtCore import QEventLoop

    from workbench.gui.toolkit.compare.work import CompareSource

    window = _window(app)
    compared = window.toolkit.compare(  # type: ignore[attr-defined]
        CompareSource.file(str(DEFECTIVE)), CompareSource.file(str(MESSAGES / "ITK004D_ITK_MentalHealtheDischarge.xml"))
    )
    compared.resize(*SIZE)
    loop = QEventLoop()
    compared.sig_compared.connect(loop.quit)
    compared.sig_compare_failed.connect(loop.quit)
    loop.exec()
    compared.set_ignore_volatile(True)  # compares again
    loop.exec()
    if compared.compared() is None or not compared.compared().result.ignore_volatile:
        return 1
    compared.next_difference()
    compared.next_difference()
    code = _save(app, compared, "compare.png")
    compared.close()
    window.close()  # type: ignore[attr-defined]
    return code


if __name__ == "__main__":
    sys.exit(main())
