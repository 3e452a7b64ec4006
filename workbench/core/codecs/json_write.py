"""Element tree -> FHIR JSON.

Arrays where STU3 says an element repeats, numbers and booleans by the element's STU3 type (a
decimal keeps its exact lexical text), ``_x`` companions for ids and extensions of primitives,
the narrative ``div`` as a string, comments as ``fhir_comments``, other XML-only details in the
reserved ``@xml`` member (left out with ``plain=True``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring as _enc  # type: ignore[attr-defined]

from workbench.core import stu3
from workbench.core.codecs.json_common import COMMENTS_KEY, JSON_NUMBER, MAX_DEPTH, XML_KEY
from workbench.core.errors import WriteError
from workbench.core.tree import (
    COMMENT,
    FROM_JSON_ARRAY,
    RESOURCE,
    XHTML,
    Document,
    JsonLiteral,
    JsonNumber,
    Node,
    gc_paused,
)


def write_json(source: Document | Node, *, normalise: bool = False, plain: bool = False, indent: int = 2) -> bytes:
    """Write a document (or a subtree) as FHIR JSON, UTF-8.

    Args:
        source: the document or node to write.
        normalise: put members in STU3 order instead of the tree's order.
        plain: strictly FHIR JSON: leave out comments (``fhir_comments``) and the ``@xml``
            member (namespace declarations and other XML-only details).
        indent: spaces per level; 0 writes compact JSON.

    Raises:
        WriteError: the tree holds text that cannot be encoded.
    """
    if isinstance(source, Document):
        root, prolog, epilog = source.root, source.prolog, source.epilog
    else:
        root, prolog, epilog = source, [], []
    writer = _JsonWriter(normalise, plain, indent)
    extra: dict[str, object] = {}
    leading: list[Node] = []
    if not plain:
        leading = [n for n in prolog if n.name != "#pi"]
        if len(leading) != len(prolog):  # processing instructions need the exact form
            leading, extra["prolog"] = [], [_misc_entry(n) for n in prolog]
        extra["epilog"] = [_misc_entry(n) for n in epilog] or None
    with gc_paused():
        writer.object(root, root.name if root.kind == RESOURCE else None, 0, leading, root=True, extra=extra)
    writer.out.append("\n")
    try:
        return "".join(writer.out).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise WriteError(f"text holds a character UTF-8 cannot carry ({exc.reason})") from None


def _misc_entry(node: Node) -> list[str]:
    entry = ["0", node.value or ""]
    return [*entry, "pi"] if node.name == "#pi" else entry


def _value_text(value: str, json_kind: str | None) -> str:
    if json_kind == "string":
        return _enc(value)
    if json_kind == "number":
        return value if JSON_NUMBER.fullmatch(value) else _enc(value)
    if json_kind == "boolean":
        return value if value in ("true", "false") else _enc(value)
    # Unknown element: keep the JSON type the value was read with.
    cls = value.__class__
    if cls is JsonNumber or cls is JsonLiteral:
        return value
    return _enc(value)


class _Grouped:
    """A node's children grouped by name for JSON, and where its comments go."""

    __slots__ = ("groups", "indexed", "leading")

    def __init__(self) -> None:
        self.groups: list[tuple[str, list[Node]]] = []
        self.leading: dict[int, list[Node]] = {}  # id(element) -> comments written in its object
        self.indexed: list[list[str]] = []  # comments kept in @xml, by element index


