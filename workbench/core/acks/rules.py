"""What only a receiver knows: its partners, what it has seen, how it decides business outcomes.

* :func:`receiver_findings` - MessageDefinition supported (10004 for the message type, 10005
  for the version), sender known (20003) and authorised (20012), header recipient person (20001)
  and organisation (20002) known, recipients the payload names known (20011, 20010), duplicate
  message (20007) and document (20008), a replacement of a document the receiver never had
  (20014, when its settings say so), attachment types outside the receiver's own approved list
  (20004). Each is an
  :class:`~workbench.core.validation.issue.Issue` of layer ``itk3`` with a ``receiver-*`` rule,
  so it sorts with the validator's findings in receiver order.
* :func:`forced_outcome` - the settings' forced outcome, else the NHS test harness convention:
  a Patient's or Practitioner's first given name that is a response code (that outcome),
  ``noresponse`` (send nothing), ``invrep`` (an invalid Response) or ``IB0nn`` (both Responses,
  business code 300nn).
* :func:`business_outcome` - a rule for the patient's NHS number, else the default code.

Documents are identified by the inner document Bundle's ``id`` and its ``identifier`` (system
and value); a match on either is a duplicate (FACTS §7: the IG says Bundle.id, FHIR says
Bundle.identifier). A replacement names the document it replaces by its Composition's identifier
(FACTS §7), so the receiver also remembers those (:func:`remembered_ids`).

The receiver's lists of recipients serve the header and the payload alike: an endpoint serves
some organisations and people, whichever part of the message names them.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.core.acks.settings import ReceiverSettings
from workbench.core.bundle import is_bundle
from workbench.core.catalogue import catalogue, definition_name, definition_stem
from workbench.core.itk3.documents import composition_ids, payload_recipients, replaced_id, replacements
from workbench.core.itk3.view import MessageView, Party
from workbench.core.stu3.paths import node_path
from workbench.core.tree import RESOURCE, Document, Node
from workbench.core.validation.issue import Issue, IssueSink

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"


@dataclass(frozen=True, slots=True)
class Outcome:
    """A forced outcome.

    Attributes:
        infrastructure: an infrastructure code replacing the validated result.
        business: a business code replacing the business rules.
        suppress: send no Response at all.
        defect: send the first Response malformed (``malformed`` or ``truncated``).
        source: where it came from (``receiver settings``, ``first given name 'noresponse'``).
    """

    infrastructure: str | None = None
    business: str | None = None
    suppress: bool = False
    defect: str | None = None
    source: str = ""

    @property
    def applies(self) -> bool:
        """True when something is forced."""
        return bool(self.infrastructure or self.business or self.suppress or self.defect)

    def describe(self) -> str:
        """``20003``, ``none``, ``malformed``, or ``20013 + 30002``."""
        if self.suppress:
            return "none"
        if self.defect:
            return self.defect
        return " + ".join(c for c in (self.infrastructure, self.business) if c)


@dataclass(frozen=True, slots=True)
class BusinessOutcome:
    """The business code decided and the rule that gave it."""

    code: str
    source: str


def forced_outcome(settings: ReceiverSettings, view: MessageView | None) -> Outcome:
    """The outcome forced by the settings or, failing that, by a first given name."""
    if settings.forced is not None:
        return _outcome(settings.forced, "receiver settings")
    if settings.given_name_outcomes and view is not None:
        for name in first_given_names(view):
            found = _outcome_from_name(name)
            if found is not None:
                return found
    return Outcome()


def _outcome(word: str, source: str) -> Outcome:
    if word == "none":
        return Outcome(suppress=True, source=source)
    if word in ("malformed", "truncated"):
        return Outcome(defect=word, source=source)
    found = catalogue().response(word)
    if found is None:  # pragma: no cover - settings are checked when made
        raise ValueError(f"unknown forced outcome {word!r}")
    if found.is_business:
        return Outcome(business=word, source=source)
    return Outcome(infrastructure=word, source=source)


def _outcome_from_name(name: str) -> Outcome | None:
    word = name.strip()
    source = f"first given name '{word}', as the NHS test harness"
    lowered = word.lower()
    if lowered == "noresponse":
        return Outcome(suppress=True, source=source)
    if lowered == "invrep":
        return Outcome(defect="malformed", source=source)
    if len(word) == 5 and word.upper().startswith("IB") and word[2:].isdigit():
        code = f"30{word[2:]}"
        if catalogue().response(code) is not None:
            return Outcome(business=code, source=source)
        return None
    if catalogue().response(word) is not None:
        return _outcome(word, source)
    return None


def first_given_names(view: MessageView) -> list[str]:
    """The first given name of every Patient and Practitioner in the message, in order."""
    names = []
    for node in view.bundle.iter():
        if node.kind == RESOURCE and node.name in ("Patient", "Practitioner"):
            for name in node.children_named("name"):
                given = name.child("given")
                if given is not None and given.value:
                    names.append(given.value)
                    break
    return names


def business_outcome(settings: ReceiverSettings, view: MessageView) -> BusinessOutcome:
    """The business code for an accepted message: an NHS number rule, else the default."""
    for number in nhs_numbers(view):
        code = settings.outcome_for_nhs_number(number)
        if code is not None:
            return BusinessOutcome(code, "rule for the patient's NHS number")
    return BusinessOutcome(settings.business_code, "the receiver's default business outcome")


def nhs_numbers(view: MessageView) -> list[str]:
    """The NHS numbers of the Patients in the message, in order."""
    found = []
    for node in view.bundle.iter():
        if node.kind == RESOURCE and node.name == "Patient":
            for ident in node.children_named("identifier"):
                value = ident.value_at("value")
                if ident.value_at("system") == NHS_NUMBER_SYSTEM and value:
                    found.append(value)
    return found


def document_ids(view: MessageView) -> tuple[str, ...]:
    """Identities of the document Bundles the message carries (``id:...``, ``identifier:...``)."""
    found: list[str] = []
    for entry in view.entries[1:]:
        inner = entry.resource
        if inner is None or not is_bundle(inner) or inner.value_at("type") != "document":
            continue
        rid = inner.value_at("id")
        if rid:
            found.append(f"id:{rid}")
        value = inner.value_at("identifier.value")
        if value:
            found.append(f"identifier:{inner.value_at('identifier.system') or ''}|{value}")
    return tuple(found)


def remembered_ids(view: MessageView) -> tuple[str, ...]:
    """What a receiver remembers of an accepted message's documents: :func:`document_ids` and
    the Composition's identities a replacement may name (``composition:...``)."""
    return (*document_ids(view), *composition_ids(view))


