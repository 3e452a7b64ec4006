"""What Add ▸ offers (STU3 and the claimed profiles) and what a new element brings; value editors."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core.catalogue import catalogue
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import read_bytes, render
from workbench.core.compose.children import ChildOption, add_child, child_options
from workbench.core.compose.skeleton import ComposeError, MessageSpec, Party, new_message
from workbench.core.compose.values import (
    base64_of_file,
    check_value,
    choose_code,
    editor_for,
    editor_for_child,
    set_checked,
)
from workbench.core.edits import EditableDocument, EditError, RemoveElement
from workbench.core.itk3.view import message_view
from workbench.core.tree import Document
from workbench.core.validation.profiles.registry import ProfileRegistry
from workbench.core.validation.runner import Validator


@pytest.fixture(scope="module")
def registry() -> ProfileRegistry:
    return ProfileRegistry.default()


def message(syntax: str = "xml") -> Document:
    return new_message(
        MessageSpec("ITK003D", receiver=Party("ods", "RCV01")),
        clock=VirtualClock(),
        ids=SequentialIds("kids"),
        syntax=syntax,
    ).document


def by_label(options: list[ChildOption]) -> dict[str, ChildOption]:
    return {o.label: o for o in options}


def test_the_header_offers_its_elements_with_profile_cardinality(registry: ProfileRegistry) -> None:
    view = message_view(message())
    assert view.header is not None
    options = by_label(child_options(view.header, registry))
    assert options["focus"].cardinality == "0..1" and options["focus"].enabled
    assert options["sender"].cardinality == "1..1" and options["sender"].at_max
    assert "already there 1 time(s)" in (options["sender"].why_not or "")
    assert options["destination"].forbidden and "ITK-MessageHeader-2 does not allow destination" in (
        options["destination"].why_not or ""
    )
    assert options["author"].forbidden and options["timestamp"].source == "STU3"
    handling = options["extension: itkMessageHandling"]
    assert handling.url == catalogue().urls.message_handling_extension and handling.at_max
    names = [o.name for o in child_options(view.header, registry)]
    assert names.index("event") < names.index("sender") < names.index("focus")  # STU3 order


def test_the_handling_extension_offers_its_six_keys_and_no_value(registry: ProfileRegistry) -> None:
    view = message_view(message())
    assert view.handling_extension is not None
    options = child_options(view.handling_extension, registry)
    slices = [o.slice_name for o in options if o.slice_name]
    assert slices == [k.url for k in catalogue().handling_keys]
    assert all(o.at_max and o.cardinality == "1..1" for o in options if o.slice_name)
    assert not [o for o in options if o.name.startswith("value")]  # value[x] is 0..0: not offered
    key = view.handling["BusAckRequested"].node
    assert [(o.name, o.cardinality) for o in child_options(key, registry)] == [
        ("extension", "0..*"),
        ("valueBoolean", "1..1"),
    ]


def test_a_header_organization_offers_its_identifier_slices(registry: ProfileRegistry) -> None:
    view = message_view(message())
    assert view.sender is not None and view.sender.resource is not None
    options = by_label(child_options(view.sender.resource, registry))
    ods = options["identifier: odsOrganizationCode"]
    assert ods.count == 1 and ods.at_max
    assert ods.fixed == (("system", catalogue().urls.ods_organization_code),)
    assert options["identifier: odsSiteCode"].enabled
    assert options["name"].forbidden and options["telecom"].forbidden


def test_without_profiles_stu3_alone_speaks() -> None:
    view = message_view(message())
    assert view.header is not None
    options = by_label(child_options(view.header))
    assert options["destination"].cardinality == "0..*" and options["destination"].enabled
    assert not [o for o in options.values() if o.slice_name]
    primitive = view.header.child("timestamp")
    assert primitive is not None
    assert [o.name for o in child_options(primitive)] == ["extension"]
    element = view.header.child("source")
    assert element is not None and "id" not in [o.name for o in child_options(element)]  # an attribute, not a child


def test_a_choice_taken_disables_its_other_types() -> None:
    patient = read_bytes(b'<Patient xmlns="http://hl7.org/fhir"><deceasedBoolean value="false"/></Patient>').root
    options = by_label(child_options(patient))
    assert options["deceasedBoolean"].at_max and options["deceasedDateTime"].taken
    assert "another deceased[x] type" in (options["deceasedDateTime"].why_not or "")


@pytest.mark.parametrize("syntax", ["xml", "json"])
def test_adding_the_handling_extension_brings_its_six_keys(registry: ProfileRegistry, syntax: str) -> None:
    document = message(syntax)
    view = message_view(document)
    assert view.header is not None and view.handling_extension is not None
    editable = EditableDocument(document)
    editable.apply(RemoveElement(view.handling_extension))
    option = by_label(child_options(view.header, registry))["extension: itkMessageHandling"]
    assert option.missing and option.enabled
    before = render(document, syntax)
    editable.apply(add_child(document, view.header, option, registry))
    rebuilt = message_view(read_bytes(render(document, syntax))).handling_extension
    assert rebuilt is not None and rebuilt.url == catalogue().urls.message_handling_extension
    keys = rebuilt.children_named("extension")
    assert [k.url for k in keys] == [k.url for k in catalogue().handling_keys]
    assert [c.name for k in keys for c in k.children] == [
        "valueBoolean",
        "valueBoolean",
        "valueCoding",
        "valueReference",
        "valueString",
        "valueString",
    ]
    recipient = keys[2].child("valueCoding")
    assert recipient is not None and recipient.value_at("system") == catalogue().urls.recipient_type_system
    assert header_position(document) < position_of_event(document)
    editable.undo()
    assert render(document, syntax) == before


def header_position(document: Document) -> int:
    header = message_view(document).header
    assert header is not None and header.child("extension") is not None
    return header.child("extension").index_in_parent()  # type: ignore[union-attr]


def position_of_event(document: Document) -> int:
    header = message_view(document).header
    assert header is not None
    return header.child("event").index_in_parent()  # type: ignore[union-attr]


def test_adding_an_identifier_slice_fixes_its_system(registry: ProfileRegistry) -> None:
    document = message()
    view = message_view(document)
    assert view.receiver is not None and view.receiver.resource is not None
    organization = view.receiver.resource
    option = by_label(child_options(organization, registry))["identifier: odsSiteCode"]
    EditableDocument(document).apply(add_child(document, organization, option, registry))
    added = organization.children_named("identifier")[-1]
    assert added.value_at("system") == catalogue().urls.ods_site_code
    assert added.child("value") is not None and added.value_at("value") is None  # the user fills it
    with pytest.raises(EditError, match="cannot add name"):
        add_child(document, organization, by_label(child_options(organization, registry))["name"], registry)


def test_adding_a_complex_element_brings_what_it_must_contain(registry: ProfileRegistry) -> None:
    plain = message()
    header = message_view(plain).header
    assert header is not None
    EditableDocument(plain).apply(add_child(plain, header, by_label(child_options(header))["response"]))
    assert [c.name for c in header.child("response").children] == ["identifier", "code"]  # type: ignore[union-attr]
    document = message()
    header = message_view(document).header
    assert header is not None
    option = by_label(child_options(header, registry))["response"]
    EditableDocument(document).apply(add_child(document, header, option, registry))
    response = header.child("response")
    assert response is not None  # the ITK profile makes details 1..1, with its reference
    assert [c.name for c in response.children] == ["identifier", "code", "details"]
    assert response.find("details.reference") is not None
    text = by_label(child_options(header))["text"]
    EditableDocument(document).apply(add_child(document, header, text))
    narrative = header.child("text")
    assert narrative is not None and [c.name for c in narrative.children] == ["status", "div"]
    assert header.children.index(narrative) < header.children.index(header.child("extension"))  # type: ignore[arg-type]


# ---- value editors -----------------------------------------------------------------------------


def test_editors_follow_the_type(registry: ProfileRegistry) -> None:
    document = message()
    view = message_view(document)
    header = view.header
    assert header is not None
    timestamp = editor_for(header.child("timestamp"), document, registry)  # type: ignore[arg-type]
    assert timestamp.kind == "instant" and timestamp.has_now
    assert check_value(header.child("timestamp"), timestamp.now(), document, registry).ok  # type: ignore[arg-type]
    flag = editor_for(view.handling["InfAckRequested"].node.child("valueBoolean"), document, registry)  # type: ignore[arg-type]
    assert flag.kind == "boolean" and [c.value for c in flag.choices] == ["true", "false"]
    code = view.handling["RecipientType"].node.find("valueCoding.code")
    assert code is not None
    recipient = editor_for(code, document, registry)
    assert recipient.kind == "choice" and recipient.closed
    assert [c.label for c in recipient.choices] == ["FA For Action", "FI For Information"]
    event = editor_for(header.find("event.code"), document, registry)  # type: ignore[arg-type]
    assert event.kind == "choice" and not event.closed  # extensible binding
    assert "ITK003D" in [c.value for c in event.choices]
    sender = editor_for(header.find("sender.reference"), document, registry)  # type: ignore[arg-type]
    assert sender.kind == "reference"
    assert [c.display for c in sender.choices] == [
        "Organization X26 (ODS organisation code)",
        "Organization RCV01 (ODS organisation code)",
    ]
    definition = editor_for(
        view.handling["MessageDefinition"].node.find("valueReference.reference"), document, registry
    )  # type: ignore[arg-type]
    assert definition.kind == "choice" and definition.choices[0].value.endswith("ITK-eDischarge-MessageDefinition-4")
    bundle_type = editor_for(document.root.child("type"), document, registry)  # type: ignore[arg-type]
    assert bundle_type.fixed == "message" and "message" in [c.value for c in bundle_type.choices]


@pytest.mark.parametrize(
    ("path", "text", "refused"),
    [
        ("timestamp", "2024-01-01T10:00:00", "has no time zone"),
        ("timestamp", "2024-02-30T10:00:00Z", "no such date"),
        ("event.system", "http://example.org", "the profile fixes system"),
        ("source.endpoint", "", "cannot be empty"),
        ("id", "not an id!", "is not a valid id"),
    ],
)
def test_invalid_values_are_refused_with_a_message(
    registry: ProfileRegistry, path: str, text: str, refused: str
) -> None:
    document = message()
    header = message_view(document).header
    assert header is not None
    node = header.find(path)
    assert node is not None
    verdict = check_value(node, text, document, registry)
    assert not verdict.ok and refused in (verdict.message or "")
    with pytest.raises(ComposeError, match=refused.split("'")[0]):
        set_checked(node, text, document, registry)


def test_typed_values_by_kind() -> None:
    document = read_bytes(
        b'<Observation xmlns="http://hl7.org/fhir"><status value="final"/><valueQuantity><value value="72.50"/>'
        b'</valueQuantity><effectiveDateTime value="2024"/></Observation>'
    )
    root = document.root
    status = editor_for(root.child("status"), document)  # type: ignore[arg-type]
    assert status.kind == "choice" and status.closed and "amended" in [c.value for c in status.choices]
    assert "is not one of the allowed codes" in (status.check("done").message or "")
    number = editor_for(root.find("valueQuantity.value"), document)  # type: ignore[arg-type]
    assert number.kind == "number" and number.check("72.50").ok and not number.check("seventy").ok
    assert editor_for(root.child("effectiveDateTime"), document).check("2024-03").ok  # type: ignore[arg-type]
    assert editor_for_child(root, "issued", document).kind == "instant"
    assert editor_for_child(root, "comment", document).check("ends with space ").warning
    assert editor_for_child(root, "comment", document).check("fine").ok


def test_a_reference_to_nothing_is_accepted_with_a_warning(registry: ProfileRegistry) -> None:
    document = message()
    reference = message_view(document).header.find("sender.reference")  # type: ignore[union-attr]
    assert reference is not None
    verdict = check_value(reference, "urn:uuid:00000000-0000-4000-8000-000000000000", document, registry)
    assert verdict.ok and "no entry of this Bundle" in (verdict.warning or "")


def test_choosing_a_code_sets_code_display_and_system_in_one_step(registry: ProfileRegistry) -> None:
    document = message("json")
    coding = message_view(document).handling["RecipientType"].node.child("valueCoding")
    assert coding is not None
    code = coding.child("code")
    assert code is not None
    choice = next(c for c in editor_for(code, document, registry).choices if c.value == "FI")
    editable = EditableDocument(document)
    before = render(document, "json")
    editable.apply(choose_code(document, coding, choice))
    assert (coding.value_at("code"), coding.value_at("display")) == ("FI", "For Information")
    assert Validator().validate(read_bytes(render(document, "json"))).valid
    editable.undo()
    assert render(document, "json") == before
    with pytest.raises(ComposeError, match="already holds"):
        choose_code(document, coding, next(c for c in editor_for(code, document, registry).choices if c.value == "FA"))


def test_base64_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "scan.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\nabc")
    assert base64_of_file(path) == "iVBORw0KGgphYmM="
    with pytest.raises(ComposeError, match="no such file"):
        base64_of_file(tmp_path / "missing.png")
