"""Line spans of nodes in their source text, and alignment of a tree with its re-read rendering."""

from __future__ import annotations

import pytest
from conftest import EXAMPLES, require_shared

from workbench.core.codecs import read_bytes, read_file, render
from workbench.core.spans import align, align_pairs, line_span
from workbench.core.stu3.paths import node_path
from workbench.core.tree import COMMENT, Node

ITK009D = EXAMPLES / "FHIR_MESH" / "test_messages" / "ITK009D_ITK_Immunization_Document.xml"

XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- before the root -->
<Bundle xmlns="http://hl7.org/fhir">
  <id value="b1"/>
  <type value="message"/>
  <entry>
    <fullUrl value="urn:uuid:p1"/>
    <resource>
      <Patient>
        <id value="p1"/>
        <!-- a two-line
             comment -->
        <name>
          <family value="Smith"/>
          <given value="Jo"/>
        </name>

        <birthDate value="1970-01-01"/>
      </Patient>
    </resource>
  </entry>
</Bundle>
<!-- after the root -->
"""


def lines_of(document, span: tuple[int, int]) -> list[str]:
    """Return the stripped text of the lines in a span."""
    text = document.text.split("\n")
    return [line.strip() for line in text[span[0] - 1 : span[1]]]


@pytest.fixture
def doc():
    return read_bytes(XML)


def test_element_with_children_ends_at_its_end_tag(doc) -> None:
    name = doc.root.find("entry.resource.Patient.name")
    assert lines_of(doc, line_span(doc, name)) == [
        "<name>",
        '<family value="Smith"/>',
        '<given value="Jo"/>',
        "</name>",
    ]


def test_leaf_is_one_line_and_last_child_does_not_take_parents_end_tags(doc) -> None:
    patient = doc.root.find("entry.resource.Patient")
    birth = patient.child("birthDate")
    assert line_span(doc, birth) == (18, 18)
    given = patient.find("name.given")
    assert line_span(doc, given) == (15, 15)
    # The resource keeps its own end tag but not the wrapper's nor the entry's.
    assert lines_of(doc, line_span(doc, patient))[-1] == "</Patient>"
    assert lines_of(doc, line_span(doc, doc.root.child("entry")))[-1] == "</entry>"


def test_root_spans_to_its_end_tag_not_the_epilog(doc) -> None:
    assert line_span(doc, doc.root) == (3, 22)
    assert doc.text.split("\n")[21] == "</Bundle>"


def test_comments_span_their_own_lines(doc) -> None:
    comment = next(n for n in doc.root.iter() if n.kind == COMMENT)
    assert line_span(doc, comment) == (11, 12)
    assert line_span(doc, doc.prolog[0]) == (2, 2)
    assert line_span(doc, doc.epilog[0]) == (23, 23)


def test_node_without_position_takes_first_positioned_descendant(doc) -> None:
    patient = doc.root.find("entry.resource.Patient")
    name = patient.child("name")
    name.src = -1  # as if built in memory around children read from the source
    assert line_span(doc, name) == (14, 16)
    added = patient.append(Node("gender", value="female"))
    assert line_span(doc, added) is None


def test_json_spans_close_objects_and_arrays_but_not_parents() -> None:
    data = b"""{
  "resourceType": "Patient",
  "id": "p1",
  "name": [
    {
      "family": "Smith",
      "given": [
        "Jo"
      ]
    }
  ],
  "birthDate": "1970-01-01"
}
"""
    doc = read_bytes(data)
    name = doc.root.child("name")
    assert lines_of(doc, line_span(doc, name)) == ["{", '"family": "Smith",', '"given": [', '"Jo"', "]", "}"]
    assert line_span(doc, name.child("given")) == (8, 8)
    assert line_span(doc, doc.root.child("birthDate")) == (12, 12)
    assert line_span(doc, doc.root) == (1, 13)


def test_align_identical_structures_pairs_every_node(doc) -> None:
    rendered = read_bytes(render(doc, "xml"))
    mapping = align(doc.root, rendered.root)
    nodes = list(doc.root.iter())
    assert len(mapping) == len(nodes)
    for node in nodes:
        assert node_path(mapping[id(node)]) == node_path(node)


def test_align_falls_back_to_paths_when_structures_differ(doc) -> None:
    # Plain FHIR JSON has no comments: the comment has no partner, everything else has.
    plain = read_bytes(render(doc, "json", plain=True))
    pairs = list(align_pairs(doc.root, plain.root))
    expected = [n for n in doc.root.iter() if n.kind != COMMENT]
    assert len(pairs) == len(expected)
    for a, b in pairs:
        assert (a.name, a.kind, a.value) == (b.name, b.kind, b.value)
        assert node_path(a) == node_path(b)


def test_align_pairs_reordered_children_by_name_and_occurrence() -> None:
    a = read_bytes(
        b'<Patient xmlns="http://hl7.org/fhir"><id value="1"/><gender value="male"/>'
        b'<name><given value="A"/></name><name><given value="B"/></name></Patient>'
    )
    b = read_bytes(
        b'<Patient xmlns="http://hl7.org/fhir"><id value="1"/><name><given value="A"/></name>'
        b'<name><given value="B"/></name><gender value="male"/></Patient>'
    )
    mapping = align(a.root, b.root)
    second = a.root.children_named("name")[1]
    assert mapping[id(second)].find("given").value == "B"
    assert mapping[id(a.root.child("gender"))].value == "male"


def test_real_example_spans_and_rendered_alignment() -> None:
    document = read_file(require_shared(ITK009D))
    header = document.root.find("entry.resource.MessageHeader")
    event = header.child("event")
    span = line_span(document, event)
    assert span[0] == document.position(event)[0]
    assert lines_of(document, span)[0] == "<event>" and lines_of(document, span)[-1] == "</event>"
    for syntax in ("xml", "json"):
        rendered = read_bytes(render(document, syntax))
        mapping = align(document.root, rendered.root)
        assert len(mapping) == sum(1 for _ in document.root.iter())
        twin = mapping[id(event)]
        first, last = line_span(rendered, twin)
        assert rendered.node_at(*rendered.position(twin)) is twin
        text = "\n".join(lines_of(rendered, (first, last)))
        assert "ITK009D" in text and "ITK Digital Medicine Immunization Document" in text
    # Every node's span starts at its position and never runs backwards.
    for node in document.root.iter():
        found = line_span(document, node)
        assert found is not None and found[0] == document.position(node)[0] <= found[1]
