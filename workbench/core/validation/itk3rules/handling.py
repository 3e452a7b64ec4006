"""ITK3 rules, handling specification (FACTS §3, §5.2 step 2; §10 item 3): codes 100xx.

The MessageHeader carries Extension-ITK-MessageHandling-2 exactly once, with the six keys
BusAckRequested, InfAckRequested, RecipientType, MessageDefinition, SenderReference and
LocalExtension, each exactly once (all mandatory since IG 2.5.0). A missing, repeated or
unreadable key makes a receiver answer the key's own code: InfAck 10002, BusAck 10003,
MessageDefinition 10004, SenderReference 10007, RecipientType 10010, LocalExtension (which has
no code of its own) the generic 10001. Rule ids follow ``itk-<key>-missing``,
``itk-<key>-repeated`` and ``itk-<key>-value``.

=================================  ========  =====  ===============================================
rule                               severity  code   checks
=================================  ========  =====  ===============================================
itk-handling-missing               error     10001  the handling extension is absent
itk-handling-repeated              error     10001  the handling extension appears twice
itk-handling-value                 error     10001  the extension carries a value[x] (it is complex)
itk-<key>-missing                  error     key    one of the six keys is absent
itk-<key>-repeated                 error     key    a key appears more than once
itk-busack-value                   error     10003  BusAckRequested is a valueBoolean true/false
itk-infack-value                   error     10002  InfAckRequested is a valueBoolean true/false
itk-recipient-type-value           error     10010  a valueCoding with a code
itk-recipient-type                 error     10010  code FA or FI
itk-recipient-type-system          error     10010  system ITK-RecipientType-1
itk-recipient-type-display         error     10010  display present and matching the code
itk-recipient-type-display-spelling warning  -      display differs only in spelling
itk-msgdef-value                   error     10004  valueReference to a MessageDefinition URL
itk-msgdef-generic                 error     10004  the generic SendPayload definition
itk-msgdef-unknown                 warning   -      well-formed but not known to the workbench
itk-msgdef-superseded              warning   -      an older (``-Instance-1``) definition
itk-msgdef-event-mismatch          error     10008  the definition is for another event
itk-sender-reference-value         error     10007  valueString, not empty, at most 255 characters
itk-local-extension-value          error     10001  any value present
itk-handling-legacy-priority       warning   -      the Priority key, removed in ITK3 2.5.0
itk-handling-local-key             info      -      any other key (local agreement)
itk-payload-spec-keys              error     10008  a key value the event's payload spec fixes
=================================  ========  =====  ===============================================

Decisions where FACTS is silent:

* A MessageDefinition for another event is **10008** (handling-specification business rule):
  the URL is readable and known, so 10004 does not fit; FACTS §3 Important Note 1 says a
  payload spec fixing a key value makes a mismatch 10008, and each payload spec fixes its
  MessageDefinition.
* A well-formed but unknown MessageDefinition is a warning: receivers answer 10004 (or 10005
  for an unsupported version) only for what *they* do not support, which the workbench cannot
  know; a URL that is not a MessageDefinition URL at all is an error with 10004.
* The generic ITK-SendPayload-MessageDefinition-1 is "not to be used in a header" (FACTS §6):
  an error with 10004, since it names no message type a receiver could accept.
* Payload-spec fixed values (10008) are known for ITK007C only (GP Connect Send Document:
  both acks requested, FA, its MessageDefinition; FACTS §3).
"""

from __future__ import annotations

from workbench.core.catalogue import HandlingKey, catalogue, definition_name, definition_stem
from workbench.core.itk3.view import HandlingValue, MessageView
from workbench.core.tree import Node
from workbench.core.validation.itk3rules.common import (
    Findings,
    Rule,
    is_response_message,
    quoted,
    same_spelling,
)

