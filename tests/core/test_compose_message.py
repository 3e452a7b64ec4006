"""New messages, new Responses, payloads and attachments, over the real document examples."""

from __future__ import annotations

import base64
import csv
import io
import zipfile
from pathlib import Path

import pytest
from conftest import EXAMPLES, XSD, require_shared
from lxml import etree

from workbench.core.bundle import BundleIndex
from workbench.core.catalogue import catalogue
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import read_bytes, read_file, render
from workbench.core.compare import first_difference
from workbench.core.compose.events import sendable_events
from workbench.core.compose.payload import (
    attach_file,
    attach_payload,
    attachment_name,
    detect_content_type,
    read_fhir_file,
    remove_payload,
)
from workbench.core.compose.skeleton import ComposeError, MessageSpec, Party, new_message, new_response
from workbench.core.edits import EditableDocument
from workbench.core.itk3.view import message_view
from workbench.core.session import MessageSession
from workbench.core.tree import Document
from workbench.core.validation.runner import Validator

EVENTS = [e.code for e in sendable_events() if not e.is_response]
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"


def _documents() -> list[Path]:
    manifest = EXAMPLES / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    with manifest.open(encoding="utf-8") as handle:
        return [
            EXAMPLES / r["local_path"] for r in csv.DictReader(handle, delimiter="\t") if r["kind"] == "document-bundle"
        ]


DOCUMENTS = _documents()


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(require_shared(XSD))))


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator()


def built(event: str = "ITK003D", syntax: str = "xml", **spec: object) -> Document:
    return new_message(
        MessageSpec(event, **spec),  # type: ignore[arg-type]
        clock=VirtualClock(),
        ids=SequentialIds(f"new-{event}"),
        syntax=syntax,
    ).document


def outside_payload(document: Document, report_issues: list, payload_path: str | None) -> list:
    return [i for i in report_issues if i.is_error and not (payload_path and (i.path or "").startswith(payload_path))]


# ---- the skeleton ------------------------------------------------------------------------------


@pytest.mark.parametrize("syntax", ["xml", "json"])
def test_a_new_message_is_a_complete_consistent_skeleton(syntax: str) -> None:
    document = built("ITK003D", syntax, receiver=Party("sds", "123456789012"), mailbox="RX1OT001")
    urls = catalogue().urls
    root = document.root
    assert root.value_at("type") == "message"
    assert root.value_at("meta.profile") == urls.message_bundle_profile
    assert root.value_at("id") and root.value_at("identifier.value")
    assert root.value_at("id") != root.value_at("identifier.value")
    view = message_view(document)
    assert view.header is not None and view.header.value_at("meta.profile") == urls.message_header_profile
    assert [k for k in view.handling] == [k.url for k in catalogue().handling_keys]
    assert (view.flag("BusAckRequested"), view.flag("InfAckRequested"), view.value("RecipientType")) == (
        True,
        True,
        "FA",
    )
    assert (
        view.value(
            "MessageDefinition",
        )
        == "https://fhir.nhs.uk/STU3/MessageDefinition/ITK-eDischarge-MessageDefinition-4"
    )
    assert (view.value("SenderReference"), view.value("LocalExtension")) == ("None", "None")
    assert view.event_code == "ITK003D" and view.event_display == "ITK eDischarge"
    assert view.sender is not None and view.sender.resource is not None
    assert view.sender.resource.value_at("identifier.system") == urls.ods_organization_code
    assert view.sender.resource.value_at("identifier.value") == "X26"
    assert view.receiver is not None and view.receiver.resource is not None
    assert view.receiver.resource.name == "Practitioner"
    assert view.receiver.resource.value_at("identifier.system") == urls.sds_user_id
    assert view.source_endpoint == "RX1OT001"
    assert view.timestamp is not None and view.timestamp.endswith("+00:00")
    for found in BundleIndex(root).entries:
        assert found.full_url == f"urn:uuid:{found.resource_id}"


@pytest.mark.parametrize("event", EVENTS)
def test_until_the_payload_comes_validation_says_only_what_is_missing(
    event: str, validator: Validator, schema: etree.XMLSchema
) -> None:
    document = built(event)
    assert schema.validate(etree.fromstring(render(document, "xml")))
    issues = [i for i in validator.validate(document).issues if i.severity != "information"]
    rules = sorted(i.rule for i in issues)
    expected = ["itk-focus-missing"]
    if event in ("ITK012M", "ITK014M"):  # no MessageDefinition is published: the assumed one is named
        expected = ["itk-focus-missing", "itk-msgdef-unknown"]
    assert rules == expected
    assert all(i.severity == "warning" for i in issues)


