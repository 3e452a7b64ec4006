"""``itk-workbench new`` and ``itk-workbench break`` as a user runs them."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from conftest import EXAMPLES, XSD, require_shared
from lxml import etree

from workbench.core.acks.receiver import ReceiverState, decide
from workbench.core.acks.settings import ReceiverSettings, load_settings
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import read_file, render
from workbench.core.compare import first_difference
from workbench.core.compose.events import sendable_events
from workbench.core.itk3.view import message_view
from workbench.core.validation.runner import Validator

DOCUMENTS = EXAMPLES / "STU3-FHIR-Assets" / "Examples"
PAYLOADS = [
    "ITK-EDIS-Example-1.xml",
    "ITK-OPL-Document-Bundle-1-Example-1.xml",
    "ITK-OPL-Document-Bundle-1-Example-3.xml",
    "ITK-OPL-Document-Bundle-1-Example-5.xml",
    "ITK-OPL-Document-Bundle-1-Example-6.xml",
    "ITK-OPL-Document-Bundle-1-Example-7.xml",
]
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 16 + b"\n%%EOF\n"


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(require_shared(XSD))))


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator()


def test_list_events_as_json(cli) -> None:
    done = cli("new", "--list-events", "--format", "json")
    assert done.returncode == 0, done.stderr
    events = json.loads(done.stdout)
    codes = [e["code"] for e in events]
    assert "ITK003D" in codes and "ITK008M" in codes
    assert "ITK001M" not in codes and "ITK002M" not in codes
    for event in events:
        assert {"code", "display", "payload_kind", "message_definition", "workflow"} <= set(event)
        assert event["payload_kind"] in ("document", "collection", "message")
        assert event["message_definition"].startswith("https://fhir.nhs.uk/STU3/MessageDefinition/")
    discharge = next(e for e in events if e["code"] == "ITK003D")
    assert discharge["workflow"] == "TOC_FHIR_IP_DISCH" and discharge["payload_kind"] == "document"


def test_list_events_as_text(cli) -> None:
    done = cli("new", "--list-events")
    assert done.returncode == 0
    assert "ITK009D  ITK Digital Medicine Immunization Document" in done.stdout
    assert "ITK001M" not in done.stdout


def test_every_event_around_a_real_payload(cli, tmp_path: Path, schema: etree.XMLSchema, validator: Validator) -> None:
    for index, event in enumerate(e for e in sendable_events() if not e.is_response):
        source = require_shared(DOCUMENTS / PAYLOADS[index % len(PAYLOADS)])
        out = tmp_path / f"{event.code}.{'json' if index % 3 == 0 else 'xml'}"
        done = cli("new", "--event", event.code, "--payload", str(source), "--receiver-ods", "RCV01", "-o", str(out))
        assert done.returncode == 0, (event.code, done.stderr)
        message = read_file(out)
        assert message.format == out.suffix[1:]
        assert schema.validate(etree.fromstring(render(message, "xml"))), event.code
        view = message_view(message)
        assert view.event_code == event.code and view.focus
        entry = view.focus[0].resolution.entry
        assert entry is not None
        errors = [
            (i.rule, i.path)
            for i in validator.validate(message).issues
            if i.is_error and not (i.path or "").startswith(f"Bundle.entry[{entry.index}]")
        ]
        assert errors == [], (event.code, errors)
        payload = read_file(source)
        assert first_difference(payload.root, view.payload, comments=message.format == "xml") is None, event.code  # type: ignore[arg-type]


def test_header_options_reach_the_message(cli, tmp_path: Path) -> None:
    out = tmp_path / "m.xml"
    done = cli(
        "new",
        "--event",
        "ITK006D",
        "--payload",
        str(require_shared(DOCUMENTS / PAYLOADS[1])),
        "--sender-sds",
        "123456789012",
        "--receiver-ods",
        "A83627",
        "--mailbox",
        "RX1OT001",
        "--no-busack",
        "--infack",
        "--recipient-type",
        "FI",
        "--sender-reference",
        "REF-9",
        "--local-extension",
        "Local",
        "-o",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    view = message_view(read_file(out))
    assert (view.flag("BusAckRequested"), view.flag("InfAckRequested"), view.value("RecipientType")) == (
        False,
        True,
        "FI",
    )
    assert (view.value("SenderReference"), view.value("LocalExtension"), view.source_endpoint) == (
        "REF-9",
        "Local",
        "RX1OT001",
    )
    assert view.sender is not None and view.sender.resource is not None and view.sender.resource.name == "Practitioner"
    assert view.receiver is not None and view.receiver.resource is not None
    assert view.receiver.resource.value_at("identifier.value") == "A83627"


def test_a_pdf_attached_comes_back_byte_for_byte(cli, tmp_path: Path, validator: Validator) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(PDF)
    out = tmp_path / "m.json"
    done = cli(
        "new",
        "--event",
        "ITK003D",
        "--payload",
        str(require_shared(DOCUMENTS / PAYLOADS[0])),
        "--attach",
        str(pdf),
        "-o",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert "report.pdf: application/pdf" in done.stderr
    message = read_file(out)
    binaries = [a for a in message_view(message).attachments if a.content_type == "application/pdf"]
    assert binaries[-1].data() == PDF
    content = json.loads(out.read_bytes())["entry"][-1]["resource"]["entry"][-1]["resource"]["content"]
    assert base64.b64decode(content) == PDF
    assert validator.validate(message).predicted == ("20013", "Success")


def test_standard_output_is_xml_and_notes_go_to_standard_error(cli) -> None:
    done = cli("new", "--event", "ITK009D")
    assert done.returncode == 0
    assert done.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<Bundle xmlns="http://hl7.org/fhir">')
    assert "ITK009D carries a FHIR document" in done.stderr


def test_a_response_to_a_message_is_valid(cli, tmp_path: Path, schema: etree.XMLSchema, validator: Validator) -> None:
    message = tmp_path / "m.xml"
    assert (
        cli(
            "new", "--event", "ITK003D", "--payload", str(require_shared(DOCUMENTS / PAYLOADS[0])), "-o", str(message)
        ).returncode
        == 0
    )
    for code in ("20013", "30001", "20009"):
        out = tmp_path / f"r{code}.xml"
        done = cli("new", "--event", "ITK008M", "--responds-to", str(message), "--code", code, "-o", str(out))
        assert done.returncode == 0, done.stderr
        response = read_file(out)
        assert validator.validate(response).valid, code
        assert schema.validate(etree.parse(str(out)))
        view = message_view(response)
        assert view.response_identifier == message_view(read_file(message)).message_id
        assert view.response_codes == [code]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--event", "ITK999X"], "not an event the workbench can send"),
        (["--event", "ITK001M"], "legacy event"),
        (["--event", "ITK003D", "--payload", "missing.xml"], "missing.xml: no such file"),
        (["--event", "ITK003D", "--attach", "missing.pdf"], "missing.pdf: no such file"),
        (["--event", "ITK008M"], "give --responds-to MESSAGE and --code CODE"),
        (["--event", "ITK003D", "--code", "20013"], "use them with --event ITK008M"),
        (["--event", "ITK003D", "--sender-reference", "x" * 256], "256 characters; the most is 255"),
        (["--event", "ITK003D", "--sender-ods", "R Y6"], "no spaces"),
        (["--event", "ITK003D", "--sender-ods", "A", "--sender-sds", "B"], "not allowed with argument"),
        ([], "give --event CODE"),
    ],
)
def test_unusable_input_exits_2_with_a_message(cli, args: list[str], message: str) -> None:
    done = cli("new", *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_a_broken_payload_is_named_with_its_line(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceType": "Bundle",\n  "type": }\n', encoding="utf-8")
    done = cli("new", "--event", "ITK003D", "--payload", str(bad))
    assert done.returncode == 2
    assert "bad.json, line 2" in done.stderr and "Traceback" not in done.stderr


def test_one_document_per_transmission(cli) -> None:
    source = str(require_shared(DOCUMENTS / PAYLOADS[0]))
    done = cli("new", "--event", "ITK003D", "--payload", source, "--payload", str(DOCUMENTS / PAYLOADS[1]))
    assert done.returncode == 2 and "already carries a payload" in done.stderr


# ---- break --------------------------------------------------------------------------------------


def test_break_list_as_json(cli) -> None:
    done = cli("break", "--list", "--format", "json")
    assert done.returncode == 0, done.stderr
    codes = json.loads(done.stdout)
    assert all({"code", "display"} <= set(c) for c in codes)
    assert {"10005", "20010", "20011", "20014"} <= {c["code"] for c in codes}
    assert len([c for c in codes if c["needs"] == "content"]) >= 12
    assert all(c["code"][0] in "12" for c in codes)


def test_break_list_as_text_names_what_is_not_offered(cli) -> None:
    done = cli("break", "--list")
    assert done.returncode == 0
    assert "20003  Unrecognised Sender  [with receiver settings]" in done.stdout
    assert "20014  Unable to Process Replacement Document  [with receiver settings]" in done.stdout
    assert "23 codes; 12 caused by the message's content alone." in done.stdout
    not_offered = done.stdout.split("Not offered:", 1)[1]
    assert "10006 is retired" in not_offered and "20013 Success is a positive code" in not_offered
    assert len(not_offered.strip().splitlines()) == 2


def test_every_code_break_offers_is_answered_with_that_code(cli, tmp_path: Path, validator: Validator) -> None:
    message = tmp_path / "accepted.xml"
    source = str(require_shared(DOCUMENTS / PAYLOADS[1]))
    assert (
        cli("new", "--event", "ITK006D", "--payload", source, "--receiver-ods", "RCV01", "-o", str(message)).returncode
        == 0
    )
    offered = json.loads(cli("break", "--list", "--format", "json").stdout)
    for offer in offered:
        code = offer["code"]
        out = tmp_path / f"broken-{code}.xml"
        done = cli("break", str(message), "--code", code, "-o", str(out))
        assert done.returncode == 0, (code, done.stderr)
        assert f"{code} " in done.stderr  # the note says what was changed
        toml = out.with_suffix(".receiver.toml")
        settings = load_settings(toml) if toml.exists() else ReceiverSettings()
        assert toml.exists() == (offer["needs"] == "receiver"), code
        state = ReceiverState()
        if offer["needs"] == "second send":
            first = message if code == "20008" else out
            decide(first.read_bytes(), settings, state, clock=VirtualClock(), ids=SequentialIds(), validator=validator)
            assert "send" in done.stderr
        decision = decide(
            out.read_bytes(), settings, state, clock=VirtualClock(), ids=SequentialIds(), validator=validator
        )
        assert decision.codes[:1] == (code,), (code, decision.reasons)


@pytest.mark.parametrize("code", ["10009", "20003", "20004", "20007", "20008", "20010", "20014"])
def test_ack_answers_the_broken_copy(cli, tmp_path: Path, code: str) -> None:
    message = tmp_path / "accepted.json"
    source = str(require_shared(DOCUMENTS / PAYLOADS[1]))
    assert cli("new", "--event", "ITK006D", "--payload", source, "-o", str(message)).returncode == 0
    out = tmp_path / "broken.json"
    done = cli("break", str(message), "--code", code, "-o", str(out))
    assert done.returncode == 0, done.stderr
    toml = out.with_suffix(".receiver.toml")
    receiver = ["--receiver", str(toml)] if code in ("20003", "20010", "20014") else []
    assert toml.exists() == bool(receiver)
    sends = {"20007": [str(out), str(out)], "20008": [str(message), str(out)]}.get(code, [str(out)])
    if len(sends) == 2:
        assert "itk-workbench ack" in done.stderr  # the note says how to send it twice
    done = cli("ack", *sends, *receiver, "-o", str(tmp_path / "acks"), "--format", "json")
    assert done.returncode == 0, done.stderr
    decisions = json.loads(done.stdout)
    last = decisions[-1] if isinstance(decisions, list) else decisions
    assert [r["code"] for r in last["responses"]][:1] == [code]
    if len(sends) == 2:
        assert [r["code"] for r in decisions[0]["responses"]][:1] == ["20013"]


def test_break_needs_an_accepted_message_and_a_code_it_can_make(cli, tmp_path: Path) -> None:
    message = tmp_path / "m.xml"
    assert cli("new", "--event", "ITK003D", "-o", str(message)).returncode == 0
    done = cli("break", str(message), "--code", "20009")
    assert done.returncode == 2 and "no payload to break" in done.stderr
    for args, text in (
        (["--code", "20013"], "positive code"),
        (["--code", "30002"], "business code"),
        ([], "give MESSAGE and --code"),
    ):
        done = cli("break", str(message), *args)
        assert done.returncode == 2 and text in done.stderr, args
    broken = tmp_path / "b.xml"
    assert cli("break", str(message), "--code", "20006", "-o", str(broken)).returncode == 0
    done = cli("break", str(broken), "--code", "10001")
    assert done.returncode == 2 and "does not accept this message (it answers 20006)" in done.stderr
    done = cli("break", str(tmp_path / "missing.xml"), "--code", "10001")
    assert done.returncode == 2 and "no such file" in done.stderr and "Traceback" not in done.stderr
