"""ITK3 rules, message bundle and MessageHeader (FACTS §1.2, §1.3, §2.1, §2.2; §10 items 1, 2, 4, 5).

A receiver that finds the ITK bundle or header wrong answers **20006** (ITK header validation
failure, FACTS §5.2 step 3).

========================  ========  =====  =====================================================
rule                      severity  code   checks
========================  ========  =====  =====================================================
itk-not-a-message         error     20006  the root is a Bundle (FACTS §1.1)
itk-bundle-type           error     20006  Bundle.type is message
itk-bundle-identifier     error     20006  Bundle.identifier.value is present
itk-bundle-id             warning   -      Bundle.id is present (every example has one)
itk-bundle-empty          error     20006  the Bundle has at least one entry
itk-bundle-forbidden      error     20006  no total, link, signature, entry.link/search/request/response
itk-entry-empty           error     20006  every entry carries a resource (*)
itk-fullurl-duplicate     error     20006  entry fullUrls are unique (bdl-7) (*)
itk-header-missing        error     20006  the first entry is a MessageHeader
itk-header-repeated       error     20006  only one MessageHeader
itk-fullurl-convention    warning   -      entry fullUrl is ``urn:uuid:`` + the resource id (outer and inner)
itk-header-id             warning   -      MessageHeader.id is present (Responses quote it)
itk-event-missing         error     20006  event with a code
itk-event-system          error     20006  event.system is ITK-MessageEvent-2
itk-event-legacy          error     20006  not the legacy ITK001M/ITK002M
itk-event-unknown         warning   -      a code of ITK-MessageEvent-2 (the binding is extensible)
itk-event-display         error     20006  event.display present and matching the code
itk-event-display-spelling warning  -      the display differs only in spelling
itk-header-forbidden      error     20006  no destination, enterer, author, responsible, reason,
                                           source.name/software/version/contact, event.version/userSelected
itk-timestamp             error     20006  timestamp present, an instant with a time zone
itk-source-missing        error     20006  source.endpoint (the sender's MESH mailbox) present
itk-source-legacy         warning   -      source.endpoint not in ITK2 URN or OID form
========================  ========  =====  =====================================================

(*) also checked by the bundle layer; left to it when it runs in the same validation.

Decisions: a display naming another event (or nothing like the CodeSystem's) is an **error**
with 20006 (FACTS §10.4 "display matches the CodeSystem"; MANIFEST lists it as a defect); a
display that differs only in case, spacing or punctuation is a warning. Tolerated variants from
the catalogue (older displays) pass.
"""

from __future__ import annotations

import re

from workbench.core.bundle import UUID_PREFIX, BundleIndex, is_bundle
from workbench.core.catalogue import catalogue
from workbench.core.itk3.view import MessageView
from workbench.core.tree import Node
from workbench.core.validation.itk3rules.common import (
    Findings,
    Rule,
    quoted,
    same_spelling,
)
from workbench.core.validation.primitives import dotted_number

