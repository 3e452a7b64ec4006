"""ITK3 rules, header references and header resources (FACTS §1.3, §2.1, §2.3, §11.1, §11.15; §10 items 5-7).

The sender (1..1) and receiver (0..1) reference entries of the message that are header
Organizations or Practitioners; a non-Response message's focus references the payload root.
All of these sit in the MessageHeader, so a receiver that cannot follow them answers **20006**.

=========================  ========  =====  ====================================================
rule                       severity  code   checks
=========================  ========  =====  ====================================================
itk-sender-missing         error     20006  MessageHeader.sender is present
itk-ref-missing            error     20006  sender/receiver/focus/details carry a literal reference
itk-ref-unresolved         error     20006  the reference resolves to an entry of the message
itk-ref-bare-id            error     20006  not a bare id matching only leniently (write the fullUrl)
itk-ref-convention         warning   -      resolves by fullUrl, not only by Type/id or #id
itk-party-type             error     20006  sender/receiver is an Organization or Practitioner
itk-focus-missing          warning   -      a non-Response message has a focus (FACTS §11.1: 0..1)
itk-focus-repeated         error     20006  at most one focus
itk-header-org             error     20006  header Organization: only id, meta, identifier (ODS)
itk-header-org-ods         warning   -      header Organization has an ODS organisation or site code
itk-header-practitioner    error     20006  header Practitioner: no telecom, address, gender, ...
=========================  ========  =====  ====================================================

Decisions: a dangling focus is **20006**, not 20009: the reference is a MessageHeader element,
and receivers check the header (step 3) before the payload. A bare UUID that matches an entry
only after adding ``urn:uuid:`` is an error: FHIR does not resolve it, and the NHS harness
matches only fullUrls (FACTS §1.3). Header Organization/Practitioner elements the header
profiles set to 0..0 are errors with 20006 (the harness validates the ITK header profiles);
a missing ODS code is only a warning, since the identifier slices are optional.
"""

from __future__ import annotations

from workbench.core.bundle import UUID_PREFIX, Resolution
from workbench.core.catalogue import catalogue
from workbench.core.itk3.view import MessageView, Party
from workbench.core.tree import Node
from workbench.core.validation.itk3rules.common import Findings, Rule, quoted

RULES: dict[str, Rule] = {
    "itk-sender-missing": Rule("error", "20006", "MessageHeader.sender is present"),
    "itk-ref-missing": Rule("error", "20006", "header references carry a literal reference"),
    "itk-ref-unresolved": Rule("error", "20006", "header references resolve to an entry of the message"),
    "itk-ref-bare-id": Rule("error", "20006", "header references are fullUrls, not bare ids"),
    "itk-ref-convention": Rule("warning", None, "header references match an entry's fullUrl"),
    "itk-party-type": Rule("error", "20006", "sender and receiver are header Organizations or Practitioners"),
    "itk-focus-missing": Rule("warning", None, "a non-Response message names its payload in focus"),
    "itk-focus-repeated": Rule("error", "20006", "MessageHeader.focus appears at most once"),
    "itk-header-org": Rule("error", "20006", "a header Organization has only id, meta and identifier"),
    "itk-header-org-ods": Rule("warning", None, "a header Organization carries an ODS organisation or site code"),
    "itk-header-practitioner": Rule("error", "20006", "a header Practitioner has no telecom, address, gender, ..."),
}

_PARTY_TYPES = ("Organization", "Practitioner")
_ORG_FORBIDDEN = ("active", "type", "name", "alias", "telecom", "address", "partOf", "contact", "endpoint")
_ORG_FORBIDDEN_EXTENSIONS = ("mainlocation", "organization-period", "organizationperiod")
_PRACTITIONER_FORBIDDEN = ("telecom", "address", "gender", "birthDate", "photo", "qualification", "communication")
_PRACTITIONER_FORBIDDEN_EXTENSIONS = ("nhscommunication",)


def check(view: MessageView, out: Findings, *, response: bool, references: bool) -> None:
    """Check sender, receiver and (for non-Responses) focus, and the header resources.

    ``references``: report unresolved and bare-id references here (False when the bundle layer
    already reports them).
    """
    header = view.header
    assert header is not None
    if view.sender is None:
        out.add(
            "itk-sender-missing",
            "the MessageHeader has no sender",
            header,
            hint="add sender referencing the header Organization or Practitioner entry that sends the message",
        )
    for party in (view.sender, view.receiver):
        if party is None:
            continue
        if check_reference(party.role, party.reference, party.resolution, party.node, out, references=references):
            _check_party(party, out)
    seen: set[int] = set()
    for party in (view.sender, view.receiver):
        resource = party.resource if party is not None else None
        if resource is not None and id(resource) not in seen:
            seen.add(id(resource))
            if resource.name == "Organization":
                _check_organization(resource, out)
            elif resource.name == "Practitioner":
                _check_practitioner(resource, out)
    if not response:
        _check_focus(view, out, references=references)


