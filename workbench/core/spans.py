"""Where a node's text is in a document, and which node of one tree is which node of another.

The source preview marks the lines of the selected element and selects the element under a
click. For the text a document was read from, :meth:`Document.position` and
:meth:`Document.node_at` give the start of a node; :func:`line_span` adds where it ends. The XML
and JSON previews show text *rendered* from the tree: reading that text back gives a second tree
with its own positions, and :func:`align` pairs its nodes with the original tree's.

A node's lines run from its start line to the line before the next node outside its subtree
starts (the last line of the text when nothing follows). Lines at the end of that stretch that
only close elements (``</entry>``, ``},``) are kept only as far as they close the node itself,
so the last child of an element does not also mark its parents' end tags.
"""

from __future__ import annotations

import re
import weakref
from bisect import bisect_right
from collections.abc import Iterator

from workbench.core.tree import (
    COMMENT,
    ELEMENT,
    FROM_JSON_ARRAY,
    RESOURCE,
    XHTML,
    Document,
    Node,
)

_XML_CLOSING = re.compile(r"\s*(?:</[^>]*>\s*)+")
_JSON_CLOSING = re.compile(r"\s*[\]}][\]},\s]*")


# ------------------------------------------------------------------------------- alignment


def align_pairs(a_root: Node, b_root: Node) -> Iterator[tuple[Node, Node]]:
    """Pair the nodes of two trees of the same content, in pre-order of the first.

    Where two nodes have children of the same names and kinds in the same order, the children
    are paired one to one (a parallel pre-order walk). Where they differ (a comment one syntax
    cannot carry, an element written in another order), children are paired by path: the same
    kind and name, and the same position among the siblings of that kind and name. Nodes with
    no counterpart are left out, and so is everything below them.

    Args:
        a_root: Root of the first tree.
        b_root: Root of the second tree.

    Yields:
        (node of a, node of b) pairs, the roots first.
    """
    stack = [(a_root, b_root)]
    while stack:
        a, b = stack.pop()
        yield a, b
        a_kids, b_kids = a.children, b.children
        if not a_kids or not b_kids:
            continue
        if len(a_kids) == len(b_kids) and all(
            x.name == y.name and x.kind == y.kind for x, y in zip(a_kids, b_kids, strict=True)
        ):
            stack.extend(zip(reversed(a_kids), reversed(b_kids), strict=True))
            continue
        by_key: dict[tuple[int, str, int], Node] = {}
        seen: dict[tuple[int, str], int] = {}
        for y in b_kids:
            kind_name = (y.kind, y.name)
            count = seen.get(kind_name, 0)
            seen[kind_name] = count + 1
            by_key[(y.kind, y.name, count)] = y
        seen.clear()
        matched = []
        for x in a_kids:
            kind_name = (x.kind, x.name)
            count = seen.get(kind_name, 0)
            seen[kind_name] = count + 1
            partner = by_key.get((x.kind, x.name, count))
            if partner is not None:
                matched.append((x, partner))
        stack.extend(reversed(matched))


def align(a_root: Node, b_root: Node) -> dict[int, Node]:
    """Map ``id(node)`` of every node of tree ``a`` to its counterpart in tree ``b``.

    See :func:`align_pairs` for how nodes are paired. The keys are only meaningful while the
    nodes of ``a`` are alive.

    Args:
        a_root: Root of the first tree.
        b_root: Root of the second tree.

    Returns:
        A dict from ``id()`` of a node of ``a`` to the node of ``b`` it corresponds to.
    """
    return {id(a): b for a, b in align_pairs(a_root, b_root)}


# ----------------------------------------------------------------------------- line spans


