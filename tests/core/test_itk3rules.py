"""ITK3 rules layer: one small hand-made message per rule, valid and broken.

:func:`message` builds a valid ITK3 message (ITK003D eDischarge with a document payload) whose
keyword arguments break one thing at a time; :func:`response` builds a valid ITK Response.
Each negative case asserts exactly the rule ids and ITK codes found (warnings included), so a
rule that fires too often fails as surely as one that does not fire.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from workbench.core.catalogue import catalogue
from workbench.core.codecs import read_bytes, write_json
from workbench.core.validation.issue import Issue
from workbench.core.validation.itk3rules import RULES, check
from workbench.core.validation.itk3rules.handling import KEY_STEMS
from workbench.core.validation.receiver import predicted_response
from workbench.core.validation.runner import Validator

# ---- the builder ------------------------------------------------------------------------------

HANDLING = "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-ITK-MessageHandling-2"
EVENT_SYSTEM = "https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2"
RECIPIENT_SYSTEM = "https://fhir.nhs.uk/STU3/CodeSystem/ITK-RecipientType-1"
MD = "https://fhir.nhs.uk/STU3/MessageDefinition/"
RESPONSE_CODES = "https://fhir.nhs.uk/STU3/CodeSystem/ITK-ResponseCodes-1"

BUNDLE = "0a9d8c7b-1111-4e5f-8a9b-0c1d2e3f4a00"
MH = "0a9d8c7b-2222-4e5f-8a9b-0c1d2e3f4a01"
ORG = "0a9d8c7b-3333-4e5f-8a9b-0c1d2e3f4a02"
PRAC = "0a9d8c7b-4444-4e5f-8a9b-0c1d2e3f4a03"
DOC = "0a9d8c7b-5555-4e5f-8a9b-0c1d2e3f4a04"
COMP = "0a9d8c7b-6666-4e5f-8a9b-0c1d2e3f4a05"
PAT = "0a9d8c7b-7777-4e5f-8a9b-0c1d2e3f4a06"
BIN = "0a9d8c7b-8888-4e5f-8a9b-0c1d2e3f4a07"
OO = "0a9d8c7b-9999-4e5f-8a9b-0c1d2e3f4a08"
ANSWERED = "0a9d8c7b-aaaa-4e5f-8a9b-0c1d2e3f4a09"
OO_META = '<meta><profile value="https://fhir.nhs.uk/STU3/StructureDefinition/ITK-Response-OperationOutcome-1"/></meta>'
PDF = base64.b64encode(b"%PDF-1.4 test document").decode()


def coding(code: str, display: str | None, system: str = RECIPIENT_SYSTEM) -> str:
    """A valueCoding for RecipientType (display None: left out)."""
    shown = f'<display value="{display}"/>' if display is not None else ""
    return f'<valueCoding><system value="{system}"/><code value="{code}"/>{shown}</valueCoding>'


def reference(url: str) -> str:
    """A valueReference for MessageDefinition."""
    return f'<valueReference><reference value="{url}"/></valueReference>'


KEYS = {
    "BusAckRequested": '<valueBoolean value="true"/>',
    "InfAckRequested": '<valueBoolean value="true"/>',
    "RecipientType": coding("FA", "For Action"),
    "MessageDefinition": reference(MD + "ITK-eDischarge-MessageDefinition-4"),
    "SenderReference": '<valueString value="None"/>',
    "LocalExtension": '<valueString value="None"/>',
}

ORGANIZATION = (
    f'<Organization><id value="{ORG}"/>'
    '<identifier><system value="https://fhir.nhs.uk/Id/ods-organization-code"/><value value="RY6"/></identifier>'
    "</Organization>"
)
PRACTITIONER = (
    f'<Practitioner><id value="{PRAC}"/>'
    '<identifier><system value="https://fhir.nhs.uk/Id/sds-user-id"/><value value="099945750518"/></identifier>'
    '<name><family value="Socrates"/><given value="Diane"/><prefix value="Dr"/></name></Practitioner>'
)


def entry(rid: str, resource: str, full_url: str | None = None) -> str:
    """An entry whose fullUrl is urn:uuid:<rid> unless given."""
    return f'<entry><fullUrl value="{full_url or "urn:uuid:" + rid}"/><resource>{resource}</resource></entry>'


def document(
    *,
    kind: str = "document",
    identifier: str = '<identifier><system value="https://tools.ietf.org/html/rfc4122"/>'
    '<value value="1b2c3d4e-0000-4e5f-8a9b-0c1d2e3f4a10"/></identifier>',
    subject: str = f"urn:uuid:{PAT}",
    content_type: str | None = "application/pdf",
    content: str | None = PDF,
    first: str = "composition",
) -> str:
    """The inner document Bundle: Composition (subject, author, section -> Binary), Patient, Binary."""
    composition = entry(
        COMP,
        f'<Composition><id value="{COMP}"/><status value="final"/>'
        '<type><coding><system value="http://snomed.info/sct"/><code value="373942005"/>'
        '<display value="Discharge summary"/></coding></type>'
        f'<subject><reference value="{subject}"/></subject><date value="2024-03-01T09:30:00+00:00"/>'
        f'<author><reference value="urn:uuid:{PAT}"/></author><title value="Discharge summary"/>'
        f'<section><title value="Attachment"/><entry><reference value="urn:uuid:{BIN}"/></entry></section>'
        "</Composition>",
    )
    patient = entry(PAT, f'<Patient><id value="{PAT}"/><gender value="female"/></Patient>')
    type_xml = f'<contentType value="{content_type}"/>' if content_type is not None else ""
    content_xml = f'<content value="{content}"/>' if content is not None else ""
    binary = entry(BIN, f'<Binary><id value="{BIN}"/>{type_xml}{content_xml}</Binary>')
    entries = composition + patient if first == "composition" else patient + composition
    return (
        f'<Bundle><id value="{DOC}"/><meta><lastUpdated value="2024-03-01T09:30:00+00:00"/></meta>'
        f'{identifier}<type value="{kind}"/>{entries}{binary}</Bundle>'
    )


def message(
    *,
    event: tuple[str, str | None] | None = ("ITK003D", "ITK eDischarge"),
    event_system: str = EVENT_SYSTEM,
    keys: dict[str, str | None] | None = None,
    extra_keys: str = "",
    handling: str | None = HANDLING,
    handling_xml: str | None = None,
    sender: str | None = f"urn:uuid:{ORG}",
    receiver: str | None = f"urn:uuid:{PRAC}",
    focus: tuple[str, ...] = (f"urn:uuid:{DOC}",),
    timestamp: str | None = "2024-03-01T09:30:00+00:00",
    endpoint: str | None = "X26OT112",
    header_extra: str = "",
    response_xml: str = "",
    header_id: str | None = MH,
    bundle_type: str = "message",
    bundle_id: str | None = BUNDLE,
    identifier: bool = True,
    bundle_extra: str = "",
    organization: str = ORGANIZATION,
    practitioner: str = PRACTITIONER,
    payload: str | None = None,
    extra_entries: str = "",
    first_entries: str = "",
    fmt: str = "xml",
) -> bytes:
    """A valid ITK3 message, with one thing changed by the keyword arguments.

    ``keys`` overrides handling keys by url (None: leave the key out); ``handling=None`` leaves
    the extension out; ``payload`` replaces the document entry (``""``: no payload).
    """
    values = {**KEYS, **(keys or {})}
    key_xml = "".join(f'<extension url="{k}">{v}</extension>' for k, v in values.items() if v is not None)
    if handling_xml is None:
        handling_xml = f'<extension url="{handling}">{key_xml}{extra_keys}</extension>' if handling else ""
    event_xml = ""
    if event is not None:
        display = f'<display value="{event[1]}"/>' if event[1] is not None else ""
        event_xml = f'<event><system value="{event_system}"/><code value="{event[0]}"/>{display}</event>'
    parts = [
        f'<id value="{header_id}"/>' if header_id else "",
        handling_xml,
        event_xml,
        f'<receiver><reference value="{receiver}"/></receiver>' if receiver else "",
        f'<sender><reference value="{sender}"/></sender>' if sender else "",
        f'<timestamp value="{timestamp}"/>' if timestamp else "",
        f'<source><endpoint value="{endpoint}"/></source>' if endpoint else "<source/>",
        header_extra,
        response_xml,
        "".join(f'<focus><reference value="{f}"/></focus>' for f in focus),
    ]
    header = entry(MH, f"<MessageHeader>{''.join(parts)}</MessageHeader>")
    body = entry(DOC, document()) if payload is None else payload
    ident = f'<identifier><value value="{ANSWERED[:-2]}ff"/></identifier>' if identifier else ""
    text = (
        '<Bundle xmlns="http://hl7.org/fhir">'
        + (f'<id value="{bundle_id}"/>' if bundle_id else "")
        + f'{ident}<type value="{bundle_type}"/>{bundle_extra}'
        + first_entries
        + header
        + entry(ORG, organization)
        + entry(PRAC, practitioner)
        + body
        + extra_entries
        + "</Bundle>"
    )
    data = text.encode()
    return write_json(read_bytes(data)) if fmt == "json" else data


def outcome(
    code: str, display: str | None = None, *, severity: str | None = None, issue_code: str | None = None
) -> str:
    """An ITK-Response-OperationOutcome-1 with one issue, mapped as the IG says unless overridden."""
    known = catalogue().response(code)
    display = display if display is not None else (known.display if known else "Unknown")
    severity = severity or (known.severity if known else "fatal")
    issue_code = issue_code or (known.issue_code if known else "processing")
    return (
        f'<OperationOutcome><id value="{OO}"/>{OO_META}<issue><severity value="{severity}"/><code value="{issue_code}"/>'
        f'<details><coding><system value="{RESPONSE_CODES}"/><code value="{code}"/><display value="{display}"/>'
        "</coding></details></issue></OperationOutcome>"
    )


def response(
    code: str = "20013",
    *,
    answer: str | None = None,
    identifier: str | None = ANSWERED,
    details: str | None = f"urn:uuid:{OO}",
    oo: str | None = None,
    busack: str = "false",
    infack: str | None = None,
    keys: dict[str, str | None] | None = None,
    **kw: object,
) -> bytes:
    """A valid ITK Response (ITK008M) carrying ``code``; keyword arguments break one thing."""
    known = catalogue().response(code)
    answer = answer if answer is not None else (known.response_code if known else "fatal-error")
    infack = infack if infack is not None else ("true" if known is not None and known.is_business else "false")
    parts = [
        f'<identifier value="{identifier}"/>' if identifier is not None else "",
        f'<code value="{answer}"/>' if answer else "",
        f'<details><reference value="{details}"/></details>' if details is not None else "",
    ]
    handling_keys = {
        "BusAckRequested": f'<valueBoolean value="{busack}"/>',
        "InfAckRequested": f'<valueBoolean value="{infack}"/>',
        "MessageDefinition": reference(MD + "ITK-Response-MessageDefinition-1"),
        **(keys or {}),
    }
    options: dict = {
        "event": ("ITK008M", "ITK Response"),
        "keys": handling_keys,
        "focus": (),
        "receiver": None,
        "response_xml": f"<response>{''.join(parts)}</response>",
        "payload": entry(OO, oo if oo is not None else outcome(code)),
    }
    options.update(kw)
    return message(**options)  # type: ignore[arg-type]


# ---- running the layer -----------------------------------------------------------------------


def itk_issues(data: bytes, **options: object) -> list[Issue]:
    """The ITK3 layer's issues for a message, checked against the RULES table."""
    report = Validator(layers=("itk3",), options=options).validate_bytes(data)
    for issue in report.issues:
        assert issue.layer == "itk3", issue
        rule = RULES[issue.rule]
        assert (issue.severity, issue.itk_code) == (rule.severity, rule.itk_code), issue
        assert issue.path and issue.message and issue.hint, issue
    return report.issues


