"""What the profile engine's helper modules need of a validation run, as a narrow protocol.

:mod:`.checks`, :mod:`.slicing` and :mod:`.terminology` check one aspect of an element and report
through the run that called them; they see it only through :class:`RunContext`, so they never
import the engine back (:class:`~.engine.Run` is the one implementation).
"""

from __future__ import annotations

from typing import Protocol

from workbench.core.tree import Node
from workbench.core.validation.issue import Layer, Severity
from workbench.core.validation.profiles.model import ElementDefn, StructureDef
from workbench.core.validation.profiles.registry import ProfileRegistry


class CodeNotes(Protocol):
    """Codes that could not be verified, gathered to be reported once."""

    def add(self, value_set: str, system: str | None, node: Node, code: str | None, reason: str, strength: str) -> None:
        """Remember one code that was not verified."""
        ...


class RunContext(Protocol):
    """One validation of a document's resources against profiles, as its helpers see it."""

    registry: ProfileRegistry
    unverified: CodeNotes

    @property
    def in_trial(self) -> bool:
        """True while a conformance trial runs (findings are counted, not recorded)."""
        ...

    def add(
        self,
        layer: Layer,
        severity: Severity,
        rule: str,
        message: str,
        node: Node | None,
        hint: str | None = None,
        path: str | None = None,
    ) -> None:
        """Record a finding."""
        ...

    def profile(
        self,
        severity: Severity,
        rule: str,
        message: str,
        node: Node | None,
        hint: str | None = None,
        path: str | None = None,
    ) -> None:
        """Record a finding of the profile layer."""
        ...

    def once(self, key: object) -> bool:
        """True the first time ``key`` is seen in this run."""
        ...

    def not_loaded(self, url: str, node: Node, what: str) -> None:
        """Say once per run that a profile is not loaded."""
        ...

    def apply(self, resource: Node, profile: StructureDef, reason: str = "") -> None:
        """Queue a resource for validation against a profile."""
        ...

    def conforms(self, node: Node, profile: StructureDef) -> bool:
        """Whether ``node`` conforms to ``profile`` (a trial: nothing is recorded)."""
        ...

    def conforms_to_element(self, definition: ElementDefn, node: Node) -> bool:
        """Whether ``node`` conforms to an element definition (a trial)."""
        ...

    def claims_or_conforms(self, node: Node, urls: list[str]) -> bool:
        """Whether ``node`` claims or conforms to one of the profiles."""
        ...

    def resolve(self, reference: Node) -> Node | None:
        """The resource a Reference leads to inside the message, if any."""
        ...

    def target_types(self, definition: ElementDefn) -> frozenset[str]:
        """The resource types a Reference element may point to."""
        ...

    def element(self, definition: ElementDefn, node: Node, prof: StructureDef) -> None:
        """Check ``node`` against an element definition and what it contains."""
        ...
