"""ITK3 round trips and failures over a real mesh-sandbox (started once for the module), two stores."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from conftest import EXAMPLES, require_shared

from workbench.core.acks.settings import ReceiverSettings
from workbench.core.acks.simulation import run_round_trip
from workbench.core.codecs import read_bytes, render
from workbench.core.exchange import Exchange, Station, Stations
from workbench.core.itk3.view import message_view
from workbench.core.store import MessageStore, Query, StoreError
from workbench.core.store.conversations import side_of, stored_round_trip
from workbench.core.transport.base import Envelope
from workbench.core.transport.mesh import MeshTransport, MeshTransportError, Secret
from workbench.core.transport.sandbox import LocalMesh
from workbench.core.validation.runner import Validator

MESH_MESSAGES = EXAMPLES / "FHIR_MESH" / "test_messages"
OPL = MESH_MESSAGES / "ToC-WT02-04-op_letter_full_payload_example_01-corrected.xml"
REPLACEMENT = "ToC-WT07-02-op_letter_replace_valid_replace_example_01-corrected.3.xml"
VALIDATOR = Validator()

ROUND_TRIPS = [
    # (example, workflow or None for the catalogue's)
    ("FHIR_MESH/test_messages/ToC-WT02-04-op_letter_full_payload_example_01-corrected.xml", None),
    ("FHIR_MESH/test_messages/TC-10010-outbox-log-content-clear.xml", None),
    ("FHIR_MESH/test_messages/ITK003D_ITK_eDischarge.xml", None),
    ("FHIR_MESH/test_messages/ITK009D_ITK_Immunization_Document.xml", None),
    ("STU3-FHIR-Assets/Examples/ITK-EMS-PDSBirthNotification-MessageBundle-Example-1.xml", "TEST_WORKFLOW"),
]


def assert_causal(arrows: tuple) -> None:
    """A stored conversation drawn in order: each arrow arrives after it leaves, and a Response
    leaves after the message it answers arrived (MESH times from one side, header times, or both)."""
    by_id = {a.message_id: a for a in arrows}
    for arrow in arrows:
        assert arrow.arrival is None or arrow.time <= arrow.arrival, arrow
        answered = by_id.get(arrow.answers)
        if answered is not None:
            assert answered.time <= arrow.time, (answered, arrow)
            assert answered.arrival is None or answered.arrival <= arrow.time, (answered, arrow)
    assert [a.time for a in arrows] == sorted(a.time for a in arrows)


@dataclass
class Side:
    """One mailbox: its transport, store and exchange."""

    transport: MeshTransport
    store: MessageStore
    exchange: Exchange


def side(mesh: LocalMesh, mailbox: str, folder: Path, name: str) -> Side:
    transport = MeshTransport(mesh.connection(mailbox))
    store = MessageStore(folder / f"{name}.sqlite3")
    return Side(transport, store, Exchange(store, transport, validator=VALIDATOR))


def close(*sides: Side) -> None:
    for s in sides:
        s.transport.close()
        s.store.close()


def drain(mesh: LocalMesh, *mailboxes: str) -> None:
    """Leave the sandbox's mailboxes empty (each test starts from nothing)."""
    for mailbox in mailboxes:
        with MeshTransport(mesh.connection(mailbox)) as transport:
            for message_id in transport.poll():
                transport.acknowledge(None, message_id)


@pytest.fixture
def pair(local_mesh: LocalMesh, tmp_path: Path) -> Iterator[tuple[Side, Side]]:
    drain(local_mesh, "X26ABC1", "X26ABC2")
    sender = side(local_mesh, "X26ABC1", tmp_path, "sender")
    receiver = side(local_mesh, "X26ABC2", tmp_path, "receiver")
    try:
        yield sender, receiver
    finally:
        close(sender, receiver)
        drain(local_mesh, "X26ABC1", "X26ABC2")


