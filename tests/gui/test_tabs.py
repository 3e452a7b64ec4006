"""Many messages open at once: a tab each, with its own panels, history, validation and selection.

What a tester does: open three files (one unreadable), edit two, undo in one, move between the
tabs with the keys, close a modified tab, quit with unsaved edits; the start page's actions; the
tabs coming back at the next start.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from guihelpers import (
    LOAD_TIMEOUT_MS,
    drag_enter,
    drop,
    index_labelled,
    labels,
    make_window,
    message_with_binary,
    message_with_recipient_type,
    shown,
)
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from workbench.core.acks.patterns import PATTERNS
from workbench.core.itk3.view import message_view
from workbench.core.validation.runner import Validator
from workbench.gui.compose.new_dialog import NewMessageDialog
from workbench.gui.context import AppContext
from workbench.gui.documents.tab import MessageTab
from workbench.gui.inspector.preview_panel import ORIGINAL, XML
from workbench.gui.main_window import MainWindow
from workbench.gui.widgets import dialogs

VALIDATION_TIMEOUT_MS = 30_000
BROKEN = b'<Bundle xmlns="http://hl7.org/fhir">\n  <id value="x"/>\n  <type value="message">\n</Bundle>\n'


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    """Three files: a message a receiver answers 10010 (FX), an unreadable one, one with a PDF."""
    paths = [tmp_path / "fx.xml", tmp_path / "broken.xml", tmp_path / "binary.xml"]
    paths[0].write_bytes(message_with_recipient_type("FX"))
    paths[1].write_bytes(BROKEN)
    paths[2].write_bytes(message_with_binary())
    return paths


def open_all(qtbot, window: MainWindow, paths: list[Path]) -> list[MessageTab]:
    """Open files as File › Open does and wait until each is read and the readable ones validated."""
    tabs = window.open_files([str(p) for p in paths])
    qtbot.waitUntil(
        lambda: all(
            not tab.is_loading() and (not tab.session.readable or tab.validation.result() is not None) for tab in tabs
        ),
        timeout=LOAD_TIMEOUT_MS + VALIDATION_TIMEOUT_MS,
    )
    return tabs


def discard(window: MainWindow, tab: MessageTab) -> None:
    """Close a tab with unsaved edits the user's way: Close, then Discard."""
    assert window.close_tab(tab) is False
    window.question.button(QMessageBox.StandardButton.Discard).click()
    assert tab not in window.open_tabs()


def node_named(tab: MessageTab, name: str, value: str | None = None):
    return next(n for n in tab.session.document.root.iter() if n.name == name and (value is None or n.value == value))


@pytest.fixture
def window(qtbot) -> MainWindow:
    return make_window(qtbot)


def test_three_files_open_as_three_tabs_one_unreadable(qtbot, window, files) -> None:
    tabs = open_all(qtbot, window, files)
    assert window.open_tabs() == tabs and window.tabs.count() == 3
    assert [tab.title() for tab in tabs] == ["fx.xml", "broken.xml", "binary.xml"]
    assert window.current_tab() is tabs[2]  # the last opened is shown
    readable = [tab.session.readable for tab in tabs]
    assert readable == [True, False, True]
    for tab, path in zip(tabs, files, strict=True):
        tip = window.tabs.tabToolTip(window.tabs.indexOf(tab))
        assert tip.startswith(path.name) and str(path) in tip
    assert tabs[1].inspector.banner.text().startswith("Could not read broken.xml, line 4, column 3")
    # Opening a file already open brings its tab forward; nothing is read again.
    with qtbot.assertNotEmitted(window.sig_message_opened, wait=200):
        assert window.open_file(str(files[0])) is tabs[0]
    assert window.current_tab() is tabs[0] and window.tabs.count() == 3


