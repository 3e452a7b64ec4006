"""FHIR XML -> element tree, read safely in one streaming pass.

Reading is safe: no DTD (a DOCTYPE is refused), no entity expansion, no network, so XXE and
"billion laughs" files give a :class:`ReadError` rather than a hang or a leak. A malformed file
gives a :class:`ReadError` with line and column.
"""

from __future__ import annotations

import re
import secrets
from bisect import bisect_right
from collections.abc import Callable
from xml.parsers import expat

from lxml import etree

from workbench.core.codecs.xml_common import FHIR_NS, XHTML_NS, escape_attr, escape_text, safe_parser
from workbench.core.errors import ReadError
from workbench.core.pacing import pause_point
from workbench.core.positions import XmlPositions, xml_encoding
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
        long_values = _LongValues.cut(data)
        builder.parse(data, progress, long_values)
        if long_values is not None and long_values.values:  # a cut was text that looked like a value
            builder = _ExpatBuilder(path)
            builder.parse(data, progress)
    document = Document(builder.root, "xml", data, path)
    document.prolog = builder.prolog
    document.epilog = builder.epilog
    return document


#: Attribute values at least this long are taken out before expat reads the document.
LONG_VALUE = 1 << 16
_LONG_VALUE = re.compile(rb"""=[ \t\r\n]*(?:"([^"<&\t\r\n]{%d,})"|'([^'<&\t\r\n]{%d,})')""" % (LONG_VALUE, LONG_VALUE))


class _LongValues:
    """Long attribute values (a base64 attachment) cut out of the bytes expat reads, put back as it reads.

    Python 3.11's expat (2.5) is fed a megabyte at a time and scans a token again from its start
    for every megabyte: a 150 MB ``value`` took 40 s to read. Each long value (no markup, entity or
    whitespace to normalise inside) is replaced by a short unique token, and the start-tag handler
    puts the value back; byte offsets are mapped back to the original bytes. A token that turns up
    anywhere but in an attribute (text that only looked like a value) leaves :attr:`values`
    non-empty, and the caller reads the original bytes instead.
    """

    def __init__(self, data: bytes, values: dict[str, str], ends: list[int], shifts: list[int]) -> None:
        self.data = data  # what expat reads
        self.values = values  # token -> value, until put back
        self._ends = ends  # where each token ends in ``data``
        self._shifts = shifts  # bytes removed up to and including each token

    @classmethod
    def cut(cls, data: bytes) -> _LongValues | None:
        if len(data) < LONG_VALUE or xml_encoding(data) not in ("utf-8", "utf8"):
            return None
        marker = b"wb" + secrets.token_hex(8).encode("ascii")
        if marker in data:
            return None
        pieces: list[bytes] = []
        values: dict[str, str] = {}
        ends: list[int] = []
        shifts: list[int] = []
        position = removed = 0
        for found in _LONG_VALUE.finditer(data):
            group = 1 if found.group(1) is not None else 2
            start, end = found.span(group)
            try:
                value = data[start:end].decode("utf-8")
            except UnicodeDecodeError:
                continue  # expat will say where
            token = marker + str(len(values)).encode("ascii")
            values[token.decode("ascii")] = value
            pieces += (data[position:start], token)
            removed += (end - start) - len(token)
            ends.append(end - removed)
            shifts.append(removed)
            position = end
        if not values:
            return None
        pieces.append(data[position:])
        return cls(b"".join(pieces), values, ends, shifts)

    def original(self, offset: int) -> int:
        """The offset in the original bytes of an offset in :attr:`data` (outside the tokens)."""
        index = bisect_right(self._ends, offset) - 1
        return offset + self._shifts[index] if index >= 0 else offset

    def restore(self, attrs: dict[str, str]) -> None:
        """Put the long values back into a start tag's attributes."""
        for key, value in attrs.items():
            if value in self.values:
                attrs[key] = self.values.pop(value)


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
        self.long_values: _LongValues | None = None

    def parse(self, original: bytes, progress: Progress | None = None, long_values: _LongValues | None = None) -> None:
        self.long_values = long_values
        data = long_values.data if long_values is not None else original
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
            line, column = exc.lineno, exc.offset + 1
            if long_values is not None and parser.ErrorByteIndex >= 0:
                line, column = XmlPositions(original).line_col(long_values.original(parser.ErrorByteIndex))
            raise ReadError(_syntax_message(exc, original), line, column, self.path) from None
        except _Refused as exc:
            line = original[: exc.offset].count(b"\n") + 1
            raise ReadError(exc.message, line, None, self.path) from None
        except RecursionError:
            raise ReadError("not readable: XML nests too deeply", file=self.path) from None
        if not self.started:
            raise ReadError("no root element: the file holds no XML element", file=self.path)

    # ---- callbacks -----------------------------------------------------------------

    def _offset(self) -> int:
        """Where the current event starts in the original bytes."""
        offset = self.parser.CurrentByteIndex
        return self.long_values.original(offset) if self.long_values is not None else offset

    def doctype(self, *_: object) -> None:
        raise _Refused(
            "a DOCTYPE declaration is not allowed in FHIR XML (refused: it could define entities "
            "that read other files or expand without bound)",
            self._offset(),
        )

    def entity(self, *_: object) -> None:  # pragma: no cover - a DOCTYPE is refused first
        raise _Refused("entity declarations are not allowed", self._offset())

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
            raise _Refused("text is not allowed outside the root element", self._offset())
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
        if self.long_values is not None and attrs:
            self.long_values.restore(attrs)
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
        offset = self._offset()
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
        if local[0].isupper():
            pause_point()  # once a resource: the window may want the interpreter first
            node = Node(local, RESOURCE, None, parent, offset)
        else:
            node = Node(local, ELEMENT, None, parent, offset)
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
        self._misc(Node("#comment", COMMENT, text, None, self._offset()))

    def pi(self, target: str, data: str) -> None:
        if self.text is not None:
            self._flush()
        body = f"{target} {data}" if data else target
        if self.div is not None:
            self.div.raw(f"<?{body}?>")
            return
        self._misc(Node("#pi", COMMENT, body, None, self._offset()))


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
