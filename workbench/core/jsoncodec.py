"""FHIR JSON <-> element tree.

Reading keeps every number's text (``72.50`` stays ``72.50``), merges primitive companions
(``birthDate`` with ``_birthDate``, arrays aligned by index) into one node, and turns
``resourceType`` into the resource node, so a JSON document reads into the same tree as its XML
twin. Writing follows the FHIR JSON rules: arrays where STU3 says an element repeats, numbers and
booleans by the element's STU3 type (a decimal is written with its exact lexical text), ``_x``
companions for ids and extensions of primitives, the narrative ``div`` as a string.

XML-only details (comments, namespace declarations, other attributes, a fragment root's name)
have no place in FHIR JSON. So that XML -> JSON -> XML loses nothing, the writer keeps them in a
reserved ``"@xml"`` member, which no FHIR element name can collide with; ``plain=True`` leaves
them out and writes nothing but FHIR JSON.
"""

from __future__ import annotations

import json
import re
from json.encoder import encode_basestring as _enc  # type: ignore[attr-defined]

from workbench.core import stu3
from workbench.core.errors import ReadError, WriteError
from workbench.core.tree import (
    COMMENT,
    ELEMENT,
    EXTENSION_NAMES,
    FROM_JSON_ARRAY,
    RESOURCE,
    XHTML,
    Document,
    JsonLiteral,
    JsonNumber,
    Node,
    XmlInfo,
    gc_paused,
)

XML_KEY = "@xml"
MAX_DEPTH = 400
_TRUE = JsonLiteral("true")
_FALSE = JsonLiteral("false")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


class _Obj(list):
    """A JSON object as its list of (key, value) pairs: keeps order and duplicate keys."""

    __slots__ = ()


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed in JSON")


def read_json(data: bytes, path: str | None = None) -> Document:
    """Read FHIR JSON bytes into a Document.

    Raises:
        ReadError: the bytes are not JSON, not UTF-8, or not a FHIR resource object.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ReadError(f"not UTF-8 text (byte 0x{data[exc.start]:02x}); FHIR JSON must be UTF-8", line, None, path) from None
    with gc_paused():
        return _read_json(data, text, path)


def _read_json(data: bytes, text: str, path: str | None) -> Document:
    try:
        parsed = json.loads(
            text,
            object_pairs_hook=_Obj,
            parse_float=JsonNumber,
            parse_int=JsonNumber,
            parse_constant=_reject_constant,
        )
    except json.JSONDecodeError as exc:
        raise ReadError(f"not valid JSON: {exc.msg}{_json_hint(text)}", exc.lineno, exc.colno, path) from None
    except ValueError as exc:
        raise ReadError(f"not valid JSON: {exc}", file=path) from None
    except RecursionError:
        raise ReadError("not readable: JSON nests too deeply", file=path) from None
    if type(parsed) is not _Obj:
        raise ReadError("a FHIR JSON document must be an object with a resourceType", 1, 1, path)
    builder = _JsonBuilder(path)
    document = Document(builder.build_root(parsed), "json", data, path, text)
    document.prolog, document.epilog = builder.prolog, builder.epilog
    document.notes = builder.notes
    return document


def _json_hint(text: str) -> str:
    head = text.lstrip()[:2]
    if head == "{%":
        return " (the file starts with a Liquid/Jekyll template tag such as {% highlight %}; remove those lines)"
    if head[:1] == "<":
        return " (this looks like XML, not JSON)"
    return ""


def _count(value: object) -> int:
    """Number of JSON values in ``value`` (itself included), in the position scan's terms."""
    if type(value) is _Obj:
        return 1 + sum(_count(v) for _, v in value)
    if type(value) is list:
        return 1 + sum(_count(v) for v in value)
    return 1


def _lexical(value: object) -> str | None:
    if value is True:
        return _TRUE
    if value is False:
        return _FALSE
    if isinstance(value, str):
        return value
    return None


