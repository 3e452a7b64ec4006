"""Adding, moving, duplicating, copying and pasting elements: each an edit with an exact undo."""

from __future__ import annotations

import json

import pytest
from conftest import EXAMPLES, require_shared

from workbench.core.acks.sample import sample_message
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import read_bytes, read_file, render
from workbench.core.compare import first_difference
from workbench.core.edits import Edit, EditableDocument, EditError
from workbench.core.edits.clipboard import copy_text, paste, read_clipboard
from workbench.core.edits.structure import InsertNode, MoveElement, can_move, clone, duplicate, movable
from workbench.core.itk3.view import message_view
from workbench.core.tree import Document, JsonLiteral, Node
from workbench.core.validation.runner import Validator

OPL = EXAMPLES / "FHIR_MESH" / "test_messages" / "ToC-WT02-04-op_letter_full_payload_example_01-corrected.xml"


def message(syntax: str = "xml") -> Document:
    built = sample_message(clock=VirtualClock(), ids=SequentialIds("edits"), attachment_type="application/pdf")
    return read_bytes(render(built, syntax))


def patient(document: Document) -> Node:
    view = message_view(document)
    assert view.payload is not None
    return next(n for n in view.payload.iter() if n.name == "Patient")


def organization(document: Document) -> Node:
    view = message_view(document)
    assert view.sender is not None and view.sender.resource is not None
    return view.sender.resource


def exact_undo(document: Document, edit: Edit) -> bytes:
    """Apply, undo and redo ``edit``; check undo restores the tree node for node; return the edited bytes."""
    editable = EditableDocument(document)
    snapshot = clone(document.root)
    before = render(document, document.format)
    editable.apply(edit)
    after = render(document, document.format)
    assert after != before
    editable.undo()
    assert first_difference(snapshot, document.root) is None
    assert render(document, document.format) == before
    editable.redo()
    assert render(document, document.format) == after
    return after


def test_move_an_element_down_and_up_among_its_repeats() -> None:
    document = message()
    name = patient(document).child("name")
    assert name is not None
    for given in ("Ann", "Beth"):
        name.append(Node("given", value=given))
    first = name.children_named("given")[0]
    data = exact_undo(document, MoveElement(first, +1))
    moved = read_bytes(data)
    assert [g.value for g in patient(moved).find("name").children_named("given")] == ["Ann", "Jane", "Beth"]  # type: ignore[union-attr]
    with pytest.raises(EditError, match="already the first given"):
        MoveElement(name.children_named("given")[0], -1)
    last = name.children_named("given")[-1]
    with pytest.raises(EditError, match="already the last given"):
        MoveElement(last, +1)


def test_move_keeps_other_elements_in_place() -> None:
    document = message()
    bundle = document.root
    entries = bundle.children_named("entry")
    editable = EditableDocument(document)
    editable.apply(MoveElement(entries[2], +1))
    names = [c.name for c in bundle.children]
    assert names == ["id", "meta", "identifier", "type", "entry", "entry", "entry", "entry"]
    assert bundle.children_named("entry")[3] is entries[2]


def test_duplicate_an_entry_gives_the_copy_a_fresh_id_and_full_url() -> None:
    document = message()
    sender_entry = document.root.children_named("entry")[1]
    data = exact_undo(document, duplicate(sender_entry, document, ids=SequentialIds("dup")))
    copy = read_bytes(data)
    entries = copy.root.children_named("entry")
    assert len(entries) == 5
    original, twin = entries[1], entries[2]
    twin_id = twin.value_at("resource.Organization.id")
    assert twin_id != original.value_at("resource.Organization.id")
    assert twin.value_at("fullUrl") == f"urn:uuid:{twin_id}"
    assert twin.value_at("resource.Organization.identifier.value") == "SND01"
    report = Validator().validate(copy)
    assert not [i for i in report.issues if "fullUrl" in i.message and i.is_error]


def test_duplicate_a_repeating_element_and_refuse_a_single_one() -> None:
    document = message("json")
    name = patient(document).child("name")
    assert name is not None
    data = exact_undo(document, duplicate(name, document))
    assert len(json.loads(data)["entry"][3]["resource"]["entry"][1]["resource"]["name"]) == 2
    with pytest.raises(EditError, match="gender can appear only once"):
        duplicate(patient(document).child("gender"), document)  # type: ignore[arg-type]


def test_insert_a_subtree_in_stu3_order() -> None:
    document = message()
    target = patient(document)
    telecom = Node("telecom")
    telecom.append(Node("system", value="phone"))
    telecom.append(Node("value", value="0113 496 0000"))
    data = exact_undo(document, InsertNode(target, telecom, document))
    names = [c.name for c in patient(read_bytes(data)).children]
    assert names.index("telecom") == names.index("name") + 1