def check_reference(
    role: str, reference: str | None, resolution: Resolution, node: Node, out: Findings, *, references: bool = True
) -> bool:
    """Check one header reference; return True when it led to a resource (to check further)."""
    if not reference:
        out.add(
            "itk-ref-missing",
            f"MessageHeader.{role} has no reference",
            node,
            hint=f"set {role}.reference to the target entry's fullUrl (urn:uuid:...)",
        )
        return False
    how = resolution.how
    if how == "fullUrl":
        return True
    if how == "bare-id":
        if references:
            full = resolution.entry.full_url if resolution.entry is not None else None
            out.add(
                "itk-ref-bare-id",
                f"{role} reference {quoted(reference)} is a bare id: it matches entry "
                f"{resolution.entry.index if resolution.entry else '?'} only leniently, so receivers do not resolve it",
                node.child("reference") or node,
                hint=f"write the entry's fullUrl, {quoted(full or UUID_PREFIX + reference)}",
            )
        return True
    if how in ("relative", "contained"):
        target = resolution.entry.full_url if resolution.entry is not None else None
        out.add(
            "itk-ref-convention",
            f"{role} reference {quoted(reference)} matches "
            + ("a contained resource" if how == "contained" else "an entry only by type and id, not by its fullUrl"),
            node.child("reference") or node,
            hint=f"write the entry's fullUrl{', ' + quoted(target) if target else ''}; the NHS harness matches fullUrls",
        )
        return True
    if references:
        outside = reference.startswith(("http://", "https://"))
        message = f"{role} reference {quoted(reference)} does not resolve to any entry of the message"
        if outside:
            message += " (it points outside the message)"
        out.add(
            "itk-ref-unresolved",
            message,
            node.child("reference") or node,
            hint=f"add the {role} resource as an entry with that fullUrl, or correct the reference",
        )
    return False


def _check_party(party: Party, out: Findings) -> None:
    resource = party.resource
    if resource is None or resource.name in _PARTY_TYPES:
        return
    note = (
        " (PractitionerRole is no longer allowed by ITK-MessageHeader-2)" if resource.name == "PractitionerRole" else ""
    )
    out.add(
        "itk-party-type",
        f"the {party.role} must be an Organization or Practitioner; {quoted(party.reference)} is a {resource.name}{note}",
        party.node,
        hint=f"reference the header Organization or Practitioner entry as the {party.role}",
    )


def _check_focus(view: MessageView, out: Findings, *, references: bool) -> None:
    header = view.header
    assert header is not None
    if not view.focus:
        out.add(
            "itk-focus-missing",
            "the MessageHeader has no focus naming the payload",
            header,
            hint="add focus referencing the payload root: the inner Bundle entry or the root resource",
        )
        return
    for extra in view.focus[1:]:
        out.add(
            "itk-focus-repeated",
            "MessageHeader.focus appears more than once; ITK3 allows one",
            extra.node,
            hint="keep one focus: the payload root",
        )
    for party in view.focus:
        check_reference("focus", party.reference, party.resolution, party.node, out, references=references)


def _check_organization(resource: Node, out: Findings) -> None:
    out.forbid(
        "itk-header-org",
        resource,
        _ORG_FORBIDDEN,
        "a header Organization must not carry {name} (CareConnect-ITK-Header-Organization-1 sets it 0..0)",
        "a header Organization carries only its id, meta and ODS identifier; remove {name}",
    )
    for node in resource.children_named("extension"):
        if node.url and any(marker in node.url.lower() for marker in _ORG_FORBIDDEN_EXTENSIONS):
            out.add(
                "itk-header-org",
                f"a header Organization must not carry the extension {quoted(node.url)}",
                node,
                hint="remove it",
            )
    urls = catalogue().urls
    ods = (urls.ods_organization_code, urls.ods_site_code)
    identifiers = [i for i in resource.children_named("identifier") if i.value_at("system") in ods]
    for identifier in identifiers:
        if not identifier.value_at("value"):
            out.add(
                "itk-header-org",
                "the header Organization's ODS identifier has no value",
                identifier,
                hint="add the ODS code",
            )
    if not identifiers:
        out.add(
            "itk-header-org-ods",
            "the header Organization has no ODS organisation or site code",
            resource,
            hint=f"add identifier with system {urls.ods_organization_code} and the ODS code",
        )


def _check_practitioner(resource: Node, out: Findings) -> None:
    out.forbid(
        "itk-header-practitioner",
        resource,
        _PRACTITIONER_FORBIDDEN,
        "a header Practitioner must not carry {name} (CareConnect-ITK-Header-Practitioner-1 sets it 0..0)",
        "remove {name}",
    )
    names = resource.children_named("name")
    for extra in names[1:]:
        out.add("itk-header-practitioner", "a header Practitioner has at most one name", extra, hint="keep one name")
    for name in names:
        for text in name.children_named("text"):
            out.add(
                "itk-header-practitioner",
                "a header Practitioner's name must not carry name.text",
                text,
                hint="give the name as family, given and prefix",
            )
    for node in resource.children_named("extension"):
        if node.url and any(marker in node.url.lower() for marker in _PRACTITIONER_FORBIDDEN_EXTENSIONS):
            out.add(
                "itk-header-practitioner",
                f"a header Practitioner must not carry the extension {quoted(node.url)}",
                node,
                hint="remove it",
            )
