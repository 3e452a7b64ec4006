"""Profile engine on hand-made ITK3 messages, against the NHS profiles and the shipped pack.

:data:`RESPONSE` is a valid ITK Response (ITK008M): Message Bundle, MessageHeader with the six
handling keys, a header Organization and a Response OperationOutcome. Each test breaks one thing
and asserts the finding (rule, severity, layer, the words of the message); the valid message
gives no finding at all. Tests parametrised with ``registry`` run against both the NHS
StructureDefinitions in ``../shared`` and the workbench's own pack.
"""

from __future__ import annotations

import pytest
from conftest import CONFORMANCE, require_shared

from workbench.core.codecs import read_bytes
from workbench.core.itk3.view import message_view
from workbench.core.validation.issue import Issue
from workbench.core.validation.profile_layer import check_document
from workbench.core.validation.profiles.registry import ProfileRegistry
from workbench.core.validation.runner import Validator

NHS_FOLDERS = ("StructureDefinitions", "ValueSets", "CodeSystems", "MessageDefinitions")
SD = "https://fhir.nhs.uk/STU3/StructureDefinition/"
HANDLING = SD + "Extension-ITK-MessageHandling-2"
EVENT_SYSTEM = "https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2"
ORG = "ba660aeb-5d46-43c2-8ec0-1cefd07aff8e"
OO = "8bbc50ab-785c-41d2-9c32-abe84f522a5c"

RESPONSE = f"""<Bundle xmlns="http://hl7.org/fhir">
  <id value="5c5d1a42-8f19-4a5b-9d46-5b3b1a3f0a01"/>
  <meta><profile value="{SD}ITK-Message-Bundle-1"/></meta>
  <identifier><value value="c9c229c8-2062-4931-be3e-d219d01aed81"/></identifier>
  <type value="message"/>
  <entry>
    <fullUrl value="urn:uuid:a4409d7c-b613-477c-b623-87e60406c2f0"/>
    <resource>
      <MessageHeader>
        <id value="a4409d7c-b613-477c-b623-87e60406c2f0"/>
        <meta><profile value="{SD}ITK-MessageHeader-2"/></meta>
        <extension url="{HANDLING}">
          <extension url="BusAckRequested"><valueBoolean value="false"/></extension>
          <extension url="InfAckRequested"><valueBoolean value="false"/></extension>
          <extension url="RecipientType">
            <valueCoding>
              <system value="https://fhir.nhs.uk/STU3/CodeSystem/ITK-RecipientType-1"/>
              <code value="FA"/>
              <display value="For Action"/>
            </valueCoding>
          </extension>
          <extension url="MessageDefinition">
            <valueReference><reference value="https://fhir.nhs.uk/STU3/MessageDefinition/ITK-Response-MessageDefinition-1"/></valueReference>
          </extension>
          <extension url="SenderReference"><valueString value="None"/></extension>
          <extension url="LocalExtension"><valueString value="None"/></extension>
        </extension>
        <event>
          <system value="{EVENT_SYSTEM}"/>
          <code value="ITK008M"/>
          <display value="ITK Response"/>
        </event>
        <sender><reference value="urn:uuid:{ORG}"/></sender>
        <timestamp value="2024-01-23T10:10:16+00:00"/>
        <source><endpoint value="NOROT003"/></source>
        <response>
          <identifier value="efaf5984-3473-48a7-ae41-bbbb7314fbde"/>
          <code value="ok"/>
          <details><reference value="urn:uuid:{OO}"/></details>
        </response>
      </MessageHeader>
    </resource>
  </entry>
  <entry>
    <fullUrl value="urn:uuid:{ORG}"/>
    <resource>
      <Organization>
        <id value="{ORG}"/>
        <meta><profile value="{SD}CareConnect-ITK-Header-Organization-1"/></meta>
        <identifier>
          <system value="https://fhir.nhs.uk/Id/ods-organization-code"/>
          <value value="X26"/>
        </identifier>
      </Organization>
    </resource>
  </entry>
  <entry>
    <fullUrl value="urn:uuid:{OO}"/>
    <resource>
      <OperationOutcome>
        <id value="{OO}"/>
        <meta><profile value="{SD}ITK-Response-OperationOutcome-1"/></meta>
        <issue>
          <severity value="information"/>
          <code value="informational"/>
          <details>
            <coding>
              <system value="https://fhir.nhs.uk/STU3/CodeSystem/ITK-ResponseCodes-1"/>
              <code value="20013"/>
              <display value="Success"/>
            </coding>
          </details>
        </issue>
      </OperationOutcome>
    </resource>
  </entry>
</Bundle>
"""


