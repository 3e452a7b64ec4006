"""ITK3 code lists and definitions, read once from the shipped ``resources/itk3/catalogue.json``.

The catalogue holds the ITK-MessageEvent-2 events, the ITK-ResponseCodes-1 response codes (with
their OperationOutcome mapping), the recipient types, the handling-specification keys, the known
MessageDefinitions, the MESH workflow pairs, the approved attachment types, the legacy codes a
reader must recognise but never emit, and the canonical URLs. Displays are the exact CodeSystem
strings; ``variants`` are other spellings tolerated on input. Use :func:`catalogue` to get it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin, get_type_hints

from workbench.core.resources import resource_path

Level = Literal["infrastructure", "business"]
Severity = Literal["fatal", "error", "warning", "information"]
Outcome = Literal["ok", "fatal-error"]
Requirement = Literal["MUST", "SHOULD", "none"]
PayloadKind = Literal["document", "message", "collection"]
DefinitionStatus = Literal["current", "older", "generic"]

_T = TypeVar("_T")


def _matches(text: str, display: str, variants: tuple[str, ...]) -> bool:
    """Return True when ``text`` is ``display`` or a variant, ignoring runs of whitespace."""
    wanted = " ".join(text.split())
    return any(wanted == " ".join(known.split()) for known in (display, *variants))


def level_of(code: str) -> Level | None:
    """Return the level of any five-digit response code by its range: 1xxxx/2xxxx or 3xxxx."""
    if len(code) != 5 or not code.isdigit():
        return None
    return {"1": "infrastructure", "2": "infrastructure", "3": "business"}.get(code[0])


@dataclass(frozen=True, slots=True)
class Urls:
    """Canonical URLs and identifier systems; each field is named after the artefact it locates.

    ``response_message_definition_legacy`` (the ``-Instance-1`` form) is accepted on input only;
    ``message_definition_prefix`` starts every MessageDefinition URL.
    """

    message_event_system: str
    message_event_valueset: str
    response_codes_system: str
    response_codes_valueset: str
    recipient_type_system: str
    recipient_type_valueset: str
    message_handling_extension: str
    information_recipient_extension: str
    message_bundle_profile: str
    message_header_profile: str
    response_operation_outcome_profile: str
    header_organization_profile: str
    header_practitioner_profile: str
    document_bundle_profile: str
    payload_bundle_profile: str
    attachment_binary_profile: str
    message_definition_prefix: str
    response_message_definition: str
    response_message_definition_legacy: str
    legacy_priority_system: str
    legacy_acknowledgement_system: str
    ods_organization_code: str
    ods_site_code: str
    sds_user_id: str
    sds_role_profile_id: str
    uuid_identifier_system: str
    fhir_response_code_valueset: str


@dataclass(frozen=True, slots=True)
class EventCode:
    """An ITK-MessageEvent-2 event code (``display`` of a legacy code is its last display).

    Attributes:
        payload_kind: from the code's suffix: ``document`` (D), ``message`` (M), ``collection`` (C).
        legacy: True for ITK001M/ITK002M, recognised but never emitted.
        variants: older displays tolerated on input.
        message_definitions: URLs of the known MessageDefinitions, current ones first.
        workflow, ack_workflow: the MESH WorkflowIDs of the event and of its Responses, if known.
    """

    code: str
    display: str
    meaning: str
    payload_kind: PayloadKind
    legacy: bool
    variants: tuple[str, ...]
    message_definitions: tuple[str, ...]
    workflow: str | None
    ack_workflow: str | None

    def matches_display(self, text: str) -> bool:
        """Return True when ``text`` is the display or a tolerated variant."""
        return _matches(text, self.display, self.variants)


@dataclass(frozen=True, slots=True)
class ResponseCode:
    """A live ITK-ResponseCodes-1 code and how a Response carrying it is built.

    Attributes:
        level: ``infrastructure`` (1xxxx/2xxxx) or ``business`` (3xxxx).
        positive: True for a positive outcome; every negative code ends processing.
        response_code: ``MessageHeader.response.code``: ``ok`` or ``fatal-error``.
        severity, issue_code: the ``OperationOutcome.issue`` severity and code to emit.
        issue_code_alternatives: more specific issue codes the IG also allows.
        requirement: ``MUST``/``SHOULD`` support by receivers, or ``none`` when not stated.
        variants: other displays tolerated on input (emit ``display``).
    """

    code: str
    display: str
    level: Level
    positive: bool
    response_code: Outcome
    severity: Severity
    issue_code: str
    issue_code_alternatives: tuple[str, ...]
    requirement: Requirement
    meaning: str
    variants: tuple[str, ...]

    @property
    def is_business(self) -> bool:
        """True for a business-level (3xxxx) code."""
        return self.level == "business"

    @property
    def issue_codes(self) -> tuple[str, ...]:
        """Every issue code acceptable with this response code, the preferred one first."""
        return (self.issue_code, *self.issue_code_alternatives)

    def matches_display(self, text: str) -> bool:
        """Return True when ``text`` is the display or a tolerated variant."""
        return _matches(text, self.display, self.variants)


@dataclass(frozen=True, slots=True)
class LegacyCode:
    """A code to recognise in old traffic but never emit (10006, 41001 ... RC999)."""

    code: str
    display: str
    system: str
    note: str


@dataclass(frozen=True, slots=True)
class RecipientType:
    """An ITK-RecipientType-1 code: ``FA`` For Action or ``FI`` For Information."""

    code: str
    display: str
    meaning: str


@dataclass(frozen=True, slots=True)
class HandlingKey:
    """A sub-extension of Extension-ITK-MessageHandling-2.

    Attributes:
        url: the sub-extension ``url`` (a bare, case-sensitive name such as ``InfAckRequested``).
        value_type: the value element, e.g. ``valueBoolean``; ``value[x]`` means any type.
        error_code: the 100xx code a receiver answers when the key is missing or unreadable.
        max_length, default: string length limit and sender default (``None``), where defined.
        legacy: True for the removed ``Priority`` key.
    """

    url: str
    value_type: str
    error_code: str | None
    max_length: int | None
    default: str | None
    legacy: bool
    meaning: str


@dataclass(frozen=True, slots=True)
class MessageDefinition:
    """A known MessageDefinition instance (named in the ``MessageDefinition`` handling key).

    Attributes:
        event: the event code it defines, or None for the generic SendPayload definition.
        version: its internal version, where known.
        status: ``current``, ``older`` (superseded, accepted on input) or ``generic``
            (informational only, not to be named in a header).
        published: True when the NHS publishes the resource (others are only referenced).
    """

    url: str
    event: str | None
    version: str | None
    status: DefinitionStatus
    published: bool

    @property
    def name(self) -> str:
        """The last URL segment, e.g. ``ITK-eDischarge-MessageDefinition-4``."""
        return definition_name(self.url)


def definition_name(url: str) -> str:
    """A MessageDefinition's name, the last segment of its URL (a name is its own name)."""
    return url.strip().rstrip("/").rsplit("/", 1)[-1]