def found(data: bytes, **options: object) -> list[tuple[str, str | None]]:
    """The (rule, itk_code) pairs found, in source order."""
    return [(i.rule, i.itk_code) for i in itk_issues(data, **options)]


def only(data: bytes, rule: str, **options: object) -> Issue:
    """The single issue found, which must be of ``rule``."""
    issues = itk_issues(data, **options)
    assert [i.rule for i in issues] == [rule], [(i.rule, i.message) for i in issues]
    return issues[0]


# ---- valid messages --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_valid_message_has_no_itk3_issues(fmt: str) -> None:
    assert found(message(fmt=fmt)) == []


@pytest.mark.parametrize(
    "variant",
    [
        {},
        {"receiver": None},
        {"sender": f"urn:uuid:{PRAC}", "receiver": f"urn:uuid:{ORG}"},
        {
            "keys": {
                "RecipientType": coding("FI", "For Information"),
                "BusAckRequested": '<valueBoolean value="false"/>',
            }
        },
        {"keys": {"SenderReference": f'<valueString value="{"x" * 255}"/>'}},
        {"keys": {"LocalExtension": '<valueCode value="SendDocument-ConsultationReport"/>'}},
        {"timestamp": "2024-03-01T09:30:00.123Z"},
        {
            "event": ("ITK007C", "ITK GP Connect Writeback"),  # the display before July 2018, tolerated
            "keys": {"MessageDefinition": reference(MD + "ITK-GPConnectSendDocument-MessageDefinition-1")},
        },
    ],
)
def test_valid_variants_have_no_itk3_issues(variant: dict) -> None:
    assert found(message(**variant)) == []


