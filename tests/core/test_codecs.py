"""XML and JSON readers and writers over small hand-made documents: fidelity, FHIR JSON rules."""

from __future__ import annotations

import json

import pytest
from conftest import canonical_xml

from workbench.core.codecs import read_bytes, read_json, read_xml, write_json, write_xml
from workbench.core.compare import first_difference
from workbench.core.errors import WriteError
from workbench.core.tree import COMMENT, RESOURCE, XHTML, JsonLiteral, JsonNumber

PATIENT_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- a prolog comment -->
<Patient xmlns="http://hl7.org/fhir">
  <id value="p1"/>
  <text>
    <status value="generated"/>
    <div xmlns="http://www.w3.org/1999/xhtml"><p>Jo <b>Smith</b> &amp; co</p><br/></div>
  </text>
  <contained>
    <Organization>
      <id value="org1"/>
      <name value="Clinic"/>
    </Organization>
  </contained>
  <extension url="http://example.org/weight">
    <valueQuantity>
      <value value="72.50"/>
      <unit value="kg"/>
    </valueQuantity>
  </extension>
  <!-- before the name -->
  <name>
    <family value="Smith"/>
    <given value="Jo"/>
    <given id="g2" value="Ann">
      <extension url="http://example.org/pronounced">
        <valueString value="Anne"/>
      </extension>
    </given>
  </name>
  <birthDate id="bd">
    <extension url="http://hl7.org/fhir/StructureDefinition/data-absent-reason">
      <valueCode value="unknown"/>
    </extension>
  </birthDate>
  <deceasedBoolean value="false"/>
  <managingOrganization>
    <reference value="#org1"/>
  </managingOrganization>
