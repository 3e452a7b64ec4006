"""``itk-workbench convert FILE --to xml|json``: write a message in the other syntax (or the same)."""

from __future__ import annotations

import argparse
import sys

from workbench.cli.common import emit, fail
from workbench.cli.inputs import load_resource
from workbench.core.codecs import render, xml_only_details
from workbench.core.errors import WriteError
from workbench.core.words import plural


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "convert",
        help="convert a FHIR message between XML and JSON",
        description="Write FILE as FHIR XML or JSON. Values keep their exact text (72.50 stays "
        "72.50). XML-only details (comments, schemaLocation, namespace declarations) travel in "
        'JSON under the reserved "@xml" member so that XML -> JSON -> XML loses nothing; '
        "--plain leaves them out.",
    )
    parser.add_argument("file", metavar="FILE", help="FHIR XML or JSON file")
    parser.add_argument("--to", required=True, choices=("xml", "json"), help="output syntax")
    parser.add_argument("-o", "--output", metavar="OUT", help="output file (default: standard output)")
    parser.add_argument("--normalise", "--normalize", action="store_true", help="write elements in STU3 order")
    parser.add_argument("--plain", action="store_true", help='JSON only: leave out the "@xml" member')


def run(args: argparse.Namespace) -> int:
    document = load_resource(args.file, fragments=True)
    if document is None:
        return 2
    try:
        data = render(document, args.to, normalise=args.normalise, plain=args.plain)
    except WriteError as exc:
        return fail(f"cannot write {args.to.upper()}: {exc}")
    if args.plain and args.to == "json":
        dropped = xml_only_details(document)
        if dropped:
            print(
                f"itk-workbench: note: --plain left out {plural(dropped, 'XML-only detail')} (comments, attributes)",
                file=sys.stderr,
            )
    return emit(data, args.output, inputs=[args.file])