def test_valid_message_is_valid_in_structure_and_bundle_layers_too() -> None:
    """The builder's baseline is a genuinely valid message, not only valid to this layer."""
    report = Validator(layers=("structure", "bundle", "itk3")).validate_bytes(message())
    assert [i for i in report.issues if i.is_error] == []
    assert report.predicted == ("20013", "Success")


# ---- handling specification (100xx) ------------------------------------------------------------


def test_missing_handling_extension_is_10001() -> None:
    issue = only(message(handling=None), "itk-handling-missing")
    assert issue.itk_code == "10001"
    assert issue.path == "Bundle.entry[0].resource"


def test_older_handling_extension_url_is_named() -> None:
    older = HANDLING.replace("-2", "-1")
    issue = only(message(handling=older), "itk-handling-missing")
    assert older in issue.message and issue.path.endswith("extension[0]")


def test_handling_extension_twice_is_10001() -> None:
    twice = message().replace(b"<event>", f'<extension url="{HANDLING}"/><event>'.encode(), 1)
    assert found(twice) == [("itk-handling-repeated", "10001")]


def test_handling_extension_with_a_value_of_its_own() -> None:
    data = message(extra_keys='<valueString value="BusAck=true"/>')
    assert found(data) == [("itk-handling-value", "10001")]


@pytest.mark.parametrize("key", list(KEY_STEMS))
def test_each_missing_key_gets_its_own_code(key: str) -> None:
    code = catalogue().handling_key(key).error_code or "10001"
    issue = only(message(keys={key: None}), f"itk-{KEY_STEMS[key]}-missing")
    assert issue.itk_code == code
    assert key in issue.message and "2.5.0" in issue.message


@pytest.mark.parametrize("key", list(KEY_STEMS))
def test_each_repeated_key_gets_its_own_code(key: str) -> None:
    data = message(extra_keys=f'<extension url="{key}">{KEYS[key]}</extension>')
    issue = only(data, f"itk-{KEY_STEMS[key]}-repeated")
    assert issue.itk_code == (catalogue().handling_key(key).error_code or "10001")
    assert issue.path == "Bundle.entry[0].resource.extension[0].extension[6]"


