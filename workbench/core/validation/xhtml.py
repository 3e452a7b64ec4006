"""Narrative XHTML: what FHIR STU3 allows inside ``Narrative.div``.

FHIR's narrative is XHTML 1.0 Strict without active content: no scripts, forms, objects,
``ins``/``del``, event-handler attributes, head or body. The content models below are XHTML 1.0
Strict's, so a paragraph cannot hold a paragraph and a list item must sit in a list, as the
STU3 schema checks. :func:`check_div` returns the problems found, each with the offending
element's name.
"""

from __future__ import annotations

from lxml import etree

from workbench.core.codecs.xml_common import parse_xhtml

XHTML = "http://www.w3.org/1999/xhtml"
_X = "{" + XHTML + "}"

_SPECIAL_PRE = {"br", "span", "bdo", "map"}
_SPECIAL = _SPECIAL_PRE | {"img"}
_FONTSTYLE = {"tt", "i", "b", "big", "small"}
_PHRASE = {"em", "strong", "dfn", "code", "q", "samp", "kbd", "var", "cite", "abbr", "acronym", "sub", "sup"}
INLINE = {"a"} | _SPECIAL | _FONTSTYLE | _PHRASE
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
BLOCK = {"p", "div", "ul", "ol", "dl", "pre", "hr", "blockquote", "address", "table"} | _HEADINGS
FLOW = BLOCK | INLINE

#: element -> (allowed child elements, text allowed)
CONTENT: dict[str, tuple[frozenset[str], bool]] = {}
for _name in ("div", "li", "dd", "th", "td"):
    CONTENT[_name] = (frozenset(FLOW), True)
for _name in ("p", "dt", "address", "caption", "span", "bdo", "q", "sub", "sup", *_HEADINGS, *_FONTSTYLE, *_PHRASE):
    CONTENT.setdefault(_name, (frozenset(INLINE), True))
CONTENT["blockquote"] = (frozenset(BLOCK), False)
CONTENT["a"] = (frozenset(INLINE - {"a"}), True)
CONTENT["pre"] = (frozenset({"a"} | _FONTSTYLE | _PHRASE | _SPECIAL_PRE), True)
CONTENT["ul"] = CONTENT["ol"] = (frozenset({"li"}), False)
CONTENT["dl"] = (frozenset({"dt", "dd"}), False)
CONTENT["table"] = (frozenset({"caption", "col", "colgroup", "thead", "tfoot", "tbody", "tr"}), False)
CONTENT["thead"] = CONTENT["tfoot"] = CONTENT["tbody"] = (frozenset({"tr"}), False)
CONTENT["tr"] = (frozenset({"th", "td"}), False)
CONTENT["colgroup"] = (frozenset({"col"}), False)
CONTENT["map"] = (frozenset(BLOCK | {"area"}), False)
for _name in ("br", "hr", "img", "col", "area"):
    CONTENT[_name] = (frozenset(), False)

_COMMON = {"id", "class", "style", "title", "lang", "xml:lang", "dir"}
_CELL_ALIGN = {"align", "char", "charoff", "valign"}
ATTRIBUTES: dict[str, set[str]] = {name: set(_COMMON) for name in CONTENT}
ATTRIBUTES["a"] |= {
    "charset",
    "type",
    "name",
    "href",
    "hreflang",
    "rel",
    "rev",
    "shape",
    "coords",
    "accesskey",
    "tabindex",
}
ATTRIBUTES["img"] |= {"src", "alt", "longdesc", "height", "width", "usemap", "ismap"}
ATTRIBUTES["table"] |= {"summary", "width", "border", "frame", "rules", "cellspacing", "cellpadding"}
for _name in ("td", "th"):
    ATTRIBUTES[_name] |= {"abbr", "axis", "headers", "scope", "rowspan", "colspan"} | _CELL_ALIGN
for _name in ("tr", "thead", "tbody", "tfoot"):
    ATTRIBUTES[_name] |= _CELL_ALIGN
for _name in ("col", "colgroup"):
    ATTRIBUTES[_name] |= {"span", "width"} | _CELL_ALIGN
