"""Read conformance resources (XML or JSON) into their compiled forms.

Files are read with the workbench's own readers into the element tree, then the parts the
engine needs are copied into the frozen records of :mod:`.model`. A file's compiled content is
cached by (path, modification time, size), so loading the same folder again costs only a
``stat`` per file. Nothing here raises for bad input: problems come back as
:class:`~.model.LoadProblem` records with file, line and column.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from workbench.core.errors import ReadError
from workbench.core.load import read_bytes
from workbench.core.tree import ELEMENT, RESOURCE, Node, gc_paused
from workbench.core.validation.profiles.model import (
    Binding,
    CodeSystemDef,
    Concept,
    Conformance,
    Constraint,
    Discriminator,
    ElementDefn,
    FocusDef,
    Include,
    LoadProblem,
    MessageDefinitionDef,
    Slicing,
    StructureDef,
    TypeRef,
    Value,
    ValueSetDef,
)

#: Resource types the registry keeps.
KINDS = frozenset({"StructureDefinition", "ValueSet", "CodeSystem", "MessageDefinition"})

BUNDLED_ASSETS = "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-ITK-BundledAssets-1"

_XML_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z]+)[\s>/]")
_JSON_TYPE = re.compile(rb'"resourceType"\s*:\s*"([A-Za-z]+)"')

Loaded = tuple[tuple[Conformance, ...], tuple[LoadProblem, ...]]


def load_file(path: str | os.PathLike[str]) -> Loaded:
    """Compile the conformance resources in one file (cached by path, mtime and size).

    Returns:
        The resources found (none for a file that holds something else) and the problems.
    """
    name = str(path)
    try:
        status = os.stat(name)
    except OSError as exc:
        return (), (LoadProblem(name, exc.strerror or str(exc)),)
    return _load_cached(name, status.st_mtime_ns, status.st_size)


@lru_cache(maxsize=1024)
def _load_cached(name: str, mtime_ns: int, size: int) -> Loaded:
    del mtime_ns, size  # part of the cache key only
    try:
        with open(name, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return (), (LoadProblem(name, exc.strerror or str(exc)),)
    return load_bytes(data, name)


def load_bytes(data: bytes, name: str = "input") -> Loaded:
    """Compile the conformance resources in document bytes (XML or JSON)."""
    if not _may_hold_conformance(data):
        return (), ()
    with gc_paused():
        try:
            document = read_bytes(data, name)
        except ReadError as exc:
            return (), (LoadProblem(name, exc.message, exc.line, exc.column),)
        return compile_node(document.root, name)


def compile_node(root: Node, source: str | None = None) -> Loaded:
    """Compile a conformance resource node, or every one inside a Bundle node."""
    found: list[Conformance] = []
    problems: list[LoadProblem] = []
    candidates = [root]
    if root.kind == RESOURCE and root.name == "Bundle":
        candidates = [r for r in (e.find("resource.*") for e in root.children_named("entry")) if r is not None]
    for node in candidates:
        if node.kind != RESOURCE or node.name not in KINDS:
            continue
        try:
            compiled = _COMPILERS[node.name](node, source)
        except (ValueError, TypeError, KeyError, IndexError) as exc:  # malformed content
            problems.append(LoadProblem(source or "input", f"{node.name} could not be read: {exc}"))
            continue
        if isinstance(compiled, tuple):
            item, note = compiled
            found.append(item)
            problems.append(note)
        elif compiled is not None:
            found.append(compiled)
    return tuple(found), tuple(problems)


def _may_hold_conformance(data: bytes) -> bool:
    """Cheaply rule out files whose root is some other resource (examples in a folder)."""
    head = data[:4096]
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
        for match in _XML_ROOT.finditer(head):
            word = match.group(1).decode("ascii")
            if word in ("xml",) or head[match.start() + 1 : match.start() + 2] in (b"?", b"!"):
                continue
            return word in KINDS or word == "Bundle"
        return True
    match = _JSON_TYPE.search(head)
    if match is None:
        return True
    word = match.group(1).decode("ascii")
    return word in KINDS or word == "Bundle"


# ---- helpers over the tree ---------------------------------------------------------------


def _text(node: Node | None, name: str) -> str | None:
    if node is None:
        return None
    child = node.child(name)
    return child.value if child is not None else None


def _value(node: Node) -> Value:
    """Copy a fixed/pattern element (or any element) into a Value tree."""
    children = tuple((c.name, _value(c)) for c in node.children if c.kind == ELEMENT and c.name != "id")
    extras: tuple[tuple[str, Value], ...] = ()
    if node.url is not None and node.name == "extension":
        extras = (("url", Value("uri", node.url)),)
    return Value(node.name, node.value, extras + children)


# ---- StructureDefinition -----------------------------------------------------------------


class _Builder:
    """A mutable element while the snapshot is assembled; frozen by :meth:`freeze`."""

    __slots__ = ("children", "implicit", "name", "path", "row", "slice_name", "slices")

    def __init__(self, row: Node | None, path: str, name: str, slice_name: str | None, implicit: bool = False) -> None:
        self.row = row
        self.path = path
        self.name = name
        self.slice_name = slice_name
        self.children: list[_Builder] = []
        self.slices: list[_Builder] = []
        self.implicit = implicit

    def child(self, name: str) -> _Builder | None:
        for c in reversed(self.children):
            if c.name == name:
                return c
        return None

    def freeze(self, by_id: dict[str, ElementDefn]) -> ElementDefn:
        children = tuple(c.freeze(by_id) for c in self.children)
        slices = tuple(s.freeze(by_id) for s in self.slices)
        ident = self.path + (f":{self.slice_name}" if self.slice_name else "")
        if self.row is None:
            element = ElementDefn(ident, self.path, self.name, self.slice_name, children=children, slices=slices, implicit=True)
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
            fixed = _value(c)
        elif cname.startswith("pattern"):
            pattern = _value(c)
        elif cname == "type":
            types.extend(_types(c))
        elif cname == "constraint":
            constraints.append(
                Constraint(
                    _text(c, "key") or "?",
                    _text(c, "severity") or "error",
                    _text(c, "human") or "",
                    _text(c, "expression"),
                )
            )
        elif cname == "binding":
            vs = _text(c, "valueSetUri") or _text(c, "valueSet") or _text(c.child("valueSetReference"), "reference")
            binding = Binding(_text(c, "strength") or "example", vs, _text(c, "description"))
        elif cname == "slicing":
            slicing = Slicing(
                tuple(Discriminator(_text(d, "type") or "value", _text(d, "path") or "$this") for d in c.children_named("discriminator")),
                _text(c, "rules") or "open",
                _text(c, "ordered") == "true",
                _text(c, "description"),
            )
    max_text = _text(row, "max")
    max_length = _text(row, "maxLength")
    ident = row.id or (path + (f":{slice_name}" if slice_name else ""))
    return ElementDefn(
        id=ident,
        path=path,
        name=name,
        slice_name=slice_name,
        min=int(_text(row, "min") or 0),
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
        content_ref=_text(row, "contentReference"),
    )


def _types(node: Node) -> list[TypeRef]:
    code = _text(node, "code") or ""
    profiles = [p.value for p in node.children_named("profile") if p.value] or [None]
    targets = [p.value for p in node.children_named("targetProfile") if p.value] or [None]
    return [TypeRef(code, p, t) for p in profiles for t in targets]


def _assemble(rows: list[Node]) -> tuple[ElementDefn, dict[str, ElementDefn]]:
    """Build the element tree from snapshot rows (which may list only some elements)."""
    first_path = _text(rows[0], "path") or ""
    root_path = first_path.split(".")[0]
    root = _Builder(None, root_path, root_path, None, implicit=True)
    stack: list[_Builder] = [root]
    for row in rows:
        path = _text(row, "path")
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
                parent.children.append(found)
            stack.append(found)
            parent = found
        name = steps[-1]
        slice_name = _text(row, "sliceName")
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
            parent.children.append(builder)
        stack.append(builder)
    by_id: dict[str, ElementDefn] = {}
    return root.freeze(by_id), by_id


def _structure_definition(node: Node, source: str | None) -> StructureDef | tuple[StructureDef, LoadProblem] | None:
    url = _text(node, "url")
    if not url:
        raise ValueError("it has no url")
    snapshot = node.child("snapshot")
    rows = snapshot.children_named("element") if snapshot is not None else []
    note = None
    if not rows:
        differential = node.child("differential")
        rows = differential.children_named("element") if differential is not None else []
        note = LoadProblem(source or url, f"StructureDefinition {url} has no snapshot; only its differential is checked")
    if not rows:
        raise ValueError(f"StructureDefinition {url} lists no elements")
    root, by_id = _assemble(rows)
    sd = StructureDef(
        url=url,
        version=_text(node, "version"),
        name=_text(node, "name") or url.rsplit("/", 1)[-1],
        type=_text(node, "type") or root.path,
        kind=_text(node, "kind") or "resource",
        derivation=_text(node, "derivation"),
        base=_text(node, "baseDefinition"),
        root=root,
        by_id=by_id,
        source=source,
    )
    return (sd, note) if note is not None else sd


# ---- terminology and MessageDefinition -----------------------------------------------------


def _includes(compose: Node | None, name: str) -> tuple[Include, ...]:
    if compose is None:
        return ()
    found = []
    for inc in compose.children_named(name):
        system = _text(inc, "system")
        concepts = tuple(
            Concept(system or "", _text(c, "code") or "", _text(c, "display")) for c in inc.children_named("concept")
        )
        value_sets = tuple(v.value for v in inc.children_named("valueSet") if v.value)
        found.append(Include(system, concepts, value_sets, bool(inc.children_named("filter"))))
    return tuple(found)


def _contains(node: Node, out: list[Concept]) -> None:
    for c in node.children_named("contains"):
        code = _text(c, "code")
        if code:
            out.append(Concept(_text(c, "system") or "", code, _text(c, "display")))
        _contains(c, out)


def _value_set(node: Node, source: str | None) -> ValueSetDef:
    url = _text(node, "url")
    if not url:
        raise ValueError("it has no url")
    expansion = node.child("expansion")
    expanded: list[Concept] | None = None
    if expansion is not None:
        expanded = []
        _contains(expansion, expanded)
    compose = node.child("compose")
    return ValueSetDef(
        url,
        _text(node, "version"),
        _text(node, "name") or url.rsplit("/", 1)[-1],
        _includes(compose, "include"),
        _includes(compose, "exclude"),
        tuple(expanded) if expanded is not None else None,
        source,
    )


def _concepts(node: Node, out: dict[str, str | None]) -> None:
    for c in node.children_named("concept"):
        code = _text(c, "code")
        if code:
            out.setdefault(code, _text(c, "display"))
        _concepts(c, out)


def _code_system(node: Node, source: str | None) -> CodeSystemDef:
    url = _text(node, "url")
    if not url:
        raise ValueError("it has no url")
    concepts: dict[str, str | None] = {}
    _concepts(node, concepts)
    content = _text(node, "content") or "complete"
    return CodeSystemDef(
        url,
        _text(node, "version"),
        _text(node, "name") or url.rsplit("/", 1)[-1],
        concepts,
        _text(node, "caseSensitive") != "false",
        content == "complete",
        source,
    )


def _assets(profile: Node) -> tuple[str, ...]:
    found = []
    for ext in profile.children_named("extension"):
        if ext.url != BUNDLED_ASSETS:
            continue
        for asset in ext.children_named("extension"):
            if asset.url != "utilisedAsset":
                continue
            parts = {e.url: e for e in asset.children_named("extension")}
            kind = parts["type"].value_at("valueCode") if "type" in parts else None
            ref = parts["reference"].value_at("valueReference.reference") if "reference" in parts else None
            if ref and kind in (None, "StructureDefinition", "Extension"):
                found.append(ref)
    return tuple(found)


def _message_definition(node: Node, source: str | None) -> MessageDefinitionDef:
    url = _text(node, "url")
    if not url:
        raise ValueError("it has no url")
    event = node.child("event")
    focus = []
    for f in node.children_named("focus"):
        profile = f.child("profile")
        max_text = _text(f, "max")
        focus.append(
            FocusDef(
                _text(f, "code") or "",
                _text(profile, "reference"),
                _assets(profile) if profile is not None else (),
                int(_text(f, "min") or 0),
                None if max_text in (None, "*") else int(max_text),
            )
        )
    return MessageDefinitionDef(
        url,
        _text(node, "version"),
        _text(node, "name") or url.rsplit("/", 1)[-1],
        _text(event, "system"),
        _text(event, "code"),
        tuple(focus),
        source,
    )


_COMPILERS = {
    "StructureDefinition": _structure_definition,
    "ValueSet": _value_set,
    "CodeSystem": _code_system,
    "MessageDefinition": _message_definition,
}


def iter_files(folder: str | os.PathLike[str]) -> list[Path]:
    """Every ``.xml`` and ``.json`` file under a folder, recursively, sorted."""
    base = Path(folder)
    return sorted(p for p in base.rglob("*") if p.suffix.lower() in (".xml", ".json") and p.is_file())

