"""The sender's tracker: states, correlation, every anomaly, ack-of-acks."""

from __future__ import annotations

import pytest

from workbench.core.acks.builder import Responder, build_response
from workbench.core.acks.sample import sample_message
from workbench.core.acks.tracker import Tracker, TrackerSettings
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import read_bytes, render
from workbench.core.itk3.view import message_view
from workbench.core.validation.runner import Validator

RECEIVER = Responder("RCV01", "RCV01OT001")


class Setup:
    """A tracker, a clock and a way to make messages and Responses."""

    def __init__(self, validator: Validator | None = None, **settings: object) -> None:
        self.clock = VirtualClock()
        self.ids = SequentialIds("tracker-test")
        self.tracker = Tracker(
            TrackerSettings(timeout=60, **settings), clock=self.clock, ids=self.ids, validator=validator
        )  # type: ignore[arg-type]

    def message(self, **kw: object) -> bytes:
        return render(sample_message(clock=self.clock, ids=self.ids, **kw), "xml")  # type: ignore[arg-type]

    def response(self, original: bytes, code: str, **kw: object) -> bytes:
        return build_response(original, code, RECEIVER, clock=self.clock, ids=self.ids, **kw).to_bytes()  # type: ignore[arg-type]


@pytest.fixture
def setup() -> Setup:
    return Setup()


def kinds(receipt) -> list[str]:
    return [a.kind for a in receipt.anomalies]


# ---- expectations and states --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "infra", "business", "state"),
    [
        ({"inf_ack": True, "bus_ack": True}, True, True, "awaiting-infrastructure"),
        ({"inf_ack": True, "bus_ack": False}, True, False, "awaiting-infrastructure"),
        ({"inf_ack": False, "bus_ack": True}, False, True, "awaiting-business"),
        ({"inf_ack": False, "bus_ack": False}, False, False, "complete"),
        ({"inf_ack": None, "bus_ack": False}, True, False, "awaiting-infrastructure"),
        ({"inf_ack": False, "bus_ack": None}, True, False, "awaiting-infrastructure"),
    ],
)
def test_expectations_follow_the_flags(setup: Setup, flags: dict, infra: bool, business: bool, state: str) -> None:
    conversation = setup.tracker.sent(setup.message(**flags))
    assert (conversation.expects_infrastructure, conversation.expects_business) == (infra, business)
    assert conversation.state == state


def test_full_conversation_states(setup: Setup) -> None:
    sent = setup.message()
    conversation = setup.tracker.sent(sent)
    assert conversation.state_label == "awaiting infrastructure ack"
    first = setup.tracker.receive(setup.response(sent, "20013"))
    assert first.conversation.state == "awaiting-business" and first.anomalies == ()
    assert first.ack is None  # an infrastructure Response is never acknowledged
    second = setup.tracker.receive(setup.response(sent, "30001"))
    assert second.conversation.state == "complete"
    assert second.conversation.codes == ("20013", "30001")
    assert second.conversation.succeeded


def test_technical_only_ends_accepted(setup: Setup) -> None:
    sent = setup.message(bus_ack=False)
    setup.tracker.sent(sent)
    receipt = setup.tracker.receive(setup.response(sent, "20013"))
    assert receipt.conversation.state == "accepted" and receipt.conversation.is_final


@pytest.mark.parametrize("code", ["20003", "10001", "20015"])
def test_negative_infrastructure_rejects(setup: Setup, code: str) -> None:
    sent = setup.message()
    setup.tracker.sent(sent)
    conversation = setup.tracker.receive(setup.response(sent, code)).conversation
    assert conversation.state == "rejected" and conversation.rejected_code == code
    assert conversation.state_label == f"rejected ({code})"
    assert conversation.awaiting is None


def test_negative_business_rejects(setup: Setup) -> None:
    sent = setup.message()
    setup.tracker.sent(sent)
    setup.tracker.receive(setup.response(sent, "20013"))
    conversation = setup.tracker.receive(setup.response(sent, "30002")).conversation
    assert conversation.state == "rejected" and conversation.rejected_code == "30002"


def test_overdue_on_the_clock(setup: Setup) -> None:
    sent = setup.message()
    conversation = setup.tracker.sent(sent)
    assert setup.tracker.next_deadline() == conversation.deadline
    setup.clock.advance(59)
    assert setup.tracker.check_overdue() == []
    setup.clock.advance(1)
    overdue = setup.tracker.check_overdue()
    assert [c.state for c in overdue] == ["overdue"]
    assert setup.tracker.next_deadline() is None
    assert setup.tracker.check_overdue() == []  # only once


def test_overdue_while_awaiting_business(setup: Setup) -> None:
    sent = setup.message()
    setup.tracker.sent(sent)
    setup.tracker.receive(setup.response(sent, "20013"))
    setup.clock.advance(61)
    (conversation,) = setup.tracker.check_overdue()
    assert conversation.awaiting == "business" and conversation.state == "overdue"


