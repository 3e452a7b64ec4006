"""An evidence pack: one zip that proves what a message was, what it was judged, and what came back.

The pack holds:

``message/<name>``
    the original bytes, exactly as given;
``responses/<nn>-<name>``
    the Responses, exactly as given (or from a :class:`ResponseSource`);
``report.html``, ``report.json``
    the validation report over the message and the Responses (:mod:`.report`);
``conversation.svg``, ``conversation.json``
    the sequence diagram and event log: of the given Responses correlated with the message by
    the sender's tracker, or, with no Responses, of a round trip to the simulated receiver
    (named as simulated);
``versions.json``
    the workbench, Python, profile and catalogue versions that judged it, and when;
``SHA256SUMS``
    the SHA-256 of every other file in the pack, in ``sha256sum`` format (``sha256sum -c``
    checks it).

Where Responses come from: the caller gives them, or passes a :class:`ResponseSource` (the
message store will be one: ``responses_for(message_id)`` gives the Responses of a message's
conversation). Nothing here reads a store itself.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Protocol

from workbench.core.acks.events import RECEIVER, SENDER, SimEvent
from workbench.core.acks.simulation import run_round_trip
from workbench.core.acks.tracker import Tracker, TrackerSettings
from workbench.core.catalogue import catalogue
from workbench.core.clock import DEFAULT_START, MAX_SECONDS, SequentialIds, VirtualClock
from workbench.core.codecs import read_bytes
from workbench.core.errors import ReadError
from workbench.core.itk3.view import message_view
from workbench.core.toolkit.report import FileReport, file_report, versions
from workbench.core.toolkit.report_html import render_report_html
from workbench.core.toolkit.sequence_svg import sequence_svg
from workbench.core.validation.runner import Validator

MANIFEST = "SHA256SUMS"


class ResponseSource(Protocol):
    """Somewhere the Responses to a message can be found (the message store)."""

    def responses_for(self, message_id: str) -> Sequence[tuple[str, bytes]]:
        """The Responses quoting ``message_id``, as (name, bytes), in the order received."""
        ...


@dataclass(frozen=True)
class Conversation:
    """A conversation as drawn in a pack.

    Attributes:
        events: the event log (arrows and notes).
        state: the sender's view of it at the end (``complete``, ``rejected (20009)`` ...).
        simulated: True when the Responses came from the simulated receiver.
    """

    events: tuple[SimEvent, ...]
    state: str
    simulated: bool

    @property
    def title(self) -> str:
        """The diagram's title."""
        kind = "Simulated round trip" if self.simulated else "Conversation"
        return f"{kind}: {self.state}"

    def to_json(self) -> dict[str, object]:
        """The conversation as plain data."""
        return {"simulated": self.simulated, "state": self.state, "events": [e.to_json() for e in self.events]}


@dataclass(frozen=True)
class EvidencePack:
    """A built pack.

    Attributes:
        data: the zip file's bytes.
        names: the files in it, in order.
        reports: the reports on the message and the Responses.
        conversation: the conversation drawn, if any.
    """

    data: bytes
    names: tuple[str, ...]
    reports: tuple[FileReport, ...]
    conversation: Conversation | None


def conversation_events(message: bytes, responses: Sequence[bytes]) -> Conversation:
    """Correlate Responses with the message they answer, as the sender's tracker does, and log
    them as arrows (times from the headers' timestamps where they can be read)."""
    start = _timestamp(message) or DEFAULT_START
    clock = VirtualClock(start)
    tracker = Tracker(
        TrackerSettings(ack_of_ack=False, timeout=MAX_SECONDS), clock=clock, ids=SequentialIds("evidence")
    )
    conversation = tracker.sent(message)
    events: list[SimEvent] = []

    def add(**fields: object) -> None:
        seconds = round((clock.now() - start).total_seconds(), 3)
        events.append(SimEvent(len(events), seconds, seconds, clock.now(), **fields))  # type: ignore[arg-type]

    event_code = _event(message)
    add(
        source=SENDER,
        target=RECEIVER,
        kind="message",
        event_code=event_code,
        itk_code=None,
        outcome="none",
        label=event_code or "message",
        message_id=conversation.message_id,
    )
    for data in responses:
        when = _timestamp(data)
        if when is not None and when > clock.now():
            clock.advance_to(when)
        receipt = tracker.receive(data)
        received = receipt.response
        outcome = "positive" if received.positive else "negative" if received.positive is False else "none"
        add(
            source=RECEIVER,
            target=SENDER,
            kind="response",
            event_code=catalogue().response_event,
            itk_code=received.code,
            outcome=outcome,
            label=received.label,
            data=data,
            message_id=received.message_id,
            answers=received.answers,
            level=received.level,
        )
        for anomaly in receipt.anomalies:
            add(
                source=SENDER,
                target=SENDER,
                kind="anomaly",
                event_code=None,
                itk_code=anomaly.code,
                outcome="none",
                label=anomaly.kind,
                note=anomaly.message,
            )
    final = tracker.conversation(conversation.key) or conversation
    return Conversation(tuple(events), final.state_label, simulated=False)