class _JsonBuilder:
    def __init__(self, path: str | None) -> None:
        self.n = 0
        self.path = path
        self.notes: list[tuple[int, str]] = []
        self.prolog: list[Node] = []
        self.epilog: list[Node] = []

    def build_root(self, obj: _Obj) -> Node:
        resource_type = next((v for k, v in obj if k == "resourceType"), None)
        xml = next((v for k, v in obj if k == XML_KEY), None)
        fragment = next((v for k, v in xml if k == "name"), None) if xml.__class__ is _Obj else None
        if isinstance(resource_type, str) and resource_type:
            root = Node(resource_type, RESOURCE, None, None, 0)
        elif isinstance(fragment, str) and fragment:
            root = Node(fragment, ELEMENT, None, None, 0)
        else:
            raise ReadError("the JSON object has no resourceType, so it is not a FHIR resource", 1, 1, self.path)
        self.n = 1
        self.members(obj, root, root.kind == RESOURCE, 0)
        return root

    def members(self, obj: _Obj, node: Node, is_resource: bool, depth: int) -> list | None:
        """Read an object's members into ``node``; return comments meant for its wrapper."""
        if depth > MAX_DEPTH:
            raise ReadError(f"elements nest deeper than {MAX_DEPTH} levels", file=self.path)
        primitives: dict[str, list[Node]] = {}
        seen: set[str] = set()
        xml: dict | None = None
        children = node.children
        for key, value in obj:
            src = self.n
            self.n += 1
            if key in seen:
                self.notes.append((src, f"property '{key}' appears more than once in one object"))
                primitives.pop(key.lstrip("_"), None)  # a repeated key makes new nodes, never overwrites
            seen.add(key)
            kind = value.__class__
            first = key[:1]
            if key == "resourceType" and is_resource:
                self.n += _count(value) - 1
                continue
            if first == "@":
                if key == XML_KEY and kind is _Obj:
                    xml = dict(value)
                else:
                    self.notes.append((src, f"property '{key}' is not FHIR and was ignored"))
                self.n += _count(value) - 1
                continue
            if not is_resource and key == "id" and kind is not _Obj and kind is not list:
                node.id = _lexical(value)
                continue
            if key == "url" and kind is str and node.name in EXTENSION_NAMES:
                node.url = value
                continue
            if key == "fhir_comments":  # the DSTU2 convention some tools still write
                self.n += _count(value) - 1
                for text in value if kind is list else [value]:
                    if isinstance(text, str):
                        children.append(Node("#comment", COMMENT, text, node, src))
                continue
            if first == "_":
                self.companion(key[1:], value, node, primitives, src, depth)
            elif kind is _Obj:
                children.append(self.complex(key, value, node, src, depth))
            elif kind is list:
                self.array(key, value, node, primitives, depth)
            elif value is None:
                self.notes.append((src, f"'{key}' is null; FHIR JSON allows null only inside arrays of primitives"))
            elif key == "div" and kind is str:
                children.append(Node("div", XHTML, value, node, src))
            else:
                self.primitive(key, value, 0, node, primitives, src)
        obj.clear()  # free the parsed pairs as soon as they are in the tree: halves the peak
        if xml is None:
            return None
        return self.apply_xml(xml, node)

    def array(self, key: str, value: list, node: Node, primitives: dict[str, list[Node]], depth: int) -> None:
        for index, item in enumerate(value):
            item_src = self.n
            self.n += 1
            cls = item.__class__
            if cls is _Obj:
                child = self.complex(key, item, node, item_src, depth)
                node.children.append(child)
            elif cls is list:
                self.notes.append((item_src, f"'{key}' holds an array inside an array"))
                self.n += _count(item) - 1
                continue
            else:
                child = self.primitive(key, item, index, node, primitives, item_src)
            child.flags |= FROM_JSON_ARRAY

    def primitive(
        self, key: str, value: object, index: int, node: Node, primitives: dict[str, list[Node]], src: int
    ) -> Node:
        child = self.slot(key, index, node, primitives, src)
        child.value = _lexical(value)
        if value is not None and child.value is None:
            self.notes.append((src, f"'{key}' holds a value that is not a string, number or boolean"))
        return child

    def slot(self, name: str, index: int, node: Node, primitives: dict[str, list[Node]], src: int) -> Node:
        """Return the node for item ``index`` of primitive ``name``: made by ``_name``, or new."""
        group = primitives.setdefault(name, [])
        while len(group) <= index:
            fresh = Node(name, ELEMENT, None, node, src)
            group.append(fresh)
            node.children.append(fresh)
        return group[index]

    def companion(
        self, name: str, value: object, node: Node, primitives: dict[str, list[Node]], src: int, depth: int
    ) -> None:
        is_array = value.__class__ is list
        for index, item in enumerate(value if is_array else [value]):
            item_src = src
            if is_array:
                item_src = self.n
                self.n += 1
            if item is None:
                continue
            if item.__class__ is not _Obj:
                self.notes.append((item_src, f"'_{name}' must hold objects (id and extensions)"))
                self.n += _count(item) - 1
                continue
            target = self.slot(name, index, node, primitives, item_src)
            if is_array:
                target.flags |= FROM_JSON_ARRAY
            self.members(item, target, False, depth + 1)

    def complex(self, key: str, value: _Obj, parent: Node, src: int, depth: int) -> Node:
        resource_type = next((v for k, v in value if k == "resourceType"), None)
        element = Node(key, ELEMENT, None, parent, src)
        if not isinstance(resource_type, str):
            self.members(value, element, False, depth + 1)
            return element
        resource = Node(resource_type, RESOURCE, None, element, src)
        element.children.append(resource)
        outer = self.members(value, resource, True, depth + 1)
        if outer:
            around = _comment_nodes(outer, element)
            before = [c for position, c in around if position == 0]
            after = [c for position, c in around if position != 0]
            element.children = [*before, resource, *after]
        return element

    def apply_xml(self, raw: dict, node: Node) -> list | None:
        info = XmlInfo()
        decl = raw.get("xmlns")
        if decl.__class__ is _Obj:
            info.decl = {str(k): str(v) for k, v in decl}
        attrs = raw.get("attrs")
        if attrs.__class__ is _Obj:
            info.attrs = {str(k): str(v) for k, v in attrs}
        for field in ("text", "tail", "prefix"):
            if isinstance(raw.get(field), str):
                setattr(info, field, raw[field])
        if isinstance(raw.get("value"), str):
            node.value = raw["value"]
        if not info.is_empty():
            node.xml = info
        if node.parent is None:
            self.prolog = [c for _, c in _comment_nodes(raw.get("prolog"), None)]
            self.epilog = [c for _, c in _comment_nodes(raw.get("epilog"), None)]
        comments = _comment_nodes(raw.get("comments"), node)
        for position, comment in sorted(comments, key=lambda item: item[0]):
            _insert_before_element(node, position, comment)
        outer = raw.get("outer")
        return outer if outer.__class__ is list else None