@pytest.mark.parametrize(("example", "workflow"), ROUND_TRIPS, ids=[Path(e).stem[:40] for e, _ in ROUND_TRIPS])
def test_round_trip_ends_as_the_loopback_simulation_does(
    pair: tuple[Side, Side], example: str, workflow: str | None
) -> None:
    sender, receiver = pair
    data = require_shared(EXAMPLES / example).read_bytes()
    loopback = run_round_trip(data, validator=VALIDATOR)

    sent = sender.exchange.send(data, "X26ABC2", workflow=workflow, name=example)
    assert sent.sent and sent.row.state == "sent" and sent.row.mesh_message_id
    # the receiver answers: infrastructure, then business
    answered = receiver.exchange.poll(auto_respond=True)
    assert not answered.errors and len(answered.received) == 1
    assert [o.row.response_code for o in answered.outgoing] == [r.itk_code for r in loopback.responses]
    assert all(o.row.state == "sent" for o in answered.outgoing)
    if answered.outgoing:
        ack_workflow = answered.outgoing[0].row.workflow_id
        assert ack_workflow == f"{sent.row.workflow_id}_ACK"
    # the sender correlates them and acks the business Response
    back = sender.exchange.poll()
    assert not back.errors
    assert [o.row.kind for o in back.outgoing] == [e.kind for e in loopback.arrows if e.kind == "ack-of-ack"]
    receiver.exchange.poll(auto_respond=True)  # the ack-of-ack arrives

    (message,) = sender.store.find(direction="out", kind="message")
    assert message.conversation_state == loopback.final_state
    for row in receiver.store.find(direction="out"):
        assert row.conversation_state in ("complete", "accepted"), row
    same = {r.sha256 for r in sender.store.query()}
    assert same == {r.sha256 for r in receiver.store.query()}
    assert len(same) == len(loopback.arrows)
    for store in (sender.store, receiver.store):
        stored = stored_round_trip(store, message.conversation or "")
        assert stored.result.final_state == loopback.final_state
        assert_causal(stored.result.arrows)
        assert [(e.kind, e.label) for e in stored.result.arrows] == [(e.kind, e.label) for e in loopback.arrows]
    assert receiver.store.find(direction="in", kind="message")[0].state == "acknowledged"


def test_the_same_message_twice_is_a_duplicate(pair: tuple[Side, Side]) -> None:
    sender, receiver = pair
    data = require_shared(OPL).read_bytes()
    sender.exchange.send(data, "X26ABC2")
    sender.exchange.send(data, "X26ABC2")
    answered = receiver.exchange.poll(auto_respond=True)
    assert [o.row.response_code for o in answered.outgoing] == ["20013", "30001", "20007"]
    sender.exchange.poll()
    states = [r.conversation_state for r in sender.store.find(direction="out", kind="message")]
    assert sorted(states) == ["complete", "rejected"]


def test_a_replacement_is_processed_only_after_its_original_has_arrived(pair: tuple[Side, Side]) -> None:
    """The receiver remembers, in its store, the Compositions it accepted, across polls."""
    sender, receiver = pair
    receiver.exchange.receiver = ReceiverSettings(replacements_need_original=True)
    replacement = require_shared(MESH_MESSAGES / REPLACEMENT).read_bytes()
    sender.exchange.send(replacement, "X26ABC2")
    first = receiver.exchange.poll(auto_respond=True)
    assert [o.row.response_code for o in first.outgoing] == ["20014"]
    original = read_bytes(require_shared(OPL).read_bytes())
    composition = message_view(original).composition
    assert composition is not None
    composition.find("identifier.value").value = "affbe586-3b42-4b3e-a315-5e8366c63c90"  # type: ignore[union-attr]
    sender.exchange.send(render(original, "xml"), "X26ABC2")
    assert [o.row.response_code for o in receiver.exchange.poll(auto_respond=True).outgoing] == ["20013", "30001"]
    sender.exchange.send(replacement, "X26ABC2")
    assert [o.row.response_code for o in receiver.exchange.poll(auto_respond=True).outgoing] == ["20013", "30001"]


def test_wrong_password_keeps_the_message_and_one_retry_sends_it(
    pair: tuple[Side, Side], local_mesh: LocalMesh
) -> None:
    sender, receiver = pair
    data = require_shared(OPL).read_bytes()
    good = sender.transport.connection
    with MeshTransport(replace(good, password=Secret("not-the-password"))) as bad:
        failed = Exchange(sender.store, bad, validator=VALIDATOR).send(data, "X26ABC2")
    assert failed.failed and failed.row.error_kind == "credentials"
    assert "refused the credentials" in (failed.row.error or "") and "X26ABC1" in (failed.row.error or "")
    assert "not-the-password" not in (failed.row.error or "")
    assert repr(good).count("password") == 1 and "password=Secret(set)" in repr(good)  # the field name only
    assert sender.store.count(Query(state="failed")) == 1
    retried = sender.exchange.retry()
    assert [o.sent for o in retried] == [True] and retried[0].row.state == "sent" and retried[0].row.attempts == 2
    assert sender.exchange.retry() == []  # nothing left to send
    assert len(receiver.transport.poll()) == 1


