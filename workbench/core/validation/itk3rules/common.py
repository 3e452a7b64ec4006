"""What the ITK3 rule families share: the rule table type, the emitter, small readers.

Every finding goes through :class:`Findings.add` with a rule id; severity and ITK response code
come from the rule table, so the table the GUI and CLI list is exactly what the rules emit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any, NamedTuple

from workbench.core.catalogue import catalogue
from workbench.core.itk3.view import MessageView
from workbench.core.tree import Node
from workbench.core.validation.context import ValidationContext
from workbench.core.validation.issue import Issue, IssueSink, Severity


class Rule(NamedTuple):
    """One ITK3 rule: how bad a finding is, what a receiver answers, what it checks.

    Attributes:
        severity: error (a receiver rejects), warning (convention, legacy, should) or
            information (a note).
        itk_code: the ITK response code a receiver answers when it rejects, else None.
        description: one line saying what the rule checks, for a person (no reference-file citations).
    """

    severity: Severity
    itk_code: str | None
    description: str


class Findings:
    """Emits ITK3 issues by rule id, taking severity and ITK code from the rule table."""

    def __init__(self, sink: IssueSink, rules: dict[str, Rule]) -> None:
        self.sink = sink
        self.rules = rules

    def add(self, rule: str, message: str, node: Node | None, hint: str | None = None) -> Issue:
        """Record a finding of ``rule`` about ``node``.

        Raises:
            KeyError: when ``rule`` is not in the table (a programming error).
        """
        found = self.rules[rule]
        return self.sink.add(found.severity, rule, message, node, hint=hint, itk_code=found.itk_code)

    def forbid(self, rule: str, parent: Node | None, names: Iterable[str], message: str, hint: str) -> None:
        """Record a finding of ``rule`` for each child of ``parent`` named in ``names``.

        ``message`` and ``hint`` are formatted with the child's ``name``.
        """
        if parent is None:
            return
        for name in names:
            for node in parent.children_named(name):
                self.add(rule, message.format(name=name), node, hint=hint.format(name=name))

    @property
    def issues(self) -> list[Issue]:
        """The issues recorded so far."""
        return self.sink.issues


def legacy_events() -> frozenset[str]:
    """The legacy acknowledgement events (ITK001M, ITK002M)."""
    return frozenset(e.code for e in catalogue().events if e.legacy)


def is_response_message(view: MessageView) -> bool:
    """True when the message is (or claims to be) an ITK Response.

    That is event ITK008M, a legacy acknowledgement event, or a header with a ``response``
    element whose event is missing or unknown. A known non-Response event with a ``response``
    element is judged as the event says (and the element reported).
    """
    code = view.event_code
    if code == catalogue().response_event or code in legacy_events():
        return True
    known = code is not None and catalogue().event(code) is not None
    return not known and view.header is not None and view.header.child("response") is not None


_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


def spelling_key(text: str) -> str:
    """A display reduced to letters and digits, case-folded: equal keys differ only in spelling."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return re.sub(r"[^0-9a-z]+", "", text)


def same_spelling(found: str, wanted: str) -> bool:
    """True when two displays differ only in case, spaces, punctuation, quotes or dashes."""
    return spelling_key(found) == spelling_key(wanted)


def bundle_layer_ran(context: ValidationContext) -> bool:
    """True when the bundle-integrity layer runs alongside this one.

    The ITK3 layer then leaves generic reference and document-bundle findings to it, so one
    fault is reported once. Read from ``context.options["layers"]`` (an explicit override) or
    ``context.layers``; unknown means it did not run (every finding is reported).
    """
    layers = context.options.get("layers") or getattr(context, "layers", None)
    return layers is not None and "bundle" in layers


def option(context: ValidationContext, name: str) -> Any:
    """A setting from ``context.options[name]`` or the receiver settings' ``name``, or None."""
    if context.options.get(name) is not None:
        return context.options[name]
    receiver = context.options.get("receiver")
    if isinstance(receiver, dict):
        return receiver.get(name)
    return getattr(receiver, name, None) if receiver is not None else None


def quoted(value: str | None, limit: int = 80) -> str:
    """A value for a message: ``'FX'`` (shortened when long), or ``(none)``."""
    if value is None:
        return "(none)"
    if len(value) > limit:
        value = value[: limit - 3] + "..."
    return f'"{value}"' if "'" in value else f"'{value}'"
