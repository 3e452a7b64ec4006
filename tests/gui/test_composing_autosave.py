"""Autosave: modified tabs are written every few seconds (atomically, off the GUI thread), forgotten
once saved or closed; a killed process's edits are offered back by the next window, those of a
workbench still running are not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from composehelpers import choose, form_of, new_tab
from conftest import PROJECT
from guihelpers import make_window, session_of
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from workbench.core.compose.autosave import AutosaveStore
from workbench.core.itk3.view import message_view
from workbench.gui.compose.autosaving import AUTOSAVE_INTERVAL_MS, RecoveryDialog
from workbench.gui.widgets import dialogs

#: A workbench that makes a message, edits it in the header form, autosaves and waits to be killed.
CHILD = textwrap.dedent(
    """
    import sys
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from workbench.core.compose.skeleton import MessageSpec
    from workbench.gui.compose.new_dialog import NewMessageRequest
    from workbench.gui.context import AppContext
    from workbench.gui.main_window import MainWindow
    window = MainWindow(AppContext())
    window.show()
    tab = window.composer.create(NewMessageRequest(MessageSpec("ITK006D"), "json"))
    form = window.composer.header_form(tab)
    form.set_field("sender_reference", "kept-after-a-kill")
    form.set_field("bus_ack", False)
    window.composer.autosave.sig_autosaved.connect(lambda key: print("AUTOSAVED", key, flush=True))
    window.composer.autosave.autosave_now()
    app.exec()
    """
)


def test_a_killed_process_edits_come_back_in_the_next_window(qtbot) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True, env=env)
    try:
        line = child.stdout.readline()  # blocks until the autosave is on disk
        assert line.startswith("AUTOSAVED"), line
        window = make_window(qtbot)
        assert window.composer.offer_recovery() is None  # that workbench still runs: its edits are its own
    finally:
        child.send_signal(signal.SIGKILL)  # no chance to clean up
        child.wait(timeout=30)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL

    dialog = window.composer.offer_recovery()
    assert isinstance(dialog, RecoveryDialog) and dialog.isVisible()
    assert dialog.list.count() == 1 and "New ITK006D message" in dialog.list.item(0).text()
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    tab = window.current_tab()
    assert tab is not None and tab.name() == "New ITK006D message" and tab.modified()
    session = session_of(window)
    assert session.syntax == "json" and session.key == line.split()[1]
    view = message_view(session.document)
    assert view.value("SenderReference") == "kept-after-a-kill" and view.flag("BusAckRequested") is False
    assert "restored from an autosave" in form_of(window).note.text()
    # Still unsaved, so still kept on disk; discarding its edits (closing the tab) forgets it.
    assert [e.key for e in AutosaveStore().entries()] == [session.key]
    window.close_tab(tab)
    window.question.button(QMessageBox.StandardButton.Discard).click()
    assert AutosaveStore().entries() == []
    assert window.composer.offer_recovery() is None  # nothing left to offer


def test_modified_tabs_are_autosaved_and_forgotten_once_saved(qtbot, tmp_path, monkeypatch) -> None:
    window = make_window(qtbot)
    autosave = window.composer.autosave
    assert autosave.timer.isActive() and autosave.timer.interval() == AUTOSAVE_INTERVAL_MS
    tab = new_tab(window, "ITK003D")
    store = autosave.store
    with qtbot.waitSignal(autosave.sig_autosaved, timeout=10_000):
        autosave.timer.timeout.emit()  # a tick of the timer
    [entry] = store.entries()
    assert entry.key == tab.session.key and entry.version == tab.session.version
    assert autosave.autosave_now() == 0  # nothing changed since: nothing written
    choose(form_of(window).recipient_type, "FI")
    with qtbot.waitSignal(autosave.sig_autosaved, timeout=10_000):
        assert autosave.autosave_now() == 1
    assert store.entries()[0].version == tab.session.version
    # Saved: the next tick forgets the autosave.
    target = tmp_path / "saved.xml"
    monkeypatch.setattr(dialogs, "ask_save_target", lambda *args: dialogs.SaveTarget(str(target)))
    window.save_as_xml()
    autosave.autosave_now()
    assert store.entries() == []


@pytest.mark.parametrize("choice", ["discard", "later"])
def test_the_offer_can_be_declined(qtbot, choice) -> None:
    first = make_window(qtbot)
    tab = new_tab(first, "ITK003D")
    with qtbot.waitSignal(first.composer.autosave.sig_autosaved, timeout=10_000):
        first.composer.autosave.autosave_now()
    first.composer.autosave.stop()  # as if the process died here: the window is not closed
    second = make_window(qtbot)
    dialog = second.composer.offer_recovery()
    assert dialog is not None and dialog.list.count() == 1
    button = dialog.discard_button if choice == "discard" else dialog.later_button
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert second.open_tabs() == []
    assert len(AutosaveStore().entries()) == (0 if choice == "discard" else 1)
    assert tab.session is not None
