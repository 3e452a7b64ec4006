"""Reading and writing the message store off the GUI thread.

Each :class:`StoreTask` runs one piece of work in the context's thread pool with a connection of
its own (the store's rule: one per thread; SQLite's write-ahead log lets readers run beside the
MESH worker that writes). The work is a function of the open store that returns a small frozen
dataclass; the task reports it through a :class:`~workbench.gui.tasks.TaskSignals` carrier, or a
:class:`~workbench.gui.tasks.TaskFailure` in words (never a traceback).

The functions here are that work: the ids a query matches and the first page of rows
(:func:`list_messages`), a page of rows (:func:`read_page`), a conversation and its diagram
(:func:`read_conversation`), the bytes of one message (:func:`read_bytes_of`), exporting and
importing files (:func:`export_messages`, :func:`import_files`).
"""

from __future__ import annotations

import logging
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool

from workbench.core.acks.runs import RoundTrip
from workbench.core.errors import WorkbenchError
from workbench.core.files import atomic_write
from workbench.core.store import MessageStore, Query, StoredMessage
from workbench.core.store.conversations import side_of, stored_round_trip
from workbench.core.store.importing import SUFFIXES, files_to_import, import_file
from workbench.core.validation.runner import Validator
from workbench.gui.tasks import TaskFailure, TaskSignals, carrier

log = logging.getLogger(__name__)

#: Rows read at a time (a screenful or two).
PAGE_SIZE = 200


@dataclass(frozen=True, slots=True)
class Listing:
    """What a query matched.

    Attributes:
        generation: The request number it answers.
        query: The query.
        ids: Every matching row id, newest first.
        first: The first page of rows.
        seconds: How long the query took.
    """

    generation: int
    query: Query
    ids: array
    first: tuple[StoredMessage, ...]
    seconds: float


@dataclass(frozen=True, slots=True)
class Page:
    """Rows read for a listing.

    Attributes:
        generation: The listing's request number.
        start: The position of the first row in the listing.
        rows: The rows, in listing order (a row deleted meanwhile is left out).
    """

    generation: int
    start: int
    rows: tuple[StoredMessage, ...]


@dataclass(frozen=True, slots=True)
class ConversationView:
    """A conversation as one mailbox saw it, with its sequence diagram.

    Attributes:
        generation: The request number it answers.
        conversation: The conversation id.
        mailbox: The mailbox whose side it is (None: every row, as for imported files).
        rows: Its rows in the order they happened.
        trip: The round trip the diagram draws; None when it cannot be drawn.
        note: Why there is no diagram, in words ("" when there is one).
    """

    generation: int
    conversation: str
    mailbox: str | None
    rows: tuple[StoredMessage, ...]
    trip: RoundTrip | None
    note: str = ""


@dataclass(frozen=True, slots=True)
class StoredBytes:
    """The bytes of a stored message, to open or send again.

    Attributes:
        generation: The request number it answers.
        row: The row.
        data: Its bytes, exactly as sent, received or imported.
        purpose: What they were read for (``open``, ``resend``).
    """

    generation: int
    row: StoredMessage
    data: bytes
    purpose: str


@dataclass(frozen=True, slots=True)
class FilesDone:
    """What an export or an import did.

    Attributes:
        generation: The request number it answers.
        written: Files written (export) or rows added (import).
        skipped: What was not done, each with why.
        note: One line for the status bar.
    """

    generation: int
    written: tuple[str, ...]
    skipped: tuple[str, ...]
    note: str


class StoreTask(QRunnable):
    """Run ``work`` with a store connection of its own, on a pool thread.

    Args:
        path: The store file.
        work: What to do with the open store; returns the result dataclass.
        generation: The request number (echoed in a failure).
        signals: Where to report; created on the GUI thread.
        what: What the work is, for a failure (``list``, ``page``, ``open`` ...).
    """

    def __init__(
        self,
        path: Path,
        work: Callable[[MessageStore], object],
        generation: int,
        signals: TaskSignals,
        what: str,
    ) -> None:
        super().__init__()
        self.path = path
        self.work = work
        self.generation = generation
        self.signals = signals
        self.what = what

    def run(self) -> None:
        """Do the work (called on a pool thread)."""
        try:
            with MessageStore(self.path) as store:
                result = self.work(store)
        except (WorkbenchError, ValueError, LookupError, OSError) as exc:
            self.signals.sig_task_failed.emit(TaskFailure(self.generation, str(self.path), str(exc), self.what))
            return
        except Exception as exc:  # a worker must report every failure, in words, never crash
            log.exception("message store task %s failed", self.what)
            text = f"{type(exc).__name__}: {exc}"
            self.signals.sig_task_failed.emit(TaskFailure(self.generation, str(self.path), text, self.what))
            return
        self.signals.sig_result_ready.emit(result)


