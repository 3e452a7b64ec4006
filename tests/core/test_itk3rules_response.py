"""ITK3 rules for the ITK Response (ITK008M): header response element, OperationOutcome, handling."""

from __future__ import annotations

import pytest
from test_itk3rules import (
    ANSWERED,
    MD,
    OO,
    OO_META,
    PAT,
    RESPONSE_CODES,
    entry,
    found,
    itk_issues,
    only,
    outcome,
    reference,
    response,
)

from workbench.core.catalogue import catalogue
from workbench.core.validation.receiver import predicted_response


@pytest.mark.parametrize("code", ["20013", "30001", "30002", "10001", "20009", "20015", "30007", "30015"])
def test_valid_responses_have_no_itk3_issues(code: str) -> None:
    assert found(response(code)) == []


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_valid_response_in_either_syntax(fmt: str) -> None:
    assert found(response("20013", fmt=fmt)) == []


def test_unreadable_original_is_a_valid_identifier() -> None:
    assert found(response("10009", identifier=catalogue().unreadable_message_id)) == []


def test_legacy_instance_definition_is_accepted_with_a_warning() -> None:
    legacy = response(keys={"MessageDefinition": reference(MD + "ITK-Response-MessageDefinition-Instance-1")})
    issue = only(legacy, "itk-msgdef-superseded")
    assert issue.severity == "warning" and "ITK-Response-MessageDefinition-1" in issue.hint


@pytest.mark.parametrize(
    ("kwargs", "expected", "words"),
    [
        ({"response_xml": ""}, [("itk-response-missing", "20006")], "no response element"),
        ({"identifier": None}, [("itk-response-identifier", "20006")], "missing"),
        ({"identifier": f"urn:uuid:{ANSWERED}"}, [("itk-response-identifier", "20006")], "not a FHIR id"),
        ({"answer": "transient-error"}, [("itk-response-code", "20006")], "never uses transient-error"),
        ({"answer": "okay"}, [("itk-response-code", "20006")], "found 'okay'"),
        ({"details": None}, [("itk-response-details", "20006")], "response.details is missing"),
        (
            {"details": "urn:uuid:0a9d8c7b-0000-4e5f-8a9b-000000000000"},
            [("itk-ref-unresolved", "20006")],
            "response.details reference",
        ),
        ({"details": OO}, [("itk-ref-bare-id", "20006")], "bare id"),
    ],
)
def test_response_element_rules(kwargs: dict, expected: list, words: str) -> None:
    issues = itk_issues(response("20013", **kwargs))
    assert [(i.rule, i.itk_code) for i in issues] == expected
    assert words in issues[0].message, issues[0].message


def test_details_pointing_at_another_resource() -> None:
    from test_itk3rules import PRAC

    issue = only(response(details=f"urn:uuid:{PRAC}"), "itk-response-details")
    assert "is a Practitioner" in issue.message


def no_issue() -> str:
    return f'<OperationOutcome><id value="{OO}"/>{OO_META}</OperationOutcome>'


def coding_issue(coding: str, severity: str = "information", code: str = "informational") -> str:
    return (
        f'<OperationOutcome><id value="{OO}"/>{OO_META}<issue><severity value="{severity}"/><code value="{code}"/>'
        f"<details>{coding}</details></issue></OperationOutcome>"
    )


def code_xml(code: str, display: str | None, system: str = RESPONSE_CODES) -> str:
    shown = f'<display value="{display}"/>' if display is not None else ""
    return f'<coding><system value="{system}"/><code value="{code}"/>{shown}</coding>'


