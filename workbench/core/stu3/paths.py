"""Element paths of nodes in the tree, such as ``Bundle.entry[0].resource.extension[2]``.

The path names each step by the element name; resources nested in an element add no step of
their own (FHIRPath style). A step is indexed when its element repeats: when it has same-named
siblings, when it was an item of a JSON array, or when STU3 says it repeats (so the path of a
lone ``entry`` is still ``entry[0]``, as FHIRPath writes it).

A node's index among its siblings takes a scan of them. Work that asks for the paths of many
nodes of a tree that does not change meanwhile (a validation run) wraps itself in
:func:`sibling_index`: each parent's children are then indexed once, so 20,000 findings among
20,000 siblings cost 20,000 steps, not 400 million.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from workbench.core import stu3
from workbench.core.stu3.typeinfo import type_of
from workbench.core.tree import COMMENT, FROM_JSON_ARRAY, RESOURCE, Node

#: Parents with fewer children are scanned directly: indexing them would cost more than it saves.
_INDEX_FROM = 16

_Table = dict[int, tuple[int, int]]
_INDEX: ContextVar[dict[int, tuple[Node, _Table]] | None] = ContextVar("sibling_index", default=None)


@contextmanager
def sibling_index() -> Iterator[None]:
    """Index siblings once per parent while the block runs (the tree must not change in it).

    Nested uses share the outer index; the index is per thread (a context variable).
    """
    if _INDEX.get() is not None:
        yield
        return
    token = _INDEX.set({})
    try:
        yield
    finally:
        _INDEX.reset(token)


def node_path(node: Node) -> str:
    """Return the element path of ``node``."""
    steps: list[str] = []
    current: Node | None = node
    while current is not None:
        parent = current.parent
        if current.kind == RESOURCE and parent is not None:
            current = parent
            continue
        if parent is None:
            steps.append(current.name)
            break
        if current.kind == COMMENT:
            steps.append("#comment")
        else:
            index, count = _position(parent, current)
            if count > 1 or current.flags & FROM_JSON_ARRAY or _repeats(parent, current.name):
                steps.append(f"{current.name}[{index}]")
            else:
                steps.append(current.name)
        current = parent
    return ".".join(reversed(steps))


def _position(parent: Node, node: Node) -> tuple[int, int]:
    """``node``'s index among its same-named siblings, and how many there are."""
    children = parent.children
    index_of = _INDEX.get()
    if index_of is not None and len(children) >= _INDEX_FROM:
        found = index_of.get(id(parent))
        if found is None or found[0] is not parent:
            found = index_of[id(parent)] = (parent, _table(children))
        place = found[1].get(id(node))
        if place is not None:
            return place
    index = count = 0
    name = node.name
    for sibling in children:
        if sibling.name == name and sibling.kind != COMMENT:
            if sibling is node:
                index = count
            count += 1
    return index, count


def _table(children: list[Node]) -> _Table:
    """(index among same-named siblings, how many share the name) for every child, by id."""
    counts: dict[str, int] = {}
    places: list[tuple[Node, int]] = []
    for child in children:
        if child.kind == COMMENT:
            continue
        seen = counts.get(child.name, 0)
        counts[child.name] = seen + 1
        places.append((child, seen))
    return {id(child): (index, counts[child.name]) for child, index in places}


def _repeats(parent: Node, name: str) -> bool:
    """True when STU3 says ``name`` repeats in ``parent``."""
    parent_type = type_of(parent)
    if parent_type is None:
        return False
    definition = stu3.element_def(parent_type, name)
    return definition is not None and definition.max_many
