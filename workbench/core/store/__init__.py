"""The message store: every message and Response sent, received or imported, kept in SQLite.

:mod:`.database` is the store itself (:class:`MessageStore`: WAL, transactions, search and
filters); :mod:`.schema` its versioned schema and migrations; :mod:`.records` what a row holds
and how message bytes are read for it; :mod:`.conversations` stored conversations as the
trackers and the sequence diagram see them.

A row is one transfer: ``direction`` ``in`` or ``out``; ``transport`` ``mesh``, ``folder`` or
``import``; the MESH ``mailbox`` it was sent from or received at and the ``peer`` mailbox;
``workflow_id``, ``mesh_message_id`` and ``local_id``; what the bytes say (event, MessageHeader
id, Bundle identifier, sender and receiver, NHS number, the id a Response answers and its code);
the validation ``verdict`` and ``predicted`` Response; the ``conversation`` it belongs to and,
for what was sent, the tracker's ``conversation_state``; the transfer ``state``, ``error`` and
``attempts``; and its times.
"""

from workbench.core.store.database import STORE_ENV, ConversationSummary, MessageStore, default_store_path
from workbench.core.store.records import ORDERS, Description, Query, StoredMessage, describe
from workbench.core.store.schema import SCHEMA_VERSION, StoreError

__all__ = [
    "ORDERS",
    "SCHEMA_VERSION",
    "STORE_ENV",
    "ConversationSummary",
    "Description",
    "MessageStore",
    "Query",
    "StoreError",
    "StoredMessage",
    "default_store_path",
    "describe",
]
