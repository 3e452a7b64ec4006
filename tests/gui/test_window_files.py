"""Files in the main window: errors, drag and drop, recent files, saving, attachments."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLES, require_shared
from guihelpers import (
    LOAD_TIMEOUT_MS,
    PDF,
    document_of,
    drag_enter,
    drop,
    index_labelled,
    make_window,
    message_with_binary,
    open_and_wait,
    shown,
)
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from workbench.core.codecs import read_file, render
from workbench.core.compare import first_difference
from workbench.core.tree import COMMENT, ELEMENT, Node
from workbench.gui.context import MAX_RECENT, AppContext, RecentFiles
from workbench.gui.inspector import attachments
from workbench.gui.inspector.preview_panel import JSON, ORIGINAL, XML
from workbench.gui.inspector.tree_panel import UNREADABLE_NOTE
from workbench.gui.main_window import MainWindow
from workbench.gui.widgets import dialogs
from workbench.gui.widgets.dialogs import SaveTarget

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


def test_a_bad_file_opens_a_tab_that_says_where_and_keeps_the_other_message(qtbot, window, small, tmp_path) -> None:
    first = open_and_wait(qtbot, window, small)
    bad = tmp_path / "broken.xml"
    bad.write_bytes(BAD_XML)
    tab = open_and_wait(qtbot, window, bad)
    assert window.open_tabs() == [first, tab] and first.session.readable
    session = tab.session
    assert not session.readable and (session.error.line, session.error.column) == (4, 3)
    panels = tab.inspector
    # The banner: where reading stopped, and the receiver's answer.
    banner = panels.banner.text()
    assert banner.startswith("Could not read broken.xml, line 4, column 3: ")
    assert banner.endswith("a receiver would answer 10009 Unreadable message received")
    assert panels.banner.level() == "rejected" and "Traceback" not in banner
    # The issues panel: the one fatal finding, with its place and code.
    [issue] = panels.issues.model.issues()
    assert (issue.severity, issue.line, issue.column, issue.itk_code) == ("fatal", 4, 3, "10009")
    # The bytes, with the line marked; no tree, and the panel says why.
    original = panels.preview.view(ORIGINAL)
    assert original.toPlainText() == BAD_XML.decode().rstrip("\n") + "\n" or original.toPlainText() == BAD_XML.decode()
    assert original.current_mark() == (4, 4) and panels.preview.current_tab() == ORIGINAL
    assert panels.tree.is_unreadable_note_shown() and panels.tree.note.text() == UNREADABLE_NOTE
    assert panels.side_tabs.isHidden()  # no details to show: the note speaks alone
    assert not first.inspector.side_tabs.isHidden()
    with qtbot.waitSignal(panels.preview.sig_tab_ready, timeout=5000, check_params_cb=lambda name: name == XML):
        panels.preview.set_current_tab(XML)
    assert "could not be read" in panels.preview.view(XML).toPlainText()
    # "Show the finding" goes back to the marked line.
    panels.preview.set_current_tab(JSON)
    qtbot.mouseClick(panels.banner, Qt.MouseButton.LeftButton)
    assert panels.preview.current_tab() == ORIGINAL and original.current_mark() == (4, 4)
    assert panels.issues.current_issue() is issue
    # Title, tab mark and tooltip; nothing to save or edit.
    assert window.windowTitle().startswith("broken.xml — ")
    index = window.tabs.indexOf(tab)
    assert not window.tabs.tabIcon(index).isNull() and window.tabs.tabIcon(window.tabs.indexOf(first)).isNull()
    assert "line 4, column 3" in window.tabs.tabToolTip(index) and str(bad) in window.tabs.tabToolTip(index)
    assert not window.menu_actions["save_xml"].isEnabled() and not window.menu_actions["undo"].isEnabled()
    assert window.message_bar.message() == ""
    # Mended and opened again, it is read again, in the same place.
    window.tabs.setCurrentWidget(first)
    bad.write_bytes(message_with_binary())
    again = open_and_wait(qtbot, window, bad)
    assert again is not tab and window.open_tabs() == [first, again] and again.session.readable
    assert window.tabs.tabIcon(1).isNull()


def test_a_missing_file_opens_a_tab_that_says_so(qtbot, window, tmp_path) -> None:
    tab = open_and_wait(qtbot, window, tmp_path / "nowhere.xml")
    assert document_of(window) is None and tab.session.source is None
    banner = tab.inspector.banner.text()
    assert banner.startswith("Could not read nowhere.xml: no such file") and "10009" in banner
    assert "no such file" in tab.inspector.preview.view(ORIGINAL).toPlainText()
    assert str(tmp_path / "nowhere.xml") not in window._context.recent.paths()


def test_drag_and_drop_opens_xml_and_json_files_only(qtbot, window, small, tmp_path) -> None:
    enter = drag_enter(small)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    with qtbot.waitSignal(window.sig_message_opened, timeout=LOAD_TIMEOUT_MS):
        window.dropEvent(drop(small))
    assert document_of(window).path == str(small)
    # Dropped on a tab, files open a tab each from the menu the drop offers; a file already open is
    # brought forward.
    other = tmp_path / "other.json"
    other.write_bytes(render(read_file(small), "json"))
    with qtbot.waitSignal(window.sig_message_opened, timeout=LOAD_TIMEOUT_MS):
        window.dropEvent(drop(other, small))  # over the tab of with-binary.xml
        window.composer.drop_menu.findChild(QAction, "dropOpen").trigger()
    assert [tab.name() for tab in window.open_tabs()] == ["with-binary.xml", "other.json"]
    assert window.current_tab().name() == "with-binary.xml"

    # Any file may be dropped on a tab (to attach it); with no tab open only FHIR files are taken.
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    over_a_tab = drag_enter(text)
    window.dragEnterEvent(over_a_tab)
    assert over_a_tab.isAccepted()
    for tab in window.open_tabs():
        window.close_tab(tab)
    refused = drag_enter(text)
    window.dragEnterEvent(refused)
    assert not refused.isAccepted()


def test_recent_files_are_recorded_and_reopen(qtbot, window, small, tmp_path) -> None:
    open_and_wait(qtbot, window, small)
    recent = window._context.recent
    assert recent.paths() == [str(small.resolve())]
    window.close_current_tab()
    assert window.start_page.recent_paths() == [str(small.resolve())]
    menu = window.submenus["recent"]
    menu.aboutToShow.emit()
    entry = next(a for a in menu.actions() if a.text().endswith("with-binary.xml"))
    with qtbot.waitSignal(window.sig_message_opened, timeout=LOAD_TIMEOUT_MS):
        entry.trigger()
    assert document_of(window) is not None

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


def test_layout_is_remembered_across_tabs_and_runs(qtbot, small, tmp_path) -> None:
    first = make_window(qtbot)
    open_and_wait(qtbot, first, small)
    shown(first).splitter.setSizes([400, 1000])
    wanted = shown(first).splitter.sizes()
    # Another tab takes the sizes of the one shown; coming back keeps what was set there.
    other = tmp_path / "other.xml"
    other.write_bytes(message_with_binary())
    open_and_wait(qtbot, first, other)
    assert shown(first).splitter.sizes() == wanted
    shown(first).splitter.setSizes([700, 700])
    moved = shown(first).splitter.sizes()
    first.previous_tab()
    assert shown(first).splitter.sizes() == moved
    first.close()
    second = make_window(qtbot)
    open_and_wait(qtbot, second, small)
    assert shown(second).splitter.sizes() == moved


@pytest.mark.parametrize("keep_xml", [False, True])
def test_save_as_json_reads_back_to_the_same_tree(qtbot, window, monkeypatch, tmp_path, keep_xml) -> None:
    open_and_wait(qtbot, window, require_shared(ITK009D))
    target = tmp_path / "saved.json"
    offered = []

    def ask(parent, syntax, suggested, offer_keep_xml):
        offered.append((syntax, Path(suggested).name, offer_keep_xml))
        return SaveTarget(str(target), keep_xml)

    monkeypatch.setattr(dialogs, "ask_save_target", ask)
    with qtbot.waitSignal(window.sig_message_saved, timeout=5000):
        window.menu_actions["save_json"].trigger()
    assert offered == [("json", "ITK009D_ITK_Immunization_Document.json", True)]
    saved = read_file(target)
    assert saved.format == "json"
    original = document_of(window)
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
    with qtbot.waitSignal(window.sig_message_saved, timeout=5000):
        window.save_as_xml()
    assert first_difference(document_of(window).root, read_file(target).root) is None
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
    model = shown(window).tree.model
    shown(window).tree.expand_all()
    index = index_labelled(model, "Binary · application/pdf")
    assert model.data(index) == f"Binary · application/pdf · {round(len(PDF) / 1024)} KB"
    binary = model.node(index)

    # Context menu of the row: "Save attachment as…"
    target = tmp_path / "out" / "report.pdf"
    target.parent.mkdir()
    monkeypatch.setattr(dialogs, "ask_attachment_path", lambda parent, suggested: str(target))
    menu = shown(window).tree.context_menu(binary)
    texts = [a.text() for a in menu.actions()]
    assert texts[:2] == ["Open with system viewer", "Save attachment as…"]
    menu.actions()[1].trigger()
    assert target.read_bytes() == PDF

    # The details pane offers the same; Open writes a temporary file for the system viewer.
    shown(window).tree.view.setCurrentIndex(index)
    assert not shown(window).details.attachment_row.isHidden()
    opened = []
    monkeypatch.setattr(attachments, "open_url", lambda url: opened.append(url.toLocalFile()) or True)
    shown(window).details.open_button.click()
    assert len(opened) == 1 and opened[0].endswith("bin-1.pdf") and Path(opened[0]).read_bytes() == PDF
    target.unlink()
    shown(window).details.save_button.click()
    assert target.read_bytes() == PDF

    # An entry row carrying the Binary offers the attachment actions too.
    entry = binary.parent.parent
    assert shown(window).tree.context_menu(entry).actions()[0].text() == "Open with system viewer"
    # Other rows do not.
    texts = [a.text() for a in shown(window).tree.context_menu(document_of(window).root).actions()]
    assert "Open with system viewer" not in texts and "Copy label" in texts


def test_an_attachment_that_cannot_open_says_why(qtbot, window, small, monkeypatch) -> None:
    open_and_wait(qtbot, window, small)
    binary = next(n for n in document_of(window).root.iter() if n.name == "Binary")
    monkeypatch.setattr(attachments, "open_url", lambda url: False)
    shown(window).tree.sig_attachment_open_requested.emit(shown(window).tree.attachment_of(binary))
    assert "no application is set up to open bin-1.pdf" in window.message_bar.message()
