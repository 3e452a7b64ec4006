"""The MESH-client folder transport, and MESH settings from arguments, environment and files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import EXAMPLES, require_shared

from workbench.core.acks.simulation import run_round_trip
from workbench.core.exchange import Exchange, MeshSettings, MeshSettingsError, load_mesh_settings, save_mesh_settings
from workbench.core.exchange.settings import secrets_path, secrets_place
from workbench.core.store import MessageStore
from workbench.core.transport.base import Envelope
from workbench.core.transport.folder import FolderTransport, read_control, relay
from workbench.core.transport.mesh import Secret
from workbench.core.validation.runner import Validator

OPL = EXAMPLES / "FHIR_MESH" / "test_messages" / "ToC-WT02-04-op_letter_full_payload_example_01-corrected.xml"


def test_folder_transport_writes_mesh_client_pairs(tmp_path: Path) -> None:
    a = FolderTransport(tmp_path, "X26ABC1")
    b = FolderTransport(tmp_path, "X26ABC2")
    delivery = a.send(Envelope(b"<Bundle/>", "", "X26ABC2", "TOC_FHIR_OP_ATTEN", "local-1", subject="ITK3 ITK006D"))
    ctl = tmp_path / "X26ABC1" / "OUT" / f"{delivery.transport_id}.ctl"
    fields = read_control(ctl)
    assert fields["From_DTS"] == "X26ABC1" and fields["To_DTS"] == "X26ABC2"
    assert fields["WorkflowId"] == "TOC_FHIR_OP_ATTEN" and fields["LocalId"] == "local-1"
    assert ctl.with_suffix(".dat").read_bytes() == b"<Bundle/>"
    assert a.find_sent("local-1") == delivery.transport_id
    assert relay(tmp_path) == 1
    assert a.find_sent("local-1") is not None and not list((tmp_path / "X26ABC1" / "OUT").iterdir())
    (waiting,) = b.poll()
    received = b.receive(None, waiting)
    assert received.envelope.data == b"<Bundle/>" and received.envelope.from_mailbox == "X26ABC1"
    assert received.envelope.workflow_id == "TOC_FHIR_OP_ATTEN" and received.envelope.local_id == "local-1"
    b.acknowledge(None, waiting)
    assert b.poll() == []


def test_round_trip_over_folders_and_an_undeliverable_report(tmp_path: Path) -> None:
    data = require_shared(OPL).read_bytes()
    validator = Validator()
    with MessageStore(tmp_path / "a.db") as sa, MessageStore(tmp_path / "b.db") as sb:
        a = Exchange(sa, FolderTransport(tmp_path / "mesh", "X26ABC1"), validator=validator, transport_name="folder")
        b = Exchange(sb, FolderTransport(tmp_path / "mesh", "X26ABC2"), validator=validator, transport_name="folder")
        assert a.send(data, "X26ABC2").row.state == "sent"
        relay(tmp_path / "mesh")
        assert [o.row.response_code for o in b.poll(auto_respond=True).outgoing] == ["20013", "30001"]
        relay(tmp_path / "mesh")
        assert [o.row.kind for o in a.poll().outgoing] == ["ack-of-ack"]
        relay(tmp_path / "mesh")
        b.poll(auto_respond=True)
        (message,) = sa.find(direction="out", kind="message")
        assert message.conversation_state == run_round_trip(data, validator=validator).final_state == "complete"
        assert message.transport == "folder"
        lost = a.send(data, "X26NOBODY")
        assert lost.row.state == "sent"  # handed to the MESH client
        relay(tmp_path / "mesh")
        result = a.poll()
        assert result.reports and "X26NOBODY is not known" in result.reports[0]
        assert (sa.get(lost.row.id) or lost.row).state == "failed"


def test_settings_come_from_arguments_then_environment_then_file(tmp_path: Path) -> None:
    config = tmp_path / "mesh.toml"
    config.write_text(
        'url = "https://file.example"\nmailbox = "FILEBOX"\ntimeout = 12\n[workflows]\nITK006D = "MY_FLOW"\n'
    )
    env = {"MESH_URL": "http://env.example", "MESH_PASSWORD": "pw-env", "MESH_SHARED_KEY": "key-env"}
    settings = load_mesh_settings(config, mailbox="ARGBOX", environ=env)
    assert settings.url == "http://env.example" and settings.mailbox == "ARGBOX" and settings.timeout == 12
    assert settings.password.reveal() == "pw-env" and settings.shared_key.reveal() == "key-env"
    assert settings.workflow_for("ITK006D") == "MY_FLOW"
    assert settings.workflow_for("ITK003D") == "TOC_FHIR_IP_DISCH"  # the catalogue's
    assert "pw-env" not in repr(settings) and "key-env" not in repr(settings)
    connection = settings.connection()
    assert connection.mailbox == "ARGBOX" and connection.timeout == 12


def test_missing_settings_are_named(tmp_path: Path) -> None:
    settings = load_mesh_settings(tmp_path / "absent.toml", environ={})
    with pytest.raises(MeshSettingsError) as caught:
        settings.connection()
    text = str(caught.value)
    assert "MESH_URL" in text and "MESH_MAILBOX" in text and "MESH_PASSWORD" in text and "MESH_SHARED_KEY" in text


def test_secrets_stay_out_of_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "mesh.toml"
    config.write_text('url = "http://x"\npassword = "oops"\n')
    with pytest.raises(MeshSettingsError, match="keep the password and shared key out of the config file"):
        load_mesh_settings(config, environ={})


def test_saved_settings_keep_secrets_in_a_private_file(tmp_path: Path) -> None:
    config = tmp_path / "conf" / "mesh.toml"
    settings = MeshSettings(
        url="http://127.0.0.1:9", mailbox="X26ABC1", password=Secret("pw-1"), shared_key=Secret("key-1"), timeout=7.0
    )
    save_mesh_settings(settings, config, keyring=False)
    assert "pw-1" not in config.read_text() and "key-1" not in config.read_text()
    secrets = secrets_path(config)
    assert secrets.stat().st_mode & 0o077 == 0
    loaded = load_mesh_settings(config, environ={})
    assert loaded.url == "http://127.0.0.1:9" and loaded.timeout == 7.0
    assert loaded.password.reveal() == "pw-1" and loaded.shared_key.reveal() == "key-1"
    os.chmod(secrets, 0o644)
    with pytest.raises(MeshSettingsError, match="other users can read this secrets file"):
        load_mesh_settings(config, environ={})


def test_bad_config_files_are_named(tmp_path: Path) -> None:
    config = tmp_path / "mesh.toml"
    config.write_text("url = [unclosed\n")
    with pytest.raises(MeshSettingsError, match=r"mesh\.toml: the MESH settings are not valid TOML"):
        load_mesh_settings(config, environ={})
    config.write_text('colour = "blue"\n')
    with pytest.raises(MeshSettingsError, match="unknown setting"):
        load_mesh_settings(config, environ={})
    config.write_text('reply_to = "somewhere"\n')
    with pytest.raises(MeshSettingsError, match="reply_to must be one of"):
        load_mesh_settings(config, environ={})


def test_a_secret_cleared_is_gone(tmp_path: Path) -> None:
    config = tmp_path / "conf" / "mesh.toml"
    settings = MeshSettings(
        url="http://127.0.0.1:9", mailbox="X26ABC1", password=Secret("pw-1"), shared_key=Secret("k")
    )
    save_mesh_settings(settings, config, keyring=False)
    save_mesh_settings(settings.changed(password=Secret(None)), config, keyring=False)
    loaded = load_mesh_settings(config, environ={})
    assert not loaded.password and loaded.shared_key.reveal() == "k"
    assert "pw-1" not in secrets_path(config).read_text()
    place = secrets_place(config)  # where the settings dialog says the secrets are kept
    assert place == "the system keyring" or str(secrets_path(config)) in place
