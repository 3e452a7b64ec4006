"""Read conformance resources (XML or JSON) into their compiled forms.

Files are read with the workbench's own readers into the element tree, then the parts the
engine needs are copied into the frozen records of :mod:`.model` (StructureDefinitions by
:mod:`.snapshot`). A file's compiled content is
cached by (path, modification time, size), so loading the same folder again costs only a
``stat`` per file. Nothing here raises for bad input: problems come back as
:class:`~.model.LoadProblem` records with file, line and column.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from workbench.core.codecs import read_bytes, read_file_bytes
from workbench.core.errors import ReadError
from workbench.core.tree import RESOURCE, Node, gc_paused
from workbench.core.validation.profiles.model import (
    CodeSystemDef,
    Concept,
    Conformance,
    FocusDef,
    Include,
    LoadProblem,
    MessageDefinitionDef,
    ValueSetDef,
)
from workbench.core.validation.profiles.snapshot import structure_definition, text_of

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
        data = read_file_bytes(name)
    except ReadError as exc:
        return (), (LoadProblem(name, exc.message),)
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
        except Exception as exc:
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


# ---- terminology and MessageDefinition -----------------------------------------------------


def _includes(compose: Node | None, name: str) -> tuple[Include, ...]:
    if compose is None:
        return ()
    found = []
    for inc in compose.children_named(name):
        system = text_of(inc, "system")
        concepts = tuple(
            Concept(system or "", text_of(c, "code") or "", text_of(c, "display"))
            for c in inc.children_named("concept")
        )
        value_sets = tuple(v.value for v in inc.children_named("valueSet") if v.value)
        found.append(Include(system, concepts, value_sets, bool(inc.children_named("filter"))))
    return tuple(found)


def _contains(node: Node, out: list[Concept]) -> None:
    for c in node.children_named("contains"):
        code = text_of(c, "code")
        if code:
            out.append(Concept(text_of(c, "system") or "", code, text_of(c, "display")))
        _contains(c, out)


def _value_set(node: Node, source: str | None) -> ValueSetDef:
    url = text_of(node, "url")
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
        text_of(node, "version"),
        text_of(node, "name") or url.rsplit("/", 1)[-1],
        _includes(compose, "include"),
        _includes(compose, "exclude"),
        tuple(expanded) if expanded is not None else None,
        source,
    )


def _concepts(node: Node, out: dict[str, str | None]) -> None:
    for c in node.children_named("concept"):
        code = text_of(c, "code")
        if code:
            out.setdefault(code, text_of(c, "display"))
        _concepts(c, out)


def _code_system(node: Node, source: str | None) -> CodeSystemDef:
    url = text_of(node, "url")
    if not url:
        raise ValueError("it has no url")
    concepts: dict[str, str | None] = {}
    _concepts(node, concepts)
    content = text_of(node, "content") or "complete"
    return CodeSystemDef(
        url,
        text_of(node, "version"),
        text_of(node, "name") or url.rsplit("/", 1)[-1],
        concepts,
        text_of(node, "caseSensitive") != "false",
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
    url = text_of(node, "url")
    if not url:
        raise ValueError("it has no url")
    event = node.child("event")
    focus = []
    for f in node.children_named("focus"):
        profile = f.child("profile")
        max_text = text_of(f, "max")
        focus.append(
            FocusDef(
                text_of(f, "code") or "",
                text_of(profile, "reference"),
                _assets(profile) if profile is not None else (),
                int(text_of(f, "min") or 0),
                None if max_text in (None, "*") else int(max_text),
            )
        )
    return MessageDefinitionDef(
        url,
        text_of(node, "version"),
        text_of(node, "name") or url.rsplit("/", 1)[-1],
        text_of(event, "system"),
        text_of(event, "code"),
        tuple(focus),
        source,
    )


_COMPILERS = {
    "StructureDefinition": structure_definition,
    "ValueSet": _value_set,
    "CodeSystem": _code_system,
    "MessageDefinition": _message_definition,
}


def iter_files(folder: str | os.PathLike[str]) -> list[Path]:
    """Every ``.xml`` and ``.json`` file under a folder, recursively, sorted."""
    base = Path(folder)
    return sorted(p for p in base.rglob("*") if p.suffix.lower() in (".xml", ".json") and p.is_file())