def test_unknown_recipient_is_kept_with_a_clear_error(pair: tuple[Side, Side]) -> None:
    sender, receiver = pair
    outcome = sender.exchange.send(require_shared(OPL).read_bytes(), "X26NOPE9")
    assert outcome.failed and outcome.row.error_kind == "unknown-recipient"
    assert "does not know the recipient mailbox X26NOPE9" in (outcome.row.error or "")
    again = sender.exchange.retry()
    assert again[0].failed and again[0].row.attempts == 2  # still unknown: kept, never lost
    assert receiver.transport.poll() == []


def test_unknown_mailbox_then_the_right_one_sends_once(pair: tuple[Side, Side], local_mesh: LocalMesh) -> None:
    sender, receiver = pair
    data = require_shared(OPL).read_bytes()
    with MeshTransport(local_mesh.connection("X26ABC1").for_mailbox("X26ZZZ9")) as unknown:
        outcome = Exchange(sender.store, unknown, validator=VALIDATOR).send(data, "X26ABC2")
    assert outcome.failed and outcome.row.error_kind == "unknown-mailbox"
    assert "does not know mailbox X26ZZZ9" in (outcome.row.error or "")
    retried = sender.exchange.retry()  # now from the mailbox configured: X26ABC1
    assert [o.sent for o in retried] == [True] and retried[0].row.mailbox == "X26ABC1"
    assert len(receiver.transport.poll()) == 1


def test_a_retry_never_sends_what_mesh_already_has(pair: tuple[Side, Side]) -> None:
    sender, receiver = pair
    sent = sender.exchange.send(require_shared(OPL).read_bytes(), "X26ABC2")
    # as if the answer to the send was lost: the store thinks it failed and has no MESH id
    sender.store.update(sent.row.id, state="failed", mesh_message_id=None, error="timed out")
    (retried,) = sender.exchange.retry()
    assert not retried.sent and "not sent again" in retried.note
    assert retried.row.state == "sent" and retried.row.mesh_message_id == sent.row.mesh_message_id
    assert receiver.transport.poll() == [sent.row.mesh_message_id]


def test_nothing_is_acknowledged_before_it_is_stored(pair: tuple[Side, Side], monkeypatch: pytest.MonkeyPatch) -> None:
    sender, receiver = pair
    sender.exchange.send(require_shared(OPL).read_bytes(), "X26ABC2")

    def broken(*args: object, **kwargs: object) -> None:
        raise StoreError("receiver.sqlite3: the disk is full")

    with monkeypatch.context() as patch:
        patch.setattr(receiver.store, "add", broken)
        result = receiver.exchange.poll(auto_respond=True)
    assert result.received == [] and "stays in the mailbox" in result.errors[0]
    assert len(receiver.transport.poll()) == 1  # not acknowledged to MESH
    assert receiver.store.count() == 0
    result = receiver.exchange.poll(auto_respond=True)
    assert len(result.received) == 1 and receiver.transport.poll() == []


def test_a_message_seen_again_is_not_stored_twice(pair: tuple[Side, Side]) -> None:
    sender, receiver = pair
    sent = sender.exchange.send(require_shared(OPL).read_bytes(), "X26ABC2")

    original = receiver.transport.acknowledge
    calls: list[str] = []

    def lost(mailbox: str | None, message_id: str) -> None:
        calls.append(message_id)
        raise MeshTransportError("could not acknowledge: the server cannot be reached", "unreachable")

    receiver.transport.acknowledge = lost  # type: ignore[method-assign]
    first = receiver.exchange.poll(auto_respond=True)
    assert calls == [sent.row.mesh_message_id] and first.received[0].state == "received"
    receiver.transport.acknowledge = original  # type: ignore[method-assign]
    second = receiver.exchange.poll(auto_respond=True)
    assert second.duplicates == [sent.row.mesh_message_id] and second.received == []
    assert receiver.store.count(Query(direction="in")) == 1