def test_copy_an_element_as_fhir_xml_and_json() -> None:
    document = message()
    identifier = organization(document).child("identifier")
    assert identifier is not None
    xml = copy_text(identifier, "xml")
    assert xml.splitlines()[1] == '<identifier xmlns="http://hl7.org/fhir">'
    assert json.loads(copy_text(identifier, "json")) == {
        "identifier": [{"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "SND01"}]
    }
    active = Node("active", value="true")
    organization(document).append(active)
    assert copy_text(active, "json") == '{\n  "active": true\n}\n'


def test_copy_a_resource_as_a_whole_fhir_document() -> None:
    document = message()
    text = copy_text(patient(document), "json")
    assert json.loads(text)["resourceType"] == "Patient"
    holder = patient(document).parent
    assert holder is not None and copy_text(holder, "xml").splitlines()[1].startswith("<Patient ")


def test_paste_an_xml_element_into_a_json_message_types_its_values() -> None:
    source = message("xml")
    target = message("json")
    active = Node("active", value="true")
    patient(source).append(active)
    edit = paste(target, patient(target), copy_text(active, "xml"))
    assert edit.description == "Paste active"
    data = exact_undo(target, edit)
    pasted = json.loads(data)["entry"][3]["resource"]["entry"][1]["resource"]
    assert pasted["active"] is True
    found = patient(target).child("active")
    assert found is not None and type(found.value) is JsonLiteral


def test_paste_a_json_element_into_an_xml_message() -> None:
    source = message("json")
    target = message("xml")
    name = patient(source).child("name")
    assert name is not None
    edit = paste(target, patient(target), copy_text(name, "json"))
    data = exact_undo(target, edit)
    names = patient(read_bytes(data)).children_named("name")
    assert [n.value_at("family") for n in names] == ["Sample", "Sample"]
    assert all(type(n.value) is str for n in patient(target).iter() if n.value is not None)


def test_paste_next_to_the_selected_element_when_only_its_parent_can_hold_it() -> None:
    document = message()
    name = patient(document).child("name")
    assert name is not None
    edit = paste(document, name, copy_text(name, "xml"))
    exact_undo(document, edit)
    assert patient(document).children_named("name")[1].parent is patient(document)


def test_paste_refuses_what_has_no_place_and_says_why() -> None:
    document = message()
    gender = patient(document).child("gender")
    assert gender is not None
    with pytest.raises(EditError, match="has at most one gender and already has it"):
        paste(document, patient(document), copy_text(gender, "xml"))
    with pytest.raises(EditError, match="no element birthDate"):
        paste(document, organization(document), '<birthDate xmlns="http://hl7.org/fhir" value="1970-01-01"/>')
    with pytest.raises(EditError, match="no FHIR XML or JSON"):
        paste(document, patient(document), "hello")
    with pytest.raises(EditError, match="not readable"):
        paste(document, patient(document), "<Patient><oops")
    alone = read_bytes(copy_text(patient(document), "xml").encode())
    with pytest.raises(EditError, match="into a Bundle as a new entry"):
        paste(alone, alone.root, copy_text(organization(document), "xml"))


def test_paste_a_resource_into_the_bundle_as_a_new_entry_with_a_free_id() -> None:
    source = message("xml")
    target = message("json")
    text = copy_text(patient(source), "json")
    edit = paste(target, target.root, text, ids=SequentialIds("paste"))
    assert edit.description == "Paste Patient"
    data = exact_undo(target, edit)
    entry = json.loads(data)["entry"][-1]
    assert entry["fullUrl"] == "urn:uuid:" + entry["resource"]["id"]
    # the same resource again: its id is taken now, so the copy gets a new one
    second = paste(target, target.root.children_named("entry")[-1], text, ids=SequentialIds("again"))
    assert second.description == "Paste Patient (with a new id)"
    EditableDocument(target).apply(second)
    urls = [e.value_at("fullUrl") for e in target.root.children_named("entry")]
    assert len(urls) == len(set(urls)) == 6


def test_read_clipboard_tells_resources_from_elements() -> None:
    assert read_clipboard('{"resourceType": "Patient", "id": "a"}').is_resource
    fragment = read_clipboard('{"system": "s", "value": "v"}')
    assert not fragment.is_resource and fragment.label == "system, value"
    assert read_clipboard('<Patient xmlns="http://hl7.org/fhir"/>').is_resource


def test_copy_and_paste_a_real_resource_between_syntaxes() -> None:
    real = read_file(require_shared(OPL))
    view = message_view(real)
    assert view.payload is not None
    composition = view.composition
    assert composition is not None
    target = message("json")
    edit = paste(target, target.root, copy_text(composition, "json"))
    EditableDocument(target).apply(edit)
    pasted = target.root.children_named("entry")[-1].find("resource.Composition")
    assert pasted is not None
    assert first_difference(composition, pasted, comments=False) is None or pasted.value_at(
        "id"
    ) != composition.value_at("id")


def test_a_row_moves_and_duplicates_the_element_it_stands_for() -> None:
    document = message()
    view = message_view(document)
    header, sender = view.entries[0], view.entries[1]
    assert header.resource is not None and sender.resource is not None
    # A resource in an entry stands for the entry: the header entry can only go down.
    assert movable(header.resource) is header.node and movable(sender.resource) is sender.node
    assert not can_move(header.resource, -1) and can_move(header.resource, 1)
    assert can_move(sender.resource, -1)
    # An element stands for itself; the root, and a single element, cannot move.
    name = patient(document).child("name")
    assert name is not None and movable(name) is name
    assert not can_move(document.root, 1) and not can_move(name, 1) and not can_move(name, -1)
    after = exact_undo(document, MoveElement(movable(sender.resource), -1))
    assert message_view(read_bytes(after)).entries[0].resource.name == sender.resource.name  # type: ignore[union-attr]
