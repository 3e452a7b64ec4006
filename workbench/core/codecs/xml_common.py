"""What the FHIR XML reader and writer share: namespaces, a safe lxml parser, escaping."""

from __future__ import annotations

import json
import re
from functools import lru_cache

from lxml import etree

from workbench.core.errors import WriteError, shorten
from workbench.core.stu3.paths import node_path
from workbench.core.tree import Node

FHIR_NS = "http://hl7.org/fhir"
XHTML_NS = "http://www.w3.org/1999/xhtml"


def safe_parser() -> etree.XMLParser:
    """A safe lxml parser (used to check narrative XHTML and to word syntax errors)."""
    # A parser per call: lxml parsers must not be shared between threads.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def parse_xhtml(markup: str) -> etree._Element:
    """Parse a narrative div's text safely.

    Raises:
        ValueError: it is not well-formed XML, or it holds a DOCTYPE (which, written inside a
            FHIR document, makes XML no reader accepts, and whose entities could read files).
    """
    try:
        root = etree.fromstring(markup.encode("utf-8", errors="surrogatepass"), safe_parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise ValueError(f"the narrative is not well-formed XHTML: {exc}") from None
    info = root.getroottree().docinfo
    if info.internalDTD is not None or info.doctype:
        raise ValueError(
            "the narrative holds a DOCTYPE declaration, which FHIR narrative cannot carry "
            "(it could define entities that read other files); remove it"
        )
    return root


# One scan finds both characters that need escaping and characters XML cannot carry.
_ATTR_CHECK = re.compile('[&<>"\n\r\t\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]')
_TEXT_CHECK = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@lru_cache(maxsize=4096)
def _is_ncname(name: str) -> bool:
    try:
        etree.Element(name)  # lxml checks names as the XML specification words them
    except ValueError:
        return False
    return True


def xml_name(name: str, node: Node, what: str = "element") -> str:
    """``name`` when it can be written as an XML name (``prefix:local`` allowed for attributes).

    A JSON key can be anything (``""``, ``"5"``, ``"a b"``); written as a tag it would make
    a file no XML reader accepts.

    Raises:
        WriteError: the name is not an XML name.
    """
    parts = name.split(":") if what == "attribute" else [name]
    if len(parts) > 2 or not all(_is_ncname(part) for part in parts):
        shown = shorten(name, 60)
        raise WriteError(f"{json.dumps(shown, ensure_ascii=False)} is not a valid XML {what} name", node_path(node))
    return name


def escape_attr(value: str, node: Node) -> str:
    """``value`` escaped for an XML attribute in double quotes.

    Raises:
        WriteError: the value holds a character XML cannot carry.
    """
    if _ATTR_CHECK.search(value) is None:
        return value
    if NOT_XML_CHAR.search(value):
        raise WriteError("value holds a character XML cannot carry", node_path(node))
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )


def escape_text(value: str, node: Node) -> str:
    """``value`` escaped for XML character data.

    Raises:
        WriteError: the text holds a character XML cannot carry.
    """
    if _TEXT_CHECK.search(value) is None:
        return value
    if NOT_XML_CHAR.search(value):
        raise WriteError("text holds a character XML cannot carry", node_path(node))
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
