"""The message store: keeping, finding, migrating, and surviving a kill -9 mid-write."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import EXAMPLES, PROJECT, require_shared

from workbench.core.acks.sample import sample_message
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import render
from workbench.core.store import ORDERS, SCHEMA_VERSION, MessageStore, Query, StoreError, default_store_path, describe
from workbench.core.store.schema import MIGRATIONS
from workbench.core.validation.runner import Validator

OPL = EXAMPLES / "FHIR_MESH" / "test_messages" / "ToC-WT02-04-op_letter_full_payload_example_01-corrected.xml"
RESPONSE = EXAMPLES / "STU3-FHIR-Assets" / "Examples" / "ITK-Response-20013-Example-1.xml"


def sample(seed: str, **kw: object) -> bytes:
    return render(sample_message(clock=VirtualClock(), ids=SequentialIds(seed), **kw), "xml")  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> MessageStore:
    with MessageStore(tmp_path / "messages.sqlite3") as opened:
        yield opened


def test_default_path_follows_xdg_and_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ITK_WORKBENCH_STORE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_store_path() == tmp_path / "data" / "itk-workbench" / "messages.sqlite3"
    monkeypatch.setenv("ITK_WORKBENCH_STORE", str(tmp_path / "chosen.db"))
    assert default_store_path() == tmp_path / "chosen.db"
    with MessageStore() as opened:
        assert opened.path == tmp_path / "chosen.db"
    assert (tmp_path / "chosen.db").exists()


def test_import_keeps_the_bytes_and_what_they_say(store: MessageStore) -> None:
    data = require_shared(OPL).read_bytes()
    row, added = store.import_bytes(data, str(OPL), Validator())
    assert added and row.direction == "in" and row.transport == "import" and row.state == "imported"
    assert store.data(row) == data
    assert row.event == "ITK006D" and row.message_id == "fd5d8b1b-f15e-4ae3-a325-fd0d8d65c7e6"
    assert row.sender == "P86224" and row.receiver == "P86609" and row.source_endpoint == "NOROT003"
    assert row.nhs_number == "1234567891"
    assert row.verdict == "valid" and row.predicted == "20013"
    assert row.conversation == row.message_id
    again, added_again = store.import_bytes(data, "copy.xml", Validator())
    assert not added_again and again.id == row.id
    assert store.count() == 1


def test_unreadable_bytes_are_kept_and_marked(store: MessageStore) -> None:
    row, added = store.import_bytes(b"<Bundle xmlns='http://hl7.org/fhir'><oops", "broken.xml")
    assert added and not row.readable and row.verdict == "unreadable" and row.predicted == "10009"
    assert row.error and "broken.xml" in row.error and "line 1" in row.error
    assert store.data(row).startswith(b"<Bundle")


def test_search_by_id_nhs_number_text_and_filters(store: MessageStore) -> None:
    first = sample("one")
    second = sample("two", inf_ack=True, bus_ack=False, event="ITK009D")
    a, _ = store.import_bytes(first, "one.xml")
    b, _ = store.import_bytes(second, "two.xml")
    c, _ = store.import_bytes(require_shared(RESPONSE).read_bytes(), "response.xml")
    assert [r.id for r in store.query(Query(text=a.message_id))] == [a.id]
    assert {r.id for r in store.query(Query(text=a.nhs_number))} >= {a.id}
    assert [r.id for r in store.query(Query(text=a.sha256[:12]))] == [a.id]
    assert [r.id for r in store.query(Query(event="ITK009D"))] == [b.id]
    assert [r.id for r in store.query(Query(event="ITK008M"))] == [c.id]
    assert store.query(Query(text="Success")) == [c]  # the Response's code display
    assert store.query(Query(text="no-such-word")) == []
    assert store.count(Query(direction="in")) == 3 and store.count(Query(direction="out")) == 0
    assert store.count(Query(state="imported")) == 3
    today = a.created_at[:10]
    assert store.count(Query(since=today, until=today)) == 3
    assert store.count(Query(until="2000-01-01")) == 0
    with pytest.raises(ValueError, match="not a date"):
        store.query(Query(since="yesterday"))
    # quotes and FTS syntax in user text are harmless
    assert store.query(Query(text='"AND OR * (')) == []
    assert isinstance(store.query(Query(text='" NEAR(')), list)


def test_conversations_group_a_message_and_its_responses(store: MessageStore) -> None:
    data = require_shared(OPL).read_bytes()
    message, _ = store.import_bytes(data, "opl.xml")
    from workbench.core.acks.receiver import ReceiverState, decide
    from workbench.core.acks.settings import ReceiverSettings

    decision = decide(data, ReceiverSettings(), ReceiverState(), clock=VirtualClock(), ids=SequentialIds("c"))
    for response in decision.responses:
        store.import_bytes(response.data, f"{response.code}.xml")
    rows = store.conversation(message.message_id or "")
    assert [r.response_code for r in rows] == [None, "20013", "30001"]
    summaries = store.conversations()
    assert len(summaries) == 1 and summaries[0].count == 3 and summaries[0].event == "ITK006D"


def test_migrates_a_version_1_file(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    data = sample("old")
    described = describe(data)
    old = sqlite3.connect(path)
    old.executescript(MIGRATIONS[0])
    old.execute(
        "INSERT INTO messages (sha256, data, direction, transport, mailbox, peer, event, message_id, nhs_number, "
        "conversation, conversation_state, state, created_at) VALUES (?, ?, 'out', 'mesh', 'X26ABC1', 'X26ABC2', ?, ?, ?, ?, "
        "'complete', 'sent', '2024-01-15T09:00:00.000000+00:00')",
        (described.sha256, data, described.event, described.message_id, described.nhs_number, described.message_id),
    )
    old.execute("PRAGMA user_version = 1")
    old.commit()
    old.close()
    with MessageStore(path) as store:
        assert store.integrity() == "ok"
        version = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]
        assert version == SCHEMA_VERSION == 2
        (row,) = store.query()
        assert store.data(row) == data and row.size == len(data)
        assert row.sent_at == row.created_at and row.conversation_state == "complete"
        assert [r.id for r in store.query(Query(text=described.message_id))] == [row.id]
        added, _ = store.import_bytes(sample("new"), "new.xml")
        assert added.id != row.id


def test_refuses_a_newer_or_foreign_file(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite3"
    connection = sqlite3.connect(newer)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    with pytest.raises(StoreError, match="newer than this workbench"):
        MessageStore(newer)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreError, match=r"junk\.sqlite3: this is not a usable message store"):
        MessageStore(junk)


WRITER = textwrap.dedent(
    """
    import sys
    from workbench.core.store import MessageStore, describe
    store = MessageStore(sys.argv[1])
    n = 0
    while True:
        n += 1
        data = (b"<Bundle xmlns='http://hl7.org/fhir'><id value='m%d'/>" % n) + b"<!-- " + b"x" * 20000 + b" --></Bundle>"
        row = store.add(data, describe(data), direction="out", transport="mesh", state="pending", mailbox="X26ABC1")
        print(row.id, row.sha256, flush=True)
    """
)


def test_kill_9_mid_write_loses_nothing_committed(tmp_path: Path) -> None:
    path = tmp_path / "killed.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True, env=env)
    committed: list[tuple[int, str]] = []
    assert writer.stdout is not None
    try:
        for line in writer.stdout:
            row_id, sha = line.split()
            committed.append((int(row_id), sha))
            if len(committed) >= 150:
                break
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(10)
        writer.stdout.close()
    assert writer.returncode == -signal.SIGKILL
    with MessageStore(path) as store:
        assert store.integrity() == "ok"
        for row_id, sha in committed:
            row = store.get(row_id)
            assert row is not None and row.sha256 == sha
            assert describe(store.data(row)).sha256 == sha
        survived = store.count()
        assert survived >= len(committed)
        more, _ = store.import_bytes(sample("after"), "after.xml")
        assert store.count() == survived + 1 and more.id > committed[-1][0]


def test_ids_list_every_match_and_rows_read_a_page(store: MessageStore) -> None:
    made = [store.import_bytes(sample(f"page{n}"), f"m{n}.xml")[0] for n in range(7)]
    ids = store.ids()
    assert list(ids) == [r.id for r in reversed(made)]  # newest first, like query()
    assert list(store.ids(Query(text=made[2].message_id, limit=1, offset=3))) == [made[2].id]  # no paging
    assert list(store.ids(Query(direction="out"))) == []
    page = store.rows([made[5].id, made[1].id, 99999, made[3].id])
    assert [r.id for r in page] == [made[5].id, made[1].id, made[3].id]  # the order asked; gone ones left out
    assert page[0] == store.get(made[5].id)
    assert [r.id for r in store.rows(list(ids) * 200)][:7] == list(ids)  # more ids than one statement takes


def test_a_new_file_opened_by_several_threads_at_once(tmp_path: Path) -> None:
    """The desktop's list and its MESH worker may both open a store that does not exist yet."""
    import threading

    path = tmp_path / "new.sqlite3"
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def open_it() -> None:
        start.wait()
        try:
            with MessageStore(path) as opened:
                opened.count()
        except BaseException as exc:  # collected: the assertion below names it
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with MessageStore(path) as opened:
        assert opened.integrity() == "ok"