def test_large_payloads_are_chunked_and_compressed(local_mesh: LocalMesh) -> None:
    drain(local_mesh, "X26ABC1", "X26ABC2")
    small_chunks = replace(local_mesh.connection("X26ABC1"), max_chunk_size=64 * 1024, compress_over=1024)
    payload = b"<Bundle xmlns='http://hl7.org/fhir'>" + b"<!-- padding -->" * 40000 + b"</Bundle>"
    with MeshTransport(small_chunks) as a, MeshTransport(local_mesh.connection("X26ABC2")) as b:
        delivery = a.send(Envelope(payload, "X26ABC1", "X26ABC2", "TEST_WORKFLOW", "big-1"))
        received = b.receive(None, delivery.transport_id)
        b.acknowledge(None, delivery.transport_id)
    assert received.envelope.data == payload and received.envelope.local_id == "big-1"


def test_the_sandbox_stopped_mid_way(tmp_path: Path) -> None:
    """The server goes down after the first send: the second is kept, and a retry sends it once."""
    pytest.importorskip("mesh_sandbox", reason="mesh-sandbox is not installed (it supports Python < 3.14 only)")
    data = require_shared(OPL).read_bytes()
    other = require_shared(MESH_MESSAGES / "TC-10010-outbox-log-content-clear.xml").read_bytes()
    mesh = LocalMesh(data_dir=tmp_path / "mesh-data").start()
    try:
        sender = side(mesh, "X26ABC1", tmp_path, "sender")
        receiver = side(mesh, "X26ABC2", tmp_path, "receiver")
        assert sender.exchange.send(data, "X26ABC2").sent
        mesh.stop()
        down = sender.exchange.send(other, "X26ABC2")
        assert down.failed and down.row.error_kind == "unreachable"
        assert "cannot be reached" in (down.row.error or "") and mesh.url in (down.row.error or "")
        polled = receiver.exchange.poll(auto_respond=True)
        assert polled.received == [] and "cannot be reached" in polled.errors[0]
        mesh.start()  # same port, same data folder
        (retried,) = sender.exchange.retry()
        assert retried.sent and retried.row.state == "sent"
        assert sender.exchange.retry() == []
        answered = receiver.exchange.poll(auto_respond=True)
        assert sorted(r.event or "" for r in answered.received) == ["ITK006D", "ITK009D"]
        sender.exchange.poll()
        receiver.exchange.poll(auto_respond=True)
        states = [r.conversation_state for r in sender.store.find(direction="out", kind="message")]
        assert states == ["complete", "complete"]
        assert receiver.store.count(Query(direction="in", event="ITK009D")) == 1
        close(sender, receiver)
    finally:
        mesh.stop()


def test_transport_errors_name_what_failed_and_hide_secrets(local_mesh: LocalMesh) -> None:
    connection = replace(local_mesh.connection("X26ABC1"), password=Secret("hunter2-secret"))
    with MeshTransport(connection) as transport, pytest.raises(MeshTransportError) as caught:
        transport.handshake()
    assert caught.value.kind == "credentials"
    text = str(caught.value)
    assert "X26ABC1" in text and local_mesh.url in text and "hunter2" not in text
    assert "hunter2" not in repr(connection) and str(connection.password) == "Secret(set)"


def test_a_server_that_never_answers_times_out(tmp_path: Path) -> None:
    import socket

    from workbench.core.transport.mesh import MeshConnection

    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        connection = MeshConnection(url, "X26ABC1", Secret("password"), Secret("TestKey"), timeout=0.5)
        with MessageStore(tmp_path / "s.db") as store, MeshTransport(connection) as transport:
            outcome = Exchange(store, transport, validator=VALIDATOR).send(require_shared(OPL).read_bytes(), "X26ABC2")
    assert outcome.failed and outcome.row.error_kind == "timeout"
    assert "no answer within 0.5 s" in (outcome.row.error or "") and url in (outcome.row.error or "")