RULES: dict[str, Rule] = {
    "itk-not-a-message": Rule("error", "20006", "the document is an ITK3 message Bundle"),
    "itk-bundle-type": Rule("error", "20006", "Bundle.type is message"),
    "itk-bundle-identifier": Rule("error", "20006", "Bundle.identifier.value is present"),
    "itk-bundle-id": Rule("warning", None, "Bundle.id is present, a fresh UUID"),
    "itk-bundle-empty": Rule("error", "20006", "the Bundle has at least one entry"),
    "itk-bundle-forbidden": Rule("error", "20006", "no total, link, signature, entry.link/search/request/response"),
    "itk-entry-empty": Rule("error", "20006", "every entry of the message Bundle carries a resource"),
    "itk-fullurl-duplicate": Rule("error", "20006", "entry fullUrls are unique, bdl-7"),
    "itk-header-missing": Rule("error", "20006", "the first entry is the MessageHeader"),
    "itk-header-repeated": Rule("error", "20006", "the Bundle has exactly one MessageHeader"),
    "itk-fullurl-convention": Rule("warning", None, "entry fullUrl is urn:uuid: and the resource id"),
    "itk-header-id": Rule("warning", None, "MessageHeader.id is present: Responses quote it"),
    "itk-event-missing": Rule("error", "20006", "MessageHeader.event has a code"),
    "itk-event-system": Rule("error", "20006", "event.system is ITK-MessageEvent-2"),
    "itk-event-legacy": Rule("error", "20006", "the event is not the legacy ITK001M/ITK002M"),
    "itk-event-unknown": Rule("warning", None, "the event code is in ITK-MessageEvent-2 (extensible binding)"),
    "itk-event-display": Rule("error", "20006", "event.display is present and matches the CodeSystem"),
    "itk-event-display-spelling": Rule("warning", None, "event.display is spelled as in the CodeSystem"),
    "itk-header-forbidden": Rule("error", "20006", "MessageHeader elements the ITK profile forbids are absent"),
    "itk-timestamp": Rule("error", "20006", "timestamp is an instant with a time zone"),
    "itk-source-missing": Rule("error", "20006", "source.endpoint, the sender's MESH mailbox, is present"),
    "itk-source-legacy": Rule("warning", None, "source.endpoint is a MESH mailbox, not an ITK2 URN or OID"),
}

_FORBIDDEN_BUNDLE = ("total", "link", "signature")
_FORBIDDEN_ENTRY = ("link", "search", "request", "response")
_FORBIDDEN_HEADER = ("destination", "enterer", "author", "responsible", "reason")
_FORBIDDEN_SOURCE = ("name", "software", "version", "contact")
_FORBIDDEN_EVENT = ("version", "userSelected")
_INSTANT_TZ = re.compile(r"-?[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})")
_LEGACY_PREFIXES = ("urn:nhs-uk:addressing:", "urn:nhs:addressing:", "urn:oid:")
#: At most this many fullUrl-convention warnings per Bundle; the rest are counted in one more.
FULLURL_WARNINGS = 10


def check_bundle(view: MessageView, out: Findings, *, generic: bool = True) -> bool:
    """Check the outer Bundle; return True when it has a MessageHeader to check further.

    ``generic``: also check what the bundle layer checks (empty entries, duplicate fullUrls).
    """
    root = view.bundle
    if not view.is_bundle:
        out.add(
            "itk-not-a-message",
            f"the document is a {root.name}, not an ITK3 message",
            root,
            hint="an ITK3 message is a Bundle of type message whose first entry is the MessageHeader",
        )
        return False
    kind = root.value_at("type")
    if kind != "message":
        out.add(
            "itk-bundle-type",
            f"Bundle.type must be 'message'; found {quoted(kind)}",
            root.child("type") or root,
            hint='set <type value="message"/>',
        )
    if not root.value_at("identifier.value"):
        out.add(
            "itk-bundle-identifier",
            "the message Bundle has no identifier.value",
            root.child("identifier") or root,
            hint="add identifier.value, a fresh UUID (system https://tools.ietf.org/html/rfc4122)",
        )
    if not root.value_at("id"):
        out.add("itk-bundle-id", "the message Bundle has no id", root, hint="give the Bundle an id, a fresh UUID")
    out.forbid(
        "itk-bundle-forbidden",
        root,
        _FORBIDDEN_BUNDLE,
        "an ITK3 message Bundle must not carry Bundle.{name}",
        "remove {name}",
    )
    for entry in view.entries:
        out.forbid(
            "itk-bundle-forbidden",
            entry.node,
            _FORBIDDEN_ENTRY,
            f"entry {entry.index} carries entry.{{name}}, which an ITK3 message Bundle forbids",
            "remove entry.{name}",
        )
    if generic:
        _check_entries(view, out)
    check_full_urls(view.index, out)
    if not view.entries:
        out.add(
            "itk-bundle-empty",
            "the message Bundle has no entries",
            root,
            hint="the first entry must be the MessageHeader",
        )
        return False
    headers = [e for e in view.entries if e.resource is not None and e.resource.name == "MessageHeader"]
    if view.header is None:
        first = view.entries[0]
        where = f"; the MessageHeader is entry {headers[0].index}" if headers else ""
        out.add(
            "itk-header-missing",
            f"the first entry must be the MessageHeader; found {first.resource_type or 'an empty entry'}{where}",
            first.node,
            hint="move the MessageHeader to the first entry" if headers else "add the MessageHeader as the first entry",
        )
        return False
    for extra in headers[1:]:
        out.add(
            "itk-header-repeated",
            f"entry {extra.index} is a second MessageHeader; a message has exactly one",
            extra.node,
            hint="remove it, or send it as a message of its own",
        )
    return True