def test_listings_sort_by_what_a_user_sees(store: MessageStore) -> None:
    """Each column's sort over sent, received and imported rows; ties keep the order stored."""

    def transferred(seed: str, direction: str, peer: str, **when: str):
        data = sample(seed)
        state = "sent" if direction == "out" else "received"
        return store.add(
            data,
            describe(data),
            direction=direction,
            transport="mesh",
            state=state,
            mailbox="X26ABC1",
            peer=peer,
            **when,
        )

    sent = transferred("a", "out", "X26ABC9", sent_at="2026-01-03T00:00:00+00:00")
    received = transferred("b", "in", "X26ABC2", received_at="2026-01-01T00:00:00+00:00")
    imported = store.import_bytes(sample("c", event="ITK006D"), "c.xml")[0]
    everyone = {sent.id, received.id, imported.id}
    listed = {order: list(store.ids(Query(order=order, ascending=True))) for order in ORDERS}
    assert all(set(ids) == everyone for ids in listed.values())
    assert listed["when"][:2] == [received.id, sent.id]  # received on the 1st, sent on the 3rd
    froms = [("X26ABC2", received.id), ("X26ABC1", sent.id)]  # a received row is from its peer
    assert [i for _, i in sorted(froms)] == [i for i in listed["from"] if i != imported.id]
    assert listed["what"][-1] == imported.id  # ITK006D after ITK003D
    newest = list(store.ids(Query(order="workflow", ascending=False)))
    assert newest == sorted(everyone, reverse=True)  # all tie (no workflow): the order stored, newest first
    assert [r.id for r in store.query(Query(order="when", ascending=False, limit=1))] == [listed["when"][-1]]
