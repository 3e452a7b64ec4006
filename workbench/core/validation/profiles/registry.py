"""The profile registry: StructureDefinitions, ValueSets, CodeSystems and MessageDefinitions.

A :class:`ProfileRegistry` holds compiled conformance resources by canonical URL (and by
``url|version``). It starts empty, or with the workbench's own ITK3 pack
(:meth:`ProfileRegistry.default`), and grows with files and folders the user adds. Adding never
raises for bad input: the problems come back (and are kept in :attr:`ProfileRegistry.problems`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypeVar

from workbench.core.validation.profiles.loader import iter_files, load_bytes, load_file
from workbench.core.validation.profiles.model import (
    CodeSystemDef,
    Conformance,
    LoadProblem,
    MessageDefinitionDef,
    StructureDef,
    ValueSetDef,
)

T = TypeVar("T")


class ProfileRegistry:
    """Conformance resources by canonical URL.

    Attributes:
        problems: every load problem met so far, in order.
        sources: the files and folders added, in order.
    """

    def __init__(self) -> None:
        self._structures: dict[str, StructureDef] = {}
        self._value_sets: dict[str, ValueSetDef] = {}
        self._code_systems: dict[str, CodeSystemDef] = {}
        self._messages: dict[str, MessageDefinitionDef] = {}
        self.problems: list[LoadProblem] = []
        self.sources: list[str] = []
        #: Cache owned by the terminology checks (value set expansions); cleared on every add.
        self.expansions: dict[str, object] = {}

    # ---- construction -------------------------------------------------------------------

    @classmethod
    def default(cls) -> ProfileRegistry:
        """A registry with the workbench's shipped ITK3 pack (``resources/profiles``), if any."""
        from workbench.core.resources import resource_path

        registry = cls()
        try:
            folder = resource_path("profiles")
        except FileNotFoundError:
            return registry
        if folder.is_dir():
            registry.add_folder(folder)
        return registry

    @classmethod
    def from_paths(cls, *paths: str | os.PathLike[str], shipped: bool = False) -> ProfileRegistry:
        """A registry loaded from files and folders (after the shipped pack when ``shipped``)."""
        registry = cls.default() if shipped else cls()
        for path in paths:
            if Path(path).is_dir():
                registry.add_folder(path)
            else:
                registry.add_file(path)
        return registry

    def copy(self) -> ProfileRegistry:
        """An independent registry with the same content (to add user folders to a base)."""
        other = ProfileRegistry()
        other._structures = dict(self._structures)
        other._value_sets = dict(self._value_sets)
        other._code_systems = dict(self._code_systems)
        other._messages = dict(self._messages)
        other.problems = list(self.problems)
        other.sources = list(self.sources)
        return other

    def add_folder(self, path: str | os.PathLike[str]) -> list[LoadProblem]:
        """Load every ``.xml``/``.json`` file under a folder (recursively).

        Files that hold no conformance resource are skipped; unreadable ones are returned
        as problems.
        """
        folder = Path(path)
        if not folder.is_dir():
            problem = LoadProblem(str(folder), "no such folder")
            self.problems.append(problem)
            return [problem]
        self.sources.append(str(folder))
        problems: list[LoadProblem] = []
        try:
            files = iter_files(folder)
        except OSError as exc:
            files = []
            problems.append(LoadProblem(str(folder), exc.strerror or str(exc)))
        for file in files:
            items, found = load_file(file)
            self._add_all(items)
            problems.extend(found)
        self.problems.extend(problems)
        return problems

    def add_file(self, path: str | os.PathLike[str]) -> list[LoadProblem]:
        """Load one file; return its problems (a file with no conformance resource is fine)."""
        self.sources.append(str(path))
        items, problems = load_file(path)
        self._add_all(items)
        self.problems.extend(problems)
        return list(problems)

    def add_bytes(self, data: bytes, name: str = "input") -> list[LoadProblem]:
        """Load conformance resources from document bytes (XML or JSON)."""
        items, problems = load_bytes(data, name)
        self._add_all(items)
        self.problems.extend(problems)
        return list(problems)

    def add(self, item: Conformance) -> None:
        """Add one compiled resource.

        Under its plain URL the registry keeps the highest version it has seen (a later one
        replaces an earlier one of the same or an unknown version); every version stays
        reachable as ``url|version``.
        """
        self._add_all((item,))

    def _add_all(self, items: tuple[Conformance, ...] | list[Conformance]) -> None:
        for item in items:
            table: dict = self._table_for(item)
            current = table.get(item.url)
            if current is None or _version_key(item.version) >= _version_key(current.version):
                table[item.url] = item
            if item.version:
                table[f"{item.url}|{item.version}"] = item
        if items:
            self.expansions.clear()

    def _table_for(self, item: Conformance) -> dict:
        if isinstance(item, StructureDef):
            return self._structures
        if isinstance(item, ValueSetDef):
            return self._value_sets
        if isinstance(item, CodeSystemDef):
            return self._code_systems
        return self._messages

    # ---- lookups --------------------------------------------------------------------------

    @staticmethod
    def _lookup(table: dict[str, T], url: str | None) -> T | None:
        if not url:
            return None
        found = table.get(url)
        if found is None and "|" in url:
            found = table.get(url.split("|", 1)[0])
        return found

    def structure_definition(self, url: str | None) -> StructureDef | None:
        """The StructureDefinition with this canonical URL (``url`` or ``url|version``)."""
        return self._lookup(self._structures, url)

    def value_set(self, url: str | None) -> ValueSetDef | None:
        """The ValueSet with this canonical URL."""
        return self._lookup(self._value_sets, url)

    def code_system(self, url: str | None) -> CodeSystemDef | None:
        """The CodeSystem with this canonical URL."""
        return self._lookup(self._code_systems, url)

    def message_definition(self, url: str | None) -> MessageDefinitionDef | None:
        """The MessageDefinition with this canonical URL."""
        return self._lookup(self._messages, url)

    def profiles_for(self, resource_type: str) -> list[StructureDef]:
        """The profiles (constraints) of a resource or data type, by name."""
        return sorted(
            {
                id(s): s
                for s in self._structures.values()
                if s.type == resource_type and s.derivation != "specialization"
            }.values(),
            key=lambda s: s.url,
        )

    def structure_definitions(self) -> list[StructureDef]:
        """Every StructureDefinition once, by URL."""
        return _unique(self._structures)

    def value_sets(self) -> list[ValueSetDef]:
        """Every ValueSet once, by URL."""
        return _unique(self._value_sets)

    def code_systems(self) -> list[CodeSystemDef]:
        """Every CodeSystem once, by URL."""
        return _unique(self._code_systems)

    def message_definitions(self) -> list[MessageDefinitionDef]:
        """Every MessageDefinition once, by URL."""
        return _unique(self._messages)

    def __len__(self) -> int:
        return sum(len(_unique(t)) for t in (self._structures, self._value_sets, self._code_systems, self._messages))

    def __repr__(self) -> str:
        return (
            f"<ProfileRegistry {len(_unique(self._structures))} StructureDefinitions, "
            f"{len(_unique(self._value_sets))} ValueSets, {len(_unique(self._code_systems))} CodeSystems, "
            f"{len(_unique(self._messages))} MessageDefinitions>"
        )


def _version_key(version: str | None) -> tuple[int, ...]:
    """Order versions numerically (``2.10.0`` after ``2.9.1``); unknown versions sort first."""
    if not version:
        return ()
    parts = []
    for part in version.replace("-", ".").split("."):
        # ASCII digits only ("²" is a digit to str.isdigit but not to int), and few of them.
        digits = "".join(ch for ch in part if "0" <= ch <= "9")[:18]
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def _unique(table: dict[str, T]) -> list[T]:
    seen: dict[int, T] = {}
    for key, item in table.items():
        if "|" not in key:
            seen.setdefault(id(item), item)
    return sorted(seen.values(), key=lambda item: item.url)  # type: ignore[attr-defined]
