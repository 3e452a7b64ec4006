"""Type-aware value editing: what editor a primitive gets, and checking a value before it is set.

:func:`editor_for` describes the editor of a primitive element (or of a new child): a check box
for a boolean, a list for a code from its bound value set (closed when the binding is required
and every code is known), a date, dateTime, instant or time field (with "now"), a number field,
a reference chosen from the fullUrls of the Bundle around it, base64 taken from a file, or text
(with the profile's length limit). :meth:`ValueEditor.check` refuses invalid input with a
message before it reaches the tree: the lexical rules of the STU3 schema, what FHIR adds (an
instant's time zone), fixed values, length limits, closed code lists.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from workbench.core import stu3
from workbench.core.bundle import BundleIndex, is_bundle
from workbench.core.clock import Clock, SystemClock, instant
from workbench.core.codecs import read_file_bytes
from workbench.core.compose.events import sendable_event
from workbench.core.compose.profiled import definitions_of, fixed_value, named
from workbench.core.compose.skeleton import ComposeError
from workbench.core.edits import Compound, Edit, InsertNode, SetValue
from workbench.core.errors import ReadError
from workbench.core.itk3.view import describe_resource
from workbench.core.stu3.typeinfo import type_of
from workbench.core.tree import Document, Node
from workbench.core.validation.primitives import check_value as lexical_problem
from workbench.core.validation.primitives import stricter_than_schema
from workbench.core.validation.profiles.bindings import expand
from workbench.core.validation.profiles.model import ElementDefn
from workbench.core.validation.profiles.registry import ProfileRegistry

_TEMPORAL = ("date", "dateTime", "instant", "time")
_NUMBERS = ("integer", "decimal", "positiveInt", "unsignedInt")
#: How many choices a refusal message names before it says "...".
_SHOWN = 8


@dataclass(frozen=True, slots=True)
class Choice:
    """One value a list offers: a code (with its system and display) or a reference (with its target)."""

    value: str
    display: str | None = None
    system: str | None = None

    @property
    def label(self) -> str:
        """``FA For Action``, ``urn:uuid:... (Organization X26 (ODS organisation code))``."""
        return f"{self.value} {self.display}" if self.display else self.value


@dataclass(frozen=True, slots=True)
class ValueCheck:
    """The verdict on a value: refused (with why), or accepted (perhaps with a warning)."""

    ok: bool
    value: str
    message: str | None = None

    @property
    def warning(self) -> str | None:
        """A note on an accepted value (trailing spaces, a reference nothing in the Bundle has)."""
        return self.message if self.ok else None


@dataclass(frozen=True, slots=True)
class ValueEditor:
    """How a primitive is edited.

    Attributes:
        name: the element name.
        type: its FHIR type (``boolean``, ``code``, ``instant``), when known.
        kind: the editor: ``boolean``, ``choice``, ``date``, ``dateTime``, ``instant``, ``time``,
            ``number``, ``reference``, ``base64`` or ``text``.
        choices: the codes or fullUrls a list offers.
        closed: True when only a choice is accepted (a required binding with every code known).
        max_length: the most characters a profile allows, if any.
        fixed: the value a profile fixes, if any.
        binding: the value set the codes come from, if any.
    """

    name: str
    type: str | None
    kind: str
    choices: tuple[Choice, ...] = ()
    closed: bool = False
    max_length: int | None = None
    fixed: str | None = None
    binding: str | None = None

    @property
    def has_now(self) -> bool:
        """True for date, dateTime, instant and time: the editor offers "now"."""
        return self.kind in _TEMPORAL

    def now(self, clock: Clock | None = None) -> str:
        """The current moment as this type writes it (``instant``: with its time zone)."""
        moment = (clock or SystemClock()).now()
        if self.kind == "date":
            return moment.date().isoformat()
        if self.kind == "time":
            return moment.time().replace(microsecond=0).isoformat()
        return instant(moment.replace(microsecond=(moment.microsecond // 1000) * 1000))

    def check(self, text: str) -> ValueCheck:
        """Accept or refuse ``text`` as this element's value (see the module docstring)."""
        label = self.name
        if text == "":
            return ValueCheck(False, text, f"{label} cannot be empty: delete the element instead")
        if self.fixed is not None and text != self.fixed:
            return ValueCheck(False, text, f"the profile fixes {label} to '{self.fixed}'")
        if self.type:
            problem = lexical_problem(self.type, text)
            if problem is not None:
                return ValueCheck(False, text, f"'{_short(text)}' {problem}")
            stricter = stricter_than_schema(self.type, text)
            if stricter is not None:
                if self.type in ("string", "markdown"):
                    return ValueCheck(True, text, f"'{_short(text)}' {stricter}")
                return ValueCheck(False, text, f"'{_short(text)}' {stricter}")
        if self.max_length is not None and len(text) > self.max_length:
            return ValueCheck(False, text, f"{label} has {len(text)} characters; the most is {self.max_length}")
        values = [c.value for c in self.choices]
        if self.closed and text not in values:
            shown = ", ".join(c.label for c in self.choices[:_SHOWN]) + (", ..." if len(values) > _SHOWN else "")
            return ValueCheck(False, text, f"'{_short(text)}' is not one of the allowed codes: {shown}")
        if self.kind == "reference" and text not in values and not text.startswith("#"):
            return ValueCheck(True, text, f"no entry of this Bundle has the fullUrl {text}")
        return ValueCheck(True, text)


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def editor_for(node: Node, document: Document, registry: ProfileRegistry | None = None) -> ValueEditor:
    """The editor of the primitive ``node`` (see :class:`ValueEditor`)."""
    if node.parent is None:
        return ValueEditor(node.name, None, "text")
    return editor_for_child(node.parent, node.name, document, registry)