#: Short rule-id stems of the six keys.
KEY_STEMS = {
    "BusAckRequested": "busack",
    "InfAckRequested": "infack",
    "RecipientType": "recipient-type",
    "MessageDefinition": "msgdef",
    "SenderReference": "sender-reference",
    "LocalExtension": "local-extension",
}

_KEY_HINTS = {
    "BusAckRequested": 'add <extension url="BusAckRequested"><valueBoolean value="true|false"/></extension>',
    "InfAckRequested": 'add <extension url="InfAckRequested"><valueBoolean value="true|false"/></extension>',
    "RecipientType": "add RecipientType as a valueCoding from ITK-RecipientType-1: FA (For Action) or FI (For Information)",
    "MessageDefinition": "add MessageDefinition as a valueReference to the MessageDefinition URL the payload conforms to",
    "SenderReference": "add SenderReference as a valueString; use 'None' when there is no sender reference",
    "LocalExtension": "add LocalExtension; use valueString 'None' when no local extension is agreed",
}

#: Values the payload specification of an event fixes (FACTS §3, GP Connect Send Document).
PAYLOAD_SPEC_KEYS: dict[str, dict[str, str]] = {
    "ITK007C": {
        "BusAckRequested": "true",
        "InfAckRequested": "true",
        "RecipientType": "FA",
        "MessageDefinition": "https://fhir.nhs.uk/STU3/MessageDefinition/ITK-GPConnectSendDocument-MessageDefinition-1",
    },
}


def _key_rules() -> dict[str, Rule]:
    rules = {}
    for key in catalogue().handling_keys:
        stem = KEY_STEMS[key.url]
        code = key.error_code or "10001"
        rules[f"itk-{stem}-missing"] = Rule("error", code, f"the handling key {key.url} is present")
        rules[f"itk-{stem}-repeated"] = Rule("error", code, f"the handling key {key.url} appears only once")
    return rules


RULES: dict[str, Rule] = {
    "itk-handling-missing": Rule("error", "10001", "the MessageHeader carries the ITK handling extension"),
    "itk-handling-repeated": Rule("error", "10001", "the handling extension appears exactly once"),
    "itk-handling-value": Rule("error", "10001", "the handling extension is complex: no value[x] of its own"),
    **_key_rules(),
    "itk-busack-value": Rule("error", "10003", "BusAckRequested is a valueBoolean true or false"),
    "itk-infack-value": Rule("error", "10002", "InfAckRequested is a valueBoolean true or false"),
    "itk-recipient-type-value": Rule("error", "10010", "RecipientType is a valueCoding with a code"),
    "itk-recipient-type": Rule("error", "10010", "RecipientType code is FA or FI"),
    "itk-recipient-type-system": Rule("error", "10010", "RecipientType system is ITK-RecipientType-1"),
    "itk-recipient-type-display": Rule("error", "10010", "RecipientType display is present and matches its code"),
    "itk-recipient-type-display-spelling": Rule(
        "warning", None, "RecipientType display is spelled as in the CodeSystem"
    ),
    "itk-msgdef-value": Rule("error", "10004", "MessageDefinition is a valueReference to a MessageDefinition URL"),
    "itk-msgdef-generic": Rule("error", "10004", "the generic SendPayload MessageDefinition is not named in a header"),
    "itk-msgdef-unknown": Rule("warning", None, "MessageDefinition is one the workbench knows"),
    "itk-msgdef-superseded": Rule(
        "warning", None, "MessageDefinition is the current one, not an older -Instance- form"
    ),
    "itk-msgdef-event-mismatch": Rule("error", "10008", "MessageDefinition defines the header's event"),
    "itk-sender-reference-value": Rule(
        "error", "10007", "SenderReference is a non-empty valueString of at most 255 characters"
    ),
    "itk-local-extension-value": Rule("error", "10001", "LocalExtension carries a value"),
    "itk-handling-legacy-priority": Rule("warning", None, "the Priority key was removed in ITK3 2.5.0"),
    "itk-handling-local-key": Rule("information", None, "other handling keys are local keys by agreement"),
    "itk-payload-spec-keys": Rule("error", "10008", "handling keys have the values the event's payload spec fixes"),
}


