"""The header form: values read from the tree, each field change one undoable step."""

from __future__ import annotations

import pytest
from conftest import EXAMPLES, require_shared

from workbench.core.catalogue import catalogue
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import read_bytes, read_file, render
from workbench.core.compose.form import FIELDS, FormError, HeaderForm
from workbench.core.compose.skeleton import MessageSpec, Party, new_message, new_response
from workbench.core.edits import RemoveElement, SetValue
from workbench.core.itk3.view import message_view
from workbench.core.session import MessageSession
from workbench.core.validation.runner import Validator

OPL = EXAMPLES / "FHIR_MESH" / "test_messages" / "ToC-WT02-04-op_letter_full_payload_example_01-corrected.xml"


def session(syntax: str = "xml", **spec: object) -> MessageSession:
    document = new_message(
        MessageSpec("ITK003D", **spec),  # type: ignore[arg-type]
        clock=VirtualClock(),
        ids=SequentialIds("form"),
        syntax=syntax,
    ).document
    return MessageSession.from_document(document, "new")


def test_the_form_reads_the_header() -> None:
    current = session(receiver=Party("ods", "RCV01")).document
    assert current is not None
    values = HeaderForm(current).values()
    assert (values.event, values.event_display) == ("ITK003D", "ITK eDischarge")
    assert values.sender == Party("ods", "X26") and values.receiver == Party("ods", "RCV01")
    assert (values.bus_ack, values.inf_ack, values.recipient_type) == (True, True, "FA")
    assert values.pattern is not None and values.pattern.title.startswith("Full acknowledgement")
    assert values.recipient_type_meaning.startswith("For Action: ")  # type: ignore[union-attr]
    assert values.sender_reference_left == 255 - len("None")
    assert not values.is_response and values.response_code is None


CHANGES: list[tuple[str, object, object]] = [
    ("event", "ITK006D", "ITK006D"),
    ("sender", Party("sds", "123456789012"), Party("sds", "123456789012")),
    ("receiver", Party("ods", "RCV01"), Party("ods", "RCV01")),
    ("mailbox", "RX1OT001", "RX1OT001"),
    ("timestamp", "2024-05-01T10:00:00+01:00", "2024-05-01T10:00:00+01:00"),
    ("bus_ack", False, False),
    ("inf_ack", False, False),
    ("recipient_type", "FI", "FI"),
    (
        "message_definition",
        "https://fhir.nhs.uk/STU3/MessageDefinition/ITK-OPL-MessageDefinition-Instance-1",
        None,
    ),
    ("sender_reference", "ENC-2024-0001", "ENC-2024-0001"),
    ("local_extension", "SendDocument-ConsultationReport", "SendDocument-ConsultationReport"),
]


@pytest.mark.parametrize("syntax", ["xml", "json"])
def test_each_field_change_is_one_undo_step_with_an_exact_undo(syntax: str) -> None:
    current = session(syntax)
    document = current.document
    assert document is not None
    form = HeaderForm(document, ids=SequentialIds("party"))
    steps = []
    for field, value, expected in CHANGES:
        before = render(document, syntax)
        edit = form.edit(field, value)
        assert edit is not None, field
        current.apply(edit)
        shown = form.values().get(field)
        assert shown == (value if expected is None else expected), field
        steps.append((field, before))
        assert form.edit(field, value) is None  # the tree already says so
    assert Validator().validate(read_bytes(render(document, syntax))).predicted == ("20013", "Success")
    for field, before in reversed(steps):
        current.undo()
        assert render(document, syntax) == before, field


def test_a_new_event_brings_its_message_definition_unless_another_was_chosen() -> None:
    current = session()
    form = HeaderForm(current.document)  # type: ignore[arg-type]
    current.apply(form.edit("event", "ITK009D"))  # type: ignore[arg-type]
    assert form.values().message_definition.endswith("/ITK-DM-Immunization-MessageDefinition-1")  # type: ignore[union-attr]
    custom = "https://fhir.nhs.uk/STU3/MessageDefinition/My-Local-MessageDefinition-1"
    current.apply(form.edit("message_definition", custom))  # type: ignore[arg-type]
    current.apply(form.edit("event", "ITK010D"))  # type: ignore[arg-type]
    assert form.values().message_definition == custom
    assert [d.name for d in form.definition_choices()] == ["ITK-DM-EmergencySupply-MessageDefinition-1"]


