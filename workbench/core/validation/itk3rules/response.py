"""ITK3 rules, the ITK Response (ITK008M) (FACTS §4.1-§4.3, §10 item 6, §11.2, §11.4, §11.6).

A Response's header says which message it answers (``response.identifier`` = that message's
MessageHeader.id, or ``UNREADABLE-IN-ORIGINAL-MESSAGE``), whether it is positive
(``response.code`` ok or fatal-error, matching the sign of the response code) and points
(``response.details``) to an ITK-Response-OperationOutcome-1 carrying one ITK-ResponseCodes-1
code. Its handling specification asks for no business response and names the Response
MessageDefinition. All of it is header content: a receiver answers **20006**; the two handling
rules answer **10008** (handling-specification business rule, as the NHS harness checks them).

===============================  ========  =====  ==============================================
rule                             severity  code   checks
===============================  ========  =====  ==============================================
itk-response-missing             error     20006  an ITK008M header has a response element
itk-response-unexpected          error     20006  a non-Response event has no response element
itk-response-identifier          error     20006  response.identifier present and a FHIR id
itk-response-code                error     20006  response.code is ok or fatal-error
itk-response-details             error     20006  response.details -> the OperationOutcome entry
itk-response-outcome-profile     warning   -      the OperationOutcome claims ITK-Response-OperationOutcome-1
itk-response-issue-missing       error     20006  the OperationOutcome has an issue
itk-response-issue-count         warning   -      one issue (one response code) per Response
itk-response-code-coding         error     20006  issue.details has exactly one coding with a code
itk-response-code-system         error     20006  coding.system is ITK-ResponseCodes-1
itk-response-code-legacy         error     20006  not a pre-2018 ITK-Acknowledgement-1 code
itk-response-code-unknown        error     20006  the code is a live ITK-ResponseCodes-1 code
itk-response-code-display        error     20006  coding.display present and matching the code
itk-response-code-display-spelling warning -      the display differs only in spelling
itk-response-sign                error     20006  response.code agrees with the code's sign
itk-response-issue-mapping       warning   -      issue.severity / issue.code as the IG maps them
itk-response-busack              error     10008  BusAckRequested is false on a Response
itk-response-infack              warning   -      an infrastructure Response requests no InfAck
itk-response-msgdef              error     10008  MessageDefinition is the Response definition
itk-response-focus               warning   -      a Response has no focus
itk-response-payload             warning   -      a Response carries nothing but header resources
                                                  and the OperationOutcome
===============================  ========  =====  ==============================================

Decisions: ``transient-error`` is an error (ITK3 never uses it). The legacy
``ITK-Response-MessageDefinition-Instance-1`` is accepted with a warning (handling.py's
``itk-msgdef-superseded``; FACTS §11.2). Several issues are accepted with a warning (§11.6).
A focus on a Response is a warning: the profile allows focus, the IG says Responses do not
carry one. A display that differs only in spelling (the IG's en-dashes, "Non Approved") is a
warning; tolerated catalogue variants pass.
"""

from __future__ import annotations

import re

from workbench.core.catalogue import catalogue, level_of
from workbench.core.itk3.view import MessageView
from workbench.core.tree import Node
from workbench.core.validation.itk3rules.common import (
    Findings,
    Rule,
    quoted,
    same_spelling,
)
from workbench.core.validation.itk3rules.parties import check_reference

