"""Layer 2: the base FHIR STU3 structure of every resource, nested ones included.

For each element: is it known to its type, in STU3 order (XML), within its cardinality, one
variant of a choice, a valid primitive value (and one of the codes when STU3 binds it to a
required value set), in the FHIR namespace (XML), written with the right JSON shape and type
(JSON)? Required elements present? Narrative XHTML allowed? The rules reproduce what the STU3 XML
schema checks, so this layer agrees with it; where FHIR is stricter than the schema the finding
is reported too, as an error of the base STU3 definitions (layer ``profile``, rules ``fhir-*``):
a choice given twice or missing, a resource container that is empty, an instant without a
time zone. One bad element gives one issue; the walk goes on.
"""

from __future__ import annotations

import difflib

from workbench.core import stu3
from workbench.core.pacing import pause_point
from workbench.core.tree import COMMENT, ELEMENT, FROM_JSON_ARRAY, RESOURCE, XHTML, JsonLiteral, JsonNumber, Node
from workbench.core.validation import primitives
from workbench.core.validation.context import ValidationContext
from workbench.core.validation.issue import Issue, IssueSink
from workbench.core.validation.xhtml import XHTML as XHTML_NS
from workbench.core.validation.xhtml import check_div

FHIR_NS = "http://hl7.org/fhir"
_XSI = ("xsi:schemaLocation", "xsi:noNamespaceSchemaLocation")
MAX_ISSUES = 500


def check(context: ValidationContext) -> list[Issue]:
    """Check the base STU3 structure of the document; return the issues."""
    walker = StructureWalker(context.sink("structure"), context.sink("profile"), context.document.format == "xml")
    walker.root(context.document.root)
    return walker.sink.issues + walker.base.issues


class _Stop(Exception):
    """Raised when a document has so many problems that listing more would not help."""