def _check_entries(view: MessageView, out: Findings) -> None:
    seen: dict[str, int] = {}
    for entry in view.entries:
        if entry.resource is None:
            out.add(
                "itk-entry-empty",
                f"entry {entry.index} of the message Bundle carries no resource",
                entry.node,
                hint="put the resource in entry.resource, or remove the entry",
            )
        if entry.full_url is None:
            continue
        if entry.full_url in seen:
            out.add(
                "itk-fullurl-duplicate",
                f"entry {entry.index} has the fullUrl {quoted(entry.full_url)} of entry {seen[entry.full_url]}",
                entry.node.child("fullUrl") or entry.node,
                hint="give every entry its own fullUrl: urn:uuid: and the resource's id",
            )
        seen.setdefault(entry.full_url, entry.index)


def check_full_urls(index: BundleIndex | None, out: Findings) -> None:
    """Warn about entries whose fullUrl is not ``urn:uuid:`` + the resource id (FACTS §1.3)."""
    if index is None:
        return
    odd = []
    for entry in index.entries:
        if entry.resource is None:
            continue
        rid = entry.resource_id
        if entry.full_url is None:
            odd.append((entry, f"entry {entry.index} ({entry.resource_type}) has no fullUrl"))
        elif rid is None:
            odd.append(
                (
                    entry,
                    f"entry {entry.index} ({entry.resource_type}) has fullUrl {quoted(entry.full_url)} but its resource has no id",
                )
            )
        elif entry.full_url != UUID_PREFIX + rid:
            odd.append(
                (
                    entry,
                    f"entry {entry.index} ({entry.resource_type}) has fullUrl {quoted(entry.full_url)}, not '{UUID_PREFIX}{rid}'",
                )
            )
    hint = "ITK3 convention: fullUrl is urn:uuid: followed by the resource's id, and references use it"
    for entry, message in odd[:FULLURL_WARNINGS]:
        out.add("itk-fullurl-convention", message, entry.node.child("fullUrl") or entry.node, hint=hint)
    if len(odd) > FULLURL_WARNINGS:
        out.add(
            "itk-fullurl-convention",
            f"{len(odd) - FULLURL_WARNINGS} more entries do not follow the fullUrl convention",
            index.bundle,
            hint=hint,
        )


def check_header(view: MessageView, out: Findings) -> None:
    """Check the MessageHeader's own elements (parties are in parties.py)."""
    header = view.header
    assert header is not None
    if not header.value_at("id"):
        out.add(
            "itk-header-id",
            "the MessageHeader has no id; Responses quote it in response.identifier",
            header,
            hint="give the MessageHeader an id, a fresh UUID matching its fullUrl",
        )
    _check_event(view, header, out)
    for name in _FORBIDDEN_HEADER:
        out.forbid(
            "itk-header-forbidden",
            header,
            (name,),
            "MessageHeader.{name} is not allowed in ITK3 (ITK-MessageHeader-2 sets it 0..0)",
            "remove {name}" + ("; MESH does the routing" if name == "destination" else ""),
        )
    out.forbid(
        "itk-header-forbidden",
        header.child("source"),
        _FORBIDDEN_SOURCE,
        "MessageHeader.source.{name} is not allowed in ITK3; only source.endpoint is",
        "remove source.{name}",
    )
    _check_timestamp(view, header, out)
    _check_source(view, header, out)