def test_spec_values_reach_the_header_and_bad_ones_are_refused() -> None:
    document = built(
        "ITK006D",
        bus_ack=False,
        inf_ack=True,
        recipient_type="FI",
        sender=Party("sds", "555666777888"),
        sender_reference="REF-42",
        local_extension="Local",
        message_definition="https://fhir.nhs.uk/STU3/MessageDefinition/ITK-OPL-MessageDefinition-Instance-1",
    )
    view = message_view(document)
    assert (view.flag("BusAckRequested"), view.flag("InfAckRequested"), view.value("RecipientType")) == (
        False,
        True,
        "FI",
    )
    assert view.value("SenderReference") == "REF-42" and view.value("LocalExtension") == "Local"
    assert view.value("MessageDefinition").endswith("-Instance-1")  # type: ignore[union-attr]
    assert view.sender is not None and view.sender.resource is not None and view.sender.resource.name == "Practitioner"
    with pytest.raises(ComposeError, match="legacy event"):
        built("ITK001M")
    with pytest.raises(ComposeError, match="answers a message"):
        built("ITK008M")
    with pytest.raises(ComposeError, match="256 characters; the most is 255"):
        built(sender_reference="x" * 256)
    with pytest.raises(ComposeError, match="not a MessageDefinition URL"):
        built(message_definition="ITK-eDischarge")
    with pytest.raises(ComposeError, match="no spaces"):
        Party("ods", "R Y6")


# ---- the Response ------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["20013", "30001", "30002", "20009", "10001"])
def test_a_new_response_answers_the_message(code: str, validator: Validator, schema: etree.XMLSchema) -> None:
    message = built("ITK003D", receiver=Party("ods", "RCV02"))
    response = new_response(render(message, "xml"), code, clock=VirtualClock(), ids=SequentialIds("r"))
    assert validator.validate(response.document).valid
    assert schema.validate(etree.fromstring(render(response.document, "xml")))
    view = message_view(response.document)
    assert view.event_code == "ITK008M"
    assert view.response_identifier == message_view(message).message_id
    assert view.response_codes == [code]
    assert view.response_code == catalogue().response(code).response_code  # type: ignore[union-attr]
    assert view.sender is not None and view.sender.resource is not None
    assert view.sender.resource.value_at("identifier.value") == "RCV02"  # the message's receiver answers


def test_a_response_to_unreadable_bytes_quotes_unreadable() -> None:
    response = new_response(b"<Bundle><oops", "10009", clock=VirtualClock(), ids=SequentialIds("u"))
    assert message_view(response.document).response_identifier == "UNREADABLE-IN-ORIGINAL-MESSAGE"
    assert "cannot be read" in response.notes[0]
    with pytest.raises(ComposeError, match="retired"):
        new_response(None, "10006")


def test_a_business_response_to_a_message_that_asked_for_none_says_so() -> None:
    message = built("ITK003D", bus_ack=False)
    response = new_response(message, "30001", clock=VirtualClock(), ids=SequentialIds("b"))
    assert any("BusAckRequested=false" in n for n in response.notes)


# ---- payloads ----------------------------------------------------------------------------------


def _attach(document: Document, payload: Document) -> EditableDocument:
    editable = EditableDocument(document)
    editable.apply(attach_payload(document, payload, ids=SequentialIds("p")).edit)
    return editable


@pytest.mark.parametrize("syntax", ["xml", "json"])
def test_every_event_around_a_real_document_passes_the_schema_with_no_error_outside_it(
    syntax: str, validator: Validator, schema: etree.XMLSchema
) -> None:
    documents = [p for p in DOCUMENTS if p.exists()]
    if not documents:
        require_shared(EXAMPLES / "MANIFEST.tsv")
    for index, event in enumerate(EVENTS):
        source = documents[index % len(documents)]
        payload = read_file(source)
        document = built(event, syntax)
        _attach(document, payload)
        saved = read_bytes(render(document, syntax))
        assert schema.validate(etree.fromstring(render(saved, "xml"))), (event, source.name)
        view = message_view(saved)
        assert view.focus and view.payload is not None
        entry = view.focus[0].resolution.entry
        assert entry is not None
        inside = f"Bundle.entry[{entry.index}]"
        errors = outside_payload(saved, validator.validate(saved).issues, inside)
        assert errors == [], (event, source.name, [(i.rule, i.path, i.message) for i in errors])
        assert first_difference(payload.root, view.payload, comments=syntax == "xml") is None, (event, source.name)


