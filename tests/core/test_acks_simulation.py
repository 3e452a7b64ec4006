"""Round trips: every response pattern with every response code, and the event log."""

from __future__ import annotations

import json
from functools import cache

import pytest
from conftest import XSD, require_shared
from lxml import etree

from workbench.core.acks.patterns import PATTERNS, Pattern, negative_codes, pattern, run_pattern
from workbench.core.acks.sample import sample_message
from workbench.core.acks.settings import ReceiverSettings
from workbench.core.acks.simulation import Simulation, SimulationResult, run_round_trip
from workbench.core.catalogue import catalogue
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import read_bytes, render
from workbench.core.itk3.view import MessageView, message_view
from workbench.core.validation.runner import Validator

CODES = [r.code for r in catalogue().responses]
URLS = catalogue().urls
SENDER_REFERENCE = "SREF-7"


@cache
def validator() -> Validator:
    try:
        from workbench.core.validation.profiles.registry import ProfileRegistry
    except ImportError:
        return Validator()
    return Validator(ProfileRegistry.default())


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(require_shared(XSD))))


def conformant(data: bytes) -> None:
    report = validator().validate_bytes(data)
    assert [f"{i.layer} {i.rule}: {i.message}" for i in report.issues if i.is_error] == []
    if XSD.exists():
        assert schema().validate(etree.fromstring(data)), schema().error_log


def view(data: bytes) -> MessageView:
    return message_view(read_bytes(data))


def expected(chosen: Pattern, code: str) -> tuple[list[str], str]:
    """The Responses the receiver sends and the sender's final state, per FACTS §5.1."""
    found = catalogue().response(code)
    if not chosen.inf_ack and not chosen.bus_ack:
        return [], "complete"
    if found.is_business:
        codes = ["20013", code] if chosen.bus_ack else ["20013"]
    elif not found.positive:
        codes = [code]
    else:
        codes = ["20013", "30001"] if chosen.bus_ack else ["20013"]
    if any(not catalogue().response(c).positive for c in codes):
        return codes, "rejected"
    return codes, "complete" if chosen.bus_ack else "accepted"


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("chosen", PATTERNS, ids=lambda p: p.key)
def test_every_pattern_with_every_code(chosen: Pattern, code: str) -> None:
    result = run_pattern(chosen, force=code, sender_reference=SENDER_REFERENCE)
    codes, state = expected(chosen, code)
    message = result.arrows[0]
    assert message.kind == "message" and message.source == "Sender" and message.event_code == "ITK003D"
    original_id = view(message.data).message_id

    responses = result.responses
    assert [e.itk_code for e in responses] == codes
    assert [e.level for e in responses] == [catalogue().response(c).level for c in codes]
    for event in responses:
        found = catalogue().response(event.itk_code)
        got = view(event.data)
        assert event.source == "Receiver" and event.target == "Sender"
        assert got.event_code == "ITK008M"
        assert got.response_codes == [event.itk_code]
        assert got.response_code == found.response_code == ("ok" if found.positive else "fatal-error")
        assert got.response_identifier == original_id == event.answers
        assert got.value("SenderReference") == SENDER_REFERENCE
        assert got.flag("BusAckRequested") is False
        assert got.flag("InfAckRequested") is (found.is_business and chosen.full_acknowledgement)
        assert got.value("MessageDefinition") == URLS.response_message_definition
        assert event.outcome == ("positive" if found.positive else "negative")
        conformant(event.data)

    conversation = result.conversation
    assert conversation.state == state
    assert conversation.codes == tuple(codes)
    if state == "rejected":
        assert conversation.rejected_code == next(c for c in codes if not catalogue().response(c).positive)
    assert result.anomalies == () and result.overdue == ()

    acks = [e for e in result.events if e.kind == "ack-of-ack"]
    business = [e for e in responses if e.level == "business"]
    if chosen.full_acknowledgement and business:
        (ack,) = acks
        assert ack.source == "Sender" and ack.target == "Receiver" and ack.itk_code == "20013"
        assert view(ack.data).response_identifier == business[0].message_id
        conformant(ack.data)
        tracked = [c for c in result.receiver_conversations if c.message_id == business[0].message_id]
        assert [c.state for c in tracked] == ["accepted"]
        assert conversation.acks_sent == (ack.message_id,)
    else:
        assert acks == []
    assert result.succeeded is (state != "rejected")


def test_full_acknowledgement_event_log() -> None:
    result = run_pattern("full")
    rows = [(e.time, e.arrival, e.source, e.target, e.kind, e.label, e.outcome) for e in result.events]
    assert rows == [
        (0.0, 1.0, "Sender", "Receiver", "message", "ITK003D", "none"),
        (1.0, None, "Receiver", "Receiver", "decision", "decides: 20013 + 30001", "positive"),
        (2.0, 3.0, "Receiver", "Sender", "response", "20013 Success", "positive"),
        (
            3.0,
            4.0,
            "Receiver",
            "Sender",
            "response",
            "30001 Patient known here. (e.g. Patient is registered here)",
            "positive",
        ),
        (4.0, 5.0, "Sender", "Receiver", "ack-of-ack", "20013 Success", "positive"),
    ]
    assert [e.seq for e in result.events] == list(range(5))
    assert result.events[1].note.startswith("read message ITK003D")
    assert result.events[0].at.isoformat() == "2024-01-15T09:00:00+00:00"
    assert result.events[2].caption == "20013 Success  t=2s"
    assert result.final_state == "complete" and result.succeeded
    assert result.ended_at == 5.0


