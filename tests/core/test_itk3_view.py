"""The ITK3 view of a message: header, handling keys in plain words, parties, payload."""

from __future__ import annotations

import base64

from conftest import EXAMPLES, require_shared

from workbench.core.codecs import read_bytes, read_file
from workbench.core.itk3.view import describe_handling, message_view

HANDLING = "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-ITK-MessageHandling-2"


def _message(keys: str = "", sender: str = "urn:uuid:org-1", extra_entries: str = "") -> bytes:
    return f"""<Bundle xmlns="http://hl7.org/fhir"><type value="message"/>
<entry><fullUrl value="urn:uuid:mh-1"/><resource><MessageHeader><id value="mh-1"/>
<extension url="{HANDLING}">{keys}</extension>
<event><system value="https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2"/><code value="ITK007C"/><display value="ITK GP Connect Send Document"/></event>
<sender><reference value="{sender}"/></sender><timestamp value="2024-03-01T09:30:00Z"/>
<source><endpoint value="X26OT112"/></source><focus><reference value="urn:uuid:doc-1"/></focus>
</MessageHeader></resource></entry>
<entry><fullUrl value="urn:uuid:org-1"/><resource><Organization><id value="org-1"/>
<identifier><system value="https://fhir.nhs.uk/Id/ods-organization-code"/><value value="RY6"/></identifier></Organization></resource></entry>
<entry><fullUrl value="urn:uuid:doc-1"/><resource><Bundle><id value="doc-1"/><type value="document"/>
<entry><fullUrl value="urn:uuid:c-1"/><resource><Composition><id value="c-1"/><title value="Consultation report"/></Composition></resource></entry>
<entry><fullUrl value="urn:uuid:bin-1"/><resource><Binary><id value="bin-1"/><contentType value="application/pdf"/>
<content value="{base64.b64encode(b"%PDF-1.4 hello").decode()}"/></Binary></resource></entry>
</Bundle></resource></entry>{extra_entries}</Bundle>""".encode()


KEYS = """<extension url="BusAckRequested"><valueBoolean value="true"/></extension>
<extension url="InfAckRequested"><valueBoolean value="false"/></extension>
<extension url="RecipientType"><valueCoding><system value="https://fhir.nhs.uk/STU3/CodeSystem/ITK-RecipientType-1"/><code value="FA"/><display value="For Action"/></valueCoding></extension>
<extension url="MessageDefinition"><valueReference><reference value="https://fhir.nhs.uk/STU3/MessageDefinition/ITK-GPConnectSendDocument-MessageDefinition-1"/></valueReference></extension>
<extension url="SenderReference"><valueString value="enc-42"/></extension>
<extension url="LocalExtension"><valueString value="None"/></extension>"""


def test_reads_header_and_handling_in_plain_words() -> None:
    view = message_view(read_bytes(_message(KEYS)))
    assert view.is_message and not view.is_response
    assert (view.event_code, view.event.display) == ("ITK007C", "ITK GP Connect Send Document")
    assert view.flag("BusAckRequested") is True and view.flag("InfAckRequested") is False
    assert dict(describe_handling(view)) == {
        "Business ack requested": "yes",
        "Infrastructure ack requested": "no",
        "Recipient type": "FA (For Action)",
        "Message definition": "https://fhir.nhs.uk/STU3/MessageDefinition/ITK-GPConnectSendDocument-MessageDefinition-1",
        "Sender reference": "enc-42",
        "Local extension": "None",
    }
    assert view.message_id == "mh-1" and view.source_endpoint == "X26OT112"


def test_parties_payload_and_attachments() -> None:
    view = message_view(read_bytes(_message(KEYS)))
    assert view.sender.resolution.how == "fullUrl"
    assert view.sender.label == "Organization RY6 (ODS organisation code)"
    assert view.payload_kind == "document bundle"
    assert view.composition.value_at("title") == "Consultation report"
    [attachment] = view.attachments
    assert (attachment.content_type, attachment.size) == ("application/pdf", len(b"%PDF-1.4 hello"))
    assert attachment.data() == b"%PDF-1.4 hello" and attachment.suggested_name == "bin-1.pdf"


def test_missing_keys_and_unresolved_sender_are_reported_not_raised() -> None:
    view = message_view(read_bytes(_message("", sender="Organization/nowhere")))
    assert dict(describe_handling(view))["Business ack requested"] == "(missing)"
    assert not view.sender.resolution.found
    assert "not found" in view.sender.label


def test_bare_uuid_resolves_leniently_and_says_so() -> None:
    view = message_view(read_bytes(_message(KEYS, sender="org-1")))
    assert view.sender.resolution.how == "bare-id"


def test_not_a_message_is_read_without_error() -> None:
    view = message_view(read_bytes(b'{"resourceType": "Patient", "id": "p"}'))
    assert not view.is_message and view.payload_kind == "resources"
    empty = message_view(read_bytes(b'<Bundle xmlns="http://hl7.org/fhir"><type value="message"/></Bundle>'))
    assert not empty.is_message and empty.payload_kind == "none"


def test_real_response_example() -> None:
    path = require_shared(EXAMPLES / "STU3-FHIR-Assets" / "Examples" / "ITK-Response-30002-Example-1.xml")
    view = message_view(read_file(path))
    assert view.is_response and view.response_code == "fatal-error" and view.response_codes == ["30002"]
    assert view.payload_kind == "response" and view.payload.name == "OperationOutcome"


def test_real_legacy_message_names_the_priority_key() -> None:
    path = require_shared(EXAMPLES / "FHIR_MESH" / "test_messages" / "ITK003D_ITK_eDischarge.xml")
    rows = dict(describe_handling(message_view(read_file(path))))
    assert rows["Priority (legacy key, removed in ITK3 2.5.0)"] == "routine (Routine)"
    assert rows["Sender reference"] == "(missing)"
