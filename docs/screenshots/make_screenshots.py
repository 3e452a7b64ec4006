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
  infrastructure and business Responses, the sender's acknowledgement of the business one);
* ``response.png``: ITK003D and, in the tab shown, the 10001 Response the workbench's receiver
  sends for it (built by the core): what the Response says, with "Open the message it
  answers", above its own verdict;
* ``compare.png``: ITK003D and ITK004D compared side by side (Tools › Compare…), leaving out
  what changes on every send, the third difference gone to with F8;
* ``new-dialog.png``: File › New… with ITK006D chosen, a receiver given;
* ``header-form.png``: a new ITK006D message around the NHS's outpatient letter example, its
  header form beside the tree (SenderReference typed, the flags' pattern in words);
* ``pdf-attached.png``: the same message with a PDF dropped on its tab: the Binary inside the
  document selected, the form's payload section listing it with its size and the message's;
* ``negative-test.png``: Tools › Make Negative Test… over the outpatient letter, 20014 made: the
  copy in its tab behind, the dialog saying what changed and offering the receiver settings.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent.parent
MESSAGES = PROJECT.parent / "shared" / "itk3" / "examples" / "FHIR_MESH" / "test_messages"
EXAMPLE = MESSAGES / "ITK009D_ITK_Immunization_Document.xml"
DEFECTIVE = MESSAGES / "ITK003D_ITK_eDischarge.xml"
LETTER = MESSAGES / "ToC-WT02-04-op_letter_full_payload_example_01-corrected.xml"
SIZE = (1400, 900)
OPL_DOCUMENT = PROJECT.parent / "shared" / "itk3" / "examples" / "STU3-FHIR-Assets" / "Examples"
OPL_DOCUMENT = OPL_DOCUMENT / "ITK-OPL-Document-Bundle-1-Example-1.xml"


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
    for make in (main_window, validation, tabs, messages, response, compare, new_dialog, header_form, negative_test):
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

    opened = window.open_files([str(p) for p in paths])  # type: ignore[attr-defined]
    _wait(
        app,
        60,
        lambda: all(
            not tab.is_loading() and (not tab.session.readable or tab.validation.result() is not None) for tab in opened
        ),
    )
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
    _close_discarding(window)
    return code


def _close_discarding(window: object) -> None:
    """Close a window whose tabs have unsaved edits, discarding them."""
    from PySide6.QtWidgets import QMessageBox

    window.close()  # type: ignore[attr-defined]
    box = window.question  # type: ignore[attr-defined]
    if box is not None:
        box.button(QMessageBox.StandardButton.Discard).click()


def _wait(app: object, seconds: float, done: object = None) -> None:
    """Let the event loop run until ``done()`` is true (or ``seconds`` pass)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    deadline = time.monotonic() + seconds

    def check() -> None:
        if (done is not None and done()) or time.monotonic() > deadline:  # type: ignore[operator]
            loop.quit()
        else:
            QTimer.singleShot(50, check)

    QTimer.singleShot(50, check)
    loop.exec()


def new_dialog(app: object) -> int:
    """File › New… with ITK006D chosen and a receiver."""
    window = _window(app)
    dialog = window.composer.new_message()  # type: ignore[attr-defined]
    dialog.choose_event("ITK006D")
    dialog.receiver_field.set_kind("ods")
    dialog.receiver_field.set_code("RCV01")
    _wait(app, 0.3)
    target = HERE / "new-dialog.png"
    saved = dialog.grab().save(str(target))
    print(f"saved {target}" if saved else f"could not write {target}", file=sys.stdout if saved else sys.stderr)
    dialog.reject()
    window.close()  # type: ignore[attr-defined]
    return 0 if saved else 1


def header_form(app: object) -> int:
    """A new ITK006D message around the outpatient letter example; then a PDF dropped on its tab."""
    from PySide6.QtWidgets import QScrollArea

    from workbench.core.compose.skeleton import MessageSpec, Party
    from workbench.gui.compose.new_dialog import NewMessageRequest

    folder = Path(tempfile.mkdtemp(prefix="wb-shots-files-"))
    pdf = folder / "outpatient-letter.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 1200 + b"\n%%EOF\n")
    window = _window(app)
    spec = MessageSpec("ITK006D", receiver=Party("ods", "RCV01"), mailbox="X26OT112")
    tab = window.composer.create(NewMessageRequest(spec, "xml"))  # type: ignore[attr-defined]
    session = tab.session
    window.composer.attach(tab, [str(OPL_DOCUMENT)])  # type: ignore[attr-defined]
    _wait(app, 20, lambda: session.can_undo)
    form = window.composer.header_form(tab)  # type: ignore[attr-defined]
    form.set_field("sender_reference", "OPL-2024-000187")
    form.set_field("local_extension", "None")
    inspector = tab.inspector
    inspector.main_splitter.setSizes([760, 100])
    inspector.left_splitter.setSizes([170, 680])
    inspector.splitter.setSizes([640, 760])
    window.message_bar.clear()  # type: ignore[attr-defined]
    _wait(app, 20, lambda: not tab.validation.is_busy() and session.report_current)
    code = _save(app, window, "header-form.png")
    if code:
        return code
    steps = session.version
    window.composer.attach(tab, [str(pdf)])  # type: ignore[attr-defined]  # as "Attach to" from a drop
    _wait(app, 20, lambda: session.version > steps)
    binary = next(a.node for a in session.labels.view.attachments if a.content_type == "application/pdf")
    inspector.tree.collapse_all()
    inspector.tree.select_node(binary)
    inspector.tree.expand_node(binary)
    scroll = form.findChild(QScrollArea)
    _wait(app, 20, lambda: not form.payload.is_measuring() and not tab.validation.is_busy())
    scroll.ensureWidgetVisible(form.payload)
    window.message_bar.clear()  # type: ignore[attr-defined]
    code = _save(app, window, "pdf-attached.png")
    _close_discarding(window)
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
    feature.dock.hide()  # remembered: the later pictures show the window without the view
    window.close()  # type: ignore[attr-defined]
    return code


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


def negative_test(app: object) -> int:
    """The outpatient letter, a 20014 negative test made from it, the dialog over the window."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QColor, QPainter

    window = _window(app)
    [original] = _open(app, window, [LETTER])
    if original.session is None or original.validation.result() is None:
        return 1
    dialog = window.composer.make_negative()  # type: ignore[attr-defined]
    dialog.choose_code("20014")
    dialog.make_button.click()
    _wait(app, 60, lambda: len(window.open_tabs()) > 1 or dialog.problem.isVisible())  # type: ignore[attr-defined]
    if len(window.open_tabs()) < 2:  # type: ignore[attr-defined]
        return 1
    _wait(app, 60, lambda: window.current_tab().validation.result() is not None)  # type: ignore[attr-defined]
    _wait(app, 0.3)
    dialog.choose_code("20014")  # scrolled to, now that the table has its size
    _wait(app, 0.3)
    image = window.grab()  # type: ignore[attr-defined]
    shown = dialog.grab()
    at = QPoint((image.width() - shown.width()) // 2, 120)
    painter = QPainter(image)  # the dialog drawn over the window, framed, as a user sees it
    painter.drawPixmap(at, shown)
    painter.setPen(QColor("#57606a"))
    painter.drawRect(at.x() - 1, at.y() - 1, shown.width() + 1, shown.height() + 1)
    painter.end()
    target = HERE / "negative-test.png"
    saved = image.save(str(target))
    print(f"saved {target}" if saved else f"could not write {target}", file=sys.stdout if saved else sys.stderr)
    dialog.close()
    _close_discarding(window)
    return 0 if saved else 1


if __name__ == "__main__":
    sys.exit(main())
