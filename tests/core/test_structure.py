"""The structure layer: agreement with the STU3 XML schema, and the JSON-only rules."""

from __future__ import annotations

import copy
import csv
import random

import pytest
from conftest import EXAMPLES, XSD, require_shared
from lxml import etree

from workbench.core.validation.runner import Validator

STRUCTURE = Validator(layers=("syntax", "structure"))
BASE = Validator(layers=("structure",))
_SAFE = etree.XMLParser(resolve_entities=False, no_network=True)
FHIR = "{http://hl7.org/fhir}"
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(require_shared(XSD))))


def _structure_ok(data: bytes) -> bool:
    report = STRUCTURE.validate_bytes(data)
    return not any(i.layer in ("syntax", "structure") and i.is_error for i in report.issues)


def _rules(data: bytes, validator: Validator = BASE) -> list[str]:
    return [i.rule for i in validator.validate_bytes(data).issues if i.is_error]


@pytest.mark.corpus
def test_agrees_with_the_schema_on_every_xml_example(schema: etree.XMLSchema) -> None:
    manifest = require_shared(EXAMPLES / "MANIFEST.tsv")
    with manifest.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["format"] == "xml" and r["kind"] != "other"]
    disagreements = []
    compared = 0
    for row in rows:
        path = EXAMPLES / row["local_path"]
        try:
            document = etree.parse(str(path), _SAFE)
        except etree.XMLSyntaxError:
            continue
        compared += 1
        if schema.validate(document) != _structure_ok(path.read_bytes()):
            disagreements.append(row["local_path"])
    assert compared == 258 and disagreements == []


_BAD_VALUES = [
    "",
    "x y",
    "2024-13-01",
    "abc",
    "1.0e2",
    "-0",
    "true ",
    "urn:uuid:ABC",
    "2024-02-30T10:00:00Z",
    "99999999999",
    "a%zz",
    "1:2",
]
_MUTATED = [
    "FHIR_MESH/test_messages/TC-10010-outbox-log-content-clear.xml",
    "STU3-FHIR-Assets/Examples/ITK-Response-20013-Example-1.xml",
    "STU3-FHIR-Assets/Examples/ITK-EDIS-Example-1.xml",
]


def _mutate(root: etree._Element, rng: random.Random) -> bool:
    fhir = [e for e in root.iter() if isinstance(e.tag, str) and e.tag.startswith(FHIR) and e is not root]
    xhtml = [e for e in root.iter() if isinstance(e.tag, str) and e.tag.startswith(XHTML)]
    if xhtml and rng.random() < 0.25:
        element = rng.choice(xhtml)
        operation = rng.choice(["script", "p-in-p", "onclick", "li", "attr", "text-in-ul"])
        if operation == "script":
            etree.SubElement(element, XHTML + "script").text = "x"
        elif operation == "p-in-p":
            etree.SubElement(etree.SubElement(element, XHTML + "p"), XHTML + "p").text = "x"
        elif operation == "onclick":
            element.set("onclick", "x")
        elif operation == "li":
            etree.SubElement(element, XHTML + "li").text = "x"
        elif operation == "attr":
            element.set(rng.choice(["style", "class", "foo", "href"]), "x")
        else:
            etree.SubElement(element, XHTML + "ul").text = "x"
        return True
    element = rng.choice(fhir)
    parent = element.getparent()
    operation = rng.choice(["delete", "duplicate", "swap", "rename", "value", "attribute", "text", "id"])
    if operation == "delete":
        parent.remove(element)
    elif operation == "duplicate":
        parent.insert(parent.index(element) + 1, copy.deepcopy(element))
    elif operation == "swap":
        following = element.getnext()
        if following is None or not isinstance(following.tag, str):
            return False
        parent.remove(following)
        parent.insert(parent.index(element), following)
    elif operation == "rename":
        element.tag = FHIR + rng.choice(["foo", "valueFoo", "Patient", "status", "code", "div"])
    elif operation == "value":
        if element.get("value") is None:
            return False
        element.set("value", rng.choice(_BAD_VALUES))
    elif operation == "attribute":
        element.set(rng.choice(["foo", "url", "value"]), "x")
    elif operation == "text":
        element.text = "junk"
    else:
        element.set("id", rng.choice(["", "a b", "x"]))
    return True


