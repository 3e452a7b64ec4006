"""FHIR XML -> element tree, read safely in one streaming pass.

Reading is safe: no DTD (a DOCTYPE is refused), no entity expansion, no network, so XXE and
"billion laughs" files give a :class:`ReadError` rather than a hang or a leak. A malformed file
gives a :class:`ReadError` with line and column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from xml.parsers import expat

from lxml import etree

from workbench.core.codecs.xml_common import FHIR_NS, XHTML_NS, escape_attr, escape_text, safe_parser
from workbench.core.errors import ReadError
from workbench.core.tree import (
    COMMENT,
    ELEMENT,
    EXTENSION_NAMES,
    RESOURCE,
    XHTML,
    Document,
    Node,
    XmlInfo,
    gc_paused,
)

_STANDARD_ROOT_DECL = {"": FHIR_NS}
MAX_DEPTH = 400


Progress = Callable[[float], None]
_CHUNK = 1 << 20


def read_xml(data: bytes, path: str | None = None, progress: Progress | None = None) -> Document:
    """Read FHIR XML bytes into a Document.

    The bytes are parsed in one streaming pass with expat, building the tree directly (no
    intermediate DOM), so memory is the tree's own. Each node's source position is the byte
    offset where its markup starts.

    Args:
        data: the document bytes.
        path: the file name, for error messages.
        progress: called with the fraction read (0.0 to 1.0) after each megabyte.

    Raises:
        ReadError: the bytes are not well-formed XML, contain a DTD, or nest too deeply.
    """
    builder = _ExpatBuilder(path)
    with gc_paused():
        builder.parse(data, progress)
    document = Document(builder.root, "xml", data, path)
    document.prolog = builder.prolog
    document.epilog = builder.epilog
    return document


class _Refused(Exception):
    """Raised inside a parser callback to stop reading (DOCTYPE, nesting)."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


