"""Labels, tooltips and facts of the structure tree's rows, in plain words."""

from __future__ import annotations

import base64

from conftest import EXAMPLES, require_shared

from workbench.core.codecs import read_bytes, read_file
from workbench.core.itk3.labels import (
    LabelContext,
    base64_size,
    document_summary,
    format_size,
    last_segment,
    node_facts,
    node_label,
    node_tooltip,
    xhtml_text,
)
from workbench.core.tree import COMMENT

ITK009D = EXAMPLES / "FHIR_MESH" / "test_messages" / "ITK009D_ITK_Immunization_Document.xml"
HANDLING = "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-ITK-MessageHandling-2"
PDF = b"%PDF-1.4 " + bytes(range(256)) * 40

MESSAGE = f"""<Bundle xmlns="http://hl7.org/fhir"><type value="message"/>
<entry><fullUrl value="urn:uuid:3f1553bf-41b1-4853-bb20-f9c15acafa3f"/><resource><MessageHeader>
<id value="3f1553bf-41b1-4853-bb20-f9c15acafa3f"/>
<meta><profile value="https://fhir.nhs.uk/STU3/StructureDefinition/ITK-MessageHeader-2"/></meta>
<extension url="{HANDLING}">
<extension url="BusAckRequested"><valueBoolean value="true"/></extension>
<extension url="InfAckRequested"><valueBoolean value="false"/></extension>
<extension url="RecipientType"><valueCoding><system value="https://fhir.nhs.uk/STU3/CodeSystem/ITK-RecipientType-1"/><code value="FA"/><display value="For Action"/></valueCoding></extension>
<extension url="Priority"><valueCoding><code value="routine"/></valueCoding></extension>
</extension>
<event><system value="https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2"/><code value="ITK003D"/><display value="ITK eDischarge"/></event>
<sender><reference value="urn:uuid:org-1"/></sender><timestamp value="2024-03-01T09:30:00Z"/>
<source><endpoint value="X26OT112"/></source><focus><reference value="urn:uuid:doc-1"/></focus>
</MessageHeader></resource></entry>
<entry><fullUrl value="urn:uuid:org-1"/><resource><Organization><id value="org-1"/>
<identifier><system value="https://fhir.nhs.uk/Id/ods-organization-code"/><value value="RY6"/></identifier></Organization></resource></entry>
<entry><fullUrl value="urn:uuid:doc-1"/><resource><Bundle><id value="doc-1"/><type value="document"/>
<entry><fullUrl value="urn:uuid:c-1"/><resource><Composition><id value="c-1"/>
<subject><reference value="urn:uuid:pat-1"/></subject><title value="Discharge summary"/>
<section><title value="Allergies"/><text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><p>No known <b>allergies</b> &amp; none</p></div></text></section>
</Composition></resource></entry>
<entry><fullUrl value="urn:uuid:pat-1"/><resource><Patient><id value="pat-1"/>
<identifier><system value="https://fhir.nhs.uk/Id/nhs-number"/><value value="9449305552"/></identifier>
<name><given value="Jo"/><family value="Bloggs"/></name><!-- date of birth follows --><birthDate value="1970-01-01"/></Patient></resource></entry>
<entry><fullUrl value="urn:uuid:bin-1"/><resource><Binary><id value="bin-1"/><contentType value="application/pdf"/>
<content value="{base64.b64encode(PDF).decode()}"/></Binary></resource></entry>
</Bundle></resource></entry></Bundle>""".encode()


def labelled(data: bytes = MESSAGE):
    document = read_bytes(data)
    return document, LabelContext.for_document(document)


def test_entries_name_type_profile_short_id_and_role() -> None:
    document, context = labelled()
    entries = document.root.children_named("entry")
    assert node_label(entries[0], context) == "entry[0] MessageHeader · ITK-MessageHeader-2 · 3f1553bf…"
    assert node_label(entries[1], context) == "entry[1] Organization · org-1 (sender)"
    assert node_label(entries[2], context) == "entry[2] Bundle · doc-1 (payload)"


def test_header_rows_read_in_plain_words() -> None:
    document, context = labelled()
    header = document.root.find("entry.resource.MessageHeader")
    assert node_label(header, context) == "MessageHeader · ITK003D"
    assert node_label(header.child("event"), context) == "event: ITK003D ITK eDischarge"
    assert node_label(header.child("sender"), context) == "sender → Organization RY6 (ODS organisation code)"
    assert node_label(header.child("source"), context) == "source: X26OT112 (MESH mailbox)"
    assert node_label(header.child("focus"), context) == "focus → Bundle (document)"
    handling = header.child("extension")
    assert node_label(handling, context) == "Handling specification"
    keys = [node_label(k, context) for k in handling.children_named("extension")]
    assert keys == [
        "Business ack requested: yes",
        "Infrastructure ack requested: no",
        "Recipient type: FA (For Action)",
        "Priority (legacy key, removed in ITK3 2.5.0): routine",
    ]
    assert "business-level" in node_tooltip(handling.children[0], context)
    assert "eDischarge" in node_tooltip(header.child("event"), context)


def test_header_rows_without_context_are_plain_elements() -> None:
    document = read_bytes(MESSAGE)
    header = document.root.find("entry.resource.MessageHeader")
    assert node_label(header.child("extension")) == f"extension · {last_segment(HANDLING)}"
    assert node_label(header.child("timestamp")) == "timestamp: 2024-03-01T09:30:00Z"


