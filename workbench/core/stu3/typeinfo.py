"""Resolve the STU3 type of a node in the tree from its ancestors."""

from __future__ import annotations

from workbench.core import stu3
from workbench.core.tree import COMMENT, RESOURCE, XHTML, Node


def type_of(node: Node) -> str | None:
    """Return the STU3 type name of ``node`` (``Patient``, ``HumanName``, ``string``), or None.

    None means the type cannot be known: an element STU3 does not define, or anything below it.
    """
    if node.kind == RESOURCE:
        return node.name
    if node.kind == XHTML:
        return "xhtml"
    if node.kind == COMMENT or node.parent is None:
        return None
    parent_type = type_of(node.parent)
    if parent_type is None:
        return None
    definition = stu3.element_def(parent_type, node.name)
    return definition.type if definition is not None else None


def element_def_of(node: Node) -> stu3.ElementDef | None:
    """Return the STU3 definition of the element ``node`` is an instance of, or None."""
    if node.parent is None or node.kind in (RESOURCE, COMMENT):
        return None
    parent_type = type_of(node.parent)
    return stu3.element_def(parent_type, node.name) if parent_type else None