def test_a_json_payload_goes_into_an_xml_message_as_the_same_resource(validator: Validator) -> None:
    source = read_file(
        require_shared(EXAMPLES / "STU3-FHIR-Assets" / "Examples" / "ITK-OPL-Document-Bundle-1-Example-3.xml")
    )
    as_json = read_bytes(render(source, "json"))
    document = built("ITK006D", "xml")
    _attach(document, as_json)
    saved = read_bytes(render(document, "xml"))
    assert first_difference(source.root, message_view(saved).payload, comments=False) is None  # type: ignore[arg-type]
    assert validator.validate(saved).predicted == ("20013", "Success")


def test_replacing_and_removing_the_payload_keep_focus_right() -> None:
    first = read_file(
        require_shared(EXAMPLES / "STU3-FHIR-Assets" / "Examples" / "ITK-OPL-Document-Bundle-1-Example-1.xml")
    )
    second = read_file(
        require_shared(EXAMPLES / "STU3-FHIR-Assets" / "Examples" / "ITK-OPL-Document-Bundle-1-Example-3.xml")
    )
    document = built("ITK006D")
    session = MessageSession.from_document(document, "new")
    session.apply(attach_payload(document, first, ids=SequentialIds("a")).edit)
    with_first = render(document, "xml")
    replaced = attach_payload(document, second, ids=SequentialIds("b"))
    assert "replaced the payload" in replaced.notes[0]
    session.apply(replaced.edit)
    view = message_view(document)
    assert len(view.entries) == 3 and len(view.focus) == 1
    assert view.focus[0].reference == f"urn:uuid:{second.root.value_at('id')}"
    assert first_difference(second.root, view.payload) is None  # type: ignore[arg-type]
    with pytest.raises(ComposeError, match="already carries a payload"):
        attach_payload(document, first, replace=False)
    session.apply(remove_payload(document).edit)
    view = message_view(document)
    assert len(view.entries) == 2 and not view.focus
    session.undo()
    session.undo()
    assert render(document, "xml") == with_first  # each step undone exactly


def test_a_message_event_takes_the_entries_of_a_bundle_and_single_resources() -> None:
    collection = read_bytes(
        b'<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/>'
        b'<entry><fullUrl value="urn:uuid:11111111-1111-4111-8111-111111111111"/><resource><DiagnosticReport>'
        b'<id value="11111111-1111-4111-8111-111111111111"/><status value="final"/><code><text value="FBC"/></code>'
        b"</DiagnosticReport></resource></entry>"
        b'<entry><fullUrl value="urn:uuid:22222222-2222-4222-8222-222222222222"/><resource><Observation>'
        b'<id value="22222222-2222-4222-8222-222222222222"/><status value="final"/><code><text value="Hb"/></code>'
        b"</Observation></resource></entry></Bundle>"
    )
    document = built("ITK012M")
    _attach(document, collection)
    view = message_view(document)
    assert [e.resource_type for e in view.entries] == [
        "MessageHeader",
        "Organization",
        "DiagnosticReport",
        "Observation",
    ]
    assert view.focus[0].reference == "urn:uuid:11111111-1111-4111-8111-111111111111"
    patient = read_bytes(
        b'<Patient xmlns="http://hl7.org/fhir"><id value="33333333-3333-4333-8333-333333333333"/></Patient>'
    )
    _attach(document, patient)
    assert message_view(document).entries[-1].full_url == "urn:uuid:33333333-3333-4333-8333-333333333333"
    with pytest.raises(ComposeError, match="would repeat it"):
        attach_payload(document, patient)


def test_a_single_resource_joins_the_document() -> None:
    document = built("ITK003D")
    _attach(
        document,
        read_file(
            require_shared(EXAMPLES / "STU3-FHIR-Assets" / "Examples" / "ITK-OPL-Document-Bundle-1-Example-1.xml")
        ),
    )
    inner = message_view(document).payload
    assert inner is not None
    before = len(inner.children_named("entry"))
    practitioner = read_bytes(b'<Practitioner xmlns="http://hl7.org/fhir"><id value="p1"/></Practitioner>')
    attached = attach_payload(document, practitioner, ids=SequentialIds("x"))
    EditableDocument(document).apply(attached.edit)
    assert len(inner.children_named("entry")) == before + 1
    assert "added to the document" in attached.notes[0]


# ---- files -------------------------------------------------------------------------------------


