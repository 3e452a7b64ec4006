"""ITK3 rules over the real examples: each defect MANIFEST.tsv records is found with the right
rule and ITK code, the correct official Responses pass, and the predicted responses are stable."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import pytest
from conftest import EXAMPLES, require_shared

from workbench.core.catalogue import catalogue
from workbench.core.codecs import read_bytes, render
from workbench.core.itk3.documents import replacements
from workbench.core.itk3.view import message_view
from workbench.core.tree import Node
from workbench.core.validation.itk3rules import RULES
from workbench.core.validation.runner import Report, Validator

pytestmark = pytest.mark.corpus

ASSETS = "STU3-FHIR-Assets/Examples/"
MESH = "FHIR_MESH/test_messages/"


@cache
def report(name: str) -> Report:
    path = require_shared(EXAMPLES) / name
    assert path.is_file(), f"{name} is not among the examples"
    return Validator(layers=("itk3",)).validate_file(path)


def findings(name: str) -> list[tuple[str, str | None, str]]:
    """(rule, itk_code, the element the issue is about) for one example."""
    return [(i.rule, i.itk_code, (i.path or "").rsplit(".", 1)[-1]) for i in report(name).issues]


def rules(name: str) -> set[tuple[str, str | None]]:
    return {(rule, code) for rule, code, _ in findings(name)}


# ---- the defects MANIFEST.tsv records -------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        MESH + "ITK003D_ITK_eDischarge.xml",
        MESH + "ITK004D_ITK_MentalHealtheDischarge.xml",
        MESH + "ITK005D_ITK_EmergencyCareeDischarge.xml",
        MESH + "ITK006D_OutpatientLetter.xml",
        ASSETS + "ITK-SendPayload-Valid-Example-2.xml",
    ],
)
def test_bare_uuid_header_references_are_found(name: str) -> None:
    """MANIFEST: 'MessageHeader references are bare UUIDs ... so they do not resolve: receiver, sender, focus'."""
    bare = [i for i in report(name).issues if i.rule == "itk-ref-bare-id"]
    assert [(i.itk_code, i.path) for i in bare] == [
        ("20006", "Bundle.entry[0].resource.receiver.reference"),
        ("20006", "Bundle.entry[0].resource.sender.reference"),
        ("20006", "Bundle.entry[0].resource.focus[0].reference"),
    ]
    assert all("urn:uuid:" in (i.hint or "") for i in bare)


@pytest.mark.parametrize(
    ("name", "role"),
    [
        (ASSETS + "ITK-Response-10001-Example-1.xml", "receiver"),
        (ASSETS + "ITK-Response-10002-Example-1.xml", "receiver"),
        (ASSETS + "ITK-Response-10003-Example-1.xml", "receiver"),
        (ASSETS + "ITK-SendPayload-Invalid-Example-4.xml", "focus[0]"),
    ],
)
def test_dangling_header_references_are_found(name: str, role: str) -> None:
    """MANIFEST: 'MessageHeader reference(s) not resolvable to an entry fullUrl'."""
    dangling = [i for i in report(name).issues if i.rule == "itk-ref-unresolved"]
    assert [(i.itk_code, i.path) for i in dangling] == [("20006", f"Bundle.entry[0].resource.{role}.reference")]
    assert report(name).predicted[0] == "20006"


@pytest.mark.parametrize(
    ("name", "definition", "event"),
    [
        (MESH + "ITK-EDIS-Example-1.xml", "ITK-DM-Immunization-MessageDefinition-1", "ITK003D"),
        (MESH + "ITK004D_ITK_MentalHealtheDischarge.xml", "ITK-EDIS-MessageDefinition-1", "ITK004D"),
        (MESH + "ITK005D_ITK_EmergencyCareeDischarge.xml", "ITK-EDIS-MessageDefinition-1", "ITK005D"),
        (MESH + "ITK006D_OutpatientLetter.xml", "ITK-EDIS-MessageDefinition-1", "ITK006D"),
        (MESH + "ITK010D_ITK_EmergencySupply.xml", "ITK-EC-eDischarge-MessageDefinition-Instance-1", "ITK010D"),
    ],
)
def test_definition_event_mismatch_is_found(name: str, definition: str, event: str) -> None:
    """MANIFEST: 'MessageDefinition X does not match event Y'."""
    [issue] = [i for i in report(name).issues if i.rule == "itk-msgdef-event-mismatch"]
    assert issue.itk_code == "10008"
    assert f"MessageDefinition {definition} does not match event {event}" in issue.message


def test_wrong_event_display_is_found() -> None:
    """MANIFEST: ITK003D displayed 'ITK Digital Medicine Immunization Document'."""
    [issue] = [i for i in report(MESH + "ITK-EDIS-Example-1.xml").issues if i.rule == "itk-event-display"]
    assert issue.itk_code == "20006" and issue.path == "Bundle.entry[0].resource.event.display"
    assert "'ITK Digital Medicine Immunization Document' (the display of ITK009D)" in issue.message
    assert "'ITK eDischarge'" in issue.message and issue.line == 48


@pytest.mark.parametrize(
    ("name", "missing"),
    [
        (
            MESH + "ITK003D_ITK_eDischarge.xml",
            {("itk-sender-reference-missing", "10007"), ("itk-local-extension-missing", "10001")},
        ),
        (
            ASSETS + "ITK-SendPayload-EMS-PDS-RelatedPerson-Example-1.xml",
            {
                ("itk-busack-missing", "10003"),
                ("itk-infack-missing", "10002"),
                ("itk-msgdef-missing", "10004"),
                ("itk-sender-reference-missing", "10007"),
                ("itk-local-extension-missing", "10001"),
            },
        ),
        (ASSETS + "ITK-Response-20009-Example-2.xml", {("itk-handling-missing", "10001")}),
    ],
)
def test_missing_handling_keys_are_found(name: str, missing: set) -> None:
    found = {(r, c) for r, c in rules(name) if r.endswith("-missing") and c is not None and c.startswith("100")}
    assert found == missing


@pytest.mark.parametrize(
    "name",
    [
        MESH + "ITK003D_ITK_eDischarge.xml",
        MESH + "ITK006D_OutpatientLetter.xml",
        ASSETS + "ITK-FailsafeAlert-Example-1.xml",
    ],
)
def test_legacy_priority_key_is_found(name: str) -> None:
    [issue] = [i for i in report(name).issues if i.rule == "itk-handling-legacy-priority"]
    assert issue.severity == "warning" and issue.path.endswith("extension[3]")


@pytest.mark.parametrize(
    ("name", "code"),
    [(ASSETS + "ITK-Response-20014-Example-1.xml", "20014"), (ASSETS + "ITK-Response-20015-Example-1.xml", "20015")],
)
def test_response_code_sign_mismatch_is_found(name: str, code: str) -> None:
    """FACTS §11.4: response.code 'ok' with a negative code."""
    [issue] = [i for i in report(name).issues if i.rule == "itk-response-sign"]
    assert issue.itk_code == "20006" and issue.path == "Bundle.entry[0].resource.response.code"
    assert f"response.code is 'ok' but response code {code}" in issue.message
    assert [i.rule for i in report(name).issues if i.is_error] == ["itk-response-sign"]


def test_itk2_style_source_endpoints_are_named_legacy() -> None:
    issues = [i for i in report(MESH + "ITK003D_ITK_eDischarge.xml").issues if i.rule == "itk-source-legacy"]
    assert len(issues) == 1 and "1.2.826.0.1285.0.2.0.107" in issues[0].message


def test_legacy_acknowledgements_are_named_legacy() -> None:
    name = ASSETS + "ITK-BusinessAck-Success-Example-2.xml"
    assert {("itk-event-legacy", "20006"), ("itk-response-code-legacy", "20006")} <= rules(name)


# ---- the official Responses that are correct -------------------------------------------------------

#: Official Response examples with defects the MANIFEST or FACTS §11 record.
DEFECTIVE = {"10001", "10002", "10003", "20014", "20015"}


def official_responses() -> list[Path]:
    folder = EXAMPLES / ASSETS
    if not folder.exists():
        return []
    return sorted(p for p in folder.glob("ITK-Response-[0-9]*-Example-1.xml") if p.name.split("-")[2] not in DEFECTIVE)


@pytest.mark.parametrize("path", official_responses() or [None], ids=lambda p: p.name if p else "absent")
def test_correct_official_responses_pass(path: Path | None) -> None:
    if path is None:
        require_shared(EXAMPLES / ASSETS)
    assert path is not None
    name = str(path.relative_to(EXAMPLES))
    assert [i for i in report(name).issues if i.is_error] == []
    assert report(name).predicted == ("20013", "Success")
    legacy = "ITK-Response-MessageDefinition-Instance-1" in path.read_text(encoding="utf-8")
    expected = [("itk-msgdef-superseded", None, "reference")] if legacy else []
    assert findings(name) == expected


def test_there_are_enough_official_responses() -> None:
    require_shared(EXAMPLES / ASSETS)
    assert len(official_responses()) >= 19


@pytest.mark.parametrize("name", [MESH + "ITK008M_ITK_Response.xml", ASSETS + "ITK-Response-30004-Example-1.xml"])
def test_current_style_responses_are_clean(name: str) -> None:
    assert [i for i in report(name).issues if i.severity != "information" and i.rule != "itk-source-legacy"] == []


# ---- predicted responses ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        (ASSETS + "ITK-Response-20009-Example-2.xml", "10001"),
        (MESH + "ITK003D_ITK_eDischarge.xml", "10001"),
        (MESH + "ITK-EDIS-Example-1.xml", "10008"),
        (MESH + "ITK010D_ITK_EmergencySupply.xml", "10008"),
        (ASSETS + "ITK-SendPayload-Invalid-Example-4.xml", "20006"),
        (ASSETS + "ITK-Response-20014-Example-1.xml", "20006"),
        (ASSETS + "Archive/ITK-InfAck-Success-Example-2.xml", "10001"),
        (MESH + "ITK009D_ITK_Immunization_Document.xml", "20013"),
        (MESH + "ToC-WT02-04-op_letter_full_payload_example_01-corrected.xml", "20013"),
        (ASSETS + "ITK-Response-20013-Example-1.xml", "20013"),
        ("gpconnect-messaging/_includes/senddocument/oc_consultation_report_klinik.xml", "20004"),
        ("gpconnect-messaging/_includes/senddocument/consultation_report.xml", "10009"),
    ],
)
def test_predicted_responses_are_stable(name: str, code: str) -> None:
    first = report(name).predicted
    again = Validator(layers=("itk3",)).validate_file(EXAMPLES / name).predicted
    assert first == again and first[0] == code


# ---- every example ------------------------------------------------------------------------------------


def manifest() -> list[str]:
    path = EXAMPLES / "MANIFEST.tsv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return [row["local_path"] for row in csv.DictReader(handle, delimiter="\t")]


def test_every_example_goes_through_the_layer() -> None:
    require_shared(EXAMPLES / "MANIFEST.tsv")
    validator = Validator(layers=("itk3",))
    kinds: dict[str, int] = {}
    for name in manifest():
        path = EXAMPLES / name
        if not path.is_file():
            continue
        result = validator.validate_file(path)
        for issue in result.issues:
            assert issue.layer == "syntax" or issue.rule in RULES, (name, issue)
            if issue.layer == "itk3":
                assert issue.path and issue.message and issue.hint, (name, issue)
                assert (issue.severity, issue.itk_code) == RULES[issue.rule][:2], (name, issue)
        kinds[result.predicted[0]] = kinds.get(result.predicted[0], 0) + 1
    assert kinds.get("20013", 0) >= 20 and kinds.get("10001", 0) >= 10


def test_full_validation_reports_each_reference_fault_once() -> None:
    """With the bundle layer running too, the generic reference findings come from it only."""
    path = require_shared(EXAMPLES / MESH / "ITK003D_ITK_eDischarge.xml")
    report = Validator(layers=("bundle", "itk3"), options={"layers": ("bundle", "itk3")}).validate_file(path)
    bare = [(i.layer, i.rule) for i in report.issues if "bare" in i.rule]
    assert bare == [("bundle", "bundle-ref-bare-id")] * 3
    assert report.predicted[0] == "10001"


def test_a_replacement_that_names_no_document_is_20014_whatever_the_receiver() -> None:
    """The real ToC replacement letter, its relatesTo target left with a system and no value."""
    path = require_shared(EXAMPLES / MESH / "ToC-WT07-02-op_letter_replace_valid_replace_example_01-corrected.3.xml")
    assert Validator().validate_file(path).predicted[0] == "20013"
    tree = read_bytes(path.read_bytes())
    [replacement] = replacements(message_view(tree))
    value = replacement.relates_to.find("targetIdentifier.value")
    assert value is not None and value.parent is not None
    value.parent.children.remove(value)
    value.parent.append(Node("system", value=catalogue().urls.uuid_identifier_system))
    report = Validator().validate(read_bytes(render(tree, "xml")))
    assert [(i.rule, i.path) for i in report.issues if i.itk_code == "20014"] == [
        ("itk-replacement-target", "Bundle.entry[3].resource.entry[0].resource.relatesTo[0]")
    ]
    assert report.predicted[0] == "20014"