# ---- anomalies ------------------------------------------------------------------------------------


def test_unexpected_business_response(setup: Setup) -> None:
    sent = setup.message(bus_ack=False)
    setup.tracker.sent(sent)
    setup.tracker.receive(setup.response(sent, "20013"))
    receipt = setup.tracker.receive(setup.response(sent, "30001"))
    assert kinds(receipt) == ["unexpected"]
    assert "asked for no business Response" in receipt.anomalies[0].message


def test_unexpected_infrastructure_response(setup: Setup) -> None:
    sent = setup.message(inf_ack=False)
    setup.tracker.sent(sent)
    assert kinds(setup.tracker.receive(setup.response(sent, "20013"))) == ["unexpected"]


def test_duplicate_same_response_twice(setup: Setup) -> None:
    sent = setup.message()
    setup.tracker.sent(sent)
    response = setup.response(sent, "20013")
    setup.tracker.receive(response)
    receipt = setup.tracker.receive(response)
    assert kinds(receipt) == ["duplicate"]
    assert "arrived twice" in receipt.anomalies[0].message


def test_duplicate_second_response_with_the_same_code(setup: Setup) -> None:
    sent = setup.message()
    setup.tracker.sent(sent)
    setup.tracker.receive(setup.response(sent, "20013"))
    assert kinds(setup.tracker.receive(setup.response(sent, "20013"))) == ["duplicate"]


def test_contradictory_second_infrastructure_code(setup: Setup) -> None:
    sent = setup.message(bus_ack=False)
    setup.tracker.sent(sent)
    setup.tracker.receive(setup.response(sent, "20013"))
    receipt = setup.tracker.receive(setup.response(sent, "20009"))
    assert kinds(receipt) == ["contradictory"]
    assert receipt.conversation.state == "rejected"


def test_contradictory_response_after_a_negative_one(setup: Setup) -> None:
    sent = setup.message()
    setup.tracker.sent(sent)
    setup.tracker.receive(setup.response(sent, "20003"))
    receipt = setup.tracker.receive(setup.response(sent, "30001"))
    assert "contradictory" in kinds(receipt)
    assert "nothing should follow a negative Response" in receipt.anomalies[0].message


def test_contradictory_response_code_and_sign(setup: Setup) -> None:
    """Like the official 20014/20015 examples: response.code ok with a negative code."""
    sent = setup.message(bus_ack=False)
    setup.tracker.sent(sent)
    document = read_bytes(setup.response(sent, "20014"))
    document.root.find("entry.resource.MessageHeader").find("response.code").value = "ok"
    receipt = setup.tracker.receive(render(document, "xml"))
    assert kinds(receipt) == ["contradictory"]
    assert "response.code is ok but 20014 is negative" in receipt.anomalies[0].message


def test_business_before_infrastructure(setup: Setup) -> None:
    sent = setup.message()
    setup.tracker.sent(sent)
    receipt = setup.tracker.receive(setup.response(sent, "30001"))
    assert kinds(receipt) == ["business-before-infrastructure"]
    assert receipt.conversation.state == "awaiting-infrastructure"
    final = setup.tracker.receive(setup.response(sent, "20013")).conversation
    assert final.state == "complete" and not final.succeeded  # complete, but with an anomaly


def test_late_response_after_overdue(setup: Setup) -> None:
    sent = setup.message(bus_ack=False)
    setup.tracker.sent(sent)
    setup.clock.advance(120)
    setup.tracker.check_overdue()
    receipt = setup.tracker.receive(setup.response(sent, "20013"))
    assert kinds(receipt) == ["late"]
    assert receipt.conversation.state == "accepted"


def test_response_to_an_unknown_message_is_an_orphan(setup: Setup) -> None:
    stranger = setup.message()
    receipt = setup.tracker.receive(setup.response(stranger, "20013"))
    assert receipt.conversation is None and kinds(receipt) == ["unknown-message"]
    assert setup.tracker.orphans == [receipt.response]
    assert setup.tracker.anomalies == list(receipt.anomalies)


def test_response_without_identifier_is_an_orphan(setup: Setup) -> None:
    sent = setup.message()
    setup.tracker.sent(sent)
    receipt = setup.tracker.receive(setup.response(sent, "20013", defect="missing-identifier"))
    assert kinds(receipt) == ["unknown-message"]
    assert "response.identifier is missing" in receipt.anomalies[0].message
    assert setup.tracker.conversations[0].state == "awaiting-infrastructure"


def test_unreadable_response_is_an_orphan(setup: Setup) -> None:
    sent = setup.message()
    setup.tracker.sent(sent)
    receipt = setup.tracker.receive(setup.response(sent, "20013", defect="truncated"))
    assert kinds(receipt) == ["unreadable"] and not receipt.response.readable
    assert setup.tracker.orphans[0].label == "unreadable Response"


def test_a_message_that_is_not_a_response(setup: Setup) -> None:
    receipt = setup.tracker.receive(setup.message())
    assert kinds(receipt) == ["unexpected"] and receipt.conversation is None


