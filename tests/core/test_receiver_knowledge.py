"""What only a receiver knows: the MessageDefinitions it supports (10004/10005), the recipients it
serves when a document names them (20010/20011), and the documents a replacement replaces (20014).

Over the real examples: the eDischarge payload that names its recipients, the ToC outpatient
letter and its replacement; and over sample messages for the cases the examples do not show.
"""

from __future__ import annotations

import pytest
from conftest import EXAMPLES, require_shared
from receiverhelpers import run as receive

from workbench.core.acks.nodes import el, group, identifier, reference, resource, urn
from workbench.core.acks.receiver import Decision, ReceiverState
from workbench.core.acks.sample import sample_message
from workbench.core.acks.settings import settings_from_toml
from workbench.core.catalogue import catalogue, definition_stem
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import read_bytes, read_file, render
from workbench.core.compose.children import put_in_order
from workbench.core.compose.payload import attach_payload
from workbench.core.compose.skeleton import MessageSpec, Party, new_message
from workbench.core.edits import EditableDocument
from workbench.core.itk3.documents import composition_ids, payload_recipients, replacements
from workbench.core.itk3.view import message_view
from workbench.core.validation.runner import Validator

DOCUMENTS = EXAMPLES / "careconnect-examples" / "hapi-fhirDocument-convert2PdfOrHtml" / "src" / "main" / "resources"
EDISCHARGE = DOCUMENTS / "FHIRDocuments" / "edischarge_full_payload_example-01.xml"
TOC = EXAMPLES / "FHIR_MESH" / "test_messages"
LETTER = TOC / "ToC-WT02-04-op_letter_full_payload_example_01-corrected.xml"
REPLACEMENT = TOC / "ToC-WT07-02-op_letter_replace_valid_replace_example_01-corrected.3.xml"
EDISCHARGE_DEFINITION = "https://fhir.nhs.uk/STU3/MessageDefinition/ITK-eDischarge-MessageDefinition-4"


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator()


def run(data: bytes, validator: Validator, state: ReceiverState | None = None, **settings: object) -> Decision:
    return receive(data, state, validator=validator, **settings)


def first_code(decision: Decision) -> str:
    return decision.codes[0] if decision.codes else ""


def finding(decision: Decision, code: str) -> str:
    return next(i.message for i in decision.issues if i.itk_code == code)


def edischarge(receiver: Party | None = None) -> bytes:
    """An ITK003D message around the real eDischarge document, whose Composition names two recipients."""
    document = new_message(
        MessageSpec("ITK003D", receiver=receiver or Party("ods", "RCV01")), clock=VirtualClock(), ids=SequentialIds()
    ).document
    attached = attach_payload(document, read_file(require_shared(EDISCHARGE)), ids=SequentialIds("p"))
    EditableDocument(document).apply(attached.edit)
    return render(document, "xml")


# ---- MessageDefinitions the receiver supports (10004, 10005) --------------------------------------------


def sample(definition: str | None = None) -> bytes:
    tree = sample_message(event="ITK003D", clock=VirtualClock(), ids=SequentialIds("msg"))
    if definition is not None:
        key = message_view(tree).handling["MessageDefinition"].node
        key.find("valueReference.reference").value = definition  # type: ignore[union-attr]
    return render(tree, "xml")


def test_every_definition_is_supported_by_default(validator: Validator) -> None:
    assert first_code(run(sample(EDISCHARGE_DEFINITION.replace("-4", "-9")), validator)) == "20013"


@pytest.mark.parametrize("listed", [EDISCHARGE_DEFINITION, "ITK-eDischarge-MessageDefinition-4"])
def test_a_supported_definition_by_url_or_name_is_accepted(validator: Validator, listed: str) -> None:
    decision = run(sample(EDISCHARGE_DEFINITION), validator, supported_message_definitions=(listed,))
    assert first_code(decision) == "20013"


def test_another_version_of_a_supported_type_gets_10005(validator: Validator) -> None:
    newer = EDISCHARGE_DEFINITION.replace("-4", "-5")
    decision = run(sample(newer), validator, supported_message_definitions=(EDISCHARGE_DEFINITION,))
    assert first_code(decision) == "10005"
    assert "ITK-eDischarge-MessageDefinition-5 is a version this receiver does not support" in finding(
        decision, "10005"
    )


def test_a_type_the_receiver_does_not_support_gets_10004(validator: Validator) -> None:
    other = next(m for m in catalogue().message_definitions if m.event == "ITK006D" and m.status == "current")
    decision = run(sample(), validator, supported_message_definitions=(other.url,))
    assert first_code(decision) == "10004"
    assert "does not support the message type" in finding(decision, "10004")


def test_the_response_definition_is_always_supported(validator: Validator) -> None:
    real = require_shared(EXAMPLES / "FHIR_MESH" / "test_messages" / "ITK008M_ITK_Response.xml").read_bytes()
    legacy = require_shared(EXAMPLES / "STU3-FHIR-Assets" / "Examples" / "ITK-Response-30001-Example-1.xml")
    for data in (real, legacy.read_bytes()):
        assert first_code(run(data, validator, supported_message_definitions=(EDISCHARGE_DEFINITION,))) == "20013"


