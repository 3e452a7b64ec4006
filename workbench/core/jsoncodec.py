"""FHIR JSON <-> element tree.

Reading keeps every number's text (``72.50`` stays ``72.50``), merges primitive companions
(``birthDate`` with ``_birthDate``, arrays aligned by index) into one node, and turns
``resourceType`` into the resource node, so a JSON document reads into the same tree as its XML
twin. Writing follows the FHIR JSON rules: arrays where STU3 says an element repeats, numbers and
booleans by the element's STU3 type (a decimal is written with its exact lexical text), ``_x``
companions for ids and extensions of primitives, the narrative ``div`` as a string.

Comments: FHIR JSON has none, but the convention HAPI and the NHS's own published JSON examples
follow puts the comments that precede an element into that element's object as
``"fhir_comments": [...]`` (into ``_x`` for a primitive); the workbench reads and writes the same.

Other XML-only details (namespace declarations, other attributes, text content, a fragment
root's name, comments with no element after them) have no place in FHIR JSON. So that XML ->
JSON -> XML loses nothing, the writer keeps them in a reserved ``"@xml"`` member, which no FHIR
element name can collide with. ``plain=True`` writes strictly FHIR JSON, without either.
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
COMMENTS_KEY = "fhir_comments"
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
        raise ReadError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x}); FHIR JSON must be UTF-8", line, None, path
        ) from None
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


class _Members:
    """What reading an object's members yields besides the children: comments to place."""

    __slots__ = ("leading", "outer")

    def __init__(self) -> None:
        self.leading: list[Node] = []  # fhir_comments: the comments before this element
        self.outer: list | None = None  # @xml.outer: comments after a resource in its wrapper


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
        found = self.members(obj, root, root.kind == RESOURCE, 0)
        self.prolog = found.leading + self.prolog
        return root

    def members(self, obj: _Obj, node: Node, is_resource: bool, depth: int) -> _Members:
        """Read an object's members into ``node``."""
        if depth > MAX_DEPTH:
            raise ReadError(f"elements nest deeper than {MAX_DEPTH} levels", file=self.path)
        found = _Members()
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
            if key == COMMENTS_KEY:
                self.n += _count(value) - 1
                found.leading.extend(
                    Node("#comment", COMMENT, text, None, src) for text in (value if kind is list else [value]) if isinstance(text, str)
                )
                continue
            if not is_resource and key == "id" and kind is not _Obj and kind is not list:
                node.id = _lexical(value)
                continue
            if key == "url" and kind is str and node.name in EXTENSION_NAMES:
                node.url = value
                continue
            if first == "_":
                self.companion(key[1:], value, node, primitives, src, depth)
            elif kind is _Obj:
                self.complex(key, value, node, src, depth)
            elif kind is list:
                self.array(key, value, node, primitives, depth)
            elif value is None:
                self.notes.append((src, f"'{key}' is null; FHIR JSON allows null only inside arrays of primitives"))
            elif key == "div" and kind is str:
                children.append(Node("div", XHTML, value, node, src))
            else:
                self.primitive(key, value, 0, node, primitives, src)
        obj.clear()  # free the parsed pairs as soon as they are in the tree: halves the peak
        if xml is not None:
            found.outer = self.apply_xml(xml, node)
        return found

    def array(self, key: str, value: list, node: Node, primitives: dict[str, list[Node]], depth: int) -> None:
        for index, item in enumerate(value):
            item_src = self.n
            self.n += 1
            cls = item.__class__
            if cls is _Obj:
                child = self.complex(key, item, node, item_src, depth)
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
            found = self.members(item, target, False, depth + 1)
            if found.leading:
                _insert_before(node, target, found.leading)

    def complex(self, key: str, value: _Obj, parent: Node, src: int, depth: int) -> Node:
        resource_type = next((v for k, v in value if k == "resourceType"), None)
        element = Node(key, ELEMENT, None, parent, src)
        if not isinstance(resource_type, str):
            found = self.members(value, element, False, depth + 1)
            for comment in found.leading:
                comment.parent = parent
            parent.children.extend(found.leading)
            parent.children.append(element)
            return element
        resource = Node(resource_type, RESOURCE, None, element, src)
        found = self.members(value, resource, True, depth + 1)
        after = [c for position, c in _comment_nodes(found.outer, element) if position != 0]
        for comment in found.leading:
            comment.parent = element
        element.children = [*found.leading, resource, *after]
        parent.children.append(element)
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
        for position, comment in sorted(_comment_nodes(raw.get("comments"), node), key=lambda item: item[0]):
            _insert_before_element(node, position, comment)
        outer = raw.get("outer")
        return outer if outer.__class__ is list else None


def _insert_before(parent: Node, target: Node, comments: list[Node]) -> None:
    for comment in comments:
        comment.parent = parent
    children = parent.children
    for i in range(len(children) - 1, -1, -1):
        if children[i] is target:
            children[i:i] = comments
            return
    children.extend(comments)


def _comment_nodes(entries: object, parent: Node | None) -> list[tuple[int, Node]]:
    """Turn ``[["index", text], ["index", text, "pi"], ...]`` into positioned comment nodes."""
    nodes = []
    for entry in entries if entries.__class__ is list else []:
        if entry.__class__ is not list or len(entry) < 2:
            continue
        position, text = entry[0], entry[1]
        if not (isinstance(position, str) and position.isdigit() and isinstance(text, str)):
            continue
        name = "#pi" if len(entry) > 2 and entry[2] == "pi" else "#comment"
        nodes.append((int(position), Node(name, COMMENT, text, parent, -1)))
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


class _Grouped:
    """A node's children grouped by name for JSON, and where its comments go."""

    __slots__ = ("groups", "leading", "indexed")

    def __init__(self) -> None:
        self.groups: list[tuple[str, list[Node]]] = []
        self.leading: dict[int, list[Node]] = {}  # id(element) -> comments written in its object
        self.indexed: list[list[str]] = []  # comments kept in @xml, by element index


def _group(children: list[Node], normalise: bool, type_name: str | None, plain: bool) -> _Grouped:
    result = _Grouped()
    groups: dict[str, list[Node]] = {}
    pending: list[Node] = []
    placed: list[tuple[Node | None, Node]] = []  # comments that need an index in @xml
    for child in children:
        if child.kind == COMMENT:
            pending.append(child)
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
        grouped = _group(node.children, self.normalise, type_name, self.plain)
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
            if any(_needs_companion(n, leading) for n in nodes):
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
            if _needs_companion(n, leading):
                self.object(n, "Element", depth + 1, leading.get(id(n)), companion=True)
            else:
                out.append("null")
        out.append(self.pads[depth] + "]")


def _needs_companion(node: Node, leading: dict[int, list[Node]]) -> bool:
    return (
        node.value is None
        or node.id is not None
        or bool(node.children)
        or node.xml is not None
        or id(node) in leading
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
