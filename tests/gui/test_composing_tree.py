"""Editing anything in the tree: Add ▸ with cardinality, move, duplicate, copy and paste between
tabs, test data, and the type-aware value editors that refuse invalid input before it reaches the
tree; undo and redo restore each step and the model stays a valid Qt model."""

from __future__ import annotations

import base64

import pytest
from composehelpers import new_tab, wait_validated
from guihelpers import PDF, make_window, message_with_binary, open_and_wait, session_of, shown
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QLabel, QToolButton

from workbench.core.codecs import render
from workbench.core.compose.testdata import is_valid_nhs_number
from workbench.core.compose.values import ValueEditor
from workbench.core.itk3.view import message_view
from workbench.core.validation.primitives import check_value
from workbench.gui.compose import value_delegate
from workbench.gui.compose.value_delegate import ValueField


@pytest.fixture
def window(qtbot):
    return make_window(qtbot)


def add_menu_entries(window) -> dict[str, object]:
    """Open Edit › Add for the selected row; return its entries by element label."""
    menu = window.submenus["add"]
    menu.aboutToShow.emit()
    return {a.text().split("  ")[0]: a for a in menu.actions() if not a.isSeparator()}


def open_editor(qtbot, window, node) -> ValueField:
    tree = shown(window).tree
    assert tree.select_node(node)
    tree.view.setFocus()
    qtbot.keyClick(tree.view, Qt.Key.Key_F2)
    [editor] = [e for e in tree.view.findChildren(ValueField) if e.isVisible()]  # closed ones wait to be deleted
    return editor


def finish(qtbot, window) -> None:
    view = shown(window).tree.view
    qtbot.waitUntil(lambda: view.state() != QAbstractItemView.State.EditingState, timeout=5_000)


def test_add_move_duplicate_with_undo_and_redo(qtbot, qtmodeltester, window) -> None:
    tab = new_tab(window, "ITK003D")
    wait_validated(qtbot, tab)  # the profiles are loaded: Add ▸ knows the ITK header profiles
    session = session_of(window)
    tree = shown(window).tree
    header = session.labels.view.header
    tree.select_node(header)
    entries = add_menu_entries(window)
    event = entries["event"]
    assert not event.isEnabled() and "1..1" in event.text() and "already there" in event.toolTip()
    assert (
        not entries["destination"].isEnabled() and "0..0" in entries["destination"].toolTip()
    )  # the profile forbids it
    receiver = entries["receiver"]
    assert receiver.isEnabled() and "0..1" in receiver.text()
    before = render(session.document, "xml")
    receiver.trigger()  # a Reference comes with the reference the profile requires
    added = header.child("receiver")
    assert added is not None and added.child("reference") is not None
    assert tree.current_node() is added
    qtmodeltester.check(tree.model)
    window.undo()
    assert header.child("receiver") is None and render(session.document, "xml") == before
    window.redo()
    assert header.child("receiver") is added
    window.undo()

    # Move Up/Down among repeats: an entry's resource moves its entry.
    organization = session.labels.view.entries[1].resource
    tree.select_node(organization)
    assert window.menu_actions["move_up"].isEnabled() and not window.menu_actions["move_down"].isEnabled()
    window.menu_actions["move_up"].trigger()
    assert message_view(session.document).entries[0].resource is organization
    assert tree.current_node() is organization
    qtmodeltester.check(tree.model)
    window.undo()
    assert message_view(session.document).entries[1].resource is organization

    # Duplicate a whole entry: a fresh id, and a fullUrl to match.
    tree.select_node(organization)
    window.menu_actions["duplicate"].trigger()
    entries_now = message_view(session.document).entries
    assert len(entries_now) == 3
    copy = entries_now[2]
    assert copy.resource.name == "Organization" and copy.resource.value_at("id") != organization.value_at("id")
    assert copy.full_url == f"urn:uuid:{copy.resource.value_at('id')}"
    qtmodeltester.check(tree.model)
    window.undo()
    assert len(message_view(session.document).entries) == 2
    assert render(session.document, "xml") == before
    shortcuts = {k: window.menu_actions[k].shortcut().toString() for k in ("copy", "paste", "duplicate", "move_up")}
    assert shortcuts == {"copy": "Ctrl+C", "paste": "Ctrl+V", "duplicate": "Ctrl+D", "move_up": "Alt+Up"}


def test_copy_in_one_tab_paste_in_another_of_the_other_syntax(qtbot, window) -> None:
    first = new_tab(window, "ITK003D")
    organization = session_of(window).labels.view.sender.resource
    shown(window).tree.select_node(organization)
    window.menu_actions["copy"].trigger()
    text = QGuiApplication.clipboard().text()
    assert '<Organization xmlns="http://hl7.org/fhir">' in text and text.startswith("<?xml")
    identifier = organization.child("identifier")
    second = new_tab(window, "ITK009D", syntax="json")
    assert window.current_tab() is second and second is not first
    session = session_of(window)
    shown(window).tree.select_node(session.document.root)
    window.menu_actions["paste"].trigger()  # a resource becomes a new entry, in JSON
    view = message_view(session.document)
    pasted = view.entries[-1].resource
    assert pasted.name == "Organization" and pasted.value_at("identifier.value") == "X26"
    assert '"resourceType": "Organization"' in render(session.document, "json").decode()
    assert shown(window).tree.current_node() is view.entries[-1].node or shown(window).tree.current_node() is pasted
    # An element pasted into an element that may hold it; one that may not is refused, saying why.
    window.tabs.setCurrentWidget(first)
    shown(window).tree.select_node(identifier)
    window.menu_actions["copy"].trigger()
    window.tabs.setCurrentWidget(second)
    shown(window).tree.select_node(pasted)
    window.menu_actions["paste"].trigger()
    assert len(pasted.children_named("identifier")) == 2
    shown(window).tree.select_node(view.header.child("timestamp"))
    version = session.version
    window.menu_actions["paste"].trigger()
    assert session.version == version and "cannot be pasted" in window.message_bar.message()
    window.undo()
    assert len(pasted.children_named("identifier")) == 1


