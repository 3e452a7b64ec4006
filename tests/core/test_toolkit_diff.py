"""Comparing two messages: added, removed, changed and moved elements with FHIR paths; XML and
JSON of one message are the same; a resent message is the same once volatile values are ignored."""

from __future__ import annotations

import re
import uuid

import pytest
from conftest import EXAMPLES, require_shared

from workbench.core.acks.sample import sample_message
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import read_bytes, read_file, render
from workbench.core.toolkit.diff import diff_documents

ITK009D = EXAMPLES / "FHIR_MESH" / "test_messages" / "ITK009D_ITK_Immunization_Document.xml"
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _resent(data: bytes) -> bytes:
    """The message as a sender would send it again: every UUID renamed consistently, a new
    timestamp."""
    text = data.decode("utf-8")
    renamed = {old: str(uuid.UUID(int=i + 1)) for i, old in enumerate(sorted(set(_UUID.findall(text))))}
    text = _UUID.sub(lambda m: renamed[m.group(0)], text)
    text = re.sub(r'<timestamp value="[^"]*"', '<timestamp value="2031-02-03T04:05:06+00:00"', text)
    return text.encode("utf-8")


def _message() -> bytes:
    return render(sample_message(clock=VirtualClock(), ids=SequentialIds("diff")), "xml")


def test_a_message_and_its_json_are_the_same() -> None:
    document = read_bytes(_message())
    as_json = read_bytes(render(document, "json"))
    result = diff_documents(document, as_json)
    assert result.same
    assert result.to_json() == {"same": True, "differences": []}
    assert result.summary() == "same"


def test_a_changed_value_is_reported_with_its_fhir_path_and_both_values() -> None:
    original = _message()
    changed = original.replace(b'<code value="ITK003D"', b'<code value="ITK007C"', 1)
    assert changed != original
    result = diff_documents(read_bytes(original), read_bytes(changed))
    assert not result.same
    [difference] = result.differences
    assert difference.kind == "changed"
    assert difference.path == "Bundle.entry[0].resource.event.code"
    assert (difference.a, difference.b) == ("ITK003D", "ITK007C")
    assert difference.node_a is not None and difference.node_b is not None
    assert result.counterpart(difference.node_a) is difference.node_b
    assert result.marks("a") == {id(difference.node_a): "changed"}


def test_added_and_removed_elements() -> None:
    a = read_bytes(_message())
    b = read_bytes(_message())
    header_b = b.root.children_named("entry")[0].child("resource").resource()
    removed = header_b.child("source")
    header_b.children.remove(removed)
    result = diff_documents(a, b)
    assert [(d.kind, d.path) for d in result.differences] == [("removed", "Bundle.entry[0].resource.source")]
    back = diff_documents(b, a)
    assert [(d.kind, d.path, d.a) for d in back.differences] == [("added", "Bundle.entry[0].resource.source", None)]
    assert back.differences[0].b == "source (1 element)"


def test_a_moved_entry_is_reported_as_moved_not_as_changes() -> None:
    a = read_bytes(_message())
    b = read_bytes(_message())
    entries = b.root.children_named("entry")
    first, last = b.root.children.index(entries[1]), b.root.children.index(entries[-1])
    b.root.children[first], b.root.children[last] = b.root.children[last], b.root.children[first]
    result = diff_documents(a, b)
    assert result.counts()["moved"] >= 1
    assert {d.kind for d in result.differences} == {"moved"}
    assert all(d.a != d.b for d in result.differences)


def test_a_resent_message_is_different_but_the_same_when_volatile_values_are_ignored() -> None:
    original = _message()
    resent = _resent(original)
    a, b = read_bytes(original), read_bytes(resent)
    plain = diff_documents(a, b)
    assert not plain.same
    paths = {d.path for d in plain.differences}
    assert "Bundle.identifier.value" in paths and "Bundle.entry[0].resource.id" in paths
    assert diff_documents(a, b, ignore_volatile=True).same


def test_ignoring_volatile_values_still_sees_a_reference_that_points_elsewhere() -> None:
    document = read_bytes(_message())
    header = document.root.children_named("entry")[0].child("resource").resource()
    other = read_bytes(_resent(_message()))
    other_header = other.root.children_named("entry")[0].child("resource").resource()
    # the resent message's sender now names its receiver's entry: a real change, not a renaming
    other_header.find("sender.reference").value = other_header.find("receiver.reference").value
    result = diff_documents(document, other, ignore_volatile=True)
    assert [d.path for d in result.differences] == ["Bundle.entry[0].resource.sender.reference"]
    assert header.find("sender.reference") is result.differences[0].node_a


@pytest.mark.corpus
def test_real_example_and_its_resent_copy() -> None:
    data = require_shared(ITK009D).read_bytes()
    original = read_file(ITK009D)
    resent = read_bytes(_resent(data))
    assert diff_documents(original, resent, ignore_volatile=True).same
    assert not diff_documents(original, resent).same


def _xml_examples() -> list[str]:
    manifest = EXAMPLES / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    import csv

    with manifest.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [r["local_path"] for r in rows if r["format"] == "xml" and "NOT well-formed" not in r["notes"]]


@pytest.mark.corpus
def test_every_real_xml_example_and_its_json_are_the_same() -> None:
    names = _xml_examples()
    require_shared(EXAMPLES / "MANIFEST.tsv")
    compared = 0
    for name in names:
        document = read_file(EXAMPLES / name)
        if document.root.kind != 1:  # not a resource (an entry fragment): convert refuses it
            continue
        for plain in (False, True):
            result = diff_documents(document, read_bytes(render(document, "json", plain=plain)))
            assert result.same, (name, plain, result.differences[:3])
        compared += 1
    assert compared > 200
