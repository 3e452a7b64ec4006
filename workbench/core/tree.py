"""The lossless element tree: one model for FHIR XML and FHIR JSON.

A :class:`Document` holds the original bytes and a tree of :class:`Node` objects. A node is one
of four kinds:

``ELEMENT``
    a FHIR element. Primitives carry their lexical ``value`` (the XML ``value`` attribute, the
    JSON string or number text, unchanged: ``72.50`` stays ``72.50``); complex elements carry
    children. Either may carry an element ``id`` and, for extensions, a ``url``.
``RESOURCE``
    a resource; ``name`` is the resource type. Nested resources sit inside an element that wraps
    them (``Bundle.entry.resource``, ``contained``), exactly as in XML.
``XHTML``
    a narrative ``div``; ``value`` is its XHTML text.
``COMMENT``
    an XML comment; ``value`` is its text.

XML-only details that FHIR JSON cannot express (namespace declarations, other attributes,
text content, the name of a non-resource root) are kept in :class:`XmlInfo`, so a document read
from XML and written back, directly or through JSON, gives the same infoset.

Values read from JSON keep their JSON type through the ``str`` subclasses :class:`JsonNumber` and
:class:`JsonLiteral`, so the validator can tell ``"active": "true"`` from ``"active": true``.
"""

from __future__ import annotations

import gc
import threading
from bisect import bisect_right
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.core.positions import JsonPositions, XmlPositions

ELEMENT = 0
RESOURCE = 1
XHTML = 2
COMMENT = 3

KIND_NAMES = {ELEMENT: "element", RESOURCE: "resource", XHTML: "xhtml", COMMENT: "comment"}

#: Node.flags bit: the node was an item of a JSON array.
FROM_JSON_ARRAY = 1

EXTENSION_NAMES = frozenset({"extension", "modifierExtension"})


class JsonNumber(str):
    """The exact text of a number read from JSON (``72.50`` keeps its trailing zero)."""

    __slots__ = ()


class JsonLiteral(str):
    """``true`` or ``false`` read from JSON as a literal, not a string."""

    __slots__ = ()


class XmlInfo:
    """XML details of one element that FHIR JSON has no place for.

    Attributes:
        decl: namespace declarations made on this element, prefix ("" for the default
            namespace) to URI, when they differ from FHIR's usual ones; None otherwise.
        attrs: attributes other than ``value``, ``id`` and ``url``, by qualified name.
        text: non-whitespace text directly inside the element (not valid FHIR, but kept).
        tail: non-whitespace text after the element's end tag.
        prefix: the element's namespace prefix when it has one.
    """

    __slots__ = ("attrs", "decl", "prefix", "tail", "text")

    def __init__(self) -> None:
        self.decl: dict[str, str] | None = None
        self.attrs: dict[str, str] | None = None
        self.text: str | None = None
        self.tail: str | None = None
        self.prefix: str | None = None

    def is_empty(self) -> bool:
        """True when the element has no XML-only details at all."""
        return (
            self.decl is None and self.attrs is None and self.text is None and self.tail is None and self.prefix is None
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, XmlInfo):
            return NotImplemented
        return all(getattr(self, s) == getattr(other, s) for s in self.__slots__)

    def __hash__(self) -> int:  # pragma: no cover - mutable, hashed by identity
        return id(self)