def test_sender_and_receiver_become_header_resources_with_the_right_systems() -> None:
    current = session()
    document = current.document
    assert document is not None
    form = HeaderForm(document, ids=SequentialIds("who"))
    current.apply(form.edit("receiver", Party("sds", "999888777666")))  # type: ignore[arg-type]
    view = message_view(document)
    assert view.receiver is not None and view.receiver.resource is not None
    practitioner = view.receiver.resource
    assert practitioner.name == "Practitioner"
    assert practitioner.value_at("meta.profile") == catalogue().urls.header_practitioner_profile
    assert practitioner.value_at("identifier.system") == catalogue().urls.sds_user_id
    entries = len(view.entries)
    current.apply(form.edit("receiver", Party("ods", "RCV09")))  # type: ignore[arg-type]
    view = message_view(document)
    assert len(view.entries) == entries  # the Practitioner was replaced in place, not left behind
    assert view.receiver is not None and view.receiver.resource is not None
    assert view.receiver.resource.value_at("identifier.system") == catalogue().urls.ods_organization_code
    current.apply(form.edit("sender", Party("ods", "RX1")))  # type: ignore[arg-type]
    assert form.values().sender == Party("ods", "RX1")
    current.apply(form.edit("receiver", None))  # type: ignore[arg-type]
    view = message_view(document)
    assert view.receiver is None and len(view.entries) == entries - 1


def test_the_form_follows_the_tree() -> None:
    current = session()
    document = current.document
    assert document is not None
    form = HeaderForm(document)
    view = message_view(document)
    flag = view.handling["BusAckRequested"].node.child("valueBoolean")
    assert flag is not None
    current.apply(SetValue(flag, "false", document))
    assert form.values().bus_ack is False
    assert form.values().pattern.text.startswith("Technical only")  # type: ignore[union-attr]
    current.apply(RemoveElement(view.handling["SenderReference"].node))
    assert form.values().sender_reference is None
    current.apply(form.edit("sender_reference", "back"))  # type: ignore[arg-type]
    keys = [k.url for k in message_view(document).handling_extension.children_named("extension")]  # type: ignore[union-attr]
    assert keys == [k.url for k in catalogue().handling_keys]  # the key went back in its place
    for _ in range(3):
        current.undo()
    assert form.values().bus_ack is True and form.values().sender_reference == "None"


def test_a_key_of_the_wrong_type_is_replaced() -> None:
    current = session()
    document = current.document
    assert document is not None
    key = message_view(document).handling["InfAckRequested"].node
    value = key.child("valueBoolean")
    assert value is not None
    value.name = "valueString"  # a broken message: the flag is a string
    assert HeaderForm(document).values().inf_ack is None
    current.apply(HeaderForm(document).edit("inf_ack", True))  # type: ignore[arg-type]
    assert [c.name for c in key.children] == ["valueBoolean"]
    assert HeaderForm(document).values().inf_ack is True


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("inf_ack", "yes", "true or false"),
        ("recipient_type", "XX", "FA (For Action) or FI"),
        ("sender_reference", "x" * 256, "256 characters; the most is 255"),
        ("sender_reference", " ", "cannot be empty"),
        ("local_extension", "", "cannot be empty"),
        ("timestamp", "2024-05-01T10:00:00", "no time zone"),
        ("timestamp", "yesterday", "not a valid instant"),
        ("mailbox", "two words", "no spaces"),
        ("message_definition", "ITK-OPL", "not a MessageDefinition URL"),
        ("event", "ITK002M", "not an ITK3 event"),
        ("event", "ITK008M", "cannot become an ITK Response"),
        ("sender", None, "must name its sender"),
        ("response_code", "20013", "only an ITK Response"),
        ("colour", "red", "no field 'colour'"),
    ],
)
def test_invalid_values_are_refused_before_anything_changes(field: str, value: object, message: str) -> None:
    current = session()
    document = current.document
    assert document is not None
    before = render(document, "xml")
    form = HeaderForm(document)
    assert message in (form.check(field, value) or "")
    with pytest.raises(FormError, match=message.split("(")[0].strip()):
        form.edit(field, value)
    assert render(document, "xml") == before