@pytest.mark.parametrize("syntax", ["xml", "json"])
def test_a_pdf_comes_back_byte_for_byte_from_the_binary(
    syntax: str, validator: Validator, schema: etree.XMLSchema
) -> None:
    document = built("ITK003D", syntax)
    _attach(
        document,
        read_file(
            require_shared(EXAMPLES / "STU3-FHIR-Assets" / "Examples" / "ITK-OPL-Document-Bundle-1-Example-1.xml")
        ),
    )
    attached = attach_file(document, PDF, "letter.pdf", ids=SequentialIds("f"))
    assert attached.content_type == "application/pdf" and attached.size == len(PDF) and not attached.warnings
    EditableDocument(document).apply(attached.edit)
    saved = read_bytes(render(document, syntax))
    view = message_view(saved)
    binaries = [a for a in view.attachments if a.content_type == "application/pdf"]
    assert binaries and binaries[-1].data() == PDF
    binary = binaries[-1].node
    assert binary.value_at("meta.profile") == catalogue().urls.attachment_binary_profile
    composition = view.composition
    assert composition is not None
    section = composition.children_named("section")[-1]
    assert section.value_at("entry.reference") == f"urn:uuid:{binary.value_at('id')}"
    assert attachment_name(view, binaries[-1]) == "letter.pdf"  # named by the section that refers to it
    assert validator.validate(saved).predicted == ("20013", "Success")
    assert schema.validate(etree.fromstring(render(saved, "xml")))


def test_files_need_a_document_in_a_document_event_and_make_one_elsewhere() -> None:
    with pytest.raises(ComposeError, match="attach the document first"):
        attach_file(built("ITK003D"), PDF, "letter.pdf")
    collection = built("ITK007C")
    EditableDocument(collection).apply(attach_file(collection, PDF, "report.pdf", ids=SequentialIds("c")).edit)
    payload = message_view(collection).payload
    assert payload is not None and payload.value_at("type") == "collection"
    assert payload.value_at("meta.profile") == catalogue().urls.payload_bundle_profile
    message = built("ITK014M")
    EditableDocument(message).apply(attach_file(message, b"hello\n", "note.txt", ids=SequentialIds("m")).edit)
    view = message_view(message)
    assert view.payload is not None and view.payload.name == "Binary" and view.focus


def test_size_and_type_warnings_name_the_code_a_receiver_answers() -> None:
    document = built("ITK014M")
    big = attach_file(document, b"x" * 2048, "big.txt", limit=1024)
    assert big.warnings == (
        "2.0 KB is past the receiver's limit of 1.0 KB: a receiver answers 20015 Message too large",
    )
    near = attach_file(document, b"y" * 900, "near.txt", limit=1024)
    assert near.message_size > 1024 and near.warnings[0].startswith("with it the message is about")
    assert "20015" in near.warnings[0]
    odd = attach_file(document, b"\x00\x01\x02binary", "thing.bin")
    assert odd.content_type == "application/octet-stream"
    assert any("20004" in w for w in odd.warnings)


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (PDF, "x.bin", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "scan", "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "photo.jpeg", "image/jpg"),
        (b"II*\x00" + b"\x00" * 20, "scan.tif", "image/tiff"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20, "letter.doc", "application/msword"),
        (_docx(), "letter.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("Dear Dr Jones,\nréférence\n".encode(), "letter", "text/plain"),
        (b"# notes\n", "notes.md", "text/plain"),
        (b"<html></html>", "page.html", "text/html"),
    ],
)
def test_content_types_are_detected_from_the_bytes(data: bytes, name: str, expected: str) -> None:
    assert detect_content_type(data, name)[0] == expected
    assert base64.b64decode(base64.b64encode(data)) == data


def test_a_file_is_a_payload_when_it_reads_as_fhir_and_an_attachment_otherwise() -> None:
    resource = read_fhir_file(b'<Patient xmlns="http://hl7.org/fhir"><id value="p1"/></Patient>', "p.xml")
    assert resource is not None and resource.root.name == "Patient" and resource.path == "p.xml"
    json_bundle = read_fhir_file(b'{"resourceType": "Bundle", "type": "collection"}', "b.json")
    assert json_bundle is not None and json_bundle.format == "json"
    # Not FHIR: attached as files (a PDF, plain text, XML or JSON of another kind).
    for data, name in (
        (PDF, "letter.pdf"),
        (b"hello", "note.txt"),
        (b"<note>x</note>", "n.xml"),
        (b'{"a": 1}', "a.json"),
    ):
        assert read_fhir_file(data, name) is None
    # Meant to be FHIR but broken: refused, saying where, rather than hidden in a Binary.
    with pytest.raises(ComposeError, match=r"cut\.xml looks like FHIR but cannot be read: .*line 1"):
        read_fhir_file(b'<Patient xmlns="http://hl7.org/fhir"><id value="p1"/>', "cut.xml")


def test_an_attachment_no_section_names_is_named_from_its_id() -> None:
    document = built("ITK007C")
    EditableDocument(document).apply(attach_file(document, PDF, "scan.pdf", ids=SequentialIds("c")).edit)
    view = message_view(document)
    [found] = view.attachments
    assert attachment_name(view, found) == found.suggested_name and found.suggested_name.endswith(".pdf")
