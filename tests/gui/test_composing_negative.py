"""Tools › Make Negative Test…: the codes offered, a copy the receiver answers with the code chosen
opened in a new tab with a note, and what receiver-dependent codes and unreadable copies need."""

from __future__ import annotations

import pytest
from composehelpers import form_of
from conftest import EXAMPLES, require_shared
from guihelpers import make_window, message_with_recipient_type, open_and_wait
from PySide6.QtCore import Qt

from workbench.core.acks.receiver import ReceiverState, decide
from workbench.core.acks.settings import ReceiverSettings, load_settings
from workbench.core.clock import SystemClock, random_ids
from workbench.core.compose.negative import negative_codes
from workbench.core.itk3.view import message_view
from workbench.gui.compose import negative_dialog
from workbench.gui.compose.negative_dialog import NegativeDialog

TIMEOUT_MS = 30_000
LETTER = "ToC-WT02-04-op_letter_full_payload_example_01-corrected.xml"


def answer(data: bytes, settings: ReceiverSettings):
    """What the workbench's receiver decides for these bytes."""
    return decide(data, settings, ReceiverState(), clock=SystemClock(), ids=random_ids)


@pytest.fixture
def accepted(qtbot, tmp_path):
    """A window showing a message the workbench's receiver accepts (20013)."""
    window = make_window(qtbot)
    path = tmp_path / "letter.xml"
    path.write_bytes(message_with_recipient_type("FA"))
    open_and_wait(qtbot, window, path)
    return window


def make(qtbot, window, dialog: NegativeDialog, code: str):
    assert dialog.choose_code(code)
    before = len(window.open_tabs())
    qtbot.mouseClick(dialog.make_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.open_tabs()) > before or dialog.problem.isVisible(), timeout=TIMEOUT_MS)
    return window.current_tab()


def test_a_copy_answered_with_the_code_opens_with_a_note(qtbot, qtmodeltester, accepted, tmp_path, monkeypatch) -> None:
    window = accepted
    original = window.current_tab()
    window.menu_actions["make_negative"].trigger()
    dialog = window.composer.dialog
    assert isinstance(dialog, NegativeDialog) and dialog.isVisible()
    qtmodeltester.check(dialog.codes.model)
    offered = [dialog.codes.model.row(r) for r in range(dialog.codes.model.rowCount())]
    assert [r.key for r in offered] == [c.code for c in negative_codes()]
    needs = {r.key: r.cells[2] for r in offered}
    assert needs["10010"] == "the message's content" and needs["20003"].startswith("receiver settings")
    assert needs["20007"] == "a second send"

    # A code the content alone causes: the copy opens in a new tab, the note says what changed.
    tab = make(qtbot, window, dialog, "10010")
    assert tab is not original and tab.name() == "letter – negative 10010" and tab.modified()
    note = form_of(window, tab).note.text()
    assert note.startswith("Negative test for 10010") and "RecipientType" in note
    assert tab.inspector.side_tabs.currentWidget() is form_of(window, tab)
    data = tab.session.render()
    assert answer(data, ReceiverSettings()).infrastructure_code == "10010"
    assert "10010" in dialog.status.text() and dialog.save_settings_button.isHidden()

    # A code that depends on what the receiver knows: the settings come with it, to save or use.
    tab = make(qtbot, window, dialog, "20003")
    negative = dialog.last()
    assert negative.code == "20003" and negative.settings is not None
    assert not dialog.save_settings_button.isHidden() and not dialog.use_settings_button.isHidden()
    target = tmp_path / "receiver.toml"
    monkeypatch.setattr(negative_dialog, "ask_toml_path", lambda *args: str(target))
    qtbot.mouseClick(dialog.save_settings_button, Qt.MouseButton.LeftButton)
    settings = load_settings(target)
    assert answer(tab.session.render(), settings).infrastructure_code == "20003"
    qtbot.mouseClick(dialog.use_settings_button, Qt.MouseButton.LeftButton)
    assert window.simulate_window is not None
    assert window.simulate_window.settings_form.settings().known_senders == settings.known_senders

    # A duplicate says it needs a second send.
    make(qtbot, window, dialog, "20007")
    assert "second send" in dialog.status.text()


def test_an_unreadable_copy_opens_as_such_and_can_be_saved(qtbot, accepted, tmp_path, monkeypatch) -> None:
    window = accepted
    dialog = window.composer.make_negative()
    tab = make(qtbot, window, dialog, "10009")
    assert tab.session is not None and not tab.session.readable  # cut short: the tab shows where reading stopped
    assert "10009" in window.message_bar.message()
    assert not dialog.save_bytes_button.isHidden()
    target = tmp_path / "cut.xml"
    monkeypatch.setattr(negative_dialog, "ask_bytes_path", lambda *args: str(target))
    qtbot.mouseClick(dialog.save_bytes_button, Qt.MouseButton.LeftButton)
    assert target.read_bytes() == dialog.last().data


def test_a_message_the_receiver_rejects_gives_no_copy(qtbot, tmp_path) -> None:
    window = make_window(qtbot)
    path = tmp_path / "fx.xml"
    path.write_bytes(message_with_recipient_type("FX"))
    open_and_wait(qtbot, window, path)
    dialog = window.composer.make_negative()
    make(qtbot, window, dialog, "20006")
    assert "starts from an accepted message" in dialog.problem.text() and len(window.open_tabs()) == 1
    assert message_view(window.current_tab().session.document).value("RecipientType") == "FX"


def test_a_replacement_the_receiver_cannot_process_over_a_real_message(qtbot, tmp_path) -> None:
    """20014 over the real ToC letter: the copy replaces a document never sent, and the settings it
    needs (a receiver that processes only replacements of what it holds) go to the Simulate window."""
    window = make_window(qtbot)
    letter = require_shared(EXAMPLES / "FHIR_MESH" / "test_messages" / LETTER)
    open_and_wait(qtbot, window, letter)
    dialog = window.composer.make_negative()
    offered = {
        dialog.codes.model.row(r).key: dialog.codes.model.row(r).cells[2] for r in range(dialog.codes.model.rowCount())
    }
    assert all(offered[c].startswith("receiver settings") for c in ("10005", "20010", "20011", "20014"))
    tab = make(qtbot, window, dialog, "20014")
    negative = dialog.last()
    assert negative.settings is not None and negative.settings.replacements_need_original
    note = form_of(window, tab).note.text()
    assert "now replaces the document" in note and "never received" in note
    assert "Only a receiver with the settings that come with it answers 20014" in note
    assert answer(tab.session.render(), negative.settings).infrastructure_code == "20014"
    assert answer(tab.session.render(), ReceiverSettings()).infrastructure_code == "20013"
    qtbot.mouseClick(dialog.use_settings_button, Qt.MouseButton.LeftButton)
    form = window.simulate_window.settings_form
    assert form.editors["replacements_need_original"].isChecked()
    assert form.settings().replacements_need_original
