"""``itk-workbench new``: make an ITK3 message for an event, or the ITK Response to a message.

``new --list-events`` lists the events the workbench can send. ``new --event CODE`` writes a new
message: the header for the event (sender, receiver, mailbox, the six handling keys) around the
payloads (``--payload``, FHIR XML or JSON) and attachments (``--attach``, any file, as ITK
attachment Binaries). ``new --event ITK008M --responds-to MESSAGE --code CODE`` writes the Response
a receiver would send. ``-o``'s extension picks the syntax (``.json``: JSON, else XML); without it
the message goes to standard output as XML. Notes and warnings go to standard error.

Exit 0 written; 2 for input that cannot be used or a usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbench.cli.common import emit, fail, print_json
from workbench.core.acks.builder import Responder
from workbench.core.acks.settings import ReceiverSettings
from workbench.core.catalogue import catalogue
from workbench.core.codecs import read_file, read_file_bytes, render
from workbench.core.compose.events import SendableEvent, sendable_event, sendable_events
from workbench.core.compose.payload import attach_file, attach_payload
from workbench.core.compose.skeleton import (
    DEFAULT_MAILBOX,
    Built,
    ComposeError,
    MessageSpec,
    Party,
    new_message,
    new_response,
)
from workbench.core.errors import ReadError, WorkbenchError
from workbench.core.session import MessageSession
from workbench.core.tree import Document


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "new",
        help="make a new ITK3 message for an event (or the ITK Response to a message)",
        description="Make a new ITK3 message: the MessageHeader for --event (sender, receiver, MESH mailbox, "
        "the six handling keys with the event's defaults and MessageDefinition) around the payloads and "
        "attachments given. With --list-events, list the events. With --event ITK008M --responds-to MESSAGE "
        "--code CODE, make the ITK Response a receiver would send. -o's extension picks the syntax "
        "(.json: JSON, else XML; default XML to standard output).",
    )
    parser.add_argument("--list-events", action="store_true", help="list the events the workbench can send")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="--list-events output format")
    parser.add_argument("--event", metavar="CODE", help="the event code (ITK003D ...; ITK008M for a Response)")
    parser.add_argument(
        "--payload",
        metavar="FILE",
        action="append",
        default=[],
        help="a FHIR document Bundle, other Bundle or resource (XML or JSON); for a message event a Bundle's "
        "entries join the message Bundle",
    )
    parser.add_argument(
        "--attach",
        metavar="FILE",
        action="append",
        default=[],
        help="a file (PDF, image, text, Word) to carry as an ITK attachment Binary inside the document",
    )
    sender = parser.add_mutually_exclusive_group()
    sender.add_argument("--sender-ods", metavar="X", help="the sender Organization's ODS code (default X26)")
    sender.add_argument("--sender-sds", metavar="X", help="the sender Practitioner's SDS user id")
    receiver = parser.add_mutually_exclusive_group()
    receiver.add_argument("--receiver-ods", metavar="Y", help="the recipient Organization's ODS code")
    receiver.add_argument("--receiver-sds", metavar="Y", help="the recipient Practitioner's SDS user id")
    parser.add_argument("--mailbox", metavar="M", help="the sender's MESH mailbox, source.endpoint (default X26ABC1)")
    parser.add_argument("--busack", action=argparse.BooleanOptionalAction, help="BusAckRequested (event default)")
    parser.add_argument("--infack", action=argparse.BooleanOptionalAction, help="InfAckRequested (event default)")
    parser.add_argument("--recipient-type", choices=("FA", "FI"), help="RecipientType (event default)")
    parser.add_argument("--message-definition", metavar="URL", help="the MessageDefinition (event default)")
    parser.add_argument(
        "--sender-reference", metavar="S", help="SenderReference (default None, at most 255 characters)"
    )
    parser.add_argument("--local-extension", metavar="S", help="LocalExtension (default None)")
    parser.add_argument("--responds-to", metavar="MESSAGE", help="the message an ITK Response (ITK008M) answers")
    parser.add_argument("--code", metavar="CODE", help="the response code of the Response (20013, 30001 ...)")
    parser.add_argument(
        "-o", "--output", metavar="OUT", help="output file, OUT.xml or OUT.json (default: standard output)"
    )


def run(args: argparse.Namespace) -> int:
    if args.list_events:
        return _list_events(args.format)
    if args.event is None and args.responds_to is None:
        return fail("give --event CODE (see new --list-events), or --list-events")
    code = (args.event or catalogue().response_event).strip().upper()
    event = sendable_event(code)
    if event is None:
        legacy = catalogue().event(code)
        if legacy is not None and legacy.legacy:
            return fail(f"{code} is a legacy event (replaced by ITK008M in 2018) and is never sent")
        return fail(f"{args.event!r} is not an event the workbench can send; see new --list-events")
    syntax = "json" if args.output and args.output.lower().endswith(".json") else "xml"
    try:
        built = _response(args, syntax) if event.is_response else _message(args, event, syntax)
    except WorkbenchError as exc:
        return fail(str(exc))
    if built is None:
        return 2
    for note in built.notes:
        print(f"itk-workbench: note: {note}", file=sys.stderr)
    return emit(render(built.document, syntax, plain=True), args.output)  # JSON: strictly FHIR, no comments


def _list_events(form: str) -> int:
    events = sendable_events()
    if form == "json":
        print_json([e.to_json() for e in events])
        return 0
    for event in events:
        definition = event.definition
        print(f"{event.code}  {event.display}")
        print(f"    {event.meaning}")
        print(f"    payload: {event.payload_kind}; workflow: {event.workflow or '(not published)'}", end="")
        print(f" (Responses: {event.ack_workflow})" if event.ack_workflow else "")
        print(f"    MessageDefinition: {definition.url}")
        if definition.assumed or definition.version:
            print(f"        {definition.label.split(' (', 1)[1].rstrip(')')}")
    return 0


def _message(args: argparse.Namespace, event: SendableEvent, syntax: str) -> Built | None:
    if args.responds_to is not None or args.code is not None:
        fail("--responds-to and --code make an ITK Response: use them with --event ITK008M")
        return None
    sender = Party("sds", args.sender_sds) if args.sender_sds else Party("ods", args.sender_ods or "X26")
    receiver = None
    if args.receiver_ods or args.receiver_sds:
        receiver = Party("sds", args.receiver_sds) if args.receiver_sds else Party("ods", args.receiver_ods)
    spec = MessageSpec(
        event.code,
        sender=sender,
        receiver=receiver,
        mailbox=args.mailbox or DEFAULT_MAILBOX,
        bus_ack=args.busack,
        inf_ack=args.infack,
        recipient_type=args.recipient_type,
        message_definition=args.message_definition,
        sender_reference=args.sender_reference if args.sender_reference is not None else "None",
        local_extension=args.local_extension if args.local_extension is not None else "None",
    )
    built = new_message(spec, syntax=syntax)
    session = MessageSession.from_document(built.document, f"New {event.code} message")
    notes = [n for n in built.notes if not (n.endswith("attach it to complete the message") and args.payload)]
    document = built.document
    for path in args.payload:
        payload = _read_payload(path)
        attached = attach_payload(document, payload, replace=False)
        session.apply(attached.edit)
        notes.extend(attached.notes)
    for path in args.attach:
        data = read_file_bytes(path)
        attached = attach_file(document, data, Path(path).name, limit=ReceiverSettings().size_limit)
        session.apply(attached.edit)
        notes.extend(attached.notes)
        for warning in attached.warnings:
            print(f"itk-workbench: warning: {Path(path).name}: {warning}", file=sys.stderr)
    return Built(document, tuple(notes))


def _read_payload(path: str) -> Document:
    try:
        return read_file(path)
    except ReadError as exc:
        raise ComposeError(f"the payload {exc}") from None


def _response(args: argparse.Namespace, syntax: str) -> Built | None:
    if args.responds_to is None or args.code is None:
        fail("an ITK Response (ITK008M) answers a message: give --responds-to MESSAGE and --code CODE")
        return None
    if args.payload or args.attach:
        fail("an ITK Response carries no payload or attachment")
        return None
    if args.sender_sds or args.receiver_ods or args.receiver_sds:
        fail("a Response is sent by the receiving organisation (--sender-ods) to the message's sender")
        return None
    data = read_file_bytes(args.responds_to)
    defaults = ReceiverSettings()
    responder = None
    if args.sender_ods or args.mailbox:
        responder = Responder(args.sender_ods or defaults.ods_code, args.mailbox or defaults.mailbox)
    return new_response(data, args.code, responder=responder, recipient_type=args.recipient_type or "FI", syntax=syntax)
