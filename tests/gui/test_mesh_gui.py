"""MESH in the window, against a real mesh-sandbox: the local MESH menu item, sending, the auto-responder,
polling, the conversation in the Messages view; Settings › MESH… and its secrets; failures and retries.

Expectations come from the core: the loopback simulation of the same message gives the Responses
and the state a MESH round trip must end in; the store says what was kept.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import EXAMPLES, require_shared
from guihelpers import make_window, open_and_wait
from PySide6.QtCore import Qt

from workbench.core.acks.settings import load_settings
from workbench.core.acks.simulation import run_round_trip
from workbench.core.exchange.settings import config_path, secrets_path
from workbench.core.itk3.routing import workflow_for_event
from workbench.core.store import MessageStore, Query, default_store_path
from workbench.core.transport.mesh import MeshTransport
from workbench.core.transport.sandbox import LocalMesh
from workbench.core.validation.runner import Validator
from workbench.gui.main_window import MainWindow
from workbench.gui.mesh.send_dialog import SendDialog
from workbench.gui.mesh.settings_dialog import MeshSettingsDialog

pytest.importorskip("mesh_sandbox", reason="mesh-sandbox is not installed (it supports Python < 3.14 only)")

OPL = EXAMPLES / "FHIR_MESH" / "test_messages" / "ToC-WT02-04-op_letter_full_payload_example_01-corrected.xml"
START_TIMEOUT_MS = 60_000
MESH_TIMEOUT_MS = 30_000
PASSWORD = "password"  # the sandbox's test password
SECRET_KEY = "TestKey"  # the key LocalMesh gives the sandbox


def drain(mesh: LocalMesh, *mailboxes: str) -> None:
    """Leave the sandbox's mailboxes empty."""
    for mailbox in mailboxes:
        with MeshTransport(mesh.connection(mailbox)) as transport:
            for message_id in transport.poll():
                transport.acknowledge(None, message_id)


def waiting(mesh: LocalMesh, mailbox: str) -> list[str]:
    with MeshTransport(mesh.connection(mailbox)) as transport:
        return transport.poll()


def stored(query: Query | None = None) -> list:
    with MessageStore(default_store_path()) as store:
        return store.query(query)


def send_shown(qtbot, window: MainWindow, to: str | None = None) -> tuple[str, str]:
    """MESH › Send Over MESH… on the message shown; choose the recipient; click Send.

    Returns the recipient and workflow the dialog offered.
    """
    with qtbot.waitSignal(window.mesh.sig_dialog_shown, timeout=MESH_TIMEOUT_MS) as shown:
        window.menu_actions["mesh_send"].trigger()
    dialog = shown.args[0]
    assert isinstance(dialog, SendDialog) and dialog.isVisible()
    offered = (dialog.recipient.currentText(), dialog.workflow.currentText())
    if to is not None:
        dialog.recipient.setCurrentText(to)
    with qtbot.waitSignal(window.mesh.service.sig_sent, timeout=MESH_TIMEOUT_MS):
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    return offered


@pytest.fixture
def window(qtbot) -> MainWindow:
    made = make_window(qtbot)
    made.mesh.service.set_prefs(replace(made.mesh.service.prefs(), poll_seconds=0))  # polls only when asked
    return made