def check(view: MessageView, out: Findings) -> None:
    """Check the handling specification of the message header."""
    header = view.header
    assert header is not None
    url = catalogue().urls.message_handling_extension
    found = [e for e in header.children_named("extension") if e.url == url]
    if not found:
        _missing_extension(header, out)
        return
    for extra in found[1:]:
        out.add(
            "itk-handling-repeated",
            "the MessageHeader carries the handling extension more than once",
            extra,
            hint="keep one Extension-ITK-MessageHandling-2 holding all six keys",
        )
    extension = found[0]
    value = next((c for c in extension.elements() if c.name.startswith("value")), None)
    if value is not None:
        out.add(
            "itk-handling-value",
            f"the handling extension carries {value.name}; it is a complex extension whose keys are sub-extensions",
            value,
            hint="remove the value and put each key in its own sub-extension",
        )
    keys: dict[str, list[Node]] = {}
    for key in extension.children_named("extension"):
        keys.setdefault(key.url or "", []).append(key)
    for known in catalogue().handling_keys:
        nodes = keys.get(known.url, [])
        stem = KEY_STEMS[known.url]
        if not nodes:
            out.add(
                f"itk-{stem}-missing",
                f"the handling specification has no {known.url} key{_since()}",
                extension,
                hint=_KEY_HINTS[known.url],
            )
            continue
        for extra in nodes[1:]:
            out.add(
                f"itk-{stem}-repeated", f"the handling key {known.url} appears more than once", extra, hint="keep one"
            )
        handling = view.handling.get(known.url)
        if handling is not None:
            _check_value(known, handling, view, out)
    for url, nodes in keys.items():
        known_key = catalogue().handling_key(url)
        if known_key is None or known_key.legacy:
            _other_key(url, nodes[0], out)
    _payload_spec(view, out)


def _since() -> str:
    return " (all six keys are mandatory since ITK3 2.5.0)"


def _missing_extension(header: Node, out: Findings) -> None:
    lookalike = next(
        (e for e in header.children_named("extension") if e.url and ("Handling" in e.url or "handling" in e.url)), None
    )
    expected = catalogue().urls.message_handling_extension
    if lookalike is not None:
        message = f"the MessageHeader has no ITK handling extension; found {quoted(lookalike.url)} instead"
        hint = f"use the extension url {expected} with the six keys"
    else:
        message = "the MessageHeader has no ITK handling extension (Extension-ITK-MessageHandling-2)"
        hint = (
            f'add <extension url="{expected}"> with BusAckRequested, InfAckRequested, RecipientType, '
            "MessageDefinition, SenderReference and LocalExtension"
        )
    out.add("itk-handling-missing", message, lookalike or header, hint=hint)


def _check_value(key: HandlingKey, found: HandlingValue, view: MessageView, out: Findings) -> None:
    if key.url in ("BusAckRequested", "InfAckRequested"):
        _check_flag(key, found, out)
    elif key.url == "RecipientType":
        _check_recipient_type(found, out)
    elif key.url == "MessageDefinition":
        check_message_definition(found, view, out)
    elif key.url == "SenderReference":
        _check_sender_reference(found, out)
    elif found.value_element is None:
        out.add(
            "itk-local-extension-value",
            "LocalExtension has no value",
            found.node,
            hint="give it a value; valueString 'None' means no local extension is used",
        )


def _check_flag(key: HandlingKey, found: HandlingValue, out: Findings) -> None:
    rule = f"itk-{KEY_STEMS[key.url]}-value"
    what = "an infrastructure" if key.url == "InfAckRequested" else "a business"
    hint = f'use <valueBoolean value="true"/> when the sender wants {what} response, "false" otherwise'
    if found.value_element != "valueBoolean":
        shown = f"{found.value_element} {quoted(found.value)}" if found.value_element else "no value"
        out.add(rule, f"{key.url} must be a valueBoolean; found {shown}", found.node, hint=hint)
    elif (found.value or "").strip() not in ("true", "false"):
        out.add(rule, f"{key.url} must be true or false; found {quoted(found.value)}", found.node, hint=hint)


