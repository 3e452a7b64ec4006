"""Negative tests: every code offered is answered by the workbench's own receiver, exactly."""

from __future__ import annotations

import csv

import pytest
from conftest import EXAMPLES, PROJECT, require_shared

from workbench.core.acks.receiver import ReceiverState, decide
from workbench.core.acks.settings import ReceiverSettings, load_settings, settings_from_toml
from workbench.core.catalogue import catalogue
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import read_bytes, read_file, render
from workbench.core.compose.negative import BreakError, make_negative, negative_codes, not_offered
from workbench.core.compose.payload import attach_file, attach_payload
from workbench.core.compose.skeleton import MessageSpec, Party, new_message
from workbench.core.edits import EditableDocument
from workbench.core.itk3.view import message_view
from workbench.core.validation.runner import Validator

DOCUMENT = EXAMPLES / "STU3-FHIR-Assets" / "Examples" / "ITK-OPL-Document-Bundle-1-Example-1.xml"


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator()


def accepted_examples() -> list[str]:
    """The real ITK3 messages in the examples that the default receiver accepts (20013)."""
    manifest = EXAMPLES / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    with manifest.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["kind"] in ("itk-message", "busack")]
    found = []
    for row in rows:
        data = (EXAMPLES / row["local_path"]).read_bytes()
        decision = decide(data, ReceiverSettings(), ReceiverState(), clock=VirtualClock(), ids=SequentialIds())
        if decision.infrastructure_code == "20013":
            found.append(row["local_path"])
    return found


ACCEPTED = accepted_examples()


def composed(syntax: str = "xml") -> bytes:
    document = new_message(
        MessageSpec("ITK006D", receiver=Party("ods", "RCV01")),
        clock=VirtualClock(),
        ids=SequentialIds("neg"),
        syntax=syntax,
    ).document
    editable = EditableDocument(document)
    editable.apply(attach_payload(document, read_file(require_shared(DOCUMENT)), ids=SequentialIds("p")).edit)
    editable.apply(attach_file(document, b"%PDF-1.4\n%%EOF\n", "letter.pdf", ids=SequentialIds("f")).edit)
    return render(document, syntax)


def test_at_least_twelve_codes_come_from_the_content_alone() -> None:
    codes = negative_codes()
    content = [c.code for c in codes if c.needs == "content"]
    assert len(content) >= 12
    assert {
        "10001",
        "10002",
        "10003",
        "10004",
        "10007",
        "10008",
        "10009",
        "10010",
        "20004",
        "20006",
        "20009",
        "20015",
    } <= set(content)
    assert {c.code for c in codes if c.needs == "receiver"} == {
        "10005",
        "20001",
        "20002",
        "20003",
        "20005",
        "20010",
        "20011",
        "20012",
        "20014",
    }
    assert {c.code for c in codes if c.needs == "second send"} == {"20007", "20008"}
    assert all(c.code[0] in "12" for c in codes)


def test_every_negative_code_is_offered() -> None:
    """Every live 1xxxx/2xxxx code but the positive 20013 can be caused; only 20013 and the retired 10006 are not."""
    offered = {c.code for c in negative_codes()}
    live = {r.code for r in catalogue().responses if not r.is_business}
    assert live - offered == {"20013"}
    assert set(not_offered()) == {"10006", "20013"}
    assert "retired" in not_offered()["10006"] and "positive" in not_offered()["20013"]


def test_what_a_receiver_knows_changes_what_content_alone_can_cause() -> None:
    strict = load_settings(PROJECT / "resources" / "receiver" / "strict-gp.toml")
    needs = {c.code: c.needs for c in negative_codes(strict)}
    assert needs["20003"] == needs["20002"] == "content"  # it lists its senders and recipients
    assert needs["20001"] == "receiver"


@pytest.mark.corpus
def test_there_are_accepted_real_examples_to_break() -> None:
    require_shared(EXAMPLES)
    assert len(ACCEPTED) >= 4