@pytest.fixture(scope="module")
def nhs() -> ProfileRegistry:
    require_shared(CONFORMANCE)
    return ProfileRegistry.from_paths(*(CONFORMANCE / folder for folder in NHS_FOLDERS))


@pytest.fixture(scope="module")
def pack() -> ProfileRegistry:
    return ProfileRegistry.default()


@pytest.fixture(params=["nhs", "pack"])
def registry(request: pytest.FixtureRequest) -> ProfileRegistry:
    return request.getfixturevalue(request.param)


def findings(text: str, registry: ProfileRegistry, **kwargs: object) -> list[Issue]:
    document = read_bytes(text.encode())
    view = message_view(document)
    return check_document(document, registry, message_definition=view.value("MessageDefinition"), **kwargs)  # type: ignore[arg-type]


def swap(old: str, new: str, text: str = RESPONSE) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def only(issues: list[Issue], rule: str) -> Issue:
    found = [i for i in issues if i.rule == rule]
    assert len(found) == 1, [(i.rule, i.message) for i in issues]
    return found[0]


def errors(issues: list[Issue]) -> list[Issue]:
    return [i for i in issues if i.is_error]


# ---- positive --------------------------------------------------------------------------------


def test_valid_response_gives_no_finding(registry: ProfileRegistry) -> None:
    assert findings(RESPONSE, registry) == []


def test_valid_response_through_the_validator(registry: ProfileRegistry) -> None:
    report = Validator(registry).validate(read_bytes(RESPONSE.encode()))
    assert [i for i in report.issues if i.layer in ("profile", "terminology")] == []
    assert report.predicted[0] == "20013"


def test_no_registry_means_no_profile_layer() -> None:
    report = Validator(None, layers=("profile",)).validate(read_bytes(RESPONSE.encode()))
    assert report.issues == []


# ---- fixed, cardinality, maxLength, forbidden --------------------------------------------------


def test_wrong_fixed_event_system(registry: ProfileRegistry) -> None:
    issues = findings(swap(f'<system value="{EVENT_SYSTEM}"/>', '<system value="http://snomed.info/sct"/>'), registry)
    issue = only(issues, "profile-fixed")
    assert issue.severity == "error" and issue.layer == "profile"
    assert issue.path == "Bundle.entry[0].resource.event.system"
    assert issue.message == (
        f"Bundle.entry[0].resource.event.system must be {EVENT_SYSTEM} (fixed by ITK-MessageHeader-2); "
        "found http://snomed.info/sct"
    )
    assert issue.line is not None


def test_missing_handling_extension_slice(registry: ProfileRegistry) -> None:
    start = RESPONSE.index(f'<extension url="{HANDLING}">')
    end = RESPONSE.index("<event>")
    issues = findings(RESPONSE[:start] + RESPONSE[end:], registry)
    issue = only(issues, "profile-slice-cardinality")
    assert issue.severity == "error"
    assert issue.message.startswith("extension[")
    assert "the ITK-MessageHeader-2 profile requires exactly one extension with url " + HANDLING in issue.message
    assert issue.message.endswith("found none")
    assert issue.path == "Bundle.entry[0].resource.extension"
    assert errors(issues) == [issue]


def test_missing_handling_key(registry: ProfileRegistry) -> None:
    issues = findings(swap('<extension url="InfAckRequested"><valueBoolean value="false"/></extension>', ""), registry)
    issue = only(issues, "profile-slice-cardinality")
    assert (
        "Extension-ITK-MessageHandling-2 profile requires exactly one extension with url InfAckRequested"
        in issue.message
    )


def test_duplicate_handling_key(registry: ProfileRegistry) -> None:
    key = '<extension url="BusAckRequested"><valueBoolean value="false"/></extension>'
    issues = findings(swap(key, key + key), registry)
    issue = only(issues, "profile-slice-cardinality")
    assert "found two" in issue.message
    assert issue.path == "Bundle.entry[0].resource.extension[0].extension[1]"


def test_recipient_type_outside_the_required_value_set(registry: ProfileRegistry) -> None:
    issues = findings(swap('<code value="FA"/>', '<code value="FX"/>'), registry)
    issue = only(issues, "term-required")
    assert issue.layer == "terminology" and issue.severity == "error"
    assert "'FX'" in issue.message and "ITK-RecipientType-1" in issue.message
    assert issue.hint == "use one of FA (For Action), FI (For Information)"
    assert errors(issues) == [issue]


