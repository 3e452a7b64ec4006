"""Where a node of a message sits in the profiles its resource claims.

:func:`definitions_of` walks from the resource owning a node down to the node through each
StructureDefinition the resource claims in ``meta.profile`` (and the registry holds), choosing
the slice an element belongs to (an extension by its ``url``, an identifier by its ``system``,
any slice by the fixed values its discriminators name) and following an extension into its own
definition. The result is the snapshot elements that constrain the node: what the child list,
the value editors and new elements read their cardinality, fixed values, bindings and length
limits from.
"""

from __future__ import annotations

from workbench.core.tree import ELEMENT, RESOURCE, Node
from workbench.core.validation.profiles.model import ElementDefn, StructureDef, Value
from workbench.core.validation.profiles.registry import ProfileRegistry


def claimed(resource: Node, registry: ProfileRegistry | None) -> list[StructureDef]:
    """The StructureDefinitions ``resource`` claims in ``meta.profile`` that the registry holds."""
    if registry is None or resource.kind != RESOURCE:
        return []
    meta = resource.child("meta")
    found = []
    for profile in meta.children_named("profile") if meta is not None else []:
        definition = registry.structure_definition(profile.value)
        if definition is not None and definition.type == resource.name:
            found.append(definition)
    return found


def definitions_of(node: Node, registry: ProfileRegistry | None) -> list[ElementDefn]:
    """The snapshot elements that constrain ``node`` (a resource gives its profiles' roots)."""
    owner = node.owning_resource()
    if owner is None or registry is None:
        return []
    steps: list[Node] = []
    current: Node | None = node
    while current is not None and current is not owner:
        steps.append(current)
        current = current.parent
    found = []
    for structure in claimed(owner, registry):
        definition: ElementDefn | None = structure.root
        for step in reversed(steps):
            definition = child_definition(definition, step, registry) if definition is not None else None
        if definition is not None:
            found.append(definition)
    return found


def child_definition(parent: ElementDefn, node: Node, registry: ProfileRegistry | None) -> ElementDefn | None:
    """The element of ``parent``'s definition that ``node`` (a child of its instance) matches."""
    base = named(parent, node.name)
    if base is None or node.kind != ELEMENT:
        return None
    chosen = next((s for s in base.slices if slice_matches(s, node)), base)
    return into_profile(chosen, registry)


def named(parent: ElementDefn, name: str) -> ElementDefn | None:
    """``parent``'s child definition for an element called ``name`` (choice ``value[x]`` included)."""
    found = parent.by_name.get(name)
    if found:
        return found[0]
    for choice in parent.choice_children:
        prefix = choice.choice_prefix or ""
        rest = name[len(prefix) :]
        if name.startswith(prefix) and rest[:1].isupper() and _type_allowed(choice, rest):
            return choice
    return None


def _type_allowed(choice: ElementDefn, suffix: str) -> bool:
    return not choice.types or any(t.code[:1].upper() + t.code[1:] == suffix for t in choice.types)


def into_profile(definition: ElementDefn, registry: ProfileRegistry | None) -> ElementDefn:
    """An extension element's own definition (the root of its StructureDefinition), when loaded."""
    if registry is None or "Extension" not in definition.type_codes:
        return definition
    for code, profile in definition.type_profiles:
        if code == "Extension":
            structure = registry.structure_definition(profile)
            if structure is not None:
                return structure.root
    return definition


def slice_url(definition: ElementDefn) -> str | None:
    """The ``url`` an extension slice fixes (its own ``url`` child, or its extension profile)."""
    url_child = definition.child("url")
    if url_child is not None and url_child.fixed is not None and url_child.fixed.value:
        return url_child.fixed.value
    for code, profile in definition.type_profiles:
        if code == "Extension":
            return profile
    return None


def slice_matches(definition: ElementDefn, node: Node) -> bool:
    """True when ``node`` belongs to the slice ``definition``."""
    if node.name in ("extension", "modifierExtension"):
        return node.url is not None and node.url == slice_url(definition)
    fixed = fixed_children(definition)
    if not fixed:
        return False
    return all(node.value_at(path) == value for path, value in fixed)


def fixed_children(definition: ElementDefn) -> list[tuple[str, str]]:
    """(child name, value) of the primitive children a slice fixes (``system`` of an identifier)."""
    found = []
    for child in definition.children:
        value = fixed_value(child)
        if value is not None:
            found.append((child.name, value))
    return found


def fixed_value(definition: ElementDefn) -> str | None:
    """The primitive value an element fixes (or patterns), or None."""
    for value in (definition.fixed, definition.pattern):
        if isinstance(value, Value) and value.value is not None and not value.children:
            return value.value
    return None