def test_test_data_and_type_aware_editors(qtbot, window, tmp_path, monkeypatch) -> None:
    tab = new_tab(window, "ITK003D")
    wait_validated(qtbot, tab)
    session = session_of(window)
    view = session.labels.view
    tree = shown(window).tree

    # Test data: an NHS number from the test range, a UUID, the current instant.
    value = view.sender.resource.child("identifier").child("value")
    tree.select_node(value)
    window.menu_actions["insert_nhs_number"].trigger()
    assert value.value.startswith("999") and is_valid_nhs_number(value.value)
    reference = view.handling["SenderReference"].node.child("valueString")
    tree.select_node(reference)
    window.menu_actions["insert_uuid"].trigger()
    assert len(reference.value) == 36 and reference.value.count("-") == 4
    timestamp = view.header.child("timestamp")
    tree.select_node(timestamp)
    timestamp.value = "2020-01-01T00:00:00Z"  # (an old moment, so that "now" is seen to replace it)
    window.menu_actions["insert_now"].trigger()
    assert timestamp.value > "2024" and check_value("instant", timestamp.value) is None  # with its time zone
    tree.select_node(view.header)
    assert not window.menu_actions["insert_uuid"].isEnabled()  # only values take test data

    # A boolean is a check box.
    flag = view.handling["BusAckRequested"].node.child("valueBoolean")
    editor = open_editor(qtbot, window, flag)
    assert editor.check is not None and editor.check.isChecked()
    editor.check.setChecked(False)
    qtbot.keyClick(editor.check, Qt.Key.Key_Return)
    finish(qtbot, window)
    assert flag.value == "false"

    # An instant is checked as typed: refused with a message, the tree unchanged.
    editor = open_editor(qtbot, window, timestamp)
    assert editor.line is not None and editor.spec.has_now
    editor.line.selectAll()
    qtbot.keyClicks(editor.line, "2024-13-01T09:30:00Z")
    assert editor.line.styleSheet() and editor.line.toolTip()  # marked while typing
    old = timestamp.value
    qtbot.keyClick(editor.line, Qt.Key.Key_Return)
    finish(qtbot, window)
    assert timestamp.value == old
    assert "was not changed" in window.message_bar.message() and window.message_bar.level() == "warning"

    # A reference offers the Bundle's fullUrls; a RecipientType code the closed list of its value set.
    sender = view.header.child("sender").child("reference")
    editor = open_editor(qtbot, window, sender)
    assert editor.combo is not None and editor.combo.findData(view.entries[1].full_url) >= 0
    qtbot.keyClick(editor.combo, Qt.Key.Key_Escape)
    finish(qtbot, window)
    code = view.handling["RecipientType"].node.find("valueCoding.code")
    editor = open_editor(qtbot, window, code)
    assert editor.combo is not None and not editor.combo.isEditable()
    assert sorted(editor.combo.itemData(i) for i in range(editor.combo.count())) == ["FA", "FI"]
    editor.combo.setCurrentIndex(editor.combo.findData("FI"))
    qtbot.keyClick(editor.combo, Qt.Key.Key_Return)
    finish(qtbot, window)
    coding = code.parent
    assert (coding.value_at("code"), coding.value_at("display")) == ("FI", "For Information")  # one step, both
    window.undo()
    assert (coding.value_at("code"), coding.value_at("display")) == ("FA", "For Action")


def test_base64_from_a_file(qtbot, window, tmp_path, monkeypatch) -> None:
    path = tmp_path / "binary.xml"
    path.write_bytes(message_with_binary())
    open_and_wait(qtbot, window, path)
    content = next(n for n in session_of(window).document.root.iter() if n.name == "content")
    shown(window).tree.select_node(content)
    assert window.menu_actions["set_from_file"].isEnabled()
    replacement = tmp_path / "new.pdf"
    replacement.write_bytes(PDF[:100])
    monkeypatch.setattr(value_delegate, "ask_base64_file", lambda *args: str(replacement))
    window.menu_actions["set_from_file"].trigger()
    assert base64.b64decode(content.value) == PDF[:100]
    # The value editor takes it from a file too.
    editor = open_editor(qtbot, window, content)
    assert editor.spec.kind == "base64"
    replacement.write_bytes(b"%PDF-1.4 other")
    qtbot.mouseClick(editor.findChild(QToolButton), Qt.MouseButton.LeftButton)  # From File…
    assert "new.pdf" in editor.findChild(QLabel).text()
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    finish(qtbot, window)
    assert base64.b64decode(content.value) == b"%PDF-1.4 other"


def test_numbers_are_checked_as_typed(qtbot) -> None:
    field = ValueField(ValueEditor("value", "decimal", "number"))
    qtbot.addWidget(field)
    field.line.setText("72.50")
    assert not field.line.styleSheet() and field.value() == "72.50"  # kept as written
    field.line.setText("7,5")
    assert field.line.styleSheet() and "decimal" in field.line.toolTip()
    assert not field.spec.check("7,5").ok
    integer = ValueField(ValueEditor("count", "integer", "number"))
    qtbot.addWidget(integer)
    integer.line.setText("2.5")
    assert integer.line.styleSheet() and not integer.spec.check("2.5").ok and integer.spec.check("-3").ok
