"""The main window with real messages: tree, details, preview tabs and the selection sync."""

from __future__ import annotations

import pytest
from conftest import EXAMPLES, require_shared
from guihelpers import document_of, index_labelled, labels, make_window, node_labelled, open_and_wait, shown
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor

from workbench.core.codecs import render
from workbench.core.spans import line_span
from workbench.gui.inspector.preview_panel import JSON, ORIGINAL, XML
from workbench.gui.main_window import MainWindow

ITK009D = EXAMPLES / "FHIR_MESH" / "test_messages" / "ITK009D_ITK_Immunization_Document.xml"
BLOODSPOT = (
    EXAMPLES
    / "Digital-Child-Health"
    / "Generated"
    / "Examples"
    / "Profile.BloodSpot"
    / "DCH-Bundle-NewbornBloodSpotSampleTaken.json"
)


@pytest.fixture
def window(qtbot) -> MainWindow:
    return make_window(qtbot)


@pytest.fixture
def itk009d(qtbot, window) -> MainWindow:
    open_and_wait(qtbot, window, require_shared(ITK009D))
    return window


def show_tab(qtbot, window: MainWindow, name: str) -> None:
    """Show a preview tab and wait until its text is rendered."""
    if shown(window).preview.is_ready(name):
        shown(window).preview.set_current_tab(name)
        return
    with qtbot.waitSignal(shown(window).preview.sig_tab_ready, timeout=10_000, check_params_cb=lambda n: n == name):
        shown(window).preview.set_current_tab(name)


def unix(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def test_tree_rows_read_in_plain_words(itk009d) -> None:
    rows = labels(shown(itk009d).tree.model)
    assert rows[0] == "Bundle (message)"
    assert "entry[0] MessageHeader · ITK-MessageHeader-2 · b746b622…" in rows
    assert "entry[1] Organization · CareConnect-ITK-Header-Organization-1 · fd9edf22… (sender)" in rows
    assert "entry[3] Bundle · ITK-Document-Bundle-1 · 1906041f… (payload)" in rows
    assert "event: ITK009D ITK Digital Medicine Immunization Document" in rows
    assert "sender → Organization FKL95 (ODS organisation code)" in rows
    assert "source: 8J110OT001 (MESH mailbox)" in rows
    assert "Handling specification" in rows
    assert "Business ack requested: yes" in rows and "Recipient type: FA (For Action)" in rows
    assert "Composition · Community Pharmacy Seasonal Flu Vaccine Record" in rows
    assert "section: Vaccinations" in rows
    assert itk009d.windowTitle().startswith("ITK009D_ITK_Immunization_Document.xml")
    assert "4 entries" in itk009d.summary.text()


def test_selecting_the_header_fills_the_details_pane(itk009d) -> None:
    model = shown(itk009d).tree.model
    # Opening selects the MessageHeader; select another row and come back through the view.
    shown(itk009d).tree.view.setCurrentIndex(index_labelled(model, "type: message"))
    assert shown(itk009d).details.path.text() == "Bundle.type"
    shown(itk009d).tree.view.setCurrentIndex(index_labelled(model, "MessageHeader · ITK009D"))
    details = shown(itk009d).details
    assert details.title.text() == "MessageHeader · ITK009D"
    assert details.path.text() == "Bundle.entry[0].resource"
    assert details.type.text() == "MessageHeader"
    assert "resource" in details.definition.text().lower()
    assert details.position.text() == "line 14, column 4"

    shown(itk009d).tree.view.setCurrentIndex(index_labelled(model, "event:"))
    assert details.path.text() == "Bundle.entry[0].resource.event"
    assert (details.type.text(), details.cardinality.text()) == ("Coding", "1..1")
    assert "Code that identifies the event" in details.definition.text()
    shown(itk009d).tree.view.setCurrentIndex(index_labelled(model, "timestamp:"))
    assert details.value.toPlainText() == "2019-09-04T06:55:24Z"
    assert not details.value.isHidden() and details.attachment_row.isHidden()


def test_preview_tabs_hold_original_xml_and_json(qtbot, itk009d) -> None:
    document = document_of(itk009d)
    preview = shown(itk009d).preview
    assert preview.current_tab() == ORIGINAL
    assert preview.view(ORIGINAL).toPlainText() == unix(document.text)
    assert preview.view(ORIGINAL).language() == "xml"
    # The renderings are made only when their tabs are first shown.
    assert not preview.is_ready(XML) and not preview.is_ready(JSON)
    show_tab(qtbot, itk009d, XML)
    assert preview.view(XML).toPlainText() == unix(render(document, "xml").decode())
    show_tab(qtbot, itk009d, JSON)
    assert preview.view(JSON).toPlainText() == unix(render(document, "json").decode())
    assert preview.view(JSON).language() == "json"


def test_selecting_a_node_marks_its_lines_in_each_tab(qtbot, itk009d) -> None:
    document = document_of(itk009d)
    preview = shown(itk009d).preview
    event = node_labelled(shown(itk009d).tree.model, "event:")
    shown(itk009d).tree.select_node(event)
    mark = preview.view(ORIGINAL).current_mark()
    assert mark[0] == document.position(event)[0] == 45
    assert mark == line_span(document, event)
    lines = unix(document.text).split("\n")
    assert lines[mark[0] - 1].strip() == "<event>" and lines[mark[1] - 1].strip() == "</event>"
    for name in (XML, JSON):
        show_tab(qtbot, itk009d, name)
        twin = preview.tab_node(name, event)
        rendered = preview.tab_document(name)
        mark = preview.view(name).current_mark()
        assert twin is not None and mark[0] == rendered.position(twin)[0]
        marked = "\n".join(preview.view(name).toPlainText().split("\n")[mark[0] - 1 : mark[1]])
        assert "ITK009D" in marked and "ITK Digital Medicine Immunization Document" in marked
        assert "timestamp" not in marked


def test_clicking_in_the_original_selects_the_tree_node(qtbot, itk009d) -> None:
    document = document_of(itk009d)
    timestamp = node_labelled(shown(itk009d).tree.model, "timestamp:")
    line, _column = document.position(timestamp)
    shown(itk009d).preview.view(ORIGINAL).sig_position_clicked.emit(line, 1)  # in the indentation
    assert shown(itk009d).tree.current_node() is timestamp
    assert shown(itk009d).details.path.text() == "Bundle.entry[0].resource.timestamp"
    # A line that only closes an element selects that element.
    event = node_labelled(shown(itk009d).tree.model, "event:")
    shown(itk009d).preview.view(ORIGINAL).sig_position_clicked.emit(line_span(document, event)[1], 6)
    assert shown(itk009d).tree.current_node() is event


def test_clicking_in_the_json_tab_selects_the_tree_node(qtbot, itk009d) -> None:
    show_tab(qtbot, itk009d, JSON)
    event = node_labelled(shown(itk009d).tree.model, "event:")
    shown(itk009d).tree.select_node(event)  # scrolls the JSON text to the event
    code = event.child("code")
    rendered = shown(itk009d).preview.tab_document(JSON)
    line = rendered.position(shown(itk009d).preview.tab_node(JSON, code))[0]
    view = shown(itk009d).preview.view(JSON)
    cursor = QTextCursor(view.document().findBlockByNumber(line - 1))
    cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock)
    point = view.cursorRect(cursor).center() - QPoint(4, 0)
    assert view.viewport().rect().contains(point)
    with qtbot.waitSignal(shown(itk009d).tree.sig_node_selected, timeout=2000):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert shown(itk009d).tree.current_node() is code
    assert shown(itk009d).details.value.toPlainText() == "ITK009D"