def definition_stem(url: str) -> str:
    """The message type a MessageDefinition defines, whatever its version.

    The major version is the number the name ends in (FACTS §6: a breaking change bumps it), and
    the legacy ``-Instance-`` form names the same type: ``ITK-eDischarge-MessageDefinition-4`` and
    ``...-Instance-1`` both give ``ITK-eDischarge-MessageDefinition``.
    """
    name = definition_name(url)
    stem, _, number = name.rpartition("-")
    return (stem if stem and number.isdigit() else name).removesuffix("-Instance")


@dataclass(frozen=True, slots=True)
class WorkflowPair:
    """A MESH WorkflowID and the WorkflowID its ITK Responses travel on.

    Attributes:
        ack_workflow: the Responses' WorkflowID, if known.
        event: the ITK3 event using it, if any.
        itk3_fhir: False for the legacy CDA Transfer of Care workflows.
        gp_lookup: True when MESH can route it to the patient's GP (``GPPROVIDER_...``).
    """

    workflow: str
    ack_workflow: str | None
    event: str | None
    itk3_fhir: bool
    gp_lookup: bool
    note: str


@dataclass(frozen=True, slots=True)
class Catalogue:
    """All ITK3 code lists; lookups return None for unknown codes.

    Attributes:
        code_system_versions: (CodeSystem name, version) pairs the lists reflect.
        events: live then legacy event codes; responses: the 49 live response codes.
        handling_keys: the six current keys in the recommended order (``Priority`` is legacy).
        response_event: ``ITK008M``, the event of every ITK Response.
        unreadable_message_id: the ``response.identifier`` used when the original id is unreadable.
        size_limit_bytes: the recommended maximum payload size (5 MB).
        fhir_response_codes: the FHIR ``response.code`` values (ITK3 uses ``itk_response_codes``).
        recipient_type_when_unknown: what a receiver assumes when it cannot tell (``FA``).
        handling_key_default: the default SenderReference/LocalExtension value, ``None``.
    """

    urls: Urls
    code_system_versions: tuple[tuple[str, str], ...]
    events: tuple[EventCode, ...]
    responses: tuple[ResponseCode, ...]
    retired_responses: tuple[LegacyCode, ...]
    recipient_types: tuple[RecipientType, ...]
    handling_keys: tuple[HandlingKey, ...]
    legacy_handling_keys: tuple[HandlingKey, ...]
    message_definitions: tuple[MessageDefinition, ...]
    approved_content_types: tuple[str, ...]
    workflows: tuple[WorkflowPair, ...]
    legacy_acks: tuple[LegacyCode, ...]
    response_event: str
    unreadable_message_id: str
    size_limit_bytes: int
    fhir_response_codes: tuple[str, ...]
    itk_response_codes: tuple[str, ...]
    recipient_type_when_unknown: str
    handling_key_default: str

    def event(self, code: str) -> EventCode | None:
        """Return the event (live or legacy) with this code."""
        return next((e for e in self.events if e.code == code), None)

    def response(self, code: str) -> ResponseCode | None:
        """Return the live response code; retired 10006 is in :meth:`retired_response`."""
        return next((r for r in self.responses if r.code == code), None)

    def retired_response(self, code: str) -> LegacyCode | None:
        """Return a retired ITK-ResponseCodes-1 code (10006)."""
        return next((r for r in self.retired_responses if r.code == code), None)

    def legacy_ack(self, code: str) -> LegacyCode | None:
        """Return a pre-2018 ITK-Acknowledgement-1 code (41001 ... RC999)."""
        return next((r for r in self.legacy_acks if r.code == code), None)

    def recipient_type(self, code: str) -> RecipientType | None:
        """Return the recipient type ``FA`` or ``FI``."""
        return next((r for r in self.recipient_types if r.code == code), None)

    def handling_key(self, url: str) -> HandlingKey | None:
        """Return the handling key (current or legacy) with this sub-extension url."""
        keys = (*self.handling_keys, *self.legacy_handling_keys)
        return next((k for k in keys if k.url == url), None)

    def message_definition(self, url: str) -> MessageDefinition | None:
        """Return the known MessageDefinition with this URL (surrounding spaces ignored)."""
        return next((m for m in self.message_definitions if m.url == url.strip()), None)

    def message_definitions_for_event(self, code: str) -> tuple[MessageDefinition, ...]:
        """Return the known MessageDefinitions of an event, current ones first."""
        return _definitions_of(self.message_definitions, code)

    def workflow_for_event(self, code: str) -> WorkflowPair | None:
        """Return the main MESH workflow pair of an event, if known."""
        return next((w for w in self.workflows if w.event == code), None)

    def ack_workflow_for(self, workflow: str) -> str | None:
        """Return the Responses' WorkflowID for ``workflow`` (an ``_ACK`` one maps to itself)."""
        for pair in self.workflows:
            if workflow in (pair.workflow, pair.ack_workflow):
                return pair.ack_workflow
        return None

    def is_approved_content_type(self, content_type: str) -> bool:
        """Return True when a MIME type (parameters and case ignored) is approved."""
        return content_type.split(";", 1)[0].strip().lower() in self.approved_content_types


