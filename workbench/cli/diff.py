"""``itk-workbench diff A B``: compare two messages element by element, with FHIR paths."""

from __future__ import annotations

import argparse

from workbench.cli.common import print_json
from workbench.cli.inputs import load_resource
from workbench.core.toolkit.diff import diff_documents


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "diff",
        help="compare two messages: added, removed, changed and moved elements",
        description="Compare messages A and B as element trees (XML and JSON of the same message "
        "compare equal) and list each added, removed, changed or moved element with its FHIR path. "
        "--ignore-volatile leaves out what changes on every send: resource ids and fullUrls renamed "
        "consistently (references are compared through the renaming), instants such as the "
        "MessageHeader timestamp, Bundle identifiers and generated (UUID) identifiers. Exit 0 when "
        "they are the same, 1 when they differ, 2 when one cannot be read.",
    )
    parser.add_argument("a", metavar="A", help="the first message (FHIR XML or JSON)")
    parser.add_argument("b", metavar="B", help="the second message")
    parser.add_argument(
        "--ignore-volatile", action="store_true", help="ignore ids, fullUrls, timestamps and generated identifiers"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def run(args: argparse.Namespace) -> int:
    first = load_resource(args.a)
    second = load_resource(args.b)
    if first is None or second is None:
        return 2
    result = diff_documents(first, second, ignore_volatile=args.ignore_volatile)
    if args.format == "json":
        print_json(result.to_json())
    else:
        ignoring = " (ignoring ids, fullUrls, timestamps and generated identifiers)" if args.ignore_volatile else ""
        print(f"A: {args.a}\nB: {args.b}")
        if result.same:
            print(f"same: A and B hold the same message{ignoring}")
        else:
            print(f"different: {result.summary()}{ignoring}")
            for difference in result.differences:
                print(f"  {difference.text}")
    return 0 if result.same else 1
