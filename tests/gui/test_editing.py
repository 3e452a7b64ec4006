"""Editing in the window: values through the tree's editor, deleting, undo/redo, the modified
title, re-validation after the quiet time (incremental on a large bundle), the preview after
edits, saving and closing with unsaved edits."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from guihelpers import (
    LOAD_TIMEOUT_MS,
    document_of,
    make_window,
    message_with_recipient_type,
    open_and_wait,
    session_of,
    shown,
    validation_of,
)
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QMessageBox

from workbench.core.codecs import read_file
from workbench.core.tree import Node
from workbench.core.validation.runner import Validator
from workbench.gui.compose.value_delegate import ValueField
from workbench.gui.inspector.preview_panel import ORIGINAL, XML
from workbench.gui.inspector.validation import DEBOUNCE_MS
from workbench.gui.main_window import MainWindow
from workbench.gui.widgets import dialogs

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
VALIDATION_TIMEOUT_MS = 30_000


def open_and_validate(qtbot, window: MainWindow, path: Path) -> None:
    with qtbot.waitSignal(window.sig_message_validated, timeout=LOAD_TIMEOUT_MS + VALIDATION_TIMEOUT_MS):
        open_and_wait(qtbot, window, path)


def find(window: MainWindow, name: str, value: str | None = None) -> Node:
    document = document_of(window)
    assert document is not None
    return next(n for n in document.root.iter() if n.name == name and (value is None or n.value == value))


def rules(window: MainWindow) -> set[str]:
    return {i.rule for i in shown(window).issues.model.issues()}


@pytest.fixture
def fx(qtbot, tmp_path) -> MainWindow:
    """A window showing a message whose RecipientType is 'FX' (a receiver answers 10010)."""
    window = make_window(qtbot)
    path = tmp_path / "fx.xml"
    path.write_bytes(message_with_recipient_type("FX"))
    open_and_validate(qtbot, window, path)
    assert shown(window).banner.text().startswith("A receiver would answer 10010")
    return window


def edit_in_tree(qtbot, window: MainWindow, node: Node, text: str) -> None:
    """Select a row, press F2, type a value (or choose it from the list) and press Enter: the user's way."""
    assert shown(window).tree.select_node(node)
    shown(window).tree.view.setFocus()
    qtbot.keyClick(shown(window).tree.view, Qt.Key.Key_F2)
    editor = shown(window).tree.view.findChild(ValueField)
    assert editor is not None and editor.isVisible()
    assert editor.value() == node.value
    if editor.combo is not None and not editor.combo.isEditable():  # a closed list of codes: choose one
        editor.combo.setCurrentIndex(editor.combo.findData(text))
        qtbot.keyClick(editor.combo, Qt.Key.Key_Return)
    else:
        assert editor.line is not None
        editor.line.selectAll()
        qtbot.keyClicks(editor.line, text)
        qtbot.keyClick(editor.line, Qt.Key.Key_Return)
    # The delegate commits in a queued call, once the editor has handled the key.
    qtbot.waitUntil(lambda: shown(window).tree.view.state() != QAbstractItemView.State.EditingState, timeout=5_000)


def test_editing_a_value_fixes_the_finding_and_undo_brings_it_back(qtbot, fx) -> None:
    window = fx
    code = find(window, "code", "FX")
    assert "itk-recipient-type" in rules(window)
    title = window.windowTitle()
    assert title == "fx.xml — ITK3 Message Workbench"

    with qtbot.waitSignal(window.sig_message_validated, timeout=VALIDATION_TIMEOUT_MS) as blocker:
        edit_in_tree(qtbot, window, code, "FA")
        assert code.value == "FA"  # the edit is made at once ...
        assert window.windowTitle() == "fx.xml* — ITK3 Message Workbench"
        assert validation_of(window).is_busy()  # ... and validation waits for the quiet time
    assert blocker.args[0].version == session_of(window).version
    assert shown(window).banner.text() == "A receiver would answer 20013 Success — accepted"
    assert shown(window).banner.level() == "accepted"
    assert shown(window).issues.model.rowCount() == 0
    assert shown(window).tree.model.data(shown(window).tree.model.index_of(code)) == "code: FA"
    assert window.menu_actions["undo"].isEnabled()
    assert window.menu_actions["undo"].text() == "&Undo Set valueCoding to FA For Action"  # code and display

    with qtbot.waitSignal(window.sig_message_validated, timeout=VALIDATION_TIMEOUT_MS):
        window.menu_actions["undo"].trigger()
        assert code.value == "FX"
    assert shown(window).banner.text().startswith("A receiver would answer 10010 Recipient Type - Processing Error")
    assert "itk-recipient-type" in rules(window)
    assert window.windowTitle() == "fx.xml — ITK3 Message Workbench"  # clean again

    with qtbot.waitSignal(window.sig_message_validated, timeout=VALIDATION_TIMEOUT_MS):
        window.menu_actions["redo"].trigger()
    assert code.value == "FA" and shown(window).banner.level() == "accepted"
    assert window.windowTitle().startswith("fx.xml*")


