"""The store seen by the toolkit: the message a Response answers and the Responses a message got,
by MessageHeader id; an evidence pack that takes its Responses from the store, with progress."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

import pytest

from workbench.core.acks.builder import Responder, build_response
from workbench.core.acks.sample import sample_message
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import read_bytes, render
from workbench.core.itk3.view import message_view
from workbench.core.store import MessageStore
from workbench.core.toolkit.evidence import build_evidence, check_manifest
from workbench.core.toolkit.stored import StoredResponses, stored_message

RESPONDER = Responder("RCV01", "RCV01OT001")


@pytest.fixture
def store(tmp_path: Path) -> MessageStore:
    with MessageStore(tmp_path / "messages.sqlite3") as opened:
        yield opened


def _conversation(seed: str) -> tuple[bytes, str, list[bytes]]:
    clock, ids = VirtualClock(), SequentialIds(seed)
    message = sample_message(clock=clock, ids=ids, bus_ack=True)
    message_id = message_view(message).message_id
    assert message_id is not None
    responses = []
    for code in ("20013", "30001"):
        clock.advance(5)
        responses.append(render(build_response(message, code, RESPONDER, clock=clock, ids=ids).document, "xml"))
    return render(message, "xml"), message_id, responses


def test_the_answered_message_and_its_responses_are_found_by_header_id(store: MessageStore) -> None:
    message, message_id, responses = _conversation("stored")
    other, other_id, other_responses = _conversation("other")
    for number, data in enumerate([message, *responses, other, *other_responses]):
        store.import_bytes(data, f"file-{number}.xml")
    store.import_bytes(responses[0], "the same bytes again.xml")  # stored once: still one Response
    found = stored_message(store, message_id)
    assert found is not None and found.data == message and found.name == "file-0.xml"
    assert stored_message(store, "no-such-id") is None
    # a Response's own header id finds no message (it is a Response, not what it answers)
    response_id = message_view(read_bytes(responses[0]))
    assert response_id.message_id is not None and stored_message(store, response_id.message_id) is None
    source = StoredResponses(store)
    assert [data for _, data in source.responses_for(message_id)] == responses
    assert [data for _, data in source.responses_for(other_id)] == other_responses
    assert source.responses_for("no-such-id") == []


def test_an_evidence_pack_takes_the_stored_responses_and_reports_progress(store: MessageStore) -> None:
    message, _message_id, responses = _conversation("pack")
    for number, data in enumerate([message, *responses]):
        store.import_bytes(data, f"file-{number}.xml")
    steps: list[float] = []
    pack = build_evidence(("message.xml", message), source=StoredResponses(store), progress=steps.append)
    assert pack.conversation is not None and not pack.conversation.simulated
    assert pack.conversation.state == "complete"
    with zipfile.ZipFile(BytesIO(pack.data)) as archive:
        assert archive.read("responses/01-file-1.xml") == responses[0]
        assert archive.read("responses/02-file-2.xml") == responses[1]
    assert check_manifest(pack.data) == []
    assert steps == sorted(steps) and steps[-1] == 1.0 and len(steps) >= 4 and 0 < steps[0] < 1
