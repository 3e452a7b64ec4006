"""Element paths of nodes in the tree, such as ``Bundle.entry[0].resource.extension[2]``.

The path names each step by the element name; resources nested in an element add no step of
their own (FHIRPath style). A step is indexed when its element repeats: when it has same-named
siblings, when it was an item of a JSON array, or when STU3 says it repeats (so the path of a
lone ``entry`` is still ``entry[0]``, as FHIRPath writes it).

A node's index among its siblings takes a scan of them. Work that asks for the paths of many
nodes of a tree that does not change meanwhile passes a ``memo``, or wraps itself in
:func:`sibling_index` (a validation run does, so every finding's path is found through it):
each parent's children are then indexed once, and 20,000 findings among 20,000 siblings cost
20,000 steps, not 400 million.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from workbench.core import stu3
from workbench.core.stu3.typeinfo import type_of
from workbench.core.tree import COMMENT, FROM_JSON_ARRAY, RESOURCE, Node

Memo = dict[int, dict[int, tuple[int, int]]]
_INDEX: ContextVar[Memo | None] = ContextVar("sibling_index", default=None)


@contextmanager
def sibling_index() -> Iterator[None]:
    """Remember each parent's child positions while the block runs (the tree must not change in it).

    Every :func:`node_path` call without a memo of its own uses it. Nested uses share the outer
    one; it is per thread (a context variable).
    """
    if _INDEX.get() is not None:
        yield
        return
    token = _INDEX.set({})
    try:
        yield
    finally:
        _INDEX.reset(token)


def node_path(node: Node, memo: Memo | None = None) -> str:
    """Return the element path of ``node``.

    ``memo`` (an empty dict to start) remembers each parent's child positions across calls, so
    the paths of many nodes of a large, unchanging tree cost one pass over each parent's
    children instead of one per node. Inside :func:`sibling_index` its memo is used.
    """
    if memo is None:
        memo = _INDEX.get()
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
            index, count = _position(parent, current) if memo is None else _remembered(parent, current, memo)
            if count > 1 or current.flags & FROM_JSON_ARRAY or _repeats(parent, current.name):
                steps.append(f"{current.name}[{index}]")
            else:
                steps.append(current.name)
        current = parent
    return ".".join(reversed(steps))


def _position(parent: Node, node: Node) -> tuple[int, int]:
    """``node``'s index among its same-named siblings, and how many there are."""
    index = count = 0
    name = node.name
    for sibling in parent.children:
        if sibling.name == name and sibling.kind != COMMENT:
            if sibling is node:
                index = count
            count += 1
    return index, count


def _remembered(parent: Node, node: Node, memo: dict[int, dict[int, tuple[int, int]]]) -> tuple[int, int]:
    positions = memo.get(id(parent))
    if positions is None:
        seen: dict[str, list[Node]] = {}
        for sibling in parent.children:
            if sibling.kind != COMMENT:
                seen.setdefault(sibling.name, []).append(sibling)
        positions = memo[id(parent)] = {
            id(sibling): (index, len(group)) for group in seen.values() for index, sibling in enumerate(group)
        }
    return positions.get(id(node), (0, 0))


def _repeats(parent: Node, name: str) -> bool:
    """True when STU3 says ``name`` repeats in ``parent``."""
    parent_type = type_of(parent)
    if parent_type is None:
        return False
    definition = stu3.element_def(parent_type, name)
    return definition is not None and definition.max_many
