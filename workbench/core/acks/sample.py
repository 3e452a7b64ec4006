"""A small, valid ITK3 message to send in simulations, tests and training (FACTS §1-§3).

:func:`sample_message` builds an ITK-Message-Bundle-1 carrying a FHIR document (an
ITK-Document-Bundle-1 with a Composition, the Patient, the author Organization and, on
request, one Binary attachment) as our element tree. The handling flags, the parties and the
patient details are parameters, so one template serves every response pattern and the
receiver's rules (NHS number, first given name). Patient details are fictitious.
"""

from __future__ import annotations

import base64
from html import escape

from workbench.core.acks.nodes import (
    coding,
    el,
    entry,
    group,
    handling,
    identifier,
    message_bundle,
    meta,
    narrative,
    reference,
    resource,
    urn,
)
from workbench.core.catalogue import catalogue
from workbench.core.clock import Clock, IdGenerator, instant
from workbench.core.tree import Document, Node

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
SNOMED = "http://snomed.info/sct"
#: A tiny stand-in for a PDF file (the workbench only checks type, base64 and size).
SAMPLE_ATTACHMENT = b"%PDF-1.4\n% ITK3 workbench sample attachment\n%%EOF\n"

#: Document type of the sample per event (SNOMED code, display, Composition title).
_DOCUMENT_TYPES = {
    "ITK003D": ("373942005", "Discharge summary", "Discharge summary"),
    "ITK004D": ("373942005", "Discharge summary", "Mental health discharge summary"),
    "ITK005D": ("373942005", "Discharge summary", "Emergency care discharge summary"),
    "ITK006D": ("823681000000100", "Outpatient letter", "Outpatient letter"),
    "ITK007C": ("371531000", "Report of clinical encounter", "Consultation report"),
}


def sample_message(
    *,
    clock: Clock,
    ids: IdGenerator,
    inf_ack: bool | None = True,
    bus_ack: bool | None = True,
    event: str = "ITK003D",
    recipient_type: str = "FA",
    sender_ods: str = "SND01",
    sender_mailbox: str = "SND01OT001",
    receiver_ods: str | None = "RCV01",
    sender_reference: str = "None",
    nhs_number: str = "9434765919",
    given_name: str = "Jane",
    family_name: str = "Sample",
    attachment_type: str | None = None,
    attachment: bytes = SAMPLE_ATTACHMENT,
) -> Document:
    """Build a valid ITK3 message with a document payload.

    Args:
        clock: gives the header timestamp and the document's lastUpdated/date.
        ids: gives every id (Bundle ids and identifiers, resource ids).
        inf_ack, bus_ack: the InfAckRequested / BusAckRequested flags; None leaves the key
            out (unreadable flags, for the receiver's 10002/10003 and FACTS §5.3).
        event: a document event code (ITK003D ... ITK007C); its first known
            MessageDefinition is named in the handling specification.
        recipient_type: ``FA`` or ``FI``.
        sender_ods, sender_mailbox: the sending organisation and its MESH mailbox.
        receiver_ods: the recipient organisation named in the header, or None for none.
        sender_reference: the SenderReference key's value.
        nhs_number, given_name, family_name: the (fictitious) patient.
        attachment_type: when given, the document carries one Binary of this MIME type.
        attachment: the attachment's bytes.
    """
    cat = catalogue()
    found = cat.event(event)
    if found is None or found.legacy or found.code == cat.response_event:
        raise ValueError(f"{event!r} is not an event a sample message can carry")
    doc_code, doc_display, title = _DOCUMENT_TYPES.get(event, _DOCUMENT_TYPES["ITK003D"])
    kind = cat.recipient_type(recipient_type)
    if kind is None:
        raise ValueError(f"RecipientType {recipient_type!r} is not FA or FI")
    urls = cat.urls
    when = instant(clock.now())
    bundle_id, bundle_identifier, header_id, sender_id = ids(), ids(), ids(), ids()
    receiver_id = ids() if receiver_ods else None
    document = _document(
        ids,
        when,
        doc_code,
        doc_display,
        title,
        nhs_number,
        given_name,
        family_name,
        sender_ods,
        attachment_type,
        attachment,
    )
    definition = (
        found.message_definitions[0]
        if found.message_definitions
        else (f"{urls.message_definition_prefix}ITK-SendPayload-MessageDefinition-1")
    )
    header = resource(
        "MessageHeader",
        el("id", header_id),
        meta(urls.message_header_profile),
        handling(
            bus_ack=bus_ack,
            inf_ack=inf_ack,
            recipient_type=kind,
            message_definition=definition,
            sender_reference=sender_reference,
            local_extension=cat.handling_key_default,
        ),
        coding("event", urls.message_event_system, found.code, found.display),
        reference("receiver", urn(receiver_id)) if receiver_id else None,
        reference("sender", urn(sender_id)),
        el("timestamp", when),
        group("source", el("endpoint", sender_mailbox)),
        reference("focus", urn(document.value_at("id") or "")),
    )
    bundle = message_bundle(
        urls.message_bundle_profile,
        urls.uuid_identifier_system,
        bundle_id,
        bundle_identifier,
        entry(header),
        entry(_header_org(sender_id, sender_ods)),
        entry(_header_org(receiver_id, receiver_ods)) if receiver_id and receiver_ods else None,
        entry(document),
    )
    return Document(bundle, "xml")


