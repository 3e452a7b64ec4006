"""The SQLite message store: every message and Response sent, received or imported.

One file (WAL mode, ``synchronous=FULL``): each change is a transaction, so a process killed
mid-write loses nothing it committed and leaves a file that opens. The bytes are kept once per
SHA-256 in ``blobs``; each transfer is a row of ``messages``; ``search`` is a full-text index.
A :class:`MessageStore` holds one connection: open one per thread (the GUI's workers each open
their own; SQLite serialises the writers).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from array import array
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.core.store.records import COLUMNS, DESCRIBED, Description, Query, StoredMessage, describe
from workbench.core.store.schema import StoreError, migrate
from workbench.core.validation.runner import Validator

#: The environment variable naming the store file.
STORE_ENV = "ITK_WORKBENCH_STORE"
_SHA_PREFIX = re.compile(r"[0-9a-f]{8,64}")


def default_store_path() -> Path:
    """``$ITK_WORKBENCH_STORE``, else ``$XDG_DATA_HOME/itk-workbench/messages.sqlite3``
    (``~/.local/share/...`` when XDG_DATA_HOME is not set)."""
    named = os.environ.get(STORE_ENV)
    if named:
        return Path(named).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "itk-workbench" / "messages.sqlite3"


def now_text() -> str:
    """The current time as the store writes it (UTC ISO 8601 with microseconds)."""
    return stamp(datetime.now(UTC))


def stamp(when: datetime) -> str:
    """A time as the store writes it (sortable as text)."""
    return when.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """One conversation as a list shows it.

    Attributes:
        conversation: its id (the MessageHeader.id of the message that started it).
        event: the event of that message.
        state: the tracker's state of the conversation (from the sent message's row, or the
            latest known).
        started, last: the times of its first and latest transfer.
        count: how many transfers it has.
    """

    conversation: str
    event: str | None
    state: str | None
    started: str
    last: str
    count: int


class MessageStore:
    """A message store file (made, or upgraded to the current schema, on opening).

    Raises:
        StoreError: the file cannot be opened or is not a message store.
    """

    def __init__(self, path: str | Path | None = None, *, timeout: float = 30.0) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        name = str(self.path)
        try:
            if self.path.parent and not self.path.parent.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(name, timeout=timeout, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{name}: cannot open the message store ({_reason(exc)})") from exc
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            migrate(self._db, name)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StoreError(f"{name}: this is not a usable message store ({_reason(exc)})") from exc
        except StoreError:
            self._db.close()
            raise
        self._depth = 0

    # ---- lifetime ------------------------------------------------------------------------

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def __enter__(self) -> MessageStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group changes: all are committed together, or none (nesting joins the outer one)."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot write to the message store ({_reason(exc)})") from exc
        self._depth = 1
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"{self.path}: the change was not stored ({_reason(exc)})") from exc
            raise
        finally:
            self._depth = 0

    # ---- adding --------------------------------------------------------------------------

    def add(self, data: bytes, description: Description, **columns: Any) -> StoredMessage:
        """Store a transfer of ``data`` (the bytes once per SHA-256); return its row.

        ``columns`` gives the transfer's own columns (direction, transport, state, mailbox ...).
        """
        row_id = self._insert(data, description, columns)
        found = self.get(row_id)
        assert found is not None
        return found

    def _insert(self, data: bytes, description: Description, columns: dict[str, Any]) -> int:
        values: dict[str, Any] = {
            "sha256": description.sha256,
            "size": description.size,
            "readable": int(description.readable),
            "created_at": now_text(),
            "kind": "response" if description.is_response else "message",
        }
        for name in DESCRIBED:
            values[name] = getattr(description, name)
        if description.error:
            values["error"] = description.error
            values["error_kind"] = "unreadable"
        values.update(columns)
        values.setdefault("updated_at", values["created_at"])
        _check_columns(values)
        with self.transaction():
            self._db.execute("INSERT OR IGNORE INTO blobs (sha256, data) VALUES (?, ?)", (description.sha256, data))
            names = ", ".join(values)
            marks = ", ".join("?" for _ in values)
            cursor = self._db.execute(f"INSERT INTO messages ({names}) VALUES ({marks})", tuple(values.values()))
            row_id = int(cursor.lastrowid or 0)
            body = " ".join(
                str(v)
                for v in (
                    description.text,
                    columns.get("mailbox"),
                    columns.get("peer"),
                    columns.get("workflow_id"),
                    columns.get("local_id"),
                    columns.get("subject"),
                )
                if v
            )
            self._db.execute("INSERT INTO search (rowid, body) VALUES (?, ?)", (row_id, body))
        return row_id

    def add_many(self, items: Sequence[tuple[bytes, Description, dict[str, Any]]]) -> int:
        """Store many transfers in one transaction (a bulk import); return how many."""
        with self.transaction():
            for data, description, columns in items:
                self._insert(data, description, dict(columns))
        return len(items)

    def import_bytes(
        self, data: bytes, name: str | None = None, validator: Validator | None = None
    ) -> tuple[StoredMessage, bool]:
        """Store bytes read in by hand, once: the same bytes imported again give the first row.

        Returns the row and True when it was added (False when the bytes were already stored).
        Unreadable bytes are stored too, marked ``readable=False`` with the reader's error.
        """
        description = describe(data, validator, name)
        existing = self.first_with_sha256(description.sha256)
        if existing is not None:
            return existing, False
        row = self.add(
            data,
            description,
            direction="in",
            transport="import",
            state="imported",
            name=name,
            received_at=now_text(),
            conversation=self.conversation_for(description),
        )
        return row, True

    def first_with_sha256(self, sha256: str) -> StoredMessage | None:
        """The first row carrying these bytes, if any."""
        return self._one("SELECT * FROM messages WHERE sha256 = ? ORDER BY id LIMIT 1", (sha256,))

    def conversation_for(self, description: Description) -> str | None:
        """The conversation a message belongs to: the one of the message it answers, else its own."""
        if description.response_to:
            return self.conversation_of(description.response_to) or description.response_to
        return description.message_id

    def conversation_of(self, message_id: str) -> str | None:
        """The conversation of the stored message with this MessageHeader.id, if any."""
        row = self._db.execute(
            "SELECT conversation FROM messages WHERE message_id = ? AND conversation IS NOT NULL LIMIT 1",
            (message_id,),
        ).fetchone()
        return row[0] if row else None

    # ---- changing ------------------------------------------------------------------------

    def update(self, row_id: int, **columns: Any) -> StoredMessage:
        """Change columns of a row (``updated_at`` follows); return the row."""
        if not columns:
            found = self.get(row_id)
            assert found is not None
            return found
        columns.setdefault("updated_at", now_text())
        _check_columns(columns)
        sets = ", ".join(f"{name} = ?" for name in columns)
        with self.transaction():
            self._db.execute(f"UPDATE messages SET {sets} WHERE id = ?", (*columns.values(), row_id))
        found = self.get(row_id)
        if found is None:
            raise StoreError(f"{self.path}: no stored message {row_id}")
        return found

    def delete(self, row_id: int) -> None:
        """Remove a row (its bytes stay while another row carries them)."""
        with self.transaction():
            row = self.get(row_id)
            if row is None:
                return
            self._db.execute("DELETE FROM messages WHERE id = ?", (row_id,))
            self._db.execute("DELETE FROM search WHERE rowid = ?", (row_id,))
            if not self._db.execute("SELECT 1 FROM messages WHERE sha256 = ? LIMIT 1", (row.sha256,)).fetchone():
                self._db.execute("DELETE FROM blobs WHERE sha256 = ?", (row.sha256,))

    # ---- reading -------------------------------------------------------------------------

    def get(self, row_id: int) -> StoredMessage | None:
        """The row with this id."""
        return self._one("SELECT * FROM messages WHERE id = ?", (row_id,))

    def data(self, row: StoredMessage | int) -> bytes:
        """The bytes of a row, exactly as sent, received or imported."""
        sha = row.sha256 if isinstance(row, StoredMessage) else self._sha_of(row)
        found = self._db.execute("SELECT data FROM blobs WHERE sha256 = ?", (sha,)).fetchone()
        if found is None:
            raise StoreError(f"{self.path}: the bytes of message {sha[:12]} are missing")
        return bytes(found[0])

    def _sha_of(self, row_id: int) -> str:
        found = self._db.execute("SELECT sha256 FROM messages WHERE id = ?", (row_id,)).fetchone()
        if found is None:
            raise StoreError(f"{self.path}: no stored message {row_id}")
        return str(found[0])

    def find(self, **equal: Any) -> list[StoredMessage]:
        """Rows whose columns equal the values given (``message_id=...``, ``local_id=...``), oldest first."""
        _check_columns(equal)
        where = " AND ".join(f"{name} IS ?" for name in equal) or "1"
        return self._all(f"SELECT * FROM messages WHERE {where} ORDER BY id", tuple(equal.values()))

    def query(self, query: Query | None = None) -> list[StoredMessage]:
        """The rows matching a query, newest (last stored) first."""
        where, params = _where(query or Query())
        q = query or Query()
        page = f" LIMIT {int(q.limit)} OFFSET {int(q.offset)}" if q.limit is not None else ""
        # rows are numbered in the order they were stored: the newest first is the highest id first
        return self._all(f"SELECT * FROM messages WHERE {where} ORDER BY {order_by(q)}{page}", params)

    def ids(self, query: Query | None = None) -> array[int]:
        """The ids of every row matching a query (``limit`` and ``offset`` ignored), newest first.

        A list over the whole store holds only these numbers; :meth:`rows` reads the rows a view
        shows, a page at a time.
        """
        where, params = _where(query or Query())
        found: array[int] = array("q")
        cursor = self._db.execute(
            f"SELECT id FROM messages WHERE {where} ORDER BY {order_by(query or Query())}", params
        )
        while batch := cursor.fetchmany(10_000):
            found.extend(row[0] for row in batch)
        return found

    def rows(self, ids: Sequence[int]) -> list[StoredMessage]:
        """The rows with these ids, in the order given (ids no longer stored are left out)."""
        wanted = [int(i) for i in ids]
        found: dict[int, StoredMessage] = {}
        for start in range(0, len(wanted), 500):  # SQLite limits the parameters of one statement
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            for row in self._all(f"SELECT * FROM messages WHERE id IN ({marks})", tuple(chunk)):
                found[row.id] = row
        return [found[i] for i in wanted if i in found]

    def count(self, query: Query | None = None) -> int:
        """How many rows match."""
        where, params = _where(query or Query())
        return int(self._db.execute(f"SELECT count(*) FROM messages WHERE {where}", params).fetchone()[0])

    def conversation(self, conversation: str) -> list[StoredMessage]:
        """A conversation's rows in the order they happened."""
        rows = self._all("SELECT * FROM messages WHERE conversation = ?", (conversation,))
        return sorted(rows, key=lambda r: (r.time, r.id))

    def conversations(self, query: Query | None = None) -> list[ConversationSummary]:
        """Conversations with a row matching ``query``, latest activity first."""
        where, params = _where(query or Query())
        rows = self._db.execute(
            f"""SELECT conversation, min(created_at), max(created_at), count(*)
                FROM messages WHERE conversation IN
                    (SELECT conversation FROM messages WHERE {where} AND conversation IS NOT NULL)
                GROUP BY conversation ORDER BY max(created_at) DESC""",
            params,
        ).fetchall()
        found = []
        for conversation, started, last, count in rows:
            head = self._db.execute(
                """SELECT event, conversation_state FROM messages WHERE conversation = ?
                   ORDER BY (message_id = conversation) DESC, (direction = 'out') DESC, id LIMIT 1""",
                (conversation,),
            ).fetchone()
            state_row = self._db.execute(
                """SELECT conversation_state FROM messages WHERE conversation = ? AND message_id = ?
                   AND conversation_state IS NOT NULL LIMIT 1""",
                (conversation, conversation),
            ).fetchone()
            state = state_row[0] if state_row else head[1]
            found.append(ConversationSummary(conversation, head[0], state, started, last, count))
        return found

    def outstanding(self, mailbox: str | None = None) -> list[StoredMessage]:
        """Outgoing rows not yet handed to the transport (``pending`` or ``failed``), oldest first."""
        if mailbox is None:
            return self._all(
                "SELECT * FROM messages WHERE direction = 'out' AND state IN ('pending', 'failed') ORDER BY id"
            )
        return self._all(
            "SELECT * FROM messages WHERE direction = 'out' AND state IN ('pending', 'failed') AND mailbox = ? ORDER BY id",
            (mailbox,),
        )

    def accepted(self, mailbox: str | None) -> Iterator[tuple[str | None, list[str]]]:
        """(MessageHeader.id, document ids) of messages a receiver at ``mailbox`` accepted."""
        for message_id, documents in self._db.execute(
            "SELECT message_id, documents FROM messages WHERE direction = 'in' AND accepted = 1 AND mailbox IS ?",
            (mailbox,),
        ):
            yield message_id, json.loads(documents) if documents else []

    def mark_overdue(self, mailbox: str | None, now: str) -> int:
        """Mark outgoing rows still awaiting a Response past their deadline as ``overdue``."""
        with self.transaction():
            cursor = self._db.execute(
                """UPDATE messages SET conversation_state = 'overdue', updated_at = ?
                   WHERE direction = 'out' AND mailbox IS ? AND conversation_state LIKE 'awaiting-%'
                   AND deadline IS NOT NULL AND deadline < ?""",
                (now, mailbox, now),
            )
        return cursor.rowcount

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the database file (and truncate it)."""
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def integrity(self) -> str:
        """SQLite's integrity check of the file (``ok`` when sound)."""
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    def _one(self, sql: str, params: tuple[Any, ...]) -> StoredMessage | None:
        cursor = self._db.execute(sql, params)
        row = cursor.fetchone()
        return _row(cursor, row) if row is not None else None

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[StoredMessage]:
        cursor = self._db.execute(sql, params)
        return [_row(cursor, row) for row in cursor.fetchall()]