def party_codes(party: Party | None) -> set[str]:
    """The identifier values (ODS codes, SDS ids) of a header party's resource."""
    return resource_codes(party.resource if party is not None else None)


def resource_codes(resource: Node | None) -> set[str]:
    """The identifier values (ODS codes, SDS ids) of an Organization or Practitioner."""
    if resource is None:
        return set()
    return {v.strip() for i in resource.children_named("identifier") if (v := i.value_at("value")) and v.strip()}


def receiver_findings(document: Document, view: MessageView, settings: ReceiverSettings, state: object) -> list[Issue]:
    """The findings only this receiver can make (see the module docstring)."""
    sink = IssueSink(document, "itk3")
    if not view.is_message:
        return []
    _check_definition(view, settings, sink)
    _check_sender(view, settings, sink)
    _check_recipient(view, settings, sink)
    _check_payload_recipients(view, settings, sink)
    if settings.check_duplicates:
        _check_duplicates(view, state, sink)
    if settings.replacements_need_original:
        _check_replacements(view, state, sink)
    return sink.issues


def supported_definitions(settings: ReceiverSettings) -> tuple[str, ...]:
    """The names of the MessageDefinitions the receiver supports (empty: every one).

    A receiver supports the Response definition always: it asks for Responses.
    """
    if not settings.supported_message_definitions:
        return ()
    urls = catalogue().urls
    listed = (*settings.supported_message_definitions, urls.response_message_definition)
    return tuple(dict.fromkeys(definition_name(u) for u in listed))