@pytest.mark.corpus
@pytest.mark.parametrize("name", _MUTATED)
def test_agrees_with_the_schema_on_mutated_messages(schema: etree.XMLSchema, name: str) -> None:
    """Random damage to a real message: our structure verdict and the schema's must agree."""
    original = etree.parse(str(require_shared(EXAMPLES / name)), _SAFE).getroot()
    rng = random.Random(name)
    compared = 0
    disagreements = []
    while compared < 80:
        root = copy.deepcopy(original)
        if not _mutate(root, rng):
            continue
        data = etree.tostring(root)
        compared += 1
        if schema.validate(etree.fromstring(data)) != _structure_ok(data):
            disagreements.append(str(schema.error_log.last_error)[:160])
    assert disagreements == []


def _patient_xml(body: str) -> bytes:
    return f'<Patient xmlns="http://hl7.org/fhir">{body}</Patient>'.encode()


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ('<active value="true"/><id value="p"/>', "struct-order"),
        ('<colour value="blue"/>', "struct-unknown-element"),
        ('<gender value="femal"/>', "struct-code"),
        ('<birthDate value="2023-02-29"/>', "struct-value"),
        ('<active value="true"/><active value="false"/>', "struct-max"),
        ("<name><text>Jo</text></name>", "struct-text"),
        ('<name foo="x"><text value="Jo"/></name>', "struct-attribute"),
        ('<extension><valueString value="x"/></extension>', "struct-extension-url"),
        (
            '<text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><script>x</script></div></text>',
            "struct-xhtml",
        ),
        ('<link><type value="seealso"/></link>', "struct-required"),
    ],
)
def test_schema_rules_by_example(body: str, rule: str) -> None:
    assert rule in _rules(_patient_xml(body))


@pytest.mark.parametrize(
    ("resource", "rule"),
    [
        ('{"resourceType": "Patient", "name": {"family": "Smith"}}', "struct-json-array"),
        ('{"resourceType": "Patient", "gender": ["male"]}', "struct-json-array"),
        ('{"resourceType": "Patient", "active": "true"}', "struct-json-type"),
        ('{"resourceType": "Patient", "multipleBirthInteger": "2"}', "struct-json-type"),
        ('{"resourceType": "Patient", "gender": 1}', "struct-json-type"),
        ('{"resourceType": "Patinet"}', "struct-unknown-resource"),
        ('{"resourceType": "Patient", "birthdate": "1970"}', "struct-unknown-element"),
    ],
)
def test_json_rules_by_example(resource: str, rule: str) -> None:
    assert rule in _rules(resource.encode())


def test_base_definition_rules_are_profile_errors_not_schema_errors() -> None:
    data = b'<Observation xmlns="http://hl7.org/fhir"><status value="final"/><code><text value="x"/></code><issued value="2024-03-01T09:30:00"/><valueQuantity><value value="1"/></valueQuantity><valueString value="x"/></Observation>'
    issues = BASE.validate_bytes(data).issues
    assert {i.rule for i in issues if i.layer == "structure"} == set()
    assert {(i.layer, i.rule) for i in issues} == {("profile", "fhir-choice"), ("profile", "fhir-value")}


def test_valid_documents_give_no_structure_issues() -> None:
    assert (
        _rules(
            _patient_xml(
                '<id value="p"/><name><family value="Smith"/><given value="Jo"/></name><gender value="female"/>'
            )
        )
        == []
    )
    assert (
        _rules(b'{"resourceType": "Patient", "name": [{"given": ["Jo"]}], "active": true, "multipleBirthInteger": 2}')
        == []
    )


def test_unknown_element_hint_suggests_the_right_name() -> None:
    [issue] = [i for i in BASE.validate_bytes(_patient_xml('<birthdate value="1970"/>')).issues if i.is_error]
    assert issue.hint == "did you mean 'birthDate'?"
    assert (issue.line, issue.column, issue.path) == (1, 38, "Patient.birthdate")
    [choice] = [
        i
        for i in BASE.validate_bytes(
            b'{"resourceType": "Observation", "status": "final", "code": {}, "value": 1}'
        ).issues
        if i.rule == "struct-unknown-element"
    ]
    assert "valueQuantity" in choice.hint
