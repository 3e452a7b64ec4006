"""The receiver simulator: which Responses, in which order, and why (FACTS §4-§5)."""

from __future__ import annotations

import csv
from functools import cache

import pytest
from conftest import EXAMPLES, require_shared
from receiverhelpers import run

from workbench.core.acks.receiver import Decision, ReceiverState, decide
from workbench.core.acks.sample import sample_message
from workbench.core.acks.settings import ReceiverSettings
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import read_bytes, render
from workbench.core.itk3.view import message_view
from workbench.core.validation.runner import Validator


def message(**kw: object) -> bytes:
    return render(sample_message(clock=VirtualClock(), ids=SequentialIds("msg"), **kw), "xml")  # type: ignore[arg-type]


def levels(decision: Decision) -> list[tuple[str, str]]:
    return [(r.level, r.code) for r in decision.responses]


# ---- patterns -----------------------------------------------------------------------------------------


def test_both_flags_give_infrastructure_then_business() -> None:
    decision = run(message())
    assert levels(decision) == [("infrastructure", "20013"), ("business", "30001")]
    assert decision.accepted and decision.infrastructure_code == "20013" and decision.business_code == "30001"
    assert "InfAckRequested=true: infrastructure Response 20013 sent" in decision.reasons
    infra, business = decision.responses
    assert infra.response.inf_ack_requested is False
    assert business.response.inf_ack_requested is True
    assert decision.reply_to == "SND01OT001" == infra.to_mailbox


def test_technical_only() -> None:
    assert levels(run(message(bus_ack=False))) == [("infrastructure", "20013")]


def test_business_only_when_only_bus_ack() -> None:
    assert levels(run(message(inf_ack=False))) == [("business", "30001")]


def test_fire_and_forget_sends_nothing_even_when_rejected() -> None:
    decision = run(message(inf_ack=False, bus_ack=False), known_senders=("OTHER",))
    assert decision.responses == ()
    assert decision.infrastructure_code == "20003"
    assert any(
        "InfAckRequested=false: no infrastructure Response (the result was 20003)" in r for r in decision.reasons
    )


@pytest.mark.parametrize(("missing", "code"), [({"inf_ack": None}, "10002"), ({"bus_ack": None}, "10003")])
def test_unreadable_flags_get_an_infrastructure_response_anyway(missing: dict[str, None], code: str) -> None:
    flags = {"inf_ack": False, "bus_ack": False, **missing}
    decision = run(message(**flags))
    assert levels(decision) == [("infrastructure", code)]
    assert any("sent anyway" in r for r in decision.reasons)


def test_negative_infrastructure_stops_everything() -> None:
    decision = run(message(), known_senders=("X99",))
    assert levels(decision) == [("infrastructure", "20003")]
    assert decision.business_code is None
    assert any("nothing follows a negative Response" in r for r in decision.reasons)
    assert any("20003: sender ODS SND01 is not in the known senders list" in r for r in decision.reasons)


def test_negative_business_is_still_sent() -> None:
    decision = run(message(), business_code="30002")
    assert levels(decision) == [("infrastructure", "20013"), ("business", "30002")]
    assert decision.responses[1].response.code.response_code == "fatal-error"


# ---- unreadable input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"<Bundle xmlns='http://hl7.org/fhir'>", b'{"resourceType": ', b"\x00\x01garbage"])
def test_unreadable_gets_10009_back_to_where_it_came_from(data: bytes) -> None:
    decision = run(data)
    assert not decision.readable
    assert levels(decision) == [("infrastructure", "10009")]
    response = decision.responses[0]
    assert response.response.identifier == "UNREADABLE-IN-ORIGINAL-MESSAGE"
    assert response.to_mailbox == "FROMBOX01" == decision.reply_to
    view = message_view(read_bytes(response.data))
    assert view.response_identifier == "UNREADABLE-IN-ORIGINAL-MESSAGE"


def test_unreadable_with_forced_none_sends_nothing() -> None:
    assert run(b"<broken", forced="none").responses == ()


# ---- receiver-specific findings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "code"),
    [
        ({"known_senders": ("A11",)}, "20003"),
        ({"unauthorised_senders": ("SND01",)}, "20012"),
        ({"known_recipient_organisations": ("B22",)}, "20002"),
        ({"approved_content_types": ("text/plain",)}, "20004"),
        ({"supported_content_types": ("text/plain",)}, "20005"),
        ({"size_limit": 1000}, "20015"),
    ],
)
def test_receiver_settings_reject_with_their_code(settings: dict[str, object], code: str) -> None:
    decision = run(message(attachment_type="application/pdf"), **settings)
    assert decision.codes == (code,)
    assert decision.responses[0].response.code.response_code == "fatal-error"


