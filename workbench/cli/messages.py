"""``itk-workbench messages``: list and search the message store, or import files into it.

::

    itk-workbench messages [--search TEXT] [--direction in|out] [--event CODE] [--state S]
                           [--since DATE] [--until DATE] [--conversation ID] [--format text|json]
    itk-workbench messages import PATH...

``import`` stores every ``.xml`` and ``.json`` file under the paths, unreadable ones included
(marked so); the same bytes imported twice are one message. Exit 0; 1 when ``import`` found
unreadable files (they are stored all the same); 2 for unusable input.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from workbench.cli.common import fail, print_json
from workbench.cli.stored import add_store_option, open_store
from workbench.core.store import Query, StoredMessage
from workbench.core.store.importing import files_to_import, import_file
from workbench.core.validation.runner import Validator


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "messages",
        help="list and search the stored messages, or import files into the store",
        description="List the messages and Responses kept in the message store (newest first), "
        "filtered and searched; or import files into it.",
    )
    parser.add_argument("--search", metavar="TEXT", help="ids, NHS numbers, names, codes ... (each word a prefix)")
    parser.add_argument("--direction", choices=("in", "out"), help="received (in) or sent (out)")
    parser.add_argument("--event", metavar="CODE", help="an event code (ITK008M for Responses)")
    parser.add_argument("--state", help="a transfer state (failed ...) or a conversation state (complete ...)")
    parser.add_argument("--since", metavar="DATE", help="stored on or after (YYYY-MM-DD or a time)")
    parser.add_argument("--until", metavar="DATE", help="stored on or before (YYYY-MM-DD or a time)")
    parser.add_argument("--conversation", metavar="ID", help="the messages of one conversation")
    parser.add_argument("--limit", type=int, default=1000, help="at most this many (default 1000)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    add_store_option(parser)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    importer = actions.add_parser("import", help="store every .xml and .json file under the paths")
    importer.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    importer.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    add_store_option(importer)


def run(args: argparse.Namespace) -> int:
    if args.action == "import":
        return run_import(args)
    query = Query(
        text=args.search,
        direction=args.direction,
        event=args.event,
        state=args.state,
        since=args.since,
        until=args.until,
        conversation=args.conversation,
        limit=max(1, args.limit),
    )
    store = open_store(args)
    if store is None:
        return 2
    with store:
        try:
            rows = store.query(query)
        except ValueError as exc:
            return fail(str(exc))
        if args.format == "json":
            print_json([row.to_json() for row in rows])
            return 0
        if not rows:
            print(f"no stored message matches (store: {store.path})")
        for row in rows:
            print(render_row(row))
    return 0


def render_row(row: StoredMessage) -> str:
    """One line per stored message."""
    arrow = "->" if row.direction == "out" else "<-"
    what = f"{row.event or 'unreadable'}" + (f" {row.response_code}" if row.response_code else "")
    state = row.state + (f", {row.conversation_state}" if row.direction == "out" and row.conversation_state else "")
    place = row.peer or (Path(row.name).name if row.name else "")
    line = f"#{row.id:<5} {row.time[:19]}  {arrow} {place:<12} {what:<16} {row.message_id or '-':<36}  {state}"
    if row.error:
        line += f"\n        error: {row.error}"
    return line


def run_import(args: argparse.Namespace) -> int:
    files, missing = files_to_import(args.paths)
    if missing:
        return fail(f"{missing[0]}: no such file or folder")
    store = open_store(args)
    if store is None:
        return 2
    validator = Validator()
    report = []
    unreadable = 0
    with store:
        for file in files:
            row, added = import_file(store, file, validator)
            if row is None:
                unreadable += 1
                report.append({"file": str(file), "error": "cannot be read from disk", "id": None, "added": False})
                continue
            unreadable += 0 if row.readable else 1
            report.append(
                {"file": str(file), "id": row.id, "added": added, "readable": row.readable, "error": row.error}
            )
    if args.format == "json":
        print_json(report)
    else:
        for item in report:
            status = "stored" if item["added"] else "already stored" if item["id"] else "NOT stored"
            extra = f" (unreadable: {item['error']})" if item.get("error") else ""
            print(f"{item['file']}: {status}" + (f" as #{item['id']}" if item["id"] else "") + extra)
        added = sum(1 for i in report if i["added"])
        print(f"{len(files)} file(s): {added} stored, {len(files) - added} already there or not readable")
    return 1 if unreadable else 0