def _check_definition(view: MessageView, settings: ReceiverSettings, sink: IssueSink) -> None:
    supported = supported_definitions(settings)
    found = view.handling.get("MessageDefinition")
    url = (found.value or "").strip() if found is not None else ""
    if not supported or found is None or found.value_element != "valueReference":
        return  # every definition supported, or the key unreadable: the handling checks (10004) speak
    if not url.startswith(catalogue().urls.message_definition_prefix):
        return
    name = definition_name(url)
    legacy = definition_name(catalogue().urls.response_message_definition_legacy)
    if name in supported or name == legacy:
        return
    node = found.node.find("valueReference.reference") or found.node
    versions = [s for s in supported if definition_stem(s) == definition_stem(name)]
    if versions:
        sink.add(
            "error",
            "receiver-msgdef-version",
            f"MessageDefinition {name} is a version this receiver does not support; it supports {', '.join(versions)}",
            node,
            hint="name a version the receiver supports, or add this one to supported_message_definitions",
            itk_code="10005",
        )
        return
    sink.add(
        "error",
        "receiver-msgdef-unsupported",
        f"this receiver does not support the message type of MessageDefinition {name}",
        node,
        hint="send a message type the receiver supports, or add it to supported_message_definitions",
        itk_code="10004",
    )


def _check_sender(view: MessageView, settings: ReceiverSettings, sink: IssueSink) -> None:
    sender = view.sender
    codes = party_codes(sender)
    if sender is None or not codes:
        return  # no sender, or one that cannot be told: the header checks (20006) speak
    shown = ", ".join(sorted(codes))
    kind = "person" if sender.resource is not None and sender.resource.name == "Practitioner" else "ODS"
    if settings.known_senders and not codes & set(settings.known_senders):
        sink.add(
            "error",
            "receiver-sender-unknown",
            f"sender {kind} {shown} is not in the known senders list",
            sender.node,
            hint="add it to known_senders, or send from a known sender",
            itk_code="20003",
        )
    if codes & set(settings.unauthorised_senders):
        sink.add(
            "error",
            "receiver-sender-unauthorised",
            f"sender {kind} {shown} is on this receiver's unauthorised senders list",
            sender.node,
            hint="remove it from unauthorised_senders",
            itk_code="20012",
        )


def _check_recipient(view: MessageView, settings: ReceiverSettings, sink: IssueSink) -> None:
    receiver = view.receiver
    if receiver is None or receiver.resource is None:
        return  # the header names no recipient (MESH routed it): nothing to check
    codes = party_codes(receiver)
    shown = ", ".join(sorted(codes)) or "(no identifier)"
    kind = receiver.resource.name
    known = {"Practitioner": settings.known_recipient_persons, "Organization": settings.known_recipient_organisations}
    listed = known.get(kind)
    if not listed or codes & set(listed):
        return
    if kind == "Practitioner":
        rule, what, key, code = "receiver-recipient-person-unknown", "person", "known_recipient_persons", "20001"
    else:
        rule, what, key, code = (
            "receiver-recipient-organisation-unknown",
            "organisation",
            "known_recipient_organisations",
            "20002",
        )
    sink.add(
        "error",
        rule,
        f"recipient {what} {shown} is not served by this receiver",
        receiver.node,
        hint=f"name a {what} this receiver serves, or add it to {key}",
        itk_code=code,
    )


def _check_payload_recipients(view: MessageView, settings: ReceiverSettings, sink: IssueSink) -> None:
    lists = {  # kind: (setting, what it lists, the code for one not listed)
        "organisation": ("known_recipient_organisations", settings.known_recipient_organisations, "20010"),
        "person": ("known_recipient_persons", settings.known_recipient_persons, "20011"),
    }
    if not any(listed for _, listed, _ in lists.values()):
        return
    for recipient in payload_recipients(view):
        key, listed, code = lists[recipient.kind]
        codes = resource_codes(recipient.resource)
        if not listed or codes & set(listed):
            continue
        shown = ", ".join(sorted(codes)) or "(no identifier)"
        sink.add(
            "error",
            f"receiver-payload-recipient-{recipient.kind}-unknown",
            f"the payload names the recipient {recipient.kind} {shown}, which this receiver does not serve",
            recipient.extension,
            hint=f"name a {recipient.kind} this receiver serves, or add it to {key}",
            itk_code=code,
        )