def test_known_partners_are_accepted() -> None:
    decision = run(
        message(),
        known_senders=("SND01",),
        known_recipient_organisations=("RCV01",),
        known_recipient_persons=("SOMEONE",),
    )
    assert decision.codes == ("20013", "30001")


def test_recipient_person_unknown_20001() -> None:
    data = message()
    document = read_bytes(data)
    receiver = document.root.children_named("entry")[2].child("resource").resource()
    receiver.name = "Practitioner"
    receiver.find("identifier.system").value = "https://fhir.nhs.uk/Id/sds-user-id"
    receiver.find(
        "meta.profile"
    ).value = "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-ITK-Header-Practitioner-1"
    decision = run(render(document, "xml"), known_recipient_persons=("099945750518",))
    assert decision.codes == ("20001",)


def test_an_approved_type_outside_the_catalogue_can_be_allowed() -> None:
    data = message(attachment_type="application/rtf")
    assert run(data).codes == ("20004",)
    allowed = run(data, approved_content_types=("application/rtf", "application/pdf"))
    assert allowed.codes == ("20013", "30001")


def test_order_follows_the_receiver_order() -> None:
    # unknown sender (20003) comes before an unapproved attachment (20004) and the size (20015)
    decision = run(message(attachment_type="application/x-foo"), known_senders=("A11",), size_limit=1000)
    assert decision.codes == ("20003",)
    assert "also 20004, 20015" in decision.reasons[1]


def test_duplicate_message_and_document() -> None:
    state = ReceiverState()
    first = message()
    assert run(first, state).codes == ("20013", "30001")
    assert run(first, state).codes == ("20007",)
    assert run(first, state, check_duplicates=False).codes == ("20013", "30001")
    # same document, new MessageHeader.id
    document = read_bytes(first)
    document.root.find("entry.resource.MessageHeader").child("id").value = "0b7e6a52-1d3e-4d47-8f16-000000000001"
    assert run(render(document, "xml"), state).codes == ("20008",)


def test_rejected_messages_are_not_remembered() -> None:
    state = ReceiverState()
    data = message()
    assert run(data, state, known_senders=("A11",)).codes == ("20003",)
    assert state.message_ids == set()
    assert run(data, state).codes == ("20013", "30001")
    assert len(state.message_ids) == 1
    kinds = sorted(i.split(":", 1)[0] for i in state.document_ids)
    assert kinds == ["composition", "composition", "id", "identifier"]  # a replacement names the Composition


# ---- business outcomes and forced outcomes -----------------------------------------------------------------


def test_business_outcome_by_nhs_number() -> None:
    rules = (("9434765919", "30002"), ("9999999999", "30004"))
    assert run(message(), nhs_numbers=rules).codes == ("20013", "30002")
    assert run(message(nhs_number="9999999999"), nhs_numbers=rules).codes == ("20013", "30004")
    assert run(message(nhs_number="9000000009"), nhs_numbers=rules).codes == ("20013", "30001")


@pytest.mark.parametrize(
    ("name", "codes"),
    [
        ("20003", ("20003",)),
        ("10004", ("10004",)),
        ("30003", ("20013", "30003")),
        ("IB002", ("20013", "30002")),
        ("noresponse", ()),
        ("Jane", ("20013", "30001")),
    ],
)
def test_first_given_name_forces_an_outcome_like_the_harness(name: str, codes: tuple[str, ...]) -> None:
    decision = run(message(given_name=name), given_name_outcomes=True)
    assert decision.codes == codes
    if name != "Jane":
        assert "first given name" in (decision.forced or "")
    assert run(message(given_name=name)).codes == ("20013", "30001")  # off by default


def test_invrep_name_gives_a_malformed_response() -> None:
    decision = run(message(given_name="invrep"), given_name_outcomes=True)
    assert [r.response.defect for r in decision.responses] == ["missing-identifier"]


