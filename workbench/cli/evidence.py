"""``itk-workbench evidence MESSAGE [RESPONSE...] -o PACK.zip``: an evidence pack with a manifest."""

from __future__ import annotations

import argparse

from workbench.cli.common import emit, fail
from workbench.core.codecs import read_file_bytes
from workbench.core.errors import ReadError
from workbench.core.toolkit.evidence import MANIFEST, build_evidence


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "evidence",
        help="pack a message, its Responses, the report and the conversation into one zip",
        description="Write a zip holding MESSAGE's original bytes, the RESPONSE files as given, the "
        "validation report as HTML and JSON, the conversation as a sequence diagram (SVG) and "
        "event log (with no RESPONSE: a round trip to the simulated receiver, named as such), the "
        f"versions of the workbench, its profiles and code lists, and a {MANIFEST} manifest of "
        "every file in the pack (check it with: sha256sum -c SHA256SUMS).",
    )
    parser.add_argument("message", metavar="MESSAGE", help="the message (FHIR XML or JSON), as sent or received")
    parser.add_argument("responses", nargs="*", metavar="RESPONSE", help="the ITK Responses it got, in order")
    parser.add_argument("-o", "--output", required=True, metavar="PACK.zip", help="the zip file to write")
    parser.add_argument("--no-simulation", action="store_true", help="with no RESPONSE, leave the conversation out")


def run(args: argparse.Namespace) -> int:
    try:
        message = (args.message, read_file_bytes(args.message))
        responses = [(name, read_file_bytes(name)) for name in args.responses]
    except ReadError as exc:
        return fail(str(exc))
    pack = build_evidence(message, responses, simulate=not args.no_simulation)
    if emit(pack.data, args.output):
        return 2
    print(f"evidence pack written to {args.output}:")
    for name in pack.names:
        print(f"  {name}")
    for report in pack.reports:
        print(f"{report.name}: {report.verdict}")
    if pack.conversation is not None:
        print(pack.conversation.title)
    return 0
