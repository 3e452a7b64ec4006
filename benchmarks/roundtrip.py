"""Time for 1,000 acknowledgement round trips over the loopback transport, against the bytes alone.

One round trip is the full acknowledgement pattern: the sender sends a sample ITK3 message, the
simulated receiver validates it and sends two Responses (20013, 30001), the sender correlates
them and answers the business Response with its own infrastructure Response (ack-of-ack) - four
transfers on a virtual clock, each message a fresh one. The floor is building the same bytes
alone: the message and the three Responses, built and serialised, with no transport, no
validation, no tracking. Prints total and per-round-trip times and their ratio, with the
receiver's validator without and with the shipped profile pack. Nothing here asserts.

    .venv/bin/python benchmarks/roundtrip.py [--count 1000]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbench.core.acks.builder import Responder, build_response
from workbench.core.acks.sample import sample_message
from workbench.core.acks.settings import ReceiverSettings
from workbench.core.acks.simulation import Simulation
from workbench.core.acks.tracker import TrackerSettings
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import render
from workbench.core.validation.runner import Validator

RECEIVER = Responder("RCV01", "RCV01OT001")
SENDER = Responder("SND01", "SND01OT001")


def round_trips(count: int, validator: Validator) -> tuple[float, int]:
    """Seconds for ``count`` full-acknowledgement round trips; and the transfers made."""
    transfers = 0
    clock, ids = VirtualClock(), SequentialIds("bench")
    settings = ReceiverSettings(delay=1.0)
    gc.collect()
    start = time.perf_counter()
    for _ in range(count):
        simulation = Simulation(
            settings, tracker=TrackerSettings(timeout=60), latency=1.0, clock=clock, ids=ids, validator=validator
        )
        simulation.send(render(sample_message(clock=clock, ids=ids), "xml"))
        result = simulation.run()
        transfers += len(result.arrows)
        if not result.succeeded:  # pragma: no cover - a broken build would make the figure meaningless
            raise SystemExit(f"round trip failed: {result.final_state} {result.anomalies}")
    return time.perf_counter() - start, transfers


def bytes_alone(count: int) -> float:
    """Seconds to build and serialise the same four messages ``count`` times."""
    clock, ids = VirtualClock(), SequentialIds("floor")
    gc.collect()
    start = time.perf_counter()
    for _ in range(count):
        message = sample_message(clock=clock, ids=ids)
        render(message, "xml")
        infrastructure = build_response(message, "20013", RECEIVER, clock=clock, ids=ids)
        infrastructure.to_bytes()
        business = build_response(message, "30001", RECEIVER, clock=clock, ids=ids)
        business.to_bytes()
        build_response(business.document, "20013", SENDER, clock=clock, ids=ids).to_bytes()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="round trips (default 1000)")
    args = parser.parse_args()
    count = args.count
    round_trips(20, Validator(None))  # warm up imports and caches
    floor = bytes_alone(count)
    print(f"{count} round trips, full acknowledgement (message + 20013 + 30001 + ack-of-ack), loopback, virtual clock")
    print(f"  bytes alone (build + serialise 4 messages):  {floor:7.2f} s  {floor / count * 1000:6.2f} ms each")
    validators = [("validator without profiles", Validator(None))]
    try:
        from workbench.core.validation.profiles.registry import ProfileRegistry

        validators.append(("validator with the profile pack", Validator(ProfileRegistry.default())))
    except ImportError:
        print("  (profile engine not available: profile validation not measured)")
    for name, validator in validators:
        round_trips(5, validator)
        seconds, transfers = round_trips(count, validator)
        print(
            f"  round trips, {name + ':':32} {seconds:7.2f} s  {seconds / count * 1000:6.2f} ms each  "
            f"({transfers} transfers)  ratio {seconds / floor:5.1f}x the bytes alone"
        )


if __name__ == "__main__":
    main()
