"""Running the workbench's receiver in tests: one message, the settings as keywords."""

from __future__ import annotations

from workbench.core.acks.receiver import Decision, ReceiverState, decide
from workbench.core.acks.settings import ReceiverSettings
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.validation.runner import Validator


def run(
    data: bytes,
    state: ReceiverState | None = None,
    *,
    validator: Validator | None = None,
    reply_to: str | None = "FROMBOX01",
    **settings: object,
) -> Decision:
    """The receiver's decision on ``data`` (a fresh memory unless ``state`` is given)."""
    return decide(
        data,
        ReceiverSettings(**settings),  # type: ignore[arg-type]
        state if state is not None else ReceiverState(),
        clock=VirtualClock(),
        ids=SequentialIds("receiver"),
        validator=validator,
        reply_to=reply_to,
    )
