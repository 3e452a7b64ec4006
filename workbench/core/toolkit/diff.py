"""Compare two messages as element trees: what was added, removed, changed or moved, and where.

Both documents are read into the same lossless tree whatever their syntax, so a message and its
own JSON compare equal: values are compared as text (JSON's number and boolean types, comments
and XML-only details are not FHIR content and are left out).

Children are compared name by name. The items of a repeating element (``entry``, ``given``,
``extension``) are paired first where their content is identical, then by what identifies them
(an entry's fullUrl, an extension's url, an identifier's or coding's system), then in order; an
item left over is added or removed, and an identical item whose place among its siblings changed
is moved. Order between elements of different names is not compared (FHIR fixes it).

With ``ignore_volatile`` what changes on every send is left out: resource ids and fullUrls are
replaced on each side by a label for the resource they name (its type and its place among the
resources of that type), and references are compared through those labels, so a message whose
ids were renamed consistently compares equal; instants (``MessageHeader.timestamp``,
``meta.lastUpdated``), Bundle identifiers and the answered message id of a Response are ignored.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from workbench.core import stu3
from workbench.core.pacing import pause_point
from workbench.core.stu3.paths import node_path
from workbench.core.tree import COMMENT, ELEMENT, RESOURCE, Document, Node, gc_paused
from workbench.core.words import plural

Kind = Literal["added", "removed", "changed", "moved"]
KINDS: tuple[Kind, ...] = ("changed", "added", "removed", "moved")

#: Values shown in a difference are cut to this many characters.
_SHOWN = 300


@dataclass(frozen=True, slots=True)
class Difference:
    """One difference between message A and message B.

    Attributes:
        kind: ``added`` (only in B), ``removed`` (only in A), ``changed`` (a value, id, url or
            resource type differs) or ``moved`` (the same item at another place among its
            siblings).
        path: the FHIR element path in A (in B for an addition).
        a, b: what A and B have there: the values for a change, a short description of the
            element for an addition or removal, the two paths for a move.
        path_b: the element path in B (None for a removal).
        node_a, node_b: the nodes in the two trees (None on the side that lacks it), for
            marking them.
    """

    kind: Kind
    path: str
    a: str | None
    b: str | None
    path_b: str | None = None
    node_a: Node | None = field(default=None, compare=False, repr=False)
    node_b: Node | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict[str, str | None]:
        """The difference as plain data: kind, path, a, b."""
        return {"kind": self.kind, "path": self.path, "a": self.a, "b": self.b}

    @property
    def text(self) -> str:
        """One line for a terminal: ``changed  Bundle.type: 'message' -> 'document'``."""
        if self.kind == "changed":
            return f"changed  {self.path}: {_quote(self.a)} -> {_quote(self.b)}"
        if self.kind == "moved":
            return f"moved    {self.a} -> {self.b}"
        shown = self.b if self.kind == "added" else self.a
        return f"{self.kind:<8} {self.path}: {shown}"


@dataclass(frozen=True)
class DiffResult:
    """Every difference between two messages, in document order (A's, then B's additions).

    Attributes:
        differences: the differences.
        ignore_volatile: whether ids, fullUrls, timestamps and identifiers were ignored.
        pairs: the nodes of A paired with nodes of B (by ``id()`` of the A node), for keeping
            two tree views in step.
    """

    differences: tuple[Difference, ...]
    ignore_volatile: bool = False
    pairs: dict[int, Node] = field(default_factory=dict, repr=False, compare=False)

    @property
    def same(self) -> bool:
        """True when the two messages do not differ."""
        return not self.differences

    def counts(self) -> dict[str, int]:
        """How many differences of each kind (every kind listed, zeros included)."""
        counts = dict.fromkeys(KINDS, 0)
        for difference in self.differences:
            counts[difference.kind] += 1
        return counts

    def counterpart(self, node_a: Node) -> Node | None:
        """The node of B paired with a node of A, if any."""
        return self.pairs.get(id(node_a))

    def marks(self, side: Literal["a", "b"]) -> dict[int, Kind]:
        """The kind of difference at each marked node of one side, by ``id()`` of the node."""
        marked: dict[int, Kind] = {}
        for difference in self.differences:
            node = difference.node_a if side == "a" else difference.node_b
            if node is not None:
                marked.setdefault(id(node), difference.kind)
        return marked

    def summary(self) -> str:
        """``same`` or ``3 differences (2 changed, 1 added)``."""
        if self.same:
            return "same"
        counts = ", ".join(f"{n} {kind}" for kind, n in self.counts().items() if n)
        return f"{plural(len(self.differences), 'difference')} ({counts})"

    def to_json(self) -> dict[str, object]:
        """``{"same": bool, "differences": [{"kind", "path", "a", "b"}]}``."""
        return {"same": self.same, "differences": [d.to_json() for d in self.differences]}


def diff_documents(a: Document | Node, b: Document | Node, *, ignore_volatile: bool = False) -> DiffResult:
    """Compare two documents (or trees) and return every difference."""
    root_a = a.root if isinstance(a, Document) else a
    root_b = b.root if isinstance(b, Document) else b
    with gc_paused():
        return _Differ(root_a, root_b, ignore_volatile).run()


# ---- what changes on every send -------------------------------------------------------------

_INSTANT = "instant"
_UUID = re.compile(r"^(urn:uuid:)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class _Side:
    """One tree prepared for comparing: normalised values and a content hash per node.

    With ``volatile``, :meth:`prepare` first hashes the resources with their ids and references
    blanked out, so that :func:`_label` can pair the resources of the two sides by content
    (then by type and order); each side then names a paired resource by the same label.
    """

    def __init__(self, root: Node, volatile: bool) -> None:
        self.root = root
        self.volatile = volatile
        self.labels: dict[str, str] = {}
        self.typed: dict[int, str | None] = {}
        self.resources: list[Node] = []
        self.sigs: dict[int, bytes] = {}
        self._blank = False
        if volatile:
            self._walk_types(root)
            self._blank = True
            self._sign(root)
            self._blank = False

    def _walk_types(self, root: Node) -> None:
        stack: list[tuple[Node, str | None]] = [(root, None)]
        while stack:
            node, parent_type = stack.pop()
            node_type: str | None = None
            if node.kind == RESOURCE:
                pause_point()
                node_type = node.name
                self.resources.append(node)
            elif parent_type is not None and node.kind != COMMENT:
                definition = stu3.element_def(parent_type, node.name)
                node_type = definition.type if definition is not None else None
            self.typed[id(node)] = node_type
            stack.extend((child, node_type) for child in reversed(node.children))

    def name_resource(self, resource: Node, label: str) -> None:
        """Record that ``resource`` (its id, Type/id and fullUrl) is called ``label``."""
        rid = resource.value_at("id")
        if rid:
            self.labels.setdefault(f"{resource.name}/{rid}", label)
            self.labels.setdefault(rid, label)
        wrapper = resource.parent
        entry = wrapper.parent if wrapper is not None and wrapper.name == "resource" else None
        full_url = entry.value_at("fullUrl") if entry is not None and entry.name == "entry" else None
        if full_url:
            self.labels.setdefault(full_url, label)

    def finish(self) -> None:
        """Hash every subtree with the final values (labels in place of ids)."""
        self.sigs = {}
        self._sign(self.root)

    def value(self, node: Node) -> str | None:
        """The node's value as compared: volatile values replaced by labels."""
        value = node.value
        if not self.volatile or value is None:
            return value
        parent = node.parent
        name = node.name
        if parent is not None and parent.kind == RESOURCE and name == "id":
            return "<id>" if self._blank else self.labels.get(value, "<id>")
        if name == "fullUrl":
            return "<fullUrl>" if self._blank else self.labels.get(value, "<fullUrl>")
        if name == "reference":
            return "<reference>" if self._blank else self._reference(value)
        if self.typed.get(id(node)) == _INSTANT:
            return "<instant>"
        if parent is not None and name == "value" and parent.name == "identifier":
            owner = parent.parent
            if (owner is not None and owner.kind == RESOURCE and owner.name == "Bundle") or _UUID.match(value):
                return "<generated identifier>"
        if name == "identifier" and parent is not None and parent.name == "response":
            return "<answered message id>" if self._blank else self.labels.get(value, "<answered message id>")
        return value

    def _reference(self, value: str) -> str:
        found = self.labels.get(value)
        if found is not None:
            return found
        if value.startswith("urn:uuid:"):
            return self.labels.get(value[9:], value)
        if value.startswith("#"):
            return self.labels.get(value[1:], value)
        parts = value.rstrip("/").split("/")
        if len(parts) >= 2:
            return self.labels.get(f"{parts[-2]}/{parts[-1]}", value)
        return value

    def _sign(self, root: Node) -> None:
        """A hash of each subtree's content (comments and XML details left out)."""
        order: list[Node] = []
        stack = [root]
        while stack:
            node = stack.pop()
            order.append(node)
            stack.extend(c for c in node.children if _counts(c))
        sigs = self.sigs
        for node in reversed(order):
            if node.kind == RESOURCE:
                pause_point()
            digest = hashlib.blake2b(digest_size=16)
            digest.update(f"{node.kind}\x00{node.name}\x00{self.value(node)}\x00{node.id}\x00{node.url}".encode())
            for child in node.children:
                if _counts(child):
                    digest.update(sigs[id(child)])
            sigs[id(node)] = digest.digest()


