"""``itk-workbench mesh ...`` and ``itk-workbench messages ...`` as a user runs them, over a real sandbox."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from conftest import EXAMPLES, PROJECT, require_shared

from workbench.core.transport.mesh import MeshTransport
from workbench.core.transport.sandbox import LocalMesh, free_port

OPL = EXAMPLES / "FHIR_MESH" / "test_messages" / "ToC-WT02-04-op_letter_full_payload_example_01-corrected.xml"
REJECTED = EXAMPLES / "FHIR_MESH" / "test_messages" / "ITK003D_ITK_eDischarge.xml"
REQUIRED = ("direction", "sha256", "event", "message_id", "transport", "mailbox", "workflow_id", "mesh_message_id")


@pytest.fixture
def mesh_env(local_mesh: LocalMesh, monkeypatch: pytest.MonkeyPatch) -> LocalMesh:
    for mailbox in ("X26ABC1", "X26ABC2"):
        with MeshTransport(local_mesh.connection(mailbox)) as transport:
            for message_id in transport.poll():
                transport.acknowledge(None, message_id)
    monkeypatch.setenv("MESH_URL", local_mesh.url)
    monkeypatch.setenv("MESH_PASSWORD", "password")
    monkeypatch.setenv("MESH_SHARED_KEY", local_mesh.shared_key.reveal())
    return local_mesh


def assert_clean(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout


def test_mesh_sandbox_runs_in_the_foreground_until_sigterm(tmp_path: Path) -> None:
    pytest.importorskip("mesh_sandbox", reason="mesh-sandbox is not installed (it supports Python < 3.14 only)")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "mesh", "sandbox", "--port", str(port), "--shared-key", "K1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert f"http://127.0.0.1:{port}" in first
        lines = [process.stdout.readline() for _ in range(5)]
        assert any("X26ABC1" in line for line in lines) and any("X26ABC3" in line for line in lines)
        # How to use it, with the password; a shared key given is never echoed.
        assert f"MESH_URL=http://127.0.0.1:{port}" in lines[-1] and "MESH_SHARED_KEY=<your key>" in lines[-1]
        assert "K1" not in "".join(lines)
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
            f"http://127.0.0.1:{port}/health", timeout=5
        ) as answer:
            assert answer.status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "Traceback" not in err


def test_send_auto_respond_and_list(cli, mesh_env: LocalMesh, tmp_path: Path) -> None:
    message = require_shared(OPL)
    a, b = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    sent = cli("mesh", "send", str(message), "--to", "X26ABC2", "--mailbox", "X26ABC1", "--store", a)
    assert sent.returncode == 0, sent.stderr
    assert "sent to X26ABC2 as MESH message" in sent.stdout and "TOC_FHIR_OP_ATTEN" in sent.stdout
    answered = cli("mesh", "poll", "--once", "--auto-respond", "--mailbox", "X26ABC2", "--store", b)
    assert answered.returncode == 0, answered.stderr
    assert "received ITK006D from X26ABC1" in answered.stdout and "answered 20013, 30001" in answered.stdout
    back = cli("mesh", "poll", "--once", "--mailbox", "X26ABC1", "--store", a)
    assert back.returncode == 0 and "sent ack-of-ack 20013 to X26ABC2" in back.stdout
    last = cli("mesh", "poll", "--once", "--auto-respond", "--mailbox", "X26ABC2", "--store", b)
    assert last.returncode == 0 and "received Response 20013" in last.stdout

    listed = cli("messages", "--format", "json", "--store", a)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert {r["direction"] for r in rows} == {"in", "out"} and len(rows) == 4
    for row in rows:
        assert all(key in row for key in (*REQUIRED, "state", "error", "conversation_state"))
        assert row["transport"] == "mesh" and row["mailbox"] == "X26ABC1" and row["mesh_message_id"]
    (out,) = [r for r in rows if r["direction"] == "out" and r["event"] == "ITK006D"]
    simulated = cli("simulate", str(message), "--format", "json")
    assert out["conversation_state"] == json.loads(simulated.stdout)["final_state"] == "complete"
    assert out["workflow_id"] == "TOC_FHIR_OP_ATTEN" and out["error"] is None
    responses = [r for r in rows if r["direction"] == "in"]
    assert {r["workflow_id"] for r in responses} == {"TOC_FHIR_OP_ATTEN_ACK"}
    # the receiver's store holds the same bytes
    other = json.loads(cli("messages", "--format", "json", "--store", b).stdout)
    assert {r["sha256"] for r in other} == {r["sha256"] for r in rows}
    text = cli("messages", "--direction", "out", "--event", "ITK006D", "--store", a)
    assert text.returncode == 0 and "ITK006D" in text.stdout and "complete" in text.stdout
    found = cli("messages", "--search", out["message_id"], "--format", "json", "--store", b)
    hits = json.loads(found.stdout)  # the message, and the Responses that quote its id
    assert sorted(r["response_code"] or "" for r in hits) == ["", "20013", "30001"]
    assert all(out["message_id"] in (r["message_id"], r["response_to"]) for r in hits)


def test_a_failed_send_is_kept_and_retried_once(cli, mesh_env: LocalMesh, tmp_path: Path, monkeypatch) -> None:
    store = str(tmp_path / "s.db")
    monkeypatch.setenv("MESH_PASSWORD", "wrong-secret-value")
    failed = cli(
        "mesh", "send", str(require_shared(REJECTED)), "--to", "X26ABC2", "--mailbox", "X26ABC1", "--store", store
    )
    assert failed.returncode == 1
    assert_clean(failed)
    assert "refused the credentials" in failed.stderr and "mesh retry" in failed.stderr
    assert "wrong-secret-value" not in failed.stderr + failed.stdout
    kept = json.loads(cli("messages", "--format", "json", "--store", store).stdout)
    assert [r["state"] for r in kept] == ["failed"] and "refused the credentials" in kept[0]["error"]
    monkeypatch.setenv("MESH_PASSWORD", "password")
    retried = cli("mesh", "retry", "--mailbox", "X26ABC1", "--store", store)
    assert retried.returncode == 0, retried.stderr
    assert "sent to X26ABC2" in retried.stdout
    again = cli("mesh", "retry", "--mailbox", "X26ABC1", "--store", store)
    assert again.returncode == 0 and "nothing to retry" in again.stdout
    with MeshTransport(mesh_env.connection("X26ABC2")) as inbox:
        assert len(inbox.poll()) == 1
    answered = cli(
        "mesh", "poll", "--once", "--auto-respond", "--mailbox", "X26ABC2", "--store", str(tmp_path / "r.db")
    )
    assert "answered 10001" in answered.stdout
    cli("mesh", "poll", "--once", "--mailbox", "X26ABC1", "--store", store)
    rows = json.loads(cli("messages", "--direction", "out", "--format", "json", "--store", store).stdout)
    assert rows[0]["conversation_state"] == "rejected"


def test_unusable_settings_and_input_exit_2(cli, tmp_path: Path, monkeypatch) -> None:
    for name in ("MESH_URL", "MESH_MAILBOX", "MESH_PASSWORD", "MESH_SHARED_KEY"):
        monkeypatch.delenv(name, raising=False)
    store = str(tmp_path / "s.db")
    unconfigured = cli("mesh", "send", str(require_shared(OPL)), "--to", "X26ABC2", "--store", store)
    assert unconfigured.returncode == 2 and "MESH is not configured" in unconfigured.stderr
    assert_clean(unconfigured)
    missing = cli("mesh", "send", str(tmp_path / "nope.xml"), "--to", "X26ABC2", "--store", store)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    (tmp_path / "junk.db").write_bytes(b"not sqlite" * 500)
    junk = cli("messages", "--store", str(tmp_path / "junk.db"))
    assert junk.returncode == 2 and "not a usable message store" in junk.stderr
    assert_clean(junk)


def test_messages_import_stores_every_file_once(cli, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "opl.xml").write_bytes(require_shared(OPL).read_bytes())
    (folder / "copy.xml").write_bytes(require_shared(OPL).read_bytes())
    (folder / "broken.json").write_bytes(b'{"resourceType": "Bundle", ')
    (folder / "notes.txt").write_text("not a message")
    store = str(tmp_path / "s.db")
    done = cli("messages", "import", str(folder), "--store", store)
    assert done.returncode == 1  # an unreadable file was found (and stored, marked)
    assert_clean(done)
    assert "3 file(s): 2 stored" in done.stdout
    rows = json.loads(cli("messages", "--format", "json", "--store", store).stdout)
    assert len(rows) == 2 and {r["transport"] for r in rows} == {"import"}
    broken = next(r for r in rows if not r["readable"])
    assert "broken.json" in broken["error"] and broken["state"] == "imported"
    again = cli("messages", "import", str(folder / "opl.xml"), "--store", store, "--format", "json")
    assert again.returncode == 0 and json.loads(again.stdout)[0]["added"] is False
    found = cli("messages", "--search", "1234567891", "--format", "json", "--store", store)
    assert [r["event"] for r in json.loads(found.stdout)] == ["ITK006D"]


def test_poll_runs_until_sigterm(mesh_env: LocalMesh, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    command = ["mesh", "poll", "--interval", "0.2", "--mailbox", "X26ABC2", "--store", str(tmp_path / "s.db")]
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        assert "nothing waiting" in process.stdout.readline()
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=20)
    assert process.returncode == 0 and "Traceback" not in err