def test_local_mesh_from_the_menu_round_trip_in_the_view(qtbot, window) -> None:
    data = require_shared(OPL).read_bytes()
    loopback = run_round_trip(data, validator=Validator())
    open_and_wait(qtbot, window, OPL)
    service = window.mesh.service
    assert window.menu_actions["mesh_local"].text() == "Start &Local MESH"
    with qtbot.waitSignal(service.sig_local_changed, timeout=START_TIMEOUT_MS) as started:
        window.menu_actions["mesh_local"].trigger()
        assert window.mesh.indicator.status().state == "starting" and window.mesh.indicator.busy.isVisibleTo(window)
    info = started.args[0]
    assert info.url.startswith("http://127.0.0.1:")
    text = window.message_bar.message()
    assert info.url in text and "X26ABC1" in text and "X26ABC2" in text  # its URL and mailboxes, shown
    assert window.menu_actions["mesh_local"].text() == "Stop &Local MESH"
    assert window.menu_actions["mesh_use_local"].isChecked() and window.menu_actions["mesh_auto_respond"].isChecked()
    assert "X26ABC1" in window.mesh.indicator.status().text
    assert not config_path().exists()  # the user's own MESH settings are not touched
    sandbox = service._sandbox
    assert sandbox is not None and sandbox.running

    # Send the message shown to the auto-responder's mailbox: the defaults come from the catalogue
    assert send_shown(qtbot, window) == ("X26ABC2", workflow_for_event("ITK006D"))
    # the poll that follows a send: the auto-responder answers, the Responses come back, the ack of the business one
    qtbot.waitUntil(
        lambda: [r.conversation_state for r in stored(Query(direction="out", event="ITK006D"))] == ["complete"],
        timeout=MESH_TIMEOUT_MS,
    )
    qtbot.waitUntil(lambda: not service.worker.busy(), timeout=MESH_TIMEOUT_MS)
    (message,) = stored(Query(direction="out", event="ITK006D"))
    assert message.mailbox == "X26ABC1" and message.peer == "X26ABC2" and message.state in ("sent", "delivered")
    assert message.conversation_state == loopback.final_state == "complete"
    assert window.mesh.indicator.status().unread == len(loopback.responses)  # the Responses came to X26ABC1
    assert f"{len(loopback.responses)} new" in window.mesh.indicator.status().text

    # The Messages view: the conversation complete, drawn as the loopback run is
    view = window.mesh.view
    with qtbot.waitSignal(view.sig_listed, timeout=MESH_TIMEOUT_MS):
        qtbot.mouseClick(window.mesh.indicator.button, Qt.MouseButton.LeftButton)
    assert window.mesh.dock.isVisible()
    with qtbot.waitSignal(view.sig_conversation_shown, timeout=MESH_TIMEOUT_MS) as shown:
        view.select_id(message.id)
    conversation = shown.args[0]
    assert conversation.mailbox == "X26ABC1"
    arrows = view.conversation.diagram.diagram_layout().arrows
    assert [(a.event.kind, a.event.label) for a in arrows] == [(e.kind, e.label) for e in loopback.arrows]
    assert conversation.trip.result.final_state == "complete" and "over MESH" in conversation.trip.title
    responses = [r.id for r in conversation.rows if r.kind == "response"]
    view.table.clearSelection()
    for response in responses:
        view.select_id(response)
    assert window.mesh.indicator.status().unread == 0  # looked at

    # Use Local MESH off: back to the user's own settings (none here), the local MESH still running
    window.menu_actions["mesh_use_local"].trigger()
    assert service.profile() is None and window.mesh.indicator.status().state == "off" and sandbox.running
    window.menu_actions["mesh_use_local"].trigger()
    assert service.profile() is not None and service.profile().local

    # Quitting stops the local MESH
    window.close()
    assert not sandbox.running


def test_mesh_settings_keep_secrets_stored_not_shown_not_logged(
    qtbot, window, local_mesh: LocalMesh, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    drain(local_mesh, "X26ABC1", "X26ABC2")
    unique = "Wr0ng-Unique-Secret-42"
    service = window.mesh.service
    assert window.mesh.indicator.status().state == "off"
    with qtbot.waitSignal(window.mesh.sig_dialog_shown, timeout=MESH_TIMEOUT_MS) as shown:
        window.menu_actions["mesh_settings"].trigger()
    dialog: MeshSettingsDialog = shown.args[0]
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=MESH_TIMEOUT_MS)  # read in the worker
    assert "no password stored" in dialog.password.edit.placeholderText()
    qtbot.keyClicks(dialog.url, local_mesh.url)
    qtbot.keyClicks(dialog.mailbox, "X26ABC1")
    qtbot.keyClicks(dialog.password.edit, unique)
    qtbot.keyClicks(dialog.shared_key.edit, SECRET_KEY)
    assert dialog.password.edit.echoMode() == dialog.password.edit.EchoMode.Password
    with qtbot.waitSignal(dialog.sig_saved, timeout=MESH_TIMEOUT_MS) as saved:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    place = saved.args[0]
    assert str(secrets_path()) in place or place == "the system keyring"
    qtbot.waitUntil(lambda: service.profile() is not None, timeout=MESH_TIMEOUT_MS)
    assert service.profile().mailbox == "X26ABC1" and not service.profile().local
    # stored: the config file has no secret, the secrets file is private, the settings file has none
    config = config_path().read_text()
    assert local_mesh.url in config and unique not in config and SECRET_KEY not in config
    if secrets_path().exists():
        assert secrets_path().stat().st_mode & 0o077 == 0
    ini = (Path(os.environ["ITK_WORKBENCH_HOME"]) / "settings.ini").read_text()
    assert unique not in ini and SECRET_KEY not in ini
    # not shown again: the fields are empty and say a secret is stored
    dialog.close()
    with qtbot.waitSignal(window.mesh.sig_dialog_shown, timeout=MESH_TIMEOUT_MS):
        window.menu_actions["mesh_settings"].trigger()
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=MESH_TIMEOUT_MS)
    assert dialog.password.edit.text() == "" and dialog.shared_key.edit.text() == ""
    assert "a password is stored" in dialog.password.edit.placeholderText()
    assert dialog.url.text() == local_mesh.url
    # Test Connection names what failed (the password is wrong), never the secret
    dialog.test_button.click()
    qtbot.waitUntil(lambda: "refused the credentials" in dialog.test_result.text(), timeout=MESH_TIMEOUT_MS)
    assert unique not in dialog.test_result.text() and "X26ABC1" in dialog.test_result.text()
    # replaced by typing the right one; kept when left alone
    qtbot.keyClicks(dialog.password.edit, PASSWORD)
    with qtbot.waitSignal(dialog.sig_saved, timeout=MESH_TIMEOUT_MS):
        dialog.save_button.click()
    assert dialog.password.edit.text() == "" and "a password is stored" in dialog.password.edit.placeholderText()
    dialog.test_button.click()
    qtbot.waitUntil(lambda: "accepted the credentials" in dialog.test_result.text(), timeout=MESH_TIMEOUT_MS)
    dialog.close()
    open_and_wait(qtbot, window, OPL)
    send_shown(qtbot, window, to="X26ABC2")
    assert len(waiting(local_mesh, "X26ABC2")) == 1
    # cleared: gone, and MESH says what is missing
    with qtbot.waitSignal(window.mesh.sig_dialog_shown, timeout=MESH_TIMEOUT_MS):
        window.menu_actions["mesh_settings"].trigger()
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=MESH_TIMEOUT_MS)
    dialog.password.clear_button.click()
    with qtbot.waitSignal(dialog.sig_saved, timeout=MESH_TIMEOUT_MS):
        dialog.save_button.click()
    qtbot.waitUntil(lambda: service.profile() is None, timeout=MESH_TIMEOUT_MS)
    assert "password" in service.problem() and window.mesh.indicator.status().state == "off"
    # never logged, never shown
    assert caplog.records  # the HTTP traffic was logged...
    for record in caplog.records:  # ...without a secret
        assert unique not in record.getMessage() and SECRET_KEY not in record.getMessage()
    assert unique not in window.message_bar.message()
    drain(local_mesh, "X26ABC1", "X26ABC2")