def editor_for_child(
    parent: Node,
    name: str,
    document: Document,
    registry: ProfileRegistry | None = None,
) -> ValueEditor:
    """The editor of a ``name`` child of ``parent`` (new or existing; the syntax does not matter)."""
    parent_type = type_of(parent)
    element = stu3.element_def(parent_type, name) if parent_type else None
    type_name = element.type if element is not None else None
    constraints = [c for d in definitions_of(parent, registry) if (c := named(d, name)) is not None]
    fixed = next((v for c in constraints if (v := fixed_value(c)) is not None), None)
    max_length = min((c.max_length for c in constraints if c.max_length), default=None)
    if type_name == "boolean":
        return ValueEditor(name, type_name, "boolean", (Choice("true"), Choice("false")), True, fixed=fixed)
    definitions = _message_definitions(parent) if name == "reference" else None
    if definitions is not None:
        return ValueEditor(name, type_name, "choice", definitions, False, max_length, fixed)
    if name == "reference" and parent_type == "Reference":
        return ValueEditor(name, type_name, "reference", _references(parent), False, max_length, fixed)
    choices, closed, binding = _codes(parent, name, element, constraints, registry)
    if choices:
        return ValueEditor(name, type_name, "choice", choices, closed, max_length, fixed, binding)
    if type_name in _TEMPORAL:
        return ValueEditor(name, type_name, type_name, max_length=max_length, fixed=fixed)
    if type_name in _NUMBERS:
        return ValueEditor(name, type_name, "number", max_length=max_length, fixed=fixed)
    if type_name == "base64Binary":
        return ValueEditor(name, type_name, "base64", fixed=fixed)
    return ValueEditor(name, type_name, "text", max_length=max_length, fixed=fixed)