def _label(side_a: _Side, side_b: _Side) -> None:
    """Pair the resources of two sides (same content first, then by type in order) and name
    each pair alike, so ids, fullUrls and references compare through the mapping."""
    by_type_a: dict[str, list[Node]] = defaultdict(list)
    by_type_b: dict[str, list[Node]] = defaultdict(list)
    for resource in side_a.resources:
        by_type_a[resource.name].append(resource)
    for resource in side_b.resources:
        by_type_b[resource.name].append(resource)
    for kind, items_a in by_type_a.items():
        items_b = by_type_b.get(kind, [])
        waiting: dict[bytes, deque[int]] = defaultdict(deque)
        for i, resource in enumerate(items_a):
            waiting[side_a.sigs[id(resource)]].append(i)
        pairs: dict[int, int] = {}
        rest_b = []
        for j, resource in enumerate(items_b):
            queue = waiting.get(side_b.sigs[id(resource)])
            if queue:
                pairs[queue.popleft()] = j
            else:
                rest_b.append(j)
        rest_a = [i for i in range(len(items_a)) if i not in pairs]
        pairs.update(zip(rest_a, rest_b, strict=False))
        for number, (i, j) in enumerate(sorted(pairs.items()), 1):
            side_a.name_resource(items_a[i], f"<{kind} {number}>")
            side_b.name_resource(items_b[j], f"<{kind} {number}>")
        for i in rest_a[len(rest_b) :]:
            side_a.name_resource(items_a[i], f"<{kind} {i + 1} of A>")
        for j in rest_b[len(rest_a) :]:
            side_b.name_resource(items_b[j], f"<{kind} {j + 1} of B>")
    for kind, items_b in by_type_b.items():
        if kind not in by_type_a:
            for j, resource in enumerate(items_b):
                side_b.name_resource(resource, f"<{kind} {j + 1} of B>")


