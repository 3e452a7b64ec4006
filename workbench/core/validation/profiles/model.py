"""Compiled conformance resources: light, immutable forms of StructureDefinitions and friends.

The loader turns each StructureDefinition snapshot into a tree of :class:`ElementDefn` (one per
listed element, slices hanging off the element they slice), each ValueSet, CodeSystem and
MessageDefinition into a small record. Everything here is frozen so compiled forms can be cached
and shared between registries and threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Where the core FHIR definitions live.
CORE_DEFINITIONS = "http://hl7.org/fhir/StructureDefinition/"


def core_type(url: str | None) -> str | None:
    """The base type a core definition URL names (``…/StructureDefinition/Patient`` → Patient);
    None for anything else, core extensions (``…/patient-birthTime``) included."""
    if not url or not url.startswith(CORE_DEFINITIONS):
        return None
    tail = url[len(CORE_DEFINITIONS) :]
    return tail if tail[:1].isupper() and "/" not in tail else None


@dataclass(frozen=True, slots=True)
class Value:
    """A fixed or pattern value (``fixedUri``, ``patternCodeableConcept``) as a small tree.

    Attributes:
        type: the FHIR type of the value (``uri``, ``CodeableConcept``; lower-case first letter
            for primitives as the element name gives it).
        value: the lexical value of a primitive, or None.
        children: (element name, Value) pairs of a complex value, in order.
    """

    type: str
    value: str | None = None
    children: tuple[tuple[str, Value], ...] = ()

    def child_values(self, name: str) -> list[Value]:
        """The values of the children named ``name``."""
        return [v for n, v in self.children if n == name]

    def text(self) -> str:
        """A compact human rendering: the value itself, or ``system=…, code=…``."""
        if not self.children:
            return self.value or ""
        parts = [f"{n}={v.text() if not v.children else '(' + v.text() + ')'}" for n, v in self.children]
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class TypeRef:
    """One ``ElementDefinition.type``.

    Attributes:
        code: the type code (``Reference``, ``Extension``, ``string``).
        profile: the profile the element must conform to, or None (STU3: one per type entry).
        target_profile: for a Reference, the profile its target must conform to, or None.
    """

    code: str
    profile: str | None = None
    target_profile: str | None = None


@dataclass(frozen=True, slots=True)
class Binding:
    """``ElementDefinition.binding``: strength and value set (STU3 valueSetReference/Uri)."""

    strength: str
    value_set: str | None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Constraint:
    """An invariant: ``ElementDefinition.constraint``."""

    key: str
    severity: str
    human: str
    expression: str | None


@dataclass(frozen=True, slots=True)
class Discriminator:
    """One slicing discriminator: ``value``, ``pattern``, ``type``, ``profile`` or ``exists``."""

    type: str
    path: str


@dataclass(frozen=True, slots=True)
class Slicing:
    """``ElementDefinition.slicing``."""

    discriminators: tuple[Discriminator, ...]
    rules: str = "open"
    ordered: bool = False
    description: str | None = None


@dataclass(frozen=True, slots=True, eq=False)
class ElementDefn:
    """One element of a profile's snapshot, with its children and slices.

    Attributes:
        id: the ElementDefinition id (``MessageHeader.extension:ITKMessageHandling``).
        path: the element path (``MessageHeader.extension``).
        name: the last step of the path (``extension``, ``value[x]``, ``valueCoding``).
        slice_name: the slice this definition describes, or None.
        min: minimum cardinality.
        max: maximum cardinality, None for ``*``.
        types: the allowed types.
        fixed: a fixed value, or None.
        pattern: a pattern value, or None.
        max_length: maximum length of a string value, or None.
        binding: the terminology binding, or None.
        constraints: the invariants.
        slicing: how the element is sliced, or None.
        slices: the slices, in snapshot order.
        children: the child elements the snapshot lists.
        content_ref: ``contentReference`` (``#Composition.section``): the children come from there.
        implicit: True for an element the snapshot does not list but whose descendants it does.
    """

    id: str
    path: str
    name: str
    slice_name: str | None = None
    min: int = 0
    max: int | None = None
    types: tuple[TypeRef, ...] = ()
    fixed: Value | None = None
    pattern: Value | None = None
    max_length: int | None = None
    binding: Binding | None = None
    constraints: tuple[Constraint, ...] = ()
    slicing: Slicing | None = None
    slices: tuple[ElementDefn, ...] = ()
    children: tuple[ElementDefn, ...] = ()
    content_ref: str | None = None
    implicit: bool = False
    choice_prefix: str | None = field(init=False, repr=False)
    type_codes: frozenset[str] = field(init=False, repr=False)
    type_profiles: tuple[tuple[str, str], ...] = field(init=False, repr=False)
    target_profiles: tuple[str, ...] = field(init=False, repr=False)
    by_name: dict[str, tuple[ElementDefn, ...]] = field(init=False, repr=False)
    choice_children: tuple[ElementDefn, ...] = field(init=False, repr=False)
    required: tuple[ElementDefn, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        """Derive what the engine asks of every instance once, at compile time.

        ``choice_prefix``: ``value`` for ``value[x]``; ``type_codes``: the allowed type codes;
        ``type_profiles``: (type code, profile) pairs other than the core definitions;
        ``target_profiles``: the Reference target profiles; ``by_name``: the children by
        name; ``choice_children``: the ``[x]`` children; ``required``: the children that must
        be looked at even when absent (a minimum, or slices).
        """
        put = object.__setattr__
        put(self, "choice_prefix", self.name[:-3] if self.name.endswith("[x]") else None)
        put(self, "type_codes", frozenset(t.code for t in self.types))
        put(
            self,
            "type_profiles",
            tuple(dict.fromkeys((t.code, t.profile) for t in self.types if t.profile and core_type(t.profile) is None)),
        )
        put(
            self,
            "target_profiles",
            tuple(dict.fromkeys(t.target_profile for t in self.types if t.code == "Reference" and t.target_profile)),
        )
        grouped: dict[str, list[ElementDefn]] = {}
        for child in self.children:
            grouped.setdefault(child.name, []).append(child)
        put(self, "by_name", {name: tuple(group) for name, group in grouped.items()})
        put(self, "choice_children", tuple(c for c in self.children if c.choice_prefix is not None))
        put(self, "required", tuple(c for c in self.children if c.min > 0 or c.slices))

    @property
    def max_label(self) -> str:
        """The maximum as the specification writes it."""
        return "*" if self.max is None else str(self.max)

    @property
    def label(self) -> str:
        """A short name for messages: ``extension[ITKMessageHandling]`` or ``event.system``."""
        return f"{self.name}[{self.slice_name}]" if self.slice_name else self.name

    def child(self, name: str) -> ElementDefn | None:
        """The child definition named exactly ``name``, or None."""
        for c in self.children:
            if c.name == name:
                return c
        return None


@dataclass(frozen=True, slots=True, eq=False)
class StructureDef:
    """A compiled StructureDefinition.

    Attributes:
        url: the canonical URL.
        version: the business version, or None.
        name: the name (``ITK-MessageHeader-2``).
        type: the type it constrains (``MessageHeader``, ``Extension``).
        kind: ``resource``, ``complex-type``, ``primitive-type`` or ``logical``.
        derivation: ``constraint`` or ``specialization``.
        base: the baseDefinition URL, or None.
        root: the root element (its children are the snapshot's elements).
        by_id: every element definition by id (for contentReference).
        source: the file it came from, if any.
    """

    url: str
    version: str | None
    name: str
    type: str
    kind: str
    derivation: str | None
    base: str | None
    root: ElementDefn
    by_id: dict[str, ElementDefn] = field(default_factory=dict)
    source: str | None = None

    @property
    def title(self) -> str:
        """The short name shown in messages: the last step of the URL (``ITK-MessageHeader-2``)."""
        return self.url.rstrip("/").rsplit("/", 1)[-1] or self.name


@dataclass(frozen=True, slots=True)
class Concept:
    """One code of a code system or value set."""

    system: str
    code: str
    display: str | None = None


@dataclass(frozen=True, slots=True)
class Include:
    """One ``compose.include`` (or ``exclude``) of a ValueSet.

    Attributes:
        system: the code system, or None when only value sets are included.
        concepts: the codes listed, empty when the whole system (or a filter) is meant.
        value_sets: value sets whose codes are included.
        filtered: True when the include has ``filter`` entries (not verifiable here).
    """

    system: str | None
    concepts: tuple[Concept, ...] = ()
    value_sets: tuple[str, ...] = ()
    filtered: bool = False


@dataclass(frozen=True, slots=True)
class ValueSetDef:
    """A compiled ValueSet: its compose and, if present, its expansion."""

    url: str
    version: str | None
    name: str
    includes: tuple[Include, ...] = ()
    excludes: tuple[Include, ...] = ()
    expansion: tuple[Concept, ...] | None = None
    source: str | None = None

    @property
    def title(self) -> str:
        """The short name shown in messages: the last step of the URL (``ITK-MessageHeader-2``)."""
        return self.url.rstrip("/").rsplit("/", 1)[-1] or self.name


@dataclass(frozen=True, slots=True)
class CodeSystemDef:
    """A compiled CodeSystem: its codes (nested concepts flattened) and displays."""

    url: str
    version: str | None
    name: str
    concepts: dict[str, str | None] = field(default_factory=dict)
    case_sensitive: bool = True
    complete: bool = True
    source: str | None = None

    @property
    def title(self) -> str:
        """The short name shown in messages: the last step of the URL (``ITK-MessageHeader-2``)."""
        return self.url.rstrip("/").rsplit("/", 1)[-1] or self.name


@dataclass(frozen=True, slots=True)
class FocusDef:
    """One ``MessageDefinition.focus``: a resource type and the profiles that describe it."""

    code: str
    profile: str | None
    assets: tuple[str, ...] = ()
    min: int = 0
    max: int | None = None


@dataclass(frozen=True, slots=True)
class MessageDefinitionDef:
    """A compiled MessageDefinition: event and focus.

    Attributes:
        url: canonical URL.
        version: business version.
        name: name.
        event_system: event.system.
        event_code: event.code.
        focus: the focus entries; ``assets`` lists the StructureDefinitions named by the NHS
            Extension-ITK-BundledAssets-1 extension on ``focus.profile``.
    """

    url: str
    version: str | None
    name: str
    event_system: str | None
    event_code: str | None
    focus: tuple[FocusDef, ...] = ()
    source: str | None = None

    @property
    def title(self) -> str:
        """The short name shown in messages: the last step of the URL (``ITK-MessageHeader-2``)."""
        return self.url.rstrip("/").rsplit("/", 1)[-1] or self.name

    @property
    def profiles(self) -> tuple[str, ...]:
        """Every StructureDefinition URL the focus names (profiles, then bundled assets)."""
        seen: dict[str, None] = {}
        for focus in self.focus:
            if focus.profile:
                seen.setdefault(focus.profile, None)
            for asset in focus.assets:
                seen.setdefault(asset, None)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class LoadProblem:
    """A file that could not be loaded, and why.

    Attributes:
        file: the file name.
        message: what is wrong, in plain words.
        line: 1-based line, if known.
        column: 1-based column, if known.
    """

    file: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
            if self.column is not None:
                where += f", column {self.column}"
        return f"{where}: {self.message}"


Conformance = StructureDef | ValueSetDef | CodeSystemDef | MessageDefinitionDef
