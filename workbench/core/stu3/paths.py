"""Element paths of nodes in the tree, such as ``Bundle.entry[0].resource.extension[2]``.

The path names each step by the element name; resources nested in an element add no step of
their own (FHIRPath style). A step is indexed when its element repeats: when it has same-named
siblings, when it was an item of a JSON array, or when STU3 says it repeats (so the path of a
lone ``entry`` is still ``entry[0]``, as FHIRPath writes it).
"""

from __future__ import annotations

from workbench.core import stu3
from workbench.core.stu3.typeinfo import type_of
from workbench.core.tree import COMMENT, FROM_JSON_ARRAY, RESOURCE, Node


def node_path(node: Node, memo: dict[int, dict[int, tuple[int, int]]] | None = None) -> str:
    """Return the element path of ``node``.

    ``memo`` (an empty dict to start) remembers each parent's child positions across calls, so
    the paths of many nodes of a large, unchanging tree cost one pass over each parent's
    children instead of one per node.
    """
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
