"""Small text helpers for what the workbench shows: sizes, URL names, narrative words."""

from __future__ import annotations

import re

_TAGS = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'", "&nbsp;": " ", "&amp;": "&"}


def format_size(size: int) -> str:
    """Return a size in bytes as people read it: ``512 bytes``, ``123 KB``, ``4.8 MB``."""
    if size < 1024:
        return f"{size} byte" if size == 1 else f"{size} bytes"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def base64_size(text: str) -> int:
    """Return the decoded size of base64 text (whitespace ignored) without decoding it."""
    length = len(text) - sum(text.count(c) for c in " \t\r\n")
    stripped = text.rstrip(" \t\r\n")
    padding = len(stripped) - len(stripped.rstrip("="))
    return max(length * 3 // 4 - padding, 0)


def last_segment(url: str) -> str:
    """Return the last path segment of a URL (a profile's name), or the URL when it has none."""
    trimmed = url.rstrip("/")
    segment = trimmed.rsplit("/", 1)[-1]
    return segment or url


def xhtml_text(markup: str) -> str:
    """Return the words of an XHTML fragment, tags dropped and white space collapsed."""
    text = _TAGS.sub(" ", markup)
    for entity, char in _ENTITIES.items():
        text = text.replace(entity, char)
    return _SPACE.sub(" ", text).strip()