RULES: dict[str, Rule] = {
    "itk-response-missing": Rule("error", "20006", "an ITK Response header has a response element"),
    "itk-response-unexpected": Rule("error", "20006", "only an ITK Response carries MessageHeader.response"),
    "itk-response-identifier": Rule("error", "20006", "response.identifier is the answered MessageHeader.id"),
    "itk-response-code": Rule("error", "20006", "response.code is ok or fatal-error"),
    "itk-response-details": Rule("error", "20006", "response.details references the OperationOutcome entry"),
    "itk-response-outcome-profile": Rule(
        "warning", None, "the OperationOutcome claims the ITK Response profile in meta.profile"
    ),
    "itk-response-issue-missing": Rule("error", "20006", "the Response OperationOutcome has an issue"),
    "itk-response-issue-count": Rule("warning", None, "a Response carries one response code"),
    "itk-response-code-coding": Rule("error", "20006", "issue.details has exactly one coding with a code"),
    "itk-response-code-system": Rule("error", "20006", "the coding system is ITK-ResponseCodes-1"),
    "itk-response-code-legacy": Rule("error", "20006", "not a pre-2018 acknowledgement code (41001 ... RC999)"),
    "itk-response-code-unknown": Rule("error", "20006", "the code is a live ITK-ResponseCodes-1 code"),
    "itk-response-code-display": Rule("error", "20006", "the coding display is present and matches the code"),
    "itk-response-code-display-spelling": Rule("warning", None, "the coding display is spelled as in the CodeSystem"),
    "itk-response-sign": Rule("error", "20006", "response.code agrees with the response code's sign"),
    "itk-response-issue-mapping": Rule("warning", None, "issue.severity and issue.code follow the IG mapping"),
    "itk-response-busack": Rule("error", "10008", "a Response requests no business response"),
    "itk-response-infack": Rule("warning", None, "an infrastructure Response requests no infrastructure response"),
    "itk-response-msgdef": Rule("error", "10008", "a Response names ITK-Response-MessageDefinition-1"),
    "itk-response-focus": Rule("warning", None, "a Response has no focus"),
    "itk-response-payload": Rule("warning", None, "a Response carries no payload"),
}

_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_HEADER_TYPES = ("MessageHeader", "Organization", "Practitioner", "PractitionerRole", "OperationOutcome")


def check_unexpected(view: MessageView, out: Findings) -> None:
    """Report a ``response`` element on a message whose event is not a Response."""
    header = view.header
    node = header.child("response") if header is not None else None
    if node is not None:
        out.add(
            "itk-response-unexpected",
            f"event {view.event_code} is not a Response, yet the MessageHeader carries response",
            node,
            hint="remove response, or send an ITK Response with event ITK008M",
        )


def check(view: MessageView, out: Findings, *, references: bool) -> None:
    """Check a Response message (ITK008M or a legacy acknowledgement)."""
    header = view.header
    assert header is not None
    response = header.child("response")
    outcome = _check_response_element(view, header, response, out, references=references)
    if outcome is None:
        outcome = next(
            (e.resource for e in view.entries if e.resource is not None and e.resource.name == "OperationOutcome"), None
        )
    codes = _check_outcome(outcome, out) if outcome is not None else []
    _check_sign(view, response, codes, out)
    _check_handling(view, codes, out)
    for focus in view.focus:
        out.add(
            "itk-response-focus",
            "an ITK Response carries focus; Responses point to their OperationOutcome with response.details",
            focus.node,
            hint="remove focus",
        )
    for entry in view.entries[1:]:
        resource = entry.resource
        if resource is not None and resource.name not in _HEADER_TYPES:
            out.add(
                "itk-response-payload",
                f"entry {entry.index} is a {resource.name}; an ITK Response carries only the header resources and the OperationOutcome",
                entry.node,
                hint="remove the entry",
            )


