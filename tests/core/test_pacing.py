"""Long work in the core reaches pause points, where a front end may let its window go first."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from workbench.core import pacing
from workbench.core.codecs import read_bytes, render
from workbench.core.toolkit.diff import diff_documents
from workbench.core.validation.runner import Validator


def _bundle(entries: int) -> bytes:
    items = "".join(
        f'<entry><fullUrl value="urn:uuid:{i:08d}-0000-4000-8000-000000000000"/>'
        f'<resource><Patient><id value="p{i}"/><active value="true"/></Patient></resource></entry>'
        for i in range(entries)
    )
    return f'<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/>{items}</Bundle>'.encode()


@pytest.fixture
def pauses() -> Iterator[list[int]]:
    """Count the pause points reached while the test runs (a gate that only counts)."""
    seen = [0]

    def gate() -> None:
        seen[0] += 1

    pacing.set_gate(gate)
    try:
        yield seen
    finally:
        pacing.set_gate(None)


def test_with_no_gate_a_pause_point_does_nothing() -> None:
    pacing.set_gate(None)
    pacing.pause_point()  # nothing installed: returns at once, raises nothing


def test_reading_xml_pauses_once_a_resource(pauses) -> None:
    document = read_bytes(_bundle(300))
    assert len(document.root.children_named("entry")) == 300
    assert pauses[0] == 301  # the Bundle and each Patient


def test_reading_json_pauses_once_a_resource(pauses) -> None:
    json_bytes = render(read_bytes(_bundle(50)), "json")
    pauses[0] = 0
    read_bytes(json_bytes, syntax="json")
    assert pauses[0] >= 50


def test_validating_pauses_at_least_once_a_resource(pauses) -> None:
    document = read_bytes(_bundle(200))
    pauses[0] = 0
    report = Validator(None).validate(document)
    assert report.readable
    assert pauses[0] >= 201


def test_a_gate_that_fails_is_not_swallowed() -> None:
    def broken() -> None:
        raise RuntimeError("gate broke")

    pacing.set_gate(broken)
    try:
        with pytest.raises(RuntimeError, match="gate broke"):
            pacing.pause_point()
    finally:
        pacing.set_gate(None)


def test_comparing_pauses_once_a_resource_on_each_side(pauses) -> None:
    a, b = read_bytes(_bundle(100)), read_bytes(_bundle(100).replace(b'"true"', b'"false"'))
    pauses[0] = 0
    result = diff_documents(a, b, ignore_volatile=True)
    assert len(result.differences) == 100
    assert pauses[0] >= 2 * 101
