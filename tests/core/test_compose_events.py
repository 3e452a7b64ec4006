"""The sendable events, the response patterns in words, and test data."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from workbench.core.catalogue import catalogue
from workbench.core.clock import VirtualClock
from workbench.core.compose.events import (
    recipient_types,
    response_pattern,
    sendable_event,
    sendable_events,
    sender_reference_limit,
)
from workbench.core.compose.testdata import check_digit, is_valid_nhs_number, new_uuid, nhs_test_number, now_instant


def test_every_live_event_is_sendable_and_legacy_ones_are_not() -> None:
    codes = [e.code for e in sendable_events()]
    live = [e.code for e in catalogue().events if not e.legacy]
    assert codes == live
    assert "ITK001M" not in codes and "ITK002M" not in codes
    assert sendable_event("ITK001M") is None
    assert sendable_event(" itk003d ") is sendable_event("ITK003D")


def test_an_event_knows_its_payload_kind_definition_and_workflow() -> None:
    discharge = sendable_event("ITK003D")
    assert discharge is not None
    assert (discharge.display, discharge.payload_kind) == ("ITK eDischarge", "document")
    assert discharge.message_definition.endswith("/ITK-eDischarge-MessageDefinition-4")
    assert discharge.definition.version == "4.0.0"
    assert discharge.definition.label == "ITK-eDischarge-MessageDefinition-4 (version 4.0.0)"
    assert [d.current for d in discharge.definitions] == [True, False, False]
    assert (discharge.workflow, discharge.ack_workflow) == ("TOC_FHIR_IP_DISCH", "TOC_FHIR_IP_DISCH_ACK")
    send_document = sendable_event("ITK007C")
    assert send_document is not None and send_document.payload_kind == "collection"
    assert "not published" in send_document.definition.label


def test_the_response_event_is_listed_and_marked() -> None:
    response = sendable_event("ITK008M")
    assert response is not None and response.is_response
    assert response.message_definition == catalogue().urls.response_message_definition
    assert [e.code for e in sendable_events() if e.is_response] == ["ITK008M"]


def test_events_without_a_published_definition_get_an_assumed_one() -> None:
    for code, name in (
        ("ITK012M", "ITK-NationalPathology-MessageDefinition-1"),
        ("ITK014M", "ITK-UpdateRecord-MessageDefinition-1"),
    ):
        event = sendable_event(code)
        assert event is not None
        assert event.definition.assumed and event.definition.name == name
        assert event.message_definition.startswith(catalogue().urls.message_definition_prefix)
        assert "assumed" in event.definition.label
        assert event.to_json()["message_definition_assumed"] is True


def test_handling_defaults_follow_the_payload_specifications() -> None:
    ems = sendable_event("ITK011M")
    gp = sendable_event("ITK007C")
    discharge = sendable_event("ITK003D")
    assert ems is not None and gp is not None and discharge is not None
    assert (ems.bus_ack, ems.inf_ack, ems.recipient_type) == (False, False, "FI")
    assert (gp.bus_ack, gp.inf_ack, gp.recipient_type) == (True, True, "FA")
    assert (discharge.bus_ack, discharge.inf_ack) == (True, True)


def test_json_of_an_event_has_the_fields_the_cli_promises() -> None:
    for event in sendable_events():
        data = event.to_json()
        assert {"code", "display", "payload_kind", "message_definition", "workflow"} <= set(data)
        assert data["payload_kind"] in ("document", "collection", "message")


def test_response_patterns_in_words() -> None:
    assert response_pattern(False, True).text == "Technical only: the receiver sends one infrastructure acknowledgement"
    assert response_pattern(True, True).title.startswith("Full acknowledgement")
    assert "no acknowledgement" in response_pattern(False, False).text
    assert "not one of the four ITK3 patterns" in response_pattern(True, False).text


def test_recipient_types_and_the_sender_reference_limit() -> None:
    assert [(r.code, r.display) for r in recipient_types()] == [("FA", "For Action"), ("FI", "For Information")]
    assert all(r.meaning for r in recipient_types())
    assert sender_reference_limit() == 255


def test_nhs_numbers_from_the_test_range_pass_modulus_11() -> None:
    rng = random.Random(7)
    numbers = {nhs_test_number(rng) for _ in range(300)}
    assert len(numbers) > 250
    for number in numbers:
        assert re.fullmatch(r"999\d{7}", number)
        assert is_valid_nhs_number(number)
        weights = sum(int(d) * w for d, w in zip(number[:9], range(10, 1, -1), strict=True))
        assert (11 - weights % 11) % 11 == int(number[9])


def test_nhs_number_check_digits() -> None:
    assert is_valid_nhs_number("943 476 5919")  # the published example
    assert not is_valid_nhs_number("9434765918")
    assert not is_valid_nhs_number("943476591")
    assert check_digit("943476591") == 9
    assert check_digit("000000006") is None  # 6 x 2 = 12 leaves 1, so the digit would be 10: no valid number
    with pytest.raises(ValueError, match="nine digits"):
        check_digit("12345")


def test_uuids_and_the_current_instant() -> None:
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", new_uuid())
    assert new_uuid() != new_uuid()
    clock = VirtualClock(datetime(2024, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=1))))
    assert now_instant(clock) == "2024-03-01T09:30:00+01:00"
    live = now_instant()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?\+00:00", live)
    assert abs(datetime.fromisoformat(live) - datetime.now(UTC)) < timedelta(minutes=1)
