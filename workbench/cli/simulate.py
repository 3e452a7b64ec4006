"""``itk-workbench simulate MESSAGE``: a whole acknowledgement round trip over loopback.

The sender sends MESSAGE to the simulated receiver; the receiver decides and sends its
Responses after their delays; the sender correlates them and answers business Responses that
ask for it. Prints each event (time, from -> to, what) and the final state. Exit 0 when the
conversation ended accepted or complete with no anomaly and nothing overdue; 1 when it was
rejected, went overdue or showed anomalies; 2 for input that cannot be used.
"""

from __future__ import annotations

import argparse

from workbench.cli.ack import (
    add_receiver_options,
    default_validator,
    read_message,
    receiver_settings,
)
from workbench.cli.common import fail, print_json
from workbench.core.acks.simulation import SimulationResult, run_round_trip
from workbench.core.clock import check_seconds


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "simulate",
        help="run an acknowledgement round trip for a message over the loopback transport",
        description="Send MESSAGE to a simulated receiver over an in-process transport on a virtual "
        "clock, and print the conversation: the message, the receiver's decision, its Responses, the "
        "sender's infrastructure Response to a business Response that asks for one, and the final state.",
    )
    add_receiver_options(parser)
    parser.add_argument("--no-ack-of-ack", action="store_true", help="the sender does not answer business Responses")
    parser.add_argument(
        "--timeout",
        metavar="S",
        type=float,
        default=60.0,
        help="virtual seconds before a conversation is overdue (default 60)",
    )
    parser.add_argument(
        "--latency", metavar="S", type=float, default=1.0, help="virtual seconds each transfer takes (default 1)"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def run(args: argparse.Namespace) -> int:
    settings = receiver_settings(args)
    if settings is None:
        return 2
    try:
        check_seconds(args.timeout, "--timeout", positive=True)
        check_seconds(args.latency, "--latency")
    except ValueError as exc:
        return fail(str(exc))
    data = read_message(args.message)
    if data is None:
        return 2
    result = run_round_trip(
        data,
        receiver=settings,
        ack_of_ack=not args.no_ack_of_ack,
        latency=args.latency,
        timeout=args.timeout,
        validator=default_validator(),
    )
    if args.format == "json":
        print_json({"message": args.message, **result.to_json()})
    else:
        print(render_text(args.message, result))
    return 0 if result.succeeded else 1


def render_text(path: str, result: SimulationResult) -> str:
    """The round trip in plain words: one line per event, then the final state."""
    lines = [f"{path}: round trip over loopback"]
    for event in result.events:
        if event.is_arrow:
            arrival = f", arrives t={event.arrival:g}s" if event.arrival is not None else ", not delivered"
            lines.append(
                f"  t={event.time:>7g}s  {event.source} -> {event.target}  {event.kind}: {event.label}{arrival}"
            )
        else:
            lines.append(f"  t={event.time:>7g}s  {event.source}: {event.label}")
            if event.kind == "decision":
                lines.extend(f"               - {reason}" for reason in event.note.splitlines())
            elif event.note:
                lines.append(f"               {event.note}")
    conversation = result.conversation
    codes = ", ".join(conversation.codes) or "none"
    lines.append(f"final state: {conversation.state_label} (Responses received: {codes})")
    for other in result.receiver_conversations:
        if other.state == "overdue":
            lines.append(f"receiver: its Response {other.message_id} got no infrastructure Response back (overdue)")
    for anomaly in result.anomalies:
        lines.append(f"anomaly: {anomaly.kind}: {anomaly.message}")
    return "\n".join(lines)
