"""Masking patient data: every NHS number, name, birth date, address, postcode and telecom
replaced consistently (structured and in free text), nothing else changed, the same seed giving
the same bytes; over the real examples no original detail is left and validation is unchanged."""

from __future__ import annotations

import csv
import re
from collections import Counter

import pytest
from conftest import EXAMPLES, require_shared

from workbench.core.acks.sample import sample_message
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import read_bytes, read_file, render
from workbench.core.errors import ReadError
from workbench.core.toolkit.diff import diff_documents
from workbench.core.toolkit.fakes import is_valid_nhs_number
from workbench.core.toolkit.masking import PATIENT_RESOURCES, Masker, mask_document
from workbench.core.tree import RESOURCE, Document
from workbench.core.validation.runner import Validator

NHS = "9434765919"


def _message(nhs_number: str = NHS) -> bytes:
    document = sample_message(
        clock=VirtualClock(), ids=SequentialIds("mask"), nhs_number=nhs_number, given_name="Jane", family_name="Sample"
    )
    return render(document, "xml")


def _patient(document: Document):
    return next(n for n in document.root.iter() if n.kind == RESOURCE and n.name == "Patient")


def _with_narrative(data: bytes) -> bytes:
    """The sample with the patient's details in the Composition's narrative and a display."""
    div = (
        '<text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml">'
        "<p>Patient: SAMPLE, Jane (NHS 943 476 5919), born 16-Sep-1930</p></div></text>"
    )
    text = data.decode("utf-8")
    head, tail = text.split("<Composition>", 1)
    _id_line, rest = tail.split("\n", 1)
    return (head + "<Composition>" + _id_line + "\n" + div + rest).encode("utf-8")


def test_the_nhs_number_becomes_a_valid_test_number_everywhere() -> None:
    data = _with_narrative(_message())
    original = read_bytes(data)
    _patient(original).find("birthDate").value = "1930-09-16"
    result = Masker("seed-1").mask_bytes(render(original, "xml"))
    text = result.data.decode("utf-8")
    assert NHS not in text and "943 476 5919" not in text
    masked = _patient(result.document)
    new_number = masked.find("identifier.value").value
    assert new_number.startswith("999") and is_valid_nhs_number(new_number)
    spaced = f"{new_number[:3]} {new_number[3:6]} {new_number[6:]}"
    assert spaced in text, "the narrative's spaced NHS number is replaced by the same test number"
    assert "Jane" not in text and "SAMPLE" not in text.upper().replace("ITK-SAMPLE", "")
    assert "16-Sep-1930" not in text and "1930-09-16" not in text
    kinds = result.counts()
    assert kinds["NHS number"] >= 1 and kinds["name"] >= 2 and kinds["birth date"] == 1 and kinds["free text"] >= 1
    narrative = [r for r in result.replacements if r.kind == "free text"]
    assert any("NHS number" in r.found and "name" in r.found and "birth date" in r.found for r in narrative)


def test_the_birth_date_is_shifted_keeping_the_age() -> None:
    original = read_bytes(_message())
    patient = _patient(original)
    patient.find("birthDate").value = "1980-06-15"
    result = mask_document(read_bytes(render(original, "xml")), seed="ages")
    new = _patient(result.document).find("birthDate").value
    assert new != "1980-06-15" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", new)
    timestamp = result.document.root.children_named("entry")[0].child("resource").resource().value_at("timestamp")
    on = timestamp[:10]
    age = lambda born: int(on[:4]) - int(born[:4]) - ((on[5:10]) < born[5:10])  # noqa: E731
    assert age(new) == age("1980-06-15")


def test_nothing_but_patient_data_changes() -> None:
    original = read_bytes(_message())
    result = Masker("s").mask(original)
    differences = diff_documents(original, result.document)
    assert {d.kind for d in differences.differences} == {"changed"}
    patient_paths = {r.path for r in result.replacements}
    assert {d.path for d in differences.differences} == patient_paths
    assert all(".resource.entry[" in p or "Patient" in p or "display" in p or "div" in p for p in patient_paths)


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_values() -> None:
    data = _message()
    first = Masker("same").mask_bytes(data).data
    assert Masker("same").mask_bytes(data).data == first
    assert Masker("other").mask_bytes(data).data != first
    assert Masker().mask_bytes(data).data != first  # no seed: a random one


def test_distinct_nhs_numbers_stay_distinct_and_the_same_one_stays_the_same() -> None:
    masker = Masker("files")
    one = masker.mask_bytes(_message("9434765919")).document
    two = masker.mask_bytes(_message("9434765870")).document
    again = Masker("files").mask_bytes(_message("9434765919")).document
    numbers = [_patient(d).find("identifier.value").value for d in (one, two, again)]
    assert numbers[0] != numbers[1] and numbers[0] == numbers[2]
    assert all(is_valid_nhs_number(n) for n in numbers)


def test_an_invalid_nhs_number_stays_invalid_so_validation_does_not_change() -> None:
    result = Masker("x").mask_bytes(_message("9434765918"))
    number = _patient(result.document).find("identifier.value").value
    assert number.startswith("999") and len(number) == 10 and not is_valid_nhs_number(number)


def test_json_keeps_its_bytes_apart_from_the_replaced_values() -> None:
    as_json = render(read_bytes(_message()), "json")
    result = Masker("j").mask_bytes(as_json)
    assert result.syntax == "json"
    assert NHS.encode() not in result.data
    unchanged = [line for line in as_json.splitlines() if b"Sample" not in line and b"Jane" not in line]
    masked_lines = set(result.data.splitlines())
    assert sum(1 for line in unchanged if line in masked_lines) >= len(unchanged) - 12