class _ExpatBuilder:
    """Streaming tree builder over expat callbacks.

    Text is gathered between markup events and attached on the next event: as the text of
    the element just opened, or as the tail of the node just closed. Whitespace-only text is
    formatting and is dropped. Inside an XHTML ``div`` the events are serialised back to
    markup, declaring exactly the namespaces the div uses.
    """

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.root: Node = Node("#document")
        self.prolog: list[Node] = []
        self.epilog: list[Node] = []
        self.stack: list[Node] = []
        self.names: dict[str, tuple[str, str | None, str | None]] = {}
        self.bindings: dict[str | None, list[str]] = {}
        self.pending_decl: dict[str, str] | None = None
        self.text: str | None = None
        self.last: Node | None = None
        self.last_was_start = False
        self.div: _DivWriter | None = None
        self.started = False
        self.parser: expat.XMLParserType | None = None

    def parse(self, data: bytes, progress: Progress | None = None) -> None:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.namespace_prefixes = True
        parser.buffer_text = True
        parser.buffer_size = 1 << 16
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.chars
        parser.CommentHandler = self.comment
        parser.ProcessingInstructionHandler = self.pi
        parser.StartNamespaceDeclHandler = self.ns_start
        parser.EndNamespaceDeclHandler = self.ns_end
        parser.StartDoctypeDeclHandler = self.doctype
        parser.EntityDeclHandler = self.entity
        self.parser = parser
        try:
            if progress is None or len(data) <= _CHUNK:
                parser.Parse(data, True)
            else:
                view = memoryview(data)
                for start in range(0, len(data), _CHUNK):
                    parser.Parse(view[start : start + _CHUNK], False)
                    progress(min(start + _CHUNK, len(data)) / len(data))
                parser.Parse(b"", True)
        except expat.ExpatError as exc:
            raise ReadError(_syntax_message(exc, data), exc.lineno, exc.offset + 1, self.path) from None
        except _Refused as exc:
            line = data[: exc.offset].count(b"\n") + 1
            raise ReadError(exc.message, line, None, self.path) from None
        except RecursionError:
            raise ReadError("not readable: XML nests too deeply", file=self.path) from None
        if not self.started:
            raise ReadError("no root element: the file holds no XML element", file=self.path)

    # ---- callbacks -----------------------------------------------------------------

    def doctype(self, *_: object) -> None:
        raise _Refused(
            "a DOCTYPE declaration is not allowed in FHIR XML (refused: it could define entities "
            "that read other files or expand without bound)",
            self.parser.CurrentByteIndex,
        )

    def entity(self, *_: object) -> None:  # pragma: no cover - a DOCTYPE is refused first
        raise _Refused("entity declarations are not allowed", self.parser.CurrentByteIndex)

    def ns_start(self, prefix: str | None, uri: str | None) -> None:
        uri = uri or ""  # xmlns="" undeclares the default namespace
        key = prefix or ""
        bound = self.bindings.get(prefix)
        if self.div is not None:
            self.div.declare(key, uri)
        elif not bound or bound[-1] != uri or not self.started:
            if self.pending_decl is None:
                self.pending_decl = {}
            self.pending_decl[key] = uri
        self.bindings.setdefault(prefix, []).append(uri)

    def ns_end(self, prefix: str | None) -> None:
        self.bindings[prefix].pop()

    def chars(self, data: str) -> None:
        self.text = data if self.text is None else self.text + data

    def _flush(self) -> None:
        text = self.text
        self.text = None
        if self.div is not None:
            self.div.text(text)  # inside a narrative all text counts, whitespace too
            return
        if text.isspace():
            return
        last = self.last
        if last is None:
            raise _Refused("text is not allowed outside the root element", self.parser.CurrentByteIndex)
        info = last.xml or XmlInfo()
        if self.last_was_start:
            info.text = text
        else:
            info.tail = text
        last.xml = info

    def _name(self, qualified: str) -> tuple[str, str | None, str | None]:
        parts = qualified.split(" ")
        if len(parts) == 1:
            found = (parts[0], None, None)
        elif len(parts) == 2:
            found = (parts[1], parts[0], None)
        else:
            found = (parts[1], parts[0], parts[2])
        self.names[qualified] = found
        return found

    def start(self, qualified: str, attrs: dict[str, str]) -> None:
        text = self.text
        if text is not None:  # inlined: formatting whitespace arrives before almost every tag
            self.text = None
            if self.div is not None or not text.isspace():
                self.text = text
                self._flush()
        div = self.div
        if div is not None:
            div.start(self.names.get(qualified) or self._name(qualified), attrs)
            return
        local, uri, prefix = self.names.get(qualified) or self._name(qualified)
        offset = self.parser.CurrentByteIndex
        stack = self.stack
        parent = stack[-1] if stack else None
        if uri == XHTML_NS and local == "div" and parent is not None:
            node = Node("div", XHTML, None, parent, offset)
            parent.children.append(node)
            self.div = _DivWriter(node, prefix, self.pending_decl, self.bindings, attrs, self)
            self.pending_decl = None
            self.last = node
            self.last_was_start = True
            return
        node = Node(local, RESOURCE if local[0].isupper() else ELEMENT, None, parent, offset)
        info = None
        if len(attrs) == 1 and "value" in attrs and node.kind == ELEMENT:
            node.value = attrs["value"]  # the common case: a primitive with only a value
        elif attrs:
            for key, value in attrs.items():
                if key == "value" and node.kind == ELEMENT:
                    node.value = value
                elif key == "id" and node.kind == ELEMENT:
                    node.id = value
                elif key == "url" and local in EXTENSION_NAMES:
                    node.url = value
                else:
                    info = info or XmlInfo()
                    if info.attrs is None:
                        info.attrs = {}
                    info.attrs[_attr_name(key)] = value
        decl = self.pending_decl
        if decl is not None or parent is None:
            self.pending_decl = None
            if parent is None:
                decl = decl or {}
                if decl != _STANDARD_ROOT_DECL:
                    info = info or XmlInfo()
                    info.decl = decl
            elif decl:
                info = info or XmlInfo()
                info.decl = decl
        if prefix is not None:
            info = info or XmlInfo()
            info.prefix = prefix
        node.xml = info
        if parent is None:
            self.root = node
            self.started = True
        else:
            parent.children.append(node)
            if len(stack) > MAX_DEPTH:
                raise _Refused(f"elements nest deeper than {MAX_DEPTH} levels", offset)
        stack.append(node)
        self.last = node
        self.last_was_start = True

    def end(self, qualified: str) -> None:
        text = self.text
        if text is not None:
            self.text = None
            if self.div is not None or not text.isspace():
                self.text = text
                self._flush()
        div = self.div
        if div is not None:
            if div.end(self.names[qualified]):
                self.div = None
                self.last = div.node
                self.last_was_start = False
            return
        self.last = self.stack.pop()
        self.last_was_start = False

    def _misc(self, node: Node) -> None:
        if self.stack:
            node.parent = self.stack[-1]
            self.stack[-1].children.append(node)
        elif self.started:
            self.epilog.append(node)
        else:
            self.prolog.append(node)
        self.last = node
        self.last_was_start = False

    def comment(self, text: str) -> None:
        if self.text is not None:
            self._flush()
        if self.div is not None:
            self.div.raw(f"<!--{text}-->")
            return
        self._misc(Node("#comment", COMMENT, text, None, self.parser.CurrentByteIndex))

    def pi(self, target: str, data: str) -> None:
        if self.text is not None:
            self._flush()
        body = f"{target} {data}" if data else target
        if self.div is not None:
            self.div.raw(f"<?{body}?>")
            return
        self._misc(Node("#pi", COMMENT, body, None, self.parser.CurrentByteIndex))


