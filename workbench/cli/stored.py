"""The ``--store PATH`` option every command that keeps messages takes, and opening the store."""

from __future__ import annotations

import argparse

from workbench.cli.common import fail
from workbench.core.store import STORE_ENV, MessageStore, StoreError


def add_store_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--store PATH``."""
    parser.add_argument(
        "--store",
        metavar="PATH",
        help=f"the message store file (default: ${STORE_ENV}, else the user's data folder)",
    )


def open_store(args: argparse.Namespace) -> MessageStore | None:
    """The store ``--store`` names (or the default); None after printing why it cannot be opened."""
    try:
        return MessageStore(args.store)
    except StoreError as exc:
        fail(str(exc))
        return None