def test_revalidation_is_debounced_over_a_burst_of_edits(qtbot, fx) -> None:
    window = fx
    display = find(window, "display", "For Action")
    session = session_of(window)
    reports = []
    window.sig_message_validated.connect(reports.append)
    for text in ("F", "Fo", "For", "For A"):
        session.set_value(display, text)
        qtbot.wait(DEBOUNCE_MS // 10)
    qtbot.waitUntil(lambda: bool(reports) and not validation_of(window).is_busy(), timeout=VALIDATION_TIMEOUT_MS)
    assert len(reports) == 1  # one validation for the burst, of the last version
    assert reports[0].version == session.version == 4


def test_a_result_for_an_older_version_is_dropped(qtbot, tmp_path, message_xml) -> None:
    window = make_window(qtbot)
    path = tmp_path / "large.xml"
    path.write_bytes(message_xml(1000))
    results = []
    window.sig_message_validated.connect(results.append)
    open_and_wait(qtbot, window, path)
    assert validation_of(window).is_busy()  # the first validation runs ...
    status = find(window, "status", "finished")
    session_of(window).set_value(status, "cancelled")  # ... and the message changes under it
    qtbot.waitUntil(lambda: bool(results) and not validation_of(window).is_busy(), timeout=VALIDATION_TIMEOUT_MS)
    assert [r.version for r in results] == [1]


@pytest.fixture(scope="module")
def message_xml():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from generate import message_xml
    finally:
        sys.path.remove(str(BENCHMARKS))
    return message_xml


def test_an_edit_in_a_large_bundle_revalidates_only_its_entry(qtbot, tmp_path, message_xml) -> None:
    window = make_window(qtbot)
    path = tmp_path / "large.xml"
    path.write_bytes(message_xml(400).replace(b'<gender value="female"/>', b'<gender value="woman"/>', 2))
    open_and_validate(qtbot, window, path)
    assert validation_of(window).result().stats.partial is False
    document = document_of(window)
    entry = [c for c in document.root.children if c.name == "entry"][3]
    status = entry.child("resource").resource().child("status")
    with qtbot.waitSignal(window.sig_message_validated, timeout=VALIDATION_TIMEOUT_MS) as blocker:
        session_of(window).set_value(status, "bogus")  # the tree's editor offers only the codes: set it directly
    result = blocker.args[0]
    assert (result.stats.partial, result.stats.checked, result.stats.reused) == (True, 1, 400)
    full = Validator(window._context.profiles.registry()).validate(document)
    assert result.report.issues == full.issues and result.report.predicted == full.predicted
    assert any("'bogus'" in i.message for i in shown(window).issues.model.issues())
    assert shown(window).issues.model.rowCount() == len(full.issues)


def test_deleting_an_element_removes_its_row_and_undo_restores_it(qtbot, qtmodeltester, fx) -> None:
    window = fx
    model = shown(window).tree.model
    display = find(window, "display", "For Action")
    coding = display.parent
    parent_index = model.index_of(coding)
    rows = model.rowCount(parent_index)
    assert shown(window).tree.select_node(display)
    shown(window).tree.view.setFocus()
    with qtbot.assertNotEmitted(model.modelReset), qtbot.waitSignal(model.rowsRemoved) as removed:
        qtbot.keyClick(shown(window).tree.view, Qt.Key.Key_Delete)
    assert removed.args[1:] == [2, 2]
    assert model.rowCount(parent_index) == rows - 1
    assert not model.index_of(display).isValid()
    assert [model.data(model.index(r, 0, parent_index)) for r in range(model.rowCount(parent_index))] == [
        "system: https://fhir.nhs.uk/STU3/CodeSystem/ITK-RecipientType-1",
        "code: FX",
    ]
    assert window.windowTitle().startswith("fx.xml*")
    qtmodeltester.check(model)
    with qtbot.assertNotEmitted(model.modelReset), qtbot.waitSignal(model.rowsInserted):
        window.undo()
    assert model.rowCount(parent_index) == rows
    assert model.node(model.index(2, 0, parent_index)) is display
    assert model.index_of(display).isValid()
    assert not window.windowTitle().startswith("fx.xml*")
    qtmodeltester.check(model)


def test_deleting_an_entry_and_the_root(qtbot, fx) -> None:
    window = fx
    model = shown(window).tree.model
    organization = find(window, "Organization")
    root_index = model.index_of(document_of(window).root)
    rows = model.rowCount(root_index)
    shown(window).tree.select_node(organization)  # shown in place of its entry.resource holder
    with qtbot.waitSignal(window.sig_message_validated, timeout=VALIDATION_TIMEOUT_MS):
        window.delete_element()
    assert model.rowCount(root_index) == rows  # the entry stays, without its resource
    assert organization.parent.parent is None or organization.parent not in organization.parent.parent.children
    assert any(
        i.rule.startswith("bundle-") for i in shown(window).issues.model.issues()
    )  # the sender reference dangles now
    shown(window).tree.select_node(document_of(window).root)
    window.delete_element()
    assert "root" in window.message_bar.message()
    assert not window.menu_actions["delete_element"].isEnabled()


def test_only_primitives_can_be_edited(qtbot, fx) -> None:
    window = fx
    shown(window).tree.select_node(find(window, "valueCoding"))
    assert not window.menu_actions["edit_value"].isEnabled()
    window.edit_value()
    assert (
        shown(window).tree.view.findChild(QLineEdit) is None
        or not shown(window).tree.view.findChild(QLineEdit).isVisible()
    )
    shown(window).tree.select_node(find(window, "code", "FX"))
    assert window.menu_actions["edit_value"].isEnabled()
    assert window.menu_actions["edit_value"].shortcut().toString() == "F2"
    assert window.menu_actions["delete_element"].shortcut().toString() == "Del"
    assert window.menu_actions["undo"].shortcut().toString() == "Ctrl+Z"
    assert window.menu_actions["redo"].shortcut().toString() == "Ctrl+Shift+Z"


def test_the_preview_renders_the_edits_and_original_stays_as_received(qtbot, fx) -> None:
    window = fx
    preview = shown(window).preview
    assert not preview.is_edited()
    with qtbot.waitSignal(preview.sig_tab_ready, timeout=10_000, check_params_cb=lambda name: name == XML):
        preview.set_current_tab(XML)
    code = find(window, "code", "FX")
    with qtbot.waitSignal(preview.sig_tab_ready, timeout=10_000, check_params_cb=lambda name: name == XML):
        session_of(window).set_value(code, "FI")
    assert '<code value="FI"/>' in preview.view(XML).toPlainText()
    assert preview.is_edited() and "as opened;" in preview.edited_note.text()
    assert preview.tabs.tabText(0) == "Original (as opened)"
    assert '<code value="FX"/>' in preview.view(ORIGINAL).toPlainText()
    shown(window).tree.select_node(code)
    assert preview.view(XML).current_mark() is not None  # the rendered text still follows the selection


def test_save_as_writes_the_edited_tree_and_marks_it_clean(qtbot, fx, tmp_path, monkeypatch) -> None:
    window = fx
    session_of(window).set_value(find(window, "code", "FX"), "FA")
    target = tmp_path / "saved.xml"
    monkeypatch.setattr(dialogs, "ask_save_target", lambda *args: dialogs.SaveTarget(str(target)))
    assert shown(window).preview.is_edited()
    with qtbot.waitSignal(window.sig_message_validated, timeout=VALIDATION_TIMEOUT_MS) as revalidated:
        window.save_as_xml()
    assert read_file(target).root.find("entry.resource.MessageHeader") is not None
    assert b'<code value="FA"/>' in target.read_bytes()
    # The tab is the saved file now: its name, its bytes in Original, findings placed in them.
    assert window.windowTitle() == "saved.xml — ITK3 Message Workbench"
    assert window.current_tab().title() == "saved.xml" and str(target) in window.current_tab().tooltip()
    assert not session_of(window).modified and not shown(window).preview.is_edited()
    assert shown(window).preview.view(ORIGINAL).toPlainText() == target.read_text()
    assert revalidated.args[0].report.predicted == ("20013", "Success")
    assert window._context.recent.paths()[0] == str(target.resolve())


def test_quitting_with_unsaved_edits_asks_first(qtbot, fx) -> None:
    window = fx
    session_of(window).set_value(find(window, "code", "FX"), "FA")
    assert window.close() is False  # not closed: the question is open, without blocking
    box = window.question
    assert box is not None and box.isVisible() and "not saved" in box.text() and "fx.xml" in box.informativeText()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert window.isVisible()
    window.close()
    window.question.button(QMessageBox.StandardButton.Discard).click()
    assert not window.isVisible()


def test_closing_the_tab_with_unsaved_edits_can_save_them(qtbot, fx, tmp_path, monkeypatch) -> None:
    window = fx
    session_of(window).set_value(find(window, "code", "FX"), "FA")
    target = tmp_path / "kept.xml"
    monkeypatch.setattr(dialogs, "ask_save_target", lambda *args: dialogs.SaveTarget(str(target)))
    window.close_current_tab()
    assert document_of(window) is not None
    window.question.button(QMessageBox.StandardButton.Save).click()
    assert target.is_file() and b'<code value="FA"/>' in target.read_bytes()
    assert window.current_tab() is None and window.pages.currentWidget() is window.start_page
    assert window.windowTitle() == "ITK3 Message Workbench"


def test_opening_another_file_with_unsaved_edits_keeps_them_in_their_tab(qtbot, fx, tmp_path) -> None:
    window = fx
    edited = window.current_tab()
    session_of(window).set_value(find(window, "code", "FX"), "FA")
    other = tmp_path / "other.xml"
    other.write_bytes(message_with_recipient_type("FI"))
    open_and_wait(qtbot, window, other)
    assert find(window, "code").value == "FI"
    assert window.windowTitle() == "other.xml — ITK3 Message Workbench"
    assert edited.modified() and edited.title() == "fx.xml*" and window.open_tabs() == [edited, window.current_tab()]


def test_delete_in_the_search_field_edits_the_search_not_the_message(qtbot, fx) -> None:
    window = fx
    display = find(window, "display", "For Action")
    shown(window).tree.select_node(display)
    search = shown(window).issues.search
    search.setText("abc")
    search.setFocus()
    search.setCursorPosition(0)
    qtbot.keyClick(search, Qt.Key.Key_Delete)
    assert search.text() == "bc"
    assert display.parent is not None and display in display.parent.children
    assert not session_of(window).modified


@pytest.mark.allow_log
def test_a_failed_validation_is_said_in_the_banner_and_the_next_run_is_full(qtbot, fx, monkeypatch) -> None:
    window = fx
    assert shown(window).banner.is_link_shown()  # the 10010 verdict's deciding finding is offered
    state = validation_of(window)._state

    def broken(document, changed):
        raise RuntimeError("no luck")

    monkeypatch.setattr(state, "validate", broken)
    with qtbot.waitSignal(validation_of(window).sig_validation_failed, timeout=VALIDATION_TIMEOUT_MS) as blocker:
        validation_of(window).revalidate()
    assert "no luck" in blocker.args[0]
    banner = shown(window).banner
    assert banner.text() == f"Could not validate: {blocker.args[0]}"
    # No finding is offered: there is none for the message as it is now.
    assert not banner.is_link_shown() and banner.deciding_issue() is None
    with qtbot.assertNotEmitted(banner.sig_issue_requested):
        qtbot.mouseClick(banner, Qt.MouseButton.LeftButton)
    assert shown(window).issues.model.rowCount() == 0
    monkeypatch.undo()
    with qtbot.waitSignal(window.sig_message_validated, timeout=VALIDATION_TIMEOUT_MS) as done:
        session_of(window).set_value(find(window, "code", "FX"), "FA")
    assert done.args[0].stats.partial is False
    assert shown(window).banner.level() == "accepted"
