"""FHIR JSON -> element tree.

Keeps every number's text (``72.50`` stays ``72.50``), merges primitive companions
(``birthDate`` with ``_birthDate``, arrays aligned by index) into one node, turns ``resourceType``
into the resource node, reads ``fhir_comments`` as comments and restores what ``@xml`` carries.
"""

from __future__ import annotations

import json
import re

from workbench.core.codecs.json_common import COMMENTS_KEY, MAX_DEPTH, XML_KEY
from workbench.core.errors import ReadError
from workbench.core.pacing import pause_point
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

#: A ``\\uD800``-``\\uDFFF`` escape (with the backslashes before it, to tell an escaped backslash).
_SURROGATE_ESCAPE = re.compile(r"(\\+)u[dD]([89a-fA-F])[0-9a-fA-F]{2}")
_LOW_ESCAPE = re.compile(r"\\u[dD][c-fC-F][0-9a-fA-F]{2}")
#: A resource type: a capital letter, then letters (``Bundle``, ``MessageHeader``).
RESOURCE_NAME = re.compile(r"[A-Z][A-Za-z]{0,63}")

_TRUE = JsonLiteral("true")
_FALSE = JsonLiteral("false")


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
    if "\\u" in text:
        _refuse_lone_surrogates(text, path)
    builder = _JsonBuilder(path)
    document = Document(builder.build_root(parsed), "json", data, path, text)
    document.prolog, document.epilog = builder.prolog, builder.epilog
    document.notes = builder.notes
    return document


def _refuse_lone_surrogates(text: str, path: str | None) -> None:
    """Refuse a ``\\uD800``-style escape that is half of a surrogate pair without its other half.

    JSON's grammar lets it through, but it is not a Unicode character: no UTF-8 output (XML, JSON,
    a terminal) can carry it. The place is the escape's line and column.
    """
    paired_until = -1
    for found in _SURROGATE_ESCAPE.finditer(text):
        slashes = found.group(1)
        start = found.end(1) - 1  # the backslash that starts the escape
        if len(slashes) % 2 == 0 or start < paired_until:
            continue  # an escaped backslash followed by plain text, or the low half of a pair
        if found.group(2).lower() in "89ab" and _LOW_ESCAPE.match(text, found.end()):
            paired_until = found.end() + 6
            continue
        line = text.count("\n", 0, start) + 1
        column = start - text.rfind("\n", 0, start)
        raise ReadError(
            f"the escape {text[start : start + 6]} is half of a surrogate pair, not a Unicode character; "
            "FHIR strings must be valid Unicode",
            line,
            column,
            path,
        )


def _json_hint(text: str) -> str:
    head = text.lstrip()[:2]
    if head == "{%":
        return " (the file starts with a Liquid/Jekyll template tag such as {% highlight %}; remove those lines)"
    if head[:1] == "<":
        return " (this looks like XML, not JSON)"
    return ""


def _is_resource_type(value: object) -> bool:
    """True for a JSON string that names a resource (not a number, not ``""``, not markup)."""
    return type(value) is str and RESOURCE_NAME.fullmatch(value) is not None


#: An XML name without a prefix (for the root element of a non-resource fragment).
_XML_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")


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
        if resource_type is not None and not _is_resource_type(resource_type):
            shown = json.dumps(resource_type if isinstance(resource_type, str) else str(resource_type))
            raise ReadError(
                f'resourceType must be the name of a resource, such as "Bundle", not {shown}', 1, 1, self.path
            )
        if resource_type is not None:
            root = Node(resource_type, RESOURCE, None, None, 0)
        elif type(fragment) is str and _XML_NAME.fullmatch(fragment):
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
                    Node("#comment", COMMENT, text, None, src)
                    for text in (value if kind is list else [value])
                    if isinstance(text, str)
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
        if not _is_resource_type(resource_type):  # not a resource: an element (the layers report it)
            found = self.members(value, element, False, depth + 1)
            for comment in found.leading:
                comment.parent = parent
            parent.children.extend(found.leading)
            parent.children.append(element)
            return element
        pause_point()  # once a resource: the window may want the interpreter first
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
        placed = _comment_nodes(raw.get("comments"), node)
        if placed:
            _insert_before_elements(node, placed)
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
        if not (isinstance(position, str) and position.isascii() and position.isdigit() and isinstance(text, str)):
            continue
        if len(position) > 9:  # past any element count: placed at the end
            position = "999999999"
        name = "#pi" if len(entry) > 2 and entry[2] == "pi" else "#comment"
        nodes.append((int(position), Node(name, COMMENT, text, parent, -1)))
    return nodes


def _insert_before_elements(node: Node, placed: list[tuple[int, Node]]) -> None:
    """Insert each comment before the element child its number names (or at the end), in one pass."""
    placed.sort(key=lambda item: item[0])
    merged: list[Node] = []
    next_comment = 0
    elements = 0
    for child in node.children:
        if child.kind != COMMENT:
            while next_comment < len(placed) and placed[next_comment][0] <= elements:
                merged.append(placed[next_comment][1])
                next_comment += 1
            elements += 1
        merged.append(child)
    merged.extend(comment for _, comment in placed[next_comment:])
    node.children = merged
