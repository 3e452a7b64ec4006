"""Source positions (line, column) of tree nodes.

Each node's ``src`` says where it starts in the source:

* XML: the byte offset of its markup (``<``), reported by the parser as it reads.
* JSON: its *ordinal*, the number of JSON values before it in pre-order; the json module
  reports no positions, so one regular-expression scan of the text, made on first use, maps
  ordinals to offsets. A member value is placed at its key.

Columns are 1-based and count characters, not bytes.
"""

from __future__ import annotations

import re
from bisect import bisect_right

_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')
_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def json_offsets(text: str) -> list[int]:
    """Return the character offset of every JSON value in pre-order (members at their key)."""
    offsets: list[int] = []
    append = offsets.append
    stack: list[str] = []
    expect_key = False
    key_at = -1
    for match in _JSON_TOKEN.finditer(text):
        first = match.group()[0]
        if first == ",":
            expect_key = bool(stack) and stack[-1] == "{"
            continue
        if first == ":":
            continue
        if first in "}]":
            if stack:
                stack.pop()
            expect_key = False
            continue
        if expect_key and first == '"':
            key_at = match.start()
            expect_key = False
            continue
        append(key_at if key_at >= 0 else match.start())
        key_at = -1
        if first in "{[":
            stack.append(first)
            expect_key = first == "{"
    return offsets


def xml_encoding(data: bytes) -> str:
    """The encoding an XML document is written in (from its BOM or declaration; UTF-8 default)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    found = _ENCODING.match(data.lstrip(b"\xef\xbb\xbf"))
    return found.group(1).decode("ascii").lower() if found else "utf-8"


class XmlPositions:
    """Line and column of byte offsets in XML source bytes."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._encoding = xml_encoding(data)
        self._wide = self._encoding.replace("-", "") in {"utf16", "utf32", "utf16le", "utf16be"}
        if not self._wide:
            self._line_starts = [0] + [m.end() for m in re.finditer(b"\n", data)]

    def line_col(self, offset: int) -> tuple[int, int]:
        """Return the 1-based (line, column) of a byte offset."""
        data = self._data
        if self._wide:  # rare: decode the prefix to count lines
            before = data[:offset].decode(self._encoding, errors="replace")
            return before.count("\n") + 1, len(before) - before.rfind("\n")
        line = bisect_right(self._line_starts, offset)
        start = self._line_starts[line - 1]
        if start == 0 and data.startswith(b"\xef\xbb\xbf"):
            start = 3
        return line, len(data[start:offset].decode(self._encoding, errors="replace")) + 1

    def offset_at(self, line: int, column: int) -> int:
        """Return the byte offset of a 1-based (line, column)."""
        if self._wide:
            text = self._data.decode(self._encoding, errors="replace")
            lines = text.split("\n")
            before = "\n".join(lines[: max(line - 1, 0)]) + ("\n" if line > 1 else "")
            return len((before + lines[min(line, len(lines)) - 1][: column - 1]).encode(self._encoding)) if lines else 0
        line = min(max(line, 1), len(self._line_starts))
        start = self._line_starts[line - 1]
        end = self._line_starts[line] if line < len(self._line_starts) else len(self._data)
        prefix = self._data[start:end].decode(self._encoding, errors="replace")[: max(column - 1, 0)]
        return start + len(prefix.encode(self._encoding, errors="replace"))


class JsonPositions:
    """Line and column of JSON value ordinals in a JSON text."""

    def __init__(self, text: str) -> None:
        self._offsets = json_offsets(text)
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_col(self, ordinal: int) -> tuple[int, int] | None:
        """Return the 1-based (line, column) of the value with this ordinal, or None."""
        if not 0 <= ordinal < len(self._offsets):
            return None
        offset = self._offsets[ordinal]
        line = bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def offset_at(self, line: int, column: int) -> int:
        """Return the ordinal of the last value starting at or before (line, column), or -1."""
        line = min(max(line, 1), len(self._line_starts))
        offset = self._line_starts[line - 1] + max(column, 1) - 1
        return bisect_right(self._offsets, offset) - 1