def _definitions_of(definitions: tuple[MessageDefinition, ...], code: str) -> tuple[MessageDefinition, ...]:
    """Return the definitions of event ``code``, current ones first (stable otherwise)."""
    found = [m for m in definitions if m.event == code]
    return tuple(sorted(found, key=lambda m: m.status != "current"))


def _build(cls: type[_T], row: dict[str, Any], **extra: Any) -> _T:
    """Make a dataclass from a JSON object (lists become tuples), checking keys and Literals."""
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in {**row, **extra}.items()}
    where = f"catalogue: {cls.__name__} {row.get('code') or row.get('url') or row}"
    wrong = set(values) ^ {f.name for f in fields(cls)}  # type: ignore[arg-type]
    if wrong:
        raise ValueError(f"{where}: bad keys {sorted(wrong)}")
    for name, hint in get_type_hints(cls).items():
        if get_origin(hint) is Literal and values[name] not in get_args(hint):
            raise ValueError(f"{where}: {name} {values[name]!r} not in {get_args(hint)}")
    return cls(**values)


def load_catalogue(path: Path) -> Catalogue:
    """Read and check a catalogue file (use :func:`catalogue` for the shipped one).

    Args:
        path: the JSON file.

    Raises:
        ValueError: when the file's content is inconsistent.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    urls = _build(Urls, data["urls"])
    definitions = tuple(_build(MessageDefinition, row) for row in data["message_definitions"])
    workflows = tuple(_build(WorkflowPair, row) for row in data["workflows"])
    events = []
    for row in data["events"]:
        pair = next((w for w in workflows if w.event == row["code"]), None)
        mds = tuple(m.url for m in _definitions_of(definitions, row["code"]))
        workflow, ack = (pair.workflow, pair.ack_workflow) if pair else (None, None)
        events.append(_build(EventCode, row, message_definitions=mds, workflow=workflow, ack_workflow=ack))
    responses = tuple(_build(ResponseCode, row) for row in data["responses"])
    keys = [_build(HandlingKey, row) for row in data["handling_keys"]]
    note = "Pre-March-2018 acknowledgement code; recognise, never emit."
    system = urls.legacy_acknowledgement_system
    acks = tuple(_build(LegacyCode, r, system=system, note=note) for r in data["legacy_acks"])
    for items, what in ((events, "event"), (responses, "response"), (acks, "legacy ack")):
        if len({i.code for i in items}) != len(items):
            raise ValueError(f"catalogue: duplicate {what} code")
    known_events = {e.code for e in events} | {None}
    if any(m.event not in known_events for m in (*definitions, *workflows)):
        raise ValueError("catalogue: a MessageDefinition or workflow names an unknown event")
    constants = {k: tuple(v) if isinstance(v, list) else v for k, v in data["constants"].items()}
    return Catalogue(
        urls=urls,
        code_system_versions=tuple(sorted(data["code_system_versions"].items())),
        events=tuple(events),
        responses=responses,
        retired_responses=tuple(_build(LegacyCode, row) for row in data["retired_responses"]),
        recipient_types=tuple(_build(RecipientType, row) for row in data["recipient_types"]),
        handling_keys=tuple(k for k in keys if not k.legacy),
        legacy_handling_keys=tuple(k for k in keys if k.legacy),
        message_definitions=definitions,
        approved_content_types=tuple(data["approved_content_types"]),
        workflows=workflows,
        legacy_acks=acks,
        **constants,
    )


@cache
def catalogue() -> Catalogue:
    """Return the catalogue the application ships, read on first use."""
    return load_catalogue(resource_path("itk3", "catalogue.json"))
