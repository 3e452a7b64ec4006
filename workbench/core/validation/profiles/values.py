"""Instance navigation and value matching for the profile engine.

In the tree an extension's ``url`` and an element's ``id`` are attributes of the node, not
children; a snapshot lists them as elements (``Extension.url`` with ``fixedUri``). The helpers
here present them as (virtual) child nodes, so cardinality, fixed values and discriminators treat
them like any other element. Fixed values must match exactly; pattern values are a subset match
(every element the pattern has must be in the instance with the same value; the instance may
have more).
"""

from __future__ import annotations

from workbench.core import stu3
from workbench.core.tree import COMMENT, ELEMENT, RESOURCE, Node
from workbench.core.validation.profiles.model import Value


def _is_type_name(suffix: str) -> bool:
    """True when ``suffix`` (``Quantity``, ``String``) names a FHIR type, as choice names use."""
    if not suffix or not suffix[0].isupper():
        return False
    return suffix[0].lower() + suffix[1:] in stu3.PRIMITIVE_JSON_KIND or stu3.type_def(suffix) is not None


def choice_type(name: str, prefix: str) -> str | None:
    """The type a choice variant names (``valueQuantity`` → ``Quantity``, ``valueString`` →
    ``string``), or None when ``name`` is not a variant of ``prefix``."""
    if not name.startswith(prefix):
        return None
    suffix = name[len(prefix) :]
    if not _is_type_name(suffix):
        return None
    lowered = suffix[0].lower() + suffix[1:]
    return lowered if lowered in stu3.PRIMITIVE_JSON_KIND else suffix


def virtual(parent: Node, name: str, value: str | None) -> list[Node]:
    """A detached node standing for an attribute (``url``, ``id``) as an element."""
    if value is None:
        return []
    node = Node(name, ELEMENT, value)
    node.parent = parent
    node.src = -1
    return [node]


def group_children(node: Node) -> dict[str, list[Node]]:
    """The element children of a node by name."""
    groups: dict[str, list[Node]] = {}
    for child in node.children:
        if child.kind == COMMENT:
            continue
        found = groups.get(child.name)
        if found is None:
            groups[child.name] = [child]
        else:
            found.append(child)
    return groups


def children_at(node: Node, name: str) -> list[Node]:
    """The children of ``node`` named ``name`` (``url``/``id`` included as virtual nodes)."""
    content = node.resource() if node.kind == ELEMENT and node.children else None
    base = content or node
    if name == "url" and base.kind != RESOURCE:
        return virtual(base, "url", base.url)
    if name == "id" and base.kind != RESOURCE:
        return virtual(base, "id", base.id)
    return base.children_named(name)


def matches(value: Value, node: Node, exact: bool) -> bool:
    """True when ``node`` matches a fixed (``exact``) or pattern value."""
    if value.value is not None and node.value != value.value:
        return False
    if value.value is None and not value.children:
        return True
    names = set()
    for name, child_value in value.children:
        names.add(name)
        candidates = children_at(node, name)
        if not any(matches(child_value, c, exact) for c in candidates):
            return False
    if exact:
        for child in node.children:
            if child.kind != COMMENT and child.name not in names:
                return False
        for name in names:
            if len(children_at(node, name)) != len(value.child_values(name)):
                return False
    return True


def describe(node: Node) -> str:
    """A short rendering of an instance value for messages."""
    if node.value is not None and not node.children:
        text = node.value
        return text if len(text) <= 120 else text[:117] + "..."
    parts = []
    for child in node.children:
        if child.kind == COMMENT or len(parts) >= 4:
            continue
        inner = child.value if child.value is not None else "(…)"
        parts.append(f"{child.name}={inner}")
    return ", ".join(parts) or "(empty)"


def value_text(value: Value) -> str:
    """A short rendering of a fixed or pattern value for messages."""
    text = value.text()
    return text if len(text) <= 160 else text[:157] + "..."
