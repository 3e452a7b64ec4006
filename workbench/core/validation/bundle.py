"""Layer 3: bundle integrity.

Within every Bundle (nested ones included): fullUrls are unique (bdl-7, unless the versions
differ); every reference resolves to a resource of the Bundle it sits in (``urn:uuid:``,
relative ``Type/id``, or ``#id`` to a contained resource; absolute http(s) references to
resources the Bundle does not carry are left alone); a document Bundle starts
with a Composition and has an identifier with system and value (bdl-9).
"""

from __future__ import annotations

from workbench.core.bundle import UUID_PREFIX, BundleIndex, is_bundle
from workbench.core.stu3.typeinfo import type_of
from workbench.core.tree import RESOURCE, Node
from workbench.core.validation.context import ValidationContext
from workbench.core.validation.issue import Issue, IssueSink


def check(context: ValidationContext) -> list[Issue]:
    """Check every Bundle in the document; return the issues."""
    sink = context.sink("bundle")
    root = context.document.root
    for node in root.iter():
        if node.kind == RESOURCE and is_bundle(node):
            _check_bundle(node, sink)
    if not is_bundle(root):
        _check_references(root, None, sink)
    return sink.issues


def _check_bundle(bundle: Node, sink: IssueSink) -> None:
    index = BundleIndex(bundle)
    seen: dict[str, Node] = {}
    for entry in index.entries:
        if entry.resource is None and bundle.value_at("type") not in (
            "batch-response",
            "transaction-response",
            "history",
        ):
            sink.add("error", "bundle-entry-empty", f"entry {entry.index} carries no resource", entry.node)
        if entry.full_url is None:
            continue
        version = entry.resource.value_at("meta.versionId") if entry.resource is not None else None
        key = f"{entry.full_url}|{version or ''}"
        if key in seen:
            sink.add(
                "error",
                "bundle-fullurl-duplicate",
                f"fullUrl '{entry.full_url}' is used by more than one entry (bdl-7)",
                entry.node.child("fullUrl") or entry.node,
                hint="give every entry its own fullUrl (urn:uuid: and the resource's id)",
            )
        seen[key] = entry.node
    if bundle.value_at("type") == "document":
        first = index.entries[0].resource if index.entries else None
        if first is None or first.name != "Composition":
            sink.add(
                "error",
                "bundle-document-composition",
                "a document Bundle must start with a Composition",
                index.entries[0].node if index.entries else bundle,
                hint="put the Composition in the first entry",
            )
        identifier = bundle.child("identifier")
        if identifier is None or not identifier.value_at("system") or not identifier.value_at("value"):
            sink.add(
                "error",
                "bundle-document-identifier",
                "a document Bundle needs an identifier with both system and value (bdl-9)",
                identifier or bundle,
                hint="add identifier.system (e.g. https://tools.ietf.org/html/rfc4122) and identifier.value",
            )
    for entry in index.entries:
        if entry.resource is not None and not is_bundle(entry.resource):  # nested Bundles: own pass
            _check_references(entry.resource, index, sink)


def _check_references(resource: Node, index: BundleIndex | None, sink: IssueSink) -> None:
    """Check the references of one resource (not descending into nested Bundles' entries)."""
    stack = list(reversed(resource.children))
    while stack:
        node = stack.pop()
        if node.kind == RESOURCE:
            if is_bundle(node):
                continue  # a nested Bundle resolves against its own entries
            stack.extend(reversed(node.children))
            continue
        if node.name == "reference" and node.value and node.parent is not None and type_of(node.parent) == "Reference":
            _check_reference(node, index, sink)
        stack.extend(reversed(node.children))


def _check_reference(node: Node, index: BundleIndex | None, sink: IssueSink) -> None:
    reference = node.value or ""
    if reference.startswith("#"):
        if index is None or not index.resolve(reference, node).found:
            owner = node.owning_resource()
            ids = (
                [c.resource().value_at("id") for c in owner.children_named("contained") if c.resource()]
                if owner
                else []
            )
            if reference[1:] not in ids:
                sink.add("error", "bundle-ref-contained", f"reference '{reference}' names no contained resource", node)
        return
    if index is None:
        return
    found = index.resolve(reference, node)
    if found.how in ("fullUrl", "relative"):
        return
    if found.how == "bare-id":
        sink.add(
            "error",
            "bundle-ref-bare-id",
            f"reference '{reference}' is a bare id; it matches an entry only by that entry's id",
            node,
            hint=f"write the entry's fullUrl, '{UUID_PREFIX}{reference}'"
            if "-" in reference
            else "write the entry's fullUrl",
        )
        return
    if reference.startswith(("http://", "https://")):
        return  # outside the Bundle: not an integrity question (the ITK3 layer judges payloads)
    sink.add(
        "error",
        "bundle-ref-unresolved",
        f"reference '{reference}' does not resolve to any entry of its Bundle",
        node,
        hint="add the resource as an entry with that fullUrl, or correct the reference",
    )
