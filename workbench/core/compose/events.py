"""The events the workbench can send, with what a sender needs to know about each.

:func:`sendable_events` lists every live ITK-MessageEvent-2 event (the legacy ITK001M and
ITK002M are never offered): code, display, meaning, payload kind, the MessageDefinitions that
fit (current first, each with its version), and the MESH workflow pair. ITK008M, the ITK
Response, is listed too: it is made by answering a message (:func:`~.skeleton.new_response`).

Two events have no published MessageDefinition (ITK012M National Pathology, ITK014M Update
Record). A message still needs one in its handling specification (a missing one is answered
10004), so the workbench names one by the NHS naming convention
(``ITK-<Name>-MessageDefinition-1``), marks it *assumed*, and says so; the validator reports an
unknown MessageDefinition as a warning, which is exactly what the user must settle with the
payload specification.

Also here: the response pattern two flags make, in words (the header form shows it beside the
check boxes), the recipient types with their meanings, and the SenderReference length limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from workbench.core.catalogue import RecipientType, catalogue

#: The header form's flag text: (BusAckRequested, InfAckRequested) -> (pattern, what happens).
_PATTERNS: dict[tuple[bool, bool], tuple[str, str]] = {
    (True, True): (
        "Full acknowledgement (or Technical and Business)",
        "the receiver sends an infrastructure acknowledgement and, when that is positive, a business acknowledgement",
    ),
    (False, True): ("Technical only", "the receiver sends one infrastructure acknowledgement"),
    (False, False): (
        "Fire and forget",
        "the receiver sends no acknowledgement (unless it cannot read the flags)",
    ),
    (True, False): (
        "Business only, not one of the four ITK3 patterns",
        "the receiver sends no infrastructure acknowledgement, and a business acknowledgement only when "
        "it accepts the message",
    ),
}

#: Handling defaults where a payload specification fixes them (FACTS §3: GP Connect Send
#: Document; NEMS/EMS event messages get no ITK response and are for information).
_EVENT_DEFAULTS: dict[str, tuple[bool, bool, str]] = {
    "ITK007C": (True, True, "FA"),
    "ITK011M": (False, False, "FI"),
}
_DEFAULT_FLAGS = (True, True, "FA")


@dataclass(frozen=True, slots=True)
class DefinitionChoice:
    """A MessageDefinition a header may name for an event.

    Attributes:
        url: its canonical URL.
        version: its version, when known.
        current: False for a superseded (``-Instance-1``) definition, accepted on input.
        published: True when the NHS publishes it (others are only referenced by examples).
        assumed: True for the name the workbench gives an event with no known definition.
    """

    url: str
    version: str | None
    current: bool
    published: bool
    assumed: bool = False

    @property
    def name(self) -> str:
        """The last URL segment, e.g. ``ITK-eDischarge-MessageDefinition-4``."""
        return self.url.rstrip("/").rsplit("/", 1)[-1]

    @property
    def label(self) -> str:
        """How a list shows it: name, version and standing."""
        if self.assumed:
            return f"{self.name} (assumed: no MessageDefinition is published for this event)"
        bits = [f"version {self.version}"] if self.version else []
        if not self.published:
            bits.append("not published; examples refer to it")
        elif not self.version:
            bits.append("version not stated")
        if not self.current:
            bits.append("superseded")
        return f"{self.name} ({', '.join(bits)})"


@dataclass(frozen=True, slots=True)
class SendableEvent:
    """An event the workbench can send.

    Attributes:
        code, display, meaning: from the ITK-MessageEvent-2 catalogue.
        payload_kind: ``document``, ``collection`` or ``message``.
        definitions: the MessageDefinitions that fit, the default first.
        workflow, ack_workflow: the MESH WorkflowIDs of the event and of its Responses.
        is_response: True for ITK008M (made by answering a message).
        bus_ack, inf_ack, recipient_type: the handling defaults for a new message.
    """

    code: str
    display: str
    meaning: str
    payload_kind: str
    definitions: tuple[DefinitionChoice, ...]
    workflow: str | None
    ack_workflow: str | None
    is_response: bool
    bus_ack: bool
    inf_ack: bool
    recipient_type: str

    @property
    def definition(self) -> DefinitionChoice:
        """The MessageDefinition a new message names (the first current one)."""
        return self.definitions[0]

    @property
    def message_definition(self) -> str:
        """The URL of :attr:`definition`."""
        return self.definitions[0].url

    @property
    def label(self) -> str:
        """``ITK003D ITK eDischarge``."""
        return f"{self.code} {self.display}"

    def to_json(self) -> dict[str, object]:
        """The event as plain data (``new --list-events --format json``)."""
        definition = self.definition
        return {
            "code": self.code,
            "display": self.display,
            "meaning": self.meaning,
            "payload_kind": self.payload_kind,
            "message_definition": definition.url,
            "message_definition_version": definition.version,
            "message_definition_assumed": definition.assumed,
            "message_definitions": [d.url for d in self.definitions],
            "workflow": self.workflow,
            "ack_workflow": self.ack_workflow,
            "is_response": self.is_response,
        }


@dataclass(frozen=True, slots=True)
class ResponsePattern:
    """What two flags make a receiver do.

    Attributes:
        title: the pattern's name (``Technical only``).
        text: the whole sentence (``Technical only: the receiver sends one infrastructure
            acknowledgement``).
    """

    title: str
    text: str


@cache
def sendable_events() -> tuple[SendableEvent, ...]:
    """Every event the workbench can send, in catalogue order (legacy codes left out)."""
    cat = catalogue()
    found = []
    for event in cat.events:
        if event.legacy:
            continue
        choices = [
            DefinitionChoice(d.url, d.version, d.status == "current", d.published)
            for d in cat.message_definitions_for_event(event.code)
        ]
        if not choices:
            choices = [DefinitionChoice(_assumed_url(event.display), None, True, False, assumed=True)]
        is_response = event.code == cat.response_event
        bus, inf, kind = (False, False, "FI") if is_response else _EVENT_DEFAULTS.get(event.code, _DEFAULT_FLAGS)
        found.append(
            SendableEvent(
                event.code,
                event.display,
                event.meaning,
                event.payload_kind,
                tuple(choices),
                event.workflow,
                event.ack_workflow,
                is_response,
                bus,
                inf,
                kind,
            )
        )
    return tuple(found)


def sendable_event(code: str) -> SendableEvent | None:
    """The sendable event with this code (None for unknown and legacy codes)."""
    wanted = code.strip().upper()
    return next((e for e in sendable_events() if e.code == wanted), None)


def _assumed_url(display: str) -> str:
    words = display.split()
    name = "".join(w[:1].upper() + w[1:] for w in words[1:] if w.isalnum()) or "Payload"
    return f"{catalogue().urls.message_definition_prefix}ITK-{name}-MessageDefinition-1"


def response_pattern(bus_ack: bool, inf_ack: bool) -> ResponsePattern:
    """The response pattern ``BusAckRequested``/``InfAckRequested`` make, in words."""
    title, what = _PATTERNS[(bool(bus_ack), bool(inf_ack))]
    return ResponsePattern(title, f"{title}: {what}")


def recipient_types() -> tuple[RecipientType, ...]:
    """FA and FI with display and meaning."""
    return catalogue().recipient_types


def sender_reference_limit() -> int:
    """The most characters a SenderReference may have (255)."""
    key = catalogue().handling_key("SenderReference")
    return key.max_length if key is not None and key.max_length else 255
