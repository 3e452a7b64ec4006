"""What every validation layer gets: the document, its ITK3 view, the loaded profiles."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from workbench.core.itk3.view import MessageView, message_view
from workbench.core.tree import Document, Node
from workbench.core.validation.issue import IssueSink, Layer

if TYPE_CHECKING:
    from workbench.core.validation.profiles.registry import ProfileRegistry


@dataclass
class ValidationContext:
    """Inputs shared by the layers for one document.

    Attributes:
        document: the document being validated.
        registry: StructureDefinitions, ValueSets and CodeSystems available (None: base only).
        profiles: profile URLs the user asked to validate against, besides meta.profile and
            the MessageDefinition's.
        options: layer-specific settings (receiver settings for the ITK3 layer, for instance).
        layers: the layers that run (empty when unknown), so that one layer can leave a finding
            to another.
    """

    document: Document
    registry: ProfileRegistry | None = None
    profiles: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    layers: tuple[str, ...] = ()

    @cached_property
    def view(self) -> MessageView:
        """The ITK3 view of the document, read once."""
        return message_view(self.document)

    def sink(self, layer: Layer) -> IssueSink:
        """A sink that records issues of ``layer`` with paths and positions."""
        return IssueSink(self.document, layer)

    @cached_property
    def header_nodes(self) -> frozenset[int]:
        """ids of the resources a receiver treats as the ITK header (not the payload)."""
        view = self.view
        ids = {id(view.bundle)}
        if view.header is not None:
            ids.add(id(view.header))
        for party in (view.sender, view.receiver):
            if party is not None and party.resource is not None:
                ids.add(id(party.resource))
        if view.is_response and view.payload is not None:
            ids.add(id(view.payload))  # a Response's OperationOutcome is part of the header
        return frozenset(ids)

    def region(self, node: Node | None) -> str:
        """Where a node sits for a receiver: ``handling``, ``header``, ``payload`` or ``none``.

        The outer Bundle's own elements, the MessageHeader and the header Organization and
        Practitioner are the header (20006); the handling extension has its own codes (100xx);
        everything else a message carries is payload (20009).
        """
        if node is None or not self.view.is_message:
            return "none"
        handling = self.view.handling_extension
        current: Node | None = node
        while current is not None:
            if current is handling:
                return "handling"
            if current.kind == 1 and current.parent is not None:  # a resource inside the message
                return "header" if id(current) in self.header_nodes else "payload"
            current = current.parent
        return "header"