class _Lines:
    """The line starts of a document's text, found once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        # A final line break ends the last line; it does not start an empty one.
        self.count = len(self.starts) - (1 if text.endswith("\n") else 0)

    def line(self, number: int) -> str:
        """Return the text of a 1-based line, without its line break."""
        start = self.starts[number - 1]
        end = self.starts[number] - 1 if number < len(self.starts) else len(self.text)
        return self.text[start:end]

    def line_of(self, offset: int) -> int:
        """Return the 1-based line holding a character offset."""
        return bisect_right(self.starts, offset)


_LINES: weakref.WeakKeyDictionary[Document, _Lines] = weakref.WeakKeyDictionary()


def _lines(document: Document) -> _Lines | None:
    text = document.text
    if text is None:
        return None
    found = _LINES.get(document)
    if found is None or found.text is not text:  # a saved document stands for its new bytes
        found = _LINES[document] = _Lines(text)
    return found


def _first_position(document: Document, node: Node) -> tuple[int, int] | None:
    """The position of the first node of a subtree (pre-order) that has one."""
    for candidate in node.iter():
        if candidate.src >= 0:
            found = document.position(candidate)
            if found is not None:
                return found
    return None


def _following(document: Document, node: Node) -> Iterator[Node]:
    """Yield the nodes after ``node``'s subtree in document order, nearest subtrees first."""
    current = node
    while current.parent is not None:
        siblings = current.parent.children
        index = current.index_in_parent()
        yield from siblings[index + 1 :]
        current = current.parent
    if current is document.root:
        yield from document.epilog
    else:
        for outside in (document.prolog, document.epilog):
            for i, item in enumerate(outside):
                if item is current:
                    yield from outside[i + 1 :]
                    if outside is document.prolog:
                        yield document.root
                        yield from document.epilog
                    return


def _next_line(document: Document, node: Node) -> int | None:
    """The line where the first positioned node after ``node``'s subtree starts, or None."""
    for subtree in _following(document, node):
        found = _first_position(document, subtree)
        if found is not None:
            return found[0]
    return None


def _own_closers(node: Node, syntax: str) -> int:
    """How many end tags or closing brackets, after the node's last descendant, are its own."""
    count = 0
    current = node
    while True:
        if current.kind == XHTML:
            # A multi-line div ends with its own end tag in XML; JSON writes it as a string.
            if syntax == "xml" and "\n" in (current.value or ""):
                count += 1
            return count
        kids = current.children
        if not kids:
            return count
        last = kids[-1]
        if syntax == "json":
            # A resource shares its object with the element that wraps it (entry.resource).
            wraps_resource = current.kind == ELEMENT and all(k.kind in (RESOURCE, COMMENT) for k in kids)
            if not wraps_resource:
                count += 1
            if last.flags & FROM_JSON_ARRAY:
                count += 1  # the array holding the last child closes inside this object
        else:
            count += 1
        current = last


def _closers_in(line: str, syntax: str) -> int:
    return line.count("</") if syntax == "xml" else line.count("}") + line.count("]")


def line_span(document: Document, node: Node) -> tuple[int, int] | None:
    """Return the first and last line (1-based, inclusive) of a node's text in a document.

    The span starts on the node's line and runs to the line before the next node outside the
    node's subtree, or to the last line of the text. Blank lines at its end are dropped, and so
    are lines that only close the node's ancestors. A node without a source position (built in
    memory) takes the start of the first positioned node inside it.

    Args:
        document: The document the node belongs to, read from source text.
        node: A node of ``document.root``'s tree, or one of its prolog/epilog comments.

    Returns:
        ``(first_line, last_line)``, or None when neither the node nor anything inside it has a
        source position.
    """
    lines = _lines(document)
    start = _first_position(document, node)
    if lines is None or start is None:
        return None
    first = start[0]
    following = _next_line(document, node)
    last = lines.count if following is None else following - 1
    last = min(max(last, first), max(lines.count, first))
    if node.kind == COMMENT:
        return first, min(last, first + (node.value or "").count("\n"))
    if last == first:
        return first, last
    syntax = document.format
    closing = _XML_CLOSING if syntax == "xml" else _JSON_CLOSING
    # Blank lines and trailing lines that only close elements, from the end upwards.
    while last > first and not lines.line(last).strip():
        last -= 1
    tail: list[tuple[int, int]] = []
    number = last
    while number > first:
        text = lines.line(number)
        if text.strip() and closing.fullmatch(text) is None:
            break
        if text.strip():
            tail.append((number, _closers_in(text, syntax)))
        number -= 1
    if tail:
        own = _own_closers(node, syntax)
        kept_last = number
        closed = 0
        for line_number, closers in reversed(tail):  # top to bottom
            if closed >= own:
                break
            kept_last = line_number
            closed += closers
        last = max(first, kept_last)
    return first, last
