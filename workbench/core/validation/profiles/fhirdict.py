"""The element tree as FHIR JSON data (dicts and lists), for FHIRPath.

fhirpathpy evaluates expressions over JSON-shaped data. :class:`FhirData` converts a resource
once, with the STU3 type index deciding arrays and JSON types (booleans, integers, decimals as
:class:`~decimal.Decimal` so ``72.50`` keeps its digits), and remembers which dict stands for
which tree node, so an invariant on any element can be evaluated on that element's own object
without converting again.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from workbench.core import stu3
from workbench.core.stu3.typeinfo import type_of
from workbench.core.tree import (
    COMMENT,
    FROM_JSON_ARRAY,
    RESOURCE,
    XHTML,
    JsonLiteral,
    JsonNumber,
    Node,
)

_INTEGER_TYPES = frozenset({"integer", "unsignedInt", "positiveInt"})


class FhirData:
    """Converts resources to FHIR JSON data, once each, and finds the object of any element."""

    def __init__(self) -> None:
        self._objects: dict[int, Any] = {}

    def of(self, node: Node) -> Any:
        """The JSON data of a resource or element node (converted on first use).

        A resource is converted whole; an element inside a resource that has been converted
        comes from that conversion; any other element is converted on its own.
        """
        found = self._objects.get(id(node))
        if found is not None:
            return found
        if node.kind == RESOURCE:
            return self._object(node, node.name)
        owner = node.owning_resource()
        if owner is not None and id(owner) not in self._objects:
            self._object(owner, owner.name)
            found = self._objects.get(id(node))
            if found is not None:
                return found
        if node.kind == XHTML or (node.value is not None and not node.children):
            return node.value
        return self._object(node, type_of(node))

    def _object(self, node: Node, type_name: str | None, register: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if register:
            self._objects[id(node)] = out
        if node.kind == RESOURCE:
            out["resourceType"] = node.name
        else:
            if node.id is not None:
                out["id"] = node.id
            if node.url is not None:
                out["url"] = node.url
        groups: dict[str, list[Node]] = {}
        for child in node.children:
            if child.kind == COMMENT:
                continue
            group = groups.get(child.name)
            if group is None:
                groups[child.name] = [child]
            else:
                group.append(child)
        elements = None
        if type_name is not None:
            definition = stu3.type_def(type_name)
            elements = definition.elements if definition is not None else None
        for name, nodes in groups.items():
            found = elements.get(name) if elements is not None else None
            many = found.max_many if found is not None else (len(nodes) > 1 or bool(nodes[0].flags & FROM_JSON_ARRAY))
            self._group(out, name, nodes, found, many)
        return out

    def _group(
        self, out: dict[str, Any], name: str, nodes: list[Node], found: stu3.ElementDef | None, many: bool
    ) -> None:
        first = nodes[0]
        if first.kind == XHTML:
            values: list[Any] = [n.value for n in nodes]
            out[name] = values if many else values[0]
            return
        primitive = found.is_primitive if found is not None else (first.value is not None and not _complex(first))
        if primitive:
            kind = found.type if found is not None else None
            values = [_json_value(n.value, kind) for n in nodes]
            if any(v is not None for v in values):
                out[name] = values if many else values[0]
            companions = [self._companion(n) for n in nodes]
            if any(c is not None for c in companions):
                out["_" + name] = companions if many else companions[0]
            return
        child_type = found.type if found is not None else None
        items = []
        for n in nodes:
            resource = n.resource() if n.children else None
            if resource is not None:
                items.append(self._object(resource, resource.name))
            else:
                items.append(self._object(n, child_type))
        out[name] = items if many else items[0]

    def _companion(self, node: Node) -> dict[str, Any] | None:
        if node.id is None and not node.children:
            return None
        return self._object(node, "Element", register=False)


def _complex(node: Node) -> bool:
    return any(c.kind != COMMENT for c in node.children)


def _json_value(value: str | None, kind: str | None) -> Any:
    if value is None:
        return None
    if kind is None:
        cls = value.__class__
        if cls is JsonLiteral:
            return value == "true"
        if cls is JsonNumber:
            return _number(value, None)
        return str(value)
    if kind == "boolean":
        return True if value == "true" else False if value == "false" else str(value)
    if kind == "decimal" or kind in _INTEGER_TYPES:
        return _number(value, kind)
    return str(value)


def _number(value: str, kind: str | None) -> Any:
    try:
        if kind in _INTEGER_TYPES or (kind is None and value.lstrip("-").isdigit()):
            return int(value)
        return Decimal(value)
    except (ValueError, InvalidOperation):
        return str(value)
