"""Counts and lists in plain English for messages a person reads: ``1 error``, ``4 errors``."""

from __future__ import annotations

from collections.abc import Sequence

#: How the severities are counted in words (singular, plural).
SEVERITY_NOUNS = {
    "fatal": ("fatal error", "fatal errors"),
    "error": ("error", "errors"),
    "warning": ("warning", "warnings"),
    "information": ("note", "notes"),
}


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """``1 difference``, ``4 differences`` (``plural_noun`` for irregular plurals)."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {plural_noun or noun + 's'}"


def severity_count(severity: str, count: int) -> str:
    """``1 error``, ``2 fatal errors``, ``3 notes``."""
    singular, many = SEVERITY_NOUNS.get(severity, (severity, severity))
    return plural(count, singular, many)


def joined(items: Sequence[str], last: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"