def test_failures_are_named_kept_and_sent_once_on_retry(qtbot, window, local_mesh: LocalMesh) -> None:
    drain(local_mesh, "X26ABC1", "X26ABC2")
    from workbench.core.exchange import MeshSettings
    from workbench.core.transport.mesh import Secret

    service = window.mesh.service
    good = MeshSettings(url=local_mesh.url, mailbox="X26ABC1", password=Secret(PASSWORD), shared_key=Secret(SECRET_KEY))
    wrong = good.changed(password=Secret("not-the-password"))
    with qtbot.waitSignal(service.sig_profile_changed, timeout=MESH_TIMEOUT_MS):
        service.save_settings(wrong, lambda _place: None, lambda _why: None)
    open_and_wait(qtbot, window, OPL)
    send_shown(qtbot, window, to="X26ABC2")
    text = window.message_bar.message()
    assert window.message_bar.level() == "error"
    assert "refused the credentials" in text and "X26ABC1" in text and local_mesh.url in text
    assert "not-the-password" not in text and "kept in the store" in text
    (failed,) = stored(Query(state="failed"))
    assert failed.error_kind == "credentials" and failed.attempts == 1
    assert window.mesh.indicator.status().state == "failing"
    # the password mended: Retry Failed sends it, once
    with qtbot.waitSignal(service.sig_profile_changed, timeout=MESH_TIMEOUT_MS):
        service.save_settings(good, lambda _place: None, lambda _why: None)
    with qtbot.waitSignal(service.sig_retried, timeout=MESH_TIMEOUT_MS) as retried:
        window.menu_actions["mesh_retry"].trigger()
    assert retried.args[0].asked and [o.sent for o in retried.args[0].outcomes] == [True]
    assert window.message_bar.message() == ""  # the failure it told of has gone
    assert len(waiting(local_mesh, "X26ABC2")) == 1
    assert stored(Query(state="failed")) == []
    # the server down: kept, named, and sent automatically (once) when it answers again
    down = good.changed(url="http://127.0.0.1:9")
    with qtbot.waitSignal(service.sig_profile_changed, timeout=MESH_TIMEOUT_MS):
        service.save_settings(down, lambda _place: None, lambda _why: None)
    service.retry_base = 0.2  # the back-off, short for the test
    send_shown(qtbot, window, to="X26ABC2")
    assert "cannot be reached" in window.message_bar.message()
    assert len(stored(Query(state="failed"))) == 1
    with qtbot.waitSignal(service.sig_retried, timeout=MESH_TIMEOUT_MS) as retried:
        service.save_settings(good, lambda _place: None, lambda _why: None)
    qtbot.waitUntil(lambda: not stored(Query(state="failed")), timeout=MESH_TIMEOUT_MS)
    assert len(waiting(local_mesh, "X26ABC2")) == 2  # the first one, and this one once
    assert window.mesh.indicator.status().state == "ok"
    # Resend from the Messages view: a new transfer of the same bytes, to the same mailbox and workflow
    view = window.mesh.view
    with qtbot.waitSignal(view.sig_listed, timeout=MESH_TIMEOUT_MS):
        window.menu_actions["messages"].trigger()
    before = stored(Query(direction="out"))
    view.select_id(before[0].id)
    qtbot.waitUntil(view.commands["resend"].isEnabled, timeout=MESH_TIMEOUT_MS)
    with qtbot.waitSignal(window.mesh.sig_dialog_shown, timeout=MESH_TIMEOUT_MS) as shown:
        view.commands["resend"].trigger()
    dialog = shown.args[0]
    assert (dialog.recipient.currentText(), dialog.workflow.currentText()) == ("X26ABC2", before[0].workflow_id)
    with qtbot.waitSignal(service.sig_sent, timeout=MESH_TIMEOUT_MS) as sent:
        dialog.send_button.click()
    outcome = sent.args[0].outcome
    assert outcome.sent and outcome.row.id not in {r.id for r in before} and outcome.row.sha256 == before[0].sha256
    assert len(waiting(local_mesh, "X26ABC2")) == 3
    # an unknown recipient: Retry in the view tries it once more and says it failed again
    send_shown(qtbot, window, to="X26NOPE9")
    assert "does not know the recipient mailbox X26NOPE9" in window.message_bar.message()
    assert window.mesh.indicator.status().state == "ok"  # the message's problem, not the connection's
    (unknown,) = stored(Query(state="failed"))
    qtbot.waitUntil(lambda: view.model.row_of(unknown.id) >= 0, timeout=MESH_TIMEOUT_MS)
    view.table.clearSelection()
    view.select_id(unknown.id)
    qtbot.waitUntil(view.commands["retry"].isEnabled, timeout=MESH_TIMEOUT_MS)
    window.message_bar.clear()
    with qtbot.waitSignal(service.sig_retried, timeout=MESH_TIMEOUT_MS) as retried:
        view.commands["retry"].trigger()
    assert retried.args[0].asked and [o.row.id for o in retried.args[0].outcomes] == [unknown.id]
    assert "Not sent again" in window.message_bar.message() and "X26NOPE9" in window.message_bar.message()
    assert stored(Query(state="failed"))[0].attempts == 2
    drain(local_mesh, "X26ABC1", "X26ABC2")