def test_sender_reference_longer_than_255(registry: ProfileRegistry) -> None:
    issues = findings(swap('<valueString value="None"/>', f'<valueString value="{"x" * 256}"/>'), registry)
    issue = only(issues, "profile-maxlength")
    assert "256 characters long" in issue.message and "at most 255" in issue.message
    assert issue.path == "Bundle.entry[0].resource.extension[0].extension[4].valueString"
    assert findings(swap('<valueString value="None"/>', f'<valueString value="{"x" * 255}"/>'), registry) == []


def test_forbidden_destination(registry: ProfileRegistry) -> None:
    destination = '<destination><endpoint value="X26OT112"/></destination>'
    issues = findings(swap("<sender>", destination + "<sender>"), registry)
    issue = only(issues, "profile-forbidden")
    assert issue.path == "Bundle.entry[0].resource.destination[0]"
    assert "is not allowed by ITK-MessageHeader-2" in issue.message
    assert errors(issues) == [issue]


def test_missing_required_element(registry: ProfileRegistry) -> None:
    issues = findings(
        swap('<source><endpoint value="NOROT003"/></source>', '<source><name value="x"/></source>'), registry
    )
    rules = sorted(i.rule for i in errors(issues))
    assert rules == ["profile-forbidden", "profile-min"]
    missing = only(issues, "profile-min")
    assert missing.path == "Bundle.entry[0].resource.source.endpoint"
    assert "is required by ITK-MessageHeader-2" in missing.message


def test_response_code_display_required_by_fixed_coding(registry: ProfileRegistry) -> None:
    issues = findings(swap('<display value="Success"/>', ""), registry)
    assert only(issues, "profile-min").path == "Bundle.entry[2].resource.issue[0].details.coding[0].display"


def test_response_code_outside_the_value_set(registry: ProfileRegistry) -> None:
    issues = findings(swap('<code value="20013"/>', '<code value="51001"/>'), registry)
    issue = only(issues, "term-required")
    assert "'51001'" in issue.message and "ITK-ResponseCodes-1" in issue.message


def test_event_code_outside_the_extensible_value_set_is_a_warning(registry: ProfileRegistry) -> None:
    issues = findings(swap('<code value="ITK008M"/>', '<code value="ITK002M"/>'), registry)
    issue = only(issues, "term-extensible")
    assert issue.severity == "warning" and issue.layer == "terminology"
    assert errors(issues) == []


# ---- references --------------------------------------------------------------------------------


def test_sender_reference_to_the_wrong_resource_type(registry: ProfileRegistry) -> None:
    text = swap(
        f'<sender><reference value="urn:uuid:{ORG}"/></sender>', f'<sender><reference value="urn:uuid:{OO}"/></sender>'
    )
    issue = only(findings(text, registry), "profile-reference-target")
    assert issue.path == "Bundle.entry[0].resource.sender"
    assert "must refer to a Practitioner or an Organization" in issue.message
    assert "it refers to an OperationOutcome" in issue.message


def test_unresolvable_sender_reference(registry: ProfileRegistry) -> None:
    text = swap(
        f'<sender><reference value="urn:uuid:{ORG}"/></sender>', '<sender><reference value="urn:uuid:0000"/></sender>'
    )
    issues = findings(text, registry)
    issue = only(issues, "profile-reference-unresolved")
    assert issue.severity == "information"
    assert "'urn:uuid:0000' does not lead to a resource in the message" in issue.message
    assert errors(issues) == []


def test_reference_target_is_validated_against_the_target_profile(registry: ProfileRegistry) -> None:
    """The header Organization claims no profile: MessageHeader.sender's targetProfile applies."""
    text = swap(f'<meta><profile value="{SD}CareConnect-ITK-Header-Organization-1"/></meta>', "")
    text = swap(
        '<value value="X26"/>',
        '<value value="X26"/></identifier><name value="Not allowed"/><identifier><system value="x"/><value value="y"/>',
        text,
    )
    issue = only(findings(text, registry), "profile-forbidden")
    assert issue.path == "Bundle.entry[1].resource.name"
    assert "CareConnect-ITK-Header-Organization-1" in issue.message


# ---- invariants --------------------------------------------------------------------------------


def test_duplicate_full_url_fails_bdl_7(nhs: ProfileRegistry) -> None:
    text = swap(f'<fullUrl value="urn:uuid:{OO}"/>', f'<fullUrl value="urn:uuid:{ORG}"/>')
    issue = only(findings(text, nhs), "profile-invariant")
    assert issue.severity == "error" and issue.path == "Bundle"
    assert "invariant bdl-7 of ITK-Message-Bundle-1" in issue.message


