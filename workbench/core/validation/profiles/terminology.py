"""Bindings on elements: codes against the profile's ValueSet (layer ``terminology``).

Severity follows the binding strength: a code outside a *required* value set is an error, outside
an *extensible* one a warning, outside a *preferred* or *example* one information. Codes that
cannot be verified here (SNOMED CT and other systems the workbench does not have, filtered
includes, value sets that are not loaded) are reported as information "not verified", summarised
once per value set and system so a large document does not flood the list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.core.stu3.paths import node_path
from workbench.core.stu3.typeinfo import element_def_of
from workbench.core.tree import COMMENT, Node
from workbench.core.validation.issue import Severity
from workbench.core.validation.profiles.bindings import (
    SYSTEM_NAMES,
    Verdict,
    check_code,
    expand,
)
from workbench.core.validation.profiles.model import ElementDefn, StructureDef
from workbench.core.validation.profiles.protocol import RunContext

_SEVERITY: dict[str, Severity] = {"required": "error", "extensible": "warning"}
_CORE_VALUE_SETS = "http://hl7.org/fhir/ValueSet/"


@dataclass
class _Note:
    node: Node
    reason: str
    strength: str
    value_set: str
    system: str | None
    codes: list[str] = field(default_factory=list)
    count: int = 0


class Unverified:
    """Codes that could not be verified, gathered per (value set, system) and reported once."""

    def __init__(self) -> None:
        self._notes: dict[tuple[str, str | None], _Note] = {}

    def add(self, value_set: str, system: str | None, node: Node, code: str | None, reason: str, strength: str) -> None:
        """Remember one code that was not verified."""
        key = (value_set, system)
        note = self._notes.get(key)
        if note is None:
            note = self._notes[key] = _Note(node, reason, strength, value_set, system)
        note.count += 1
        if code and code not in note.codes and len(note.codes) < 5:
            note.codes.append(code)

    def emit(self, run: RunContext) -> None:
        """Turn the gathered notes into information issues (once)."""
        notes, self._notes = self._notes, {}
        for note in notes.values():
            name = run.registry.value_set(note.value_set)
            title = name.title if name is not None else note.value_set
            system = SYSTEM_NAMES.get(note.system or "", note.system)
            if note.count == 1:
                what = f"{node_path(note.node)}: code '{note.codes[0] if note.codes else '?'}'"
                what += f" ({system})" if system else ""
                message = f"{what} bound to {title} ({note.strength}) was not verified: {note.reason}"
            else:
                examples = ", ".join(note.codes)
                message = (
                    f"{note.count} codes{' from ' + system if system else ''} bound to {title} ({note.strength}) "
                    f"were not verified: {note.reason} (first at {node_path(note.node)}; codes {examples})"
                )
            run.add(
                "terminology",
                "information",
                "term-not-verified",
                message,
                note.node,
                hint="check these codes with a terminology server, or load the code system",
            )


def _codings(node: Node) -> tuple[list[tuple[str | None, str | None, str | None]], bool]:
    """(system, code, display) of what an element carries, and whether it is a CodeableConcept."""
    names = {c.name for c in node.children if c.kind != COMMENT}
    if "coding" in names or ("text" in names and "code" not in names):
        found = [
            (c.value_at("system"), c.value_at("code"), c.value_at("display")) for c in node.children_named("coding")
        ]
        return found, True
    if "code" in names or "system" in names:
        return [(node.value_at("system"), node.value_at("code"), node.value_at("display"))], False
    if node.value is not None:
        return [(None, node.value, None)], False
    return [], False


def check_binding(run: RunContext, definition: ElementDefn, node: Node, prof: StructureDef) -> None:
    """Check the codes of ``node`` against the binding of ``definition``."""
    binding = definition.binding
    if binding is None or not binding.value_set:
        return
    strength = binding.strength
    codings, concept = _codings(node)
    url = binding.value_set
    expansion = expand(run.registry, url)
    if expansion is None:
        if strength in _SEVERITY and codings and not run.in_trial and not _structure_checks(url, node):
            for _system, code, _ in codings:
                run.unverified.add(url, None, node, code, "the value set is not loaded", strength)
        return
    verdicts = [(system, code, display, check_code(expansion, system, code)) for system, code, display in codings]
    good = [v for v in verdicts if v[3].status == "ok"]
    if good:
        for _system, code, display, verdict in good:
            if display and verdict.display and display.strip() != verdict.display.strip():
                run.add(
                    "terminology",
                    "information",
                    "term-display",
                    f"{node_path(node)}: display '{display}' of code '{code}' differs from the code system's "
                    f"'{verdict.display}'",
                    node,
                    hint=f"use the display '{verdict.display}'",
                )
        return
    if not [v for v in verdicts if v[1]]:
        if concept and strength == "required" and codings == []:
            run.add(
                "terminology",
                "error",
                "term-required",
                f"{node_path(node)} has no code, but {prof.title} requires one from {expansion.value_set.title}",
                node,
                hint="add a coding from the value set",
            )
        return
    unverified = [v for v in verdicts if v[3].status == "unverified"]
    if unverified:
        if not run.in_trial:
            for system, code, _, verdict in unverified:
                run.unverified.add(url, system, node, code, verdict.reason, strength)
        return
    _invalid(
        run, definition, node, prof, expansion.value_set.title, [v for v in verdicts if v[1]], expansion.allowed_text()
    )


def _invalid(
    run: RunContext,
    definition: ElementDefn,
    node: Node,
    prof: StructureDef,
    title: str,
    verdicts: list[tuple[str | None, str | None, str | None, Verdict]],
    allowed: str | None,
) -> None:
    strength = definition.binding.strength if definition.binding is not None else "example"
    severity: Severity = _SEVERITY.get(strength, "information")
    shown = ", ".join(f"'{code}'" + (f" ({system})" if system else "") for system, code, _, _ in verdicts)
    reason = verdicts[0][3].reason
    message = f"{node_path(node)}: {shown} is not in ValueSet {title} ({strength} binding of {prof.title}): {reason}"
    hint = f"use one of {allowed}" if allowed else f"use a code from {title}"
    run.add("terminology", severity, f"term-{strength}", message, node, hint=hint)


def _structure_checks(url: str, node: Node) -> bool:
    """True when the structure layer already checks this binding (a core STU3 required one)."""
    if not url.startswith(_CORE_VALUE_SETS):
        return False
    base = element_def_of(node)
    return base is not None and base.codes is not None