def _check_response_element(
    view: MessageView, header: Node, response: Node | None, out: Findings, *, references: bool
) -> Node | None:
    """Check MessageHeader.response; return the OperationOutcome its details lead to."""
    if response is None:
        out.add(
            "itk-response-missing",
            f"the {view.event_code or 'Response'} MessageHeader has no response element",
            header,
            hint="add response with identifier (the answered MessageHeader.id), code and details",
        )
        return None
    identifier = view.response_identifier
    if not identifier:
        out.add(
            "itk-response-identifier",
            "response.identifier is missing",
            response,
            hint=f"quote the answered message's MessageHeader.id, or {catalogue().unreadable_message_id} when it could not be read",
        )
    elif _ID.fullmatch(identifier) is None:
        out.add(
            "itk-response-identifier",
            f"response.identifier {quoted(identifier)} is not a FHIR id (1 to 64 letters, digits, '-' and '.')",
            response.child("identifier"),
            hint="quote the answered message's MessageHeader.id (a UUID), not a URL or urn:uuid:",
        )
    code = view.response_code
    if code not in catalogue().itk_response_codes:
        why = " (ITK3 never uses transient-error)" if code == "transient-error" else ""
        out.add(
            "itk-response-code",
            f"response.code must be ok or fatal-error; found {quoted(code)}{why}",
            response.child("code") or response,
            hint="use ok for a positive response code (20013, 30001, ...), fatal-error for a negative one",
        )
    details = response.child("details")
    if details is None:
        out.add(
            "itk-response-details",
            "response.details is missing",
            response,
            hint="reference the OperationOutcome entry: details.reference = its fullUrl",
        )
        return None
    reference = details.value_at("reference")
    resolution = view.index.resolve(reference, header) if view.index is not None else None
    if resolution is None or not check_reference(
        "response.details", reference, resolution, details, out, references=references
    ):
        return None
    target = resolution.resource
    if target is not None and target.name != "OperationOutcome":
        out.add(
            "itk-response-details",
            f"response.details must reference the OperationOutcome; {quoted(reference)} is a {target.name}",
            details,
            hint="reference the OperationOutcome entry's fullUrl",
        )
        return None
    return target


def _check_outcome(outcome: Node, out: Findings) -> list[tuple[str, Node]]:
    """Check the OperationOutcome's issues; return the live response codes with their issue."""
    profile = catalogue().urls.response_operation_outcome_profile
    meta = outcome.child("meta")
    claimed = [p.value for p in meta.children_named("profile")] if meta is not None else []
    if profile not in claimed:
        out.add(
            "itk-response-outcome-profile",
            "the Response OperationOutcome does not claim " + profile.rsplit("/", 1)[-1] + " in meta.profile",
            meta or outcome,
            hint=f"add meta.profile {profile}; the NHS test harness checks it",
        )
    issues = outcome.children_named("issue")
    if not issues:
        out.add(
            "itk-response-issue-missing",
            "the Response OperationOutcome has no issue",
            outcome,
            hint="add one issue whose details.coding is the ITK response code",
        )
        return []
    if len(issues) > 1:
        out.add(
            "itk-response-issue-count",
            f"the Response OperationOutcome has {len(issues)} issues; the IG allows one response code per Response",
            issues[1],
            hint="send one issue; use another Response for another outcome",
        )
    found = []
    for issue in issues:
        code = _check_issue(issue, out)
        if code is not None:
            found.append((code, issue))
    return found


