"""The shipped STU3 type index against the fhir.resources classes it is generated from."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from workbench.core import stu3
from workbench.core.resources import resource_path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))


def _shipped() -> dict:
    return json.loads(resource_path("stu3", "types.json").read_text())["types"]


def test_index_matches_the_installed_fhir_resources() -> None:
    gen_stu3 = pytest.importorskip("gen_stu3")
    types, _ = gen_stu3.build()
    shipped = {name: {k: v for k, v in spec.items() if k != "codes"} for name, spec in _shipped().items()}
    assert shipped == types, "resources/stu3 is stale: run tools/gen_stu3.py"


def test_code_lists_match_the_stu3_schema() -> None:
    from conftest import XSD, require_shared

    gen_stu3 = pytest.importorskip("gen_stu3")
    shipped = _shipped()
    expected = gen_stu3.xsd_codes(require_shared(XSD), shipped)
    assert {t: spec["codes"] for t, spec in shipped.items() if "codes" in spec} == expected
    assert stu3.element_def("OperationOutcomeIssue", "code").codes >= {"invalid", "processing", "informational"}


@pytest.mark.parametrize(
    ("type_name", "element", "type_code", "minimum", "many"),
    [
        ("MessageHeader", "event", "Coding", 1, False),
        ("MessageHeader", "focus", "Reference", 0, True),
        ("MessageHeader", "timestamp", "instant", 1, False),
        ("Bundle", "entry", "BundleEntry", 0, True),
        ("BundleEntry", "resource", "Resource", 0, False),
        ("Observation", "valueQuantity", "Quantity", 0, False),
        ("Quantity", "value", "decimal", 0, False),
        ("HumanName", "given", "string", 0, True),
        ("Narrative", "div", "xhtml", 1, False),
        ("Extension", "url", "uri", 1, False),
    ],
)
def test_known_elements(type_name: str, element: str, type_code: str, minimum: int, many: bool) -> None:
    found = stu3.element_def(type_name, element)
    assert found is not None
    assert (found.type, found.min, found.max_many) == (type_code, minimum, many)


def test_order_choice_and_targets() -> None:
    header = stu3.type_def("MessageHeader")
    names = list(header.elements)
    assert names.index("event") < names.index("sender") < names.index("source") < names.index("focus")
    assert {e.name for e in stu3.type_def("Observation").choice_variants("value")} >= {
        "valueQuantity",
        "valueString",
        "valueBoolean",
    }
    assert stu3.element_def("MessageHeader", "sender").targets == ("Organization", "Practitioner")
    assert stu3.element_def("Patient", "birthDate").json_kind == "string"
    assert stu3.element_def("Patient", "active").json_kind == "boolean"
    assert stu3.element_def("Quantity", "value").json_kind == "number"


def test_resource_types_and_definitions() -> None:
    assert stu3.is_resource_type("MessageHeader") and not stu3.is_resource_type("DomainResource")
    assert not stu3.is_resource_type("HumanName")
    assert len(stu3.resource_types()) == 118
    short, text = stu3.definition("MessageHeader", "event")
    assert short and "event" in text.lower()


def test_node_paths_with_a_memo_are_the_same_as_without() -> None:
    from workbench.core.acks.sample import sample_message
    from workbench.core.clock import SequentialIds, VirtualClock
    from workbench.core.codecs import read_bytes, render
    from workbench.core.stu3.paths import node_path

    document = read_bytes(render(sample_message(clock=VirtualClock(), ids=SequentialIds("memo")), "json"))
    memo: dict[int, dict[int, tuple[int, int]]] = {}
    nodes = list(document.root.iter())
    assert [node_path(n, memo) for n in nodes] == [node_path(n) for n in nodes]
    assert memo  # it remembered the parents' child positions