@pytest.mark.corpus
@pytest.mark.parametrize("path", ACCEPTED)
def test_every_code_offered_over_the_accepted_real_examples(path: str, validator: Validator) -> None:
    data = (EXAMPLES / path).read_bytes()
    made = []
    for offer in negative_codes():
        if offer.code == "20015":
            continue  # a 5 MB copy per example is slow; the composed messages cover it

        try:
            negative = make_negative(
                data, offer.code, ids=SequentialIds(offer.code), clock=VirtualClock(), validator=validator
            )
        except BreakError as exc:
            assert _fair_refusal(offer.code, str(exc), data), (offer.code, str(exc))
            continue
        _assert_answered(negative, data, validator)
        made.append(offer.code)
    assert len([c for c in made if c[0] == "1"]) == 9  # every 100xx code is always possible


def _fair_refusal(code: str, message: str, data: bytes) -> bool:
    """A code may be refused only for what this message lacks (a payload, a sender code, a document)."""
    view = message_view(read_bytes(data))
    reasons = {
        "20003": "sender has no ODS code",
        "20012": "sender has no ODS code",
        "20008": "carries no FHIR document",
        "20009": "no payload",
        "20010": "carries no FHIR document",
        "20011": "carries no FHIR document",
        "20014": "carries no FHIR document",
    }
    return code in reasons and reasons[code] in message and (view.is_response or view.sender is not None)


@pytest.mark.parametrize("syntax", ["xml", "json"])
def test_every_code_offered_over_a_composed_message(syntax: str, validator: Validator) -> None:
    data = composed(syntax)
    for offer in negative_codes():
        negative = make_negative(
            data, offer.code, ids=SequentialIds(offer.code), clock=VirtualClock(), validator=validator
        )
        assert negative.syntax == syntax
        _assert_answered(negative, data, validator)


def _assert_answered(negative, original: bytes, validator: Validator) -> None:
    """Send the copy as the note says (to the settings given) and check the answer is the code."""
    settings = ReceiverSettings()
    if negative.settings_toml is not None:
        settings = settings_from_toml(negative.settings_toml)  # the TOML is what ack --receiver reads
    state = ReceiverState()
    clock, ids = VirtualClock(), SequentialIds("check")
    if negative.sends == 2:
        first = original if negative.code == "20008" else negative.data
        decide(first, settings, state, clock=clock, ids=ids, validator=validator)
    decision = decide(negative.data, settings, state, clock=clock, ids=ids, validator=validator)
    assert decision.codes[:1] == (negative.code,), (negative.code, negative.note, decision.codes, decision.reasons)
    assert negative.note


def test_the_note_says_what_was_changed(validator: Validator) -> None:
    data = composed()
    assert "removed the LocalExtension handling key" in make_negative(data, "10001", validator=validator).note
    unknown = make_negative(data, "20003", validator=validator)
    assert unknown.settings is not None and unknown.settings.known_senders == ("KNOWN01",)
    assert 'known_senders = ["KNOWN01"]' in (unknown.settings_toml or "")
    assert make_negative(data, "20007", validator=validator).sends == 2
    cut = make_negative(data, "10009", validator=validator)
    assert cut.document is None and len(cut.data) < len(data)


def test_the_receiver_is_asked_for_an_infrastructure_response(validator: Validator) -> None:
    quiet = new_message(MessageSpec("ITK003D", inf_ack=False, bus_ack=False)).document
    EditableDocument(quiet).apply(attach_payload(quiet, read_file(require_shared(DOCUMENT))).edit)
    negative = make_negative(render(quiet, "xml"), "20006", validator=validator)
    assert "InfAckRequested set to true" in negative.note
    assert message_view(read_bytes(negative.data)).flag("InfAckRequested") is True


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("20013", "positive code"),
        ("30002", "business code"),
        ("10006", "retired"),
        ("99999", "not an ITK response code"),
    ],
)
def test_codes_that_cannot_be_made_say_why(code: str, message: str, validator: Validator) -> None:
    with pytest.raises(BreakError, match=message):
        make_negative(composed(), code, validator=validator)


def test_a_message_the_receiver_rejects_is_not_broken_further(validator: Validator) -> None:
    rejected = make_negative(composed(), "20006", validator=validator).data
    with pytest.raises(BreakError, match=r"does not accept this message \(it answers 20006\)"):
        make_negative(rejected, "10001", validator=validator)