# ---- the comparison -----------------------------------------------------------------------


class _Differ:
    def __init__(self, a: Node, b: Node, volatile: bool) -> None:
        self.a, self.b = a, b
        self.volatile = volatile
        self.side_a = _Side(a, volatile)
        self.side_b = _Side(b, volatile)
        if volatile:
            _label(self.side_a, self.side_b)
        self.side_a.finish()
        self.side_b.finish()
        self.found: list[tuple[tuple[int, ...], Difference]] = []
        self.pairs: dict[int, Node] = {}
        self.paths: dict[int, dict[int, tuple[int, int]]] = {}

    def run(self) -> DiffResult:
        stack: list[tuple[Node, Node, tuple[int, ...]]] = [(self.a, self.b, ())]
        while stack:
            x, y, order = stack.pop()
            if x.kind == RESOURCE:
                pause_point()
            self.pairs[id(x)] = y
            if self.side_a.sigs[id(x)] == self.side_b.sigs[id(y)]:
                self._pair_all(x, y)
                continue
            if not self._compare_node(x, y, order):
                continue
            stack.extend(reversed(self._children(x, y, order)))
        self.found.sort(key=lambda item: item[0])
        return DiffResult(tuple(d for _, d in self.found), self.volatile, self.pairs)

    def _path(self, node: Node) -> str:
        return node_path(node, self.paths)

    def _changed(self, x: Node, y: Node, a: str | None, b: str | None) -> Difference:
        return Difference("changed", self._path(x), a, b, self._path(y), x, y)

    def _pair_all(self, x: Node, y: Node) -> None:
        """Pair two identical subtrees node by node."""
        stack = [(x, y)]
        while stack:
            p, q = stack.pop()
            self.pairs[id(p)] = q
            cp = [c for c in p.children if _counts(c)]
            cq = [c for c in q.children if _counts(c)]
            stack.extend(zip(cp, cq, strict=False))

    def _add(self, order: tuple[int, ...], difference: Difference) -> None:
        self.found.append((order, difference))

    def _compare_node(self, x: Node, y: Node, order: tuple[int, ...]) -> bool:
        """Record what differs on the node itself; False when its children are not comparable."""
        if x.kind != y.kind or x.name != y.name:
            self._add(order, self._changed(x, y, _describe(x), _describe(y)))
            return False
        value_a, value_b = self.side_a.value(x), self.side_b.value(y)
        if value_a != value_b:
            self._add(order, self._changed(x, y, _cut(x.value), _cut(y.value)))
        if x.id != y.id:
            self._add(order, self._changed(x, y, f"id {x.id}" if x.id else None, f"id {y.id}" if y.id else None))
        if x.url != y.url:
            self._add(order, self._changed(x, y, x.url, y.url))
        return True

    def _children(self, x: Node, y: Node, order: tuple[int, ...]) -> list[tuple[Node, Node, tuple[int, ...]]]:
        groups_a = _groups(x.children)
        groups_b = _groups(y.children)
        follow: list[tuple[Node, Node, tuple[int, ...]]] = []
        names = list(groups_a) + [n for n in groups_b if n not in groups_a]
        for name in names:
            items_a = groups_a.get(name, [])
            items_b = groups_b.get(name, [])
            pairs, removed, added = self._match(items_a, items_b)
            for i in removed:
                node = items_a[i][1]
                self._add(
                    (*order, items_a[i][0]), Difference("removed", self._path(node), _describe(node), None, None, node)
                )
            for j in added:
                node = items_b[j][1]
                place = (*order, _after(items_a, pairs, j), 1 << 30)
                self._add(
                    place, Difference("added", self._path(node), None, _describe(node), self._path(node), None, node)
                )
            for i, j in _moved(pairs):
                p, q = items_a[i][1], items_b[j][1]
                path_a, path_b = self._path(p), self._path(q)
                if path_a != path_b:
                    self._add((*order, items_a[i][0]), Difference("moved", path_a, path_a, path_b, path_b, p, q))
            follow.extend((items_a[i][1], items_b[j][1], (*order, items_a[i][0])) for i, j in pairs)
        follow.sort(key=lambda item: item[2])
        return follow

    def _match(
        self, items_a: list[tuple[int, Node]], items_b: list[tuple[int, Node]]
    ) -> tuple[list[tuple[int, int]], list[int], list[int]]:
        """Pair the items of one name: identical ones, then by identity, then in order."""
        pairs: list[tuple[int, int]] = []
        free_a = list(range(len(items_a)))
        free_b = list(range(len(items_b)))
        sig_a, sig_b = self.side_a.sigs, self.side_b.sigs
        steps = (
            (lambda n: sig_a[id(n)], lambda n: sig_b[id(n)]),
            (lambda n: self._identity(n, self.side_a), lambda n: self._identity(n, self.side_b)),
        )
        for key_a, key_b in steps:
            if not free_a or not free_b:
                break
            waiting: dict[object, deque[int]] = defaultdict(deque)
            for i in free_a:
                key = key_a(items_a[i][1])
                if key is not None:
                    waiting[key].append(i)
            left_b = []
            for j in free_b:
                key = key_b(items_b[j][1])
                queue = waiting.get(key) if key is not None else None
                if queue:
                    pairs.append((queue.popleft(), j))
                else:
                    left_b.append(j)
            taken = {i for i, _ in pairs}
            free_a = [i for i in free_a if i not in taken]
            free_b = left_b
        for i, j in zip(free_a, free_b, strict=False):  # what is left, in order
            pairs.append((i, j))
        count = min(len(free_a), len(free_b))
        pairs.sort()
        return pairs, free_a[count:], free_b[count:]

    @staticmethod
    def _identity(node: Node, side: _Side) -> object:
        """What identifies an item among its siblings, or None when nothing does."""
        name = node.name
        if name == "entry":
            full_url = node.child("fullUrl")
            wrapper = node.child("resource")
            resource = wrapper.resource() if wrapper is not None else None
            kind = resource.name if resource is not None else None
            return ("entry", kind, side.value(full_url) if full_url is not None else None)
        if node.url is not None:
            return ("url", node.url)
        if name in ("identifier", "coding", "telecom"):
            system = node.child("system")
            return (name, system.value if system is not None else None)
        return None


