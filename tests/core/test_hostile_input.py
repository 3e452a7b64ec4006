"""Hostile and huge messages: bounded memory, linear time, clear errors, faithful output.

Inputs are generated here, at the smallest size that still shows each defect. Work that a
regression would make quadratic or memory-hungry runs in a child process bounded in CPU seconds
and address space (:mod:`bounded`): before the fixes, 20,000 unresolved references on one line
took 35-116 s and a 10 MB base64 Binary 400 MB.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from bounded import PROJECT, run_bounded

from workbench.core import positions
from workbench.core.codecs import read_bytes, render
from workbench.core.codecs import xml_read as xml_reader
from workbench.core.errors import ReadError, WriteError, shorten, shorten_words
from workbench.core.tree import COMMENT, Node
from workbench.core.validation import runner
from workbench.core.validation.primitives import check_value
from workbench.core.validation.runner import Validator

MB = 1024 * 1024

sys.path.insert(0, str(PROJECT / "benchmarks"))
try:
    from generate import big_message, unresolved_references
finally:
    sys.path.remove(str(PROJECT / "benchmarks"))

# ---- generated messages ---------------------------------------------------------------------------


def shared_full_urls(count: int) -> bytes:
    entries = "".join(
        f'<entry><fullUrl value="urn:uuid:same"/><resource><Basic><id value="b{i}"/><code><text value="x"/></code>'
        "</Basic></resource></entry>"
        for i in range(count)
    )
    return f'<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/>{entries}</Bundle>'.encode()


# ---- memory ------------------------------------------------------------------------------------

_WARM = """
from workbench.core.codecs import read_file, render
from workbench.core.validation.runner import Validator
validator = Validator()
validator.validate_file(args["tiny"])
render(read_file(args["tiny"]), "json", plain=True)
"""
_VALIDATE_AND_CONVERT = """
report = validator.validate_file(args["path"])
document = read_file(args["path"])
out = render(document, "xml" if document.format == "json" else "json", plain=True)
result = [report.readable, sorted({i.rule for i in report.issues}), len(out)]
"""


@pytest.mark.parametrize("kind", ["json-string", "json-escapes", "json-binary", "xml-binary"])
def test_memory_stays_under_twenty_times_the_file_size(kind: str, tmp_path: Path) -> None:
    data = big_message(kind, 8 * MB)
    path = tmp_path / ("big.xml" if kind.startswith("xml") else "big.json")
    path.write_bytes(data)
    tiny = tmp_path / ("tiny" + path.suffix)
    tiny.write_bytes(big_message(kind, 64))
    readable, rules, written = run_bounded(  # type: ignore[misc]
        _VALIDATE_AND_CONVERT,
        warm=_WARM,
        args={"path": str(path), "tiny": str(tiny)},
        cpu_seconds=60,
        memory_budget=20 * len(data),
    )
    assert readable and written > len(data) // 2
    assert "validation-incomplete" not in rules  # a layer that ran out of memory would say so


# ---- time: work per finding, not per finding and sibling ---------------------------------------

_VALIDATE = """
from workbench.core.codecs import read_bytes
from workbench.core.validation.runner import Validator
report = Validator().validate(read_bytes(args["data"].encode(), args["name"]))
found = [i for i in report.issues if i.rule == args["rule"]]
result = [len(found), [[i.path, i.line, i.column] for i in found[:1] + found[-1:]]]
"""


@pytest.mark.parametrize("syntax", ["xml", "json"])
def test_20000_unresolved_references_on_one_line_are_reported_in_linear_time(syntax: str) -> None:
    data = unresolved_references(20_000, syntax)
    count, (first, last) = run_bounded(  # type: ignore[misc]
        _VALIDATE,
        args={"data": data.decode(), "name": f"refs.{syntax}", "rule": "bundle-ref-unresolved"},
        cpu_seconds=20,
    )
    assert count == 20_000
    text = data.decode()
    word = "<reference" if syntax == "xml" else '"reference"'
    assert first == ["Bundle.entry[0].resource.entry[0].item.reference", 1, text.index(word) + 1]
    assert last == ["Bundle.entry[0].resource.entry[19999].item.reference", 1, text.rindex(word) + 1]


def test_20000_entries_sharing_one_full_url_are_reported_in_linear_time() -> None:
    data = shared_full_urls(20_000)
    count, (first, last) = run_bounded(  # type: ignore[misc]
        _VALIDATE,
        args={"data": data.decode(), "name": "dup.xml", "rule": "bundle-fullurl-duplicate"},
        cpu_seconds=20,
    )
    assert count == 19_999
    assert first[0] == "Bundle.entry[1].fullUrl" and last[0] == "Bundle.entry[19999].fullUrl"


def test_positions_on_a_long_line_count_characters_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(positions, "_STEP", 16)  # checkpoints every 16 bytes: every lookup crosses some
    text = "<r>" + "".join(f"<a v='é€😀{i}'/>ü" for i in range(300)) + "\n<b/>" + "x" * 40 + "<c/></r>"
    for encoding, data in (
        ("utf-8", text.encode()),
        ("utf-8", b"\xef\xbb\xbf" + text.encode()),
        ("utf-16", text.encode("utf-16")),
        ("utf-16-be", b"\xfe\xff" + text.encode("utf-16-be")),
    ):
        index = positions.XmlPositions(data)
        decoded = data.decode("utf-8-sig" if encoding == "utf-8" else "utf-16")
        for match in re.finditer("<", decoded):
            before = decoded[: match.start()]
            expected = (before.count("\n") + 1, len(before) - before.rfind("\n"))
            offset = len(before.encode(encoding)) + (len(data) - len(decoded.encode(encoding)))
            assert index.line_col(offset) == expected, (encoding, match.start())
            assert index.offset_at(*expected) == offset


def test_long_attribute_values_are_read_in_one_pass_with_their_true_offsets(monkeypatch: pytest.MonkeyPatch) -> None:
    value = "QUJD" * 20_000
    data = (
        '<Bundle xmlns="http://hl7.org/fhir"><entry><resource><Binary><content value="'
        + value
        + '"/></Binary></resource></entry>\n<entry><resource><Patient><text><div xmlns="http://www.w3.org/1999/xhtml">'
        + f'<img src=\'{value}\' alt="é"/></div></text></Patient></resource></entry><type value="x"/></Bundle>'
    ).encode()
    fast = read_bytes(data)
    passes = []
    original = xml_reader._ExpatBuilder.parse

    def counted(self: object, *args: object) -> None:
        passes.append(args[-1] if len(args) > 2 else None)
        original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(xml_reader._ExpatBuilder, "parse", counted)
    assert read_bytes(data) is not None and len(passes) == 1 and passes[0] is not None
    monkeypatch.setattr(xml_reader, "LONG_VALUE", 10**9)  # the plain expat path, as a reference
    monkeypatch.setattr(xml_reader, "_LONG_VALUE", re.compile(rb"(?!)"))
    slow = read_bytes(data)
    snapshot = [(n.name, n.src, n.value, fast.position(n)) for n in fast.root.iter()]
    assert snapshot == [(n.name, n.src, n.value, slow.position(n)) for n in slow.root.iter()]
    assert fast.root.find("entry.resource.Binary.content").value == value  # type: ignore[union-attr]


def test_text_that_only_looks_like_a_long_value_is_kept() -> None:
    text = 'say x="' + "y" * 70_000 + '" twice'
    data = f'<Basic xmlns="http://hl7.org/fhir"><!--{text}--><code><text value="t"/></code></Basic>'.encode()
    document = read_bytes(data)
    assert document.root.children[0].kind == COMMENT and document.root.children[0].value == text


# ---- values that used to raise ------------------------------------------------------------------


def test_an_integer_of_5000_digits_is_out_of_range_not_a_crash() -> None:
    assert check_value("integer", "9" * 5000) == "is out of range for an integer (32-bit)"
    assert check_value("integer", "-2147483648") is None and check_value("integer", "2147483648") is not None


@pytest.mark.parametrize("value", ["urn:oid:1" + ".1" * 300_000, "urn:oid:1.02", "urn:oid:1..2", "urn:oid:1."])
def test_oids_are_checked_without_per_part_state(value: str) -> None:
    assert (check_value("oid", value) is None) == (value.count(".") > 1000)


def test_a_failing_layer_becomes_a_finding(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken(context: object) -> list:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(runner, "LAYER_CHECKS", (("structure", broken), *runner.LAYER_CHECKS[1:]))
    report = Validator(None, layers=("syntax", "structure", "bundle")).validate(
        read_bytes(b'{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"a"},{"fullUrl":"a"}]}')
    )
    failed = [i for i in report.issues if i.rule == "validation-incomplete"]
    assert [(i.layer, i.severity) for i in failed] == [("structure", "error")]
    assert "RecursionError" in failed[0].message and not report.valid
    assert {i.rule for i in report.issues if i.layer == "bundle"} == {"bundle-entry-empty", "bundle-fullurl-duplicate"}
    assert "the structure layer failed" in caplog.text


# ---- JSON that cannot be FHIR ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ('{"resourceType":"Patient","id":"a\\ud800b"}', 34),
        ('{"resourceType":"Patient","\\udc00x":"1"}', 28),
        ('{"resourceType":"Patient","id":"\\ude00\\ud83d"}', 33),
    ],
)
def test_a_lone_surrogate_is_refused_with_its_place(text: str, column: int) -> None:
    with pytest.raises(ReadError, match="half of a surrogate pair") as caught:
        read_bytes(text.encode(), "s.json")
    assert (caught.value.line, caught.value.column, caught.value.file) == (1, column, "s.json")


def test_surrogate_pairs_and_escaped_backslashes_are_text() -> None:
    document = read_bytes(b'{"resourceType":"Patient","id":"a\\ud83d\\ude00","language":"\\\\ud800"}')
    assert document.root.value_at("id") == "a😀" and document.root.value_at("language") == "\\ud800"


@pytest.mark.parametrize("resource_type", ["5", "true", '""', '"5"', '"<Patient/>"', '"Pat ient"', '["Patient"]'])
def test_a_resource_type_that_is_not_a_resource_name_is_refused(resource_type: str) -> None:
    with pytest.raises(ReadError, match="resourceType must be the name of a resource"):
        read_bytes(f'{{"resourceType":{resource_type}}}'.encode())


def test_a_nested_resource_type_that_is_not_a_name_leaves_an_element_to_report() -> None:
    document = read_bytes(b'{"resourceType":"Bundle","entry":[{"resource":{"resourceType":5}}]}')
    wrapper = document.root.find("entry.resource")
    assert wrapper is not None and wrapper.resource() is None
    issues = Validator(None, layers=("structure",)).validate(document).issues
    assert "struct-resource-wrapper" in {i.rule for i in issues}


@pytest.mark.parametrize("key", ["", "5", "a b", "<x>", "a:b"])
def test_element_names_that_are_not_xml_names_are_refused_in_xml(key: str) -> None:
    document = read_bytes(json.dumps({"resourceType": "Patient", key: "1"}).encode())
    with pytest.raises(WriteError, match="is not a valid XML element name"):
        render(document, "xml")
    assert json.loads(render(document, "json"))[key] == "1"  # JSON can still carry it


@pytest.mark.parametrize(
    "xml",
    [{"attrs": {"a b": "1"}}, {"attrs": {"x:y:z": "1"}}, {"xmlns": {"1p": "urn:x"}}, {"prolog": [["0", "xml x"]]}],
)
def test_xml_details_that_cannot_be_written_are_refused(xml: dict) -> None:
    if "prolog" in xml:
        xml["prolog"][0].append("pi")
    document = read_bytes(json.dumps({"resourceType": "Patient", "@xml": xml}).encode())
    with pytest.raises(WriteError):
        render(document, "xml")


def test_a_processing_instruction_cannot_close_itself_early() -> None:
    document = read_bytes(b'{"resourceType":"Patient","@xml":{"prolog":[["0","x a?><Evil/><?y","pi"]]}}')
    with pytest.raises(WriteError, match="processing instruction"):
        render(document, "xml")


DOCTYPE_DIV = (
    '<!DOCTYPE div [<!ENTITY x SYSTEM "file:///etc/passwd">]><div xmlns="http://www.w3.org/1999/xhtml">&x;</div>'
)


def test_a_narrative_with_a_doctype_is_refused_and_reported() -> None:
    data = json.dumps({"resourceType": "Patient", "text": {"status": "generated", "div": DOCTYPE_DIV}}).encode()
    document = read_bytes(data)
    with pytest.raises(WriteError, match="DOCTYPE") as caught:
        render(document, "xml")
    assert caught.value.path == "Patient.text.div"
    issues = Validator(None, layers=("structure",)).validate(document).issues
    assert [(i.rule, i.path) for i in issues] == [("struct-xhtml", "Patient.text.div")]
    assert "DOCTYPE" in issues[0].message


# ---- plain JSON has no empty objects ---------------------------------------------------------------


def _empty_objects(value: object, path: str = "$") -> list[str]:
    if isinstance(value, dict):
        found = [path] if not value else []
        return found + [p for k, v in value.items() for p in _empty_objects(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _empty_objects(v, f"{path}[{i}]")]
    return []


def test_plain_json_leaves_out_elements_that_held_only_comments_or_xml_details() -> None:
    xml = (
        b'<Patient xmlns="http://hl7.org/fhir" xmlns:x="urn:x"><!-- a -->'
        b"<meta><!-- only a comment --></meta>"
        b'<active><!-- before the value --></active><active value="true"/>'
        b'<name><given value="A"/><given x:a="1"/><given value="C"/><family><!-- c --></family></name>'
        b'<gender x:b="2" value="female"/><birthDate id="d1"/></Patient>'
    )
    plain = json.loads(render(read_bytes(xml), "json", plain=True))
    assert _empty_objects(plain) == []
    assert plain["name"] == [{"given": ["A", "C"]}]
    assert plain["gender"] == "female" and plain["_birthDate"] == {"id": "d1"} and "meta" not in plain


# ---- contained resources (dom-2, dom-3) ---------------------------------------------------------------


def test_nested_and_unreferenced_contained_resources_are_errors() -> None:
    patient = {
        "resourceType": "Patient",
        "contained": [
            {"resourceType": "Organization", "id": "o1", "contained": [{"resourceType": "Organization", "id": "o2"}]},
            {"resourceType": "Practitioner", "id": "pr"},
            {"resourceType": "Organization"},
            {"resourceType": "Location", "id": "l1"},
        ],
        "managingOrganization": {"reference": "#o1"},
        "extension": [{"url": "http://example.org/x", "valueReference": {"reference": "#l1"}}],
    }
    issues = Validator(None, layers=("structure",)).validate(read_bytes(json.dumps(patient).encode())).issues
    found = sorted((i.rule, i.path) for i in issues if i.rule.startswith("fhir-dom"))
    assert found == [
        ("fhir-dom-2", "Patient.contained[0].contained[0]"),
        ("fhir-dom-3", "Patient.contained[0].contained[0]"),
        ("fhir-dom-3", "Patient.contained[1]"),
        ("fhir-dom-3", "Patient.contained[2]"),
    ]
    assert all(i.severity == "error" and i.layer == "profile" for i in issues if i.rule.startswith("fhir-dom"))


# ---- messages ----------------------------------------------------------------------------------------


def test_long_names_are_shortened_in_messages() -> None:
    name = "n" * 10_000
    assert len(shorten(name)) == 100 and shorten(name).count("…") == 1
    assert shorten_words(f"unknown '{name}' here") == f"unknown {shorten(chr(39) + name + chr(39))} here"
    issues = (
        Validator(None, layers=("structure",))
        .validate(read_bytes(json.dumps({"resourceType": "Patient", name: 1}).encode()))
        .issues
    )
    assert issues and all(len(i.message) < 300 and len(i.path or "") < 120 for i in issues)
    with pytest.raises(ReadError) as caught:
        read_bytes(f'{{"resourceType":"{name}"'.encode(), "x" * 5000 + ".json")
    assert len(str(caught.value)) < 400


def test_node_paths_index_siblings_once_in_a_run() -> None:
    from workbench.core.stu3.paths import node_path, sibling_index

    root = Node("Bundle", 1)
    children = [root.append(Node("entry")) for _ in range(50)]
    root.children.insert(10, Node("#comment", COMMENT))
    with sibling_index():
        inside = [node_path(c) for c in children]
    assert inside == [node_path(c) for c in children] == [f"Bundle.entry[{i}]" for i in range(50)]
