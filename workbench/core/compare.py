"""Comparing two element trees by content (what a round trip must preserve)."""

from __future__ import annotations

from workbench.core.stu3.paths import node_path
from workbench.core.tree import COMMENT, Node


def trees_equal(a: Node, b: Node, *, comments: bool = True) -> bool:
    """Compare two trees by content (names, kinds, values, ids, urls, XML details, order).

    Source positions and JSON value types are ignored; with ``comments=False`` comment nodes
    are skipped on both sides.
    """
    return first_difference(a, b, comments=comments) is None


def first_difference(a: Node, b: Node, *, comments: bool = True) -> str | None:
    """Describe the first difference between two trees, or return None when they are equal."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        for attr in ("name", "kind", "value", "id", "url"):
            vx, vy = getattr(x, attr), getattr(y, attr)
            if vx != vy:
                return f"{node_path(x)}: {attr} {vx!r} != {vy!r}"
        xx = x.xml if x.xml is not None and not x.xml.is_empty() else None
        xy = y.xml if y.xml is not None and not y.xml.is_empty() else None
        if xx != xy:
            return f"{node_path(x)}: XML details differ"
        cx = x.children if comments else [c for c in x.children if c.kind != COMMENT]
        cy = y.children if comments else [c for c in y.children if c.kind != COMMENT]
        if len(cx) != len(cy):
            return f"{node_path(x)}: {len(cx)} children != {len(cy)}"
        stack.extend(zip(reversed(cx), reversed(cy), strict=True))
    return None