def _comment_nodes(entries: object, parent: Node | None) -> list[tuple[int, Node]]:
    """Turn ``[[index, text], [index, text, "pi"], ...]`` (or ``[[text]]``) into comment nodes."""
    nodes = []
    for entry in entries if entries.__class__ is list else []:
        if entry.__class__ is not list or not entry:
            continue
        if len(entry) >= 2 and isinstance(entry[0], str) and entry[0].isdigit() and isinstance(entry[1], str):
            position, text, rest = int(entry[0]), entry[1], entry[2:]
        elif isinstance(entry[0], str):
            position, text, rest = 0, entry[0], entry[1:]
        else:
            continue
        name = "#pi" if rest and rest[0] == "pi" else "#comment"
        nodes.append((position, Node(name, COMMENT, text, parent, -1)))
    return nodes


def _insert_before_element(node: Node, index: int, comment: Node) -> None:
    """Insert ``comment`` before the element child number ``index`` (or at the end)."""
    seen = 0
    for i, child in enumerate(node.children):
        if child.kind != COMMENT:
            if seen == index:
                node.children.insert(i, comment)
                return
            seen += 1
    node.children.append(comment)


# ---- writing ---------------------------------------------------------------------------


def write_json(
    source: Document | Node, *, normalise: bool = False, plain: bool = False, indent: int = 2
) -> bytes:
    """Write a document (or a subtree) as FHIR JSON, UTF-8.

    Args:
        source: the document or node to write.
        normalise: put members in STU3 order instead of the tree's order.
        plain: leave out the ``@xml`` member (XML comments, namespace declarations and other
            XML-only details), writing strictly FHIR JSON.
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
    if not plain and (prolog or epilog):
        extra["prolog"] = [_misc_entry(n) for n in prolog] or None
        extra["epilog"] = [_misc_entry(n) for n in epilog] or None
    with gc_paused():
        writer.object(root, root.name if root.kind == RESOURCE else None, 0, root=True, extra=extra)
    writer.out.append("\n")
    try:
        return "".join(writer.out).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise WriteError(f"text holds a character UTF-8 cannot carry ({exc.reason})") from None


def _misc_entry(node: Node) -> list[str]:
    entry = ["0", node.value or ""]
    return entry + ["pi"] if node.name == "#pi" else entry


def _value_text(value: str, json_kind: str | None) -> str:
    if json_kind == "string":
        return _enc(value)
    if json_kind == "number":
        return value if _NUMBER.fullmatch(value) else _enc(value)
    if json_kind == "boolean":
        return value if value in ("true", "false") else _enc(value)
    # Unknown element: keep the JSON type the value was read with.
    cls = value.__class__
    if cls is JsonNumber or cls is JsonLiteral:
        return value
    return _enc(value)


class _JsonWriter:
    def __init__(self, normalise: bool, plain: bool, indent: int) -> None:
        self.out: list[str] = []
        self.normalise = normalise
        self.plain = plain
        self.colon = ": " if indent else ":"
        self.pads = ["\n" + " " * (indent * d) if indent else "" for d in range(MAX_DEPTH + 2)]

    def object(
        self,
        node: Node,
        type_name: str | None,
        depth: int,
        *,
        root: bool = False,
        extra: dict[str, object] | None = None,
        outer: list | None = None,
    ) -> None:
        out = self.out
        colon = self.colon
        pad = self.pads[depth + 1]
        later = "," + pad
        out.append("{")
        sep = pad
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
        groups, comments = _group(node.children, self.normalise, type_name)
        if not self.plain:
            xml = _xml_member(node, root, comments, extra, outer)
            if xml:
                out.append(f"{sep}{_enc(XML_KEY)}{colon}{json.dumps(xml, ensure_ascii=False)}")
                sep = later
        definition = stu3.type_def(type_name) if type_name else None
        elements = definition.elements if definition is not None else None
        for name, nodes in groups:
            found = elements.get(name) if elements is not None else None
            out.append(sep)
            sep = later
            self.group(name, nodes, found, depth + 1)
        out.append("}" if sep is pad else self.pads[depth] + "}")

    def group(self, name: str, nodes: list[Node], found: stu3.ElementDef | None, depth: int) -> None:
        out = self.out
        colon = self.colon
        many = len(nodes) > 1 or (found is not None and found.max_many)
        first = nodes[0]
        if first.kind == XHTML:
            out.append(f"{_enc(name)}{colon}")
            self.items([_enc(n.value or "") for n in nodes], many, depth)
            return
        primitive = found.is_primitive if found is not None else any(n.value is not None for n in nodes)
        if primitive:
            kind = found.json_kind if found is not None else None
            if any(n.value is not None for n in nodes):
                out.append(f"{_enc(name)}{colon}")
                self.items([_value_text(n.value, kind) if n.value is not None else "null" for n in nodes], many, depth)
            if any(_needs_companion(n) for n in nodes):
                if nodes[0].value is not None or len(nodes) > 1 or many:
                    out.append("," + self.pads[depth])
                out.append(f"{_enc('_' + name)}{colon}")
                self.companions(nodes, many, depth)
            return
        out.append(f"{_enc(name)}{colon}")
        child_type = found.type if found is not None else None
        if many:
            out.append("[")
            for i, n in enumerate(nodes):
                out.append(("," if i else "") + self.pads[depth + 1])
                self.complex(n, child_type, depth + 1)
            out.append(self.pads[depth] + "]")
        else:
            self.complex(first, child_type, depth)

    def complex(self, node: Node, type_name: str | None, depth: int) -> None:
        resource = node.resource()
        if resource is not None:
            outer = None
            if len(node.children) > 1 or node.id is not None or node.xml is not None:
                outer = _outer_entry(node)
            self.object(resource, resource.name, depth, outer=outer)
        else:
            self.object(node, type_name, depth)

    def items(self, texts: list[str], many: bool, depth: int) -> None:
        out = self.out
        if not many:
            out.append(texts[0])
            return
        inner = self.pads[depth + 1]
        out.append("[" + inner + ("," + inner).join(texts) + self.pads[depth] + "]")

    def companions(self, nodes: list[Node], many: bool, depth: int) -> None:
        out = self.out
        if not many:
            self.object(nodes[0], "Element", depth)
            return
        out.append("[")
        for i, n in enumerate(nodes):
            out.append(("," if i else "") + self.pads[depth + 1])
            if _needs_companion(n):
                self.object(n, "Element", depth + 1)
            else:
                out.append("null")
        out.append(self.pads[depth] + "]")


def _needs_companion(node: Node) -> bool:
    return node.value is None or node.id is not None or bool(node.children) or node.xml is not None


def _group(children: list[Node], normalise: bool, type_name: str | None) -> tuple[list[tuple[str, list[Node]]], list]:
    groups: dict[str, list[Node]] = {}
    pending: list[Node] = []
    comment_before: list[tuple[Node | None, Node]] = []
    for child in children:
        if child.kind == COMMENT:
            pending.append(child)
            continue
        for comment in pending:
            comment_before.append((child, comment))
        pending = []
        found = groups.get(child.name)
        if found is None:
            groups[child.name] = [child]
        else:
            found.append(child)
    for comment in pending:
        comment_before.append((None, comment))
    ordered = list(groups.items())
    if normalise and type_name:
        definition = stu3.type_def(type_name)
        if definition is not None:
            elements = definition.elements
            ordered.sort(key=lambda item: elements[item[0]].order if item[0] in elements else 1 << 20)
    comments: list = []
    if comment_before:
        rank = {id(n): i for i, n in enumerate(n for _, group in ordered for n in group)}
        total = len(rank)
        for following, comment in comment_before:
            index = rank[id(following)] if following is not None else total
            entry: list = [str(index), comment.value or ""]
            if comment.name == "#pi":
                entry.append("pi")
            comments.append(entry)
    return ordered, comments


def _xml_member(
    node: Node, root: bool, comments: list, extra: dict[str, object] | None, outer: list | None
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
    if node.value is not None and node.kind != XHTML:
        xml["value"] = node.value  # a value on a complex element: not FHIR, but kept
    if comments:
        xml["comments"] = comments
    if outer:
        xml["outer"] = outer
    if extra:
        xml.update({k: v for k, v in extra.items() if v})
    return xml


def _outer_entry(wrapper: Node) -> list:
    """Comments around a resource inside its wrapping element, as [index, text] pairs."""
    entries = []
    seen_resource = 0
    for child in wrapper.children:
        if child.kind == RESOURCE:
            seen_resource = 1
        elif child.kind == COMMENT:
            entry = [str(seen_resource), child.value or ""]
            if child.name == "#pi":
                entry.append("pi")
            entries.append(entry)
    return entries