for _name in ("blockquote", "q"):
    ATTRIBUTES[_name] |= {"cite"}
ATTRIBUTES["pre"] |= {"xml:space"}
ATTRIBUTES["map"] |= {"name"}
ATTRIBUTES["area"] |= {"shape", "coords", "href", "nohref", "alt", "accesskey", "tabindex"}
ATTRIBUTES["br"] = {"id", "class", "style", "title"}
REQUIRED_ATTRIBUTES = {"img": ("src", "alt"), "area": ("alt",), "bdo": ("dir",), "map": ("id",)}
FORBIDDEN = {
    "script": "scripts are active content",
    "object": "objects are active content",
    "applet": "applets are active content",
    "embed": "embedded objects are active content",
    "iframe": "frames are not allowed",
    "frame": "frames are not allowed",
    "form": "forms are not allowed",
    "input": "forms are not allowed",
    "select": "forms are not allowed",
    "textarea": "forms are not allowed",
    "button": "forms are not allowed",
    "head": "a head is not allowed",
    "body": "a body is not allowed",
    "html": "an html element is not allowed",
    "base": "base is not allowed",
    "link": "links to stylesheets are not allowed",
    "style": "style elements are not allowed (use the style attribute)",
    "meta": "meta is not allowed",
    "ins": "ins is not allowed",
    "del": "del is not allowed",
    "noscript": "noscript is not allowed",
}


def _attribute_name(key: str) -> str:
    if key.startswith("{http://www.w3.org/XML/1998/namespace}"):
        return "xml:" + key.split("}", 1)[1]
    return key if not key.startswith("{") else "{}" + key.split("}", 1)[1]


def check_div(markup: str, *, limit: int = 20) -> list[str]:
    """Return the problems of a narrative div's XHTML (at most ``limit``), or an empty list."""
    try:
        root = parse_xhtml(markup)
    except ValueError as exc:
        return [str(exc)]
    problems: list[str] = []
    if root.tag != _X + "div":
        tag = root.tag if isinstance(root.tag, str) else "?"
        return [f"the narrative must be a div in the XHTML namespace ({XHTML}); found {tag}"]
    _check(root, "div", problems, limit)
    return problems


def _check(element: etree._Element, name: str, problems: list[str], limit: int) -> None:
    allowed, text_ok = CONTENT.get(name, (frozenset(), False))
    for key in element.attrib:
        attribute = _attribute_name(key)
        if attribute not in ATTRIBUTES.get(name, ()):
            what = (
                "event handlers are active content"
                if attribute.startswith("on")
                else "not an XHTML attribute FHIR allows here"
            )
            problems.append(f"<{name}> has attribute '{attribute}': {what}")
    for required in REQUIRED_ATTRIBUTES.get(name, ()):
        if required not in element.attrib:
            problems.append(f"<{name}> needs a '{required}' attribute")
    if not text_ok and element.text and element.text.strip():
        problems.append(f"<{name}> cannot hold text directly")
    for child in element:
        if len(problems) >= limit:
            return
        if not isinstance(child.tag, str):
            continue
        if not text_ok and child.tail and child.tail.strip():
            problems.append(f"<{name}> cannot hold text directly")
        if not child.tag.startswith(_X):
            problems.append(f"<{child.tag}> inside <{name}> is not in the XHTML namespace")
            continue
        child_name = child.tag[len(_X) :]
        if child_name in FORBIDDEN:
            problems.append(f"<{child_name}> is not allowed in a narrative: {FORBIDDEN[child_name]}")
            continue
        if child_name not in CONTENT:
            problems.append(f"<{child_name}> is not an XHTML element FHIR allows")
            continue
        if child_name not in allowed:
            problems.append(f"<{child_name}> is not allowed inside <{name}>")
        _check(child, child_name, problems, limit)
    if name in ("ul", "ol", "tr", "thead", "tbody", "tfoot") and not any(isinstance(c.tag, str) for c in element):
        problems.append(f"<{name}> must contain at least one {'li' if name in ('ul', 'ol') else 'row or cell'}")
