"""The header form: typing, ticking and choosing edit the tree (one undo step each), the form
follows the tree (edits there, undo and redo), refused values never reach it, and the saved
file says what the form said."""

from __future__ import annotations

import pytest
from composehelpers import choose, form_of, new_tab, wait_validated
from guihelpers import make_window, session_of
from PySide6.QtCore import Qt

from workbench.core.codecs import read_file
from workbench.core.compose.form import HeaderForm
from workbench.core.compose.skeleton import Party
from workbench.core.itk3.view import message_view
from workbench.gui.widgets import dialogs


@pytest.fixture
def window(qtbot):
    return make_window(qtbot)


def test_typing_ticking_and_choosing_edit_the_tree_one_step_each(qtbot, window, tmp_path, monkeypatch) -> None:
    tab = new_tab(window, "ITK003D")
    form = form_of(window)
    session = session_of(window)
    start = session.version

    # Ticking: BusAckRequested off; the pattern is said in words.
    assert form.pattern.text().startswith("Full acknowledgement")
    qtbot.mouseClick(form.bus_ack, Qt.MouseButton.LeftButton)
    assert message_view(session.document).flag("BusAckRequested") is False
    assert form.pattern.text() == "Technical only: the receiver sends one infrastructure acknowledgement"
    assert window.menu_actions["undo"].text() == "&Undo Set BusAckRequested to false"

    # Choosing: RecipientType FI, with its meaning; another event, whose MessageDefinition follows.
    choose(form.recipient_type, "FI")
    assert message_view(session.document).value("RecipientType") == "FI"
    assert form.recipient_meaning.text().startswith("For Information")
    choose(form.event_combo, "ITK006D")
    view = message_view(session.document)
    assert (view.event_code, view.event_display) == ("ITK006D", "ITK Outpatient Letter")
    assert view.value("MessageDefinition").endswith("ITK-OPL-MessageDefinition-4")
    assert form.message_definition.itemData(0).endswith("ITK-OPL-MessageDefinition-4")  # the current one first
    assert "version" in form.message_definition.currentText()

    # Typing: the SenderReference counter counts as you type; leaving the field sets it.
    form.sender_reference.setFocus()
    form.sender_reference.selectAll()
    qtbot.keyClicks(form.sender_reference, "ENC-2024-0001")
    assert form.counter.text() == "13 / 255"
    assert message_view(session.document).value("SenderReference") == "None"  # not yet: still typing
    qtbot.keyClick(form.sender_reference, Qt.Key.Key_Return)
    assert message_view(session.document).value("SenderReference") == "ENC-2024-0001"

    # A sender as a Practitioner by SDS user id; a receiver Organization by ODS code.
    form.sender_field.set_kind("sds")
    form.sender_field.set_code("123456789012")
    form.receiver_field.set_kind("ods")
    form.receiver_field.set_code("RCV01")
    view = message_view(session.document)
    assert view.sender.resource.name == "Practitioner" and view.receiver.resource.name == "Organization"
    assert HeaderForm(session.document).values().sender == Party("sds", "123456789012")

    # The timestamp's Now; the mailbox typed.
    old = message_view(session.document).timestamp
    qtbot.mouseClick(form.now_button, Qt.MouseButton.LeftButton)
    assert message_view(session.document).timestamp != old
    form.mailbox.setFocus()
    form.mailbox.selectAll()
    qtbot.keyClicks(form.mailbox, "RX1OT001")
    qtbot.keyClick(form.mailbox, Qt.Key.Key_Tab)
    assert message_view(session.document).source_endpoint == "RX1OT001"

    steps = session.version - start
    assert steps == 9  # one undo step per change
    # Undo walks back one field at a time, and the form follows.
    window.undo()
    assert form.mailbox.text() == "X26ABC1"
    for _ in range(steps - 1):
        window.undo()
    view = message_view(session.document)
    assert (view.event_code, view.flag("BusAckRequested"), view.value("RecipientType")) == ("ITK003D", True, "FA")
    assert form.bus_ack.isChecked() and form.recipient_type.currentData() == "FA" and form.counter.text() == "4 / 255"
    for _ in range(steps):
        window.redo()
    assert form.sender_reference.text() == "ENC-2024-0001" and form.mailbox.text() == "RX1OT001"

    # Saved, the file says what the form says.
    target = tmp_path / "letter.xml"
    monkeypatch.setattr(dialogs, "ask_save_target", lambda *args: dialogs.SaveTarget(str(target)))
    window.save_as_xml()
    saved = message_view(read_file(target))
    assert (saved.event_code, saved.value("SenderReference"), saved.source_endpoint) == (
        "ITK006D",
        "ENC-2024-0001",
        "RX1OT001",
    )
    assert saved.flag("BusAckRequested") is False and saved.value("RecipientType") == "FI"
    assert not tab.modified()


def test_refused_values_never_reach_the_tree(qtbot, window) -> None:
    new_tab(window)
    form = form_of(window)
    session = session_of(window)
    version = session.version
    form.sender_reference.setFocus()
    form.sender_reference.selectAll()
    qtbot.keyClicks(form.sender_reference, "x" * 256)
    assert form.counter.text() == "256 / 255"
    qtbot.keyClick(form.sender_reference, Qt.Key.Key_Return)
    assert session.version == version and message_view(session.document).value("SenderReference") == "None"
    assert "256 characters; the most is 255" in form.problem.text() and form.problem.isVisible()
    assert "255" in window.message_bar.message() and window.message_bar.level() == "warning"
    assert form.sender_reference.styleSheet()  # marked
    # A timestamp without its time zone, and an ODS code with a space, are refused the same way.
    form.timestamp.setFocus()
    form.timestamp.selectAll()
    qtbot.keyClicks(form.timestamp, "2024-03-01T09:30:00")
    qtbot.keyClick(form.timestamp, Qt.Key.Key_Return)
    form.sender_field.set_code("X2 6")
    assert session.version == version
    assert "ODS code" in form.problem.text() or "spaces" in form.problem.text()


def test_the_form_follows_edits_made_in_the_tree(qtbot, window) -> None:
    tab = new_tab(window)
    form = form_of(window)
    session = session_of(window)
    view = message_view(session.document)
    session.set_value(view.handling["LocalExtension"].node.child("valueString"), "SendDocument-ConsultationReport")
    assert form.local_extension.text() == "SendDocument-ConsultationReport"
    session.set_value(view.handling["InfAckRequested"].node.child("valueBoolean"), "false")
    assert not form.inf_ack.isChecked() and form.pattern.text().startswith("Business only")
    session.delete(view.handling["RecipientType"].node)
    assert "10010" in form.recipient_meaning.text()
    window.undo()
    assert form.recipient_meaning.text().startswith("For Action")
    # A message that is not an ITK3 message has no header to fill in.
    session.delete(view.entries[0].node)
    assert form.not_itk3.isVisible() and not form.handling_box.isEnabled() and form.values() is None
    window.undo()
    assert not form.not_itk3.isVisible() and form.handling_box.isEnabled()
    wait_validated(qtbot, tab)