def _header_org(rid: str, ods: str) -> Node:
    urls = catalogue().urls
    return resource(
        "Organization",
        el("id", rid),
        meta(urls.header_organization_profile),
        identifier(urls.ods_organization_code, ods),
    )


def _document(
    ids: IdGenerator,
    when: str,
    doc_code: str,
    doc_display: str,
    title: str,
    nhs_number: str,
    given_name: str,
    family_name: str,
    author_ods: str,
    attachment_type: str | None,
    attachment: bytes,
) -> Node:
    urls = catalogue().urls
    bundle_id, bundle_identifier, composition_id, patient_id, author_id = (ids() for _ in range(5))
    binary_id = ids() if attachment_type else None
    summary = "Admitted for observation; discharged home the same day. No medication changes."
    section = group(
        "section",
        el("title", "Clinical summary"),
        narrative(f"<p>{escape(summary)}</p>"),
        reference("entry", urn(binary_id)) if binary_id else None,
    )
    composition = resource(
        "Composition",
        el("id", composition_id),
        narrative(f"<p>{escape(title)}</p>"),
        identifier(urls.uuid_identifier_system, ids()),
        el("status", "final"),
        group("type", coding("coding", SNOMED, doc_code, doc_display)),
        reference("subject", urn(patient_id)),
        el("date", when),
        reference("author", urn(author_id)),
        el("title", title),
        section,
    )
    patient = resource(
        "Patient",
        el("id", patient_id),
        narrative(f"<p>{escape(given_name)} {escape(family_name)}</p>"),
        identifier(NHS_NUMBER_SYSTEM, nhs_number),
        group("name", el("family", family_name), el("given", given_name)),
        el("gender", "female"),
        el("birthDate", "1970-01-01"),
    )
    author = resource(
        "Organization",
        el("id", author_id),
        narrative(f"<p>Organisation {escape(author_ods)}</p>"),
        identifier(urls.ods_organization_code, author_ods),
        el("name", "Sample Hospital"),
    )
    binary = (
        resource(
            "Binary",
            el("id", binary_id),
            el("contentType", attachment_type),
            el("content", base64.b64encode(attachment).decode("ascii")),
        )
        if binary_id and attachment_type
        else None
    )
    return resource(
        "Bundle",
        el("id", bundle_id),
        group("meta", el("lastUpdated", when), el("profile", urls.document_bundle_profile)),
        identifier(urls.uuid_identifier_system, bundle_identifier),
        el("type", "document"),
        entry(composition),
        entry(patient),
        entry(author),
        entry(binary) if binary is not None else None,
    )