def _check_recipient_type(found: HandlingValue, out: Findings) -> None:
    hint = "use FA (For Action) when the recipient must act, FI (For Information) otherwise"
    if found.value_element != "valueCoding" or not found.value:
        shown = f"{found.value_element} {quoted(found.value)}" if found.value_element else "no value"
        if found.value_element == "valueCoding":
            shown = "a valueCoding without a code"
        out.add(
            "itk-recipient-type-value",
            f"RecipientType must be a valueCoding with a code; found {shown}",
            found.node,
            hint=hint,
        )
        return
    value_node = found.node.child("valueCoding") or found.node
    system = catalogue().urls.recipient_type_system
    if found.system != system:
        out.add(
            "itk-recipient-type-system",
            f"RecipientType system must be {system}; found {quoted(found.system)}",
            value_node.child("system") or value_node,
            hint=f"set valueCoding.system to {system}",
        )
    known = catalogue().recipient_type(found.value)
    if known is None:
        out.add(
            "itk-recipient-type",
            f"RecipientType must be FA or FI; found {quoted(found.value)}",
            value_node.child("code"),
            hint=hint,
        )
        return
    if found.display is None:
        out.add(
            "itk-recipient-type-display",
            f"RecipientType {known.code} has no display",
            value_node,
            hint=f"add display '{known.display}'",
        )
    elif found.display != known.display:
        rule = (
            "itk-recipient-type-display-spelling"
            if same_spelling(found.display, known.display)
            else "itk-recipient-type-display"
        )
        other = next(
            (
                r
                for r in catalogue().recipient_types
                if same_spelling(found.display, r.display) and r.code != known.code
            ),
            None,
        )
        clash = f" (that is {other.code}'s display)" if other is not None else ""
        out.add(
            rule,
            f"RecipientType {known.code} is displayed {quoted(found.display)}{clash}; the CodeSystem says '{known.display}'",
            value_node.child("display"),
            hint=f"use display '{known.display}' for {known.code}, or change the code",
        )


def check_message_definition(found: HandlingValue, view: MessageView, out: Findings) -> None:
    """Check the MessageDefinition key's value (the Response-specific rule is in response.py)."""
    prefix = catalogue().urls.message_definition_prefix
    hint = f"name the MessageDefinition as a valueReference whose reference starts {prefix}"
    if found.value_element != "valueReference" or not (found.value or "").strip():
        shown = f"{found.value_element} {quoted(found.value)}" if found.value_element else "no value"
        if found.value_element == "valueReference":
            shown = "a valueReference without a reference"
        out.add(
            "itk-msgdef-value",
            f"MessageDefinition must be a valueReference with a URL; found {shown}",
            found.node,
            hint=hint,
        )
        return
    url = (found.value or "").strip()
    node = found.node.find("valueReference.reference") or found.node
    if not url.startswith(prefix):
        out.add("itk-msgdef-value", f"MessageDefinition {quoted(url)} is not a MessageDefinition URL", node, hint=hint)
        return
    definition = catalogue().message_definition(url)
    response = is_response_message(view)
    if definition is None:
        if not response:  # a Response must name the Response definition: response.py says so
            out.add("itk-msgdef-unknown", _unknown_definition(url, view), node, hint=_suggest(view.event_code))
        return
    if definition.status == "generic":
        out.add(
            "itk-msgdef-generic",
            f"MessageDefinition {definition.name} is the generic informational definition, not to be named in a header",
            node,
            hint=_suggest(view.event_code),
        )
        return
    if definition.status == "older":
        current = [
            m for m in catalogue().message_definitions_for_event(definition.event or "") if m.status == "current"
        ]
        legacy = "legacy -Instance- form" if "-Instance-" in definition.name else "older form"
        instead = f"; use {current[0].url}" if current else ""
        out.add(
            "itk-msgdef-superseded",
            f"MessageDefinition {definition.name} is the {legacy} for {definition.event}; receivers may no longer support it",
            node,
            hint=f"name the current definition{instead}" if instead else "name the current definition",
        )
    event = view.event_code
    if response or event is None or catalogue().event(event) is None or definition.event in (None, event):
        return
    out.add(
        "itk-msgdef-event-mismatch",
        f"MessageDefinition {definition.name} does not match event {event}: it defines {definition.event}",
        node,
        hint=_suggest(event) + " or correct the event code",
    )