class StructureWalker:
    """Walks a tree top-down with type knowledge, recording findings in two sinks.

    ``sink`` gets what the STU3 schema rejects (layer structure), ``base`` what only the base
    definitions reject (layer profile). :meth:`element` is called for every element with its
    STU3 definition: subclasses may override it to skip or replay parts of the tree (the
    incremental validator does, for Bundle entries that did not change).
    """

    def __init__(self, sink: IssueSink, base: IssueSink, xml: bool) -> None:
        self.sink = sink  # what the STU3 schema rejects
        self.base = base  # what only the base STU3 definitions reject
        self.xml = xml

    def fhir(self, rule: str, message: str, node: Node, hint: str | None = None, severity: str = "error") -> None:
        """A base-definition finding the STU3 schema does not check (layer profile)."""
        self.base.add(severity, rule, message + " (a rule of the base FHIR definition)", node, hint=hint)  # type: ignore[arg-type]

    def error(self, rule: str, message: str, node: Node, hint: str | None = None, severity: str = "error") -> None:
        self.sink.add(severity, rule, message, node, hint=hint)  # type: ignore[arg-type]
        if len(self.sink.issues) >= MAX_ISSUES:
            self.sink.add("information", "struct-too-many", f"stopped after {MAX_ISSUES} structure issues", None)
            raise _Stop

    def root(self, root: Node) -> None:
        try:
            scope = self._scope({"": FHIR_NS} if not self.xml else {}, root)
            if root.kind != RESOURCE:
                self.error(
                    "struct-root",
                    f"the root element '{root.name}' is not a FHIR resource",
                    root,
                    "a FHIR document's root must be a resource such as Bundle, in the FHIR namespace",
                )
                return
            self.resource(root, scope)
        except _Stop:
            pass

    # ---- XML namespace bookkeeping -------------------------------------------------------

    def _scope(self, inherited: dict[str, str], node: Node) -> dict[str, str]:
        info = node.xml
        if info is not None and info.decl is not None:
            return {**inherited, **info.decl}
        if node.parent is None and self.xml:
            return {"": FHIR_NS}
        return inherited

    def _namespace_ok(self, node: Node, scope: dict[str, str]) -> bool:
        if not self.xml:
            return True
        prefix = node.xml.prefix if node.xml is not None and node.xml.prefix else ""
        namespace = scope.get(prefix, "")
        if namespace == FHIR_NS:
            return True
        where = f"namespace '{namespace}'" if namespace else "no namespace"
        self.error(
            "struct-namespace",
            f"element '{node.name}' is in {where}, not the FHIR namespace",
            node,
            f'declare xmlns="{FHIR_NS}" on the root element',
        )
        return False

    def _xml_details(self, node: Node, allow_value: bool = True) -> None:
        info = node.xml
        if info is None:
            return
        for attribute in info.attrs or {}:
            if attribute in _XSI:
                continue
            self.error(
                "struct-attribute",
                f"attribute '{attribute}' is not allowed on '{node.name}'",
                node,
                "FHIR XML uses only value, id and (on extensions) url attributes",
            )
        if info.text is not None:
            self.error(
                "struct-text",
                f"'{node.name}' holds text ('{_short(info.text.strip())}'); FHIR XML has no text content",
                node,
                'put a primitive\'s value in its value attribute: <text value="..."/>',
            )

    # ---- resources and elements ---------------------------------------------------------------

    def resource(self, node: Node, scope: dict[str, str]) -> None:
        pause_point()
        if not self._namespace_ok(node, scope):
            return
        self._xml_details(node)
        definition = stu3.type_def(node.name)
        if definition is None or not stu3.is_resource_type(node.name):
            close = difflib.get_close_matches(node.name, stu3.resource_types(), n=1)
            self.error(
                "struct-unknown-resource",
                f"'{node.name}' is not an STU3 resource type",
                node,
                f"did you mean {close[0]}?" if close else None,
            )
            return
        self.children(node, definition, scope)
        if any(c.name == "contained" for c in node.children):
            self._contained(node)

    def _contained(self, container: Node) -> None:
        """dom-2 and dom-3: contained resources do not nest, and each is referenced in its container."""
        contained = [r for r in (c.resource() for c in container.children_named("contained")) if r is not None]
        referenced = {
            n.value[1:]
            for n in container.iter()
            if n.name == "reference" and n.kind == ELEMENT and n.value and n.value.startswith("#")
        }
        for resource in contained:
            nested = resource.children_named("contained")
            if nested:
                self.fhir(
                    "fhir-dom-2",
                    f"the contained {resource.name} holds contained resources of its own; contained resources "
                    "cannot nest",
                    nested[0],
                    hint=f"move them into the contained list of the {container.name}",
                )
            rid = resource.value_at("id")
            if not rid:
                self.fhir(
                    "fhir-dom-3",
                    f"the contained {resource.name} has no id, so nothing can reference it",
                    resource,
                    hint="give it an id and reference it as '#id', or remove it",
                )
            elif rid not in referenced:
                self.fhir(
                    "fhir-dom-3",
                    f"the contained {resource.name} '{_short(rid)}' is not referenced from anywhere in the "
                    f"{container.name}",
                    resource,
                    hint=f"reference it as '#{_short(rid)}' where it is meant, or remove it",
                )

    def children(self, node: Node, definition: stu3.TypeDef, scope: dict[str, str]) -> None:
        elements = definition.elements
        counts: dict[str, int] = {}
        choices: dict[str, list[str]] = {}
        last_order = -1
        last_name = ""
        out_of_order = False
        for child in node.children:
            kind = child.kind
            if kind == COMMENT:
                continue
            name = child.name
            found = elements.get(name)
            if found is None:
                self._unknown(child, definition)
                continue
            counts[name] = counts.get(name, 0) + 1
            if found.choice is not None:
                variants = choices.setdefault(found.choice, [])
                if name not in variants:
                    variants.append(name)
            if self.xml and not out_of_order:
                if found.order < last_order:
                    out_of_order = True
                    self.error(
                        "struct-order",
                        f"'{name}' is out of order in {definition.name}: it must come before '{last_name}'",
                        child,
                        "FHIR XML elements must follow the order of the STU3 definition",
                    )
                elif found.order > last_order:
                    last_order, last_name = found.order, name
            self.element(child, found, scope)
        self._cardinality(node, definition, counts, choices)

    def _unknown(self, child: Node, definition: stu3.TypeDef) -> None:
        names = list(definition.elements)
        close = difflib.get_close_matches(child.name, names, n=1)
        variants = definition.choice_variants(child.name)
        if variants:
            hint = f"{child.name}[x] needs its type in the name, such as {variants[0].name}"
        elif close:
            hint = f"did you mean '{close[0]}'?"
        else:
            hint = None
        self.error(
            "struct-unknown-element",
            f"'{child.name}' is not an element of {_type_label(definition)}",
            child,
            hint,
        )

    def _cardinality(
        self, node: Node, definition: stu3.TypeDef, counts: dict[str, int], choices: dict[str, list[str]]
    ) -> None:
        where = _type_label(definition)
        for name, count in counts.items():
            found = definition.elements[name]
            if count > 1 and not found.max_many:
                extra = node.children_named(name)[1]
                self.error("struct-max", f"'{name}' appears {count} times in {where}; it is allowed once", extra)
        for group, used in choices.items():
            if len(used) > 1:
                second = node.child(used[1])
                self.fhir(
                    "fhir-choice",
                    f"{group}[x] is given more than once in {where} ({', '.join(used)})",
                    second or node,
                    "keep one of them",
                )
        required_groups = set()
        for found in definition.elements.values():
            if found.choice is not None:
                if found.choice_required:
                    required_groups.add(found.choice)
                continue
            if (
                found.min > 0
                and found.name not in counts
                and not (found.name == "url" and definition.name == "Extension")
            ):
                self.error(
                    "struct-required",
                    f"{where} is missing '{found.name}', which is required",
                    node,
                    f"add {found.name} ({found.type})",
                )
        for group in required_groups - set(choices):
            self.fhir("fhir-required", f"{where} is missing {group}[x], which is required", node)

    def element(self, child: Node, found: stu3.ElementDef, scope: dict[str, str]) -> None:
        scope = self._scope(scope, child)
        if found.type == "xhtml":
            self._narrative(child, scope)
            return
        if not self._namespace_ok(child, scope):
            return
        self._xml_details(child)
        if child.id == "" and found.type != "Resource":
            self.error("struct-id", f"'{child.name}' has an empty id", child, "leave the id out or give it a value")
        if not self.xml:
            self._json_shape(child, found)
        if found.type == "Resource":
            self._resource_wrapper(child, scope)
        elif found.is_primitive:
            self._primitive(child, found, scope)
        else:
            if child.value is not None:
                self.error(
                    "struct-complex-value",
                    f"'{child.name}' is a {found.type}, which has elements, not a value ('{_short(child.value)}')",
                    child,
                    f"write the {found.type}'s elements inside it",
                )
            definition = stu3.type_def(found.type)
            if definition is not None:
                if found.type == "Extension" and child.url is None:
                    self.error(
                        "struct-extension-url",
                        f"extension '{child.name}' has no url",
                        child,
                        "every extension needs a url",
                    )
                elif found.type == "Extension":
                    problem = primitives.check_value("uri", child.url or "")
                    if problem:
                        self.error("struct-value", f"extension url '{child.url}' {problem}", child)
                self.children(child, definition, scope)

    def _resource_wrapper(self, child: Node, scope: dict[str, str]) -> None:
        for attribute, value in (("id", child.id), ("value", child.value)):
            if value is not None:
                self.error("struct-attribute", f"attribute '{attribute}' is not allowed on '{child.name}'", child)
        inner = [c for c in child.children if c.kind != COMMENT]
        resources = [c for c in inner if c.kind == RESOURCE]
        if len(inner) != len(resources):
            self.error("struct-resource-wrapper", f"'{child.name}' may hold only a resource", child)
        elif len(resources) > 1 and [r.name for r in resources] != sorted({r.name for r in resources}):
            # The schema lists each resource type once, in alphabetical order.
            self.error("struct-resource-wrapper", f"'{child.name}' holds more than one resource", child)
        elif len(resources) != 1:
            self.fhir(
                "fhir-resource-container",
                f"'{child.name}' holds {len(resources)} resources; it must hold exactly one",
                child,
            )
        for resource in resources[:1]:
            self.resource(resource, self._scope(scope, resource))

    def _primitive(self, child: Node, found: stu3.ElementDef, scope: dict[str, str]) -> None:
        value = child.value
        if value is not None:
            problem = primitives.check_value(found.type, value)
            if problem:
                self.error("struct-value", f"'{child.name}' value '{_short(value)}' {problem}", child)
            elif found.codes is not None and primitives.collapse(value) not in found.codes:
                self.error(
                    "struct-code",
                    f"'{child.name}' value '{_short(value)}' is not one of the STU3 codes: {', '.join(sorted(found.codes))}",
                    child,
                )
            else:
                stricter = primitives.stricter_than_schema(found.type, value)
                if stricter:
                    severity = "warning" if "whitespace" in stricter else "error"
                    self.fhir(
                        "fhir-value", f"'{child.name}' value '{_short(value)}' {stricter}", child, severity=severity
                    )
        extension = stu3.type_def("Extension")
        element = stu3.type_def("Element")
        assert extension is not None and element is not None
        for grandchild in child.children:
            if grandchild.kind == COMMENT:
                continue
            if grandchild.name != "extension":
                self.error(
                    "struct-unknown-element",
                    f"'{grandchild.name}' cannot be inside the primitive '{child.name}'; only extensions can",
                    grandchild,
                )
                continue
            self.element(grandchild, element.elements["extension"], self._scope(scope, child))

    def _narrative(self, child: Node, scope: dict[str, str]) -> None:
        if child.kind != XHTML:
            namespace = scope.get(child.xml.prefix if child.xml and child.xml.prefix else "", "")
            self.error(
                "struct-xhtml",
                f"the narrative div is not in the XHTML namespace (it is in '{namespace or 'no namespace'}')",
                child,
                f'write <div xmlns="{XHTML_NS}">',
            )
            return
        for problem in check_div(child.value or ""):
            self.error("struct-xhtml", problem, child)

    def _json_shape(self, child: Node, found: stu3.ElementDef) -> None:
        in_array = bool(child.flags & FROM_JSON_ARRAY)
        if found.max_many and not in_array:
            self.error(
                "struct-json-array",
                f"'{child.name}' repeats in STU3, so JSON must give it as an array",
                child,
                f'write "{child.name}": [ ... ]',
            )
        elif not found.max_many and in_array:
            self.error(
                "struct-json-array", f"'{child.name}' occurs at most once, so JSON must not give it as an array", child
            )
        value = child.value
        if value is None or not found.is_primitive:
            return
        kind = found.json_kind
        cls = value.__class__
        if kind == "number" and cls is not JsonNumber:
            self.error(
                "struct-json-type",
                f"'{child.name}' is a {found.type}: JSON must give it as a number, not a string",
                child,
            )
        elif kind == "boolean" and cls is not JsonLiteral:
            self.error(
                "struct-json-type", f"'{child.name}' is a boolean: JSON must give true or false, not a string", child
            )
        elif kind == "string" and cls is not str:
            self.error("struct-json-type", f"'{child.name}' is a {found.type}: JSON must give it as a string", child)


def _type_label(definition: stu3.TypeDef) -> str:
    return definition.name if definition.kind == "resource" else f"{definition.name} ({definition.kind})"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