def _group(
    children: list[Node],
    normalise: bool,
    type_name: str | None,
    plain: bool,
    keep: Callable[[Node], bool] | None = None,
) -> _Grouped:
    result = _Grouped()
    groups: dict[str, list[Node]] = {}
    pending: list[Node] = []
    placed: list[tuple[Node | None, Node]] = []  # comments that need an index in @xml
    for child in children:
        if child.kind == COMMENT:
            pending.append(child)
            continue
        if keep is not None and not keep(child):
            continue
        if pending:
            if child.kind == XHTML or child.resource() is not None or any(c.name == "#pi" for c in pending):
                placed.extend((child, c) for c in pending)  # no object of its own to carry them
            else:
                result.leading[id(child)] = pending
            pending = []
        found = groups.get(child.name)
        if found is None:
            groups[child.name] = [child]
        else:
            found.append(child)
    placed.extend((None, c) for c in pending)
    ordered = list(groups.items())
    if normalise and type_name:
        definition = stu3.type_def(type_name)
        if definition is not None:
            elements = definition.elements
            ordered.sort(key=lambda item: elements[item[0]].order if item[0] in elements else 1 << 20)
    result.groups = ordered
    if placed and not plain:
        rank = {id(n): i for i, n in enumerate(n for _, group in ordered for n in group)}
        for following, comment in placed:
            index = rank[id(following)] if following is not None else len(rank)
            entry = [str(index), comment.value or ""]
            if comment.name == "#pi":
                entry.append("pi")
            result.indexed.append(entry)
    return result