class Node:
    """One node of the element tree.

    Attributes:
        name: the element name, the resource type for a resource, ``div`` for narrative,
            ``#comment`` for a comment.
        kind: ELEMENT, RESOURCE, XHTML or COMMENT.
        value: the lexical value of a primitive, the text of an XHTML div or comment.
        id: the element id (``<given id="a">``, ``"_given": {"id": "a"}``); a resource's
            logical id is a child element named ``id``, as in XML.
        url: the ``url`` of an extension.
        children: child nodes in document order.
        parent: the parent node, None for the root.
        src: where the node starts in the source (XML: byte offset; JSON: value ordinal,
            see ``positions``); -1 for nodes that were not read from the source.
        xml: XML-only details, or None.
        flags: bit set (``FROM_JSON_ARRAY``).
    """

    __slots__ = ("children", "flags", "id", "kind", "name", "parent", "src", "url", "value", "xml")

    def __init__(
        self,
        name: str,
        kind: int = ELEMENT,
        value: str | None = None,
        parent: Node | None = None,
        src: int = -1,
    ) -> None:
        self.name = name
        self.kind = kind
        self.value = value
        self.id: str | None = None
        self.url: str | None = None
        self.children: list[Node] = []
        self.parent = parent
        self.src = src
        self.xml: XmlInfo | None = None
        self.flags = 0

    def __repr__(self) -> str:
        bits = [KIND_NAMES[self.kind], self.name]
        if self.value is not None:
            shown = self.value if len(self.value) < 40 else self.value[:37] + "..."
            bits.append(repr(shown))
        if self.children:
            bits.append(f"{len(self.children)} children")
        return f"<Node {' '.join(bits)}>"

    # ---- navigation -------------------------------------------------------------------

    @property
    def is_resource(self) -> bool:
        """True for a resource node."""
        return self.kind == RESOURCE

    def append(self, child: Node) -> Node:
        """Add ``child`` as the last child and return it."""
        child.parent = self
        self.children.append(child)
        return child

    def elements(self) -> Iterator[Node]:
        """Iterate the children that are not comments."""
        return (c for c in self.children if c.kind != COMMENT)

    def child(self, name: str) -> Node | None:
        """Return the first child named ``name``, or None."""
        for c in self.children:
            if c.name == name and c.kind != COMMENT:
                return c
        return None

    def children_named(self, name: str) -> list[Node]:
        """Return every child named ``name``, in order."""
        return [c for c in self.children if c.name == name and c.kind != COMMENT]

    def find(self, dotted: str) -> Node | None:
        """Follow a dotted path of child names (``source.endpoint``), first match at each step.

        A step may name a resource wrapped in the previous element: ``resource.Patient`` or,
        when the type does not matter, ``resource.*``.
        """
        node: Node | None = self
        for step in dotted.split("."):
            if node is None:
                return None
            if step == "*":
                node = node.resource()
            else:
                node = node.child(step)
        return node

    def value_at(self, dotted: str) -> str | None:
        """Return the value of the node at a dotted path, or None."""
        found = self.find(dotted)
        return found.value if found is not None else None

    def resource(self) -> Node | None:
        """For an element wrapping a resource (``entry.resource``), return that resource."""
        for c in self.children:
            if c.kind == RESOURCE:
                return c
        return None

    def owning_resource(self) -> Node | None:
        """Return the nearest resource node at or above this node."""
        node: Node | None = self
        while node is not None and node.kind != RESOURCE:
            node = node.parent
        return node

    def iter(self) -> Iterator[Node]:
        """Iterate this node and all its descendants in document order."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            if node.children:
                stack.extend(reversed(node.children))

    def index_in_parent(self) -> int:
        """Return this node's position among its parent's children (0 for the root)."""
        if self.parent is None:
            return 0
        for i, sibling in enumerate(self.parent.children):
            if sibling is self:
                return i
        raise ValueError("node is not among its parent's children")


class Document:
    """A FHIR document read from bytes (or built in memory), with its original bytes.

    Attributes:
        root: the root node (normally a resource).
        format: ``xml`` or ``json``: the syntax it was read from.
        source: the original bytes, exactly as received; None for a document built in memory.
        path: the file it came from, if any.
        prolog: comments (and processing instructions as comments) before the XML root.
        epilog: comments after the XML root.
        notes: things the reader noticed but could keep (duplicate JSON keys, nulls), as
            (ordinal, message) pairs; the validator reports them.
    """

    def __init__(
        self,
        root: Node,
        format: str,
        source: bytes | None = None,
        path: str | None = None,
        text: str | None = None,
    ) -> None:
        self.root = root
        self.format = format
        self.source = source
        self.path = path
        self.prolog: list[Node] = []
        self.epilog: list[Node] = []
        self.notes: list[tuple[int, str]] = []
        self._text = text
        self._positions: XmlPositions | JsonPositions | None = None
        self._by_src: list[Node] | None = None
        self._srcs: list[int] = []

    def rebase(self, source: bytes, syntax: str) -> None:
        """Make the tree stand for new bytes (it was saved as them); positions follow.

        The caller sets each node's ``src`` to where it starts in ``source``; the caches built
        from the old bytes (text, positions, the node index) are dropped.
        """
        self.source, self.format = source, syntax
        self._text = None
        self._positions = None
        self._by_src = None
        self._srcs = []

    @property
    def text(self) -> str | None:
        """The source decoded to text (what the Original view shows), or None."""
        if self._text is None and self.source is not None:
            self._text = decode_source(self.source)
        return self._text

    def _index(self) -> XmlPositions | JsonPositions | None:
        if self._positions is None and self.source is not None:
            from workbench.core.positions import JsonPositions, XmlPositions

            if self.format == "xml":
                self._positions = XmlPositions(self.source)
            elif self.text is not None:
                self._positions = JsonPositions(self.text)
        return self._positions

    def position(self, node: Node) -> tuple[int, int] | None:
        """Return the 1-based (line, column) where ``node`` starts in the source, or None."""
        return self.position_of(node.src)

    def position_of(self, src: int) -> tuple[int, int] | None:
        """Return the 1-based (line, column) of a source place (a node's ``src``), or None."""
        if src < 0:
            return None
        index = self._index()
        return index.line_col(src) if index is not None else None

    def node_at(self, line: int, column: int) -> Node | None:
        """Return the node whose source starts last at or before (line, column)."""
        index = self._index()
        if index is None:
            return None
        target = index.offset_at(line, column)
        if self._by_src is None:
            self._by_src = sorted((n for n in self.root.iter() if n.src >= 0), key=lambda n: n.src)
            self._srcs = [n.src for n in self._by_src]
        found = bisect_right(self._srcs, target) - 1
        return self._by_src[found] if found >= 0 else None


def decode_source(data: bytes) -> str:
    """Decode document bytes for display: UTF-8 (with or without BOM), else Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


class gc_paused:
    """Pause the cyclic garbage collector while a large tree is built or walked.

    Building a tree allocates hundreds of thousands of container objects, each batch of which
    triggers collections that walk everything allocated so far; pausing halves read times.
    The collector is process-wide, so pauses are counted process-wide under a lock: it is
    switched back on (if it was on) only when the last of several overlapping pauses, in any
    thread, ends.
    """

    _lock = threading.Lock()
    _depth = 0
    _restore = False

    def __enter__(self) -> None:
        with gc_paused._lock:
            if gc_paused._depth == 0:
                gc_paused._restore = gc.isenabled()
                gc.disable()
            gc_paused._depth += 1

    def __exit__(self, *exc: object) -> None:
        with gc_paused._lock:
            gc_paused._depth -= 1
            if gc_paused._depth == 0 and gc_paused._restore:
                gc.enable()