def test_pack_invariant_first_entry_is_the_header(pack: ProfileRegistry) -> None:
    first = RESPONSE.index("<entry>")
    second = RESPONSE.index("<entry>", first + 1)
    third = RESPONSE.index("<entry>", second + 1)
    text = RESPONSE[:first] + RESPONSE[second:third] + RESPONSE[first:second] + RESPONSE[third:]
    issues = findings(text, pack)
    assert [i.rule for i in errors(issues)] == ["profile-invariant"]
    assert "itk-bdl-1" in errors(issues)[0].message


# ---- layer selection ---------------------------------------------------------------------------


def test_declared_profile_not_loaded_is_information(registry: ProfileRegistry) -> None:
    text = swap(f"{SD}CareConnect-ITK-Header-Organization-1", "https://example.org/StructureDefinition/Unknown-1")
    issues = findings(text, registry)
    issue = only(issues, "profile-not-loaded")
    assert issue.severity == "information"
    assert issue.message.startswith("profile https://example.org/StructureDefinition/Unknown-1 is not loaded")
    assert errors(issues) == []


def test_declared_profile_of_another_type(registry: ProfileRegistry) -> None:
    text = swap(f"{SD}CareConnect-ITK-Header-Organization-1", f"{SD}ITK-MessageHeader-2")
    issue = only(findings(text, registry), "profile-type")
    assert "is an Organization, but ITK-MessageHeader-2 is a profile of MessageHeader" in issue.message


def test_profiles_chosen_by_the_user(registry: ProfileRegistry) -> None:
    text = swap(f'<meta><profile value="{SD}ITK-MessageHeader-2"/></meta>', "")
    text = swap(f'<system value="{EVENT_SYSTEM}"/>', '<system value="urn:other"/>', text)
    plain = [i for i in findings(text, registry) if i.rule == "profile-fixed"]
    if (
        registry.message_definition("https://fhir.nhs.uk/STU3/MessageDefinition/ITK-Response-MessageDefinition-1")
        is None
    ):
        assert plain == []  # nothing says the header is an ITK-MessageHeader-2
    chosen = findings(text, registry, profiles=(SD + "ITK-MessageHeader-2",))
    assert only(chosen, "profile-fixed").path == "Bundle.entry[0].resource.event.system"
    missing = findings(RESPONSE, registry, profiles=("https://example.org/nothing",))
    assert (
        only(missing, "profile-not-loaded").message
        == "profile https://example.org/nothing was asked for but is not loaded"
    )


def test_message_definition_applies_its_profiles(nhs: ProfileRegistry) -> None:
    """No meta.profile anywhere: the Response MessageDefinition names the bundle and header profiles."""
    text = RESPONSE
    for name in (
        "ITK-Message-Bundle-1",
        "ITK-MessageHeader-2",
        "CareConnect-ITK-Header-Organization-1",
        "ITK-Response-OperationOutcome-1",
    ):
        text = swap(f'<meta><profile value="{SD}{name}"/></meta>', "", text)
    assert findings(text, nhs) == []
    broken = swap(f'<system value="{EVENT_SYSTEM}"/>', '<system value="urn:other"/>', text)
    assert only(findings(broken, nhs), "profile-fixed").path == "Bundle.entry[0].resource.event.system"
    broken = swap('<type value="message"/>', '<type value="collection"/>', text)
    assert "profile-fixed" not in [i.rule for i in findings(broken, nhs)]  # no longer a message Bundle profile fits


def test_receiver_codes_for_profile_errors(registry: ProfileRegistry) -> None:
    report = Validator(registry).validate(read_bytes(swap('<code value="FA"/>', '<code value="FX"/>').encode()))
    found = [i for i in report.issues if i.layer == "terminology"]
    assert found and all(i.itk_code in ("10001", None) for i in found)
    report = Validator(registry).validate(
        read_bytes(swap(f'<system value="{EVENT_SYSTEM}"/>', '<system value="urn:x"/>').encode())
    )
    fixed = [i for i in report.issues if i.rule == "profile-fixed"]
    assert fixed and fixed[0].itk_code == "20006"


def test_terminology_findings_follow_the_enabled_layers(registry: ProfileRegistry) -> None:
    text = swap(
        '<code value="FA"/>',
        '<code value="FX"/>',
        swap('<valueString value="None"/>', f'<valueString value="{"x" * 300}"/>'),
    )
    both = Validator(registry, layers=("profile", "terminology")).validate(read_bytes(text.encode()))
    assert {i.layer for i in both.issues} == {"profile", "terminology"}
    profile_only = Validator(registry, layers=("profile",)).validate(read_bytes(text.encode()))
    assert {i.layer for i in profile_only.issues} == {"profile"}