@pytest.mark.parametrize(
    ("oo", "expected", "words"),
    [
        (no_issue(), [("itk-response-issue-missing", "20006")], "no issue"),
        (coding_issue(""), [("itk-response-code-coding", "20006")], "no details.coding"),
        (coding_issue(code_xml("20013", "Success") * 2), [("itk-response-code-coding", "20006")], "more than one"),
        (
            coding_issue(code_xml("20013", "Success", "http://example.org/codes")),
            [("itk-response-code-system", "20006")],
            "http://example.org/codes",
        ),
        (coding_issue(code_xml("20099", "Maybe")), [("itk-response-code-unknown", "20006")], "'20099'"),
        (
            coding_issue(code_xml("10006", "Priority Value - Processing Error")),
            [("itk-response-code-unknown", "20006")],
            "retired",
        ),
        (
            coding_issue(code_xml("51001", "Success", "https://fhir.nhs.uk/STU3/CodeSystem/ITK-Acknowledgement-1")),
            [("itk-response-code-legacy", "20006")],
            "legacy ITK-Acknowledgement-1 code",
        ),
        (
            coding_issue(code_xml("41001", "Patient known here. (e.g. Patient is registered here)")),
            [("itk-response-code-legacy", "20006")],
            "41001",
        ),
        (coding_issue(code_xml("20013", "Accepted")), [("itk-response-code-display", "20006")], "'Accepted'"),
        (coding_issue(code_xml("20013", None)), [("itk-response-code-display", "20006")], "no display"),
        (coding_issue(code_xml("20013", "SUCCESS")), [("itk-response-code-display-spelling", None)], "'SUCCESS'"),
        (
            outcome("20013", severity="fatal", issue_code="processing"),
            [("itk-response-issue-mapping", None)],
            "'information'",
        ),
    ],
)
def test_outcome_rules(oo: str, expected: list, words: str) -> None:
    issues = itk_issues(response("20013", oo=oo))
    assert [(i.rule, i.itk_code) for i in issues] == expected
    assert words in issues[0].message, issues[0].message


@pytest.mark.parametrize(
    ("code", "display"),
    [
        ("10004", "Message Definition Value \u2013 Processing Error"),  # the IG's en-dash
        ("20004", "Non Approved file type received as an attachment"),
        ("20006", "ITK3 header validation failure"),
    ],
)
def test_display_variants_of_the_ig_are_tolerated(code: str, display: str) -> None:
    assert found(response(code, oo=outcome(code, display))) == []


def test_outcome_should_claim_the_itk_profile() -> None:
    issue = only(response("20013", oo=outcome("20013").replace(OO_META, "")), "itk-response-outcome-profile")
    assert issue.severity == "warning" and "ITK-Response-OperationOutcome-1" in issue.message


def test_several_issues_are_accepted_with_a_warning() -> None:
    two = outcome("20013")[: -len("</OperationOutcome>")] + outcome("20013").split(f'<id value="{OO}"/>', 1)[1]
    issue = only(response("20013", oo=two), "itk-response-issue-count")
    assert "2 issues" in issue.message


@pytest.mark.parametrize(
    ("code", "answer", "needed"),
    [
        ("20014", "ok", "fatal-error"),
        ("20015", "ok", "fatal-error"),
        ("20013", "fatal-error", "ok"),
        ("30001", "fatal-error", "ok"),
    ],
)
def test_response_code_must_agree_with_the_sign(code: str, answer: str, needed: str) -> None:
    issue = only(response(code, answer=answer), "itk-response-sign")
    assert issue.itk_code == "20006"
    assert f"response.code is '{answer}'" in issue.message and f"needs '{needed}'" in issue.message
    assert issue.path == "Bundle.entry[0].resource.response.code"


def test_business_ack_requested_on_a_response_is_10008() -> None:
    issue = only(response(busack="true"), "itk-response-busack")
    assert issue.itk_code == "10008"


def test_infrastructure_response_requesting_an_infrastructure_ack() -> None:
    assert found(response("20013", infack="true")) == [("itk-response-infack", None)]
    assert found(response("30001", infack="false")) == []  # pattern 2: the business response is not acknowledged


def test_response_must_name_the_response_definition() -> None:
    data = response(keys={"MessageDefinition": reference(MD + "ITK-eDischarge-MessageDefinition-4")})
    issue = only(data, "itk-response-msgdef")
    assert issue.itk_code == "10008" and "the definition of ITK003D" in issue.message
    unknown = response(keys={"MessageDefinition": reference(MD + "ITK-Ack-MessageDefinition-9")})
    assert found(unknown) == [("itk-response-msgdef", "10008")]


def test_response_with_focus_and_payload() -> None:
    assert found(response(focus=(f"urn:uuid:{OO}",))) == [("itk-response-focus", None)]
    patient = entry(PAT, f'<Patient><id value="{PAT}"/></Patient>')
    issue = only(response(extra_entries=patient), "itk-response-payload")
    assert "is a Patient" in issue.message


def test_legacy_acknowledgement_is_judged_as_a_response() -> None:
    data = response("20013", event=("ITK001M", "ITK Infrastructure Acknowledgement"))
    assert found(data) == [("itk-event-legacy", "20006")]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (response("20013"), "20013"),
        (response("20013", handling=None), "10001"),
        (response("20014", answer="ok"), "20006"),
        (response("20013", busack="true", answer="fatal-error"), "10008"),
    ],
)
def test_predicted_response_for_responses(data: bytes, code: str) -> None:
    assert predicted_response(itk_issues(data))[0] == code
