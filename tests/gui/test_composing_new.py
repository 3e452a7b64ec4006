"""File › New… and File › New Response…: the dialogs, the new tabs, what validation says of them."""

from __future__ import annotations

import pytest
from composehelpers import choose, form_of, wait_validated
from guihelpers import make_window, message_with_recipient_type, open_and_wait
from PySide6.QtCore import Qt

from workbench.core.catalogue import catalogue
from workbench.core.compose.events import sendable_events
from workbench.core.compose.skeleton import Party
from workbench.core.itk3.view import message_view
from workbench.gui.compose.new_dialog import NewMessageDialog
from workbench.gui.compose.response_dialog import NewResponseDialog


@pytest.fixture
def window(qtbot):
    return make_window(qtbot)


def test_the_new_dialog_lists_the_events_and_creates_the_skeleton(qtbot, qtmodeltester, window) -> None:
    window.menu_actions["new"].trigger()  # File › New… (Ctrl+N)
    assert window.menu_actions["new"].shortcut().toString() == "Ctrl+N"
    dialog = window.composer.dialog
    assert isinstance(dialog, NewMessageDialog) and dialog.isVisible()
    model = dialog.events.model
    qtmodeltester.check(model)
    codes = [model.row(r).key for r in range(model.rowCount())]
    assert codes == [e.code for e in sendable_events()]
    assert "ITK001M" not in codes and "ITK002M" not in codes  # legacy: never offered
    assert not dialog.choose_event("ITK008M")  # listed, but a Response answers a message
    assert "New Response" in str(model.data(model.index(codes.index("ITK008M"), 0), Qt.ItemDataRole.ToolTipRole))
    # Every column says something: code, display, payload kind, MessageDefinition with version, workflow.
    row = [model.data(model.index(codes.index("ITK009D"), c)) for c in range(model.columnCount())]
    assert row == [
        "ITK009D",
        "ITK Digital Medicine Immunization Document",
        "document",
        "ITK-DM-Immunization-MessageDefinition-1 1.0.1",
        "DIGMED_FLU_VAC",
    ]
    # The search narrows the list; the event chosen is explained.
    dialog.events.search.setText("pathology")
    assert dialog.events.proxy.rowCount() == 1
    dialog.events.search.clear()
    assert dialog.choose_event("ITK009D")
    about = dialog.about.text()
    assert "Digital Medicine" in about and "DIGMED_FLU_VAC_ACK" in about and "version 1.0.1" in about
    # Who sends it; a mailbox with a space is refused in the dialog, which stays open.
    dialog.sender_field.set_kind("sds")
    dialog.sender_field.set_code("123456789012")
    dialog.receiver_field.set_kind("ods")
    dialog.receiver_field.set_code("RCV01")
    dialog.mailbox.setText("X26 OT112")
    dialog.syntax.setCurrentIndex(dialog.syntax.findData("json"))
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "mailbox" in dialog.problem.text() and window.open_tabs() == []
    dialog.mailbox.setText("X26OT112")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()

    tab = window.current_tab()
    assert tab.title() == "New ITK009D message*" and tab.session.syntax == "json" and tab.modified()
    values = form_of(window).values()
    assert (values.event, values.sender, values.receiver, values.mailbox) == (
        "ITK009D",
        Party("sds", "123456789012"),
        Party("ods", "RCV01"),
        "X26OT112",
    )
    assert tab.inspector.side_tabs.currentWidget() is form_of(window)  # a message being made: its header first
    assert form_of(window).note.isHidden()  # nothing to note: what is missing, the payload section says
    # Until the payload comes, the issues panel says exactly that and nothing else.
    wait_validated(qtbot, tab)
    issues = tab.inspector.issues.model.issues()
    assert [(i.severity, i.rule) for i in issues] == [("warning", "itk-focus-missing")]
    assert "No payload yet" in form_of(window).payload.summary.text()
    # The dialog remembers what was entered.
    again = window.composer.new_message()
    assert again.chosen_event().code == "ITK009D" and again.sender_field.party() == Party("sds", "123456789012")
    assert again.mailbox.text() == "X26OT112" and again.syntax.currentData() == "json"
    again.reject()


def test_the_start_page_new_opens_the_dialog(qtbot, window) -> None:
    qtbot.mouseClick(window.start_page.new_button, Qt.MouseButton.LeftButton)
    assert isinstance(window.composer.dialog, NewMessageDialog) and window.composer.dialog.isVisible()
    assert window.composer.dialog.choose_event("ITK007C")
    window.composer.dialog.events.sig_choice_activated.emit("ITK007C")  # a double-click creates it
    assert window.current_tab().name() == "New ITK007C message"


def test_a_new_response_answers_the_message_shown(qtbot, qtmodeltester, window, tmp_path) -> None:
    path = tmp_path / "letter.xml"
    path.write_bytes(message_with_recipient_type("FA"))
    original = open_and_wait(qtbot, window, path)
    message_id = original.session.labels.view.message_id
    window.menu_actions["new_response"].trigger()
    dialog = window.composer.dialog
    assert isinstance(dialog, NewResponseDialog)
    qtmodeltester.check(dialog.codes.model)
    assert dialog.codes.model.rowCount() == len(catalogue().responses)
    assert message_id in dialog.answering.text()
    assert dialog.chosen_code() == "20013"
    assert dialog.choose_code("20006")
    assert "negative (fatal-error)" in dialog.about.text()
    dialog.recipient_type.setCurrentIndex(dialog.recipient_type.findData("FA"))
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)

    tab = window.current_tab()
    assert tab is not original and tab.name() == "Response 20006 to letter.xml" and tab.modified()
    view = message_view(tab.session.document)
    assert view.is_response and view.response_codes == ["20006"] and view.response_code == "fatal-error"
    assert view.value("RecipientType") == "FA"
    form = form_of(window)
    assert form.response_box.isVisible() and not form.payload.isVisible()
    assert form.response_identifier.text() == message_id
    assert form.response_code.currentData() == "20006" and "fatal-error" in form.response_about.text()
    # Choosing another code in the form sets the issue, response.code and the InfAck convention at once.
    choose(form.response_code, "30001")
    view = message_view(tab.session.document)
    assert (view.response_codes, view.response_code, view.flag("InfAckRequested")) == (["30001"], "ok", True)
    assert "ok" in form.response_about.text()
    window.undo()
    assert message_view(tab.session.document).response_codes == ["20006"]
    assert form.response_code.currentData() == "20006"  # the form follows the undo
    wait_validated(qtbot, tab)
    assert not [i for i in tab.session.report.issues if i.is_error]