def test_response_without_a_code(setup: Setup) -> None:
    sent = setup.message()
    setup.tracker.sent(sent)
    document = read_bytes(setup.response(sent, "20013"))
    outcome = document.root.children_named("entry")[-1].child("resource").resource()
    outcome.child("issue").child("details").children.clear()
    receipt = setup.tracker.receive(render(document, "xml"))
    assert kinds(receipt) == ["unexpected"]
    assert receipt.response.code is None


# ---- correlation ------------------------------------------------------------------------------------


def test_same_message_sent_twice_gets_two_conversations(setup: Setup) -> None:
    sent = setup.message(bus_ack=False)
    first = setup.tracker.sent(sent)
    second = setup.tracker.sent(sent)
    assert first.key != second.key and first.quoted_as == second.quoted_as
    setup.tracker.receive(setup.response(sent, "20013"))
    setup.tracker.receive(setup.response(sent, "20007"))
    states = [c.state for c in setup.tracker.conversations]
    assert states == ["accepted", "rejected"]


def test_unreadable_message_is_correlated_with_unreadable_in_original_message(setup: Setup) -> None:
    conversation = setup.tracker.sent(b"<Bundle")
    assert conversation.quoted_as == "UNREADABLE-IN-ORIGINAL-MESSAGE" and conversation.message_id is None
    receipt = setup.tracker.receive(setup.response(None, "10009"))  # type: ignore[arg-type]
    assert receipt.conversation.key == conversation.key
    assert receipt.conversation.state == "rejected"


# ---- ack-of-acks -------------------------------------------------------------------------------------


def test_business_response_asking_for_it_gets_an_ack_of_ack(setup: Setup) -> None:
    sent = setup.message()
    setup.tracker.sent(sent)
    setup.tracker.receive(setup.response(sent, "20013"))
    business = setup.response(sent, "30001")
    receipt = setup.tracker.receive(business)
    ack = receipt.ack
    assert ack is not None and ack.code == "20013" and ack.level == "infrastructure"
    assert ack.to_mailbox == "RCV01OT001"
    view = message_view(read_bytes(ack.data))
    assert view.response_identifier == message_view(read_bytes(business)).message_id
    assert view.flag("InfAckRequested") is False
    assert view.source_endpoint == "SND01OT001"
    assert receipt.conversation.acks_sent == (ack.response.message_id,)
    ack_conversation = setup.tracker.conversations[-1]
    assert ack_conversation.kind == "ack-of-ack" and ack_conversation.state == "complete"
    assert ack_conversation.answers == view.response_identifier


def test_negative_business_response_is_acknowledged_too(setup: Setup) -> None:
    sent = setup.message()
    setup.tracker.sent(sent)
    setup.tracker.receive(setup.response(sent, "20013"))
    assert setup.tracker.receive(setup.response(sent, "30002")).ack.code == "20013"


def test_no_ack_of_ack_when_not_asked_or_turned_off() -> None:
    setup = Setup()
    sent = setup.message()
    setup.tracker.sent(sent)
    assert setup.tracker.receive(setup.response(sent, "30001", full_acknowledgement=False)).ack is None
    off = Setup(ack_of_ack=False)
    sent = off.message()
    off.tracker.sent(sent)
    assert off.tracker.receive(off.response(sent, "30001")).ack is None


def test_broken_business_response_gets_the_validators_code() -> None:
    setup = Setup(validator=Validator())
    sent = setup.message()
    setup.tracker.sent(sent)
    document = read_bytes(setup.response(sent, "30001"))
    handling = document.root.find("entry.resource.MessageHeader").child("extension")
    key = next(k for k in handling.children_named("extension") if k.url == "InfAckRequested")
    key.child("valueBoolean").value = "maybe"
    receipt = setup.tracker.receive(render(document, "xml"))
    assert receipt.response.inf_ack_requested is None
    assert receipt.ack is not None and receipt.ack.code.startswith("100")


def test_ack_of_ack_without_a_validator_for_an_unreadable_flag() -> None:
    setup = Setup()
    sent = setup.message()
    setup.tracker.sent(sent)
    document = read_bytes(setup.response(sent, "30001"))
    handling = document.root.find("entry.resource.MessageHeader").child("extension")
    handling.children = [k for k in handling.children if k.url != "InfAckRequested"]
    assert setup.tracker.receive(render(document, "xml")).ack.code == "10002"


def test_conversation_to_json(setup: Setup) -> None:
    sent = setup.message()
    setup.tracker.sent(sent)
    setup.tracker.receive(setup.response(sent, "20013"))
    data = setup.tracker.conversations[0].to_json()
    assert data["state"] == "awaiting-business"
    assert data["expects"] == ["infrastructure", "business"]
    assert [r["code"] for r in data["received"]] == ["20013"]


def test_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError):
        TrackerSettings(timeout=0)
