"""Read an ITK Response as a Response: what it says, and, separately, whether it is well formed.

A tester who opens a Response wants its code, display, level and outcome, and the message it
answers; a banner predicting what a receiver would answer to the Response itself is beside the
point. :func:`response_summary` reads what the Response says (leniently, like the ITK3 view);
:func:`response_conformance` gives its own verdict from the validator, kept apart from what it
says. Pre-2018 acknowledgements (ITK001M, ITK002M) are named as such, with their old codes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, TypeVar

from workbench.core.catalogue import catalogue, level_of
from workbench.core.itk3.view import MessageView, message_view
from workbench.core.tree import Document, Node
from workbench.core.validation.runner import Report, Validator
from workbench.core.words import plural

Outcome = Literal["positive", "negative", "unknown"]
Generation = Literal["itk3", "legacy"]

#: The levels of the pre-2018 acknowledgement events.
_LEGACY_LEVELS = {"ITK001M": "infrastructure", "ITK002M": "business"}

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class ResponseSummary:
    """What an ITK Response (or a pre-2018 acknowledgement) says.

    Attributes:
        generation: ``itk3`` (ITK008M) or ``legacy`` (ITK001M/ITK002M acknowledgements).
        event_code: the header's event (``ITK008M``, ``ITK001M`` ...).
        kind_label: what it is, in words: ``ITK Response``, ``ITK Infrastructure
            Acknowledgement (legacy ITK001M, replaced by ITK008M in 2018)``.
        code: the (first) response code it carries, or None.
        display: the code's display from the code system, else as carried.
        carried_display: the display as the Response carries it.
        level: ``infrastructure`` or ``business`` (from the code; for a legacy
            acknowledgement from its event), or None.
        outcome: ``positive``/``negative`` from the code (from ``response.code`` when the code is
            not known), ``unknown`` when neither says.
        response_code: ``MessageHeader.response.code`` as carried (``ok``/``fatal-error``).
        consistent: False when ``response.code`` disagrees with the code's sign.
        answers: ``response.identifier``: the MessageHeader id of the message it answers.
        answers_unreadable: True when it says the original message could not be read.
        message_id: the Response's own MessageHeader id.
        codes: every response code it carries.
        known: True when the code is in the ITK response codes (live, retired or legacy).
        retired: True for a retired or pre-2018 code.
        sender: the sender's description, if it resolves.
    """

    generation: Generation
    event_code: str | None
    kind_label: str
    code: str | None
    display: str | None
    carried_display: str | None
    level: str | None
    outcome: Outcome
    response_code: str | None
    consistent: bool
    answers: str | None
    answers_unreadable: bool
    message_id: str | None
    codes: tuple[str, ...]
    known: bool
    retired: bool
    sender: str | None = None

    @property
    def headline(self) -> str:
        """The banner text: ``20009 Payload validation error: infrastructure, negative``."""
        what = f"{self.code} {self.display}" if self.code else "no response code"
        level = f"{self.level}, " if self.level else ""
        text = f"{what}: {level}{self.outcome}"
        if self.generation == "legacy":
            text += f" ({self.kind_label})"
        return text

    @property
    def answers_text(self) -> str:
        """Which message it answers, in words."""
        if self.answers_unreadable:
            return "answers a message the receiver could not read"
        if not self.answers:
            return "does not say which message it answers"
        return f"answers message {self.answers}"

    @property
    def notes(self) -> tuple[str, ...]:
        """Odd things about what it says (not conformance: that is a separate verdict)."""
        notes = []
        if self.code is None:
            notes.append("it carries no response code")
        elif not self.known:
            notes.append(f"{self.code} is not an ITK response code")
        elif self.retired:
            notes.append(f"{self.code} is a retired code, not used since 2018")
        if not self.consistent:
            notes.append(f"response.code says {self.response_code} but {self.code} is {self.outcome}")
        if len(self.codes) > 1:
            notes.append(f"it carries {plural(len(self.codes), 'response code')}: {', '.join(self.codes)}")
        return tuple(notes)

    def to_json(self) -> dict[str, object]:
        """The summary as plain data."""
        return {
            "generation": self.generation,
            "event": self.event_code,
            "kind": self.kind_label,
            "code": self.code,
            "display": self.display,
            "carried_display": self.carried_display,
            "level": self.level,
            "outcome": self.outcome,
            "response_code": self.response_code,
            "consistent": self.consistent,
            "answers": self.answers,
            "answers_unreadable": self.answers_unreadable,
            "message_id": self.message_id,
            "codes": list(self.codes),
            "known": self.known,
            "retired": self.retired,
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class Conformance:
    """A Response's own verdict: is it a well-formed ITK Response?

    Attributes:
        report: the validator's report on the Response.
    """

    report: Report

    @property
    def valid(self) -> bool:
        """True when the Response has no error of its own."""
        return self.report.valid

    @property
    def errors(self) -> int:
        """Its fatal and error findings."""
        return sum(1 for i in self.report.issues if i.is_error)

    @property
    def warnings(self) -> int:
        """Its warnings."""
        return sum(1 for i in self.report.issues if i.severity == "warning")

    @property
    def headline(self) -> str:
        """``a well-formed ITK Response`` or ``not a well-formed ITK Response: 2 errors``."""
        warned = f" ({plural(self.warnings, 'warning')})" if self.warnings else ""
        if self.valid:
            return f"a well-formed ITK Response{warned}"
        first = next(i for i in self.report.issues if i.is_error)
        return f"not a well-formed ITK Response: {plural(self.errors, 'error')}{warned}; first: {first.message}"

    def to_json(self) -> dict[str, object]:
        """The verdict as plain data."""
        return {"valid": self.valid, "errors": self.errors, "warnings": self.warnings, "headline": self.headline}


def is_response(document: Document | Node | MessageView) -> bool:
    """True for an ITK Response or a legacy acknowledgement."""
    view = document if isinstance(document, MessageView) else message_view(document)
    return view.is_message and (view.is_response or _legacy_event(view) is not None)


def response_summary(document: Document | Node | MessageView) -> ResponseSummary | None:
    """What a Response says; None when the document is not a Response."""
    view = document if isinstance(document, MessageView) else message_view(document)
    if not is_response(view):
        return None
    book = catalogue()
    legacy = _legacy_event(view)
    code = view.response_codes[0] if view.response_codes else None
    live = book.response(code) if code else None
    retired = book.retired_response(code) if code else None
    old = book.legacy_ack(code) if code else None
    display = live.display if live else retired.display if retired else old.display if old else None
    carried = _carried_display(view, code)
    level = level_of(code) if code and (live or retired) else None
    if level is None and legacy is not None:
        level = _LEGACY_LEVELS[legacy]
    outcome: Outcome
    if live is not None:
        outcome = "positive" if live.positive else "negative"
    elif view.response_code in ("ok", "fatal-error", "transient-error"):
        outcome = "positive" if view.response_code == "ok" else "negative"
    else:
        outcome = "unknown"
    consistent = live is None or view.response_code is None or (view.response_code == "ok") == live.positive
    if legacy is not None:
        event = book.event(legacy)
        name = event.display if event else legacy
        kind_label = f"{name} (legacy {legacy}, replaced by {book.response_event} in 2018)"
    else:
        kind_label = "ITK Response"
    answers = view.response_identifier
    sender = view.sender.label if view.sender is not None and view.sender.resource is not None else None
    return ResponseSummary(
        generation="legacy" if legacy else "itk3",
        event_code=view.event_code,
        kind_label=kind_label,
        code=code,
        display=display or carried,
        carried_display=carried,
        level=level,
        outcome=outcome,
        response_code=view.response_code,
        consistent=consistent,
        answers=answers,
        answers_unreadable=answers == book.unreadable_message_id,
        message_id=view.message_id,
        codes=tuple(view.response_codes),
        known=bool(live or retired or old),
        retired=bool(retired or old),
        sender=sender,
    )


def response_conformance(document: Document, validator: Validator | None = None) -> Conformance:
    """The Response's own verdict, from every validation layer."""
    return Conformance((validator or Validator()).validate(document))


def answered_by(summary: ResponseSummary, candidates: Iterable[tuple[_T, Document | Node | MessageView]]) -> _T | None:
    """The key of the first candidate whose MessageHeader id the Response answers.

    ``candidates`` are (key, document) pairs: the open tabs, the messages of a store.
    """
    if not summary.answers or summary.answers_unreadable:
        return None
    for key, candidate in candidates:
        view = candidate if isinstance(candidate, MessageView) else message_view(candidate)
        if view.message_id == summary.answers and not is_response(view):
            return key
    return None


def _legacy_event(view: MessageView) -> str | None:
    code = view.event_code
    return code if code in _LEGACY_LEVELS else None


def _carried_display(view: MessageView, code: str | None) -> str | None:
    if code is None or view.payload is None:
        return None
    for issue in view.payload.children_named("issue"):
        details = issue.child("details")
        for coding in details.children_named("coding") if details is not None else []:
            if coding.value_at("code") == code:
                return coding.value_at("display")
    return None
