"""``itk-workbench ack MESSAGE``: the Responses a receiver would send, written to files, and why.

An unreadable MESSAGE is not an error: it gets the 10009 Response. Exit 0 whatever was decided;
2 for input that cannot be used (no such file, bad settings or option).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from workbench.cli.common import fail, overwrites_input, print_json
from workbench.core.acks.receiver import Decision, ReceiverState, decide
from workbench.core.acks.settings import ReceiverSettings, SettingsError, load_settings
from workbench.core.clock import SystemClock, random_ids
from workbench.core.codecs import read_file_bytes
from workbench.core.errors import ReadError
from workbench.core.files import atomic_write
from workbench.core.validation.runner import Validator


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "ack",
        help="write the ITK Responses a receiver would send for a message, and say why",
        description="Decide, as an ITK3 receiver would, which ITK Responses (ITK008M) to send "
        "for MESSAGE: none, one or two. Each is written to DIR as <message-id>-<level>-<code>.xml "
        '(or .json with syntax = "json" in the settings), and the decision is explained. An unreadable '
        "MESSAGE gets the 10009 Response. Several MESSAGEs are received in order by one receiver, which "
        "remembers what it accepted: a second send of the same message is a duplicate (20007).",
    )
    add_receiver_options(parser, several=True)
    parser.add_argument("-o", "--output", metavar="DIR", default=".", help="folder for the Response files (default: .)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def add_receiver_options(parser: argparse.ArgumentParser, *, several: bool = False) -> None:
    """MESSAGE (one or, with ``several``, more), --receiver, --force, --business (shared with ``simulate``)."""
    if several:
        parser.add_argument("message", metavar="MESSAGE", nargs="+", help="the received messages, in order")
    else:
        parser.add_argument("message", metavar="MESSAGE", help="the received message (FHIR XML or JSON)")
    parser.add_argument("--receiver", metavar="SETTINGS.toml", help="receiver settings (TOML)")
    parser.add_argument(
        "--force",
        metavar="CODE",
        help="force an outcome: any ITK response code, 'none' (send nothing), 'malformed' (a Response "
        "without response.identifier) or 'truncated' (a cut-off Response)",
    )
    parser.add_argument("--business", metavar="CODE", help="the business response code (default 30001)")


def receiver_settings(args: argparse.Namespace) -> ReceiverSettings | None:
    """The receiver settings from --receiver, --force and --business; None after an error."""
    try:
        settings = load_settings(args.receiver) if args.receiver else ReceiverSettings()
        if args.force is not None:
            settings = settings.changed(forced=args.force.strip())
        if args.business is not None:
            settings = settings.changed(business_code=args.business.strip())
    except SettingsError as exc:
        fail(str(exc))
        return None
    return settings


def read_message(path: str) -> bytes | None:
    """The message bytes (read with the size bound); None, after an error message, when unreadable."""
    try:
        return read_file_bytes(path)
    except ReadError as exc:
        fail(str(exc))
    return None


def default_validator() -> Validator:
    """All layers with the shipped profiles, as ``validate`` runs them."""
    return Validator()


def run(args: argparse.Namespace) -> int:
    settings = receiver_settings(args)
    if settings is None:
        return 2
    received = []
    for path in args.message:
        data = read_message(path)
        if data is None:
            return 2
        received.append((path, data))
    folder = Path(args.output)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return fail(f"cannot create {folder}: {exc.strerror or exc}")
    state, validator, taken = ReceiverState(), default_validator(), set()
    results = []
    for path, data in received:
        decision = decide(data, settings, state, clock=SystemClock(), ids=random_ids, validator=validator)
        written = []
        for response in decision.responses:
            name = response_file_name(decision, response.level, response.code, response.syntax)
            target = _free(folder / name, taken)
            if overwrites_input(target, args.message) is not None:
                return fail(f"{target} is an input message; refusing to overwrite it (choose another -o folder)")
            try:
                atomic_write(target, response.data)
            except OSError as exc:
                return fail(f"cannot write {target}: {exc.strerror or exc}")
            written.append(str(target))
        results.append((path, decision, written))
    if args.format == "json":
        shown = [{"message": path, **decision.to_json(), "files": written} for path, decision, written in results]
        print_json(shown[0] if len(shown) == 1 else shown)
    else:
        print("\n".join(render_text(path, decision, written) for path, decision, written in results))
    sys.stdout.flush()
    return 0


def _free(target: Path, taken: set[Path]) -> Path:
    """``target``, or ``name-2.xml`` ... when an earlier message of this run wrote that name."""
    candidate, number = target, 1
    while candidate in taken:
        number += 1
        candidate = target.with_name(f"{target.stem}-{number}{target.suffix}")
    taken.add(candidate)
    return candidate


def response_file_name(decision: Decision, level: str, code: str, syntax: str) -> str:
    """``<original-id>-<level>-<code>.<syntax>`` with the id made safe for a file name."""
    base = decision.message_id if decision.readable and decision.message_id else "UNREADABLE-IN-ORIGINAL-MESSAGE"
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", base)[:80] or "message"
    return f"{safe}-{level}-{code}.{syntax}"


def render_text(path: str, decision: Decision, written: list[str]) -> str:
    """The decision in plain words."""
    lines = [f"{path}:"]
    sent = ", ".join(f"{r.level} {r.label}" for r in decision.responses) or "no Response"
    lines.append(f"  decision: {sent}")
    lines.extend(f"  - {reason}" for reason in decision.reasons)
    for response, file in zip(decision.responses, written, strict=True):
        defect = f" [{response.response.defect}]" if response.response.defect else ""
        lines.append(
            f"  wrote {file} ({response.level} {response.code}{defect}, to {response.to_mailbox or 'unknown mailbox'})"
        )
    return "\n".join(lines)