def test_the_instance_form_is_a_version_of_the_same_type() -> None:
    urls = catalogue().urls
    assert definition_stem(urls.response_message_definition_legacy) == definition_stem(urls.response_message_definition)
    assert definition_stem("Not-Versioned") == "Not-Versioned"


# ---- recipients the payload names (20010, 20011) ---------------------------------------------------------


def test_the_recipients_the_real_edischarge_document_names_are_read() -> None:
    view = message_view(read_bytes(edischarge()))
    found = payload_recipients(view)
    assert [r.resource.name for r in found] == ["Practitioner", "Practitioner"]
    assert [r.kind for r in found] == ["person", "person"]
    assert found[1].resource.value_at("identifier.value") == "GP12345600"
    assert found[0].resource.child("identifier") is None  # the community nurse is named by telephone only


def test_a_recipient_person_the_receiver_does_not_serve_gets_20011(validator: Validator) -> None:
    data = edischarge()
    assert first_code(run(data, validator)) == "20013"  # empty lists serve everyone
    decision = run(data, validator, known_recipient_persons=("GP12345600",))
    assert first_code(decision) == "20011"  # the nurse has no SDS user id: not one it serves
    assert "recipient person (no identifier)" in finding(decision, "20011")
    assert first_code(run(data, validator, known_recipient_organisations=("RCV01",))) == "20013"


def test_the_header_recipient_is_checked_before_the_payload(validator: Validator) -> None:
    data = edischarge(Party("sds", "000000000001"))
    decision = run(data, validator, known_recipient_persons=("GP12345600",))
    assert decision.infrastructure_code == "20001"
    assert {"20001", "20011"} <= {i.itk_code for i in decision.issues}


def _with_recipient(kind: str, code: str, through_role: bool = False) -> bytes:
    """The eDischarge message whose Composition also names an Organization or Practitioner."""
    tree = read_bytes(edischarge())
    view = message_view(tree)
    urls = catalogue().urls
    system = urls.ods_organization_code if kind == "Organization" else urls.sds_user_id
    target = resource(kind, el("id", f"{kind}-1"), identifier(system, code))
    assert view.payload is not None and view.composition is not None
    view.payload.append(group("entry", el("fullUrl", urn(f"{kind}-1")), group("resource", target)))
    named = urn(f"{kind}-1")
    if through_role:
        role = resource("PractitionerRole", el("id", "role-1"), reference(kind.lower(), named))
        view.payload.append(group("entry", el("fullUrl", urn("role-1")), group("resource", role)))
        named = urn("role-1")
    extension = el("extension", None, reference("valueReference", named), url=urls.information_recipient_extension)
    put_in_order(view.composition, "Composition", extension)
    return render(tree, "xml")


@pytest.mark.parametrize("through_role", [False, True])
def test_a_recipient_organisation_the_receiver_does_not_serve_gets_20010(
    validator: Validator, through_role: bool
) -> None:
    data = _with_recipient("Organization", "ZZ999", through_role)
    decision = run(data, validator, known_recipient_organisations=("RCV01",))
    assert first_code(decision) == "20010"
    assert "recipient organisation ZZ999" in finding(decision, "20010")
    assert first_code(run(data, validator, known_recipient_organisations=("RCV01", "ZZ999"))) == "20013"


# ---- replacement documents (20014) -----------------------------------------------------------------------


def test_the_real_replacement_is_read_and_processed_by_default(validator: Validator) -> None:
    data = require_shared(REPLACEMENT).read_bytes()
    found = replacements(message_view(read_bytes(data)))
    assert [r.target for r in found] == ["affbe586-3b42-4b3e-a315-5e8366c63c90"]
    assert first_code(run(data, validator)) == "20013"


def test_a_replacement_of_a_document_never_received_gets_20014(validator: Validator) -> None:
    data = require_shared(REPLACEMENT).read_bytes()
    decision = run(data, validator, replacements_need_original=True)
    assert first_code(decision) == "20014"
    assert "affbe586-3b42-4b3e-a315-5e8366c63c90, a document this receiver has not received" in finding(
        decision, "20014"
    )


def test_a_replacement_after_its_original_is_processed(validator: Validator) -> None:
    """The real outpatient letter, its Composition given the identifier the replacement names, sent first."""
    original = read_bytes(require_shared(LETTER).read_bytes())
    composition = message_view(original).composition
    assert composition is not None
    composition.find("identifier.value").value = "affbe586-3b42-4b3e-a315-5e8366c63c90"  # type: ignore[union-attr]
    assert "composition:affbe586-3b42-4b3e-a315-5e8366c63c90" in composition_ids(message_view(original))
    state = ReceiverState()
    assert first_code(run(render(original, "xml"), validator, state, replacements_need_original=True)) == "20013"
    replacement = require_shared(REPLACEMENT).read_bytes()
    assert first_code(run(replacement, validator, state, replacements_need_original=True)) == "20013"


def test_the_new_settings_read_from_toml() -> None:
    settings = settings_from_toml(
        'supported_message_definitions = ["ITK-eDischarge-MessageDefinition-4"]\nreplacements_need_original = true\n'
    )
    assert settings.supported_message_definitions == ("ITK-eDischarge-MessageDefinition-4",)
    assert settings.replacements_need_original is True
    assert settings_from_toml(settings.to_toml()) == settings
