"""The children an element may get, and the new element with what it must contain.

:func:`child_options` is what the tree's Add ▸ menu lists for a node: every element its STU3
type defines (in STU3 order, choice variants each on their own), with the cardinality the base
specification and the profiles its resource claims give it, how many there are, and whether the
maximum is reached (the menu disables those); then, for each sliced element, the profiles'
slices: named extensions (with their ``url``) and identifier slices (with their ``system``).
Elements a profile forbids (``0..0``) are listed as forbidden, so a menu can say why.

:func:`add_child` is the edit that adds one: a complex element comes with what it must contain
(its required children, recursively, fixed values such as an extension's ``url`` or a
Coding's ``system`` filled in, a choice made when only one type is allowed); primitives the user
must fill are left without a value for the value editor.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.core import stu3
from workbench.core.compose.profiled import (
    claimed,
    definitions_of,
    fixed_children,
    fixed_value,
    into_profile,
    named,
    slice_matches,
    slice_url,
)
from workbench.core.edits import EditError, InsertNode
from workbench.core.stu3.typeinfo import type_of
from workbench.core.tree import ELEMENT, RESOURCE, XHTML, Document, Node
from workbench.core.validation.profiles.model import ElementDefn
from workbench.core.validation.profiles.registry import ProfileRegistry

#: How deep required content is built (a profile could otherwise recurse through Extension).
_MAX_DEPTH = 6
_EMPTY_DIV = '<div xmlns="http://www.w3.org/1999/xhtml"></div>'


@dataclass(frozen=True, slots=True)
class ChildOption:
    """One child an element may get.

    Attributes:
        name: the element name (``identifier``, ``valueBoolean``, ``extension``).
        type: its FHIR type, when known.
        min, max: cardinality (``max`` None for ``*``; 0 when forbidden).
        count: how many the element has now.
        slice_name: the profile slice (``InfAckRequested``, ``odsOrganizationCode``), if any.
        url: the extension url a slice fixes.
        fixed: (child, value) pairs a slice fixes (an identifier's ``system``).
        source: where the constraint comes from: ``STU3`` or the profile's name.
        short: the STU3 short definition, for a tooltip.
        choice: the choice group (``value`` for ``valueString``), if any.
        taken: another variant of the choice group is present.
        definitions: the profile elements constraining it (for building it).
    """

    name: str
    type: str | None
    min: int
    max: int | None
    count: int
    slice_name: str | None = None
    url: str | None = None
    fixed: tuple[tuple[str, str], ...] = ()
    source: str = "STU3"
    short: str | None = None
    choice: str | None = None
    taken: bool = False
    definitions: tuple[ElementDefn, ...] = ()

    @property
    def label(self) -> str:
        """``identifier``, ``extension: InfAckRequested``, ``identifier: odsOrganizationCode``."""
        return f"{self.name}: {self.slice_name}" if self.slice_name else self.name

    @property
    def cardinality(self) -> str:
        """``0..1``, ``1..*``."""
        return f"{self.min}..{'*' if self.max is None else self.max}"

    @property
    def forbidden(self) -> bool:
        """True when a profile sets the maximum to 0."""
        return self.max == 0

    @property
    def at_max(self) -> bool:
        """True when no more may be added (the maximum is reached, or the choice is taken)."""
        return self.taken or (self.max is not None and self.count >= self.max)

    @property
    def enabled(self) -> bool:
        """True when one can be added."""
        return not self.forbidden and not self.at_max

    @property
    def missing(self) -> bool:
        """True when there are fewer than the minimum."""
        return self.count < self.min

    @property
    def why_not(self) -> str | None:
        """Why it cannot be added (None when it can)."""
        if self.forbidden:
            return f"{self.source} does not allow {self.label} here (0..0)"
        if self.taken:
            return f"another {self.choice}[x] type is already there"
        if self.at_max:
            return f"{self.label} is already there {self.count} time(s), the most {self.cardinality} allows"
        return None


def child_options(node: Node, registry: ProfileRegistry | None = None) -> list[ChildOption]:
    """What Add ▸ offers for ``node`` (see the module docstring); [] for comments and narrative."""
    if node.kind not in (ELEMENT, RESOURCE):
        return []
    type_name = type_of(node)
    definitions = definitions_of(node, registry)
    source = _source_name(node, registry) if definitions else "STU3"
    type_def = stu3.type_def(type_name) if type_name else None
    if type_def is None:  # a primitive or an element STU3 does not know: only extensions
        elements = {"extension": stu3.element_def("Element", "extension")} if type_name else {}
    else:
        elements = dict(type_def.elements)
    options: list[ChildOption] = []
    present_choice = {e.choice for e in elements.values() if e is not None and e.choice and node.child(e.name)}
    narrowed = _narrowed_choices(elements, definitions)
    for name, element in elements.items():
        if element is None or _attribute(node, name, type_name):
            continue
        if element.choice in narrowed and name not in narrowed[element.choice]:
            continue  # a profile narrows value[x]: the other types are not offered
        constraints = [c for d in definitions if (c := named(d, name)) is not None]
        high = _most(element, constraints)
        if element.choice and high == 0:
            continue  # a type of a choice the profiles forbid: not worth a row of its own
        low = max([element.min, *(c.min for c in constraints if not c.choice_prefix)])
        if element.choice and narrowed.get(element.choice) == {name}:
            low = max([low, *(c.min for c in constraints)])
        count = len(node.children_named(name))
        taken = bool(element.choice) and element.choice in present_choice and count == 0
        short = stu3.definition(type_name or "", name)
        options.append(
            ChildOption(
                name,
                element.type,
                low,
                high,
                count,
                source=source if constraints else "STU3",
                short=short[0] if short else None,
                choice=element.choice,
                taken=taken,
                definitions=tuple(constraints),
            )
        )
        for constraint in constraints:
            options.extend(_slices(node, name, constraint, registry, source))
    return options


def _narrowed_choices(
    elements: dict[str, stu3.ElementDef | None], definitions: list[ElementDefn]
) -> dict[str, set[str]]:
    """Choice groups the profiles narrow, with the variants they allow."""
    narrowed: dict[str, set[str]] = {}
    groups = {e.choice for e in elements.values() if e is not None and e.choice}
    for group in groups:
        variants = [n for n, e in elements.items() if e is not None and e.choice == group]
        for definition in definitions:
            exact = {v for v in variants if v in definition.by_name}
            wide = [c for c in definition.choice_children if c.choice_prefix == group]
            allowed = exact | {v for v in variants for c in wide if _choice_allows(c, v)}
            if exact or wide:
                narrowed[group] = allowed if group not in narrowed else narrowed[group] & allowed
    return narrowed


def _attribute(node: Node, name: str, type_name: str | None) -> bool:
    """True for what the tree keeps as a node attribute, not a child: an element's id, an extension's url."""
    if node.kind == ELEMENT and name == "id":
        return True
    return name == "url" and type_name == "Extension"


def _choice_allows(definition: ElementDefn, name: str) -> bool:
    prefix = definition.choice_prefix or ""
    suffix = name[len(prefix) :]
    return not definition.types or any(t.code[:1].upper() + t.code[1:] == suffix for t in definition.types)


def _most(element: stu3.ElementDef, constraints: list[ElementDefn]) -> int | None:
    limits = [c.max for c in constraints if c.max is not None]
    if not element.max_many:
        limits.append(1)
    return min(limits) if limits else None


def _slices(
    node: Node, name: str, constraint: ElementDefn, registry: ProfileRegistry | None, source: str
) -> list[ChildOption]:
    found = []
    present = node.children_named(name)
    for piece in constraint.slices:
        own = into_profile(piece, registry)
        found.append(
            ChildOption(
                name,
                piece.types[0].code if piece.types else None,
                piece.min,
                piece.max,
                sum(1 for p in present if slice_matches(piece, p)),
                slice_name=piece.slice_name,
                url=slice_url(piece) if name in ("extension", "modifierExtension") else None,
                fixed=tuple((n, v) for n, v in fixed_children(piece) if n != "url"),
                source=source,
                short=None,
                definitions=(piece,) if own is piece else (piece, own),
            )
        )
    return found


def _source_name(node: Node, registry: ProfileRegistry | None) -> str:
    owner = node.owning_resource()
    found = claimed(owner, registry) if owner is not None else []
    return ", ".join(s.title for s in found) or "STU3"


# ---- building ------------------------------------------------------------------------------


def add_child(
    document: Document, parent: Node, option: ChildOption, registry: ProfileRegistry | None = None
) -> InsertNode:
    """The edit that adds ``option`` to ``parent``, with what it must contain.

    Raises:
        EditError: the option cannot be added (forbidden, or at its maximum).
    """
    why = option.why_not
    if why is not None:
        raise EditError(f"cannot add {option.label}: {why}")
    node = build_element(option.name, option.type, list(option.definitions), registry, 0)
    if option.url:
        node.url = option.url
    for child, value in option.fixed:
        if node.child(child) is None:
            put_in_order(node, option.type, Node(child, value=value))
    index = None
    if option.slice_name is not None:
        same = parent.children_named(option.name)
        index = same[-1].index_in_parent() + 1 if same else None
    return InsertNode(parent, node, document, index=index, description=f"Add {option.label}")


def build_element(
    name: str, type_name: str | None, definitions: list[ElementDefn], registry: ProfileRegistry | None, depth: int
) -> Node:
    """A new ``name`` element of ``type_name`` with its required content (see the module docstring)."""
    if type_name == "xhtml":
        return Node("div", XHTML, _EMPTY_DIV)
    node = Node(name)
    for definition in definitions:
        value = fixed_value(definition)
        if value is not None and stu3.PRIMITIVE_JSON_KIND.get(type_name or ""):
            node.value = value
    type_def = stu3.type_def(type_name) if type_name else None
    if type_def is None or depth >= _MAX_DEPTH:
        return node
    done_choices: set[str] = set()
    for child_name, element in type_def.elements.items():
        if child_name == "id" or (child_name == "url" and type_name == "Extension"):
            if child_name == "url":
                node.url = next((v for d in definitions if (c := d.child("url")) and (v := fixed_value(c))), node.url)
            continue
        constraints = [c for d in definitions if (c := named(d, child_name)) is not None]
        if element.choice:
            if element.choice in done_choices:
                continue
            done_choices.add(element.choice)
            chosen = _choice_to_build(element.choice, element.choice_required, definitions, type_def)
            if chosen is None:
                continue
            element, constraints = chosen
            child_name = element.name
        least = max([element.min, *(c.min for c in constraints)])
        for _ in range(least):
            put_in_order(node, type_name, build_element(child_name, element.type, constraints, registry, depth + 1))
        for constraint in constraints:
            for piece in constraint.slices:
                for _ in range(piece.min):
                    put_in_order(node, type_name, _build_slice(child_name, element.type, piece, registry, depth + 1))
    return node


def _build_slice(name: str, type_name: str, piece: ElementDefn, registry: ProfileRegistry | None, depth: int) -> Node:
    own = into_profile(piece, registry)
    child = build_element(name, type_name, [piece] if own is piece else [piece, own], registry, depth)
    if name in ("extension", "modifierExtension"):
        child.url = slice_url(piece)
    for sub, value in fixed_children(piece):
        if child.child(sub) is None and not (sub == "url" and type_name == "Extension"):
            put_in_order(child, type_name, Node(sub, value=value))
    return child


def _choice_to_build(
    group: str, required: bool, definitions: list[ElementDefn], type_def: stu3.TypeDef
) -> tuple[stu3.ElementDef, list[ElementDefn]] | None:
    """The one variant of a choice group to add: the group is required and one type is allowed."""
    variants = type_def.choice_variants(group)
    wide = [c for d in definitions for c in d.choice_children if c.choice_prefix == group]
    exact = {v.name: [c for d in definitions for c in d.by_name.get(v.name, ())] for v in variants}
    required = required or any(c.min > 0 for c in wide) or any(c.min > 0 for cs in exact.values() for c in cs)
    if not required:
        return None
    named_ones = [v for v in variants if exact[v.name]]
    allowed = named_ones or [v for v in variants if all(_choice_allows(c, v.name) for c in wide)]
    if len(allowed) > 1:  # any type will do: a string, as the ITK LocalExtension default
        allowed = [v for v in allowed if v.type == "string"]
    if len(allowed) != 1:
        return None
    chosen = allowed[0]
    return chosen, exact[chosen.name] or wide


def put_in_order(parent: Node, type_name: str | None, child: Node) -> None:
    """Add ``child`` to ``parent`` (of ``type_name``) after the siblings STU3 puts before it."""
    type_def = stu3.type_def(type_name) if type_name else None
    order = type_def.elements if type_def is not None else {}
    mine = order.get(child.name)
    index = len(parent.children)
    if mine is not None:
        index = 0
        for i, sibling in enumerate(parent.children):
            found = order.get(sibling.name)
            if found is not None and found.order <= mine.order:
                index = i + 1
    child.parent = parent
    parent.children.insert(index, child)


__all__ = ["ChildOption", "add_child", "build_element", "child_options", "put_in_order"]
