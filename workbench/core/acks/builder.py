"""Build ITK Responses (event ITK008M) as our element tree (FACTS §4.1-§4.3).

:func:`build_response` answers one message with one response code. The Response is an
ITK-Message-Bundle-1 whose first entry is an ITK-MessageHeader-2 with the six handling keys,
then the responder's header Organization (CareConnect-ITK-Header-Organization-1, ODS code only),
the answered message's sender as ``receiver`` when it can be told (a fresh header Organization
or Practitioner carrying only its ODS code or SDS user id), and one
ITK-Response-OperationOutcome-1 with exactly one issue. Elements are in STU3 order, so
:func:`workbench.core.codecs.write_xml` and :func:`workbench.core.codecs.write_json` give
schema-valid FHIR.

Decisions where the facts leave room:

* ``RecipientType`` of a Response defaults to **FI** (For Information): a Response asks no
  person to act, and the NHS test harness, which implementers test against, sends FI; the
  official examples say FA (FACTS §11.3). Either can be chosen.
* ``InfAckRequested`` is false on infrastructure Responses and, by default, true on business
  Responses (the full acknowledgement pattern, as in every official business example).
* ``SenderReference`` echoes the answered message's value when it is a readable string of at
  most 255 characters, else ``None``; ``LocalExtension`` is ``None``.
* ``response.identifier`` is the answered MessageHeader.id when it is a valid FHIR id, else
  ``UNREADABLE-IN-ORIGINAL-MESSAGE`` (an id that is not a FHIR id cannot be quoted validly).
* ``diagnostics`` is the caller's text; the receiver puts only rule names and element paths in
  it, never values from the message, so no patient-identifiable text travels (FHIR-BA-02).
* A **malformed** Response (forced outcome ``malformed``) is the Response that would have been
  sent with ``MessageHeader.response.identifier`` removed: well-formed XML that no longer says
  which message it answers (schema- and profile-invalid). ``truncated`` cuts the serialised
  bytes in half instead (not well-formed at all).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from workbench.core.acks.nodes import (
    coding,
    el,
    entry,
    group,
    handling,
    identifier,
    message_bundle,
    meta,
    reference,
    resource,
    urn,
)
from workbench.core.catalogue import ResponseCode, catalogue
from workbench.core.clock import Clock, IdGenerator, instant
from workbench.core.codecs import read_bytes, render
from workbench.core.errors import ReadError
from workbench.core.itk3.view import MessageView, message_view
from workbench.core.tree import Document, Node

#: Defects a malformed Response can have (see the module docstring).
DEFECTS = ("missing-identifier", "truncated")
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_MAX_SENDER_REFERENCE = 255


@dataclass(frozen=True, slots=True)
class Responder:
    """Who sends a Response: its ODS code and MESH mailbox.

    Attributes:
        ods_code: the responder organisation's ODS code (the header Organization's identifier).
        mailbox: its MESH mailbox, written to ``MessageHeader.source.endpoint``.
        site: True when ``ods_code`` is an ODS *site* code rather than an organisation code.
    """

    ods_code: str
    mailbox: str
    site: bool = False


@dataclass(frozen=True, slots=True)
class BuiltResponse:
    """One ITK Response built by :func:`build_response`.

    Attributes:
        document: the Response as our tree (a Document built in memory).
        code: the response code it carries (display, level, sign from the catalogue).
        message_id: the Response's own MessageHeader.id (what an answer to it would quote).
        identifier: the ``response.identifier`` it carries (the answered message's
            MessageHeader.id, ``UNREADABLE-IN-ORIGINAL-MESSAGE``, or None when removed).
        inf_ack_requested: the Response's own InfAckRequested value.
        timestamp: its MessageHeader.timestamp.
        defect: None for a proper Response, else one of :data:`DEFECTS`.
    """

    document: Document
    code: ResponseCode
    message_id: str
    identifier: str | None
    inf_ack_requested: bool
    timestamp: str
    defect: str | None = None

    @property
    def level(self) -> str:
        """``infrastructure`` or ``business``."""
        return self.code.level

    @property
    def positive(self) -> bool:
        """True for a positive code (20013, 30001 ...)."""
        return self.code.positive

    def to_bytes(self, syntax: str = "xml") -> bytes:
        """The Response as FHIR ``xml`` or ``json`` bytes (cut in half when ``truncated``)."""
        data = render(self.document, syntax)
        if self.defect == "truncated":
            return data[: len(data) // 2]
        return data


def read_original(original: bytes | Document | MessageView | None) -> MessageView | None:
    """The ITK3 view of the answered message, or None when it cannot be read at all."""
    if original is None:
        return None
    if isinstance(original, MessageView):
        return original
    if isinstance(original, Document):
        return message_view(original)
    try:
        return message_view(read_bytes(original))
    except ReadError:
        return None


def answered_id(view: MessageView | None) -> str:
    """What ``response.identifier`` quotes for a message (FACTS §4.1, §5.3)."""
    message_id = view.message_id if view is not None else None
    if message_id and _FHIR_ID.fullmatch(message_id):
        return message_id
    return catalogue().unreadable_message_id


def echoed_sender_reference(view: MessageView | None) -> str:
    """The SenderReference to echo: the original's readable string value, else ``None``."""
    default = catalogue().handling_key_default
    if view is None:
        return default
    found = view.handling.get("SenderReference")
    if found is None or found.value_element != "valueString" or not found.value:
        return default
    value = found.value
    return value if len(value) <= _MAX_SENDER_REFERENCE and value.strip() else default


