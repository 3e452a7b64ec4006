"""Tests of the ITK3 catalogue: lookups, invariants, agreement with the NHS conformance files."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CONFORMANCE, EXAMPLES, require_shared
from lxml import etree

from workbench.core.catalogue import (
    Catalogue,
    ResponseCode,
    catalogue,
    level_of,
    load_catalogue,
)
from workbench.core.resources import resource_path

FHIR = {"f": "http://hl7.org/fhir"}
LIVE_RESPONSE_CODES = (
    [f"{n}" for n in range(10001, 10011) if n != 10006]
    + [f"{n}" for n in range(20001, 20016)]
    + [f"{n}" for n in range(30001, 30026)]
)


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return catalogue()


def _response(cat: Catalogue, code: str) -> ResponseCode:
    found = cat.response(code)
    assert found is not None, code
    return found


# --- lookups and invariants -------------------------------------------------------------------


def test_loader_is_cached(cat: Catalogue) -> None:
    assert catalogue() is cat


def test_records_are_frozen_and_slotted(cat: Catalogue) -> None:
    record = cat.response("20013")
    assert record is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.display = "changed"  # type: ignore[misc]
    assert not hasattr(record, "__dict__")


def test_response_codes_are_exactly_the_49_live_codes(cat: Catalogue) -> None:
    assert [r.code for r in cat.responses] == LIVE_RESPONSE_CODES
    assert len(cat.responses) == 49


def test_retired_10006_is_recognised_but_not_live(cat: Catalogue) -> None:
    assert cat.response("10006") is None
    retired = cat.retired_response("10006")
    assert retired is not None
    assert retired.display == "Priority Value - Processing Error"
    assert retired.system == cat.urls.response_codes_system


def test_sign_decides_fhir_response_code(cat: Catalogue) -> None:
    for r in cat.responses:
        assert r.response_code == ("ok" if r.positive else "fatal-error"), r.code
        assert r.response_code in cat.itk_response_codes


def test_level_follows_code_range(cat: Catalogue) -> None:
    for r in cat.responses:
        assert r.level == level_of(r.code), r.code
        assert r.is_business == r.code.startswith("3"), r.code


def test_positive_codes_are_informational(cat: Catalogue) -> None:
    positives = {r.code for r in cat.responses if r.positive}
    assert positives == {
        "20013",
        "30001",
        "30004",
        "30005",
        "30006",
        "30008",
        "30009",
        "30010",
        "30011",
        "30013",
        "30016",
        "30019",
    }
    for code in positives:
        r = cat.response(code)
        assert r is not None and (r.severity, r.issue_code) == ("information", "informational")


def test_infrastructure_negatives_are_fatal(cat: Catalogue) -> None:
    for r in cat.responses:
        if not r.positive and not r.is_business:
            assert r.severity == "fatal", r.code


@pytest.mark.parametrize(
    ("code", "severity", "issue_code", "requirement"),
    [
        ("10001", "fatal", "processing", "MUST"),
        ("20004", "fatal", "security", "SHOULD"),
        ("20007", "fatal", "duplicate", "SHOULD"),
        ("20015", "fatal", "processing", "none"),
        ("30002", "fatal", "not-found", "MUST"),
        ("30003", "fatal", "business-rule", "MUST"),
        ("30007", "warning", "informational", "MUST"),
        ("30014", "information", "informational", "MUST"),
        ("30015", "information", "duplicate", "MUST"),
        ("30025", "warning", "informational", "MUST"),
    ],
)
def test_special_rows(cat: Catalogue, code: str, severity: str, issue_code: str, requirement: str) -> None:
    r = cat.response(code)
    assert r is not None
    assert (r.severity, r.issue_code, r.requirement) == (severity, issue_code, requirement)
    assert r.positive is False and r.response_code == "fatal-error"


def test_must_codes(cat: Catalogue) -> None:
    must = {r.code for r in cat.responses if r.requirement == "MUST"}
    assert must == {"10001"} | {f"{n}" for n in range(30001, 30026)}


def test_issue_code_alternatives(cat: Catalogue) -> None:
    header = cat.response("20006")
    assert header is not None and header.issue_codes[0] == "invalid" and "structure" in header.issue_codes
    success = cat.response("20013")
    assert success is not None and success.issue_codes == ("informational",)


def test_response_display_variants(cat: Catalogue) -> None:
    r = cat.response("10004")
    assert r is not None
    assert r.display == "Message Definition Value - Processing Error"
    assert r.matches_display("Message Definition Value \u2013 Processing Error")
    assert r.matches_display("  Message Definition Value -  Processing Error ")
    assert not r.matches_display("Message Definition Value Processing Error")
    assert _response(cat, "20004").matches_display("Non Approved file type received as an attachment")
    assert _response(cat, "20006").matches_display("ITK3 header validation failure")
    assert _response(cat, "30009").matches_display("Clinical escalation to 111/GPOOH")
    assert not _response(cat, "30009").matches_display("Clinical escalation to A&E or 999")


def test_level_of() -> None:
    assert level_of("10009") == "infrastructure"
    assert level_of("29999") == "infrastructure"
    assert level_of("30099") == "business"
    assert level_of("41001") is None
    assert level_of("RC001") is None
    assert level_of("3000") is None


def test_events(cat: Catalogue) -> None:
    live = [e.code for e in cat.events if not e.legacy]
    assert live == [f"ITK{n:03d}{s}" for n, s in zip(range(3, 15), "DDDDCMDDMMDM", strict=True)]
    for e in cat.events:
        assert e.payload_kind == {"D": "document", "M": "message", "C": "collection"}[e.code[-1]]
    response = cat.event(cat.response_event)
    assert response is not None and response.display == "ITK Response"
    assert response.matches_display("ITK Response Acknowledgement")
    assert response.message_definitions[0] == cat.urls.response_message_definition
    assert response.workflow is None
    gp = cat.event("ITK007C")
    assert gp is not None and gp.matches_display("ITK GP Connect Writeback")
    assert gp.workflow == "GPFED_CONSULT_REPORT" and gp.ack_workflow == "GPFED_CONSULT_REPORT_ACK"
    assert cat.event("ITK999X") is None


def test_legacy_events(cat: Catalogue) -> None:
    for code, display in (
        ("ITK001M", "ITK Infrastructure Acknowledgement"),
        ("ITK002M", "ITK Business Acknowledgement"),
    ):
        e = cat.event(code)
        assert e is not None and e.legacy and e.display == display


def test_event_definitions_agree_with_definition_list(cat: Catalogue) -> None:
    for e in cat.events:
        assert e.message_definitions == tuple(m.url for m in cat.message_definitions_for_event(e.code))
    edis = cat.message_definitions_for_event("ITK003D")
    assert edis[0].name == "ITK-eDischarge-MessageDefinition-4" and edis[0].status == "current"
    assert {m.status for m in edis[1:]} == {"older"}
    assert cat.message_definitions_for_event("ITK012M") == ()


def test_message_definitions(cat: Catalogue) -> None:
    for m in cat.message_definitions:
        assert m.url.startswith(cat.urls.message_definition_prefix)
        assert m.url == cat.urls.message_definition_prefix + m.name
    response = cat.message_definition(cat.urls.response_message_definition)
    assert response is not None and (response.event, response.version, response.status) == (
        "ITK008M",
        "1.3.0",
        "current",
    )
    legacy = cat.message_definition(cat.urls.response_message_definition_legacy)
    assert legacy is not None and legacy.event == "ITK008M" and legacy.status == "older"
    generic = cat.message_definition(cat.urls.message_definition_prefix + "ITK-SendPayload-MessageDefinition-1")
    assert generic is not None and generic.event is None and generic.status == "generic"
    assert cat.message_definition(cat.urls.message_definition_prefix + "Unknown-1") is None


def test_recipient_types(cat: Catalogue) -> None:
    assert [(r.code, r.display) for r in cat.recipient_types] == [
        ("FA", "For Action"),
        ("FI", "For Information"),
    ]
    assert cat.recipient_type("XX") is None
    assert cat.recipient_type(cat.recipient_type_when_unknown) is cat.recipient_type("FA")


def test_handling_keys_order_types_and_codes(cat: Catalogue) -> None:
    assert [(k.url, k.value_type, k.error_code) for k in cat.handling_keys] == [
        ("BusAckRequested", "valueBoolean", "10003"),
        ("InfAckRequested", "valueBoolean", "10002"),
        ("RecipientType", "valueCoding", "10010"),
        ("MessageDefinition", "valueReference", "10004"),
        ("SenderReference", "valueString", "10007"),
        ("LocalExtension", "value[x]", "10001"),
    ]
    for key in cat.handling_keys:
        assert not key.legacy and cat.response(key.error_code or "") is not None
    sender = cat.handling_key("SenderReference")
    assert sender is not None and sender.max_length == 255 and sender.default == cat.handling_key_default == "None"
    local = cat.handling_key("LocalExtension")
    assert local is not None and local.default == "None" and local.max_length is None
    priority = cat.handling_key("Priority")
    assert priority is not None and priority.legacy and priority not in cat.handling_keys


def test_constants(cat: Catalogue) -> None:
    assert cat.size_limit_bytes == 5 * 1024 * 1024
    assert re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", cat.unreadable_message_id)
    assert cat.unreadable_message_id == "UNREADABLE-IN-ORIGINAL-MESSAGE"
    assert cat.fhir_response_codes == ("ok", "transient-error", "fatal-error")
    assert cat.urls.response_message_definition.endswith("/ITK-Response-MessageDefinition-1")
    assert cat.urls.ods_organization_code == "https://fhir.nhs.uk/Id/ods-organization-code"
    for name, url in dataclasses.asdict(cat.urls).items():
        assert url.startswith("https://") or name == "fhir_response_code_valueset", name


def test_approved_content_types(cat: Catalogue) -> None:
    assert len(cat.approved_content_types) == 11
    assert cat.is_approved_content_type("application/pdf")
    assert cat.is_approved_content_type("Application/PDF; name=report.pdf")
    assert not cat.is_approved_content_type("application/zip")


def test_workflows(cat: Catalogue) -> None:
    assert cat.ack_workflow_for("TOC_FHIR_IP_DISCH") == "TOC_FHIR_IP_DISCH_ACK"
    assert cat.ack_workflow_for("TOC_FHIR_IP_DISCH_ACK") == "TOC_FHIR_IP_DISCH_ACK"
    assert cat.ack_workflow_for("NOT_A_WORKFLOW") is None
    minor = cat.workflow_for_event("ITK013D")
    assert minor is not None and minor.workflow == "DIGMED_MINOR_ILLNESS_PEM"
    assert cat.ack_workflow_for("DIGIMED_MINOR_ILLNESS_PEM") == "DIGIMED_MINOR_ILLNESS_PEM_ACK"
    assert cat.workflow_for_event("ITK012M") is None
    for pair in cat.workflows:
        assert pair.ack_workflow is None or pair.ack_workflow == pair.workflow + "_ACK"
        assert pair.itk3_fhir == (pair.event is not None)


def test_legacy_acks(cat: Catalogue) -> None:
    assert len(cat.legacy_acks) == 23
    rc = cat.legacy_ack("RC999")
    assert rc is not None and rc.display == "Handling Specification Business Rule Error"
    assert rc.system == cat.urls.legacy_acknowledgement_system
    assert cat.legacy_ack("20013") is None and cat.response("51001") is None


Change = Callable[[dict[str, Any]], Any]


def _rewrite(tmp_path: Path, change: Change) -> Path:
    data = json.loads(resource_path("itk3", "catalogue.json").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["responses"][0].update(severity="severe"),
        lambda d: d["responses"][0].update(colour="red"),
        lambda d: d["events"].append(d["events"][0]),
        lambda d: d["message_definitions"][0].update(event="ITK999X"),
        lambda d: d["handling_keys"][0].pop("value_type"),
    ],
    ids=["bad-literal", "unknown-key", "duplicate", "unknown-event", "missing-key"],
)
def test_loader_rejects_inconsistent_files(tmp_path: Path, change: Change) -> None:
    with pytest.raises(ValueError, match="catalogue"):
        load_catalogue(_rewrite(tmp_path, change))


# --- agreement with the NHS conformance resources in ../shared --------------------------------


def _root(*parts: str) -> etree._Element:
    return etree.parse(str(require_shared(CONFORMANCE.joinpath(*parts)))).getroot()


def _value(node: etree._Element, path: str) -> str | None:
    found = node.find(path, FHIR)
    return None if found is None else found.get("value")


def _concepts(root: etree._Element) -> dict[str, str]:
    return {_value(c, "f:code") or "": _value(c, "f:display") or "" for c in root.iterfind("f:concept", FHIR)}


corpus = pytest.mark.corpus


@corpus
def test_response_codes_match_codesystem(cat: Catalogue) -> None:
    root = _root("CodeSystems", "CodeSystem-ITK-ResponseCodes-1.xml")
    assert _value(root, "f:url") == cat.urls.response_codes_system
    assert _value(root, "f:version") == dict(cat.code_system_versions)["ITK-ResponseCodes-1"]
    assert _concepts(root) == {r.code: r.display for r in cat.responses}


@corpus
def test_events_match_codesystem(cat: Catalogue) -> None:
    root = _root("CodeSystems", "CodeSystem-ITK-MessageEvent-2.xml")
    assert _value(root, "f:url") == cat.urls.message_event_system
    assert _value(root, "f:version") == dict(cat.code_system_versions)["ITK-MessageEvent-2"]
    assert _concepts(root) == {e.code: e.display for e in cat.events if not e.legacy}


@corpus
def test_events_recognise_legacy_codesystem(cat: Catalogue) -> None:
    root = _root("legacy", "CodeSystems", "CodeSystem-ITK-MessageEvent-2.v2.2.0.xml")
    old = _concepts(root)
    assert {"ITK001M", "ITK002M"} <= set(old)
    for code, display in old.items():
        event = cat.event(code)
        assert event is not None, code
        assert event.matches_display(display), (code, display)
        assert event.legacy == (code not in _concepts(_root("CodeSystems", "CodeSystem-ITK-MessageEvent-2.xml")))


@corpus
def test_recipient_types_match_codesystem_and_valueset(cat: Catalogue) -> None:
    root = _root("CodeSystems", "CodeSystem-ITK-RecipientType-1.xml")
    assert _value(root, "f:url") == cat.urls.recipient_type_system
    assert _concepts(root) == {r.code: r.display for r in cat.recipient_types}
    assert _value(_root("ValueSets", "ValueSet-ITK-RecipientType-1.xml"), "f:url") == cat.urls.recipient_type_valueset


@corpus
def test_legacy_acks_match_codesystem(cat: Catalogue) -> None:
    root = _root("CodeSystems", "CodeSystem-ITK-Acknowledgement-1.xml")
    assert _value(root, "f:url") == cat.urls.legacy_acknowledgement_system
    assert _concepts(root) == {a.code: a.display for a in cat.legacy_acks}


@corpus
def test_legacy_priority_codesystem_url(cat: Catalogue) -> None:
    root = _root("legacy", "CodeSystems", "CodeSystem-ITK-Priority-1.xml")
    assert _value(root, "f:url") == cat.urls.legacy_priority_system


@corpus
@pytest.mark.parametrize(
    ("folder", "file", "field"),
    [
        ("ValueSets", "ValueSet-ITK-MessageEvent-2.xml", "message_event_valueset"),
        ("ValueSets", "ValueSet-ITK-ResponseCodes-1.xml", "response_codes_valueset"),
        (
            "StructureDefinitions",
            "Extension-ITK-MessageHandling-2.xml",
            "message_handling_extension",
        ),
        ("StructureDefinitions", "ITK-Message-Bundle-1.xml", "message_bundle_profile"),
        ("StructureDefinitions", "ITK-MessageHeader-2.xml", "message_header_profile"),
        (
            "StructureDefinitions",
            "ITK-Response-OperationOutcome-1.xml",
            "response_operation_outcome_profile",
        ),
        (
            "StructureDefinitions",
            "CareConnect-ITK-Header-Organization-1.xml",
            "header_organization_profile",
        ),
        (
            "StructureDefinitions",
            "CareConnect-ITK-Header-Practitioner-1.xml",
            "header_practitioner_profile",
        ),
        ("StructureDefinitions", "ITK-Document-Bundle-1.xml", "document_bundle_profile"),
        ("StructureDefinitions", "ITK-Payload-Bundle-1.xml", "payload_bundle_profile"),
        ("StructureDefinitions", "ITK-Attachment-Binary-1.xml", "attachment_binary_profile"),
    ],
)
def test_canonical_urls_match_resources(cat: Catalogue, folder: str, file: str, field: str) -> None:
    assert _value(_root(folder, file), "f:url") == getattr(cat.urls, field)


@corpus
@pytest.mark.parametrize(
    ("file", "fields"),
    [
        ("CareConnect-ITK-Header-Organization-1.xml", ("ods_organization_code", "ods_site_code")),
        ("CareConnect-ITK-Header-Practitioner-1.xml", ("sds_user_id", "sds_role_profile_id")),
        ("ITK-Response-OperationOutcome-1.xml", ("response_codes_system",)),
        ("ITK-MessageHeader-2.xml", ("message_event_system",)),
    ],
)
def test_fixed_systems_appear_in_profiles(cat: Catalogue, file: str, fields: tuple[str, ...]) -> None:
    root = _root("StructureDefinitions", file)
    fixed = {e.get("value") for e in root.iterfind("f:snapshot/f:element/f:fixedUri", FHIR)}
    for name in fields:
        assert getattr(cat.urls, name) in fixed, name


@corpus
def test_handling_keys_match_extension_definition(cat: Catalogue) -> None:
    root = _root("StructureDefinitions", "Extension-ITK-MessageHandling-2.xml")
    elements = list(root.iterfind("f:snapshot/f:element", FHIR))
    slices = [_value(e, "f:sliceName") for e in elements if _value(e, "f:path") == "Extension.extension"]
    assert [s for s in slices if s] == [k.url for k in cat.handling_keys]
    for key in cat.handling_keys:
        own = [e for e in elements if (e.get("id") or "").startswith(f"Extension.extension:{key.url}.")]
        url = next(e for e in own if _value(e, "f:path") == "Extension.extension.url")
        assert _value(url, "f:fixedUri") == key.url
        value = next(e for e in own if (_value(e, "f:path") or "").startswith("Extension.extension.value"))
        assert _value(value, "f:path") == f"Extension.extension.{key.value_type}", key.url
        assert _value(value, "f:min") == "1", key.url
        max_length = _value(value, "f:maxLength")
        assert (int(max_length) if max_length else None) == key.max_length, key.url


@corpus
def test_message_definitions_match_published_instances(cat: Catalogue) -> None:
    folder = require_shared(CONFORMANCE / "MessageDefinitions")
    published = {}
    for path in sorted(folder.glob("*.xml")):
        root = etree.parse(str(path)).getroot()
        published[_value(root, "f:url")] = root
    assert published, "no MessageDefinition files found"
    assert set(published) == {m.url for m in cat.message_definitions if m.published}
    for url, root in published.items():
        md = cat.message_definition(url or "")
        assert md is not None
        code = _value(root, "f:event/f:code")
        assert md.event == (code if md.status != "generic" else None), url
        if md.event is not None:
            event = cat.event(md.event)
            assert event is not None and event.display == _value(root, "f:event/f:display")
        if md.version is not None:
            assert md.version == _value(root, "f:version"), url
        assert (md.status == "older") == (_value(root, "f:status") == "retired"), url


@corpus
def test_workflows_match_harness_cross_reference(cat: Catalogue) -> None:
    path = require_shared(EXAMPLES / "FHIR_MESH" / "simulator_config" / "MeshWorkflowIdXRef.txt")
    pairs = [line.split(":") for line in path.read_text(encoding="utf-8").split() if ":" in line]
    checked = 0
    for workflow, ack in pairs:
        if ack == "NONE":
            continue
        assert cat.ack_workflow_for(workflow) == ack, workflow
        checked += 1
    assert checked >= 20
