"""Source positions (line, column) of tree nodes.

Each node's ``src`` says where it starts in the source:

* XML: the byte offset of its markup (``<``), reported by the parser as it reads.
* JSON: its *ordinal*, the number of JSON values before it in pre-order; the json module
  reports no positions, so one scan of the text, made on first use, maps ordinals to offsets.
  A member value is placed at its key.

Columns are 1-based and count characters, not bytes. Every lookup costs the same whatever the
length of the line: a whole message on one line (as machines write it) with 20,000 findings
takes 20,000 short lookups, not 20,000 decodes of the line up to each finding.
"""

from __future__ import annotations

import codecs
import re
from array import array
from bisect import bisect_right

#: A JSON token: a string without escapes, punctuation, the quote opening any other string, or a
#: bare word. (A string with escapes is read on by :func:`_string_end`: a regular expression
#: repeating a group per escape would keep memory per escape.)
_JSON_TOKEN = re.compile(r'"[^"\\]*"|[{}\[\]:,"]|[^\s{}\[\]:,"]+')
_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")

#: Bytes between the checkpoints that map byte offsets to character counts in long lines.
_STEP = 1 << 16


def _string_end(text: str, start: int) -> int:
    """The offset just after the JSON string that opens at ``start`` (linear, no backtracking)."""
    begin = start + 1
    while True:
        quote = text.find('"', begin)
        if quote < 0:
            return len(text)
        slashes = 0
        before = quote - 1
        while before >= begin and text[before] == "\\":
            slashes += 1
            before -= 1
        if slashes % 2 == 0:
            return quote + 1
        begin = quote + 1


def json_offsets(text: str) -> array:
    """Return the character offset of every JSON value in pre-order (members at their key)."""
    offsets = array("q")
    append = offsets.append
    stack: list[str] = []
    expect_key = False
    key_at = -1
    search = _JSON_TOKEN.search
    pos = 0
    while True:
        match = search(text, pos)
        if match is None:
            break
        start, pos = match.span()
        first = text[start]
        if pos - start == 1 and first == '"':
            pos = _string_end(text, start)
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
            key_at = start
            expect_key = False
            continue
        append(key_at if key_at >= 0 else start)
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


def _codec(data: bytes, encoding: str) -> tuple[str, int, bool]:
    """(codec for slices of the data, length of the byte order mark, whether it is a wide encoding)."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return "latin-1", 0, False
    if name in ("utf-16", "utf-32"):
        width = 2 if name == "utf-16" else 4
        big = data.startswith((b"\xfe\xff", b"\x00\x00\xfe\xff"))
        has_bom = data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff"))
        return f"{name}-{'be' if big else 'le'}", width if has_bom else 0, True
    if name.startswith(("utf-16", "utf-32")):
        return name, 0, True
    return name, 3 if data.startswith(b"\xef\xbb\xbf") else 0, False


class XmlPositions:
    """Line and column of byte offsets in XML source bytes."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._encoding = xml_encoding(data)
        self._codec, self._bom, self._wide = _codec(data, self._encoding)
        self._marks: tuple[array, array] | None = None
        if self._wide:  # rare: lines are found in the decoded text, counted in characters
            text = data[self._bom :].decode(self._codec, errors="replace")
            self._line_starts = array("q", [0, *(m.end() for m in re.finditer("\n", text))])
        else:
            self._line_starts = array("q", [0, *(m.end() for m in re.finditer(b"\n", data))])

    def _checkpoints(self) -> tuple[array, array]:
        """Byte offsets (at character boundaries) every ~64 KB, and the characters before each."""
        if self._marks is None:
            data, at = self._data, self._bom
            decoder = codecs.getincrementaldecoder(self._codec)(errors="replace")
            places, counts = array("q", [at]), array("q", [0])
            chars = 0
            for start in range(at, len(data), _STEP):
                chunk = data[start : start + _STEP]
                chars += len(decoder.decode(chunk))
                places.append(start + len(chunk) - len(decoder.getstate()[0]))
                counts.append(chars)
            self._marks = (places, counts)
        return self._marks

    def _chars(self, start: int, offset: int) -> int:
        """Characters between two byte offsets (each at a character boundary), start <= offset."""
        if offset - start <= _STEP:
            return len(self._data[start:offset].decode(self._codec, errors="replace"))
        return self._chars_before(offset) - self._chars_before(start)

    def _chars_before(self, offset: int) -> int:
        """Characters between the start of the text (after any byte order mark) and a byte offset."""
        offset = max(offset, self._bom)
        places, counts = self._checkpoints()
        mark = bisect_right(places, offset) - 1
        return counts[mark] + len(self._data[places[mark] : offset].decode(self._codec, errors="replace"))

    def _offset_of_char(self, chars: int) -> int:
        """The byte offset of the character with this index (counted after any byte order mark)."""
        places, counts = self._checkpoints()
        mark = max(bisect_right(counts, chars) - 1, 0)
        end = places[mark + 1] if mark + 1 < len(places) else len(self._data)
        text = self._data[places[mark] : end].decode(self._codec, errors="replace")
        return places[mark] + len(text[: chars - counts[mark]].encode(self._codec, errors="replace"))

    def line_col(self, offset: int) -> tuple[int, int]:
        """Return the 1-based (line, column) of a byte offset."""
        if self._wide:
            chars = self._chars_before(offset)
            line = bisect_right(self._line_starts, chars)
            return line, chars - self._line_starts[line - 1] + 1
        line = bisect_right(self._line_starts, offset)
        start = self._line_starts[line - 1]
        if start == 0:
            start = self._bom
        return line, self._chars(start, max(offset, start)) + 1

    def offset_at(self, line: int, column: int) -> int:
        """Return the byte offset of a 1-based (line, column)."""
        starts = self._line_starts
        line = min(max(line, 1), len(starts))
        wanted = max(column - 1, 0)
        if self._wide:
            first = starts[line - 1]
            last = starts[line] - 1 if line < len(starts) else None
            target = first + wanted if last is None else min(first + wanted, last)
            return self._offset_of_char(target)
        start = starts[line - 1] or self._bom
        end = starts[line] if line < len(starts) else len(self._data)
        if end - start <= _STEP:
            prefix = self._data[start:end].decode(self._codec, errors="replace")[:wanted]
            return start + len(prefix.encode(self._codec, errors="replace"))
        before = self._chars_before(start)
        return min(self._offset_of_char(before + wanted), end)


class JsonPositions:
    """Line and column of JSON value ordinals in a JSON text."""

    def __init__(self, text: str) -> None:
        self._offsets = json_offsets(text)
        self._line_starts = array("q", [0, *(m.end() for m in re.finditer("\n", text))])

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
