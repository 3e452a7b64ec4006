"""The conformance resources validation uses: the shipped ITK3 pack plus the user's files and folders.

One function builds the combined registry for every front end: the desktop application (its
Settings › Profiles list, loaded off the GUI thread) and the CLI (``--profile``). The shipped pack
comes first, then each source in the order given; what each contributed, and what could not be
loaded, is summarised per source.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from workbench.core.validation.profiles.registry import ProfileRegistry

SHIPPED_TITLE = "ITK3 pack (shipped with the workbench)"


@dataclass(frozen=True, slots=True)
class SourceSummary:
    """What one source contributed.

    Attributes:
        source: the file or folder, or None for the shipped pack.
        title: how the source is listed.
        kind: ``pack``, ``folder`` or ``file``.
        structure_definitions: StructureDefinitions loaded from it.
        value_sets: ValueSets loaded from it.
        code_systems: CodeSystems loaded from it.
        message_definitions: MessageDefinitions loaded from it.
        problems: what could not be loaded, in words.
    """

    source: str | None
    title: str
    kind: str
    structure_definitions: int
    value_sets: int
    code_systems: int
    message_definitions: int
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProfileSet:
    """A loaded set of conformance resources.

    Attributes:
        sources: the user's sources it was loaded from (the shipped pack always comes first).
        registry: the combined registry, or None when the profile engine is not available.
        summaries: one per source, the shipped pack first.
        seconds: how long loading took.
    """

    sources: tuple[str, ...]
    registry: ProfileRegistry | None
    summaries: tuple[SourceSummary, ...]
    seconds: float = 0.0


def _summary(
    source: str | None, title: str, kind: str, registry: ProfileRegistry, problems: Sequence[object]
) -> SourceSummary:
    return SourceSummary(
        source,
        title,
        kind,
        len(registry.structure_definitions()),
        len(registry.value_sets()),
        len(registry.code_systems()),
        len(registry.message_definitions()),
        tuple(str(p) for p in problems),
    )


def load_profile_set(sources: Sequence[str]) -> ProfileSet:
    """Load the shipped pack and the user's sources into one registry (slow; not on the GUI thread)."""
    started = time.perf_counter()
    combined = ProfileRegistry.default()
    summaries = [_summary(None, SHIPPED_TITLE, "pack", combined, combined.problems)]
    for source in sources:
        part = ProfileRegistry()
        path = Path(source)
        if path.is_dir():
            problems = [str(p) for p in part.add_folder(path)]
        elif path.is_file():
            problems = [str(p) for p in part.add_file(path)]
        else:
            problems = [f"{source}: no such file or folder (any more)"]
        for item in (
            *part.structure_definitions(),
            *part.value_sets(),
            *part.code_systems(),
            *part.message_definitions(),
        ):
            combined.add(item)
        combined.sources.append(source)
        combined.problems.extend(part.problems)
        summaries.append(_summary(source, path.name or source, "folder" if path.is_dir() else "file", part, problems))
    return ProfileSet(tuple(sources), combined, tuple(summaries), time.perf_counter() - started)