def test_edits_and_undo_stay_in_their_own_tab(qtbot, window, files) -> None:
    fx, broken, binary = open_all(qtbot, window, files)
    window.tabs.setCurrentWidget(fx)
    code = node_named(fx, "code", "FX")
    fx.session.set_value(code, "FA")
    window.tabs.setCurrentWidget(binary)
    organization_id = node_named(binary, "value", "RY6")
    binary.session.set_value(organization_id, "X26")
    assert [tab.title() for tab in window.open_tabs()] == ["fx.xml*", "broken.xml", "binary.xml*"]
    assert window.windowTitle() == "binary.xml* — ITK3 Message Workbench"
    # Edit › Undo names this tab's edit, and undoes it here only.
    assert window.menu_actions["undo"].text() == "&Undo Set value to 'X26'"
    window.menu_actions["undo"].trigger()
    assert organization_id.value == "RY6" and not binary.modified() and binary.title() == "binary.xml"
    assert code.value == "FA" and fx.modified() and fx.title() == "fx.xml*"
    assert not window.menu_actions["undo"].isEnabled() and window.menu_actions["redo"].isEnabled()
    window.tabs.setCurrentWidget(fx)
    assert window.menu_actions["undo"].text() == "&Undo Set code to 'FA'"
    assert not window.menu_actions["redo"].isEnabled()
    # The unreadable tab has nothing to edit.
    window.tabs.setCurrentWidget(broken)
    assert not window.menu_actions["undo"].isEnabled() and not window.menu_actions["edit_value"].isEnabled()


def test_each_tab_shows_its_own_message_report_and_selection(qtbot, window, files) -> None:
    fx, broken, binary = open_all(qtbot, window, files)
    # A different selection in each readable tab, and another preview tab in one.
    window.tabs.setCurrentWidget(fx)
    fx_code = node_named(fx, "code", "FX")
    fx.inspector.tree.select_node(fx_code)
    window.tabs.setCurrentWidget(binary)
    binary_row = index_labelled(binary.inspector.tree.model, "Binary · application/pdf")
    binary.inspector.tree.view.setCurrentIndex(binary_row)
    with qtbot.waitSignal(binary.inspector.preview.sig_tab_ready, timeout=10_000, check_params_cb=lambda n: n == XML):
        binary.inspector.preview.set_current_tab(XML)

    expected = {tab: Validator().validate(tab.session.document) for tab in (fx, binary)}
    for tab in (fx, broken, binary, fx, binary):  # there and back again
        window.tabs.setCurrentWidget(tab)
        panels = shown(window)
        assert panels is tab.inspector
        session = tab.session
        assert window.windowTitle() == f"{session.name} — ITK3 Message Workbench"
        if tab is broken:
            assert panels.banner.text().startswith("Could not read broken.xml")
            assert [i.itk_code for i in panels.issues.model.issues()] == ["10009"]
            assert panels.tree.is_unreadable_note_shown() and panels.details.facts() is None
            assert panels.preview.view(ORIGINAL).toPlainText().startswith("<Bundle")
            assert not window.menu_actions["save_xml"].isEnabled()
            continue
        report = expected[tab]
        assert panels.issues.model.issues() == report.issues
        assert panels.banner.text().startswith(f"A receiver would answer {report.predicted[0]} {report.predicted[1]}")
        assert labels(panels.tree.model)[0] == "Bundle (message)"
        assert panels.tree.model.document() is session.document
        assert message_view(session.document).event_code in window.summary.text()
        assert window.menu_actions["save_xml"].isEnabled()
        if tab is fx:
            assert panels.tree.current_node() is fx_code
            assert panels.details.path.text() == "Bundle.entry[0].resource.extension[0].extension[2].valueCoding.code"
            assert panels.preview.current_tab() == ORIGINAL
            mark = panels.preview.view(ORIGINAL).current_mark()
            assert mark is not None and mark[0] == session.document.position(fx_code)[0]
            assert window.menu_actions["edit_value"].isEnabled()  # a primitive is selected
        else:
            assert panels.tree.current_node().name == "Binary"
            assert panels.details.title.text().startswith("Binary · application/pdf")
            assert panels.preview.current_tab() == XML
            assert "<Binary>" in panels.preview.view(XML).toPlainText()
            assert not window.menu_actions["edit_value"].isEnabled()  # a resource is selected