def _check_replacements(view: MessageView, state: object, sink: IssueSink) -> None:
    seen: set[str] = getattr(state, "document_ids", set())
    for replacement in replacements(view):
        wanted = replaced_id(replacement)
        if wanted is None or wanted in seen:
            continue  # naming no document is a content fault: the validator says so (20014)
        sink.add(
            "error",
            "receiver-replacement-original-unknown",
            f"the document replaces {replacement.target}, a document this receiver has not received: "
            "there is nothing to replace",
            replacement.relates_to,
            hint="send the original document first, or turn off replacements_need_original",
            itk_code="20014",
        )


def _check_duplicates(view: MessageView, state: object, sink: IssueSink) -> None:
    seen_messages: set[str] = getattr(state, "message_ids", set())
    seen_documents: set[str] = getattr(state, "document_ids", set())
    message_id = view.message_id
    if message_id and message_id in seen_messages and view.header is not None:
        sink.add(
            "error",
            "receiver-duplicate-message",
            f"a message with MessageHeader.id {message_id} was already received and processed",
            view.header.child("id") or view.header,
            hint="give every message a fresh MessageHeader.id",
            itk_code="20007",
        )
    for identity in document_ids(view):
        if identity in seen_documents:
            what = identity.split(":", 1)
            sink.add(
                "error",
                "receiver-duplicate-document",
                f"a document with this {'Bundle.id' if what[0] == 'id' else 'Bundle.identifier'} was already processed",
                view.payload if view.payload is not None else view.header,
                hint="send a new document (new Bundle id and identifier), or a replacement",
                itk_code="20008",
            )
            break


def adjust_attachments(issues: list[Issue], view: MessageView, settings: ReceiverSettings) -> list[Issue]:
    """Apply the receiver's own approved attachment list instead of the catalogue's (20004).

    With the default list the validator's findings stand. Otherwise its ``itk-attachment-type``
    findings on types this receiver approves are dropped, and types it does not approve (but
    the catalogue does) get a ``receiver-attachment-type`` finding.
    """
    if not settings.customised_approval:
        return issues
    approved = set(settings.approved)
    nodes_ok = set()
    extra: list[Issue] = []
    for attachment in view.attachments:
        bare = (attachment.content_type or "").split(";", 1)[0].strip().lower()
        if not bare:
            continue
        node = attachment.node
        if bare in approved:
            nodes_ok.add(id(node))
            nodes_ok.update(id(c) for c in node.children)
        elif catalogue().is_approved_content_type(bare):
            extra.append(
                Issue(
                    "error",
                    "itk3",
                    "receiver-attachment-type",
                    f"attachment type {bare} is not on this receiver's approved list",
                    "send one of " + ", ".join(settings.approved),
                    node_path(node),
                    itk_code="20004",
                    node=node,
                )
            )
    kept = [i for i in issues if not (i.rule == "itk-attachment-type" and id(i.node) in nodes_ok)]
    return [*kept, *extra]


def diagnostics_for(code: str, issues: list[Issue], outcome: Outcome) -> str | None:
    """``issue.diagnostics`` for a Response: rule names and element paths only, no values.

    Values from the message could be patient-identifiable (FHIR-BA-02), so none is quoted.
    """
    if outcome.applies and code in (outcome.infrastructure, outcome.business):
        return "Outcome forced by the receiver's test settings."
    found = catalogue().response(code)
    if found is None or found.positive or found.is_business:
        return None
    for issue in issues:
        if issue.itk_code == code and issue.is_error:
            where = f" at {issue.path}" if issue.path else ""
            return f"Rejected by rule {issue.rule}{where}."
    return None