def _row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> StoredMessage:
    names = [d[0] for d in cursor.description]
    values = dict(zip(names, row, strict=True))
    values["readable"] = bool(values["readable"])
    if values.get("accepted") is not None:
        values["accepted"] = bool(values["accepted"])
    return StoredMessage(**{k: values[k] for k in COLUMNS})


def _check_columns(values: dict[str, Any]) -> None:
    unknown = set(values) - set(COLUMNS)
    if unknown:
        raise ValueError(f"no such message store column: {', '.join(sorted(unknown))}")


#: How the store computes each column a listing can be sorted by (as the Messages view shows it).
_ORDER_SQL: dict[str, tuple[str, ...]] = {
    "when": ("COALESCE(CASE WHEN direction = 'out' THEN sent_at ELSE received_at END, created_at)",),
    "direction": ("transport = 'import'", "direction"),
    "what": (
        "CASE WHEN readable = 0 THEN 'unreadable'"
        " WHEN (kind IN ('response', 'ack-of-ack') OR response_to IS NOT NULL) AND response_code IS NOT NULL"
        " THEN (CASE WHEN kind = 'ack-of-ack' THEN 'Sender''s Response ' ELSE 'Response ' END) || response_code"
        " ELSE COALESCE(event, 'not an ITK3 message') END",
    ),
    "from": ("CASE WHEN transport = 'import' THEN sender WHEN direction = 'out' THEN mailbox ELSE peer END",),
    "to": ("CASE WHEN transport = 'import' THEN receiver WHEN direction = 'out' THEN peer ELSE mailbox END",),
    "workflow": ("workflow_id",),
    "state": ("state",),
    "conversation": ("conversation_state",),
    "nhs_number": ("nhs_number",),
    "message_id": ("message_id",),
}