def test_keys_move_between_tabs_and_close_them(qtbot, window, files) -> None:
    tabs = open_all(qtbot, window, files)
    window.tabs.setCurrentWidget(tabs[0])
    tabs[0].inspector.tree.view.setFocus()
    window.activateWindow()
    qtbot.keyClick(tabs[0].inspector.tree.view, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert window.current_tab() is tabs[1]
    qtbot.keyClick(window.current_tab(), Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.current_tab(), Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert window.current_tab() is tabs[0]  # round the end
    modifiers = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window.current_tab(), Qt.Key.Key_Backtab, modifiers)
    assert window.current_tab() is tabs[2]
    # Ctrl+W closes the tab shown; a middle click on a tab closes that tab.
    qtbot.keyClick(window.current_tab(), Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert window.open_tabs() == tabs[:2]
    bar = window.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.MiddleButton, pos=bar.tabRect(0).center())
    assert window.open_tabs() == [tabs[1]]
    # The close button of the last one: the start page comes back.
    window.tabs.tabCloseRequested.emit(0)
    assert window.open_tabs() == [] and window.pages.currentWidget() is window.start_page


def test_closing_a_modified_tab_asks_and_quitting_lists_every_modified_tab(qtbot, window, files) -> None:
    fx, broken, binary = open_all(qtbot, window, files)
    fx.session.set_value(node_named(fx, "code", "FX"), "FA")
    binary.session.set_value(node_named(binary, "value", "RY6"), "X26")
    # Closing a modified tab asks, without blocking; Cancel keeps it.
    assert window.close_tab(fx) is False
    question = window.question
    assert question.isVisible() and "fx.xml has edits that are not saved" in question.text()
    question.button(QMessageBox.StandardButton.Cancel).click()
    assert fx in window.open_tabs()
    # Closing an unmodified tab does not ask.
    assert window.close_tab(broken) is True and window.open_tabs() == [fx, binary]
    # Quit asks once, naming each message with unsaved edits.
    assert window.close() is False
    question = window.question
    assert question.objectName() == "quitUnsaved" and question.text().startswith("2 messages have edits")
    assert "fx.xml" in question.informativeText() and "binary.xml" in question.informativeText()
    question.button(QMessageBox.StandardButton.Cancel).click()
    assert window.isVisible() and window.open_tabs() == [fx, binary]
    # Discard on the single tab closes it; quitting then names only the one left.
    window.close_tab(fx)
    window.question.button(QMessageBox.StandardButton.Discard).click()
    assert window.open_tabs() == [binary]
    window.close()
    assert (
        window.question.text().startswith("1 message has edits") and "fx.xml" not in window.question.informativeText()
    )
    window.question.button(QMessageBox.StandardButton.Discard).click()
    assert not window.isVisible()


def test_quit_can_save_each_modified_message_first(qtbot, window, files, tmp_path, monkeypatch) -> None:
    fx, _broken, binary = open_all(qtbot, window, files)
    fx.session.set_value(node_named(fx, "code", "FX"), "FA")
    binary.session.set_value(node_named(binary, "value", "RY6"), "X26")
    targets = iter([tmp_path / "fx-saved.xml", tmp_path / "binary-saved.xml"])
    monkeypatch.setattr(dialogs, "ask_save_target", lambda *args: dialogs.SaveTarget(str(next(targets))))
    window.close()
    window.question.button(QMessageBox.StandardButton.Save).click()
    assert not window.isVisible()
    assert b'<code value="FA"/>' in (tmp_path / "fx-saved.xml").read_bytes()
    assert b'<value value="X26"/>' in (tmp_path / "binary-saved.xml").read_bytes()


def test_the_start_page_opens_new_recent_sample_and_dropped_messages(qtbot, window, files, monkeypatch) -> None:
    page = window.start_page
    assert window.pages.currentWidget() is page
    # Open…
    monkeypatch.setattr(dialogs, "ask_open_paths", lambda parent, directory: [str(files[0]), str(files[2])])
    with qtbot.waitSignal(window.sig_message_opened, timeout=LOAD_TIMEOUT_MS):
        qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.is_loading(), timeout=LOAD_TIMEOUT_MS)
    assert [tab.name() for tab in window.open_tabs()] == ["fx.xml", "binary.xml"]
    for tab in window.open_tabs():
        window.close_tab(tab)
    # Recent files (most recently read first); a click opens one.
    recent = page.recent_paths()
    assert sorted(recent) == sorted([str(files[0].resolve()), str(files[2].resolve())])
    with qtbot.waitSignal(window.sig_message_opened, timeout=LOAD_TIMEOUT_MS):
        page.recent_list.itemClicked.emit(page.recent_list.item(recent.index(str(files[0].resolve()))))
    assert window.current_tab().name() == "fx.xml"
    window.close_current_tab()
    # New: File › New…'s dialog; Create opens the new message for the event chosen, unsaved.
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    dialog = window.composer.dialog
    assert isinstance(dialog, NewMessageDialog) and dialog.isVisible()
    assert dialog.choose_event("ITK009D")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    new = window.current_tab()
    assert new.title() == "New ITK009D message*" and new.modified() and new.session.source is None
    assert message_view(new.session.document).header is not None
    assert new.inspector.preview.current_tab() == XML  # nothing saved yet: the rendering shows it
    assert "new message" in new.tooltip()
    qtbot.waitUntil(lambda: new.validation.result() is not None, timeout=VALIDATION_TIMEOUT_MS)
    assert new.inspector.banner.text().startswith("A receiver would answer 20013 Success")  # a warning: no payload
    discard(window, new)
    # One sample per response pattern, each with the pattern's flags.
    for chosen in PATTERNS:
        qtbot.mouseClick(page.sample_buttons[chosen.key], Qt.MouseButton.LeftButton)
        tab = window.current_tab()
        assert tab.name() == f"Untitled – {chosen.title}" and tab.modified()
        view = message_view(tab.session.document)
        flags = (view.handling["InfAckRequested"].boolean, view.handling["BusAckRequested"].boolean)
        assert flags == (chosen.inf_ack, chosen.bus_ack)
        discard(window, tab)
    # Files dropped on the page open as tabs; other files are refused.
    enter = drag_enter(files[1])
    page.dragEnterEvent(enter)
    assert enter.isAccepted()
    with qtbot.waitSignal(window.sig_message_opened, timeout=LOAD_TIMEOUT_MS):
        page.dropEvent(drop(files[1]))
    assert window.current_tab().name() == "broken.xml"
    refused = drag_enter(files[0].with_suffix(".txt"))
    page.dragEnterEvent(refused)
    assert not refused.isAccepted()