class _JsonWriter:
    def __init__(self, normalise: bool, plain: bool, indent: int) -> None:
        self.out: list[str] = []
        self.normalise = normalise
        self.plain = plain
        self.colon = ": " if indent else ":"
        self.pads = ["\n" + " " * (indent * d) if indent else "" for d in range(MAX_DEPTH + 2)]
        self._content: dict[int, bool] = {}

    def has_content(self, node: Node) -> bool:
        """Plain JSON: whether an element writes anything once comments and XML details are left out.

        An element that held only those (``<status><!-- c --></status>``, ``<meta/>``) is left out
        rather than written as an empty object: FHIR JSON never has one.
        """
        if node.value is not None or node.id is not None or node.url is not None or node.kind in (RESOURCE, XHTML):
            return True
        if not node.children:
            return False
        found = self._content.get(id(node))
        if found is None:
            found = self._content[id(node)] = any(c.kind != COMMENT and self.has_content(c) for c in node.children)
        return found

    def object(
        self,
        node: Node,
        type_name: str | None,
        depth: int,
        leading: list[Node] | None,
        *,
        root: bool = False,
        extra: dict[str, object] | None = None,
        outer: list | None = None,
        companion: bool = False,
    ) -> None:
        out = self.out
        colon = self.colon
        pad = self.pads[depth + 1]
        later = "," + pad
        out.append("{")
        sep = pad
        if leading and not self.plain:
            texts = ("," + self.pads[depth + 2]).join(_enc(c.value or "") for c in leading)
            out.append(f'{sep}"{COMMENTS_KEY}"{colon}[{self.pads[depth + 2]}{texts}{pad}]')
            sep = later
        if node.kind == RESOURCE:
            out.append(f'{sep}"resourceType"{colon}{_enc(node.name)}')
            sep = later
        else:
            if node.id is not None:
                out.append(f'{sep}"id"{colon}{_enc(node.id)}')
                sep = later
            if node.url is not None:
                out.append(f'{sep}"url"{colon}{_enc(node.url)}')
                sep = later
        grouped = _group(node.children, self.normalise, type_name, self.plain, self.has_content if self.plain else None)
        if not self.plain:
            xml = _xml_member(node, root, grouped.indexed, extra, outer, companion)
            if xml:
                out.append(f"{sep}{_enc(XML_KEY)}{colon}{json.dumps(xml, ensure_ascii=False)}")
                sep = later
        definition = stu3.type_def(type_name) if type_name else None
        elements = definition.elements if definition is not None else None
        for name, nodes in grouped.groups:
            out.append(sep)
            sep = later
            self.group(name, nodes, elements.get(name) if elements is not None else None, depth + 1, grouped.leading)
        out.append("}" if sep is pad else self.pads[depth] + "}")

    def group(
        self, name: str, nodes: list[Node], found: stu3.ElementDef | None, depth: int, leading: dict[int, list[Node]]
    ) -> None:
        out = self.out
        colon = self.colon
        # STU3 decides arrays; an element it does not know stays an array if it was one.
        many = len(nodes) > 1 or (found.max_many if found is not None else bool(nodes[0].flags & FROM_JSON_ARRAY))
        first = nodes[0]
        if first.kind == XHTML:
            out.append(f"{_enc(name)}{colon}")
            self.items([_enc(n.value or "") for n in nodes], many, depth)
            return
        if found is None:
            primitive, kind = any(n.value is not None for n in nodes), None
        elif not found.is_primitive and all(n.value is not None and not n.children and n.id is None for n in nodes):
            primitive, kind = True, None  # a complex element given a bare value: keep it as it came
        else:
            primitive, kind = found.is_primitive, found.json_kind
        if primitive:
            has_values = any(n.value is not None for n in nodes)
            if has_values:
                out.append(f"{_enc(name)}{colon}")
                self.items([_value_text(n.value, kind) if n.value is not None else "null" for n in nodes], many, depth)
            if any(_needs_companion(n, leading, self.plain) for n in nodes):
                if has_values:
                    out.append("," + self.pads[depth])
                out.append(f"{_enc('_' + name)}{colon}")
                self.companions(nodes, many, depth, leading)
            return
        out.append(f"{_enc(name)}{colon}")
        child_type = found.type if found is not None else None
        if many:
            out.append("[")
            for i, n in enumerate(nodes):
                out.append(("," if i else "") + self.pads[depth + 1])
                self.complex(n, child_type, depth + 1, leading.get(id(n)))
            out.append(self.pads[depth] + "]")
        else:
            self.complex(first, child_type, depth, leading.get(id(first)))

    def complex(self, node: Node, type_name: str | None, depth: int, leading: list[Node] | None) -> None:
        resource = node.resource()
        if resource is None:
            self.object(node, type_name, depth, leading)
            return
        # The wrapping element (entry.resource) has no object of its own: the resource's object
        # carries the comments before the resource, @xml the ones after it.
        position = node.children.index(resource)
        before = [c for c in node.children[:position] if c.kind == COMMENT]
        after = [_misc_entry(c) for c in node.children[position + 1 :] if c.kind == COMMENT]
        for entry in after:
            entry[0] = "1"
        self.object(resource, resource.name, depth, before, outer=after or None)

    def items(self, texts: list[str], many: bool, depth: int) -> None:
        if not many:
            self.out.append(texts[0])
            return
        inner = self.pads[depth + 1]
        self.out.append("[" + inner + ("," + inner).join(texts) + self.pads[depth] + "]")

    def companions(self, nodes: list[Node], many: bool, depth: int, leading: dict[int, list[Node]]) -> None:
        out = self.out
        if not many:
            self.object(nodes[0], "Element", depth, leading.get(id(nodes[0])), companion=True)
            return
        out.append("[")
        for i, n in enumerate(nodes):
            out.append(("," if i else "") + self.pads[depth + 1])
            if _needs_companion(n, leading, self.plain):
                self.object(n, "Element", depth + 1, leading.get(id(n)), companion=True)
            else:
                out.append("null")
        out.append(self.pads[depth] + "]")


def _needs_companion(node: Node, leading: dict[int, list[Node]], plain: bool = False) -> bool:
    if plain:  # only an id or extensions: comments and XML details are left out
        return node.id is not None or any(c.kind != COMMENT for c in node.children)
    return (
        node.value is None or node.id is not None or bool(node.children) or node.xml is not None or id(node) in leading
    )


def _xml_member(
    node: Node,
    root: bool,
    comments: list,
    extra: dict[str, object] | None,
    outer: list | None,
    companion: bool,
) -> dict[str, object]:
    xml: dict[str, object] = {}
    if root and node.kind != RESOURCE:
        xml["name"] = node.name
    info = node.xml
    if info is not None:
        if info.decl is not None:
            xml["xmlns"] = info.decl
        if info.attrs:
            xml["attrs"] = info.attrs
        for field in ("text", "tail", "prefix"):
            if getattr(info, field) is not None:
                xml[field] = getattr(info, field)
    if node.value is not None and node.kind != XHTML and not companion:
        xml["value"] = node.value  # a value on a complex element: not FHIR, but kept
    if comments:
        xml["comments"] = comments
    if outer:
        xml["outer"] = outer
    if extra:
        xml.update({k: v for k, v in extra.items() if v})
    return xml
