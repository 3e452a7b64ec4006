"""``itk-workbench break``: a copy of an accepted message that a receiver answers with one code.

``break --list`` lists the codes the workbench can cause (with ``--receiver``, for that
receiver). ``break MESSAGE --code CODE`` writes the copy (``-o``, or standard output) and says on
standard error what was changed. A code that depends on what the receiver knows comes with the
receiver settings it needs, written beside ``-o`` as ``OUT.receiver.toml`` (or to
``--receiver-out``) for ``ack --receiver``; duplicates say how to send twice. The copy is checked
with the workbench's own receiver before it is written.

Exit 0 written; 2 for input that cannot be used (no such file, a message the receiver does not
accept, a code the workbench cannot cause) or a usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbench.cli.common import emit, fail, print_json
from workbench.core.acks.settings import ReceiverSettings, SettingsError, load_settings
from workbench.core.codecs import read_file_bytes
from workbench.core.compose.negative import make_negative, negative_codes, not_offered
from workbench.core.errors import WorkbenchError
from workbench.core.files import atomic_write


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "break",
        help="make a copy of an accepted message that a receiver answers with a chosen negative code",
        description="Make a negative test: a copy of MESSAGE (which the receiver accepts) changed so that the "
        "receiver answers exactly --code. The note on standard error says what was changed. Codes that depend "
        "on what the receiver knows come with receiver settings (OUT.receiver.toml beside -o) for ack "
        "--receiver. With --list, list the codes the workbench can cause.",
    )
    parser.add_argument("message", metavar="MESSAGE", nargs="?", help="the accepted message (FHIR XML or JSON)")
    parser.add_argument("--code", metavar="CODE", help="the response code the receiver should answer")
    parser.add_argument("--list", action="store_true", help="list the codes the workbench can cause")
    parser.add_argument("--receiver", metavar="SETTINGS.toml", help="the receiver's settings (default receiver)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="--list output format")
    parser.add_argument(
        "-o", "--output", metavar="OUT", help="the copy (.json: JSON, else XML; default: standard output)"
    )
    parser.add_argument(
        "--receiver-out", metavar="FILE", help="where the receiver settings go (default OUT.receiver.toml)"
    )


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(args.receiver) if args.receiver else ReceiverSettings()
    except SettingsError as exc:
        return fail(str(exc))
    if args.list:
        if args.message or args.code:
            return fail("--list lists the codes; leave out MESSAGE and --code")
        return _list(settings, args.format)
    if not args.message or not args.code:
        return fail("give MESSAGE and --code CODE (see break --list)")
    try:
        data = read_file_bytes(args.message)
        syntax = ("json" if args.output.lower().endswith(".json") else "xml") if args.output else None
        made = make_negative(data, args.code, settings, syntax=syntax)
    except WorkbenchError as exc:
        return fail(str(exc))
    print(f"itk-workbench: {made.code} {made.display}: {made.note}", file=sys.stderr)
    toml = made.settings_toml
    if toml is not None:
        target = args.receiver_out or (str(Path(args.output).with_suffix(".receiver.toml")) if args.output else None)
        if target is None:
            print("itk-workbench: the receiver needs these settings (save them for ack --receiver):", file=sys.stderr)
            print(toml, file=sys.stderr)
        else:
            try:
                atomic_write(target, toml.encode("utf-8"))
            except OSError as exc:
                return fail(f"cannot write {target}: {exc.strerror or exc}")
            print(
                f"itk-workbench: receiver settings written to {target} (itk-workbench ack ... --receiver {target})",
                file=sys.stderr,
            )
    return emit(made.data, args.output)


def _list(settings: ReceiverSettings, form: str) -> int:
    codes = negative_codes(settings)
    if form == "json":
        print_json([c.to_json() for c in codes])
        return 0
    needs = {"content": "", "receiver": "  [with receiver settings]", "second send": "  [send twice]"}
    for code in codes:
        print(f"{code.code}  {code.display}{needs[code.needs]}")
        print(f"       {code.how}")
    print(f"\n{len(codes)} codes; {sum(c.needs == 'content' for c in codes)} caused by the message's content alone.")
    print("Not offered:")
    for why in not_offered().values():
        print(f"  {why}")
    return 0
