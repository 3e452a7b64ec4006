"""Edits of the tree: each does one change, undoes it exactly, tells observers, counts versions."""

from __future__ import annotations

import pytest

from workbench.core.codecs import read_bytes, render
from workbench.core.compare import first_difference
from workbench.core.edits import (
    AddPrimitive,
    EditableDocument,
    EditError,
    EditObserver,
    RemoveElement,
    SetElementId,
    SetValue,
    is_primitive,
)
from workbench.core.tree import FROM_JSON_ARRAY, JsonLiteral, JsonNumber, Node

PATIENT_XML = b"""<Patient xmlns="http://hl7.org/fhir">
  <id value="p1"/>
  <name>
    <family value="Smith"/>
    <given value="Jo"/>
  </name>
  <gender value="female"/>
  <birthDate value="1970-01-01"/>
</Patient>
"""

OBSERVATION_JSON = b"""{
  "resourceType": "Observation",
  "id": "o1",
  "status": "final",
  "code": {"text": "weight"},
  "valueQuantity": {"value": 72.50, "unit": "kg"}
}
"""


class Recorder(EditObserver):
    """Records every notice, with what the tree looked like at the time."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def node_about_to_change(self, node: Node) -> None:
        self.calls.append(("changing", node.name, node.value))

    def node_changed(self, node: Node) -> None:
        self.calls.append(("changed", node.name, node.value))

    def child_about_to_be_inserted(self, parent: Node, index: int, child: Node) -> None:
        self.calls.append(("inserting", parent.name, index, child.name, len(parent.children)))

    def child_inserted(self, parent: Node, index: int, child: Node) -> None:
        self.calls.append(("inserted", parent.name, index, parent.children[index] is child))

    def child_about_to_be_removed(self, parent: Node, index: int, child: Node) -> None:
        self.calls.append(("removing", parent.name, index, parent.children[index] is child))

    def child_removed(self, parent: Node, index: int, child: Node) -> None:
        self.calls.append(("removed", parent.name, index, child not in parent.children))

    def edited(self, changed) -> None:
        self.calls.append(("edited", [n.name for n in changed]))


@pytest.fixture
def patient() -> EditableDocument:
    return EditableDocument(read_bytes(PATIENT_XML))


def snapshot(target: EditableDocument) -> Node:
    return read_bytes(render(target.document, "xml")).root


def test_set_value_changes_and_undoes_and_counts_versions(patient) -> None:
    before = snapshot(patient)
    gender = patient.document.root.child("gender")
    recorder = Recorder()
    patient.observers.append(recorder)
    edit = SetValue(gender, "male", patient.document)
    assert patient.apply(edit) == [gender]
    assert gender.value == "male" and patient.version == 1 and patient.modified and patient.edited
    assert recorder.calls == [("changing", "gender", "female"), ("changed", "gender", "male"), ("edited", ["gender"])]
    assert b'<gender value="male"/>' in render(patient.document, "xml")
    assert patient.revert(edit) == [gender]
    assert gender.value == "female" and patient.version == 2 and not patient.modified
    assert first_difference(before, snapshot(patient)) is None


def test_set_element_id_sets_and_clears(patient) -> None:
    name = patient.document.root.child("name")
    edit = SetElementId(name, "n1")
    patient.apply(edit)
    assert b'<name id="n1">' in render(patient.document, "xml")
    patient.revert(edit)
    assert name.id is None
    with pytest.raises(EditError):
        SetElementId(patient.document.root, "x")  # a resource's id is its id element


def test_remove_element_puts_it_back_where_it_was(patient) -> None:
    before = snapshot(patient)
    root = patient.document.root
    name = root.child("name")
    recorder = Recorder()
    patient.observers.append(recorder)
    edit = RemoveElement(name)
    assert patient.apply(edit) == [root]
    assert root.child("name") is None and [c.name for c in root.children] == ["id", "gender", "birthDate"]
    assert recorder.calls[:2] == [("removing", "Patient", 1, True), ("removed", "Patient", 1, True)]
    assert patient.revert(edit) == [name]
    assert root.children[1] is name
    assert first_difference(before, snapshot(patient)) is None
    with pytest.raises(EditError):
        RemoveElement(root)


def test_add_primitive_goes_in_stu3_order(patient) -> None:
    root = patient.document.root
    human_name = root.child("name")
    add_given = AddPrimitive(human_name, "given", "Ann", patient.document)
    patient.apply(add_given)
    assert [(c.name, c.value) for c in human_name.children] == [("family", "Smith"), ("given", "Jo"), ("given", "Ann")]
    add_use = AddPrimitive(human_name, "use", "official", patient.document)
    changed = patient.apply(add_use)
    assert changed[0].name == "use" and human_name.children[0] is changed[0] and changed[0].src == -1
    active = AddPrimitive(root, "active", "true", patient.document)
    patient.apply(active)
    assert [c.name for c in root.children] == ["id", "active", "name", "gender", "birthDate"]
    for edit in (active, add_use, add_given):
        patient.revert(edit)
    assert [(c.name, c.value) for c in human_name.children] == [("family", "Smith"), ("given", "Jo")]
    assert not patient.modified
    with pytest.raises(EditError):
        AddPrimitive(root, "name", "x", patient.document)  # HumanName is not a primitive


def test_edits_undo_newest_first_and_saving_marks_clean(patient) -> None:
    root = patient.document.root
    first = SetValue(root.child("gender"), "male", patient.document)
    second = SetValue(root.child("birthDate"), "1980-02-02", patient.document)
    patient.apply(first)
    patient.apply(second)
    with pytest.raises(EditError):
        patient.revert(first)
    patient.mark_saved()
    assert not patient.modified
    patient.revert(second)
    assert patient.modified  # differs from what was saved
    patient.apply(second)
    assert not patient.modified


def test_json_values_keep_their_json_type() -> None:
    target = EditableDocument(read_bytes(OBSERVATION_JSON))
    quantity = target.document.root.child("valueQuantity")
    value = quantity.child("value")
    assert isinstance(value.value, JsonNumber)
    target.apply(SetValue(value, "80.0", target.document))
    assert isinstance(value.value, JsonNumber) and value.value == "80.0"
    target.apply(SetValue(value, "eighty", target.document))
    assert value.value.__class__ is str  # not a number: the validator will say so
    root = target.document.root
    target.apply(AddPrimitive(root, "issued", "2024-03-01T09:30:00Z", target.document))
    assert root.child("issued").value.__class__ is str
    # a repeating primitive in JSON is an array item
    name_doc = EditableDocument(
        read_bytes(b'{"resourceType": "Patient", "name": [{"family": "Smith"}], "active": true}')
    )
    human_name = name_doc.document.root.child("name")
    add = AddPrimitive(human_name, "given", "Jo", name_doc.document)
    name_doc.apply(add)
    assert add.node.flags & FROM_JSON_ARRAY
    assert b'"given": [' in render(name_doc.document, "json")
    active = name_doc.document.root.child("active")
    name_doc.apply(SetValue(active, "false", name_doc.document))
    assert isinstance(active.value, JsonLiteral)


def test_is_primitive_and_wrong_targets(patient) -> None:
    root = patient.document.root
    assert is_primitive(root.child("gender"))
    assert not is_primitive(root.child("name")) and not is_primitive(root)
    with pytest.raises(EditError):
        SetValue(root.child("name"), "x", patient.document)
    gender = root.child("gender")
    remove = RemoveElement(gender)
    patient.apply(remove)
    with pytest.raises(EditError):
        patient.apply(SetValue(gender, "male", patient.document))  # no longer in the tree
    assert patient.version == 1