@pytest.mark.parametrize(
    ("key", "value", "rule", "code", "words"),
    [
        ("BusAckRequested", '<valueString value="true"/>', "itk-busack-value", "10003", "found valueString 'true'"),
        ("BusAckRequested", '<valueBoolean value="yes"/>', "itk-busack-value", "10003", "found 'yes'"),
        ("InfAckRequested", '<valueBoolean value="1"/>', "itk-infack-value", "10002", "true or false; found '1'"),
        ("InfAckRequested", "", "itk-infack-value", "10002", "found no value"),
        (
            "RecipientType",
            coding("FX", "For X"),
            "itk-recipient-type",
            "10010",
            "RecipientType must be FA or FI; found 'FX'",
        ),
        ("RecipientType", '<valueCode value="FA"/>', "itk-recipient-type-value", "10010", "found valueCode 'FA'"),
        (
            "RecipientType",
            coding("FA", "For Action", "http://example.org/rt"),
            "itk-recipient-type-system",
            "10010",
            "http://example.org/rt",
        ),
        (
            "RecipientType",
            coding("FA", "For Information"),
            "itk-recipient-type-display",
            "10010",
            "that is FI's display",
        ),
        ("RecipientType", coding("FA", "Action needed"), "itk-recipient-type-display", "10010", "'Action needed'"),
        ("RecipientType", coding("FI", None), "itk-recipient-type-display", "10010", "FI has no display"),
        ("RecipientType", coding("FA", "for action"), "itk-recipient-type-display-spelling", None, "'for action'"),
        (
            "MessageDefinition",
            '<valueUri value="https://fhir.nhs.uk/STU3/MessageDefinition/x"/>',
            "itk-msgdef-value",
            "10004",
            "valueUri",
        ),
        (
            "MessageDefinition",
            reference("ITK-eDischarge-MessageDefinition-4"),
            "itk-msgdef-value",
            "10004",
            "not a MessageDefinition URL",
        ),
        (
            "MessageDefinition",
            "<valueReference><display value='x'/></valueReference>",
            "itk-msgdef-value",
            "10004",
            "without a reference",
        ),
        (
            "MessageDefinition",
            reference(MD + "ITK-Local-MessageDefinition-1"),
            "itk-msgdef-unknown",
            None,
            "answers 10004",
        ),
        (
            "MessageDefinition",
            reference(MD + "ITK-eDischarge-MessageDefinition-3"),
            "itk-msgdef-unknown",
            None,
            "answers 10005",
        ),
        (
            "MessageDefinition",
            reference(MD + "ITK-SendPayload-MessageDefinition-1"),
            "itk-msgdef-generic",
            "10004",
            "generic",
        ),
        (
            "MessageDefinition",
            reference(MD + "ITK-eDischarge-MessageDefinition-Instance-1"),
            "itk-msgdef-superseded",
            None,
            "legacy -Instance- form",
        ),
        (
            "MessageDefinition",
            reference(MD + "ITK-DM-Immunization-MessageDefinition-1"),
            "itk-msgdef-event-mismatch",
            "10008",
            "MessageDefinition ITK-DM-Immunization-MessageDefinition-1 does not match event ITK003D",
        ),
        (
            "SenderReference",
            f'<valueString value="{"x" * 256}"/>',
            "itk-sender-reference-value",
            "10007",
            "256 characters",
        ),
        ("SenderReference", '<valueString value=""/>', "itk-sender-reference-value", "10007", "empty"),
        (
            "SenderReference",
            '<valueInteger value="42"/>',
            "itk-sender-reference-value",
            "10007",
            "found valueInteger '42'",
        ),
        ("LocalExtension", "", "itk-local-extension-value", "10001", "no value"),
    ],
)
def test_key_values(key: str, value: str, rule: str, code: str | None, words: str) -> None:
    issue = only(message(keys={key: value}), rule)
    assert issue.itk_code == code
    assert words in issue.message, issue.message


def test_recipient_type_issue_points_at_the_code_with_line_and_column() -> None:
    lines = message(keys={"RecipientType": coding("FX", "For X")}).replace(b"><", b">\n<")
    issue = only(lines, "itk-recipient-type")
    assert issue.path == "Bundle.entry[0].resource.extension[0].extension[2].valueCoding.code"
    number = next(n for n, text in enumerate(lines.decode().splitlines(), 1) if 'value="FX"' in text)
    assert (issue.line, issue.column) == (number, 1)
    assert "FA (For Action)" in issue.hint


def test_event_mismatch_names_the_right_definition() -> None:
    issue = only(
        message(keys={"MessageDefinition": reference(MD + "ITK-OPL-MessageDefinition-4")}), "itk-msgdef-event-mismatch"
    )
    assert "ITK-eDischarge-MessageDefinition-4" in issue.hint


def test_legacy_priority_key_is_named_as_legacy() -> None:
    priority = (
        '<extension url="Priority"><valueCoding><system value="https://fhir.nhs.uk/STU3/CodeSystem/ITK-Priority-1"/>'
        '<code value="routine"/><display value="Routine"/></valueCoding></extension>'
    )
    issue = only(message(extra_keys=priority), "itk-handling-legacy-priority")
    assert issue.severity == "warning" and "removed in ITK3 2.5.0" in issue.message


def test_other_keys_are_local_keys_and_case_slips_are_suggested() -> None:
    local = '<extension url="WardCode"><valueString value="W12"/></extension>'
    issue = only(message(extra_keys=local), "itk-handling-local-key")
    assert issue.severity == "information" and "'WardCode'" in issue.message
    slipped = message(
        keys={"BusAckRequested": None},
        extra_keys='<extension url="busAckRequested"><valueBoolean value="true"/></extension>',
    )
    issues = itk_issues(slipped)
    assert [i.rule for i in issues] == ["itk-busack-missing", "itk-handling-local-key"]
    assert "did you mean BusAckRequested" in issues[1].hint