def test_payload_composition_sections_narrative_references() -> None:
    document, context = labelled()
    inner = document.root.children_named("entry")[2].find("resource.Bundle")
    composition = inner.find("entry.resource.Composition")
    assert node_label(inner, context) == "Bundle (document)"
    assert node_label(composition, context) == "Composition · Discharge summary"
    section = composition.child("section")
    assert node_label(section, context) == "section: Allergies"
    assert node_label(section.find("text.div"), context) == "div: No known allergies & none"
    assert node_label(composition.child("subject"), context) == 'subject → Patient 9449305552 (NHS number) "Jo Bloggs"'
    patient = inner.children_named("entry")[1].find("resource.Patient")
    assert node_label(patient.child("identifier"), context) == "identifier: 9449305552 (nhs-number)"
    assert node_label(patient.child("name"), context) == "name: Jo Bloggs"
    comment = next(c for c in patient.children if c.kind == COMMENT)
    assert node_label(comment, context) == "<!-- date of birth follows -->"


def test_binary_attachment_shows_content_type_and_size_and_base64_is_not_shown() -> None:
    document, context = labelled()
    binary = next(n for n in document.root.iter() if n.name == "Binary")
    assert node_label(binary, context) == f"Binary · application/pdf · {format_size(len(PDF))}"
    assert context.attachment(binary).data() == PDF
    content = binary.child("content")
    assert node_label(content, context) == f"content: base64, {format_size(len(PDF))}"
    facts = node_facts(content, document, context)
    assert facts.value.startswith("base64 data,") and f"{len(PDF):,} bytes" in facts.value
    assert node_facts(binary, document, context).attachment is not None


def test_long_values_are_cut_in_labels_but_whole_in_facts() -> None:
    long = "x" * 500
    document, context = labelled(
        f'<Patient xmlns="http://hl7.org/fhir"><id value="p"/><gender value="{long}"/></Patient>'.encode()
    )
    gender = document.root.child("gender")
    label = node_label(gender, context)
    assert len(label) < 100 and label.endswith("…")
    assert node_facts(gender, document, context).value == long


def test_facts_give_path_type_cardinality_definition_and_position() -> None:
    document, context = labelled()
    header = document.root.find("entry.resource.MessageHeader")
    facts = node_facts(header.child("timestamp"), document, context)
    assert facts.path == "Bundle.entry[0].resource.timestamp"
    assert (facts.kind, facts.type, facts.cardinality) == ("element", "instant", "1..1")
    assert facts.value == "2024-03-01T09:30:00Z"
    assert facts.short and "sent" in facts.definition
    assert facts.position == document.position(header.child("timestamp"))
    entry = node_facts(document.root.children_named("entry")[0], document, context)
    assert (entry.type, entry.cardinality) == ("BundleEntry", "0..*")
    key = node_facts(header.child("extension").children[0], document, context)
    assert key.url == "BusAckRequested" and "business-level" in key.short
    assert key.definition.startswith("STU3 Extension: Additional Content defined by implementations\n\n")
    assert node_tooltip(header.child("timestamp"), context).startswith("Time that the message was sent")


def test_document_summary() -> None:
    document, context = labelled()
    assert document_summary(document, context.view) == f"ITK003D  ·  3 entries  ·  XML  ·  {format_size(len(MESSAGE))}"
    assert document_summary(document) == f"XML  ·  {format_size(len(MESSAGE))}"
    assert document_summary(document, context.view, edited=True) == "ITK003D  ·  3 entries  ·  XML"


def test_helpers() -> None:
    assert format_size(1) == "1 byte" and format_size(900) == "900 bytes"
    assert format_size(123 * 1024) == "123 KB" and format_size(5 * 1024 * 1024) == "5.0 MB"
    assert base64_size(base64.b64encode(b"abcd").decode()) == 4
    assert base64_size("YWJj\nZA==\n") == 4
    assert last_segment("https://x/StructureDefinition/ITK-MessageHeader-2") == "ITK-MessageHeader-2"
    assert xhtml_text("<div><p>a &lt;b&gt;</p>\n <p>c</p></div>") == "a <b> c"


def test_real_message_labels() -> None:
    document = read_file(require_shared(ITK009D))
    context = LabelContext.for_document(document)
    labels = [node_label(n, context) for n in document.root.iter()]
    assert "entry[0] MessageHeader · ITK-MessageHeader-2 · b746b622…" in labels
    assert "event: ITK009D ITK Digital Medicine Immunization Document" in labels
    assert "Business ack requested: yes" in labels
    assert "Recipient type: FA (For Action)" in labels
    assert "Sender reference: Int-20190904-001" in labels
    assert "sender → Organization FKL95 (ODS organisation code)" in labels
    assert "section: Vaccinations" in labels
    assert all(labels) and all("\n" not in label for label in labels)


def test_unknown_reference_shaped_elements_and_uri_endpoints() -> None:
    data = (
        MESSAGE.replace(b'<value value="X26OT112"/>', b"")
        .replace(b'<endpoint value="X26OT112"/>', b'<endpoint value="urn:nhs-uk:addressing:ods:RY6"/>')
        .replace(b"<timestamp value=", b'<data><reference value="urn:uuid:org-1"/></data><timestamp value=')
    )
    document, context = labelled(data)
    header = document.root.find("entry.resource.MessageHeader")
    assert node_label(header.child("source"), context) == "source: urn:nhs-uk:addressing:ods:RY6"
    assert node_label(header.child("data"), context) == "data → Organization RY6 (ODS organisation code)"
