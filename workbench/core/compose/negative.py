"""Negative tests: a copy of an accepted message that a receiver answers with exactly one code.

:func:`negative_codes` lists the codes the workbench can cause (``break --list``): every
1xxxx/2xxxx code a message's content can cause with the given receiver, the codes that depend
on what the receiver knows (an unknown or unauthorised sender, an unknown recipient, a type it
does not support) with the settings they need, and the duplicates, which need a second send.
:func:`make_negative` makes one: it checks the message is accepted (20013), changes a copy
(:mod:`.breakers`), makes sure the receiver is asked for an infrastructure Response, and runs
the workbench's own receiver (:func:`~workbench.core.acks.receiver.decide`) on the result; only
a copy the receiver answers with exactly that code is handed back, with a note saying what was
changed and, when needed, the receiver settings (as TOML ``ack --receiver`` reads).

Every 1xxxx/2xxxx code is offered but the positive 20013 and the retired 10006
(:func:`not_offered` says why for each).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.core.acks.receiver import Decision, ReceiverState, decide
from workbench.core.acks.settings import ReceiverSettings
from workbench.core.catalogue import catalogue
from workbench.core.clock import Clock, IdGenerator, SystemClock, random_ids
from workbench.core.codecs import read_bytes, render, render_for_saving, sniff
from workbench.core.compose.breakers import BREAKERS, BreakError, Change, ask_infrastructure
from workbench.core.errors import ReadError
from workbench.core.itk3.view import message_view
from workbench.core.tree import Document
from workbench.core.validation.runner import Validator

_RECEIVER_CODES = ("10005", "20001", "20002", "20003", "20005", "20010", "20011", "20012", "20014")
_SECOND_SEND = ("20007", "20008")
_HOW: dict[str, str] = {
    "10001": "the LocalExtension handling key is removed",
    "10002": "InfAckRequested is made unreadable (a valueString)",
    "10003": "BusAckRequested is made unreadable (a valueString)",
    "10004": "the MessageDefinition is the generic ITK-SendPayload-MessageDefinition-1",
    "10005": "the MessageDefinition is a version of its message type the receiver does not support",
    "10007": "the SenderReference is made longer than 255 characters",
    "10008": "the MessageDefinition is another event's",
    "10009": "the bytes are cut short, so the message cannot be read",
    "10010": "the RecipientType code is neither FA nor FI",
    "20001": "the header recipient is a person the receiver does not serve",
    "20002": "the header recipient is an organisation the receiver does not serve",
    "20003": "the sender is one the receiver does not know",
    "20004": "an attachment has a type that is not approved",
    "20005": "an attachment has a type the receiver does not support",
    "20006": "MessageHeader.source is removed",
    "20007": "the same message is sent twice",
    "20008": "a new message carries a document the receiver already has",
    "20009": "the payload is made invalid (a document without its identifier, or an invalid id)",
    "20010": "the document names a recipient organisation the receiver does not serve",
    "20011": "the document names a recipient person the receiver does not serve",
    "20012": "the sender is on the receiver's unauthorised list",
    "20014": "the document replaces one the receiver never received",
    "20015": "an attachment takes the message past the receiver's size limit",
}


@dataclass(frozen=True, slots=True)
class NegativeCode:
    """A code ``break`` can cause.

    Attributes:
        code, display: the response code.
        needs: ``content`` (a change to the message is enough), ``receiver`` (receiver settings
            come with the copy) or ``second send`` (a duplicate).
        how: how the copy is made, in words.
    """

    code: str
    display: str
    needs: str
    how: str

    def to_json(self) -> dict[str, str]:
        """As plain data (``break --list --format json``)."""
        return {"code": self.code, "display": self.display, "needs": self.needs, "how": self.how}


@dataclass(frozen=True, slots=True)
class Negative:
    """A negative test made and checked.

    Attributes:
        code, display: the code the receiver answers.
        data: the copy, as bytes in ``syntax`` (for 10009, bytes that cannot be read).
        syntax: ``xml`` or ``json``.
        note: what was changed, in words.
        settings: the receiver settings the code needs, or None when the given ones do.
        sends: 1, or 2 for a duplicate (see ``note``).
        decision: the receiver's decision on the copy (the last send).
        document: the copy's tree (None for 10009).
    """

    code: str
    display: str
    data: bytes
    syntax: str
    note: str
    settings: ReceiverSettings | None
    sends: int
    decision: Decision
    document: Document | None = field(default=None, compare=False)

    @property
    def settings_toml(self) -> str | None:
        """The receiver settings as TOML (what ``ack --receiver`` reads), when needed."""
        if self.settings is None:
            return None
        return f"# Receiver settings for the {self.code} negative test ({self.display})\n" + self.settings.to_toml()


def negative_codes(settings: ReceiverSettings | None = None) -> list[NegativeCode]:
    """The codes ``break`` offers with these receiver settings (default: the default receiver)."""
    base = settings or ReceiverSettings()
    cat = catalogue()
    found = []
    for code in BREAKERS:
        response = cat.response(code)
        assert response is not None
        if code in _SECOND_SEND:
            needs = "second send"
        elif code in _RECEIVER_CODES and not _content_only(code, base):
            needs = "receiver"
        else:
            needs = "content"
        found.append(NegativeCode(code, response.display, needs, _HOW[code]))
    return found


def _content_only(code: str, settings: ReceiverSettings) -> bool:
    """True when these settings let the message's content alone cause a receiver-side code."""
    return {
        "10005": bool(settings.supported_message_definitions),
        "20001": bool(settings.known_recipient_persons),
        "20002": bool(settings.known_recipient_organisations),
        "20003": bool(settings.known_senders),
        "20005": bool(settings.supported_content_types),
        "20010": bool(settings.known_recipient_organisations),
        "20011": bool(settings.known_recipient_persons),
        "20014": settings.replacements_need_original,
    }.get(code, False)