@pytest.mark.parametrize(
    ("forced", "codes", "defects"),
    [
        ("20009", ("20009",), [None]),
        ("20013", ("20013", "30001"), [None, None]),
        ("30025", ("20013", "30025"), [None, None]),
        ("none", (), []),
        ("malformed", ("20013",), ["missing-identifier"]),
        ("truncated", ("20013",), ["truncated"]),
    ],
)
def test_forced_outcomes(forced: str, codes: tuple[str, ...], defects: list[str | None]) -> None:
    decision = run(message(), forced=forced)
    assert decision.codes == codes
    assert [r.response.defect for r in decision.responses] == defects


def test_forced_positive_overrides_a_rejection() -> None:
    assert run(message(), known_senders=("A11",), forced="20013").codes == ("20013", "30001")


# ---- Responses: content, delays, diagnostics ---------------------------------------------------------------


def test_delays_and_timestamps() -> None:
    decision = run(message(), delay=2.0, business_delay=5.0)
    assert [r.delay for r in decision.responses] == [2.0, 7.0]
    assert [r.response.timestamp for r in decision.responses] == [
        "2024-01-15T09:00:02+00:00",
        "2024-01-15T09:00:07+00:00",
    ]


def test_json_responses_when_asked() -> None:
    decision = run(message(), syntax="json")
    assert all(r.data.startswith(b"{") and r.syntax == "json" for r in decision.responses)


def test_diagnostics_name_rules_not_patient_data() -> None:
    data = message(given_name="Zebedee", family_name="Quixotic", attachment_type="application/x-foo")
    decision = run(data)
    text = decision.responses[0].data.decode()
    assert "Rejected by rule itk-attachment-type at Bundle.entry" in text
    for private in ("Zebedee", "Quixotic", "9434765919"):
        assert private not in text


def test_a_received_response_is_not_answered() -> None:
    response = run(message()).responses[0].data
    decision = run(response)
    assert decision.is_response and decision.responses == ()
    business = run(message()).responses[1].data
    assert run(business).codes == ("20013",)  # a business Response asking for an ack gets one


def test_to_json_is_plain_data() -> None:
    data = run(message()).to_json()
    assert data["infrastructure_code"] == "20013"
    assert [r["code"] for r in data["responses"]] == ["20013", "30001"]
    assert data["responses"][1]["inf_ack_requested"] is True


def test_state_is_only_changed_by_accepted_messages() -> None:
    state = ReceiverState()
    run(b"<broken", state)
    assert state.message_ids == set()


# ---- the real examples --------------------------------------------------------------------------------


def _itk_messages() -> list[str]:
    manifest = EXAMPLES / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    with manifest.open(encoding="utf-8") as handle:
        return [r["local_path"] for r in csv.DictReader(handle, delimiter="\t") if r["kind"] == "itk-message"]


@cache
def _validator() -> Validator:
    return Validator()


@pytest.mark.corpus
@pytest.mark.parametrize(
    "name", _itk_messages() or [pytest.param("", marks=pytest.mark.skip(reason="../shared absent"))]
)
def test_decide_agrees_with_the_validator_on_every_real_message(name: str) -> None:
    path = require_shared(EXAMPLES / name)
    data = path.read_bytes()
    decision = decide(data, ReceiverSettings(), ReceiverState(), clock=VirtualClock(), ids=SequentialIds())
    expected = _validator().validate_file(path).predicted[0]
    assert decision.infrastructure_code == expected
    inf, bus = decision.inf_ack_requested, decision.bus_ack_requested
    sent_infra = [r.code for r in decision.responses if r.level == "infrastructure"]
    if inf is True or inf is None or bus is None:
        assert sent_infra == [expected]
    else:
        assert sent_infra == []
    if decision.responses:
        assert decision.responses[0].response.identifier in (decision.message_id, "UNREADABLE-IN-ORIGINAL-MESSAGE")
    assert len(decision.responses) <= 2


@pytest.mark.corpus
def test_the_harness_test_case_message_forces_its_code_with_harness_settings() -> None:
    """TC-10010 names a Practitioner '10010', the harness's way of asking for that Response."""
    path = require_shared(EXAMPLES / "FHIR_MESH" / "test_messages" / "TC-10010-outbox-log-content-clear.xml")
    settings = ReceiverSettings(given_name_outcomes=True)
    decision = decide(path.read_bytes(), settings, ReceiverState(), clock=VirtualClock(), ids=SequentialIds())
    assert decision.codes == ("10010",)
    assert decision.forced == "10010 (first given name '10010', as the NHS test harness)"
