"""Compiling a StructureDefinition snapshot into a tree of element definitions.

Snapshot rows come in path order; a row with a ``sliceName`` is a slice of the row with the same
path before it, and the rows after it with longer paths are the slice's children. Rows may skip
elements (the workbench's own pack lists only what it constrains): the skipped elements become
*implicit* definitions that constrain nothing themselves. The STU3 forms of a type-restricted
choice (``value[x]`` with ``sliceName`` ``valueCoding``, or path ``...valueBoolean`` with the
same slice name) are read as the concrete element, not as slices.
"""

from __future__ import annotations

from workbench.core.tree import ELEMENT, Node
from workbench.core.validation.profiles.model import (
    Binding,
    Constraint,
    Discriminator,
    ElementDefn,
    LoadProblem,
    Slicing,
    StructureDef,
    TypeRef,
    Value,
)

# ---- helpers over the tree ---------------------------------------------------------------


def text_of(node: Node | None, name: str) -> str | None:
    if node is None:
        return None
    child = node.child(name)
    return child.value if child is not None else None


def value_of(node: Node) -> Value:
    """Copy a fixed/pattern element (or any element) into a Value tree."""
    children = tuple((c.name, value_of(c)) for c in node.children if c.kind == ELEMENT and c.name != "id")
    extras: tuple[tuple[str, Value], ...] = ()
    if node.url is not None and node.name == "extension":
        extras = (("url", Value("uri", node.url)),)
    return Value(node.name, node.value, extras + children)


# ---- StructureDefinition -----------------------------------------------------------------


class _Builder:
    """A mutable element while the snapshot is assembled; frozen by :meth:`freeze`."""

    __slots__ = ("children", "implicit", "last", "name", "path", "row", "slice_name", "slices")

    def __init__(self, row: Node | None, path: str, name: str, slice_name: str | None, implicit: bool = False) -> None:
        self.row = row
        self.path = path
        self.name = name
        self.slice_name = slice_name
        self.children: list[_Builder] = []
        self.last: dict[str, _Builder] = {}  # the last child of each name: rows are looked up by name
        self.slices: list[_Builder] = []
        self.implicit = implicit

    def child(self, name: str) -> _Builder | None:
        return self.last.get(name)

    def add(self, child: _Builder) -> None:
        self.children.append(child)
        self.last[child.name] = child

    def freeze(self, by_id: dict[str, ElementDefn]) -> ElementDefn:
        children = tuple(c.freeze(by_id) for c in self.children)
        slices = tuple(s.freeze(by_id) for s in self.slices)
        ident = self.path + (f":{self.slice_name}" if self.slice_name else "")
        if self.row is None:
            element = ElementDefn(
                ident, self.path, self.name, self.slice_name, children=children, slices=slices, implicit=True
            )
        else:
            element = _element(self.row, self.path, self.name, self.slice_name, children, slices)
        by_id.setdefault(element.id, element)
        if not self.slice_name:
            by_id.setdefault(self.path, element)
        return element


def _element(
    row: Node,
    path: str,
    name: str,
    slice_name: str | None,
    children: tuple[ElementDefn, ...],
    slices: tuple[ElementDefn, ...],
) -> ElementDefn:
    fixed = pattern = None
    types: list[TypeRef] = []
    constraints: list[Constraint] = []
    binding = slicing = None
    for c in row.children:
        if c.kind != ELEMENT:
            continue
        cname = c.name
        if cname.startswith("fixed"):
            fixed = value_of(c)
        elif cname.startswith("pattern"):
            pattern = value_of(c)
        elif cname == "type":
            types.extend(_types(c))
        elif cname == "constraint":
            constraints.append(
                Constraint(
                    text_of(c, "key") or "?",
                    text_of(c, "severity") or "error",
                    text_of(c, "human") or "",
                    text_of(c, "expression"),
                )
            )
        elif cname == "binding":
            vs = (
                text_of(c, "valueSetUri")
                or text_of(c, "valueSet")
                or text_of(c.child("valueSetReference"), "reference")
            )
            binding = Binding(text_of(c, "strength") or "example", vs, text_of(c, "description"))
        elif cname == "slicing":
            slicing = Slicing(
                tuple(
                    Discriminator(text_of(d, "type") or "value", text_of(d, "path") or "$this")
                    for d in c.children_named("discriminator")
                ),
                text_of(c, "rules") or "open",
                text_of(c, "ordered") == "true",
                text_of(c, "description"),
            )
    max_text = text_of(row, "max")
    max_length = text_of(row, "maxLength")
    ident = row.id or (path + (f":{slice_name}" if slice_name else ""))
    return ElementDefn(
        id=ident,
        path=path,
        name=name,
        slice_name=slice_name,
        min=int(text_of(row, "min") or 0),
        max=None if max_text in (None, "*") else int(max_text),
        types=tuple(types),
        fixed=fixed,
        pattern=pattern,
        max_length=int(max_length) if max_length else None,
        binding=binding,
        constraints=tuple(constraints),
        slicing=slicing,
        slices=slices,
        children=children,
        content_ref=text_of(row, "contentReference"),
    )


