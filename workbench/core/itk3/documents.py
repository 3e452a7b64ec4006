"""What a document payload says of its delivery: the recipients it names, the document it replaces.

Both are read from the document's Composition (the first entry of the payload document Bundle),
as the real ITK3 payloads carry them:

* :func:`payload_recipients` - each ``Extension-ITK-InformationRecipient-1`` (a reference to the
  Practitioner, PractitionerRole or Organization the document is for, as in the eDischarge
  examples), resolved to the Organizations and Practitioners it names. A receiver that does not
  serve one answers 20010 (an organisation) or 20011 (a person) (FACTS §5.2 step 5).
* :func:`replacements` - each ``relatesTo`` with code ``replaces`` and the identity of the
  document it replaces (``targetIdentifier.value``, else the id a ``targetReference`` ends in),
  as the ToC replacement example does. A receiver that cannot process one answers 20014.
* :func:`composition_ids` - the identities a replacement may name this document by.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.core.bundle import BundleIndex
from workbench.core.catalogue import catalogue
from workbench.core.itk3.view import MessageView
from workbench.core.tree import Node

#: Resources a payload recipient resolves to, and what each is in words.
RECIPIENT_KINDS = {"Organization": "organisation", "Practitioner": "person"}


@dataclass(frozen=True, slots=True)
class PayloadRecipient:
    """A recipient the payload names.

    Attributes:
        extension: the InformationRecipient extension naming it.
        resource: the Organization or Practitioner it resolves to.
    """

    extension: Node
    resource: Node

    @property
    def kind(self) -> str:
        """``organisation`` or ``person``."""
        return RECIPIENT_KINDS[self.resource.name]


@dataclass(frozen=True, slots=True)
class Replacement:
    """A document the payload replaces.

    Attributes:
        relates_to: the Composition's ``relatesTo`` element.
        target: the replaced document's identity, or None when it names none.
    """

    relates_to: Node
    target: str | None


def payload_recipients(view: MessageView) -> list[PayloadRecipient]:
    """The Organizations and Practitioners the document's Composition names as its recipients.

    A PractitionerRole stands for its practitioner and its organisation; references that do not
    resolve (in the document, else the message) are left to the reference checks.
    """
    composition = view.composition
    if composition is None or view.payload is None:
        return []
    url = catalogue().urls.information_recipient_extension
    indexes = [BundleIndex(view.payload), *([view.index] if view.index is not None else [])]
    found = []
    for extension in composition.children_named("extension"):
        if extension.url != url:
            continue
        for resource in _resolve(indexes, extension.value_at("valueReference.reference"), extension):
            if resource.name == "PractitionerRole":
                for part in ("practitioner", "organization"):
                    found.extend(
                        PayloadRecipient(extension, r)
                        for r in _resolve(indexes, resource.value_at(f"{part}.reference"), resource)
                        if r.name in RECIPIENT_KINDS
                    )
            elif resource.name in RECIPIENT_KINDS:
                found.append(PayloadRecipient(extension, resource))
    return found


def _resolve(indexes: list[BundleIndex], reference: str | None, source: Node) -> list[Node]:
    for index in indexes:
        found = index.resolve(reference, source)
        if found.resource is not None:
            return [found.resource]
    return []


def replacements(view: MessageView) -> list[Replacement]:
    """The documents the payload's Composition says it replaces (``relatesTo.code = replaces``)."""
    composition = view.composition
    if composition is None:
        return []
    found = []
    for relates in composition.children_named("relatesTo"):
        if (relates.value_at("code") or "").strip() != "replaces":
            continue
        target = (
            relates.value_at("targetIdentifier.value")
            or _last_segment(relates.value_at("targetReference.reference"))
            or relates.value_at("targetReference.identifier.value")
        )
        found.append(Replacement(relates, target.strip() if target and target.strip() else None))
    return found


def composition_ids(view: MessageView) -> tuple[str, ...]:
    """``composition:<value>`` for the document Composition's identifier value and id."""
    composition = view.composition
    if composition is None:
        return ()
    values = [composition.value_at("identifier.value"), composition.value_at("id")]
    return tuple(f"composition:{v.strip()}" for v in values if v and v.strip())


def replaced_id(replacement: Replacement) -> str | None:
    """The identity a receiver remembers the replaced document by (see :func:`composition_ids`)."""
    return f"composition:{replacement.target}" if replacement.target else None


def _last_segment(reference: str | None) -> str | None:
    """``Composition/abc`` and ``urn:uuid:abc`` -> ``abc``."""
    if not reference:
        return None
    return reference.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1] or None