def order_by(query: Query) -> str:
    """The ORDER BY of a listing: the sort's terms, then the order stored (newest first)."""
    if query.order is None:
        return "id DESC"
    way = "ASC" if query.ascending else "DESC"
    terms = ", ".join(f"{term} {way}" for term in _ORDER_SQL[query.order])
    return f"{terms}, id {way}"


def _where(query: Query) -> tuple[str, tuple[Any, ...]]:
    clauses: list[str] = []
    params: list[Any] = []
    for column in ("direction", "event", "conversation", "mailbox", "transport"):
        value = getattr(query, column)
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    if query.state:
        clauses.append("(state = ? OR conversation_state = ?)")
        params += [query.state, query.state]
    if query.since:
        clauses.append("created_at >= ?")
        params.append(_bound(query.since, start=True))
    if query.until:
        clauses.append("created_at <= ?")
        params.append(_bound(query.until, start=False))
    text = (query.text or "").strip()
    if text:
        match = _match_expression(text)
        alternatives = []
        if match:
            alternatives.append("SELECT rowid FROM search WHERE search MATCH ?")
            params.append(match)
        if _SHA_PREFIX.fullmatch(text.lower()):
            alternatives.append("SELECT id FROM messages WHERE sha256 >= ? AND sha256 < ?")
            params += [text.lower(), text.lower() + "g"]
        if " " not in text:  # a MESH message id (given by MESH after the row was indexed)
            alternatives.append("SELECT id FROM messages WHERE mesh_message_id = ?")
            params.append(text)
        # One IN list, not an OR of several: SQLite then still walks the rows newest first and
        # stops at the page's end (an OR made it gather and sort every match: ten times slower).
        clauses.append("id IN (" + " UNION ALL ".join(alternatives) + ")" if alternatives else "0")
    return (" AND ".join(clauses) or "1"), tuple(params)


def _match_expression(text: str) -> str:
    """An FTS5 query: every word must occur, each as a prefix (quotes made harmless)."""
    words = [w.replace('"', "") for w in text.split()]
    return " AND ".join(f'"{w}"*' for w in words if w)


def _bound(value: str, *, start: bool) -> str:
    """A date or time as a bound on the stored times (a bare date covers the whole day)."""
    value = value.strip()
    try:
        if len(value) == 10:
            day = datetime.fromisoformat(value).replace(tzinfo=UTC)
            return stamp(day) if start else stamp(day.replace(hour=23, minute=59, second=59, microsecond=999999))
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD) or a time (YYYY-MM-DDTHH:MM)") from exc
    return stamp(when if when.tzinfo else when.replace(tzinfo=UTC))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return str(exc) or type(exc).__name__