def _types(node: Node) -> list[TypeRef]:
    code = text_of(node, "code") or ""
    profiles = [p.value for p in node.children_named("profile") if p.value] or [None]
    targets = [p.value for p in node.children_named("targetProfile") if p.value] or [None]
    return [TypeRef(code, p, t) for p in profiles for t in targets]


def _assemble(rows: list[Node]) -> tuple[ElementDefn, dict[str, ElementDefn]]:
    """Build the element tree from snapshot rows (which may list only some elements)."""
    first_path = text_of(rows[0], "path") or ""
    root_path = first_path.split(".")[0]
    root = _Builder(None, root_path, root_path, None, implicit=True)
    stack: list[_Builder] = [root]
    for row in rows:
        path = text_of(row, "path")
        if not path:
            continue
        if path == root_path:
            if root.row is None:
                root.row = row
                root.implicit = False
            continue
        while len(stack) > 1 and not path.startswith(stack[-1].path + "."):
            stack.pop()
        parent = stack[-1]
        if not path.startswith(parent.path + "."):
            continue  # a row of another type: not part of this tree
        steps = path[len(parent.path) + 1 :].split(".")
        for step in steps[:-1]:  # elements the snapshot skipped
            found = parent.child(step)
            if found is None:
                found = _Builder(None, f"{parent.path}.{step}", step, None, implicit=True)
                parent.add(found)
            stack.append(found)
            parent = found
        name = steps[-1]
        slice_name = text_of(row, "sliceName")
        if slice_name and name.endswith("[x]") and slice_name.startswith(name[:-3]) and slice_name != name:
            name, slice_name = slice_name, None  # STU3 type-restriction of a choice: value[x]:valueCoding
        base = parent.child(name)
        if slice_name and slice_name == name and base is None:
            slice_name = None  # ``valueBoolean:valueBoolean``: the element itself, not a slice
        if slice_name and base is not None:
            builder = _Builder(row, path, name, slice_name)
            base.slices.append(builder)
        elif base is not None and base.implicit and not slice_name:
            base.row, base.implicit = row, False
            builder = base
        else:
            builder = _Builder(row, path, name, None)
            parent.add(builder)
        stack.append(builder)
    by_id: dict[str, ElementDefn] = {}
    return root.freeze(by_id), by_id


def structure_definition(node: Node, source: str | None) -> StructureDef | tuple[StructureDef, LoadProblem] | None:
    url = text_of(node, "url")
    if not url:
        raise ValueError("it has no url")
    snapshot = node.child("snapshot")
    rows = snapshot.children_named("element") if snapshot is not None else []
    note = None
    if not rows:
        differential = node.child("differential")
        rows = differential.children_named("element") if differential is not None else []
        note = LoadProblem(
            source or url, f"StructureDefinition {url} has no snapshot; only its differential is checked"
        )
    if not rows:
        raise ValueError(f"StructureDefinition {url} lists no elements")
    root, by_id = _assemble(rows)
    sd = StructureDef(
        url=url,
        version=text_of(node, "version"),
        name=text_of(node, "name") or url.rsplit("/", 1)[-1],
        type=text_of(node, "type") or root.path,
        kind=text_of(node, "kind") or "resource",
        derivation=text_of(node, "derivation"),
        base=text_of(node, "baseDefinition"),
        root=root,
        by_id=by_id,
        source=source,
    )
    return (sd, note) if note is not None else sd