def start_store_task(
    pool: QThreadPool,
    owner: QObject,
    path: Path,
    work: Callable[[MessageStore], object],
    generation: int,
    what: str,
    done: Callable[[object], object],
    failed: Callable[[TaskFailure], object],
) -> None:
    """Run ``work`` in ``pool``; ``done`` gets its result and ``failed`` a failure, on the GUI thread."""
    pool.start(StoreTask(path, work, generation, carrier(owner, done, failed), what))


# ---- the work ------------------------------------------------------------------------------


def list_messages(query: Query, generation: int) -> Callable[[MessageStore], Listing]:
    """Every id matching ``query`` and the first page of rows."""

    def work(store: MessageStore) -> Listing:
        started = time.perf_counter()
        ids = store.ids(query)
        first = tuple(store.rows(ids[:PAGE_SIZE]))
        return Listing(generation, query, ids, first, time.perf_counter() - started)

    return work


def read_page(ids: tuple[int, ...], start: int, generation: int) -> Callable[[MessageStore], Page]:
    """The rows with these ids (a page of a listing starting at ``start``)."""

    def work(store: MessageStore) -> Page:
        return Page(generation, start, tuple(store.rows(ids)))

    return work


def read_conversation(
    conversation: str, mailbox: str | None, generation: int
) -> Callable[[MessageStore], ConversationView]:
    """A conversation's rows as ``mailbox`` saw them, and its diagram when it can be drawn."""

    def work(store: MessageStore) -> ConversationView:
        rows = tuple(side_of(store, conversation, mailbox))
        try:
            trip = stored_round_trip(store, conversation, mailbox=mailbox)
        except LookupError as exc:
            return ConversationView(generation, conversation, mailbox, rows, None, f"No diagram: {exc}.")
        return ConversationView(generation, conversation, mailbox, rows, trip)

    return work


def read_bytes_of(row_id: int, purpose: str, generation: int) -> Callable[[MessageStore], StoredBytes]:
    """The bytes of the row with this id."""

    def work(store: MessageStore) -> StoredBytes:
        row = store.get(row_id)
        if row is None:
            raise LookupError(f"message #{row_id} is no longer in the store")
        return StoredBytes(generation, row, store.data(row), purpose)

    return work


def file_name(row: StoredMessage) -> str:
    """A file name for a stored message's bytes: its MessageHeader id (or row), and its syntax."""
    base = row.message_id or (Path(row.name).stem if row.name else f"message-{row.id}")
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in base)
    suffix = Path(row.name).suffix.lower() if row.name and Path(row.name).suffix.lower() in SUFFIXES else ""
    return f"{safe}{suffix or '.xml'}"


def export_messages(
    row_ids: tuple[int, ...], target: Path, into_folder: bool, generation: int
) -> Callable[[MessageStore], FilesDone]:
    """Write the original bytes of rows: to ``target`` (one row), or into the folder ``target``."""

    def work(store: MessageStore) -> FilesDone:
        written: list[str] = []
        skipped: list[str] = []
        taken: set[str] = set()
        for row in store.rows(row_ids):
            data = store.data(row)
            if into_folder:
                name = file_name(row)
                if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{" and name.endswith(".xml"):
                    name = name[:-4] + ".json"
                stem, dot, suffix = name.rpartition(".")
                number = 2
                while name in taken or (target / name).exists():
                    name = f"{stem}-{number}{dot}{suffix}"
                    number += 1
                taken.add(name)
                path = target / name
            else:
                path = target
            try:
                atomic_write(path, data)
            except OSError as exc:
                skipped.append(f"{path}: {exc.strerror or exc}")
                continue
            written.append(str(path))
        where = target if into_folder else target.parent
        note = f"Exported {len(written)} message{'s' if len(written) != 1 else ''} to {where}"
        return FilesDone(generation, tuple(written), tuple(skipped), note)

    return work


def import_files(
    paths: tuple[str, ...], validator: Callable[[], Validator], generation: int
) -> Callable[[MessageStore], FilesDone]:
    """Store every ``.xml`` and ``.json`` file under the paths (unreadable ones too, marked so)."""

    def work(store: MessageStore) -> FilesDone:
        files, missing = files_to_import(paths)
        skipped = [f"{raw}: no such file or folder" for raw in missing]
        checker = validator() if files else None
        added: list[str] = []
        already = 0
        for file in files:
            row, new = import_file(store, file, checker)
            if row is None:
                skipped.append(f"{file}: cannot be read from disk")
            elif new:
                added.append(f"#{row.id}")
            else:
                already += 1
        note = f"Imported {len(added)} message{'s' if len(added) != 1 else ''}"
        if already:
            note += f"; {already} already in the store"
        return FilesDone(generation, tuple(added), tuple(skipped), note)

    return work