def _unknown_definition(url: str, view: MessageView) -> str:
    name, stem = definition_name(url), definition_stem(url)
    versions = [m.name for m in catalogue().message_definitions if definition_stem(m.url) == stem]
    if versions:
        return (
            f"MessageDefinition {name} is a version the workbench does not know (known: {', '.join(versions)}); "
            "a receiver that does not support it answers 10005"
        )
    return f"MessageDefinition {name} is not known to the workbench; a receiver that does not support it answers 10004"


def _suggest(event: str | None) -> str:
    known = [m for m in catalogue().message_definitions_for_event(event or "")]
    if not known:
        return "name the MessageDefinition the payload specification gives"
    return f"for {event} use {known[0].url}"


def _check_sender_reference(found: HandlingValue, out: Findings) -> None:
    hint = "send the sender's own reference as a valueString of up to 255 characters, or 'None'"
    if found.value_element != "valueString":
        shown = f"{found.value_element} {quoted(found.value)}" if found.value_element else "no value"
        out.add(
            "itk-sender-reference-value", f"SenderReference must be a valueString; found {shown}", found.node, hint=hint
        )
    elif not (found.value or "").strip():
        out.add("itk-sender-reference-value", "SenderReference is empty", found.node, hint=hint)
    elif len(found.value or "") > 255:
        out.add(
            "itk-sender-reference-value",
            f"SenderReference is {len(found.value or '')} characters long; at most 255 are allowed",
            found.node,
            hint=hint,
        )


def _other_key(url: str, node: Node, out: Findings) -> None:
    key = catalogue().handling_key(url)
    if key is not None and key.legacy:
        out.add(
            "itk-handling-legacy-priority",
            f"the handling key {url} is legacy: it was removed in ITK3 2.5.0 (August 2018)",
            node,
            hint=f"remove the {url} key; receivers treat it as an unknown local key",
        )
        return
    lookalike = next((k.url for k in catalogue().handling_keys if k.url.casefold() == url.casefold()), None)
    hint = (
        f"did you mean {lookalike}? Key urls are case-sensitive"
        if lookalike
        else "keep local keys only by agreement with the receiver"
    )
    shown = quoted(url) if url else "without a url"
    out.add(
        "itk-handling-local-key", f"the handling key {shown} is not an ITK3 key; it is a local key", node, hint=hint
    )


def _payload_spec(view: MessageView, out: Findings) -> None:
    fixed = PAYLOAD_SPEC_KEYS.get(view.event_code or "")
    if not fixed:
        return
    for key, wanted in fixed.items():
        found = view.handling.get(key)
        if found is None or found.value is None or found.value.strip() == wanted:
            continue  # missing or unreadable keys are reported by their own rules
        if key == "MessageDefinition" and catalogue().message_definition(found.value) is not None:
            continue  # a known definition of another event: itk-msgdef-event-mismatch says so
        out.add(
            "itk-payload-spec-keys",
            f"the {view.event_code} payload specification fixes {key} = {quoted(wanted)}; found {quoted(found.value)}",
            found.node,
            hint=f"set {key} to {quoted(wanted)}",
        )
