"""Generate the workbench's own ITK3 conformance pack in ``resources/profiles``.

Run from the project root::

    .venv/bin/python tools/gen_itk3_pack.py          # write the files
    .venv/bin/python tools/gen_itk3_pack.py --check  # exit 1 if a committed file is stale

The pack is written by the project from the ITK3 facts (FACTS.md, ITK3 Messaging Distribution
2.10.0-live and the STU3 assets it summarises); no NHS file is copied. It holds:

* nine StructureDefinitions, each described once below as a compact list of :class:`Rule`
  records from which both the ``differential`` and the ``snapshot`` are built. The snapshot
  lists the root element and the elements the profile constrains only: the workbench's profile
  engine treats anything a snapshot does not list as base STU3, which the structure layer checks.
  Base cardinalities and types that a rule does not restate come from the STU3 type index
  (``workbench.core.stu3``).
* the ITK-MessageEvent-2, ITK-ResponseCodes-1 and ITK-RecipientType-1 CodeSystems and ValueSets,
  whose codes and displays come from the workbench catalogue (``resources/itk3/catalogue.json``),
  so each code lives in one place.

Output is pretty JSON (STU3), one resource a file, named ``<resourceType>-<id>.json``.
``tests/core/test_itk3_pack.py`` re-runs :func:`build_pack` and compares it with the committed
files.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from workbench.core import stu3
from workbench.core.catalogue import Catalogue, catalogue
from workbench.core.validation.itk3rules.payload import PAYLOAD_BUNDLE_TYPES

OUT = Path(__file__).resolve().parent.parent / "resources" / "profiles"

PUBLISHER = "ITK3 Message Workbench (written from the ITK3 Messaging Distribution 2.10.0 facts)"
FHIR_VERSION = "3.0.1"
NHS_SD = "https://fhir.nhs.uk/STU3/StructureDefinition/"
HL7_SD = "http://hl7.org/fhir/StructureDefinition/"
CARECONNECT_SD = "https://fhir.hl7.org.uk/STU3/StructureDefinition/"
CARECONNECT_ORGANIZATION = CARECONNECT_SD + "CareConnect-Organization-1"
MAIN_LOCATION_EXTENSION = CARECONNECT_SD + "Extension-CareConnect-MainLocation-1"
NHS_COMMUNICATION_EXTENSION = CARECONNECT_SD + "Extension-CareConnect-NHSCommunication-1"
ORGANIZATION_PERIOD_EXTENSION = HL7_SD + "organization-period"

#: Internal versions of the artefacts (FACTS §0).
VERSIONS: dict[str, str] = {
    "ITK-Message-Bundle-1": "1.1.0",
    "ITK-MessageHeader-2": "2.1.0",
    "Extension-ITK-MessageHandling-2": "2.1.0",
    "ITK-Response-OperationOutcome-1": "1.2.0",
    "CareConnect-ITK-Header-Organization-1": "1.2.0",
    "CareConnect-ITK-Header-Practitioner-1": "1.2.0",
    "ITK-Document-Bundle-1": "1.1.0",
    "ITK-Payload-Bundle-1": "1.1.0",
    "ITK-Attachment-Binary-1": "1.1.0",
    "ValueSet/ITK-MessageEvent-2": "2.4.1",
    "ValueSet/ITK-ResponseCodes-1": "1.1.0",
    "ValueSet/ITK-RecipientType-1": "1.1.0",
}


# --- element rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class Type:
    """One ``ElementDefinition.type`` entry (STU3: profile and targetProfile are single URLs)."""

    code: str
    profile: str | None = None
    target: str | None = None

    def to_json(self) -> dict[str, str]:
        out = {"code": self.code}
        if self.profile:
            out["profile"] = self.profile
        if self.target:
            out["targetProfile"] = self.target
        return out


@dataclass(frozen=True)
class Invariant:
    """A FHIRPath constraint on the profiled resource (our ``key``; ``human`` says it plainly)."""

    key: str
    human: str
    expression: str


@dataclass(frozen=True)
class Rule:
    """What a profile says about one element; ``id`` follows STU3 (``a.b:slice.c``).

    Attributes:
        card: ``"min..max"``, or None to keep the base cardinality.
        fixed: a fixed value; its ``fixed[x]`` suffix comes from the element's type.
        binding: (strength, ValueSet URL).
        types: the allowed types, or None to keep the base types.
        slicing: (discriminator type, discriminator path, rules) for a sliced element.
        short: one line in our words; a default is derived for prohibited and fixed elements.
    """

    id: str
    card: str | None = None
    fixed: str | None = None
    binding: tuple[str, str] | None = None
    types: tuple[Type, ...] | None = None
    slicing: tuple[str, str, str] | None = None
    max_length: int | None = None
    short: str | None = None

    @property
    def path(self) -> str:
        return re.sub(r":[^.]+", "", self.id)

    @property
    def slice_name(self) -> str | None:
        last = self.id.rsplit(".", 1)[-1]
        return last.split(":", 1)[1] if ":" in last else None


@dataclass(frozen=True)
class Profile:
    """A StructureDefinition described by its rules."""

    id: str
    type: str
    title: str
    description: str
    root_short: str
    rules: tuple[Rule, ...]
    kind: str = "resource"
    context: tuple[str, ...] = ()
    invariants: tuple[Invariant, ...] = ()

    @property
    def url(self) -> str:
        return NHS_SD + self.id


def R(element: str, card: str | None = None, **kwargs: Any) -> Rule:
    """A rule; ``element`` is the id without the leading type name when it starts with '.'."""
    return Rule(element, card, **kwargs)


def refs(*targets: str) -> tuple[Type, ...]:
    return tuple(Type("Reference", target=t) for t in targets)


BY_URL = ("value", "url", "open")

# --- base STU3 knowledge --------------------------------------------------------------------


def _base(path: str) -> tuple[int, str, list[Type], str]:
    """Return (min, max, types, type code of the element itself) of a base STU3 element path."""
    parts = path.split(".")
    owner = parts[0]
    definition: stu3.ElementDef | None = None
    for part in parts[1:]:
        if definition is not None:
            owner = definition.type
        found = stu3.type_def(owner)
        if found is None:
            raise ValueError(f"{path}: STU3 has no type {owner}")
        if part.endswith("[x]"):
            variants = found.choice_variants(part[:-3])
            if not variants:
                raise ValueError(f"{path}: no choice group {part}")
            types = [_type_of(v) for v in variants]
            return variants[0].min, "1", [t for ts in types for t in ts], "*"
        definition = found.elements.get(part)
        if definition is None:
            raise ValueError(f"{path}: STU3 {owner} has no element {part}")
    if definition is None:  # the root
        return 0, "*", [], parts[0]
    return definition.min, definition.max_label, _type_of(definition), definition.type


def _type_of(definition: stu3.ElementDef) -> list[Type]:
    found = stu3.type_def(definition.type)
    if found is not None and found.kind == "backbone":
        return [Type("BackboneElement")]
    if definition.type == "Reference":
        return [Type("Reference", target=HL7_SD + t) for t in definition.targets] or [Type("Reference")]
    return [Type(definition.type)]


def _fixed_key(type_code: str) -> str:
    return "fixed" + type_code[0].upper() + type_code[1:]


def _default_short(rule: Rule) -> str:
    if rule.card is not None and rule.card.endswith("..0"):
        return "Not used in ITK3 (prohibited)"
    if rule.fixed is not None:
        return f"Always '{rule.fixed}'"
    if rule.id.endswith(".reference"):
        return "A literal reference (the target entry's fullUrl) is required"
    if rule.card == "1..1":
        return "Required"
    raise ValueError(f"{rule.id}: write a short description")


def _element(profile: Profile, rule: Rule, snapshot: bool) -> dict[str, Any]:
    element_id = profile.type + rule.id if rule.id.startswith(".") else rule.id
    rule = replace(rule, id=element_id)
    base_min, base_max, base_types, own_type = _base(rule.path)
    short = rule.short or _default_short(rule)
    out: dict[str, Any] = {"id": rule.id, "path": rule.path}
    if rule.slice_name:
        out["sliceName"] = rule.slice_name
    if rule.slicing:
        kind, on, rules = rule.slicing
        out["slicing"] = {"discriminator": [{"type": kind, "path": on}], "rules": rules}
    out["short"] = short
    if snapshot:
        out["definition"] = short.rstrip(".") + "."
    low, high = rule.card.split("..") if rule.card else (None, None)
    if snapshot or low is not None:
        out["min"] = int(low) if low is not None else base_min
        out["max"] = high if high is not None else base_max
    types = list(rule.types) if rule.types is not None else None
    if types is not None or snapshot:
        out["type"] = [t.to_json() for t in (types if types is not None else base_types)]
    if rule.fixed is not None:
        out[_fixed_key(own_type)] = rule.fixed
    if rule.max_length is not None:
        out["maxLength"] = rule.max_length
    if rule.binding is not None:
        strength, value_set = rule.binding
        out["binding"] = {"strength": strength, "valueSetReference": {"reference": value_set}}
    return out


def _constraint(profile: Profile, invariant: Invariant) -> dict[str, str]:
    return {
        "key": invariant.key,
        "severity": "error",
        "human": invariant.human,
        "expression": invariant.expression,
        "source": profile.url,
    }


def _root(profile: Profile, snapshot: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"id": profile.type, "path": profile.type, "short": profile.root_short}
    if snapshot:
        out["definition"] = profile.description
        out["min"] = 0
        out["max"] = "*"
    if profile.invariants:
        out["constraint"] = [_constraint(profile, i) for i in profile.invariants]
    return out


def structure_definition(profile: Profile) -> dict[str, Any]:
    """Build the StructureDefinition (snapshot and differential) of a profile."""
    ids = [r.id for r in profile.rules]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{profile.id}: an element is described twice")
    out: dict[str, Any] = {
        "resourceType": "StructureDefinition",
        "id": profile.id,
        "url": profile.url,
        "version": VERSIONS[profile.id],
        "name": profile.id.replace("-", ""),
        "title": profile.title,
        "status": "active",
        "publisher": PUBLISHER,
        "description": profile.description,
        "fhirVersion": FHIR_VERSION,
        "kind": profile.kind,
        "abstract": False,
    }
    if profile.context:
        out["contextType"] = "resource"
        out["context"] = list(profile.context)
    out["type"] = profile.type
    out["baseDefinition"] = HL7_SD + profile.type
    out["derivation"] = "constraint"
    for part in ("snapshot", "differential"):
        snapshot = part == "snapshot"
        elements = [_root(profile, snapshot)] + [_element(profile, r, snapshot) for r in profile.rules]
        out[part] = {"element": elements}
    return out


# --- the profiles ---------------------------------------------------------------------------


def _bundle_rules(bundle_type: str | None, assigner: str, assigner_name: str) -> tuple[Rule, ...]:
    """Rules shared by the message, document and payload bundles (FACTS §1.2)."""
    if bundle_type is not None:
        type_rule = R(".type", fixed=bundle_type, short=f"Always '{bundle_type}'")
    else:
        types = ", ".join(PAYLOAD_BUNDLE_TYPES[1:])  # after document: the payload Bundle types
        type_rule = R(".type", "1..1", short=f"One of {types} (stated, not enforced)")
    return (
        R(".identifier", "1..1", short="The bundle's business identifier (a fresh UUID), required"),
        R(".identifier.type.coding.system", "1..1", short="A coded identifier type needs its system"),
        R(".identifier.type.coding.code", "1..1", short="A coded identifier type needs its code"),
        R(".identifier.type.coding.display", "1..1", short="A coded identifier type needs its display"),
        R(".identifier.value", "1..1", short="The identifier value (a UUID in practice)"),
        R(".identifier.assigner", types=refs(assigner), short=f"Assigning organisation ({assigner_name})"),
        R(".identifier.assigner.reference", "1..1"),
        type_rule,
        R(".total", "0..0"),
        R(".link", "0..0"),
        R(".entry", "1..*", short="At least one entry"),
        R(".entry.link", "0..0"),
        R(".entry.resource", "1..1", short="Every entry carries a resource"),
        R(".entry.search", "0..0"),
        R(".entry.request", "0..0"),
        R(".entry.response", "0..0"),
        R(".signature", "0..0"),
    )


def _message_bundle(cat: Catalogue) -> Profile:
    return Profile(
        id="ITK-Message-Bundle-1",
        type="Bundle",
        title="ITK3 Message Bundle",
        description=(
            "The outer ITK3 message (messaging distribution bundle): a Bundle of type message whose "
            "first entry is the ITK MessageHeader, followed by the header Organization and "
            "Practitioner resources and the payload (a document or payload bundle, plain resources, "
            "or the OperationOutcome of an ITK Response)."
        ),
        root_short="ITK3 message bundle",
        rules=_bundle_rules("message", cat.urls.header_organization_profile, "an ITK header Organization"),
        invariants=(
            Invariant(
                "itk-bdl-1",
                "The first entry of an ITK3 message bundle is its MessageHeader",
                "entry.first().resource is MessageHeader",
            ),
        ),
    )


def _document_bundle(cat: Catalogue) -> Profile:
    return Profile(
        id="ITK-Document-Bundle-1",
        type="Bundle",
        title="ITK3 Document Bundle",
        description=(
            "A FHIR document carried as the payload of an ITK3 message: a Bundle of type document, "
            "Composition first, with the same entry restrictions as the message bundle."
        ),
        root_short="ITK3 document payload bundle",
        rules=_bundle_rules("document", CARECONNECT_ORGANIZATION, "a CareConnect Organization"),
    )


def _payload_bundle(cat: Catalogue) -> Profile:
    return Profile(
        id="ITK-Payload-Bundle-1",
        type="Bundle",
        title="ITK3 Payload Bundle",
        description=(
            "A non-document Bundle carried as the payload of an ITK3 message (message, transaction, "
            "batch, history, searchset or collection), with the same entry restrictions as the "
            "message bundle."
        ),
        root_short="ITK3 non-document payload bundle",
        rules=_bundle_rules(None, CARECONNECT_ORGANIZATION, "a CareConnect Organization"),
    )


def _message_header(cat: Catalogue) -> Profile:
    urls = cat.urls
    parties = refs(urls.header_practitioner_profile, urls.header_organization_profile)
    return Profile(
        id="ITK-MessageHeader-2",
        type="MessageHeader",
        title="ITK3 MessageHeader",
        description=(
            "The header of every ITK3 message: the event, the handling specification extension, "
            "the sender (and optionally the intended recipient) as ITK header resources, the "
            "sender's MESH mailbox as source.endpoint, and for an ITK Response the identifier of "
            "the message answered and the OperationOutcome carrying the response code."
        ),
        root_short="ITK3 message header",
        invariants=(
            Invariant(
                "itk-mh-1",
                "An ITK Response (a header with response) carries no focus",
                "response.exists() implies focus.empty()",
            ),
        ),
        rules=(
            R(".extension", slicing=BY_URL, short="Extensions, sliced by url"),
            R(
                ".extension:itkMessageHandling",
                "1..1",
                types=(Type("Extension", profile=urls.message_handling_extension),),
                short="The handling specification (six handling keys), exactly once",
            ),
            R(
                ".event",
                binding=("extensible", urls.message_event_valueset),
                short="The ITK event (ITK-MessageEvent-2)",
            ),
            R(".event.system", "1..1", fixed=urls.message_event_system),
            R(".event.version", "0..0"),
            R(".event.code", "1..1", short="The event code, e.g. ITK008M"),
            R(".event.display", "1..1", short="The event's display, as its code system says"),
            R(".event.userSelected", "0..0"),
            R(".destination", "0..0", short="Not used: MESH does the routing"),
            R(".receiver", types=parties, short="The intended real-world recipient (person or organisation)"),
            R(".receiver.reference", "1..1"),
            R(".sender", "1..1", types=parties, short="The sending person or organisation"),
            R(".sender.reference", "1..1"),
            R(".enterer", "0..0"),
            R(".author", "0..0"),
            R(".source.name", "0..0"),
            R(".source.software", "0..0"),
            R(".source.version", "0..0"),
            R(".source.contact", "0..0"),
            R(".source.endpoint", "1..1", short="The sending system's MESH mailbox; Responses go there"),
            R(".responsible", "0..0"),
            R(".reason", "0..0"),
            R(".response.identifier", "1..1", short="The MessageHeader.id of the message answered"),
            R(
                ".response.code",
                binding=("required", urls.fhir_response_code_valueset),
                short="ok for a positive ITK response code, fatal-error for a negative one",
            ),
            R(
                ".response.details",
                "1..1",
                types=refs(urls.response_operation_outcome_profile),
                short="The OperationOutcome entry carrying the ITK response code",
            ),
            R(".response.details.reference", "1..1"),
            R(".focus", "0..1", short="The root of the payload (absent in an ITK Response)"),
            R(".focus.reference", "1..1"),
        ),
    )


def _handling_key_rules(cat: Catalogue) -> tuple[Rule, ...]:
    urls = cat.urls
    keys = "The handling keys, sliced by url; local keys may be added"
    rules: list[Rule] = [R(".extension", slicing=BY_URL, short=keys)]
    for key in cat.handling_keys:
        base = f".extension:{key.url}"
        rules.append(R(base, "1..1", short=key.meaning.rstrip(".")))
        rules.append(R(f"{base}.url", fixed=key.url))
        value = key.value_type
        if value == "value[x]":
            any_value = "A value of any type (valueString 'None' when unused)"
            rules.append(R(f"{base}.value[x]", "1..1", short=any_value))
            continue
        variant = stu3.element_def("Extension", value)
        if variant is None:
            raise ValueError(f"{key.url}: STU3 Extension has no {value}")
        type_code = variant.type
        element = f"{base}.{value}"
        binding = ("required", urls.recipient_type_valueset) if value == "valueCoding" else None
        rules.append(
            R(
                element,
                "1..1",
                types=(Type(type_code),),
                binding=binding,
                max_length=key.max_length,
                short=f"The {key.url} value ({type_code})",
            )
        )
        if value == "valueCoding":
            rules += [
                R(f"{element}.system", "1..1", fixed=urls.recipient_type_system),
                R(f"{element}.version", "0..0"),
                R(f"{element}.code", "1..1", short="FA or FI"),
                R(f"{element}.display", "1..1", short="For Action or For Information"),
                R(f"{element}.userSelected", "0..0"),
            ]
        elif value == "valueReference":
            rules += [
                R(f"{element}.reference", "1..1", short="Absolute URL of the MessageDefinition"),
                R(f"{element}.identifier", "0..0"),
                R(f"{element}.display", "0..0"),
            ]
    rules.append(R(".url", fixed=urls.message_handling_extension))
    rules.append(R(".value[x]", "0..0", short="Not used: a complex extension carries sub-extensions only"))
    return tuple(rules)


def _message_handling(cat: Catalogue) -> Profile:
    return Profile(
        id="Extension-ITK-MessageHandling-2",
        type="Extension",
        kind="complex-type",
        context=("MessageHeader",),
        title="ITK3 Message Handling",
        description=(
            "The ITK3 handling specification on the MessageHeader: six handling keys, each exactly "
            "once (BusAckRequested, InfAckRequested, RecipientType, MessageDefinition, "
            "SenderReference, LocalExtension); further local keys may be added by agreement."
        ),
        root_short="ITK3 handling specification",
        rules=_handling_key_rules(cat),
    )


def _response_outcome(cat: Catalogue) -> Profile:
    urls = cat.urls
    return Profile(
        id="ITK-Response-OperationOutcome-1",
        type="OperationOutcome",
        title="ITK3 Response OperationOutcome",
        description=(
            "The OperationOutcome of an ITK Response (event ITK008M): each issue carries one ITK "
            "response code from ITK-ResponseCodes-1 (the IG sends one issue per Response)."
        ),
        root_short="Outcome carried by an ITK Response",
        rules=(
            R(".issue", "1..*", short="The outcome; one issue per ITK response code"),
            R(
                ".issue.details",
                "1..1",
                binding=("required", urls.response_codes_valueset),
                short="The ITK response code",
            ),
            R(".issue.details.coding", "1..1", short="Exactly one coding: the ITK response code"),
            R(".issue.details.coding.system", "1..1", fixed=urls.response_codes_system),
            R(".issue.details.coding.version", "0..0"),
            R(".issue.details.coding.code", "1..1", short="The response code, e.g. 20013"),
            R(".issue.details.coding.display", "1..1", short="The code's display, as its code system says"),
            R(".issue.details.coding.userSelected", "0..0"),
        ),
    )


def _identifier_slice(name: str, card: str, system: str, short: str) -> tuple[Rule, ...]:
    return (
        R(f".identifier:{name}", card, short=short),
        R(f".identifier:{name}.system", "1..1", fixed=system),
        R(f".identifier:{name}.value", "1..1", short="The identifier value"),
    )


def _header_organization(cat: Catalogue) -> Profile:
    urls = cat.urls
    prohibited = ("active", "type", "name", "alias", "telecom", "address", "partOf", "contact", "endpoint")
    return Profile(
        id="CareConnect-ITK-Header-Organization-1",
        type="Organization",
        title="ITK3 Header Organization",
        description=(
            "An organisation named as sender or receiver in an ITK3 MessageHeader: an id and its ODS "
            "organisation or site code, nothing else."
        ),
        root_short="Organisation in the ITK3 header",
        rules=(
            R(".extension", slicing=BY_URL, short="Extensions, sliced by url"),
            R(".extension:mainLocation", "0..0", types=(Type("Extension", profile=MAIN_LOCATION_EXTENSION),)),
            R(
                ".extension:organizationPeriod",
                "0..0",
                types=(Type("Extension", profile=ORGANIZATION_PERIOD_EXTENSION),),
            ),
            R(".identifier", slicing=("value", "system", "openAtEnd"), short="Identifiers, sliced by system"),
            *_identifier_slice("odsOrganizationCode", "0..1", urls.ods_organization_code, "ODS org code"),
            *_identifier_slice("odsSiteCode", "0..1", urls.ods_site_code, "ODS site code"),
            *(R(f".{name}", "0..0") for name in prohibited),
        ),
    )


def _header_practitioner(cat: Catalogue) -> Profile:
    urls = cat.urls
    prohibited = ("telecom", "address", "gender", "birthDate", "photo", "qualification", "communication")
    return Profile(
        id="CareConnect-ITK-Header-Practitioner-1",
        type="Practitioner",
        title="ITK3 Header Practitioner",
        description=(
            "A person named as sender or receiver in an ITK3 MessageHeader: SDS identifiers and at "
            "most one structured name, no contact or demographic details."
        ),
        root_short="Person in the ITK3 header",
        rules=(
            R(".extension", slicing=BY_URL, short="Extensions, sliced by url"),
            R(
                ".extension:nhsCommunication",
                "0..0",
                types=(Type("Extension", profile=NHS_COMMUNICATION_EXTENSION),),
            ),
            R(".identifier", slicing=("value", "system", "openAtEnd"), short="Identifiers, sliced by system"),
            *_identifier_slice("sdsUserId", "0..1", urls.sds_user_id, "SDS user id"),
            *_identifier_slice("sdsRoleProfileId", "0..*", urls.sds_role_profile_id, "SDS role profile id"),
            R(".name", "0..1", short="At most one name"),
            R(".name.text", "0..0", short="Not used: give the name in its parts"),
            *(R(f".{name}", "0..0") for name in prohibited),
        ),
    )


def _attachment_binary(cat: Catalogue) -> Profile:
    return Profile(
        id="ITK-Attachment-Binary-1",
        type="Binary",
        title="ITK3 Attachment Binary",
        description=(
            "An attachment (a PDF, for instance) carried inside the same bundle as the document "
            "that references it: a MIME type and base64 content, no security context."
        ),
        root_short="Attachment carried in an ITK3 payload",
        rules=(
            R(".contentType", "1..1", short="MIME type of the attachment (approved types only)"),
            R(".securityContext", "0..0"),
            R(".content", "1..1", short="The attachment, base64 encoded"),
        ),
    )


PROFILES = (
    _message_bundle,
    _message_header,
    _message_handling,
    _response_outcome,
    _header_organization,
    _header_practitioner,
    _document_bundle,
    _payload_bundle,
    _attachment_binary,
)

# --- terminology ----------------------------------------------------------------------------


def _terminology(cat: Catalogue) -> list[dict[str, Any]]:
    urls = cat.urls
    versions = dict(cat.code_system_versions)
    lists = (
        (
            "ITK-MessageEvent-2",
            "ITK Message Event",
            (
                "The ITK3 message events: a code per use case (D document, M message, C collection). "
                "The retired acknowledgement events ITK001M and ITK002M are not part of it."
            ),
            urls.message_event_system,
            urls.message_event_valueset,
            [(e.code, e.display, e.meaning) for e in cat.events if not e.legacy],
        ),
        (
            "ITK-ResponseCodes-1",
            "ITK Response Codes",
            (
                "The ITK3 response codes a receiver answers with: 1xxxx and 2xxxx at infrastructure "
                "level, 3xxxx at business level. The retired code 10006 is not part of it."
            ),
            urls.response_codes_system,
            urls.response_codes_valueset,
            [(r.code, r.display, r.meaning) for r in cat.responses],
        ),
        (
            "ITK-RecipientType-1",
            "ITK Recipient Type",
            "Whether the recipient is sent the payload for action or for information.",
            urls.recipient_type_system,
            urls.recipient_type_valueset,
            [(r.code, r.display, r.meaning) for r in cat.recipient_types],
        ),
    )
    out: list[dict[str, Any]] = []
    for name, title, description, system, value_set, concepts in lists:
        if not system.endswith("/CodeSystem/" + name) or not value_set.endswith("/ValueSet/" + name):
            raise ValueError(f"{name}: the catalogue URLs do not name it")
        out.append(
            {
                "resourceType": "CodeSystem",
                "id": name,
                "url": system,
                "version": versions[name],
                "name": name.replace("-", ""),
                "title": title,
                "status": "active",
                "publisher": PUBLISHER,
                "description": description,
                "caseSensitive": True,
                "valueSet": value_set,
                "content": "complete",
                "count": len(concepts),
                "concept": [{"code": c, "display": d, "definition": m} for c, d, m in concepts],
            }
        )
        out.append(
            {
                "resourceType": "ValueSet",
                "id": name,
                "url": value_set,
                "version": VERSIONS["ValueSet/" + name],
                "name": name.replace("-", ""),
                "title": title,
                "status": "active",
                "publisher": PUBLISHER,
                "description": f"Every code of the {title} code system.",
                "compose": {"include": [{"system": system}]},
            }
        )
    return out


# --- output ---------------------------------------------------------------------------------


def build_pack(cat: Catalogue | None = None) -> dict[str, str]:
    """Return the pack as {file name: file text}."""
    cat = cat or catalogue()
    resources = [structure_definition(make(cat)) for make in PROFILES] + _terminology(cat)
    pack: dict[str, str] = {}
    for resource in resources:
        name = f"{resource['resourceType']}-{resource['id']}.json"
        pack[name] = json.dumps(resource, indent=2, ensure_ascii=False) + "\n"
    for profile in (make(cat) for make in PROFILES):
        if profile.url not in asdict(cat.urls).values():
            raise ValueError(f"{profile.id}: its URL is not in the catalogue")
    return pack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="report stale files, write nothing")
    args = parser.parse_args(argv)
    pack = build_pack()
    stale = [n for n, text in pack.items() if not (OUT / n).is_file() or (OUT / n).read_text("utf-8") != text]
    extra = sorted(p.name for p in OUT.glob("*.json") if p.name not in pack) if OUT.is_dir() else []
    if args.check:
        for name in stale:
            print(f"stale: {name}")
        for name in extra:
            print(f"not generated: {name}")
        return 1 if stale or extra else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name in stale:
        (OUT / name).write_text(pack[name], encoding="utf-8")
        print(f"wrote {name}")
    for name in extra:
        print(f"warning: {name} is not generated by this script", file=sys.stderr)
    print(f"{len(pack)} files, {len(stale)} updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