def not_offered() -> dict[str, str]:
    """The 1xxxx/2xxxx codes ``break`` does not make (live and retired), with why."""
    cat = catalogue()
    codes = [r.code for r in cat.responses if not r.is_business] + [r.code for r in cat.retired_responses]
    return {c: _not_offered(c) for c in sorted(set(codes)) if c not in BREAKERS}


def make_negative(
    original: bytes | Document,
    code: str,
    settings: ReceiverSettings | None = None,
    *,
    syntax: str | None = None,
    ids: IdGenerator = random_ids,
    clock: Clock | None = None,
    validator: Validator | None = None,
) -> Negative:
    """A copy of ``original`` that the receiver answers with ``code`` (see the module docstring).

    Args:
        original: the accepted message (bytes or its tree; the tree is not changed).
        code: the response code wanted.
        settings: the receiver's settings (default: the default receiver).
        syntax: the copy's syntax (default: the original's).
        ids, clock: for new ids and the receiver's Responses.
        validator: the receiver's validator (default: all layers, the shipped profiles).

    Raises:
        BreakError: the code is not one the workbench can cause, the message is not accepted,
            or this message gives the breaker nothing to change.
    """
    base = settings or ReceiverSettings()
    wanted = code.strip()
    breaker = BREAKERS.get(wanted)
    if breaker is None:
        raise BreakError(_not_offered(wanted))
    data = render(original, original.format) if isinstance(original, Document) else original
    out_syntax = syntax or (original.format if isinstance(original, Document) else sniff(data))
    validator = validator or Validator()
    clock = clock or SystemClock()
    accepted = decide(data, base, ReceiverState(), clock=clock, ids=ids, validator=validator)
    if accepted.infrastructure_code != "20013":
        raise BreakError(
            f"the receiver does not accept this message (it answers {accepted.infrastructure_code}): a negative "
            "test starts from an accepted message"
        )
    try:
        copy = read_bytes(data)
    except ReadError as exc:  # pragma: no cover - it was just accepted
        raise BreakError(str(exc)) from None
    view = message_view(copy)
    change = breaker(copy, view, base, ids)
    notes = [change.note]
    if wanted not in ("10002", "10009"):
        asked = ask_infrastructure(message_view(copy))
        if asked:
            notes.append(asked)
    out = render_for_saving(copy, out_syntax)
    tree: Document | None = copy
    if change.cut is not None:
        out = out[: int(len(out) * change.cut)]
        tree = None
    receiver = change.settings or base
    decision = _check(wanted, data, out, change, receiver, clock, ids, validator)
    response = catalogue().response(wanted)
    assert response is not None
    return Negative(
        wanted, response.display, out, out_syntax, "; ".join(notes), change.settings, change.sends, decision, tree
    )


def _check(
    code: str,
    original: bytes,
    copy: bytes,
    change: Change,
    settings: ReceiverSettings,
    clock: Clock,
    ids: IdGenerator,
    validator: Validator,
) -> Decision:
    """Run the receiver as the test would be sent; the copy must be answered with ``code``."""
    state = ReceiverState()
    if change.sends == 2:
        first = original if change.first else copy
        decide(first, settings, state, clock=clock, ids=ids, validator=validator)
    decision = decide(copy, settings, state, clock=clock, ids=ids, validator=validator)
    answered = decision.codes[0] if decision.codes else None
    if decision.infrastructure_code != code or answered != code:
        raise BreakError(
            f"the change ({change.note}) did not make the receiver answer {code}: it decided "
            f"{decision.infrastructure_code} and sent {', '.join(decision.codes) or 'nothing'}"
        )
    return decision


def _not_offered(code: str) -> str:
    cat = catalogue()
    found = cat.response(code)
    if found is not None and found.positive:
        return f"{code} {found.display} is a positive code; a negative test makes a receiver reject"
    if found is not None and found.is_business:
        return f"{code} is a business code: it depends on the patient, not on the message (see ack --business)"
    if cat.retired_response(code) is not None:
        return f"{code} is retired and never sent"
    return f"{code!r} is not an ITK response code the workbench can cause; see break --list"