</Patient>
"""


def test_xml_reads_into_the_expected_tree() -> None:
    document = read_xml(PATIENT_XML)
    root = document.root
    assert (root.name, root.kind) == ("Patient", RESOURCE)
    assert root.value_at("id") == "p1"
    assert document.prolog[0].value == " a prolog comment "
    div = root.find("text.div")
    assert div is not None and div.kind == XHTML
    assert div.value == '<div xmlns="http://www.w3.org/1999/xhtml"><p>Jo <b>Smith</b> &amp; co</p><br/></div>'
    organisation = root.find("contained.*")
    assert organisation is not None and organisation.name == "Organization"
    given = root.find("name").children_named("given")
    assert [g.value for g in given] == ["Jo", "Ann"]
    assert given[1].id == "g2" and given[1].children[0].url == "http://example.org/pronounced"
    birth = root.child("birthDate")
    assert birth.value is None and birth.id == "bd" and birth.children[0].name == "extension"
    assert [c.kind for c in root.children].count(COMMENT) == 1


def test_xml_round_trip_keeps_the_infoset() -> None:
    document = read_xml(PATIENT_XML)
    assert canonical_xml(write_xml(document)) == canonical_xml(PATIENT_XML)


def test_xml_json_xml_gives_the_same_tree_and_infoset() -> None:
    document = read_xml(PATIENT_XML)
    through_json = read_json(write_json(document))
    assert first_difference(document.root, through_json.root) is None
    assert canonical_xml(write_xml(through_json)) == canonical_xml(PATIENT_XML)
    assert [c.value for c in through_json.prolog] == [" a prolog comment "]


def test_json_follows_the_fhir_json_rules() -> None:
    out = json.loads(write_json(read_xml(PATIENT_XML), plain=True))
    assert out["resourceType"] == "Patient" and out["id"] == "p1"
    assert out["name"] == [  # name is 0..* in STU3: an array even with one item
        {
            "family": "Smith",
            "given": ["Jo", "Ann"],
            "_given": [
                None,
                {"id": "g2", "extension": [{"url": "http://example.org/pronounced", "valueString": "Anne"}]},
            ],
        }
    ]
    assert "birthDate" not in out  # no value: only the companion
    assert out["_birthDate"] == {
        "id": "bd",
        "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}],
    }
    assert out["deceasedBoolean"] is False  # a boolean, not the string "false"
    assert out["contained"][0]["resourceType"] == "Organization"
    assert out["text"]["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
    assert "@xml" not in out


def test_decimal_lexical_form_survives_every_round_trip() -> None:
    text = write_json(read_xml(PATIENT_XML)).decode()
    assert '"value": 72.50' in text  # a JSON number with its trailing zero
    again = read_json(text.encode())
    value = again.root.find("extension.valueQuantity.value")
    assert value is not None and value.value == "72.50" and isinstance(value.value, JsonNumber)
    assert b'<value value="72.50"/>' in write_xml(again)


@pytest.mark.parametrize(
    "lexical",
    ["72.50", "0.000", "-1.10", "12345678901234567890.123456789", "1.0e2", "100"],
)
def test_decimals_keep_their_text(lexical: str) -> None:
    source = f'{{"resourceType": "Observation", "status": "final", "valueQuantity": {{"value": {lexical}}}}}'
    document = read_json(source.encode())
    xml = write_xml(document)
    assert f'<value value="{lexical}"/>'.encode() in xml
    assert f'"value": {lexical}'.encode() in write_json(read_xml(xml))


@pytest.mark.parametrize(
    "instant",
    [
        "2024-03-01T09:30:00.000Z",
        "2024-03-01T09:30:00Z",
        "2024-03-01T09:30:00.120+00:00",
        "2024-03-01T10:05:00.5+01:00",
    ],
)
def test_instants_keep_their_text(instant: str) -> None:
    xml = f'<MessageHeader xmlns="http://hl7.org/fhir"><timestamp value="{instant}"/></MessageHeader>'.encode()
    through = read_json(write_json(read_xml(xml)))
    assert through.root.value_at("timestamp") == instant
    assert f'value="{instant}"'.encode() in write_xml(through)


def test_json_booleans_and_numbers_keep_their_json_type() -> None:
    document = read_json(b'{"resourceType": "Patient", "active": true, "multipleBirthInteger": 2, "gender": "true"}')
    assert isinstance(document.root.child("active").value, JsonLiteral)
    assert isinstance(document.root.child("multipleBirthInteger").value, JsonNumber)
    assert type(document.root.child("gender").value) is str


def test_json_companion_before_value_and_null_items_merge() -> None:
    source = b"""{"resourceType": "Patient",
      "name": [{"_given": [{"id": "a"}, null], "given": ["Jo", "Ann"]}],
      "_birthDate": {"extension": [{"url": "u", "valueCode": "x"}]}, "birthDate": "1970"}"""
    root = read_json(source).root
    given = root.find("name").children_named("given")
    assert [(g.value, g.id) for g in given] == [("Jo", "a"), ("Ann", None)]
    birth = root.child("birthDate")
    assert birth.value == "1970" and birth.children[0].url == "u"


def test_json_to_xml_to_json_is_stable() -> None:
    source = json.dumps(
        {
            "resourceType": "Bundle",
            "id": "b",
            "type": "collection",
            "entry": [
                {
                    "fullUrl": "urn:uuid:1",
                    "resource": {
                        "resourceType": "Observation",
                        "id": "1",
                        "status": "final",
                        "code": {"text": "weight"},
                        "valueQuantity": {"value": 1.50, "unit": "kg"},
                        "component": [{"code": {"text": "a"}, "valueString": "b"}],
                    },
                }
            ],
        }
    ).encode()
    first = read_json(source)
    again = read_json(write_json(read_xml(write_xml(first))))
    assert first_difference(first.root, again.root) is None
    assert json.loads(write_json(again)) == json.loads(source)


def test_normalise_puts_elements_in_stu3_order() -> None:
    source = b'<Observation xmlns="http://hl7.org/fhir"><code><text value="x"/></code><status value="final"/><id value="o"/></Observation>'
    document = read_xml(source)
    faithful = write_xml(document).decode()
    assert faithful.index("<code>") < faithful.index("<status") < faithful.index("<id ")
    ordered = write_xml(document, normalise=True).decode()
    assert ordered.index("<id ") < ordered.index("<status") < ordered.index("<code>")
    keys = list(json.loads(write_json(document, normalise=True)))
    assert keys == ["resourceType", "id", "status", "code"]


def test_xml_only_details_travel_through_json() -> None:
    source = (
        b'<Bundle xmlns="http://hl7.org/fhir" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        b'xsi:schemaLocation="http://hl7.org/fhir bundle.xsd"><type value="collection"/>'
        b"<entry><resource><!-- inside the wrapper --><Patient><name><text>stray text</text></name></Patient></resource></entry></Bundle>"
    )
    document = read_xml(source)
    as_json = write_json(document)
    assert json.loads(as_json)["@xml"]["attrs"] == {"xsi:schemaLocation": "http://hl7.org/fhir bundle.xsd"}
    back = read_json(as_json)
    assert canonical_xml(write_xml(back)) == canonical_xml(source)
    assert first_difference(document.root, back.root) is None
    assert "@xml" not in json.loads(write_json(document, plain=True))


def test_fragment_without_namespace_round_trips() -> None:
    source = b'<entry><fullUrl value="urn:uuid:1"/><resource><Observation><status value="final"/></Observation></resource></entry>'
    document = read_xml(source)
    assert document.root.name == "entry" and document.root.kind != RESOURCE
    back = read_json(write_json(document))
    assert canonical_xml(write_xml(back)) == canonical_xml(source)


def test_comment_text_is_written_literally() -> None:
    source = b'<Patient xmlns="http://hl7.org/fhir"><!-- a & b < c --><active value="true"/></Patient>'
    assert b"<!-- a & b < c -->" in write_xml(read_xml(source))
    assert b"<!-- a & b < c -->" in write_xml(read_json(write_json(read_xml(source))))


def test_special_characters_are_escaped_and_survive() -> None:
    tricky = 'Tab\there "quoted" <tag> & amp\nnew line'
    source = json.dumps({"resourceType": "Patient", "name": [{"text": tricky}]}).encode()
    xml = write_xml(read_json(source))
    assert read_xml(xml).root.find("name.text").value == tricky


def test_unwritable_characters_give_a_write_error_naming_the_path() -> None:
    document = read_json(b'{"resourceType": "Patient", "name": [{"text": "bell \\u0007"}]}')
    with pytest.raises(WriteError, match=r"Patient\.name\[0\]\.text"):
        write_xml(document)


def test_malformed_narrative_from_json_is_refused_when_writing_xml() -> None:
    document = read_json(b'{"resourceType": "Patient", "text": {"status": "generated", "div": "<div>unclosed"}}')
    with pytest.raises(WriteError, match="narrative"):
        write_xml(document)


def test_unknown_elements_are_kept_both_ways() -> None:
    source = b'<Patient xmlns="http://hl7.org/fhir"><colour value="blue"/><colour value="red"/><mood><level value="3"/></mood></Patient>'
    document = read_xml(source)
    back = read_json(write_json(document))
    assert first_difference(document.root, back.root) is None


def test_sniffing_reads_either_syntax() -> None:
    assert read_bytes(b'  {"resourceType": "Patient"}').format == "json"
    assert read_bytes(b'\xef\xbb\xbf<Patient xmlns="http://hl7.org/fhir"/>').format == "xml"


def test_gc_pause_is_restored_only_after_overlapping_pauses_in_threads() -> None:
    import gc
    import threading

    from workbench.core.tree import gc_paused

    assert gc.isenabled()
    inside = threading.Event()
    release = threading.Event()

    def worker() -> None:
        with gc_paused():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=worker)
    thread.start()
    inside.wait(5)
    with gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled(), "the other thread's pause is still running"
    release.set()
    thread.join(5)
    assert gc.isenabled()
