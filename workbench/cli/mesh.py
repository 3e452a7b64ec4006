"""``itk-workbench mesh ...``: a local MESH, and sending and receiving ITK3 messages over MESH.

::

    itk-workbench mesh sandbox [--port N] [--shared-key K] [--data-dir DIR]
    itk-workbench mesh send FILE --to MAILBOX [--workflow ID]
    itk-workbench mesh poll [--once] [--auto-respond [--receiver SETTINGS.toml]]
    itk-workbench mesh retry [ID...]

The endpoint and mailbox come from ``--url``/``--mailbox``, ``MESH_URL``/``MESH_MAILBOX`` or the
config file; the password and shared key from ``MESH_PASSWORD``/``MESH_SHARED_KEY``, the keyring
or the secrets file, never from the command line. ``--folder ROOT`` uses a MESH client's
folders instead of the MESH API. Every message is kept in the store (``--store PATH``).
Exit codes: 0 done; 1 something was not sent or could not be received (it is kept, with the
error); 2 unusable input or settings.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from workbench.cli.ack import read_message
from workbench.cli.common import fail, print_json
from workbench.cli.stored import add_store_option, open_store
from workbench.core.acks.settings import ReceiverSettings, SettingsError, load_settings
from workbench.core.exchange import Exchange, ExchangeError, MeshSettingsError, Outcome, PollResult, load_mesh_settings
from workbench.core.exchange.settings import MeshSettings
from workbench.core.store import MessageStore, StoredMessage
from workbench.core.transport.base import TransportError
from workbench.core.transport.sandbox import DEFAULT_SHARED_KEY, LocalMesh, SandboxError


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "mesh",
        help="send and receive ITK3 messages over MESH; run a local MESH",
        description="Send and receive ITK3 messages over a MESH API endpoint (or a MESH client's "
        "folders), keeping every message in the message store; run a local MESH (mesh-sandbox).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    sandbox = actions.add_parser("sandbox", help="run a local MESH on loopback until stopped (Ctrl+C)")
    sandbox.add_argument("--port", type=int, help="the port (default: a free one)")
    sandbox.add_argument("--shared-key", default=DEFAULT_SHARED_KEY, help="the HMAC shared key (default TestKey)")
    sandbox.add_argument("--data-dir", metavar="DIR", help="keep messages in this folder (default: in memory)")

    send = actions.add_parser("send", help="send a message to a mailbox (kept in the store)")
    send.add_argument("file", metavar="FILE", help="the message (FHIR XML or JSON)")
    send.add_argument("--to", required=True, metavar="MAILBOX", help="the recipient's mailbox")
    send.add_argument("--workflow", metavar="ID", help="the WorkflowID (default: the event's, from the catalogue)")
    _connection_options(send)

    poll = actions.add_parser("poll", help="receive what is waiting (and answer it with --auto-respond)")
    poll.add_argument("--once", action="store_true", help="poll once and stop (default: poll until stopped)")
    poll.add_argument("--interval", type=float, default=5.0, metavar="S", help="seconds between polls (default 5)")
    poll.add_argument(
        "--auto-respond",
        action="store_true",
        help="act as the receiver: answer each message with the simulator's Responses",
    )
    poll.add_argument("--receiver", metavar="SETTINGS.toml", help="the auto-responder's receiver settings (TOML)")
    _connection_options(poll)

    retry = actions.add_parser("retry", help="send again what is pending or failed (never twice)")
    retry.add_argument("ids", nargs="*", type=int, metavar="ID", help="stored message ids (default: all outstanding)")
    _connection_options(retry)


def _connection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help="the MESH API endpoint (or MESH_URL)")
    parser.add_argument("--mailbox", help="this mailbox (or MESH_MAILBOX)")
    parser.add_argument("--config", metavar="FILE", help="the MESH settings file (default: the user's mesh.toml)")
    parser.add_argument("--folder", metavar="ROOT", help="use a MESH client's folders under ROOT, not the MESH API")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    add_store_option(parser)


def run(args: argparse.Namespace) -> int:
    if args.action == "sandbox":
        return run_sandbox(args)
    try:
        settings = load_mesh_settings(args.config, url=args.url, mailbox=args.mailbox)
    except MeshSettingsError as exc:
        return fail(str(exc))
    receiver = ReceiverSettings()
    if getattr(args, "receiver", None):
        try:
            receiver = load_settings(args.receiver)
        except SettingsError as exc:
            return fail(str(exc))
    data = None
    if args.action == "send":
        data = read_message(args.file)
        if data is None:
            return 2
    store = open_store(args)
    if store is None:
        return 2
    with store:
        transport = _transport(args, settings)
        if transport is None:
            return 2
        try:
            exchange = Exchange(
                store, transport, settings, receiver=receiver, transport_name="folder" if args.folder else "mesh"
            )
            if args.action == "send":
                assert data is not None
                return _send(exchange, args, data)
            if args.action == "retry":
                return _retry(exchange, args)
            return _poll(exchange, args)
        finally:
            close = getattr(transport, "close", None)
            if close is not None:
                close()


def _transport(args: argparse.Namespace, settings: MeshSettings) -> object | None:
    if args.folder:
        from workbench.core.transport.folder import FolderTransport

        if not settings.mailbox:
            fail("give this mailbox with --mailbox or MESH_MAILBOX")
            return None
        try:
            return FolderTransport(args.folder, settings.mailbox)
        except (TransportError, OSError) as exc:
            fail(str(exc))
            return None
    from workbench.core.transport.mesh import MeshTransport

    try:
        return MeshTransport(settings.connection())
    except MeshSettingsError as exc:
        fail(str(exc))
        return None


def _send(exchange: Exchange, args: argparse.Namespace, data: bytes) -> int:
    try:
        outcome = exchange.send(data, args.to, workflow=args.workflow, name=args.file)
    except ExchangeError as exc:
        return fail(f"{args.file}: {exc}")
    if args.format == "json":
        print_json(outcome.row.to_json())
    else:
        print(_outcome_line(outcome, args.file))
    if outcome.failed:
        print(
            f"itk-workbench: error: {outcome.note}\n  the message is kept in the store as #{outcome.row.id}; "
            "send it again with: itk-workbench mesh retry",
            file=sys.stderr,
        )
        return 1
    return 0


def _retry(exchange: Exchange, args: argparse.Namespace) -> int:
    outcomes = exchange.retry(args.ids or None)
    if args.format == "json":
        print_json([{**o.row.to_json(), "note": o.note, "sent_now": o.sent} for o in outcomes])
    elif not outcomes:
        print("nothing to retry: no message is pending or failed")
    for outcome in outcomes:
        if args.format == "text":
            print(_outcome_line(outcome, f"#{outcome.row.id}"))
        if outcome.failed:
            print(f"itk-workbench: error: #{outcome.row.id}: {outcome.note}", file=sys.stderr)
    return 1 if any(o.failed for o in outcomes) else 0


def _outcome_line(outcome: Outcome, what: str) -> str:
    row = outcome.row
    if outcome.failed:
        return f"{what}: NOT sent to {row.peer} (kept as #{row.id}, attempt {row.attempts})"
    how = "sent" if outcome.sent else outcome.note or row.state
    state = (row.conversation_state or "").replace("-", " ")
    return (
        f"{what}: {how} to {row.peer} as MESH message {row.mesh_message_id} (local id {row.local_id}, "
        f"workflow {row.workflow_id}); #{row.id}, conversation {state}"
    )


def _poll(exchange: Exchange, args: argparse.Namespace) -> int:
    stop = threading.Event()
    _on_signals(stop.set)
    failed = False
    while True:
        result = exchange.poll(auto_respond=args.auto_respond)
        failed = failed or bool(result.errors) or any(o.failed for o in result.outgoing)
        _print_poll(result, exchange.store, args.format)
        if args.once or stop.wait(max(0.2, args.interval)):
            break
    return 1 if failed else 0


def _print_poll(result: PollResult, store: MessageStore, form: str) -> None:
    if form == "json":
        print_json(
            {
                "received": [r.to_json() for r in result.received],
                "sent": [o.row.to_json() for o in result.outgoing],
                "duplicates": result.duplicates,
                "reports": result.reports,
                "errors": result.errors,
            }
        )
        sys.stdout.flush()
        return
    for row in result.received:
        print(_received_line(row, store))
    for outcome in result.outgoing:
        row = outcome.row
        print(
            f"  {'sent' if not outcome.failed else 'NOT sent'} {row.kind} {row.response_code} to {row.peer} (#{row.id})"
        )
    for report in result.reports:
        print(f"report: {report}")
    for error in result.errors:
        print(f"itk-workbench: error: {error}", file=sys.stderr)
    if not (result.received or result.errors or result.reports):
        print("nothing waiting")
    sys.stdout.flush()


def _received_line(row: StoredMessage, store: MessageStore) -> str:
    what = f"Response {row.response_code}" if row.is_response else (row.event or "unreadable message")
    line = f"received {what} from {row.peer} (MESH {row.mesh_message_id}, #{row.id}, {row.state})"
    if row.is_response and row.response_to:
        answered = [r for r in store.find(message_id=row.response_to) if r.direction == "out"]
        if answered:
            line += f"; conversation {(store.get(answered[0].id) or answered[0]).conversation_state}"
    decision = row.decision_data
    if decision:
        line += "; answered " + (", ".join(decision.get("codes") or []) or "with no Response")
    return line


def _on_signals(handler: Callable[[], None]) -> None:
    """Call ``handler`` on Ctrl+C or SIGTERM (the loop then ends cleanly)."""

    def stop(signum: int, frame: FrameType | None) -> None:
        handler()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)


def run_sandbox(args: argparse.Namespace) -> int:
    stop = threading.Event()
    _on_signals(stop.set)
    mesh = LocalMesh(args.port, args.shared_key, Path(args.data_dir) if args.data_dir else None)
    try:
        mesh.start()
    except SandboxError as exc:
        return fail(str(exc))
    try:
        print(f"local MESH running at {mesh.url} (health: {mesh.url}/health)")
        print("mailboxes (each with the sandbox's test password 'password'):")
        for box in mesh.mailboxes:
            print(f"  {box.mailbox}  {box.name}  ODS {box.ods_code}")
        # The default key is the sandbox's published test key, not a secret; a key given is never echoed.
        key = (
            f"MESH_SHARED_KEY={DEFAULT_SHARED_KEY}"
            if args.shared_key == DEFAULT_SHARED_KEY
            else "MESH_SHARED_KEY=<your key>"
        )
        print(f"use it with: MESH_URL={mesh.url} MESH_MAILBOX=X26ABC1 MESH_PASSWORD=password {key}")
        print("stop it with Ctrl+C")
        sys.stdout.flush()
        while not stop.wait(0.5):
            if not mesh.running:
                return fail("the local MESH stopped by itself")
    finally:
        mesh.stop()
    return 0


__all__ = ["add_parser", "run"]