def test_the_auto_responder_answers_under_the_receiver_settings_chosen(qtbot, window, tmp_path: Path) -> None:
    """A receiver settings file chosen in Settings › MESH…: the local MESH answers as it says."""
    toml = tmp_path / "picky.toml"
    toml.write_text('known_senders = ["NOT-THEM"]\n')  # every other sender is unknown: 20003
    data = require_shared(OPL).read_bytes()
    loopback = run_round_trip(data, receiver=load_settings(toml), validator=Validator())
    assert loopback.final_state == "rejected"
    service = window.mesh.service
    with qtbot.waitSignal(service.sig_local_changed, timeout=START_TIMEOUT_MS):
        window.menu_actions["mesh_local"].trigger()
    with qtbot.waitSignal(window.mesh.sig_dialog_shown, timeout=MESH_TIMEOUT_MS) as shown:
        window.menu_actions["mesh_settings"].trigger()
    dialog: MeshSettingsDialog = shown.args[0]
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=MESH_TIMEOUT_MS)
    dialog.tabs.setCurrentIndex(2)
    dialog.receiver.setCurrentIndex(dialog.receiver.findData(""))  # "Your receiver settings file (TOML)…"
    assert dialog.receiver_file.isEnabled()
    qtbot.keyClicks(dialog.receiver_file.edit, str(toml))
    with qtbot.waitSignal(dialog.sig_saved, timeout=MESH_TIMEOUT_MS):
        dialog.save_button.click()
    assert service.prefs().receiver == str(toml) and service.profile().responder == "X26ABC2"
    open_and_wait(qtbot, window, OPL)
    send_shown(qtbot, window, to="X26ABC2")
    qtbot.waitUntil(
        lambda: [r.conversation_state for r in stored(Query(direction="out", event="ITK006D"))] == ["rejected"],
        timeout=MESH_TIMEOUT_MS,
    )
    codes = [r.response_code for r in stored(Query(direction="in", mailbox="X26ABC1"))]
    assert codes == [r.itk_code for r in loopback.responses]
