"""What the FHIR XML reader and writer share: namespaces, a safe lxml parser, escaping."""

from __future__ import annotations

import re

from lxml import etree

from workbench.core.errors import WriteError
from workbench.core.stu3.paths import node_path
from workbench.core.tree import Node

FHIR_NS = "http://hl7.org/fhir"
XHTML_NS = "http://www.w3.org/1999/xhtml"


def safe_parser() -> etree.XMLParser:
    """A safe lxml parser (used to check narrative XHTML and to word syntax errors)."""
    # A parser per call: lxml parsers must not be shared between threads.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


# One scan finds both characters that need escaping and characters XML cannot carry.
_ATTR_CHECK = re.compile('[&<>"\n\r\t\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]')
_TEXT_CHECK = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


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