def test_a_response_form_sets_the_code_with_its_display_and_response_code() -> None:
    message = session(receiver=Party("ods", "RCV01"))
    response = new_response(message.document, "20013", clock=VirtualClock(), ids=SequentialIds("resp"))
    current = MessageSession.from_document(response.document, "response")
    form = HeaderForm(response.document)
    values = form.values()
    assert values.is_response and values.response_code == "20013" and values.inf_ack is False
    assert [e.code for e in form.event_choices()] == ["ITK008M"]
    codes = [r.code for r in form.response_code_choices()]
    assert len(codes) == len(catalogue().responses) and "10006" not in codes
    current.apply(form.edit("response_code", "30002"))  # type: ignore[arg-type]
    values = form.values()
    assert values.response_code == "30002" and values.inf_ack is True
    assert values.response is not None and values.response.display.startswith("Patient not known here")
    assert response.document.root.find("entry.resource.MessageHeader.response.code").value == "fatal-error"  # type: ignore[union-attr]
    assert Validator().validate(response.document).valid
    current.apply(form.edit("response_identifier", "abc-123"))  # type: ignore[arg-type]
    assert form.values().response_identifier == "abc-123"
    with pytest.raises(FormError, match="not a MessageHeader id"):
        form.edit("response_identifier", "not an id!")
    with pytest.raises(FormError, match="keeps ITK008M"):
        form.edit("event", "ITK003D")


def test_the_form_over_a_real_message() -> None:
    real = read_file(require_shared(OPL))
    form = HeaderForm(real)
    values = form.values()
    assert values.event == "ITK006D" and values.sender is not None
    assert set(FIELDS) >= {"event", "sender", "bus_ack"}
    current = MessageSession.from_document(real, OPL.name)
    before = render(real, "xml")
    current.apply(form.edit("sender_reference", "changed"))  # type: ignore[arg-type]
    current.undo()
    assert render(real, "xml") == before


def test_a_missing_group_is_made_once_with_all_its_fields() -> None:
    current = session()
    document = current.document
    assert document is not None
    header = message_view(document).header
    assert header is not None
    current.apply(RemoveElement(header.child("event")))  # type: ignore[arg-type]
    current.apply(HeaderForm(document).edit("event", "ITK005D"))  # type: ignore[arg-type]
    events = header.children_named("event")
    assert len(events) == 1 and [c.name for c in events[0].children] == ["system", "code", "display"]
    assert header.children.index(events[0]) < header.children.index(header.child("sender"))  # type: ignore[arg-type]
    response = new_response(document, "20013", clock=VirtualClock(), ids=SequentialIds("once"))
    outcome = next(e.resource for e in message_view(response.document).entries if e.resource.name == "OperationOutcome")  # type: ignore[union-attr]
    outcome.children.remove(outcome.child("issue"))  # type: ignore[union-attr, arg-type]
    MessageSession.from_document(response.document, "r").apply(
        HeaderForm(response.document).edit("response_code", "20009")
    )  # type: ignore[arg-type]
    issues = outcome.children_named("issue")  # type: ignore[union-attr]
    assert len(issues) == 1 and issues[0].value_at("details.coding.code") == "20009"
    assert Validator().validate(read_bytes(render(response.document, "xml"))).valid


def test_a_form_reads_the_view_it_is_given_and_edits_through_it() -> None:
    current = session()
    assert current.labels is not None
    asked = []

    def kept_view():
        asked.append(1)
        return current.labels.view  # type: ignore[union-attr]  # the session keeps it up to date

    form = HeaderForm(current.document, view=kept_view)  # type: ignore[arg-type]
    assert form.values().event == "ITK003D" and asked
    current.apply(form.edit("recipient_type", "FI"))  # type: ignore[arg-type]
    assert form.values().recipient_type == "FI"  # the session's view after the edit
    assert HeaderForm(current.document).values() == form.values()  # type: ignore[arg-type]


def test_switching_to_an_event_whose_payload_spec_fixes_keys_sets_them_in_one_step() -> None:
    """GP Connect Send Document (ITK007C) fixes both flags, FA and its MessageDefinition."""
    current = session(bus_ack=False, inf_ack=False, recipient_type="FI")
    form = HeaderForm(current.document)  # type: ignore[arg-type]
    before = current.render()
    current.apply(form.edit("event", "ITK007C"))  # type: ignore[arg-type]
    values = form.values()
    assert (values.bus_ack, values.inf_ack, values.recipient_type) == (True, True, "FA")
    assert values.message_definition.endswith("/ITK-GPConnectSendDocument-MessageDefinition-1")  # type: ignore[union-attr]
    report = Validator().validate(current.document)  # type: ignore[arg-type]
    assert not [i for i in report.issues if i.rule in ("itk-payload-spec-keys", "itk-msgdef-event-mismatch")]
    current.undo()
    assert current.render() == before
