"""The message store seen by the tester's toolkit: the message a Response answers, and the
Responses a message got, found by MessageHeader id.

:func:`stored_message` finds the message (not a Response) whose MessageHeader id a Response
quotes, so "Open the message it answers" can open it from the store; :class:`StoredResponses`
is the :class:`~workbench.core.toolkit.evidence.ResponseSource` an evidence pack takes its
Responses from. Each finds bytes exactly as they were stored; the same bytes stored twice (sent
and received through one store) count once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from workbench.core.store import MessageStore, StoredMessage


@dataclass(frozen=True, slots=True)
class Found:
    """A stored message found by MessageHeader id.

    Attributes:
        name: what to call it (the name it was stored under, else its event and id).
        data: its bytes, exactly as stored.
        row: the store's row.
    """

    name: str
    data: bytes
    row: StoredMessage


def stored_name(row: StoredMessage) -> str:
    """What to call a stored message: the file name it came with, else its event and id."""
    if row.name:
        return Path(row.name).name
    words = [row.event or "message", (row.message_id or row.sha256)[:8]]
    return " ".join(words) + ".xml"


def stored_message(store: MessageStore, message_id: str) -> Found | None:
    """The first stored message (not a Response) with this MessageHeader id, if any."""
    for row in store.find(message_id=message_id):
        if not row.is_response and row.readable:
            return Found(stored_name(row), store.data(row), row)
    return None


class StoredResponses:
    """The Responses kept in a message store, by the message they answer.

    Args:
        store: the open store.
    """

    def __init__(self, store: MessageStore) -> None:
        self.store = store

    def found(self, message_id: str) -> list[Found]:
        """The stored Responses quoting ``message_id``, oldest first, each bytes once."""
        rows = sorted(self.store.find(response_to=message_id), key=lambda r: (r.time, r.id))
        seen: set[str] = set()
        found = []
        for row in rows:
            if row.sha256 in seen:
                continue
            seen.add(row.sha256)
            found.append(Found(stored_name(row), self.store.data(row), row))
        return found

    def responses_for(self, message_id: str) -> Sequence[tuple[str, bytes]]:
        """Override ResponseSource.responses_for: (name, bytes) of each, in the order stored."""
        return [(item.name, item.data) for item in self.found(message_id)]
