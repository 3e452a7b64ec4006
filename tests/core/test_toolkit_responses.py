"""A Response read as a Response: code, display, level, outcome and the message it answers, with
its own conformance as a separate verdict; legacy acknowledgements named as such."""

from __future__ import annotations

import pytest
from conftest import EXAMPLES, require_shared

from workbench.core.acks.builder import Responder, build_response
from workbench.core.acks.sample import sample_message
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import read_bytes, read_file, render
from workbench.core.toolkit.responses import answered_by, is_response, response_conformance, response_summary

ASSETS = EXAMPLES / "STU3-FHIR-Assets" / "Examples"
RESPONDER = Responder("RCV01", "RCV01OT001")


def _pair(code: str) -> tuple[bytes, bytes]:
    clock, ids = VirtualClock(), SequentialIds("responses")
    message = sample_message(clock=clock, ids=ids)
    built = build_response(message, code, RESPONDER, clock=clock, ids=ids)
    return render(message, "xml"), render(built.document, "xml")


@pytest.mark.parametrize(
    ("code", "level", "outcome", "display"),
    [
        ("20013", "infrastructure", "positive", "Success"),
        ("20009", "infrastructure", "negative", "Payload validation failure"),
        ("10001", "infrastructure", "negative", "Handling Specification Error"),
        ("30001", "business", "positive", "Patient known here. (e.g. Patient is registered here)"),
        ("30002", "business", "negative", None),
    ],
)
def test_what_a_built_response_says(code: str, level: str, outcome: str, display: str | None) -> None:
    message, response = _pair(code)
    summary = response_summary(read_bytes(response))
    assert summary is not None
    assert (summary.code, summary.level, summary.outcome) == (code, level, outcome)
    if display is not None:
        assert summary.display == display
    assert summary.generation == "itk3" and summary.kind_label == "ITK Response"
    assert summary.consistent and summary.notes == ()
    sent = read_bytes(message)
    header_id = sent.root.children_named("entry")[0].child("resource").resource().value_at("id")
    assert summary.answers == header_id
    assert summary.headline.startswith(f"{code} ") and f"{level}, {outcome}" in summary.headline
    # the message it answers is found among open documents; the Response itself is not it
    assert answered_by(summary, [("response", read_bytes(response)), ("message", sent)]) == "message"
    assert response_conformance(read_bytes(response)).valid


def test_a_message_is_not_a_response() -> None:
    message, _ = _pair("20013")
    assert response_summary(read_bytes(message)) is None
    assert not is_response(read_bytes(message))


def test_a_malformed_response_says_what_it_says_and_fails_its_own_verdict() -> None:
    clock, ids = VirtualClock(), SequentialIds("malformed")
    message = sample_message(clock=clock, ids=ids)
    built = build_response(message, "20009", RESPONDER, clock=clock, ids=ids, defect="missing-identifier")
    document = read_bytes(render(built.document, "xml"))
    summary = response_summary(document)
    assert summary is not None and summary.code == "20009" and summary.answers is None
    assert summary.answers_text == "does not say which message it answers"
    verdict = response_conformance(document)
    assert not verdict.valid and verdict.errors >= 1
    assert verdict.headline.startswith("not a well-formed ITK Response: ")


@pytest.mark.corpus
def test_official_examples() -> None:
    require_shared(ASSETS)
    negative_ok = response_summary(read_file(ASSETS / "ITK-Response-20014-Example-1.xml"))
    assert negative_ok is not None and negative_ok.outcome == "negative" and not negative_ok.consistent
    assert "response.code says ok but 20014 is negative" in negative_ok.notes
    unreadable = response_summary(read_file(ASSETS / "ITK-Response-10009-Example-1.xml"))
    assert unreadable is not None and unreadable.answers_unreadable
    assert unreadable.answers_text == "answers a message the receiver could not read"
    business = read_file(ASSETS / "ITK-Response-30001-Example-1.xml")
    summary = response_summary(business)
    assert summary is not None and (summary.level, summary.outcome) == ("business", "positive")
    assert response_conformance(business).valid


@pytest.mark.corpus
def test_a_legacy_acknowledgement_is_named_as_such() -> None:
    path = require_shared(ASSETS / "Archive" / "ITK-InfAck-Fail-Example-2.xml")
    summary = response_summary(read_file(path))
    assert summary is not None
    assert summary.generation == "legacy" and summary.event_code == "ITK001M"
    assert "legacy ITK001M" in summary.kind_label and "ITK008M" in summary.kind_label
    assert (summary.code, summary.level, summary.outcome) == ("51005", "infrastructure", "negative")
    assert summary.retired and "51005 is a retired code, not used since 2018" in summary.notes
    assert not response_conformance(read_file(path)).valid