def _codes(
    parent: Node,
    name: str,
    element: stu3.ElementDef | None,
    constraints: list[ElementDefn],
    registry: ProfileRegistry | None,
) -> tuple[tuple[Choice, ...], bool, str | None]:
    """The codes a code element may take: its own binding, or its Coding's (with system)."""
    bindings = [c.binding for c in constraints if c.binding is not None and c.binding.value_set]
    system = None
    if not bindings and name == "code" and type_of(parent) == "Coding" and parent.parent is not None:
        holder = [c for d in definitions_of(parent.parent, registry) if (c := named(d, parent.name)) is not None]
        own = [c for d in definitions_of(parent, registry) if (c := named(d, "system")) is not None]
        system = next((v for c in own if (v := fixed_value(c)) is not None), None) or parent.value_at("system")
        bindings = [c.binding for c in holder if c.binding is not None and c.binding.value_set]
    for binding in bindings:
        expansion = expand(registry, binding.value_set) if registry is not None and binding.value_set else None
        if expansion is None or not expansion.codes:
            continue
        found = tuple(
            Choice(code, display, code_system)
            for (code_system, code), display in expansion.codes.items()
            if system is None or code_system == system
        )
        if found:
            closed = binding.strength == "required" and not expansion.unverifiable
            return found, closed, binding.value_set
    if element is not None and element.codes:
        return tuple(Choice(c) for c in sorted(element.codes)), True, None
    return (), False, None


def _message_definitions(reference: Node) -> tuple[Choice, ...] | None:
    """For the MessageDefinition handling key: the definitions that fit the header's event."""
    key = reference.parent
    if reference.name != "valueReference" or key is None or key.url != "MessageDefinition":
        return None
    header = reference.owning_resource()
    event = sendable_event(header.value_at("event.code") or "") if header is not None else None
    if event is None:
        return ()
    return tuple(Choice(d.url, d.label) for d in event.definitions)


def _references(reference: Node) -> tuple[Choice, ...]:
    """The fullUrls of the Bundle around ``reference``, described by what they hold."""
    owner = reference.owning_resource()
    bundle: Node | None = None
    current = owner
    while current is not None and bundle is None:
        holder = current.parent
        entry = holder.parent if holder is not None else None
        candidate = entry.parent if entry is not None else None
        if entry is not None and entry.name == "entry" and is_bundle(candidate):
            bundle = candidate
        current = candidate.owning_resource() if candidate is not None and bundle is None else None
    if bundle is None:
        return ()
    element = reference.parent
    definition = (
        stu3.element_def(type_of(element.parent) or "", element.name)
        if element is not None and element.parent is not None
        else None
    )
    targets = set(definition.targets) if definition is not None and definition.targets else set()
    targets.discard("Resource")
    choices = []
    for entry in BundleIndex(bundle).entries:
        if entry.full_url and entry.resource is not None and entry.resource is not owner:
            if targets and entry.resource.name not in targets:
                continue
            choices.append(Choice(entry.full_url, describe_resource(entry.resource)))
    return tuple(choices)


def check_value(node: Node, text: str, document: Document, registry: ProfileRegistry | None = None) -> ValueCheck:
    """Check ``text`` as the value of the primitive ``node``."""
    return editor_for(node, document, registry).check(text)


def set_checked(node: Node, text: str, document: Document, registry: ProfileRegistry | None = None) -> SetValue:
    """The edit that sets a checked value.

    Raises:
        ComposeError: the value is refused (the message says why).
    """
    verdict = check_value(node, text, document, registry)
    if not verdict.ok:
        raise ComposeError(verdict.message or f"{text!r} cannot be the value of {node.name}")
    return SetValue(node, text, document)


def choose_code(document: Document, coding: Node, choice: Choice) -> Edit:
    """The one edit that puts a code choice into a Coding: code, and its display and system."""
    edits: list[Edit] = []
    for name, value in (("system", choice.system), ("code", choice.value), ("display", choice.display)):
        if value is None:
            continue
        found = coding.child(name)
        if found is None:
            edits.append(InsertNode(coding, Node(name, value=value), document))
        elif found.value != value:
            edits.append(SetValue(found, value, document))
    if not edits:
        raise ComposeError(f"{coding.name} already holds {choice.label}")
    return Compound(edits, f"Set {coding.name} to {choice.label}")


def base64_of_file(path: str | Path) -> str:
    """A file's bytes as base64 (for a base64Binary element).

    Raises:
        ComposeError: the file cannot be read (the message names it).
    """
    try:
        data = read_file_bytes(path)
    except ReadError as exc:
        raise ComposeError(str(exc)) from None
    return base64.b64encode(data).decode("ascii")
