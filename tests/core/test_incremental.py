"""Incremental validation: after an edit only the entries that changed are checked again, and the
merged report equals a full validation of the edited document."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from workbench.core.codecs import read_bytes
from workbench.core.edits import AddPrimitive, EditableDocument, RemoveElement, SetValue
from workbench.core.tree import Document, Node
from workbench.core.validation.incremental import IncrementalValidator
from workbench.core.validation.profiles.registry import ProfileRegistry
from workbench.core.validation.runner import Validator

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def message_xml():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from generate import message_xml
    finally:
        sys.path.remove(str(BENCHMARKS))
    return message_xml


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator(ProfileRegistry.default())


def large(message_xml, entries: int = 1000) -> Document:
    """A generated message (entry 0 the MessageHeader, then Patient, Observation, Encounter,
    Practitioner, ...) whose first three Patients have an invalid gender, so that untouched
    entries have findings to reuse."""
    text = message_xml(entries).decode()
    text = text.replace('<gender value="female"/>', '<gender value="woman"/>', 3)
    return read_bytes(text.encode())


def entry(document: Document, number: int) -> Node:
    return [c for c in document.root.children if c.name == "entry"][number]


def resource(document: Document, number: int) -> Node:
    found = entry(document, number).child("resource").resource()
    assert found is not None
    return found


def same_report(merged, full) -> None:
    assert merged.issues == full.issues  # equal findings, in the same order
    assert [i.node for i in merged.issues] == [i.node for i in full.issues]
    assert merged.predicted == full.predicted


def test_an_edit_in_entry_3_of_1000_checks_only_that_entry(message_xml, validator) -> None:
    document = large(message_xml)
    incremental = IncrementalValidator(validator)
    first = incremental.validate(document)
    assert incremental.stats.partial is False and incremental.stats.checked == 1001
    woman = [i for i in first.issues if "'woman'" in i.message]
    assert len(woman) == 3
    entries = [c for c in document.root.children if c.name == "entry"]
    recorded = {number: incremental.entry_findings(entries[number]) for number in (1, 5, 9, 3)}
    assert all(len(recorded[n]) == 1 for n in (1, 5, 9)) and recorded[3] == ()

    target = EditableDocument(document)
    encounter = resource(document, 3)  # entry[0] is the MessageHeader; entry[3] an Encounter
    assert encounter.name == "Encounter"
    edit = SetValue(encounter.child("status"), "bogus", document)
    changed = target.apply(edit)
    merged = incremental.validate(document, changed)
    stats = incremental.stats
    assert (stats.partial, stats.entries, stats.checked, stats.reused) == (True, 1001, 1, 1000)
    same_report(merged, validator.validate(document))
    bogus = [i for i in merged.issues if "'bogus'" in i.message]
    assert (
        len(bogus) == 1
        and bogus[0].path == "Bundle.entry[3].resource.status"
        and bogus[0].node is encounter.child("status")
    )
    # The findings of the untouched entries are the very objects found before; entry 3's are new.
    for number in (1, 5, 9):
        after = incremental.entry_findings(entries[number])
        assert after is not None and all(a is b for a, b in zip(after, recorded[number], strict=True))
    assert [i.message for i in incremental.entry_findings(entries[3])] == [bogus[0].message]

    changed = target.revert(edit)
    back = incremental.validate(document, changed)
    assert incremental.stats.checked == 1
    same_report(back, first)


def test_removing_an_entry_checks_the_entries_after_it(message_xml, validator) -> None:
    document = large(message_xml, 200)
    incremental = IncrementalValidator(validator)
    incremental.validate(document)
    target = EditableDocument(document)
    removed = entry(document, 150)
    remove = RemoveElement(removed)
    changed = target.apply(remove)
    merged = incremental.validate(document, changed)
    # Paths of the entries after it changed (entry[151] is now entry[150]); those before are reused.
    assert (incremental.stats.reused, incremental.stats.checked) == (150, 50)
    same_report(merged, validator.validate(document))
    changed = target.revert(remove)
    same_report(incremental.validate(document, changed), validator.validate(document))


def test_edits_outside_the_entries_reuse_every_entry(message_xml, validator) -> None:
    document = large(message_xml, 100)
    incremental = IncrementalValidator(validator)
    incremental.validate(document)
    target = EditableDocument(document)
    changed = target.apply(SetValue(document.root.child("type"), "collection", document))
    merged = incremental.validate(document, changed)
    assert (incremental.stats.checked, incremental.stats.reused) == (0, 101)
    same_report(merged, validator.validate(document))
    assert merged.predicted != ("20013", "Success") or merged.valid is False


def test_added_and_fixed_elements_give_what_a_full_validation_gives(message_xml, validator) -> None:
    document = large(message_xml, 60)
    incremental = IncrementalValidator(validator)
    first = incremental.validate(document)
    target = EditableDocument(document)
    patient = resource(document, 1)
    practitioner = resource(document, 4)
    edits = [
        SetValue(patient.child("gender"), "female", document),  # fixes a finding
        AddPrimitive(patient, "active", "maybe", document),  # makes one (not a boolean)
        AddPrimitive(practitioner, "gender", "robot", document),  # and one in another entry
    ]
    changed: list[Node] = []
    for edit in edits:
        changed += target.apply(edit)
    merged = incremental.validate(document, changed)
    assert incremental.stats.checked == 2
    same_report(merged, validator.validate(document))
    messages = {i.message for i in merged.issues} - {i.message for i in first.issues}
    assert any("'maybe'" in m for m in messages) and any("'robot'" in m for m in messages)
    assert not any("'woman'" in i.message and i.node is patient.child("gender") for i in merged.issues)


def test_small_bundles_and_unknown_changes_are_validated_in_full(message_xml, validator) -> None:
    document = large(message_xml, 5)
    incremental = IncrementalValidator(validator)
    incremental.validate(document)
    target = EditableDocument(document)
    changed = target.apply(SetValue(resource(document, 1).child("gender"), "male", document))
    same_report(incremental.validate(document, changed), validator.validate(document))
    assert incremental.stats.partial is False  # 6 entries: below the threshold

    big = large(message_xml, 50)
    incremental.validate(big)
    assert incremental.stats.checked == 51  # another document: full
    incremental.validate(big, None)
    assert incremental.stats.checked == 51  # no changes given: full


def test_positions_stay_those_of_the_source_as_received(message_xml, validator) -> None:
    document = large(message_xml, 40)
    incremental = IncrementalValidator(validator)
    incremental.validate(document)
    target = EditableDocument(document)
    patient = resource(document, 1)
    added = target.apply(AddPrimitive(patient, "active", "maybe", document))[0]
    report = incremental.validate(document, [added])
    finding = next(i for i in report.issues if "'maybe'" in i.message)
    # The new element has no place in the source: the finding carries its node, and the
    # position of the nearest element read from the source (the Patient).
    assert finding.node is added
    assert (finding.line, finding.column) == document.position(patient)


def test_a_finding_on_what_edits_added_under_the_root_has_no_line(message_xml, validator) -> None:
    document = large(message_xml, 10)
    target = EditableDocument(document)
    added = target.apply(AddPrimitive(document.root, "total", "many", document))[0]
    report = validator.validate(document)
    finding = next(i for i in report.issues if i.node is added)
    # Only the root was read from the source above it: its first line would say nothing.
    assert (finding.line, finding.column) == (None, None)
    assert finding.path == "Bundle.total"
