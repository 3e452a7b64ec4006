"""ITK3 round trips through a local MESH (mesh-sandbox), and the message store at 100,000 messages.

1. Round trips: the workbench sends a fresh sample ITK3 message (InfAck + BusAck) from X26ABC1
   to X26ABC2; the receiver's auto-responder downloads it, stores it, validates it and sends
   20013 and 30001; the sender downloads both, correlates them and sends its ack-of-ack; the
   receiver downloads that. Four MESH transfers, each message stored in one of two stores.
   The floor is the same four sends and receives with mesh-client alone (send, list, retrieve,
   read, acknowledge) of the same bytes, with no store, no validation, no tracking.
2. The store: inserting 100,000 messages (one transaction per 1,000, and separately one per
   message), then searching them by MessageHeader id, NHS number and a word, and filtering by
   event and direction.

Prints figures and ratios; nothing here asserts.

    .venv/bin/python benchmarks/mesh.py [--round-trips 100] [--messages 100000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mesh_client import MeshClient

from workbench.core.acks.receiver import ReceiverState, decide
from workbench.core.acks.sample import sample_message
from workbench.core.acks.settings import ReceiverSettings
from workbench.core.acks.tracker import Tracker, TrackerSettings
from workbench.core.clock import SequentialIds, SystemClock, random_ids
from workbench.core.codecs import render
from workbench.core.exchange import Exchange
from workbench.core.store import Description, MessageStore, Query
from workbench.core.store.records import sha256_of
from workbench.core.transport.mesh import MeshTransport
from workbench.core.transport.sandbox import LocalMesh
from workbench.core.validation.runner import Validator

EVENTS = ("ITK003D", "ITK006D", "ITK007C", "ITK009D", "ITK008M", "ITK014M")
WORDS = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Patel", "Khan", "Davies")


def fresh_message(seed: int) -> bytes:
    return render(sample_message(clock=SystemClock(), ids=SequentialIds(f"bench-{seed}-{uuid.uuid4()}")), "xml")


def workbench_round_trips(mesh: LocalMesh, count: int, folder: Path) -> tuple[float, list[float]]:
    validator = Validator()
    times = []
    with (
        MeshTransport(mesh.connection("X26ABC1")) as ta,
        MeshTransport(mesh.connection("X26ABC2")) as tb,
        MessageStore(folder / "sender.sqlite3") as sa,
        MessageStore(folder / "receiver.sqlite3") as sb,
    ):
        sender = Exchange(sa, ta, validator=validator)
        receiver = Exchange(sb, tb, validator=validator)
        messages = [fresh_message(n) for n in range(count)]
        start = time.perf_counter()
        for data in messages:
            began = time.perf_counter()
            sender.send(data, "X26ABC2", workflow="TEST_WORKFLOW")
            receiver.poll(auto_respond=True, track=False)
            sender.poll(track=False)
            receiver.poll(auto_respond=True, track=False)
            times.append(time.perf_counter() - began)
        total = time.perf_counter() - start
        complete = len(sa.find(direction="out", kind="message", conversation_state="complete"))
        if complete != count:  # a broken build would make the figure meaningless
            raise SystemExit(f"only {complete} of {count} conversations completed")
    return total, times


def the_four_payloads() -> list[tuple[str, str, bytes, str]]:
    """The message, its two Responses and the ack-of-ack, as (from, to, bytes, workflow)."""
    data = fresh_message(-1)
    decision = decide(data, ReceiverSettings(mailbox="X26ABC2"), ReceiverState(), clock=SystemClock(), ids=random_ids)
    tracker = Tracker(TrackerSettings(mailbox="X26ABC1"), clock=SystemClock(), ids=random_ids)
    tracker.sent(data)
    ack = None
    for response in decision.responses:
        receipt = tracker.receive(response.data)
        ack = receipt.ack or ack
    assert ack is not None
    return [
        ("X26ABC1", "X26ABC2", data, "TEST_WORKFLOW"),
        *(("X26ABC2", "X26ABC1", r.data, "TEST_WORKFLOW_ACK") for r in decision.responses),
        ("X26ABC1", "X26ABC2", ack.data, "TEST_WORKFLOW_ACK"),
    ]


def mesh_client_alone(mesh: LocalMesh, count: int) -> float:
    key = mesh.shared_key.reveal().encode()
    payloads = the_four_payloads()
    clients = {
        box: MeshClient(mesh.url, box, "password", shared_key=key, max_retries=0) for box in ("X26ABC1", "X26ABC2")
    }
    try:
        start = time.perf_counter()
        for n in range(count):
            for sender, recipient, data, workflow in payloads:
                clients[sender].send_message(
                    recipient, data, workflow_id=workflow, local_id=f"floor-{n}", content_type="application/fhir+xml"
                )
                receiving = clients[recipient]
                for message_id in receiving.list_messages():
                    message = receiving.retrieve_message(message_id)
                    message.read()
                    message.close()
                    receiving.acknowledge_message(message_id)
        return time.perf_counter() - start
    finally:
        for client in clients.values():
            client.close()


def synthetic(n: int, rng: random.Random) -> tuple[bytes, Description, dict[str, object]]:
    message_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    nhs = "".join(rng.choice("0123456789") for _ in range(10))
    event = EVENTS[n % len(EVENTS)]
    name = f"{rng.choice(WORDS)} {rng.choice(WORDS)}"
    body = (
        f"<Bundle xmlns='http://hl7.org/fhir'><id value='{message_id}'/><!-- {event} {nhs} {name} -->"
        + "<entry/>" * 100
        + "</Bundle>"
    ).encode()
    description = Description(
        sha256=sha256_of(body),
        size=len(body),
        event=event,
        message_id=message_id,
        bundle_identifier=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        sender="RX1",
        receiver="GP1",
        nhs_number=nhs,
        quoted_as=message_id,
        verdict="valid",
        predicted="20013",
        text=f"{event} {message_id} {nhs} RX1 GP1 {name} Discharge summary Ward 7 Cardiology",
    )
    columns = {
        "direction": "out" if rng.random() < 0.5 else "in",
        "transport": "mesh",
        "state": "sent",
        "mailbox": "X26ABC1",
        "peer": "X26ABC2",
        "workflow_id": "TOC_FHIR_IP_DISCH",
        "conversation": message_id,
    }
    return body, description, columns


def store_figures(count: int, folder: Path) -> None:
    rng = random.Random(20241124)
    rows = [synthetic(n, rng) for n in range(count)]
    path = folder / "big.sqlite3"
    with MessageStore(path) as store:
        start = time.perf_counter()
        for first in range(0, count, 1000):
            store.add_many(rows[first : first + 1000])
        batched = time.perf_counter() - start
        print(
            f"  insert {count:,} messages, 1,000 per transaction: {batched:.1f} s ({count / batched:,.0f} per second)"
        )
        single = [synthetic(count + n, rng) for n in range(2000)]
        start = time.perf_counter()
        for body, description, columns in single:
            store.add(body, description, **columns)
        each = time.perf_counter() - start
        print(f"  insert 2,000 more, one transaction each (as a poll does): {each / 2000 * 1000:.2f} ms per message")
        store.checkpoint()
        wal = Path(f"{path}-wal")
        size = path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
        print(f"  file size: {size / 2**20:.0f} MB")
        picks = [rows[rng.randrange(count)][1] for _ in range(20)]

        def timed(label: str, make: object) -> None:
            samples = []
            hits = 0
            for described in picks:
                query = make(described)  # type: ignore[operator]
                began = time.perf_counter()
                hits += len(store.query(query))
                samples.append(time.perf_counter() - began)
            print(f"  {label}: median {statistics.median(samples) * 1000:.2f} ms, max {max(samples) * 1000:.2f} ms")

        timed("search by MessageHeader id", lambda d: Query(text=d.message_id))
        timed("search by NHS number", lambda d: Query(text=d.nhs_number))
        timed("search by a word, first page of 100", lambda d: Query(text=rng.choice(WORDS), limit=100))
        timed("filter event + direction, first page of 100", lambda d: Query(event=d.event, direction="in", limit=100))
        began = time.perf_counter()
        total = store.count(Query(event="ITK006D", direction="out"))
        print(f"  count by event + direction ({total:,}): {(time.perf_counter() - began) * 1000:.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--round-trips", type=int, default=100)
    parser.add_argument("--messages", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, LocalMesh() as mesh:
        print(f"mesh-sandbox at {mesh.url}")
        total, each = workbench_round_trips(mesh, args.round_trips, Path(folder))
        floor = mesh_client_alone(mesh, args.round_trips)
        print(
            f"{args.round_trips} ITK3 round trips (message, 20013, 30001, ack-of-ack) through the sandbox: "
            f"{total:.2f} s, median {statistics.median(each) * 1000:.1f} ms each"
        )
        print(f"  the same sends and receives with mesh-client alone: {floor:.2f} s; ratio {total / floor:.1f}x")
        print(f"message store, {args.messages:,} messages:")
        store_figures(args.messages, Path(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