def new_message(window: MainWindow) -> MessageTab:
    """File › New… with the dialog's defaults (ITK003D), created."""
    dialog = window.composer.new_message()
    dialog.create_button.click()
    return window.current_tab()


def test_new_messages_get_their_own_names(qtbot, window) -> None:
    first, second = new_message(window), new_message(window)
    assert (first.name(), second.name()) == ("New ITK003D message", "New ITK003D message 2")
    assert first.session is not second.session and first.session.document is not second.session.document


def test_the_tabs_come_back_at_the_next_start(qtbot, files, tmp_path) -> None:
    context = AppContext()
    first = MainWindow(context)
    qtbot.addWidget(first)
    tabs = open_all(qtbot, first, files)
    first.open_sample("full")  # not a file: not reopened
    first.tabs.setCurrentWidget(tabs[1])  # the unreadable one is shown
    first.close()
    first.question.button(QMessageBox.StandardButton.Discard).click()  # the new message's edits
    assert not first.isVisible()
    # Next start: a new window on the same settings reopens them in order, the same one shown.
    second = MainWindow(AppContext(settings=context.settings))
    qtbot.addWidget(second)
    reopened = second.restore_last_tabs()
    qtbot.waitUntil(lambda: not second.is_loading(), timeout=LOAD_TIMEOUT_MS)
    assert [tab.name() for tab in second.open_tabs()] == [p.name for p in files]
    assert reopened == second.open_tabs() and second.current_tab() is reopened[1]
    assert second.message_bar.message() == ""
    second.close()
    # A file gone since is skipped, and the message bar says so.
    files[2].unlink()
    third = MainWindow(AppContext(settings=context.settings))
    qtbot.addWidget(third)
    third.restore_last_tabs()
    assert [tab.name() for tab in third.open_tabs()] == ["fx.xml", "broken.xml"]
    assert "binary.xml" in third.message_bar.message() and third.message_bar.level() == "warning"
    # Switched off (Settings › Reopen Tabs at Start), nothing comes back.
    third.menu_actions["reopen_tabs"].trigger()
    assert not third.menu_actions["reopen_tabs"].isChecked()
    qtbot.waitUntil(lambda: not third.is_loading(), timeout=LOAD_TIMEOUT_MS)
    third.close()
    fourth = MainWindow(AppContext(settings=context.settings))
    qtbot.addWidget(fourth)
    assert fourth.restore_last_tabs() == [] and fourth.open_tabs() == []
    assert not fourth.menu_actions["reopen_tabs"].isChecked()