def build_response(
    original: bytes | Document | MessageView | None,
    code: str,
    responder: Responder,
    *,
    clock: Clock,
    ids: IdGenerator,
    recipient_type: str = "FI",
    inf_ack_requested: bool | None = None,
    full_acknowledgement: bool = True,
    diagnostics: str | None = None,
    timestamp: datetime | None = None,
    defect: str | None = None,
) -> BuiltResponse:
    """Build the ITK Response answering ``original`` with ``code``.

    Args:
        original: the answered message (bytes, a Document or its view), or None / unreadable
            bytes for a message that could not be read (10009).
        code: a live ITK-ResponseCodes-1 code (``20013``, ``30001`` ...).
        responder: who answers (ODS code, MESH mailbox).
        clock: gives the timestamp (unless ``timestamp`` is given).
        ids: gives the Bundle id, Bundle identifier and resource ids (all different).
        recipient_type: the Response's RecipientType, ``FI`` (default) or ``FA``.
        inf_ack_requested: the Response's InfAckRequested; by default false for an
            infrastructure Response and ``full_acknowledgement`` for a business one.
        full_acknowledgement: business Responses ask for an infrastructure Response back.
        diagnostics: ``issue.diagnostics`` text (must hold no patient-identifiable data).
        timestamp: the Response's timestamp (default: ``clock.now()``).
        defect: build a malformed Response (one of :data:`DEFECTS`).

    Raises:
        ValueError: unknown or retired response code, unknown recipient type or defect.
    """
    cat = catalogue()
    found = cat.response(code)
    if found is None:
        raise ValueError(f"{code!r} is not a live ITK-ResponseCodes-1 code")
    kind = cat.recipient_type(recipient_type)
    if kind is None:
        raise ValueError(f"RecipientType {recipient_type!r} is not FA or FI")
    if defect is not None and defect not in DEFECTS:
        raise ValueError(f"unknown defect {defect!r}; use one of {', '.join(DEFECTS)}")
    view = read_original(original)
    if inf_ack_requested is None:
        inf_ack_requested = found.is_business and full_acknowledgement
    when = instant(timestamp or clock.now())
    bundle_id, bundle_identifier, header_id, org_id, outcome_id = (ids() for _ in range(5))
    answered = answered_id(view)
    party = _receiver_party(view, ids)
    urls = cat.urls
    handling_spec = handling(
        bus_ack=False,
        inf_ack=inf_ack_requested,
        recipient_type=kind,
        message_definition=urls.response_message_definition,
        sender_reference=echoed_sender_reference(view),
        local_extension=cat.handling_key_default,
    )
    response_element = group(
        "response",
        el("identifier", answered) if defect != "missing-identifier" else None,
        el("code", found.response_code),
        reference("details", urn(outcome_id)),
    )
    header = resource(
        "MessageHeader",
        el("id", header_id),
        meta(urls.message_header_profile),
        handling_spec,
        coding("event", urls.message_event_system, cat.response_event, _event_display()),
        reference("receiver", urn(party.value_at("id") or "")) if party is not None else None,
        reference("sender", urn(org_id)),
        el("timestamp", when),
        group("source", el("endpoint", responder.mailbox)),
        response_element,
    )
    ods_system = urls.ods_site_code if responder.site else urls.ods_organization_code
    organization = resource(
        "Organization",
        el("id", org_id),
        meta(urls.header_organization_profile),
        identifier(ods_system, responder.ods_code),
    )
    outcome = resource(
        "OperationOutcome",
        el("id", outcome_id),
        meta(urls.response_operation_outcome_profile),
        group(
            "issue",
            el("severity", found.severity),
            el("code", found.issue_code),
            group("details", coding("coding", urls.response_codes_system, found.code, found.display)),
            el("diagnostics", diagnostics) if diagnostics else None,
        ),
    )
    bundle = message_bundle(
        urls.message_bundle_profile,
        urls.uuid_identifier_system,
        bundle_id,
        bundle_identifier,
        entry(header),
        entry(organization),
        entry(party) if party is not None else None,
        entry(outcome),
    )
    return BuiltResponse(
        Document(bundle, "xml"),
        found,
        header_id,
        answered if defect != "missing-identifier" else None,
        inf_ack_requested,
        when,
        defect,
    )


def _event_display() -> str:
    event = catalogue().event(catalogue().response_event)
    return event.display if event is not None else "ITK Response"


def _receiver_party(view: MessageView | None, ids: IdGenerator) -> Node | None:
    """A header resource naming the answered message's sender, when it can be told.

    Only the ODS code (Organization) or SDS user id (Practitioner) is carried over, so the
    resource fits the ITK header profiles whatever the original sender resource held.
    """
    if view is None or view.sender is None or view.sender.resource is None:
        return None
    found = view.sender.resource
    urls = catalogue().urls
    wanted = {
        "Organization": ((urls.ods_organization_code, urls.ods_site_code), urls.header_organization_profile),
        "Practitioner": ((urls.sds_user_id,), urls.header_practitioner_profile),
    }.get(found.name)
    if wanted is None:
        return None
    systems, profile = wanted
    for ident in found.children_named("identifier"):
        system, value = ident.value_at("system"), ident.value_at("value")
        if system in systems and value and value.strip():
            return resource(found.name, el("id", ids()), meta(profile), identifier(system, value.strip()))
    return None