def _attr_name(qualified: str) -> str:
    parts = qualified.split(" ")
    if len(parts) == 1:
        return parts[0]
    if parts[0] == _XML_NS:
        return "xml:" + parts[1]
    return f"{parts[2]}:{parts[1]}" if len(parts) > 2 else parts[1]


_XML_NS = "http://www.w3.org/XML/1998/namespace"


class _DivWriter:
    """Serialises a narrative div back to XHTML text while it is being parsed.

    Declarations made inside the div are written where they were made; namespaces the div
    uses but inherits from outside (normally the XHTML default namespace) are declared on the
    div itself, so its text stands alone, as FHIR JSON requires.
    """

    def __init__(
        self,
        node: Node,
        prefix: str | None,
        own_decl: dict[str, str] | None,
        bindings: dict[str | None, list[str]],
        attrs: dict[str, str],
        builder: _ExpatBuilder,
    ) -> None:
        self.node = node
        self.depth = 0
        self.parts: list[str] = []
        self.declared: set[tuple[str, str]] = set()
        self.used: dict[str, str] = {}
        self.pending: dict[str, str] = dict(own_decl or {})
        self.open_at = -1
        self.start(("div", XHTML_NS, prefix), attrs)

    def declare(self, prefix: str, uri: str) -> None:
        self.pending[prefix] = uri

    def start(self, name: tuple[str, str | None, str | None], attrs: dict[str, str]) -> None:
        self.depth += 1
        local, uri, prefix = name
        parts = self.parts
        parts.append(f"<{prefix}:{local}" if prefix else "<" + local)
        if uri is not None:
            self.used[prefix or ""] = uri
        for key, declared in self.pending.items():
            self.declared.add((key, declared))
            parts.append(_xmlns(key, declared, self.node))
        self.pending = {}
        for key, value in attrs.items():
            bits = key.split(" ")
            if len(bits) == 3 and bits[2] != "xml":
                self.used[bits[2]] = bits[0]
            parts.append(f' {_attr_name(key)}="{escape_attr(value, self.node)}"')
        parts.append(">")
        self.open_at = len(parts)

    def text(self, data: str) -> None:
        self.parts.append(escape_text(data, self.node))

    def raw(self, markup: str) -> None:
        self.parts.append(markup)

    def end(self, name: tuple[str, str | None, str | None]) -> bool:
        """Close an element; return True when the div itself has closed."""
        local, _, prefix = name
        parts = self.parts
        if self.open_at == len(parts):
            parts[-1] = "/>"  # nothing inside: the empty-element form
        else:
            parts.append(f"</{prefix}:{local}>" if prefix else f"</{local}>")
        self.open_at = -1
        self.depth -= 1
        if self.depth:
            return False
        missing = [(p, u) for p, u in self.used.items() if (p, u) not in self.declared]
        if missing:
            parts[0] += "".join(_xmlns(p, u, self.node) for p, u in missing)
        self.node.value = "".join(parts)
        return True


def _xmlns(prefix: str, uri: str, node: Node) -> str:
    return f' xmlns:{prefix}="{escape_attr(uri, node)}"' if prefix else f' xmlns="{escape_attr(uri, node)}"'


def _syntax_message(exc: expat.ExpatError, data: bytes) -> str:
    message = expat.errors.messages.get(exc.code, "not well-formed")
    try:  # lxml words most errors better ("Opening and ending tag mismatch: b and c")
        etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as detailed:
        if detailed.msg:
            message = re.sub(r",? line \d+, column \d+$", "", detailed.msg)
    except ValueError:  # lxml could not even try: keep expat's wording
        message = expat.errors.messages.get(exc.code, "not well-formed")
    head = data.lstrip()[:2]
    if head == b"{%":
        message += " (the file starts with a Liquid/Jekyll template tag such as {% highlight %}; remove those lines)"
    elif head[:1] in (b"{", b"["):
        message += " (this looks like JSON, not XML)"
    return "not well-formed XML: " + message
