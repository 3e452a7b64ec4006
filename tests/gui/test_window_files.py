"""Files in the main window: errors, drag and drop, recent files, saving, attachments."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLES, require_shared
from guihelpers import (
    LOAD_TIMEOUT_MS,
    PDF,
    index_labelled,
    labels,
    make_window,
    message_with_binary,
    open_and_wait,
)
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent

from workbench.core.codecs import read_file
from workbench.core.compare import first_difference
from workbench.core.tree import COMMENT, ELEMENT, Node
from workbench.gui import dialogs, saving
from workbench.gui.context import MAX_RECENT, AppContext, RecentFiles
from workbench.gui.dialogs import SaveTarget
from workbench.gui.main_window import MainWindow

ITK009D = EXAMPLES / "FHIR_MESH" / "test_messages" / "ITK009D_ITK_Immunization_Document.xml"
BAD_XML = b"""<Bundle xmlns="http://hl7.org/fhir">
  <id value="x"/>
  <type value="message">
</Bundle>
"""


@pytest.fixture
def window(qtbot) -> MainWindow:
    return make_window(qtbot)


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "with-binary.xml"
    path.write_bytes(message_with_binary())
    return path


def test_a_bad_file_names_line_and_column_and_keeps_the_previous_message(qtbot, window, small, tmp_path) -> None:
    open_and_wait(qtbot, window, small)
    before = window.document()
    bad = tmp_path / "broken.xml"
    bad.write_bytes(BAD_XML)
    with qtbot.waitSignal(window.sig_load_failed, timeout=LOAD_TIMEOUT_MS) as blocker:
        window.open_file(str(bad))
    failure = blocker.args[0]
    assert (failure.line, failure.column) == (4, 3)
    text = window.message_bar.message()
    assert window.message_bar.level() == "error"
    assert "broken.xml" in text and "line 4" in text and "column 3" in text
    assert "Traceback" not in text
    assert window.document() is before
    assert labels(window.tree.model)[0] == "Bundle (message)"
    assert window.windowTitle().startswith("with-binary.xml")
    # Opening a good file clears the message.
    open_and_wait(qtbot, window, small)
    assert window.message_bar.message() == ""


def test_a_missing_file_is_reported(qtbot, window, tmp_path) -> None:
    with qtbot.waitSignal(window.sig_load_failed, timeout=LOAD_TIMEOUT_MS):
        window.open_file(str(tmp_path / "nowhere.xml"))
    assert "nowhere.xml" in window.message_bar.message() and "no such file" in window.message_bar.message()
    assert window.document() is None


def test_drag_and_drop_opens_xml_and_json_files_only(qtbot, window, small, tmp_path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(small))])
    enter = QDragEnterEvent(
        QPoint(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    with qtbot.waitSignal(window.sig_document_loaded, timeout=LOAD_TIMEOUT_MS):
        window.dropEvent(drop)
    assert window.document().path == str(small)

    other = QMimeData()
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    other.setUrls([QUrl.fromLocalFile(str(text))])
    refused = QDragEnterEvent(
        QPoint(5, 5), Qt.DropAction.CopyAction, other, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    window.dragEnterEvent(refused)
    assert not refused.isAccepted()


def test_recent_files_are_recorded_and_reopen(qtbot, window, small, tmp_path) -> None:
    open_and_wait(qtbot, window, small)
    recent = window._context.recent
    assert recent.paths() == [str(small.resolve())]
    window.close_document()
    menu = window.submenus["recent"]
    menu.aboutToShow.emit()
    entry = next(a for a in menu.actions() if a.text().endswith("with-binary.xml"))
    with qtbot.waitSignal(window.sig_document_loaded, timeout=LOAD_TIMEOUT_MS):
        entry.trigger()
    assert window.document() is not None

    gone = tmp_path / "gone.xml"
    gone.write_bytes(message_with_binary())
    open_and_wait(qtbot, window, gone)
    gone.unlink()
    menu.aboutToShow.emit()
    stale = next(a for a in menu.actions() if a.text().endswith("gone.xml"))
    stale.trigger()
    assert str(gone.resolve()) not in recent.paths()
    assert "no longer exists" in window.message_bar.message()


def test_recent_list_is_kept_in_settings_and_limited(qapp, tmp_path) -> None:
    context = AppContext()
    for i in range(MAX_RECENT + 3):
        context.recent.add(str(tmp_path / f"m{i}.xml"))
    again = RecentFiles(AppContext().settings)  # a new settings object reads the same file
    paths = again.paths()
    assert len(paths) == MAX_RECENT and paths[0].endswith(f"m{MAX_RECENT + 2}.xml")
    assert Path(context.settings.fileName()).is_relative_to(Path(__import__("os").environ["ITK_WORKBENCH_HOME"]))


def test_layout_is_remembered(qtbot, tmp_path) -> None:
    first = make_window(qtbot)
    first.splitter.setSizes([400, 1000])
    wanted = first.splitter.sizes()
    first.close()
    second = make_window(qtbot)
    assert second.splitter.sizes() == wanted


@pytest.mark.parametrize("keep_xml", [False, True])
def test_save_as_json_reads_back_to_the_same_tree(qtbot, window, monkeypatch, tmp_path, keep_xml) -> None:
    open_and_wait(qtbot, window, require_shared(ITK009D))
    target = tmp_path / "saved.json"
    offered = []

    def ask(parent, syntax, suggested, offer_keep_xml):
        offered.append((syntax, Path(suggested).name, offer_keep_xml))
        return SaveTarget(str(target), keep_xml)

    monkeypatch.setattr(dialogs, "ask_save_target", ask)
    with qtbot.waitSignal(window.sig_document_saved, timeout=5000):
        window.menu_actions["save_json"].trigger()
    assert offered == [("json", "ITK009D_ITK_Immunization_Document.json", True)]
    saved = read_file(target)
    assert saved.format == "json"
    original = window.document()
    if keep_xml:
        assert first_difference(original.root, saved.root) is None
    else:
        # Plain FHIR JSON: no comments and no XML-only details, everything else the same; an element
        # that held only XML details (<text>Sabina RAFFLE</text>) is left out, not written as {}.
        assert b"fhir_comments" not in target.read_bytes() and b"@xml" not in target.read_bytes()
        fresh = read_file(ITK009D)
        for node in reversed(list(fresh.root.iter())):  # children before their parents
            node.xml = None
            node.children = [c for c in node.children if c.kind != ELEMENT or _carries_content(c)]
        assert first_difference(fresh.root, saved.root, comments=False) is None


def _carries_content(node: Node) -> bool:
    return (
        node.value is not None
        or node.id is not None
        or node.url is not None
        or any(c.kind != COMMENT for c in node.children)
    )


def test_save_as_xml_reads_back_to_the_same_tree(qtbot, window, monkeypatch, tmp_path) -> None:
    open_and_wait(qtbot, window, require_shared(ITK009D))
    target = tmp_path / "saved.xml"
    monkeypatch.setattr(dialogs, "ask_save_target", lambda *args: SaveTarget(str(target)))
    with qtbot.waitSignal(window.sig_document_saved, timeout=5000):
        window.save_as_xml()
    assert first_difference(window.document().root, read_file(target).root) is None
    # Cancelling writes nothing.
    monkeypatch.setattr(dialogs, "ask_save_target", lambda *args: None)
    target.unlink()
    window.save_as_xml()
    assert not target.exists()


def test_plain_json_is_not_offered_the_xml_choice(qtbot, window, monkeypatch, tmp_path) -> None:
    source = tmp_path / "plain.xml"
    source.write_bytes(message_with_binary())
    open_and_wait(qtbot, window, source)
    offered = []
    monkeypatch.setattr(dialogs, "ask_save_target", lambda p, s, g, offer: offered.append(offer))
    window.save_as_json()
    assert offered == [False]


def test_attachment_row_saves_and_opens_the_decoded_bytes(qtbot, window, small, monkeypatch, tmp_path) -> None:
    open_and_wait(qtbot, window, small)
    model = window.tree.model
    window.tree.expand_all()
    index = index_labelled(model, "Binary · application/pdf")
    assert model.data(index) == f"Binary · application/pdf · {round(len(PDF) / 1024)} KB"
    binary = model.node(index)

    # Context menu of the row: "Save attachment as…"
    target = tmp_path / "out" / "report.pdf"
    target.parent.mkdir()
    monkeypatch.setattr(dialogs, "ask_attachment_path", lambda parent, suggested: str(target))
    menu = window.tree.context_menu(binary)
    texts = [a.text() for a in menu.actions()]
    assert texts[:2] == ["Open with system viewer", "Save attachment as…"]
    menu.actions()[1].trigger()
    assert target.read_bytes() == PDF

    # The details pane offers the same; Open writes a temporary file for the system viewer.
    window.tree.view.setCurrentIndex(index)
    assert not window.details.attachment_row.isHidden()
    opened = []
    monkeypatch.setattr(saving, "open_url", lambda url: opened.append(url.toLocalFile()) or True)
    window.details.open_button.click()
    assert len(opened) == 1 and opened[0].endswith("bin-1.pdf") and Path(opened[0]).read_bytes() == PDF
    target.unlink()
    window.details.save_button.click()
    assert target.read_bytes() == PDF

    # An entry row carrying the Binary offers the attachment actions too.
    entry = binary.parent.parent
    assert window.tree.context_menu(entry).actions()[0].text() == "Open with system viewer"
    # Other rows do not.
    assert window.tree.context_menu(window.document().root).actions()[0].text() == "Copy label"


def test_an_attachment_that_cannot_open_says_why(qtbot, window, small, monkeypatch) -> None:
    open_and_wait(qtbot, window, small)
    binary = next(n for n in window.document().root.iter() if n.name == "Binary")
    monkeypatch.setattr(saving, "open_url", lambda url: False)
    window.tree.sig_attachment_open_requested.emit(window.tree.attachment_of(binary))
    assert "no application is set up to open bin-1.pdf" in window.message_bar.message()