def test_the_summary_names_kinds_and_places_but_not_the_original_values() -> None:
    result = Masker("s").mask_bytes(_message())
    lines = result.summary_lines()
    assert lines[0].startswith(f"{len(result.replacements)} values replaced: ")
    assert any("Bundle.entry" in line and "name" in line for line in lines[1:])
    assert not any(NHS in line or "Jane" in line for line in lines)
    assert result.to_json()["counts"] == result.counts()
    assert result.notes == ()
    clock, ids = VirtualClock(), SequentialIds("pdf")
    with_pdf = render(sample_message(clock=clock, ids=ids, attachment_type="application/pdf"), "xml")
    notes = Masker("s").mask_bytes(with_pdf).notes
    assert notes == ("1 attachment (1 application/pdf) could not be examined and may hold patient data",)


def test_unreadable_input_is_a_read_error() -> None:
    with pytest.raises(ReadError):
        Masker("s").mask_bytes(b"<Bundle")


# ---- over the real examples -----------------------------------------------------------------


def _examples() -> list[str]:
    manifest = EXAMPLES / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    with manifest.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["format"] in ("xml", "json")]
    return [r["local_path"] for r in rows if "NOT well-formed" not in r["notes"]]


def _details(document: Document) -> list[tuple[str, str]]:
    """The patient details a masked copy must not show: (kind, value)."""
    found = []
    for resource in document.root.iter():
        if resource.kind != RESOURCE or resource.name not in PATIENT_RESOURCES:
            continue
        for node in resource.iter():
            parent = node.parent
            if not node.value or parent is None:
                continue
            if (
                node.name == "value"
                and parent.name == "identifier"
                and "nhs-number" in (parent.value_at("system") or "")
            ):
                found.append(("nhs", node.value))
            elif parent.name == "name" and node.name in ("family", "given"):
                found.append(("name", node.value))
            elif node.name in ("birthDate", "postalCode") or (node.name == "value" and parent.name == "telecom"):
                found.append((node.name, node.value))
            elif node.name == "line" and len(node.value) >= 4:
                found.append(("line", node.value))
    return found


def _pattern(kind: str, value: str) -> re.Pattern[str]:
    if kind == "nhs":
        return re.compile(r"(?<!\d)" + r"[\s-]?".join(re.sub(r"\D", "", value)) + r"(?!\d)")
    return re.compile(r"(?<![^\W\d_])" + re.escape(value) + r"(?![^\W\d_])", re.IGNORECASE)


@pytest.mark.corpus
def test_masking_the_real_examples_leaves_no_patient_detail_and_keeps_nhs_numbers_and_errors() -> None:
    names = _examples()
    require_shared(EXAMPLES / "MANIFEST.tsv")
    masker = Masker("corpus")
    validator = Validator()
    checked = 0
    for name in names:
        try:
            original = read_file(EXAMPLES / name)
        except ReadError:
            continue
        details = _details(original)
        if not details:
            continue
        checked += 1
        result = masker.mask(original)
        text = result.data.decode("utf-8")
        for kind, value in details:
            assert not _pattern(kind, value).search(text), (name, kind, value)
        before = {v for k, v in details if k == "nhs"}
        after = {v for k, v in _details(result.document) if k == "nhs"}
        assert len(after) == len(before), name
        valid_before = sum(is_valid_nhs_number(v) for v in before)
        assert sum(is_valid_nhs_number(v) for v in after) == valid_before, name
        errors_before = Counter((i.layer, i.rule, i.path) for i in validator.validate(original).issues if i.is_error)
        masked = validator.validate(read_bytes(result.data, syntax=result.syntax)).issues
        assert Counter((i.layer, i.rule, i.path) for i in masked if i.is_error) == errors_before, name
    assert checked > 150


#: A representative subset for the (slower) validation comparison: ITK messages, a document,
#: JSON with JSON-only defects, a Patient with contacts.
_VALIDATED = (
    "FHIR_MESH/test_messages/ITK009D_ITK_Immunization_Document.xml",
    "FHIR_MESH/test_messages/ToC-WT02-04-op_letter_full_payload_example_01-corrected.xml",
    "FHIR_MESH/test_messages/ITK003D_ITK_eDischarge.xml",
    "STU3-FHIR-Assets/Examples/DCH-BirthDetails-Bundle-Example-1.json",
    "Digital-Child-Health/Generated/Examples/Profile.BloodSpot/DCH-Bundle-NewbornBloodSpotSampleTaken.json",
    "Digital-Child-Health/Generated/Examples/Profile.BloodSpot/DCH-Bundle-NewbornBloodSpotSampleTaken.xml",
)


@pytest.mark.corpus
@pytest.mark.parametrize("name", _VALIDATED)
def test_a_masked_real_example_validates_as_the_original(name: str) -> None:
    original = read_file(require_shared(EXAMPLES / name))
    result = Masker("validate").mask(original)
    validator = Validator()
    before = Counter((i.severity, i.layer, i.rule, i.path) for i in validator.validate(original).issues)
    after = Counter((i.severity, i.layer, i.rule, i.path) for i in validator.validate(read_bytes(result.data)).issues)
    assert after == before
    assert result.replacements