def test_json_example_opens_and_syncs(qtbot, window) -> None:
    open_and_wait(qtbot, window, require_shared(BLOODSPOT))
    document = document_of(window)
    assert document.format == "json"
    rows = labels(shown(window).tree.model)
    assert rows[0] == "Bundle (message)"
    assert any(r.startswith("entry[0] MessageHeader · DCH-MessageHeader-1") for r in rows)
    assert "source: urn:nhs-uk:addressing:ods:RR8" in rows
    assert any(r.startswith("data → Encounter 9a7447a2") for r in rows)
    original = shown(window).preview.view(ORIGINAL)
    assert original.language() == "json" and original.toPlainText() == unix(document.text)
    header = shown(window).tree.current_node()
    assert header is not None and header.name == "MessageHeader"
    endpoint = header.find("source.endpoint")
    line, column = document.position(endpoint)
    original.sig_position_clicked.emit(line, column + 3)
    assert shown(window).tree.current_node() is endpoint
    assert original.current_mark() == (line, line)
    show_tab(qtbot, window, XML)
    assert shown(window).preview.view(XML).toPlainText().startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert (
        shown(window).preview.view(XML).current_mark()[0]
        == shown(window).preview.tab_document(XML).position(shown(window).preview.tab_node(XML, endpoint))[0]
    )


def test_view_menu_toggles_comments_and_expands(qtbot, itk009d) -> None:
    model = shown(itk009d).tree.model
    assert any(r.startswith("<!--") for r in labels(model))
    itk009d.menu_actions["show_comments"].trigger()
    assert not any(r.startswith("<!--") for r in labels(model))
    assert shown(itk009d).tree.current_node().name == "MessageHeader"  # selection kept
    itk009d.menu_actions["show_comments"].trigger()
    assert any(r.startswith("<!--") for r in labels(model))
    itk009d.menu_actions["expand_all"].trigger()
    assert shown(itk009d).tree.view.isExpanded(index_labelled(model, "section: Vaccinations"))
    itk009d.menu_actions["collapse_all"].trigger()
    assert not shown(itk009d).tree.view.isExpanded(index_labelled(model, "entry[0]"))


def test_closing_the_last_tab_shows_the_start_page(itk009d) -> None:
    itk009d.menu_actions["close"].trigger()
    assert itk009d.current_tab() is None and itk009d.open_tabs() == []
    assert itk009d.pages.currentWidget() is itk009d.start_page
    assert itk009d.windowTitle() == "ITK3 Message Workbench"
    assert not itk009d.menu_actions["save_json"].isEnabled() and not itk009d.menu_actions["close"].isEnabled()
    # The file just closed is the first recent file the start page offers.
    assert itk009d.start_page.recent_paths()[0] == str(ITK009D.resolve())


def test_shortcuts(window) -> None:
    shortcuts = {key: action.shortcut().toString() for key, action in window.menu_actions.items()}
    assert (shortcuts["open"], shortcuts["close"], shortcuts["quit"]) == ("Ctrl+O", "Ctrl+W", "Ctrl+Q")


def test_about_box_does_not_block(qtbot, window) -> None:
    window.menu_actions["about"].trigger()
    box = window._about
    assert box is not None and box.isVisible()
    assert "ITK3 Message Workbench" in box.text()
    box.close()