def test_a_tab_closed_while_it_reads_goes_quietly(qtbot, window, tmp_path) -> None:
    path = tmp_path / "large.xml"
    path.write_bytes(message_with_binary(b"%PDF-1.4\n" + bytes(range(256)) * 20_000))  # a 7 MB base64 Binary
    with qtbot.assertNotEmitted(window.sig_message_opened, wait=0):
        tab = window.open_file(str(path))
        assert tab.is_loading()
        assert window.close_tab(tab) is True  # nothing to lose yet: no question
    assert window.open_tabs() == [] and window.pages.currentWidget() is window.start_page
    window._context.pool.waitForDone()
    with qtbot.assertNotEmitted(window.sig_message_opened, wait=300):
        pass  # the result arrives for a tab that is gone: dropped, nothing shown, nothing logged
    assert window.open_tabs() == []


def test_a_new_message_saved_becomes_its_file(qtbot, window, tmp_path, monkeypatch) -> None:
    tab = new_message(window)
    assert tab.title() == "New ITK003D message*" and "not saved yet" in tab.tooltip()
    assert "not been saved" in tab.inspector.preview.view(ORIGINAL).toPlainText()
    target = tmp_path / "first.xml"
    monkeypatch.setattr(dialogs, "ask_save_target", lambda *args: dialogs.SaveTarget(str(target)))
    with qtbot.waitSignal(window.sig_message_validated, timeout=VALIDATION_TIMEOUT_MS):
        window.save_as_xml()
    assert tab.title() == "first.xml" and not tab.modified() and str(target) in tab.tooltip()
    assert window.windowTitle() == "first.xml — ITK3 Message Workbench"
    assert tab.inspector.preview.view(ORIGINAL).toPlainText() == target.read_text()
    assert window._context.recent.paths()[0] == str(target.resolve())
    # The tree stands for the bytes saved: selecting the header marks its lines in Original.
    header = tab.session.labels.view.header
    line = tab.session.document.position(header)[0]
    tab.inspector.preview.set_current_tab(ORIGINAL)
    tab.inspector.tree.select_node(header)
    assert tab.inspector.preview.view(ORIGINAL).current_mark()[0] == line
    assert "<MessageHeader>" in target.read_text().splitlines()[line - 1]