def test_automatic_retries_back_off(pair: tuple[Side, Side]) -> None:
    from datetime import timedelta

    from workbench.core.exchange.agent import backoff
    from workbench.core.store.conversations import SetClock

    sender, _ = pair
    assert [backoff(n) for n in range(5)] == [0.0, 10.0, 20.0, 40.0, 80.0] and backoff(20) == 900.0
    failed = sender.exchange.send(require_shared(OPL).read_bytes(), "X26NOPE9")
    clock = SetClock()
    sender.exchange.clock = clock
    assert sender.exchange.retry_due() == []  # just failed: wait 10 s
    clock.when += timedelta(seconds=11)
    assert sender.exchange.retry_due() == [failed.row.id]


def test_one_store_keeps_both_sides_and_draws_each(local_mesh: LocalMesh, tmp_path: Path) -> None:
    """The desktop keeps one store: the workbench sends from one mailbox and answers on another."""
    drain(local_mesh, "X26ABC1", "X26ABC2")
    data = require_shared(OPL).read_bytes()
    loopback = run_round_trip(data, validator=VALIDATOR)
    with (
        MessageStore(tmp_path / "one.sqlite3") as store,
        MeshTransport(local_mesh.connection("X26ABC1")) as a,
        MeshTransport(local_mesh.connection("X26ABC2")) as b,
    ):
        sender = Exchange(store, a, validator=VALIDATOR)
        receiver = Exchange(store, b, validator=VALIDATOR)
        sent = sender.send(data, "X26ABC2")
        receiver.poll(auto_respond=True)
        sender.poll()
        receiver.poll(auto_respond=True)
        conversation = sent.row.conversation or ""
        assert (store.get(sent.row.id) or sent.row).conversation_state == loopback.final_state
        found = store.query(Query(text=sent.row.mesh_message_id))  # the id MESH gave, as a tester pastes it
        assert {(r.direction, r.mailbox) for r in found} == {("out", "X26ABC1"), ("in", "X26ABC2")}
        assert len(store.conversation(conversation)) == 2 * len(loopback.arrows)  # each transfer out and in
        expected = [(e.kind, e.label) for e in loopback.arrows]
        for mailbox in ("X26ABC1", "X26ABC2"):
            assert len(side_of(store, conversation, mailbox)) == len(loopback.arrows)
            trip = stored_round_trip(store, conversation, mailbox=mailbox)
            assert [(e.kind, e.label) for e in trip.result.arrows] == expected
            assert trip.result.final_state == loopback.final_state
            assert (trip.sender.endpoint, trip.receiver.endpoint) == ("X26ABC1", "X26ABC2")
            assert_causal(trip.result.arrows)
        with pytest.raises(LookupError, match="at mailbox X26ABC3"):
            stored_round_trip(store, conversation, mailbox="X26ABC3")
    drain(local_mesh, "X26ABC1", "X26ABC2")


def test_stations_answer_and_complete_in_one_cycle(local_mesh: LocalMesh, tmp_path: Path) -> None:
    """The desktop's two mailboxes: send from one, and one cycle brings the whole round trip."""
    drain(local_mesh, "X26ABC1", "X26ABC2")
    data = require_shared(OPL).read_bytes()
    loopback = run_round_trip(data, validator=VALIDATOR)
    with MessageStore(tmp_path / "one.sqlite3") as store:
        you = Station(local_mesh.connection("X26ABC1"))
        responder = Station(local_mesh.connection("X26ABC2"), auto_respond=True)
        stations = Stations(store, [you, responder], validator=VALIDATOR)
        try:
            sent = stations.send(data, "X26ABC2")
            cycle = stations.cycle()
            assert not cycle.errors and cycle.passes == 3  # message; Responses; the ack of the business one
            assert [r.mailbox for r in cycle.received] == ["X26ABC2", "X26ABC1", "X26ABC1", "X26ABC2"]
            assert (store.get(sent.row.id) or sent.row).conversation_state == loopback.final_state == "complete"
            assert stations.cycle().received == []  # nothing left
            # a failed Response is sent again from the mailbox that sent it, once
            response = next(r for r in store.find(direction="out", mailbox="X26ABC2") if r.kind == "response")
            store.update(response.id, state="failed", error="timed out", mesh_message_id=None)
            assert stations.outstanding() == 1
            (outcome,) = stations.retry_due(base=0.0)
            assert not outcome.sent and "not sent again" in outcome.note  # MESH had it under its local id
            assert stations.outstanding() == 0 and stations.retry() == []
        finally:
            stations.close()
    drain(local_mesh, "X26ABC1", "X26ABC2")