def _counts(node: Node) -> bool:
    """Whether a child takes part in the comparison: not a comment, and not an element that
    carries nothing FHIR can say (no value, id, url or content: XML text only, which FHIR JSON
    has no place for), so a message and its JSON compare equal."""
    if node.kind == COMMENT:
        return False
    if node.kind != ELEMENT or node.value is not None or node.id is not None or node.url is not None:
        return True
    return any(_counts(c) for c in node.children)


def _groups(children: Iterable[Node]) -> dict[str, list[tuple[int, Node]]]:
    groups: dict[str, list[tuple[int, Node]]] = {}
    for index, child in enumerate(children):
        if _counts(child):
            groups.setdefault(child.name, []).append((index, child))
    return groups


def _after(items_a: list[tuple[int, Node]], pairs: list[tuple[int, int]], j: int) -> int:
    """Where an addition sorts in A's order: after the A item paired with its predecessor."""
    before = [i for i, k in pairs if k < j]
    if before:
        return items_a[max(before)][0]
    return items_a[0][0] - 1 if items_a else -1


def _moved(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The pairs outside a longest run that keeps its order on both sides."""
    if len(pairs) < 2:
        return []
    by_a = sorted(pairs)
    sequence = [j for _, j in by_a]
    # longest increasing subsequence (patience sorting), keeping the indices it uses
    tails: list[int] = []
    tail_at: list[int] = []
    previous = [-1] * len(sequence)
    for k, value in enumerate(sequence):
        place = bisect_left(tails, value)
        if place == len(tails):
            tails.append(value)
            tail_at.append(k)
        else:
            tails[place] = value
            tail_at[place] = k
        previous[k] = tail_at[place - 1] if place > 0 else -1
    keep = set()
    k = tail_at[-1] if tail_at else -1
    while k >= 0:
        keep.add(k)
        k = previous[k]
    return [by_a[k] for k in range(len(by_a)) if k not in keep]


def _cut(value: str | None) -> str | None:
    if value is None or len(value) <= _SHOWN:
        return value
    return value[: _SHOWN - 1] + "…"


def _describe(node: Node) -> str:
    """A short description of an element: its value, or what it holds."""
    if node.kind == RESOURCE:
        rid = node.value_at("id")
        return f"{node.name} {rid}" if rid else node.name
    resource = node.resource()
    if resource is not None:
        return _describe(resource)
    if node.value is not None:
        return _cut(node.value) or ""
    if node.name == "entry":
        wrapper = node.child("resource")
        inner = wrapper.resource() if wrapper is not None else None
        if inner is not None:
            return f"entry with {_describe(inner)}"
    count = sum(1 for c in node.children if c.kind != COMMENT)
    return f"{node.name} ({plural(count, 'element')})"


def _quote(value: str | None) -> str:
    return "(none)" if value is None else repr(value)
