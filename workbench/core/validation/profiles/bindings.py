"""Terminology: expanding ValueSets from what the registry holds, and checking codes against them.

A ValueSet is expanded from its ``expansion`` if it has one, else from ``compose``: listed
concepts, whole code systems the registry has (all their codes), other value sets. What cannot be
enumerated here (a whole system the workbench does not have, such as SNOMED CT, LOINC or dm+d,
an include with a ``filter``, a value set that is not loaded) makes codes of that system
*unverifiable*: they are reported as "not verified", never passed silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.core.validation.profiles.model import Concept, ValueSetDef
from workbench.core.validation.profiles.registry import ProfileRegistry

#: Plain names of code systems the workbench cannot hold.
SYSTEM_NAMES = {
    "http://snomed.info/sct": "SNOMED CT",
    "http://loinc.org": "LOINC",
    "https://dmd.nhs.uk": "dm+d",
    "http://unitsofmeasure.org": "UCUM",
    "http://hl7.org/fhir/sid/icd-10": "ICD-10",
    "http://read.info/readv2": "Read v2",
    "http://read.info/ctv3": "Read CTV3",
    "urn:ietf:bcp:47": "BCP-47 language tags",
    "urn:ietf:bcp:13": "MIME types",
}


@dataclass
class Expansion:
    """What a ValueSet allows, as far as the registry can tell.

    Attributes:
        value_set: the ValueSet.
        codes: allowed (system, code) pairs and their displays.
        by_code: allowed codes without their system (for plain ``code`` elements).
        unverifiable: systems whose codes cannot be enumerated here, with the reason.
        case_insensitive: systems whose codes compare without case.
    """

    value_set: ValueSetDef
    codes: dict[tuple[str, str], str | None] = field(default_factory=dict)
    by_code: dict[str, str] = field(default_factory=dict)
    unverifiable: dict[str, str] = field(default_factory=dict)
    case_insensitive: set[str] = field(default_factory=set)

    def add(self, concept: Concept) -> None:
        """Allow one concept."""
        self.codes.setdefault((concept.system, concept.code), concept.display)
        self.by_code.setdefault(concept.code, concept.system)

    def allowed_text(self, limit: int = 8) -> str | None:
        """The allowed codes in words (``FA (For Action), FI (For Information)``), when few."""
        if self.unverifiable or not self.codes or len(self.codes) > limit:
            return None
        return ", ".join(f"{code} ({display})" if display else code for (_, code), display in self.codes.items())


@dataclass(frozen=True, slots=True)
class Verdict:
    """The result of checking one code.

    Attributes:
        status: ``ok``, ``invalid``, ``unverified`` or ``no-code``.
        reason: why (for invalid and unverified).
        display: the display the code system gives the code, when known.
        system: the system concerned.
    """

    status: str
    reason: str = ""
    display: str | None = None
    system: str | None = None


def expand(registry: ProfileRegistry, url: str) -> Expansion | None:
    """Expand a ValueSet by URL (cached in the registry); None when it is not loaded."""
    cached = registry.expansions.get(url)
    if isinstance(cached, Expansion):
        return cached
    value_set = registry.value_set(url)
    if value_set is None:
        return None
    expansion = Expansion(value_set)
    registry.expansions[url] = expansion  # before recursing: a cycle ends here
    _fill(registry, value_set, expansion, depth=0)
    return expansion


def _fill(registry: ProfileRegistry, value_set: ValueSetDef, out: Expansion, depth: int) -> None:
    if value_set.expansion is not None and value_set.expansion:
        for concept in value_set.expansion:
            out.add(concept)
        return
    excluded = {(c.system, c.code) for inc in value_set.excludes for c in inc.concepts}
    for include in value_set.includes:
        system = include.system
        if system:
            code_system = registry.code_system(system)
            if code_system is not None and not code_system.case_sensitive:
                out.case_insensitive.add(system)
            if include.concepts:
                for concept in include.concepts:
                    if (concept.system, concept.code) not in excluded:
                        display = concept.display
                        if display is None and code_system is not None:
                            display = code_system.concepts.get(concept.code)
                        out.add(Concept(system, concept.code, display))
            elif include.filtered:
                out.unverifiable.setdefault(
                    system, "the value set selects its codes with a filter the workbench does not evaluate"
                )
            elif code_system is None:
                name = SYSTEM_NAMES.get(system, system)
                out.unverifiable.setdefault(system, f"the workbench does not have the code system {name}")
            else:
                for code, display in code_system.concepts.items():
                    if (system, code) not in excluded:
                        out.add(Concept(system, code, display))
                if not code_system.complete:
                    out.unverifiable.setdefault(system, f"the code system {code_system.title} is only partly published")
        for other in include.value_sets:
            nested = registry.value_set(other)
            if nested is None:
                out.unverifiable.setdefault("*", f"the value set it includes, {other}, is not loaded")
            elif depth < 8:
                _fill(registry, nested, out, depth + 1)


def check_code(expansion: Expansion, system: str | None, code: str | None) -> Verdict:
    """Check one (system, code) against an expansion."""
    if not code:
        return Verdict("no-code")
    if system is None:
        if code in expansion.by_code:
            return Verdict(
                "ok", system=expansion.by_code[code], display=expansion.codes.get((expansion.by_code[code], code))
            )
        if expansion.unverifiable:
            return Verdict("unverified", next(iter(expansion.unverifiable.values())))
        return Verdict("invalid", "it is not one of the value set's codes")
    key = (system, code)
    if key in expansion.codes:
        return Verdict("ok", display=expansion.codes[key], system=system)
    if system in expansion.case_insensitive:
        lowered = code.lower()
        for (known_system, known_code), display in expansion.codes.items():
            if known_system == system and known_code.lower() == lowered:
                return Verdict("ok", display=display, system=system)
    if system in expansion.unverifiable:
        return Verdict("unverified", expansion.unverifiable[system], system=system)
    if "*" in expansion.unverifiable:
        return Verdict("unverified", expansion.unverifiable["*"], system=system)
    systems = {s for s, _ in expansion.codes}
    if system in systems:
        return Verdict("invalid", f"code '{code}' is not in the value set (system {system})", system=system)
    allowed = ", ".join(sorted(systems | set(expansion.unverifiable))) or "none"
    return Verdict("invalid", f"system {system} is not one the value set draws on ({allowed})", system=system)