def test_payload_spec_fixes_gp_connect_keys() -> None:
    gp = {"event": ("ITK007C", "ITK GP Connect Send Document")}
    keys = {"MessageDefinition": reference(MD + "ITK-GPConnectSendDocument-MessageDefinition-1")}
    assert found(message(**gp, keys=keys)) == []
    data = message(
        **gp,
        keys={
            **keys,
            "InfAckRequested": '<valueBoolean value="false"/>',
            "RecipientType": coding("FI", "For Information"),
        },
    )
    assert found(data) == [("itk-payload-spec-keys", "10008"), ("itk-payload-spec-keys", "10008")]
    unknown = message(**gp, keys={"MessageDefinition": reference(MD + "ITK-SendTask-MessageDefinition-Instance-1")})
    assert found(unknown) == [("itk-payload-spec-keys", "10008"), ("itk-msgdef-unknown", None)]


# ---- bundle and header (20006) -----------------------------------------------------------------


def test_not_a_bundle() -> None:
    issue = only(b'<Patient xmlns="http://hl7.org/fhir"><id value="p"/></Patient>', "itk-not-a-message")
    assert issue.itk_code == "20006" and "Patient" in issue.message


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"bundle_type": "collection"}, [("itk-bundle-type", "20006")]),
        ({"identifier": False}, [("itk-bundle-identifier", "20006")]),
        ({"bundle_id": None}, [("itk-bundle-id", None)]),
        ({"bundle_extra": '<total value="4"/>'}, [("itk-bundle-forbidden", "20006")]),
        (
            {"bundle_extra": '<link><relation value="self"/><url value="http://x.org/b"/></link>'},
            [("itk-bundle-forbidden", "20006")],
        ),
        (
            {"extra_entries": '<signature><type><code value="x"/></type></signature>'},
            [("itk-bundle-forbidden", "20006")],
        ),
        (
            {
                "first_entries": entry(
                    "0a9d8c7b-0000-4e5f-8a9b-0c1d2e3f4aff",
                    '<Basic><id value="0a9d8c7b-0000-4e5f-8a9b-0c1d2e3f4aff"/></Basic>',
                )
            },
            [("itk-header-missing", "20006")],
        ),
        (
            {
                "extra_entries": entry(
                    "0a9d8c7b-0000-4e5f-8a9b-0c1d2e3f4aff",
                    '<MessageHeader><id value="0a9d8c7b-0000-4e5f-8a9b-0c1d2e3f4aff"/></MessageHeader>',
                )
            },
            [("itk-header-repeated", "20006")],
        ),
        ({"header_id": None}, [("itk-fullurl-convention", None), ("itk-header-id", None)]),
    ],
)
def test_bundle_rules(kwargs: dict, expected: list) -> None:
    assert found(message(**kwargs)) == expected


def test_entry_without_resource_and_duplicate_full_urls() -> None:
    empty = message(extra_entries='<entry><fullUrl value="urn:uuid:0a9d8c7b-0000-4e5f-8a9b-0c1d2e3f4aff"/></entry>')
    assert found(empty) == [("itk-entry-empty", "20006")]
    twice = message(extra_entries=entry(ORG, ORGANIZATION.replace(ORG, "0a9d8c7b-0000-4e5f-8a9b-0c1d2e3f4aff")))
    issues = itk_issues(twice)
    assert [i.rule for i in issues] == ["itk-fullurl-duplicate", "itk-fullurl-convention"]
    assert "of entry 1" in issues[0].message
    assert found(twice, layers=("bundle", "itk3")) == [("itk-fullurl-convention", None)]


def test_entry_request_is_forbidden() -> None:
    data = message(
        extra_entries='<entry><fullUrl value="urn:uuid:0a9d8c7b-0000-4e5f-8a9b-0c1d2e3f4aff"/>'
        '<resource><Basic><id value="0a9d8c7b-0000-4e5f-8a9b-0c1d2e3f4aff"/></Basic></resource>'
        '<request><method value="POST"/><url value="Basic"/></request></entry>'
    )
    issue = only(data, "itk-bundle-forbidden")
    assert "entry.request" in issue.message and issue.path == "Bundle.entry[4].request"


def test_header_not_first_says_where_it_is() -> None:
    other = "0a9d8c7b-0000-4e5f-8a9b-0c1d2e3f4aff"
    issue = only(message(first_entries=entry(other, f'<Basic><id value="{other}"/></Basic>')), "itk-header-missing")
    assert "found Basic; the MessageHeader is entry 1" in issue.message


def test_empty_bundle() -> None:
    data = f'<Bundle xmlns="http://hl7.org/fhir"><id value="{BUNDLE}"/><identifier><value value="x"/></identifier><type value="message"/></Bundle>'
    assert found(data.encode()) == [("itk-bundle-empty", "20006")]