def _check_issue(issue: Node, out: Findings) -> str | None:
    details = issue.child("details")
    codings = details.children_named("coding") if details is not None else []
    hint = "put the ITK response code in issue.details.coding (system ITK-ResponseCodes-1, code, display)"
    if not codings or not codings[0].value_at("code"):
        out.add(
            "itk-response-code-coding",
            "the Response issue has no details.coding with a code",
            details or issue,
            hint=hint,
        )
        return None
    for extra in codings[1:]:
        out.add(
            "itk-response-code-coding",
            "the Response issue has more than one details.coding; ITK3 allows one",
            extra,
            hint=hint,
        )
    coding = codings[0]
    code = coding.value_at("code") or ""
    system = coding.value_at("system")
    urls = catalogue().urls
    legacy = catalogue().legacy_ack(code)
    if system == urls.legacy_acknowledgement_system or legacy is not None:
        name = f" '{legacy.display}'" if legacy is not None else ""
        out.add(
            "itk-response-code-legacy",
            f"response code {code}{name} is a legacy ITK-Acknowledgement-1 code (before March 2018)",
            coding,
            hint="use the ITK-ResponseCodes-1 code for the outcome (e.g. 20013 Success, 30001 Patient known here)",
        )
        return None
    if system != urls.response_codes_system:
        out.add(
            "itk-response-code-system",
            f"the response code's system must be {urls.response_codes_system}; found {quoted(system)}",
            coding.child("system") or coding,
            hint=f"set coding.system to {urls.response_codes_system}",
        )
    known = catalogue().response(code)
    if known is None:
        retired = catalogue().retired_response(code)
        why = f" ('{retired.display}', retired in August 2018)" if retired is not None else ""
        out.add(
            "itk-response-code-unknown",
            f"response code {quoted(code)}{why} is not a live ITK-ResponseCodes-1 code",
            coding.child("code"),
            hint="use a code from ITK-ResponseCodes-1 (10001 ... 30025)",
        )
        return None
    display = coding.value_at("display")
    if display is None:
        out.add(
            "itk-response-code-display",
            f"response code {code} has no display",
            coding,
            hint=f"add display '{known.display}'",
        )
    elif not known.matches_display(display):
        rule = (
            "itk-response-code-display-spelling"
            if same_spelling(display, known.display)
            else "itk-response-code-display"
        )
        out.add(
            rule,
            f"response code {code} is displayed {quoted(display)}; ITK-ResponseCodes-1 says {quoted(known.display)}",
            coding.child("display"),
            hint=f"use display {quoted(known.display, 400)}",
        )
    severity, issue_code = issue.value_at("severity"), issue.value_at("code")
    if severity != known.severity or issue_code not in known.issue_codes:
        out.add(
            "itk-response-issue-mapping",
            f"response code {code} goes with issue severity '{known.severity}' and code '{known.issue_code}'; "
            f"found {quoted(severity)} / {quoted(issue_code)}",
            issue,
            hint=f"set issue.severity to {known.severity} and issue.code to {' or '.join(known.issue_codes)}",
        )
    return code


def _check_sign(view: MessageView, response: Node | None, codes: list[tuple[str, Node]], out: Findings) -> None:
    answer = view.response_code
    if response is None or answer not in catalogue().itk_response_codes:
        return
    for code, _issue in codes:
        known = catalogue().response(code)
        if known is None or known.response_code == answer:
            continue
        sign = "positive" if known.positive else "negative"
        out.add(
            "itk-response-sign",
            f"response.code is '{answer}' but response code {code} ('{known.display}') is {sign}; "
            f"it needs '{known.response_code}'",
            response.child("code") or response,
            hint=f"set response.code to {known.response_code}"
            + ("; every negative code is fatal" if not known.positive else ""),
        )


def _check_handling(view: MessageView, codes: list[tuple[str, Node]], out: Findings) -> None:
    busack = view.handling.get("BusAckRequested")
    if busack is not None and busack.boolean:
        out.add(
            "itk-response-busack",
            "BusAckRequested is true on an ITK Response; Responses never ask for a business response",
            busack.node,
            hint="set BusAckRequested to false",
        )
    infack = view.handling.get("InfAckRequested")
    levels = {level_of(code) for code, _ in codes}
    if infack is not None and infack.boolean and levels == {"infrastructure"}:
        out.add(
            "itk-response-infack",
            "InfAckRequested is true on an infrastructure Response; infrastructure Responses are never acknowledged",
            infack.node,
            hint="set InfAckRequested to false (only business Responses ask for an infrastructure response)",
        )
    definition = view.handling.get("MessageDefinition")
    url = (
        (definition.value or "").strip()
        if definition is not None and definition.value_element == "valueReference"
        else ""
    )
    urls = catalogue().urls
    if url.startswith(urls.message_definition_prefix) and url not in (
        urls.response_message_definition,
        urls.response_message_definition_legacy,
    ):
        assert definition is not None
        known = catalogue().message_definition(url)
        what = f" (the definition of {known.event})" if known is not None and known.event else ""
        out.add(
            "itk-response-msgdef",
            f"an ITK Response must name the Response MessageDefinition; found {url.rsplit('/', 1)[-1]}{what}",
            definition.node.find("valueReference.reference") or definition.node,
            hint=f"name {urls.response_message_definition}",
        )
