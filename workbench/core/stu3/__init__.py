"""FHIR STU3 type knowledge: element order, types, cardinality and definitions.

The index is generated from the fhir.resources STU3 classes by ``tools/gen_stu3.py`` and shipped
in ``resources/stu3``; reading it takes a few milliseconds, importing the classes takes seconds.
Type names are FHIR type codes (``code``, ``Quantity``, ``Resource``) or, for backbone elements,
the fhir.resources class name (``BundleEntry``, ``MessageHeaderSource``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from workbench.core.resources import resource_path

#: FHIR primitive type codes and how each is written in JSON.
PRIMITIVE_JSON_KIND: dict[str, str] = {
    "boolean": "boolean",
    "integer": "number",
    "unsignedInt": "number",
    "positiveInt": "number",
    "decimal": "number",
    "base64Binary": "string",
    "code": "string",
    "date": "string",
    "dateTime": "string",
    "id": "string",
    "instant": "string",
    "markdown": "string",
    "oid": "string",
    "string": "string",
    "time": "string",
    "uri": "string",
    "uuid": "string",
    "xhtml": "string",
}


@dataclass(frozen=True, slots=True)
class ElementDef:
    """One element of a type, as the base STU3 specification defines it.

    Attributes:
        name: the element's name in XML and JSON (a choice variant such as ``valueQuantity``
            is its own element whose ``choice`` is ``"value"``).
        type: the FHIR type code, or the backbone class name.
        min: minimum cardinality.
        max_many: True when the element repeats (``*``), which makes it a JSON array.
        choice: the choice group (``value`` for ``value[x]``), or None.
        choice_required: True when one variant of the choice group is required.
        targets: resource types a Reference may point to (empty for other types).
        order: position in the STU3 element sequence of the owning type.
        codes: the allowed codes when STU3 binds the element to a value set with required
            strength (``MessageHeader.response.code``: ok, transient-error, fatal-error).
    """

    name: str
    type: str
    min: int
    max_many: bool
    choice: str | None
    choice_required: bool
    targets: tuple[str, ...]
    order: int
    codes: frozenset[str] | None = None

    @property
    def is_primitive(self) -> bool:
        """True for FHIR primitive types (written as a value attribute in XML)."""
        return self.type in PRIMITIVE_JSON_KIND

    @property
    def json_kind(self) -> str:
        """``number``, ``boolean`` or ``string`` for primitives; ``object`` otherwise."""
        return PRIMITIVE_JSON_KIND.get(self.type, "object")

    @property
    def max_label(self) -> str:
        """The maximum cardinality as the specification writes it."""
        return "*" if self.max_many else "1"


@dataclass(frozen=True, slots=True)
class TypeDef:
    """A resource, datatype or backbone element type.

    Attributes:
        name: the type name.
        kind: ``resource``, ``complex`` (datatype) or ``backbone``.
        elements: element definitions keyed by name, in STU3 order.
    """

    name: str
    kind: str
    elements: dict[str, ElementDef]

    @property
    def is_resource(self) -> bool:
        """True for resource types (including the abstract Resource and DomainResource)."""
        return self.kind == "resource"

    def choice_variants(self, group: str) -> list[ElementDef]:
        """Return the elements of a choice group (``value`` gives ``valueString`` etc.)."""
        return [e for e in self.elements.values() if e.choice == group]


@cache
def _index() -> dict[str, TypeDef]:
    with resource_path("stu3", "types.json").open("rb") as handle:
        raw = json.load(handle)["types"]
    index: dict[str, TypeDef] = {}
    for name, spec in raw.items():
        elements: dict[str, ElementDef] = {}
        codes = spec.get("codes", {})
        for order, row in enumerate(spec["elements"]):
            element, type_code, minimum, maximum = row[:4]
            choice = row[4] if len(row) > 4 else None
            choice_required = bool(row[5]) if len(row) > 5 else False
            targets = tuple(row[6]) if len(row) > 6 else ()
            allowed = frozenset(codes[element]) if element in codes else None
            elements[element] = ElementDef(
                element, type_code, minimum, maximum == "*", choice, choice_required, targets, order, allowed
            )
        index[name] = TypeDef(name, spec["kind"], elements)
    return index


def type_def(name: str) -> TypeDef | None:
    """Return the definition of a type, or None when STU3 has no such type."""
    return _index().get(name)


def element_def(type_name: str, element: str) -> ElementDef | None:
    """Return one element of a type, or None when the type or element is unknown."""
    found = _index().get(type_name)
    return found.elements.get(element) if found is not None else None


def is_resource_type(name: str) -> bool:
    """True when ``name`` is a concrete STU3 resource type (not Resource or DomainResource)."""
    found = _index().get(name)
    return found is not None and found.kind == "resource" and name not in ABSTRACT_RESOURCES


@cache
def _types_by_element() -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for definition in _index().values():
        for name, element in definition.elements.items():
            found.setdefault(name, set()).add(element.type)
    return {name: frozenset(types) for name, types in found.items()}


def types_of_element(name: str) -> frozenset[str]:
    """The types an element of this name has wherever STU3 defines one (``entry``: BundleEntry, ...)."""
    return _types_by_element().get(name, frozenset())


def resource_types() -> list[str]:
    """Return the names of all concrete STU3 resource types, sorted."""
    return sorted(n for n, t in _index().items() if t.kind == "resource" and n not in ABSTRACT_RESOURCES)


ABSTRACT_RESOURCES = frozenset({"Resource", "DomainResource"})


@cache
def _definitions() -> dict[str, list[str]]:
    with resource_path("stu3", "definitions.json").open("rb") as handle:
        return json.load(handle)


def definition(type_name: str, element: str | None = None) -> tuple[str, str] | None:
    """Return (short text, definition) of an element, or of the type itself when no element."""
    found = _definitions().get(f"{type_name}.{element}" if element else type_name)
    return (found[0], found[1]) if found else None
