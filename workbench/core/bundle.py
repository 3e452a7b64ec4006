"""Bundles: their entries, and resolving references between the resources they carry.

FHIR resolves a reference inside a Bundle against the entries' ``fullUrl`` (``urn:uuid:...``,
absolute URLs) or, for a relative reference (``Organization/123``), against the resource type and
id. Real ITK3 traffic also carries bare UUIDs and ``Type/id`` where ``urn:uuid:`` was meant; the
index resolves those too but says how it matched, so the validator can flag them.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.core.tree import RESOURCE, Node

UUID_PREFIX = "urn:uuid:"


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry of a Bundle.

    Attributes:
        index: position among the Bundle's entries.
        node: the ``entry`` element.
        full_url: its fullUrl, if any.
        resource: the resource node it carries, if any.
    """

    index: int
    node: Node
    full_url: str | None
    resource: Node | None

    @property
    def resource_type(self) -> str | None:
        """The type of the resource carried, if any."""
        return self.resource.name if self.resource is not None else None

    @property
    def resource_id(self) -> str | None:
        """The logical id of the resource carried, if any."""
        return self.resource.value_at("id") if self.resource is not None else None

    @property
    def profiles(self) -> list[str]:
        """The profiles the resource claims in ``meta.profile``."""
        if self.resource is None:
            return []
        meta = self.resource.child("meta")
        return [p.value for p in meta.children_named("profile") if p.value] if meta else []


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where a reference led.

    Attributes:
        resource: the resource found, or None.
        entry: the entry carrying it, or None.
        how: ``fullUrl`` (exact), ``relative`` (Type/id matched a resource), ``bare-id``
            (a bare id matched ``urn:uuid:<id>`` or a resource id), ``contained`` (``#id``),
            or ``unresolved``.
    """

    resource: Node | None
    entry: Entry | None
    how: str

    @property
    def found(self) -> bool:
        """True when the reference led to a resource."""
        return self.resource is not None


def entries(bundle: Node) -> list[Entry]:
    """Return the entries of a Bundle resource node, in order."""
    found = []
    for index, entry in enumerate(bundle.children_named("entry")):
        wrapper = entry.child("resource")
        resource = wrapper.resource() if wrapper is not None else None
        found.append(Entry(index, entry, entry.value_at("fullUrl"), resource))
    return found


class BundleIndex:
    """Resolves references against the entries of one Bundle (not its nested Bundles)."""

    def __init__(self, bundle: Node) -> None:
        self.bundle = bundle
        self.entries = entries(bundle)
        self._by_url: dict[str, Entry] = {}
        self._by_type_id: dict[tuple[str, str], Entry] = {}
        self._by_id: dict[str, Entry] = {}
        for entry in self.entries:
            if entry.full_url:
                self._by_url.setdefault(entry.full_url, entry)
            if entry.resource is not None and entry.resource_id:
                rid = entry.resource_id
                self._by_type_id.setdefault((entry.resource.name, rid), entry)
                self._by_id.setdefault(rid, entry)

    def by_full_url(self, url: str) -> Entry | None:
        """Return the entry with this fullUrl, or None."""
        return self._by_url.get(url)

    def resolve(self, reference: str | None, source: Node | None = None) -> Resolution:
        """Resolve a reference string as FHIR does, then leniently; say how it matched."""
        if not reference:
            return Resolution(None, None, "unresolved")
        if reference.startswith("#") and source is not None:
            owner = source.owning_resource()
            for contained in owner.children_named("contained") if owner is not None else []:
                resource = contained.resource()
                if resource is not None and resource.value_at("id") == reference[1:]:
                    return Resolution(resource, None, "contained")
            return Resolution(None, None, "unresolved")
        entry = self._by_url.get(reference)
        if entry is not None:
            return Resolution(entry.resource, entry, "fullUrl")
        parts = reference.rstrip("/").split("/")
        if len(parts) >= 2 and parts[-2][:1].isupper():
            entry = self._by_type_id.get((parts[-2], parts[-1]))
            if entry is not None:
                return Resolution(entry.resource, entry, "relative")
        if "/" not in reference and ":" not in reference:
            entry = self._by_url.get(UUID_PREFIX + reference) or self._by_id.get(reference)
            if entry is not None:
                return Resolution(entry.resource, entry, "bare-id")
        return Resolution(None, None, "unresolved")


def is_bundle(node: Node | None) -> bool:
    """True for a Bundle resource node."""
    return node is not None and node.kind == RESOURCE and node.name == "Bundle"