def test_full_url_convention_is_a_warning_per_entry_with_a_cap() -> None:
    moved = message().replace(
        f'<fullUrl value="urn:uuid:{PRAC}"/>'.encode(), b'<fullUrl value="https://example.org/Practitioner/1"/>'
    )
    moved = moved.replace(
        f'<reference value="urn:uuid:{PRAC}"/>'.encode(), b'<reference value="https://example.org/Practitioner/1"/>'
    )
    issue = only(moved, "itk-fullurl-convention")
    assert "not 'urn:uuid:" + PRAC + "'" in issue.message
    many = "".join(
        entry(f"0a9d8c7b-0000-4e5f-8a9b-0c1d2e3f{n:04d}", f'<Basic><id value="b{n}"/></Basic>') for n in range(15)
    )
    assert found(message(extra_entries=many)) == [("itk-fullurl-convention", None)] * 11


@pytest.mark.parametrize(
    ("kwargs", "expected", "words"),
    [
        ({"event": None}, [("itk-event-missing", "20006")], "no event"),
        (
            {"event_system": "https://fhir.nhs.uk/STU3/ITK-MessageEvent-1"},
            [("itk-event-system", "20006")],
            "an older ITK event system",
        ),
        ({"event_system": "http://snomed.info/sct"}, [("itk-event-system", "20006")], "http://snomed.info/sct"),
        ({"event": ("ITK099M", "ITK Something")}, [("itk-event-unknown", None)], "'ITK099M'"),
        (
            {"event": ("ITK003D", "ITK Digital Medicine Immunization Document")},
            [("itk-event-display", "20006")],
            "event ITK003D is displayed 'ITK Digital Medicine Immunization Document' (the display of ITK009D)",
        ),
        ({"event": ("ITK003D", "Discharge")}, [("itk-event-display", "20006")], "says 'ITK eDischarge'"),
        ({"event": ("ITK003D", None)}, [("itk-event-display", "20006")], "no display"),
        ({"event": ("ITK003D", "ITK e-Discharge")}, [("itk-event-display-spelling", None)], "'ITK e-Discharge'"),
        (
            {"header_extra": '<destination><endpoint value="x"/></destination>'},
            [("itk-header-forbidden", "20006")],
            "destination",
        ),
        (
            {"header_extra": f'<author><reference value="urn:uuid:{PRAC}"/></author>'},
            [("itk-header-forbidden", "20006")],
            "author",
        ),
        (
            {"header_extra": f'<enterer><reference value="urn:uuid:{PRAC}"/></enterer>'},
            [("itk-header-forbidden", "20006")],
            "enterer",
        ),
        (
            {"header_extra": f'<responsible><reference value="urn:uuid:{ORG}"/></responsible>'},
            [("itk-header-forbidden", "20006")],
            "responsible",
        ),
        ({"header_extra": '<reason><text value="x"/></reason>'}, [("itk-header-forbidden", "20006")], "reason"),
        ({"timestamp": "2024-03-01T09:30:00"}, [("itk-timestamp", "20006")], "has no time zone"),
        ({"timestamp": "2024-03-01"}, [("itk-timestamp", "20006")], "not an instant with a time zone"),
        ({"timestamp": None}, [("itk-timestamp", "20006")], "no timestamp"),
        ({"endpoint": None}, [("itk-source-missing", "20006")], "no source.endpoint"),
        ({"endpoint": "urn:nhs-uk:addressing:ods:X26"}, [("itk-source-legacy", None)], "ITK2-style"),
        ({"endpoint": "1.2.826.0.1285.0.2.0.107"}, [("itk-source-legacy", None)], "ITK2-style"),
    ],
)
def test_header_rules(kwargs: dict, expected: list, words: str) -> None:
    issues = itk_issues(message(**kwargs))
    assert [(i.rule, i.itk_code) for i in issues] == expected
    assert words in issues[0].message, issues[0].message


def test_forbidden_source_and_event_elements() -> None:
    data = message().replace(
        b'<source><endpoint value="X26OT112"/>', b'<source><name value="EPR"/><endpoint value="X26OT112"/>'
    )
    data = data.replace(b'<code value="ITK003D"/>', b'<version value="2"/><code value="ITK003D"/>')
    issues = itk_issues(data)
    assert [i.rule for i in issues] == ["itk-header-forbidden", "itk-header-forbidden"]
    assert {i.path.rsplit(".", 1)[-1] for i in issues} == {"version", "name"}


def test_legacy_event_is_an_error_naming_it() -> None:
    issues = itk_issues(message(event=("ITK001M", "ITK Infrastructure Acknowledgement")))
    legacy = [i for i in issues if i.rule == "itk-event-legacy"]
    assert len(legacy) == 1 and legacy[0].itk_code == "20006" and "legacy" in legacy[0].message


# ---- parties, focus, header resources ----------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected", "words"),
    [
        ({"sender": None}, [("itk-sender-missing", "20006")], "no sender"),
        (
            {"sender": "urn:uuid:0a9d8c7b-0000-4e5f-8a9b-000000000000"},
            [("itk-ref-unresolved", "20006")],
            "sender reference",
        ),
        ({"sender": ORG}, [("itk-ref-bare-id", "20006")], "bare id"),
        ({"sender": f"Organization/{ORG}"}, [("itk-ref-convention", None)], "only by type and id"),
        (
            {"sender": "https://directory.spineservices.nhs.uk/STU3/Organization/X26"},
            [("itk-ref-unresolved", "20006")],
            "points outside",
        ),
        ({"sender": f"urn:uuid:{DOC}"}, [("itk-party-type", "20006")], "is a Bundle"),
        (
            {"receiver": "urn:uuid:0a9d8c7b-0000-4e5f-8a9b-000000000000"},
            [("itk-ref-unresolved", "20006")],
            "receiver reference",
        ),
        ({"focus": ()}, [("itk-focus-missing", None)], "no focus"),
        ({"focus": (f"urn:uuid:{DOC}", f"urn:uuid:{DOC}")}, [("itk-focus-repeated", "20006")], "more than once"),
        (
            {"focus": ("urn:uuid:0a9d8c7b-0000-4e5f-8a9b-000000000000",)},
            [("itk-ref-unresolved", "20006")],
            "focus reference",
        ),
        ({"focus": (DOC,)}, [("itk-ref-bare-id", "20006")], f"urn:uuid:{DOC}"),
    ],
)
def test_party_rules(kwargs: dict, expected: list, words: str) -> None:
    issues = itk_issues(message(**kwargs))
    assert [(i.rule, i.itk_code) for i in issues] == expected
    assert words in issues[0].message + (issues[0].hint or ""), issues[0].message


