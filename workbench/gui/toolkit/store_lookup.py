"""Looking in the message store from a worker: the message a Response answers, a message's Responses.

Each function opens the store file for the call (a connection per thread, as the store asks)
and never makes one: when there is no store file yet there is nothing in it. The store is the
one the command line uses (``$ITK_WORKBENCH_STORE``, else the user's data folder).
"""

from __future__ import annotations

from pathlib import Path

from workbench.core.store import MessageStore, default_store_path
from workbench.core.toolkit.stored import Found, StoredResponses, stored_message


def store_path() -> Path:
    """The message store's file."""
    return default_store_path()


def _open() -> MessageStore | None:
    path = store_path()
    return MessageStore(path) if path.is_file() else None


def find_answered(message_id: str) -> Found | None:
    """The stored message (not a Response) with this MessageHeader id, with its bytes.

    Raises:
        StoreError: the store cannot be read.
    """
    store = _open()
    if store is None:
        return None
    with store:
        return stored_message(store, message_id)


def find_responses(message_id: str) -> list[Found]:
    """The stored Responses quoting this MessageHeader id, oldest first.

    Raises:
        StoreError: the store cannot be read.
    """
    store = _open()
    if store is None:
        return []
    with store:
        return StoredResponses(store).found(message_id)
