"""STU3 element order, shared by the XML and JSON writers (``--normalise``)."""

from __future__ import annotations

from workbench.core import stu3
from workbench.core.tree import COMMENT, RESOURCE, XHTML, Node

_UNKNOWN = 1 << 20


def child_type(type_name: str | None, child: Node) -> str | None:
    """Return the STU3 type of ``child`` given its parent's type name."""
    if child.kind == RESOURCE:
        return child.name
    if child.kind == XHTML:
        return "xhtml"
    if type_name is None or child.kind == COMMENT:
        return None
    definition = stu3.element_def(type_name, child.name)
    return definition.type if definition is not None else None


def stu3_ordered(node: Node, type_name: str | None) -> list[Node]:
    """Return ``node``'s children in STU3 element order.

    Elements STU3 does not define keep their relative order after the known ones; a comment
    travels with the element that follows it; the sort is stable, so repeated elements keep
    their order.
    """
    children = node.children
    definition = stu3.type_def(type_name) if type_name else None
    if definition is None or len(children) < 2:
        return list(children)
    elements = definition.elements
    keyed: list[tuple[int, int, list[Node]]] = []
    pending: list[Node] = []
    for position, child in enumerate(children):
        pending.append(child)
        if child.kind == COMMENT:
            continue
        found = elements.get(child.name)
        keyed.append((found.order if found is not None else _UNKNOWN, position, pending))
        pending = []
    keyed.sort(key=lambda item: (item[0], item[1]))
    ordered = [n for _, _, group in keyed for n in group]
    ordered.extend(pending)  # comments after the last element stay last
    return ordered