def test_sender_without_reference() -> None:
    data = message().replace(
        f'<sender><reference value="urn:uuid:{ORG}"/></sender>'.encode(), b'<sender><display value="RY6"/></sender>'
    )
    issue = only(data, "itk-ref-missing")
    assert issue.path == "Bundle.entry[0].resource.sender"


def test_practitioner_role_sender_is_named() -> None:
    role = f'<PractitionerRole><id value="{PRAC}"/></PractitionerRole>'
    issues = itk_issues(message(sender=f"urn:uuid:{PRAC}", receiver=None, practitioner=role))
    assert [i.rule for i in issues] == ["itk-party-type"]
    assert "PractitionerRole is no longer allowed" in issues[0].message


@pytest.mark.parametrize(
    ("organization", "expected"),
    [
        (
            ORGANIZATION.replace("</Organization>", '<name value="Leeds Teaching Hospitals"/></Organization>'),
            [("itk-header-org", "20006")],
        ),
        (
            ORGANIZATION.replace(
                "</Organization>", '<telecom><system value="phone"/><value value="0113"/></telecom></Organization>'
            ),
            [("itk-header-org", "20006")],
        ),
        (
            f'<Organization><id value="{ORG}"/><identifier><system value="http://example.org/org"/><value value="1"/></identifier></Organization>',
            [("itk-header-org-ods", None)],
        ),
        (
            f'<Organization><id value="{ORG}"/><identifier><system value="https://fhir.nhs.uk/Id/ods-site-code"/></identifier></Organization>',
            [("itk-header-org", "20006")],
        ),
        (
            ORGANIZATION.replace(
                "<identifier>",
                '<extension url="https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-MainLocation-1">'
                '<valueReference><reference value="Location/1"/></valueReference></extension><identifier>',
            ),
            [("itk-header-org", "20006")],
        ),
    ],
)
def test_header_organization(organization: str, expected: list) -> None:
    assert found(message(organization=organization)) == expected


@pytest.mark.parametrize(
    "change",
    [
        ("</Practitioner>", '<telecom><system value="phone"/><value value="0113"/></telecom></Practitioner>'),
        ("</Practitioner>", '<gender value="female"/></Practitioner>'),
        ("</Practitioner>", '<name><family value="Other"/></name></Practitioner>'),
        ("<family", '<text value="Dr Diane Socrates"/><family'),
    ],
)
def test_header_practitioner(change: tuple[str, str]) -> None:
    practitioner = PRACTITIONER.replace(*change)
    assert found(message(practitioner=practitioner)) == [("itk-header-practitioner", "20006")]


def test_response_element_on_a_payload_message() -> None:
    data = message(response_xml=f'<response><identifier value="{ANSWERED}"/><code value="ok"/></response>')
    assert found(data) == [("itk-response-unexpected", "20006")]


# ---- payload: attachments, size, inner bundle ---------------------------------------------------


def with_document(**kw: object) -> bytes:
    return message(payload=entry(DOC, document(**kw)))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kw", "options", "expected", "words"),
    [
        (
            {"content_type": "application/zip"},
            {},
            [("itk-attachment-type", "20004")],
            "'application/zip', not an approved file type",
        ),
        ({"content_type": "image/jpeg"}, {}, [("itk-attachment-type", "20004")], "spells it image/jpg"),
        ({"content_type": None}, {}, [("itk-attachment-type", "20004")], "no contentType"),
        (
            {},
            {"supported_content_types": ["text/plain"]},
            [("itk-attachment-unsupported", "20005")],
            "does not support",
        ),
        ({}, {"receiver": {"supported_content_types": ["application/pdf"]}}, [], ""),
        ({"content": "@@not base64@@"}, {}, [("itk-attachment-base64", "20009")], "not valid base64"),
        ({"content": None}, {}, [("itk-attachment-base64", "20009")], "no content"),
        (
            {},
            {"size_limit": 10},
            [("itk-message-size", "20015"), ("itk-attachment-size", "20015")],
            "receivers may reject",
        ),
        ({}, {"size_limit": 1000}, [("itk-message-size", "20015")], "receivers may reject"),
        ({"kind": "collection"}, {}, [("itk-payload-bundle-type", "20009")], "carries a FHIR document"),
        ({"kind": "document-ish"}, {}, [("itk-payload-bundle-type", "20009")], "not a payload Bundle type"),
        (
            {"identifier": '<identifier><value value="x"/></identifier>'},
            {},
            [("itk-document-identifier", "20009")],
            "bdl-9",
        ),
        ({"first": "patient"}, {}, [("itk-document-composition", "20009")], "first entry is Patient"),
        (
            {"subject": "urn:uuid:0a9d8c7b-0000-4e5f-8a9b-000000000000"},
            {},
            [("itk-payload-ref-unresolved", "20009")],
            "within the inner Bundle",
        ),
        (
            {"subject": f"urn:uuid:{ORG}"},
            {},
            [("itk-payload-ref-unresolved", "20009")],
            "resolves only in the outer message Bundle",
        ),
        ({"subject": PAT}, {}, [("itk-payload-ref-bare-id", "20009")], "bare id"),
        (
            {"subject": "https://example.org/fhir/Patient/1"},
            {},
            [("itk-payload-ref-external", None)],
            "outside the message",
        ),
    ],
)
def test_payload_rules(kw: dict, options: dict, expected: list, words: str) -> None:
    issues = itk_issues(with_document(**kw), **options)
    assert [(i.rule, i.itk_code) for i in issues] == expected
    assert not issues or words in issues[0].message, issues[0].message