def test_same_inputs_same_log() -> None:
    a, b = run_pattern("full", force="30002"), run_pattern("full", force="30002")
    assert a.events == b.events
    assert run_pattern("full", seed="other").events != a.events


def test_technical_and_business_sender_does_not_answer() -> None:
    result = run_pattern("technical-and-business")
    assert [e.kind for e in result.arrows] == ["message", "response", "response"]
    assert all(c.state == "complete" for c in result.receiver_conversations)


def test_forced_none_goes_overdue_at_the_timeout() -> None:
    result = run_pattern("full", force="none", timeout=30)
    assert result.final_state == "overdue" and not result.succeeded
    overdue = [e for e in result.events if e.kind == "overdue"]
    assert [(e.time, e.source) for e in overdue] == [(30.0, "Sender")]
    assert result.responses == ()


def test_sender_without_ack_of_ack_leaves_the_receiver_waiting() -> None:
    result = run_pattern("full", ack_of_ack=False, timeout=30)
    assert result.final_state == "complete"
    assert [c.state for c in result.receiver_conversations] == ["complete", "overdue"]
    assert [(e.source, e.kind) for e in result.events if e.kind == "overdue"] == [("Receiver", "overdue")]
    assert not result.succeeded


def test_malformed_response_is_an_orphan_and_the_sender_goes_overdue() -> None:
    result = run_pattern("technical", force="malformed", timeout=20)
    assert [e.label for e in result.responses] == ["20013 Success (missing-identifier)"]
    assert [a.kind for a in result.anomalies] == ["unknown-message"]
    assert result.final_state == "overdue"
    assert any(e.kind == "anomaly" and e.source == "Sender" for e in result.events)


def test_unreadable_message_gets_10009() -> None:
    result = run_round_trip(b"<Bundle xmlns='http://hl7.org/fhir'>")
    assert [e.itk_code for e in result.responses] == ["10009"]
    assert result.responses[0].answers == "UNREADABLE-IN-ORIGINAL-MESSAGE"
    assert result.final_state == "rejected" and result.conversation.rejected_code == "10009"


def test_unreadable_flags_in_fire_and_forget_still_get_a_response() -> None:
    result = run_pattern("fire-and-forget", inf_ack=None)
    assert [e.itk_code for e in result.responses] == ["10002"]
    assert result.final_state == "rejected"


def test_sending_the_same_message_twice_is_a_duplicate() -> None:
    clock, ids = VirtualClock(), SequentialIds()
    data = render(sample_message(clock=clock, ids=ids, bus_ack=False), "xml")
    simulation = Simulation(ReceiverSettings(), clock=clock, ids=ids)
    simulation.send(data)
    result = simulation.run()
    simulation.send(data)
    result = simulation.run()
    assert [c.state_label for c in result.conversations] == ["accepted", "rejected (20007)"]
    assert [d.codes for d in result.decisions] == [("20013",), ("20007",)]


def test_run_until_stops_early_and_can_resume() -> None:
    clock, ids = VirtualClock(), SequentialIds()
    simulation = Simulation(ReceiverSettings(delay=10), clock=clock, ids=ids)
    simulation.send(sample_message(clock=clock, ids=ids))
    early = simulation.run(until=5)
    assert early.ended_at == 5.0 and early.final_state == "awaiting-infrastructure"
    assert early.events[0].arrival == 1.0
    final = simulation.run()
    assert final.final_state == "complete"


def test_zero_latency_and_delay() -> None:
    result = run_pattern("full", latency=0, receiver=ReceiverSettings())
    assert {e.time for e in result.events} == {0.0}
    assert [e.kind for e in result.arrows] == ["message", "response", "response", "ack-of-ack"]
    assert result.succeeded


def test_json_result() -> None:
    data = run_pattern("full", force="20009").to_json()
    text = json.dumps(data)
    assert data["final_state"] == "rejected"
    assert [e["kind"] for e in data["events"]] == ["message", "decision", "response"]
    assert "20009" in text


def test_receiver_settings_reach_the_receiver() -> None:
    result = run_pattern("technical", receiver=ReceiverSettings(known_senders=("A11",)))
    assert [e.itk_code for e in result.responses] == ["20003"]
    business = run_pattern("full", business="30016")
    assert business.conversation.codes == ("20013", "30016")


def test_pattern_catalogue() -> None:
    assert [p.key for p in PATTERNS] == ["full", "technical-and-business", "technical", "fire-and-forget"]
    assert pattern("Technical Only").key == "technical"
    with pytest.raises(KeyError):
        pattern("carrier pigeon")
    negatives = {r.code for r in negative_codes()}
    assert "20013" not in negatives and "30001" not in negatives
    assert {"10001", "20015", "30025"} <= negatives
    assert len(negatives) == sum(1 for r in catalogue().responses if not r.positive)


def test_result_helpers() -> None:
    result: SimulationResult = run_pattern("full")
    assert all(e.is_arrow for e in result.arrows)
    assert not any(e.is_arrow for e in result.events if e.kind == "decision")
    assert result.events[0].to_json()["from"] == "Sender"
