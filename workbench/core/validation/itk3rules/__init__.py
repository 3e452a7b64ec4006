"""Layer 5: the ITK3 rules (FACTS §10's checklist in §5.2's receiver order).

Each finding is an :class:`~workbench.core.validation.issue.Issue` of layer ``itk3`` with a
stable rule id, a severity (error: a receiver rejects the message; warning: a convention, a
legacy form or a "should"; information: a note), a message naming the values found, a hint, the
node, and, for errors, the ITK response code a receiver answers (10001..10010, 20001..20015).

Rule families, one module each (their docstrings list every rule, its code and its source):

* :mod:`.handling` - the handling specification: extension, the six keys, values (100xx).
* :mod:`.header` - the message Bundle and the MessageHeader's own elements (20006).
* :mod:`.parties` - sender, receiver and focus references; header Organization and
  Practitioner (20006).
* :mod:`.response` - the ITK Response, ITK008M (20006; 10008 for its handling rules).
* :mod:`.payload` - attachments (20004, 20005, 20009), size (20015), inner Bundles (20009),
  replacement documents (20014).

:data:`RULES` maps every rule id to (severity, itk_code, description) for the GUI and CLI.

Options read from ``context.options`` (or its ``receiver`` settings): ``size_limit`` (bytes,
default the catalogue's 5 MB) and ``supported_content_types`` (a receiver's list, for 20005).
When the bundle layer runs too (``context.layers`` or ``options["layers"]`` names it), generic
reference and document-bundle findings are left to it, so one fault is reported once.
"""

from __future__ import annotations

from workbench.core.catalogue import catalogue
from workbench.core.validation.context import ValidationContext
from workbench.core.validation.issue import Issue
from workbench.core.validation.itk3rules import (
    handling,
    header,
    parties,
    payload,
    response,
)
from workbench.core.validation.itk3rules.common import (
    Findings,
    Rule,
    bundle_layer_ran,
    is_response_message,
    option,
)

RULES: dict[str, Rule] = {
    **header.RULES,
    **handling.RULES,
    **parties.RULES,
    **response.RULES,
    **payload.RULES,
}

__all__ = ["RULES", "Rule", "check"]


def check(context: ValidationContext) -> list[Issue]:
    """Check the ITK3 rules on one document; return the issues (layer ``itk3``)."""
    out = Findings(context.sink("itk3"), RULES)
    view = context.view
    limit = int(option(context, "size_limit") or catalogue().size_limit_bytes)
    payload.check_size(context.document, limit, out)
    generic = not bundle_layer_ran(context)
    if not header.check_bundle(view, out, generic=generic):
        return out.issues
    is_response = is_response_message(view)
    handling.check(view, out)
    header.check_header(view, out)
    parties.check(view, out, response=is_response, references=generic)
    if is_response:
        response.check(view, out, references=generic)
    else:
        response.check_unexpected(view, out)
    supported = option(context, "supported_content_types")
    payload.check_attachments(view, out, limit=limit, supported=tuple(supported) if supported else None)
    if not is_response:
        payload.check_inner_bundles(view, out, generic=generic)
        payload.check_replacements(view, out)
    return out.issues
