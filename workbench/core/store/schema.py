"""The message store's SQLite schema and its migrations.

``PRAGMA user_version`` holds the schema version. :data:`MIGRATIONS` are the scripts that take a
file from one version to the next, in order (the first creates version 1); :func:`migrate` runs
the missing ones, each in its own transaction, so a file written by an older workbench opens in
a newer one. A file from a newer workbench is refused rather than damaged.

Version 1 kept each message's bytes in the messages table and had no search index. Version 2
moved the bytes to ``blobs`` (one copy per SHA-256, however many transfers carried them), added
the receiver's decision, delivery and retry columns, and the full-text index ``search``.
"""

from __future__ import annotations

import sqlite3

from workbench.core.errors import WorkbenchError


class StoreError(WorkbenchError):
    """The message store cannot be opened or used (named file, plain words)."""


_V1 = """
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    transport TEXT NOT NULL,
    mailbox TEXT,
    peer TEXT,
    workflow_id TEXT,
    mesh_message_id TEXT,
    local_id TEXT,
    event TEXT,
    message_id TEXT,
    bundle_identifier TEXT,
    sender TEXT,
    receiver TEXT,
    nhs_number TEXT,
    response_to TEXT,
    response_code TEXT,
    verdict TEXT,
    predicted TEXT,
    conversation TEXT,
    conversation_state TEXT,
    state TEXT NOT NULL,
    error TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX messages_sha256 ON messages (sha256);
CREATE INDEX messages_message_id ON messages (message_id);
"""

_V2 = """
CREATE TABLE blobs (sha256 TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO blobs (sha256, data) SELECT sha256, data FROM messages;
CREATE TABLE messages_v2 (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL REFERENCES blobs (sha256),
    size INTEGER NOT NULL DEFAULT 0,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    transport TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'message',
    mailbox TEXT,
    peer TEXT,
    workflow_id TEXT,
    mesh_message_id TEXT,
    local_id TEXT,
    subject TEXT,
    name TEXT,
    event TEXT,
    message_id TEXT,
    bundle_id TEXT,
    bundle_identifier TEXT,
    sender TEXT,
    receiver TEXT,
    source_endpoint TEXT,
    nhs_number TEXT,
    response_to TEXT,
    response_code TEXT,
    quoted_as TEXT,
    readable INTEGER NOT NULL DEFAULT 1,
    verdict TEXT,
    predicted TEXT,
    conversation TEXT,
    conversation_state TEXT,
    deadline TEXT,
    state TEXT NOT NULL,
    error TEXT,
    error_kind TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    decision TEXT,
    accepted INTEGER,
    documents TEXT,
    delivery TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    received_at TEXT,
    acknowledged_at TEXT,
    updated_at TEXT
);
INSERT INTO messages_v2 (
    id, sha256, size, direction, transport, mailbox, peer, workflow_id, mesh_message_id, local_id,
    event, message_id, bundle_identifier, sender, receiver, nhs_number, response_to, response_code,
    quoted_as, verdict, predicted, conversation, conversation_state, state, error, created_at,
    sent_at, received_at, updated_at
)
SELECT id, sha256, length(data), direction, transport, mailbox, peer, workflow_id, mesh_message_id,
    local_id, event, message_id, bundle_identifier, sender, receiver, nhs_number, response_to,
    response_code, message_id, verdict, predicted, conversation, conversation_state, state, error,
    created_at,
    CASE WHEN direction = 'out' AND state IN ('sent', 'delivered') THEN created_at END,
    CASE WHEN direction = 'in' THEN created_at END,
    created_at
FROM messages;
DROP TABLE messages;
ALTER TABLE messages_v2 RENAME TO messages;
CREATE INDEX messages_sha256 ON messages (sha256);
CREATE INDEX messages_message_id ON messages (message_id);
CREATE INDEX messages_conversation ON messages (conversation);
CREATE INDEX messages_nhs_number ON messages (nhs_number);
CREATE INDEX messages_local_id ON messages (local_id);
CREATE INDEX messages_created ON messages (created_at);
CREATE INDEX messages_event ON messages (event);
CREATE INDEX messages_state ON messages (state);
CREATE UNIQUE INDEX messages_mesh_id ON messages (mesh_message_id, direction, mailbox)
    WHERE mesh_message_id IS NOT NULL;
CREATE VIRTUAL TABLE search USING fts5 (body, tokenize = "unicode61 tokenchars '-_'");
INSERT INTO search (rowid, body)
SELECT id, coalesce(event, '') || ' ' || coalesce(message_id, '') || ' ' || coalesce(bundle_identifier, '')
    || ' ' || coalesce(sender, '') || ' ' || coalesce(receiver, '') || ' ' || coalesce(nhs_number, '')
    || ' ' || coalesce(mailbox, '') || ' ' || coalesce(peer, '') || ' ' || coalesce(workflow_id, '')
    || ' ' || coalesce(mesh_message_id, '') || ' ' || coalesce(local_id, '') || ' ' || coalesce(response_code, '')
FROM messages;
"""

#: Scripts from version n to n + 1 (index 0 creates version 1).
MIGRATIONS: tuple[str, ...] = (_V1, _V2)
SCHEMA_VERSION = len(MIGRATIONS)


def version_of(connection: sqlite3.Connection) -> int:
    """The schema version of an open database (0 for a new, empty file)."""
    return int(connection.execute("PRAGMA user_version").fetchone()[0])


def migrate(connection: sqlite3.Connection, name: str, target: int = SCHEMA_VERSION) -> int:
    """Bring the database up to ``target``; return the version it had.

    Raises:
        StoreError: the file is from a newer workbench, or a migration failed (the file is
            left at the last version that completed).
    """
    found = version_of(connection)
    if found > SCHEMA_VERSION:
        raise StoreError(
            f"{name}: the message store has schema version {found}, newer than this workbench "
            f"understands ({SCHEMA_VERSION}); open it with a newer version"
        )
    for version in range(found, target):
        try:
            connection.execute("BEGIN IMMEDIATE")
            if version_of(connection) > version:  # another connection upgraded it meanwhile
                connection.execute("COMMIT")
                continue
            for statement in _statements(MIGRATIONS[version]):
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {version + 1}")
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            connection.execute("ROLLBACK")
            raise StoreError(f"{name}: cannot upgrade the message store to version {version + 1}: {exc}") from exc
    return found


def _statements(script: str) -> list[str]:
    """The statements of a script (sqlite3.complete_statement decides where each ends)."""
    found: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                found.append(current.strip())
            current = ""
    if current.strip():
        found.append(current.strip())
    return found
