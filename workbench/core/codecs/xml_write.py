"""Element tree -> FHIR XML.

Primitives as ``value`` attributes, ``id`` and extension ``url`` as attributes, the narrative
``div`` in the XHTML namespace, resources wrapped in their element; namespace declarations and
other XML details kept from the source. The order of elements is the tree's (faithful) or
STU3's (``normalise=True``).
"""

from __future__ import annotations

from workbench.core.codecs.xml_common import FHIR_NS, NOT_XML_CHAR, escape_attr, escape_text, parse_xhtml, xml_name
from workbench.core.errors import WriteError
from workbench.core.stu3.order import child_type, stu3_ordered
from workbench.core.stu3.paths import node_path
from workbench.core.tree import COMMENT, RESOURCE, XHTML, Document, Node, gc_paused


def write_xml(
    source: Document | Node,
    *,
    normalise: bool = False,
    indent: str = "  ",
    check_xhtml: bool | None = None,
) -> bytes:
    """Write a document (or a subtree) as FHIR XML, UTF-8, with an XML declaration.

    Args:
        source: the document or node to write.
        normalise: put elements in STU3 order instead of the tree's order.
        indent: indentation per level ("" writes one line per element without indent).
        check_xhtml: parse each narrative div before writing it; defaults to True unless the
            document was read from XML (where lxml already serialised it).

    Raises:
        WriteError: a value or narrative cannot be written as XML.
    """
    if isinstance(source, Document):
        root, prolog, epilog = source.root, source.prolog, source.epilog
        if check_xhtml is None:
            check_xhtml = source.format != "xml"
    else:
        root, prolog, epilog = source, [], []
    writer = _XmlWriter(normalise, indent, bool(check_xhtml))
    with gc_paused():
        writer.document(root, prolog, epilog)
    try:
        return "".join(writer.out).encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates from JSON escapes
        raise WriteError(f"text holds a character UTF-8 cannot carry ({exc.reason})") from None


class _XmlWriter:
    def __init__(self, normalise: bool, indent: str, check_xhtml: bool) -> None:
        self.out: list[str] = []
        self.normalise = normalise
        self.indent = indent
        self.newline = "\n" if indent else ""
        self.check_xhtml = check_xhtml
        self.names: set[str] = set()  # element names already checked

    def document(self, root: Node, prolog: list[Node], epilog: list[Node]) -> None:
        out = self.out
        out.append('<?xml version="1.0" encoding="UTF-8"?>\n')
        for item in prolog:
            self.misc(item, "")
            out.append("\n")
        self.element(root, 0, root.name if root.kind == RESOURCE else None, True)
        out.append("\n")
        for item in epilog:
            self.misc(item, "")
            out.append("\n")

    def misc(self, node: Node, pad: str) -> None:
        value = node.value or ""
        if node.name == "#pi":
            target = value.split(None, 1)[0] if value.strip() else ""
            if "?>" in value or NOT_XML_CHAR.search(value) or not target or target.lower() == "xml":
                raise WriteError(
                    "a processing instruction must start with a name (not xml) and cannot hold '?>'", node_path(node)
                )
            xml_name(target, node, "processing instruction")
            self.out.append(f"{pad}<?{value}?>")
            return
        if "--" in value or value.endswith("-") or NOT_XML_CHAR.search(value):
            raise WriteError("comment text cannot contain '--' or control characters in XML", node_path(node))
        self.out.append(f"{pad}<!--{value}-->")  # comment text is literal: no escaping

    def element(self, node: Node, depth: int, type_name: str | None, is_root: bool = False) -> None:
        out = self.out
        pad = self.indent * depth
        kind = node.kind
        if kind == COMMENT:
            self.misc(node, pad)
            return
        if kind == XHTML:
            markup = node.value or ""
            if self.check_xhtml:
                _check_xhtml(markup, node)
            out.append(pad + markup)
            self._tail(node)
            return
        info = node.xml
        children = node.children
        name = node.name
        if name not in self.names:
            self.names.add(xml_name(name, node))
        if info is None and not children and node.id is None and node.url is None and not is_root:
            value = node.value
            if value is not None:  # the common case: a primitive with only a value
                out.append(f'{pad}<{name} value="{escape_attr(value, node)}"/>')
            else:
                out.append(f"{pad}<{name}/>")
            return
        tag = name if info is None or info.prefix is None else f"{xml_name(info.prefix, node, 'prefix')}:{name}"
        parts = [pad, "<", tag]
        if info is not None and info.decl is not None:
            for prefix, uri in info.decl.items():
                parts.append(
                    f' xmlns:{xml_name(prefix, node, "prefix")}="{escape_attr(uri, node)}"'
                    if prefix
                    else f' xmlns="{escape_attr(uri, node)}"'
                )
        elif is_root:
            parts.append(f' xmlns="{FHIR_NS}"')
        if node.id is not None:
            parts.append(f' id="{escape_attr(node.id, node)}"')
        if node.url is not None:
            parts.append(f' url="{escape_attr(node.url, node)}"')
        if node.value is not None:
            parts.append(f' value="{escape_attr(node.value, node)}"')
        if info is not None and info.attrs:
            for key, value in info.attrs.items():
                parts.append(f' {xml_name(key, node, "attribute")}="{escape_attr(value, node)}"')
        text = info.text if info is not None else None
        if not children and text is None:
            parts.append("/>")
            out.append("".join(parts))
            self._tail(node)
            return
        parts.append(">")
        out.append("".join(parts))
        if text is not None:
            out.append(escape_text(text, node))
        if children:
            if self.normalise:
                children = stu3_ordered(node, type_name)
            newline = self.newline
            for child in children:
                if not _has_raw_text_before(child, text):
                    out.append(newline)
                self.element(child, depth + 1, child_type(type_name, child) if self.normalise else None)
                text = child.xml.tail if child.xml is not None else None
            if text is None:
                out.append(newline + pad)
        out.append(f"</{tag}>")
        self._tail(node)

    def _tail(self, node: Node) -> None:
        if node.xml is not None and node.xml.tail is not None:
            self.out.append(escape_text(node.xml.tail, node))


def _has_raw_text_before(child: Node, previous_text: str | None) -> bool:
    # Whitespace after raw (non-whitespace) text would change that text node, so none is added.
    return previous_text is not None


def _check_xhtml(markup: str, node: Node) -> None:
    try:
        parse_xhtml(markup)
    except ValueError as exc:
        raise WriteError(str(exc), node_path(node)) from None