def simulated_conversation(message: bytes, validator: Validator | None = None) -> Conversation:
    """The round trip of the message to the simulated receiver (default settings)."""
    result = run_round_trip(message, validator=validator)
    return Conversation(result.events, result.conversation.state_label, simulated=True)


def build_evidence(
    message: tuple[str, bytes],
    responses: Sequence[tuple[str, bytes]] = (),
    *,
    validator: Validator | None = None,
    source: ResponseSource | None = None,
    simulate: bool = True,
    created: datetime | None = None,
    progress: Callable[[float], object] | None = None,
) -> EvidencePack:
    """Build the evidence pack for a message and its Responses.

    Args:
        message: (file name, original bytes).
        responses: (file name, bytes) of each Response, in the order received.
        validator: the validator (default: every layer, the shipped profiles).
        source: where to find Responses when none are given (the message store).
        simulate: with no Responses at all, draw the simulated receiver's round trip.
        created: when the pack was made (default: now).
        progress: told how far the pack is (0..1) after each step (each file judged, the
            report, the conversation, the zip).
    """
    validator = validator or Validator()
    tell = progress or (lambda _fraction: None)
    name, data = message
    responses = list(responses)
    if not responses and source is not None:
        message_id = _message_id(data)
        if message_id:
            responses = list(source.responses_for(message_id))
    files: list[tuple[str, bytes]] = [(f"message/{_safe(name)}", data)]
    for number, (response_name, response_data) in enumerate(responses, 1):
        files.append((f"responses/{number:02d}-{_safe(response_name)}", response_data))
    steps = len(files) + 3
    reports_made = []
    for number, (path, body) in enumerate(files, 1):
        reports_made.append(file_report(body, PurePath(path).name, validator))
        tell(number / steps)
    reports = tuple(reports_made)
    about = versions(validator)
    about["created"] = (created or datetime.now(UTC)).isoformat()
    files.append(("report.html", render_report_html(reports, title=f"Evidence: {name}", versions=about).encode()))
    report_json = {"files": [r.to_json() for r in reports], "versions": about}
    files.append(("report.json", _json(report_json)))
    tell((steps - 2) / steps)
    conversation = None
    if responses:
        conversation = conversation_events(data, [body for _, body in responses])
    elif simulate:
        conversation = simulated_conversation(data, validator)
    if conversation is not None:
        subtitle = f"{name}" + (" sent to the simulated receiver (default settings)" if conversation.simulated else "")
        files.append(
            (
                "conversation.svg",
                sequence_svg(conversation.events, title=conversation.title, subtitle=subtitle).encode(),
            )
        )
        files.append(("conversation.json", _json(conversation.to_json())))
    files.append(("versions.json", _json(about)))
    tell((steps - 1) / steps)
    manifest = "".join(f"{hashlib.sha256(body).hexdigest()}  {path}\n" for path, body in files)
    files.append((MANIFEST, manifest.encode()))
    stamp = (created or datetime.now(UTC)).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as pack:
        for path, body in files:
            info = zipfile.ZipInfo(path, date_time=max(stamp, (1980, 1, 1, 0, 0, 0)))
            info.compress_type = zipfile.ZIP_DEFLATED
            pack.writestr(info, body)
    tell(1.0)
    return EvidencePack(buffer.getvalue(), tuple(p for p, _ in files), reports, conversation)


def check_manifest(pack: bytes) -> list[str]:
    """What is wrong with a pack's SHA256SUMS (files missing, extra or changed); empty when true."""
    problems = []
    with zipfile.ZipFile(io.BytesIO(pack)) as archive:
        names = set(archive.namelist()) - {MANIFEST}
        listed = {}
        for line in archive.read(MANIFEST).decode().splitlines():
            digest, _, path = line.partition("  ")
            listed[path] = digest
        for path in sorted(names | set(listed)):
            if path not in listed:
                problems.append(f"{path}: not in {MANIFEST}")
            elif path not in names:
                problems.append(f"{path}: listed but not in the pack")
            elif hashlib.sha256(archive.read(path)).hexdigest() != listed[path]:
                problems.append(f"{path}: its SHA-256 does not match")
    return problems


def _json(value: object) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()


def _safe(name: str) -> str:
    """A file name safe inside a zip: the last path step, no odd characters."""
    base = PurePath(name.replace("\\", "/")).name or "file"
    return re.sub(r"[^A-Za-z0-9._@+-]", "_", base)


def _read(data: bytes):
    try:
        return read_bytes(data)
    except ReadError:
        return None


def _message_id(data: bytes) -> str | None:
    document = _read(data)
    return message_view(document).message_id if document is not None else None


def _event(data: bytes) -> str | None:
    document = _read(data)
    return message_view(document).event_code if document is not None else None


def _timestamp(data: bytes) -> datetime | None:
    document = _read(data)
    text = message_view(document).timestamp if document is not None else None
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None
