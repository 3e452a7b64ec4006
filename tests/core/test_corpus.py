"""The real published examples in ../shared/itk3/examples: every one reads, round-trips, and
the ones that are not well-formed give an error with line and column.
"""

from __future__ import annotations

import csv
import json

import pytest
from conftest import EXAMPLES, canonical_xml, require_shared

from workbench.core.codecs import read_file, read_json, read_xml, write_json, write_xml
from workbench.core.compare import first_difference
from workbench.core.errors import ReadError
from workbench.core.tree import COMMENT, RESOURCE


def _rows() -> list[dict[str, str]]:
    manifest = EXAMPLES / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    with manifest.open(encoding="utf-8") as handle:
        return [r for r in csv.DictReader(handle, delimiter="\t") if r["kind"] != "other"]


ROWS = _rows()
XML_ROWS = [r for r in ROWS if r["format"] == "xml"]
JSON_ROWS = [r for r in ROWS if r["format"] == "json"]
NOT_WELL_FORMED = {r["local_path"] for r in XML_ROWS if "NOT well-formed" in r["notes"]}


def _same_json(ours: object, original: object) -> bool:
    """Equal JSON, allowing only what the writer corrects to STU3 (the validator reports it):
    a number or boolean the original gave as a string, and a one-item array the original gave
    as a bare value; and for an element STU3 does not define (DSTU2's MessageHeader.data,
    Immunization.wasNotGiven), that its JSON type or one-item array cannot survive XML."""
    if isinstance(ours, list) and len(ours) == 1 and not isinstance(original, list):
        ours = ours[0]
    if isinstance(original, list) and len(original) == 1 and not isinstance(ours, list):
        original = original[0]
    if isinstance(original, str) and isinstance(ours, bool | int | float):
        return json.dumps(ours) == original
    if isinstance(ours, str) and isinstance(original, bool | int | float):
        return json.dumps(original) == ours
    if type(ours) is not type(original):
        return False
    if isinstance(ours, dict):
        return ours.keys() == original.keys() and all(_same_json(ours[k], original[k]) for k in ours)
    if isinstance(ours, list):
        return len(ours) == len(original) and all(_same_json(a, b) for a, b in zip(ours, original, strict=True))
    return ours == original


def _ids(row: dict[str, str]) -> str:
    return row["local_path"]


pytestmark = pytest.mark.corpus


def test_the_manifest_is_there() -> None:
    require_shared(EXAMPLES / "MANIFEST.tsv")
    assert len(XML_ROWS) > 200 and len(JSON_ROWS) > 50
    assert len(NOT_WELL_FORMED) == 8


@pytest.mark.parametrize("row", [r for r in XML_ROWS if r["local_path"] not in NOT_WELL_FORMED], ids=_ids)
def test_xml_example_round_trips(row: dict[str, str]) -> None:
    path = require_shared(EXAMPLES / row["local_path"])
    document = read_file(path)
    original = canonical_xml(document.source)
    assert canonical_xml(write_xml(document)) == original, "XML -> tree -> XML changed the infoset"
    through_json = read_json(write_json(document))
    assert first_difference(document.root, through_json.root) is None
    assert canonical_xml(write_xml(through_json)) == original, "XML -> JSON -> XML changed the infoset"


@pytest.mark.parametrize("row", JSON_ROWS, ids=_ids)
def test_json_example_round_trips(row: dict[str, str]) -> None:
    path = require_shared(EXAMPLES / row["local_path"])
    document = read_file(path)
    assert document.root.kind == RESOURCE
    through_xml = read_xml(write_xml(document))
    assert first_difference(document.root, through_xml.root) is None
    original = json.loads(document.source)
    # JSON -> tree -> JSON, and JSON -> XML -> JSON, give the original back (fhir_comments
    # included), member order and number text aside, and where the writer corrects to STU3.
    assert _same_json(json.loads(write_json(document)), original)
    assert _same_json(json.loads(write_json(through_xml)), original)


@pytest.mark.parametrize("row", [r for r in XML_ROWS if r["local_path"] in NOT_WELL_FORMED], ids=_ids)
def test_not_well_formed_examples_give_line_and_column(row: dict[str, str]) -> None:
    path = require_shared(EXAMPLES / row["local_path"])
    with pytest.raises(ReadError) as caught:
        read_file(path)
    assert caught.value.line == 1 and caught.value.column == 1
    assert "Jekyll" in caught.value.message and str(path) in str(caught.value)


def test_positions_point_at_each_element_start() -> None:
    path = require_shared(EXAMPLES / "FHIR_MESH" / "test_messages" / "ITK009D_ITK_Immunization_Document.xml")
    document = read_file(path)
    lines = document.text.split("\n")
    checked = 0
    for node in document.root.iter():
        if node.kind == COMMENT:
            continue
        line, column = document.position(node)
        assert lines[line - 1][column - 1 :].startswith("<" + node.name)
        assert document.node_at(line, column) is node
        checked += 1
    assert checked > 400


def test_json_positions_point_at_each_key() -> None:
    path = require_shared(
        EXAMPLES
        / "Digital-Child-Health"
        / "Generated"
        / "Examples"
        / "Profile.BloodSpot"
        / "DCH-Bundle-NewbornBloodSpotSampleTaken.json"
    )
    document = read_file(path)
    lines = document.text.split("\n")
    checked = 0
    for node in document.root.iter():
        if node.parent is None or node.kind == RESOURCE:
            continue
        line, column = document.position(node)
        text = lines[line - 1][column - 1 :]
        assert text.startswith((f'"{node.name}"', f'"_{node.name}"', '"', "{", "-")) or text[:1].isdigit()
        checked += 1
    assert checked > 100