def test_size_limit_defaults_to_five_megabytes() -> None:
    big = base64.b64encode(b"%PDF" + b"\0" * (5 * 1024 * 1024)).decode()
    issues = itk_issues(with_document(content=big))
    assert [(i.rule, i.itk_code) for i in issues] == [("itk-message-size", "20015"), ("itk-attachment-size", "20015")]
    assert "5.0 MB" in issues[0].message


def test_generic_payload_checks_are_left_to_the_bundle_layer_when_it_runs() -> None:
    data = with_document(subject="urn:uuid:0a9d8c7b-0000-4e5f-8a9b-000000000000", first="patient")
    assert [r for r, _ in found(data)] == ["itk-document-composition", "itk-payload-ref-unresolved"]
    assert found(data, layers=("bundle", "itk3")) == []
    bare_sender = message(sender=ORG)
    assert found(bare_sender, layers=("bundle", "itk3")) == []


def test_inner_bundle_full_url_convention() -> None:
    data = with_document().replace(
        f'<fullUrl value="urn:uuid:{PAT}"/>'.encode(), b'<fullUrl value="urn:uuid:patient-1"/>'
    )
    data = data.replace(f'<reference value="urn:uuid:{PAT}"/>'.encode(), b'<reference value="urn:uuid:patient-1"/>')
    issue = only(data, "itk-fullurl-convention")
    assert issue.path == "Bundle.entry[3].resource.entry[1].fullUrl"


# ---- the predicted response ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (message(), "20013"),
        (message(handling=None, sender=None), "10001"),
        (message(keys={"InfAckRequested": '<valueString value="x"/>'}, event=("ITK003D", "Wrong")), "10002"),
        (message(keys={"RecipientType": coding("FX", "X"), "MessageDefinition": None}), "10010"),
        (message(keys={"MessageDefinition": reference(MD + "ITK-OPL-MessageDefinition-4")}, sender=ORG), "10008"),
        (message(sender=ORG, payload=entry(DOC, document(content_type="application/zip"))), "20006"),
        (message(payload=entry(DOC, document(content_type="application/zip", subject="urn:uuid:x"))), "20004"),
        (with_document(subject="urn:uuid:x"), "20009"),
    ],
)
def test_predicted_response_follows_receiver_order(data: bytes, code: str) -> None:
    assert predicted_response(itk_issues(data))[0] == code


def test_check_can_be_called_directly_with_a_context() -> None:
    from workbench.core.validation.context import ValidationContext

    issues = check(ValidationContext(read_bytes(message(keys={"RecipientType": coding("FX", "X")}))))
    assert [(i.rule, i.itk_code, i.layer) for i in issues] == [("itk-recipient-type", "10010", "itk3")]


# ---- the RULES table -------------------------------------------------------------------------


def test_rules_table_is_consistent() -> None:
    negative = {r.code for r in catalogue().responses if not r.positive}
    for rule_id, rule in RULES.items():
        assert re.fullmatch(r"itk-[a-z0-9-]+", rule_id), rule_id
        assert rule.description and not re.search(r"FACTS|§", rule.description), rule_id  # user-facing text
        if rule.severity == "error":
            assert rule.itk_code in negative, rule_id
        else:
            assert rule.severity in ("warning", "information") and rule.itk_code is None, rule_id
        severity, code, _description = rule  # a plain triple for the GUI and CLI
        assert (severity, code) == (rule.severity, rule.itk_code)


def test_every_rule_is_documented_and_tested() -> None:
    from workbench.core.validation import itk3rules

    package = Path(itk3rules.__file__).parent
    docs = "".join(p.read_text() for p in package.glob("*.py"))
    tests = "".join(p.read_text() for p in Path(__file__).parent.glob("test_itk3rules*.py"))
    generic = {f"itk-{stem}-{what}" for stem in KEY_STEMS.values() for what in ("missing", "repeated")}
    for rule_id in RULES:
        if rule_id in generic:
            assert "itk-<key>-missing" in docs and "itk-{KEY_STEMS[key]}-" in tests
            continue
        assert re.search(rf"^{re.escape(rule_id)}\s", docs, re.MULTILINE), (
            f"{rule_id} is not in a module docstring table"
        )
        assert f'"{rule_id}"' in tests, f"{rule_id} has no test"