def _check_event(view: MessageView, header: Node, out: Findings) -> None:
    event = header.child("event")
    system = catalogue().urls.message_event_system
    if event is None or not view.event_code:
        out.add(
            "itk-event-missing",
            "the MessageHeader has no event code" if event is not None else "the MessageHeader has no event",
            event or header,
            hint=f"add event with system {system}, the event code and its display",
        )
        return
    out.forbid(
        "itk-header-forbidden",
        event,
        _FORBIDDEN_EVENT,
        "MessageHeader.event.{name} is not allowed in ITK3",
        "remove event.{name}",
    )
    code = view.event_code
    if view.event_system != system:
        older = " (an older ITK event system)" if view.event_system and "ITK-MessageEvent" in view.event_system else ""
        out.add(
            "itk-event-system",
            f"event.system must be {system}; found {quoted(view.event_system)}{older}",
            event.child("system") or event,
            hint=f"set event.system to {system} and use an ITK event code",
        )
    known = view.event
    if known is None:
        out.add(
            "itk-event-unknown",
            f"event code {quoted(code)} is not in ITK-MessageEvent-2",
            event.child("code"),
            hint="check the code; the ITK3 events are ITK003D ... ITK014M",
        )
        return
    if known.legacy:
        out.add(
            "itk-event-legacy",
            f"event {code} ('{known.display}') is a legacy acknowledgement event, removed in March 2018",
            event.child("code"),
            hint="acknowledge with an ITK Response: event ITK008M 'ITK Response'",
        )
    display = view.event_display
    if display is None:
        out.add("itk-event-display", f"event {code} has no display", event, hint=f"add display '{known.display}'")
    elif not known.matches_display(display):
        other = next((e for e in catalogue().events if e.code != code and e.matches_display(display)), None)
        rule = "itk-event-display-spelling" if same_spelling(display, known.display) else "itk-event-display"
        clash = f" (the display of {other.code})" if other is not None else ""
        out.add(
            rule,
            f"event {code} is displayed {quoted(display)}{clash}; ITK-MessageEvent-2 says '{known.display}'",
            event.child("display"),
            hint=f"use display '{known.display}'"
            + (f", or code {other.code} if that event was meant" if other else ""),
        )


def _check_timestamp(view: MessageView, header: Node, out: Findings) -> None:
    stamp = view.timestamp
    hint = "give the time the message was generated with a time zone, e.g. 2024-03-01T09:30:00+00:00"
    if not stamp:
        out.add("itk-timestamp", "the MessageHeader has no timestamp", header, hint=hint)
    elif _INSTANT_TZ.fullmatch(stamp) is None:
        if re.fullmatch(r"[0-9-]+T[0-9:.]+", stamp):
            message = f"timestamp {quoted(stamp)} has no time zone"
        else:
            message = f"timestamp {quoted(stamp)} is not an instant with a time zone"
        out.add("itk-timestamp", message, header.child("timestamp"), hint=hint)


def _check_source(view: MessageView, header: Node, out: Findings) -> None:
    endpoint = view.source_endpoint
    if not endpoint:
        out.add(
            "itk-source-missing",
            "the MessageHeader has no source.endpoint",
            header.child("source") or header,
            hint="set source.endpoint to the sending system's MESH mailbox ID (e.g. X26OT112); Responses go there",
        )
        return
    if endpoint.startswith(_LEGACY_PREFIXES) or ("." in endpoint and dotted_number(endpoint.rstrip("\n"))):
        out.add(
            "itk-source-legacy",
            f"source.endpoint {quoted(endpoint)} is an ITK2-style address (URN or OID), a legacy form",
            header.find("source.endpoint"),
            hint="ITK3 puts the sender's MESH mailbox ID here (e.g. X26OT112)",
        )


def inner_bundles(view: MessageView) -> list[Node]:
    """The Bundles carried as entries of the message (payload bundles)."""
    return [e.resource for e in view.entries if e.resource is not None and is_bundle(e.resource)]
