"""Attaching: File › Attach… and files dropped on a tab; a real FHIR document becomes the payload,
a PDF an attachment Binary inside it; sizes and the 20015 warning; undo, redo and the saved file."""

from __future__ import annotations

import base64

import pytest
from composehelpers import OPL_DOCUMENT, form_of, new_tab, wait_validated
from conftest import EXAMPLES, require_shared
from guihelpers import PDF, drag_enter, make_window, session_of
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QAction, QDropEvent

from workbench.core.codecs import read_file, render
from workbench.core.compare import first_difference
from workbench.core.itk3.view import message_view
from workbench.gui.compose import composer
from workbench.gui.widgets import dialogs


@pytest.fixture
def window(qtbot):
    return make_window(qtbot)


def drop_on(widget, *paths, at=None) -> QDropEvent:
    """A drop of files on ``widget`` (at its middle, or at ``at`` in its coordinates), in the window's coordinates."""
    window = widget.window()
    point = widget.mapTo(window, at if at is not None else widget.rect().center())
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(
        QPointF(point), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    event.mime = mime  # keep the data alive as long as the event
    return event


def wait_attached(qtbot, session, version: int) -> None:
    qtbot.waitUntil(lambda: session.version > version, timeout=10_000)


def test_attach_a_document_then_drop_a_pdf_on_the_tab(qtbot, window, tmp_path, monkeypatch) -> None:
    document_path = require_shared(EXAMPLES / OPL_DOCUMENT)
    tab = new_tab(window, "ITK006D")
    session = session_of(window)
    form = form_of(window)

    # File › Attach…: the real outpatient letter becomes the payload; focus points at it.
    monkeypatch.setattr(composer, "ask_attach_paths", lambda *args: [str(document_path)])
    version = session.version
    window.menu_actions["attach"].trigger()
    wait_attached(qtbot, session, version)
    view = message_view(session.document)
    assert view.payload_kind == "document bundle" and view.focus[0].resource is view.payload
    assert window.summary.text() == f"ITK006D  ·  {len(view.entries)} entries  ·  XML"  # counted again; no stale size
    # The payload keeps every byte of meaning: the same resource as the file.
    assert first_difference(read_file(document_path).root, view.payload) is None
    assert (
        "Carries a FHIR document" in form.payload.summary.text() and "focus points at it" in form.payload.summary.text()
    )

    # A PDF dropped on the tab: the drop offers a menu; Attach puts it in the document as a Binary.
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(PDF)
    enter = drag_enter(pdf)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()  # any file may be dropped on a tab
    window.dropEvent(drop_on(tab.inspector.tree.view, pdf))
    menu = window.composer.drop_menu
    opening, attaching = menu.findChild(QAction, "dropOpen"), menu.findChild(QAction, "dropAttach")
    assert not opening.isEnabled()  # a PDF is not a message to open
    assert attaching.isEnabled() and attaching.text() == f"Attach to {tab.name()}"
    version = session.version
    attaching.trigger()
    wait_attached(qtbot, session, version)
    view = message_view(session.document)
    [binary] = view.attachments
    assert binary.content_type == "application/pdf" and binary.data() == PDF
    assert window.menu_actions["undo"].text() == "&Undo Attach letter.pdf"  # one step
    assert "letter.pdf: application/pdf" in window.message_bar.message()
    # Sizes: the attachment, and the message against the receiver's limit (measured off the GUI thread).
    assert "letter.pdf: application/pdf, 16.0 KB" in form.payload.attachments.text()
    qtbot.waitUntil(lambda: not form.payload.is_measuring(), timeout=10_000)
    assert form.payload.message_size() == len(session.render())
    assert "Message size:" in form.payload.size_label.text() and "5.0 MB" in form.payload.size_label.text()
    assert form.payload.warning.isHidden()

    # Undo takes the PDF out, redo puts it back; saved, the Binary decodes to the PDF byte for byte.
    window.undo()
    assert message_view(session.document).attachments == []
    window.redo()
    target = tmp_path / "with-pdf.json"
    monkeypatch.setattr(dialogs, "ask_save_target", lambda *args: dialogs.SaveTarget(str(target)))
    assert tab.inspector.preview.tabs.tabText(0) == "Original (not saved)"
    window.save_as_json()
    assert tab.inspector.preview.tabs.tabText(0) == "Original (as saved)"
    saved = message_view(read_file(target))
    assert base64.b64decode(saved.attachments[0].encoded) == PDF
    wait_validated(qtbot, tab)
    errors = [i for i in session.report.issues if i.is_error and not (i.path or "").startswith("Bundle.entry[2]")]
    assert errors == []  # nothing wrong outside the payload


def test_past_the_size_limit_the_form_warns_of_20015(qtbot, window, tmp_path) -> None:
    tab = new_tab(window, "ITK007C")  # a collection: a file goes into a new payload Bundle
    session = session_of(window)
    big = tmp_path / "scan.pdf"
    big.write_bytes(b"%PDF-1.4\n" + bytes(5 * 1024 * 1024 + 10))
    version = session.version
    assert window.composer.attach(tab, [str(big)])
    wait_attached(qtbot, session, version)
    form = form_of(window)
    assert "20015" in window.message_bar.message() and window.message_bar.level() == "warning"
    qtbot.waitUntil(lambda: not form.payload.is_measuring(), timeout=20_000)
    assert not form.payload.warning.isHidden() and "20015" in form.payload.warning.text()
    assert "5.0 MB" in form.payload.attachments.text()


def test_a_fhir_file_dropped_on_a_tab_can_open_in_its_own(qtbot, window, tmp_path) -> None:
    tab = new_tab(window, "ITK003D")
    other = tmp_path / "other.json"
    other.write_bytes(render(session_of(window).document, "json"))
    bar = window.tabs.tabBar()
    window.dropEvent(drop_on(bar, other, at=bar.tabRect(0).center()))  # on the tab in the tab bar
    menu = window.composer.drop_menu
    with qtbot.waitSignal(window.sig_message_opened, timeout=10_000):
        menu.findChild(QAction, "dropOpen").trigger()
    assert [t.name() for t in window.open_tabs()] == [tab.name(), "other.json"]
    # A file that looks like FHIR but is broken is refused, saying where, not hidden in a Binary.
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b'<Bundle xmlns="http://hl7.org/fhir"><type value="document"/>')
    window.tabs.setCurrentWidget(tab)
    assert window.composer.attach(tab, [str(broken)])
    qtbot.waitUntil(lambda: "broken.xml looks like FHIR" in window.message_bar.message(), timeout=10_000)
    assert "line 1" in window.message_bar.message() and not tab.session.can_undo
    # Entries other features add come after Open and Attach, in a group of their own.
    asked = []
    menu = window.composer.drop(
        tab, [str(other)], bar.mapToGlobal(bar.tabRect(0).center()), [("Compare", lambda: asked.append(1))]
    )
    assert menu.actions()[-2].isSeparator() and menu.actions()[-1].text() == "Compare"
    menu.actions()[-1].trigger()
    assert asked == [1]


def test_a_file_dropped_on_a_tab_can_be_compared_with_its_message(qtbot, window, tmp_path) -> None:
    tab = new_tab(window, "ITK003D")
    other = tmp_path / "resent.json"
    other.write_bytes(render(session_of(window).document, "json"))  # the same message in JSON
    window.dropEvent(drop_on(tab.inspector.tree.view, other))
    compare = window.composer.drop_menu.actions()[-1]
    assert compare.text() == f"Compare {tab.session.name} with resent.json"
    compare.trigger()
    [shown] = window.toolkit.compare_windows
    qtbot.addWidget(shown)
    with qtbot.waitSignal(shown.sig_compared, timeout=20_000) as done:
        pass
    assert done.args[0].result.same  # XML as edited and its JSON compare equal
