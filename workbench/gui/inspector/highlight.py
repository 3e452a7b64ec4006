"""Line-at-a-time lexers for the source preview, and the palette that colours their tokens.

The source view asks for the tokens of one line at a time, and only for the lines it is about
to paint, so colouring costs the same for a 1 KB and a 50 MB text. The lexers work on the whole
text (regular expressions with ``pos``/``endpos``), never on copies of lines.

State that crosses lines is found without lexing the lines before:

* XML comments, CDATA sections, processing instructions and start tags that span several lines
  are found by one lazy regular-expression scan (``_XmlRegions``). A line that starts inside
  such a region takes its colour from it.
* XHTML narrative (``<div xmlns="http://www.w3.org/1999/xhtml">`` up to its matching end tag) is
  found by searching for the namespace and counting nested tags of the same name
  (``_XhtmlRegions``).
* JSON has no state between lines: a JSON string cannot contain a raw line break, so an
  unterminated string is coloured to the end of its line and the next line starts afresh.

Both scans run lazily, only as far as the furthest line shown so far (the XML one a chunk at a
time), so showing the top of a large text costs nothing and a jump to the end costs one pass
(about 60 ms for 5 MB of XML).

Positions in tokens are Python string offsets (code points) relative to the line start; the
Qt side converts them to UTF-16 where a line holds characters outside the BMP.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol

from PySide6.QtGui import QColor, QFont, QTextCharFormat

#: Lines longer than this are coloured only up to this many characters (a minified 5 MB message
#: is one line; lexing it whole on every repaint of that line would stall the GUI).
MAX_LEXED_LINE = 20_000


class TokenKind(IntEnum):
    """What a coloured stretch of text is."""

    PUNCTUATION = 0
    TAG = 1
    ATTRIBUTE = 2
    ATTRIBUTE_VALUE = 3
    COMMENT = 4
    CDATA = 5
    DECLARATION = 6
    ENTITY = 7
    XHTML_TAG = 8
    XHTML_TEXT = 9
    KEY = 10
    STRING = 11
    NUMBER = 12
    LITERAL = 13


_NEWLINE = re.compile("\n")
_LINE_SCAN_CHUNK = 1 << 18  # characters scanned for line breaks at a time
_REGION_CHUNK = 1 << 16  # characters searched for multi-line XML regions at a time

Token = tuple[int, int, TokenKind]
"""``(start, end, kind)``: a half-open span of code points, relative to the line start."""


class Lexer(Protocol):
    """Gives the tokens of one line of a text."""

    def line_tokens(self, line: int) -> list[Token]:
        """Return the tokens of a 0-based line, sorted and not overlapping."""
        ...


class SourceText:
    r"""A text split into lines lazily: line starts are found only as far as they are asked for.

    Lines end at ``\n`` only; :func:`normalise_newlines` must have been applied, so that the
    lines are exactly the blocks a ``QTextDocument`` makes of the text.

    Args:
        text: The normalised text.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] = [0]
        self._scanned = 0  # every line break before this offset is in _starts

    def line_span(self, line: int) -> tuple[int, int]:
        """Return ``(start, end)`` offsets of a 0-based line, without its line break.

        Args:
            line: 0-based line number; must exist.

        Returns:
            The half-open span of the line in :attr:`text`.
        """
        starts = self._starts
        text = self.text
        while len(starts) <= line + 1 and self._scanned <= len(text):
            stop = min(len(text), self._scanned + _LINE_SCAN_CHUNK)
            starts.extend([match.end() for match in _NEWLINE.finditer(text, self._scanned, stop)])
            self._scanned = stop
            if stop == len(text):
                starts.append(len(text) + 1)  # the end of the last line
                self._scanned = len(text) + 1
        if line + 1 >= len(starts):
            raise IndexError(f"line {line} is beyond the end of the text")
        return starts[line], starts[line + 1] - 1


def normalise_newlines(text: str) -> str:
    r"""Turn every line break QTextDocument knows (CRLF, CR, U+2029) into ``\n``."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\u2029" in text:
        text = text.replace("\u2029", "\n")
    return text


# --------------------------------------------------------------------------------------------
# XML

# Everything that can carry lexer state over a line break. Only the multi-line matches are kept;
# a start tag is matched only up to its first line break (its end is found afterwards).
_XML_REGION = re.compile(
    r"<(?:"
    r"(?P<comment>!--[\s\S]*?(?:-->|\Z))"
    r"|(?P<cdata>!\[CDATA\[[\s\S]*?(?:\]\]>|\Z))"
    r"|(?P<decl>![A-Za-z][^>]*+(?:>|\Z))"
    r"|(?P<tag>[A-Za-z_:/?][^<>\n]*+\n)"
    r")"
)
# One piece of markup within a line (endpos is the line end, so \Z means "runs on").
_XML_MARKUP = re.compile(
    r"(?P<comment><!--[\s\S]*?(?:-->|\Z))"
    r"|(?P<cdata><!\[CDATA\[[\s\S]*?(?:\]\]>|\Z))"
    r"|(?P<decl><![A-Za-z][^>]*+(?:>|\Z))"
    r"|(?P<tag><[/?]?[A-Za-z_:][^\s<>/=?\"']*+(?:[^<>\"']++|\"[^\"<]*+(?:\"|\Z|(?=<))|'[^'<]*+(?:'|\Z|(?=<)))*+"
    r"(?:>|\Z|(?=<)))"
    r"|(?P<entity>&(?:\#[0-9]++|\#x[0-9a-fA-F]++|[A-Za-z_][\w.-]*+);)"
)
_XML_TAG_FULL = re.compile(
    r"<[/?]?[^\s<>/=?\"']*+(?:[^<>\"']++|\"[^\"<]*+(?:\"|\Z|(?=<))|'[^'<]*+(?:'|\Z|(?=<)))*+(?:>|\Z|(?=<))"
)
_XML_TAG_HEAD = re.compile(r"(<[/?]?)([^\s<>/=?\"']*+)")
_XML_TAG_BODY = re.compile(
    r"(?P<name>[^\s=<>/?\"']++)"
    r"|(?P<eq>=)"
    r"|(?P<value>\"[^\"<]*+(?:\"|\Z|(?=<))|'[^'<]*+(?:'|\Z|(?=<)))"
    r"|(?P<end>[/?]?>)"
)
_XHTML_NS = "http://www.w3.org/1999/xhtml"
_XMLNS_BEFORE = re.compile(r"xmlns\s*=\s*[\"']\Z")
_ELEMENT_NAME = re.compile(r"<([A-Za-z_][\w.:-]*+)")

_REGION_KINDS = {
    "comment": TokenKind.COMMENT,
    "cdata": TokenKind.CDATA,
    "decl": TokenKind.DECLARATION,
    "tag": TokenKind.TAG,
}


class _XmlRegions:
    """Multi-line comments, CDATA sections, declarations and tags, found lazily in text order.

    The text is searched a chunk at a time (:data:`_REGION_CHUNK` characters), so showing the
    top of a large text that has no such region does not search all of it at once.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos: int | None = 0  # where the search goes on; None when the text is done
        self._known_to = 0  # every region starting before this offset is known
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.kinds: list[TokenKind] = []

    def _search_chunk(self) -> re.Match[str] | None:
        """Search one chunk from ``_pos`` for a region candidate; None when the chunk has none."""
        text = self._text
        pos = self._pos
        assert pos is not None
        end = min(len(text), pos + _REGION_CHUNK)
        match = _XML_REGION.search(text, pos, end)
        if match is not None:
            if match.end() >= end and end < len(text):  # cut at the chunk's end: take all of it
                match = _XML_REGION.match(text, match.start())
            return match
        if end >= len(text):
            self._pos = None
            self._known_to = len(text) + 1
            return None
        # A region starting at the chunk's last "<" may run on past it: go on from there.
        resume = text.rfind("<", pos + 1, end)
        self._pos = self._known_to = resume if resume >= 0 else end
        return None

    def _scan_to(self, offset: int) -> None:
        text = self._text
        while self._pos is not None and self._known_to <= offset:
            match = self._search_chunk()
            if match is None:
                continue
            start = match.start()
            self._pos = self._known_to = max(match.end(), start + 1)
            if self.ends and start < self.ends[-1]:
                continue  # inside the rest of a multi-line tag found before
            kind = _REGION_KINDS[match.lastgroup or "tag"]
            if kind is TokenKind.TAG:
                end = _XML_TAG_FULL.match(text, start).end()  # type: ignore[union-attr]
            else:
                end = match.end()
                if text.find("\n", start, end) < 0:
                    continue
            self.starts.append(start)
            self.ends.append(end)
            self.kinds.append(kind)

    def containing(self, offset: int) -> int | None:
        """Return the index of the region that began before ``offset`` and runs past it."""
        self._scan_to(offset)
        index = bisect_right(self.starts, offset - 1) - 1
        if index >= 0 and self.ends[index] > offset:
            return index
        return None


class _XhtmlRegions:
    """Spans of XHTML narrative: from ``<div xmlns="…xhtml">`` to its matching end tag."""

    #: How far past a line to look for a namespace declaration whose start tag began before.
    _SLACK = 4096

    def __init__(self, text: str) -> None:
        self._text = text
        self._next_hit = text.find(_XHTML_NS)
        self.starts: list[int] = []
        self.ends: list[int] = []
        self._name_patterns: dict[str, re.Pattern[str]] = {}

    def _scan_to(self, offset: int) -> None:
        text = self._text
        while self._next_hit >= 0 and self._next_hit < offset + self._SLACK:
            hit = self._next_hit
            span = self._region_at(hit)
            resume = hit + len(_XHTML_NS)
            if span is not None and (not self.ends or span[0] >= self.ends[-1]):
                self.starts.append(span[0])
                self.ends.append(span[1])
                resume = max(resume, span[1])
            self._next_hit = text.find(_XHTML_NS, resume)

    def _region_at(self, hit: int) -> tuple[int, int] | None:
        """Return the element span declared by the namespace at ``hit``, if it is an xmlns."""
        text = self._text
        if not _XMLNS_BEFORE.search(text, max(0, hit - 32), hit):
            return None
        start = text.rfind("<", 0, hit)
        head = _ELEMENT_NAME.match(text, start) if start >= 0 else None
        if head is None:
            return None
        tag_end = _XML_TAG_FULL.match(text, start).end()  # type: ignore[union-attr]
        if tag_end <= hit:
            return None
        if text[tag_end - 2 : tag_end] == "/>":
            return start, tag_end
        name = head.group(1)
        pattern = self._name_patterns.get(name)
        if pattern is None:
            pattern = re.compile(r"<(/?)" + re.escape(name) + r"(?=[\s/>])[^<>]*+>")
            self._name_patterns[name] = pattern
        depth = 1
        for match in pattern.finditer(text, tag_end):
            if match.group(1):
                depth -= 1
                if depth == 0:
                    return start, match.end()
            elif not match.group().endswith("/>"):
                depth += 1
        return start, len(text)

    def overlapping(self, start: int, end: int) -> list[tuple[int, int]]:
        """Return the narrative spans overlapping ``[start, end)``, clipped to it."""
        self._scan_to(end)
        spans: list[tuple[int, int]] = []
        index = bisect_right(self.starts, end - 1) - 1
        while index >= 0 and self.ends[index] > start:
            spans.append((max(self.starts[index], start), min(self.ends[index], end)))
            index -= 1
        spans.reverse()
        return spans


class XmlLexer:
    """Tokens of XML lines: tags, attributes, values, comments, entities and XHTML narrative.

    Args:
        source: The text to lex.
    """

    def __init__(self, source: SourceText) -> None:
        self._source = source
        self._text = source.text
        self._regions = _XmlRegions(source.text)
        self._xhtml = _XhtmlRegions(source.text)

    def line_tokens(self, line: int) -> list[Token]:
        """Return the tokens of a 0-based line, sorted and not overlapping.

        Args:
            line: 0-based line number.

        Returns:
            Tokens with offsets relative to the line start.
        """
        start, end = self._source.line_span(line)
        end = min(end, start + MAX_LEXED_LINE)
        if start == end:
            return []
        tokens: list[Token] = []
        pos = start
        region = self._regions.containing(start)
        if region is not None:
            region_start = self._regions.starts[region]
            region_end = self._regions.ends[region]
            kind = self._regions.kinds[region]
            if kind is TokenKind.TAG:
                self._tag_tokens(region_start, region_end, tokens)
                tokens = [(max(s, start), min(e, end), k) for s, e, k in tokens if e > start and s < end]
            else:
                tokens.append((start, min(region_end, end), kind))
            pos = region_end
        if pos < end:
            self._markup_tokens(pos, end, tokens)
        spans = self._xhtml.overlapping(start, end)
        if spans:
            tokens = self._mark_xhtml(tokens, spans)
        return [(s - start, e - start, k) for s, e, k in tokens if e > s]

    def _markup_tokens(self, pos: int, end: int, tokens: list[Token]) -> None:
        for match in _XML_MARKUP.finditer(self._text, pos, end):
            group = match.lastgroup
            if group == "tag":
                self._tag_tokens(match.start(), match.end(), tokens)
            elif group == "entity":
                tokens.append((match.start(), match.end(), TokenKind.ENTITY))
            else:
                tokens.append((match.start(), match.end(), _REGION_KINDS[group or "comment"]))

    def _tag_tokens(self, start: int, end: int, tokens: list[Token]) -> None:
        """Split one tag (``<name attr="value" …>``, ``</name>`` or ``<?pi …?>``) into tokens."""
        head = _XML_TAG_HEAD.match(self._text, start, end)
        if head is None:  # cannot happen: the tag patterns start with "<"
            return
        tokens.append((start, head.end(1), TokenKind.PUNCTUATION))
        tag_kind = TokenKind.DECLARATION if head.group(1) == "<?" else TokenKind.TAG
        tokens.append((head.end(1), head.end(2), tag_kind))
        for match in _XML_TAG_BODY.finditer(self._text, head.end(), end):
            group = match.lastgroup
            if group == "name":
                kind = TokenKind.ATTRIBUTE
            elif group == "value":
                kind = TokenKind.ATTRIBUTE_VALUE
            elif group == "end" and tag_kind is TokenKind.DECLARATION:
                kind = TokenKind.DECLARATION
            else:
                kind = TokenKind.PUNCTUATION
            tokens.append((match.start(), match.end(), kind))

    def _mark_xhtml(self, tokens: list[Token], spans: list[tuple[int, int]]) -> list[Token]:
        """Recolour tag names inside narrative and add tokens for the narrative's text."""
        result: list[Token] = []
        for token_start, token_end, kind in tokens:
            if kind is TokenKind.TAG and any(a <= token_start < b for a, b in spans):
                kind = TokenKind.XHTML_TAG
            result.append((token_start, token_end, kind))
        text = self._text
        for span_start, span_end in spans:
            cursor = span_start
            for token_start, token_end, _kind in tokens:
                if token_end <= cursor or token_start >= span_end:
                    continue
                if token_start > cursor and not text[cursor:token_start].isspace():
                    result.append((cursor, token_start, TokenKind.XHTML_TEXT))
                cursor = max(cursor, token_end)
            if span_end > cursor and not text[cursor:span_end].isspace():
                result.append((cursor, span_end, TokenKind.XHTML_TEXT))
        result.sort()
        return result


# --------------------------------------------------------------------------------------------
# JSON

_JSON_TOKEN = re.compile(
    r"(?P<key>\"(?:[^\"\\]++|\\.)*+\"(?=[ \t]*:))"
    r"|(?P<string>\"(?:[^\"\\]++|\\.)*+(?:\"|\\?\Z))"
    r"|(?P<number>-?[0-9]++(?:\.[0-9]++)?(?:[eE][+-]?[0-9]++)?)"
    r"|(?P<literal>\b(?:true|false|null)\b)"
    r"|(?P<punctuation>[{}\[\],:])"
)
_JSON_KINDS = {
    "key": TokenKind.KEY,
    "string": TokenKind.STRING,
    "number": TokenKind.NUMBER,
    "literal": TokenKind.LITERAL,
    "punctuation": TokenKind.PUNCTUATION,
}


class JsonLexer:
    """Tokens of JSON lines: keys, strings, numbers, literals and punctuation.

    Args:
        source: The text to lex.
    """

    def __init__(self, source: SourceText) -> None:
        self._source = source

    def line_tokens(self, line: int) -> list[Token]:
        """Return the tokens of a 0-based line, sorted and not overlapping.

        Args:
            line: 0-based line number.

        Returns:
            Tokens with offsets relative to the line start.
        """
        start, end = self._source.line_span(line)
        end = min(end, start + MAX_LEXED_LINE)
        return [
            (match.start() - start, match.end() - start, _JSON_KINDS[match.lastgroup or "punctuation"])
            for match in _JSON_TOKEN.finditer(self._source.text, start, end)
        ]


def make_lexer(source: SourceText, language: str) -> Lexer | None:
    """Return the lexer for ``"xml"`` or ``"json"``, or None for ``"text"``.

    Args:
        source: The text to lex.
        language: ``"xml"``, ``"json"`` or ``"text"`` (any case).

    Raises:
        ValueError: For any other language.
    """
    language = language.lower()
    if language == "xml":
        return XmlLexer(source)
    if language == "json":
        return JsonLexer(source)
    if language == "text":
        return None
    raise ValueError(f"unknown source language {language!r} (expected 'xml', 'json' or 'text')")


# --------------------------------------------------------------------------------------------
# Palette


@dataclass(frozen=True)
class TokenStyle:
    """How one kind of token looks."""

    color: str
    italic: bool = False
    bold: bool = False


@dataclass(frozen=True)
class HighlightPalette:
    """Colours for the source view: one style per token kind plus the view's own colours."""

    styles: dict[TokenKind, TokenStyle]
    text: str
    background: str
    mark_background: str
    gutter_background: str
    gutter_text: str
    gutter_current_text: str
    gutter_border: str

    def char_formats(self) -> dict[TokenKind, QTextCharFormat]:
        """Build one ``QTextCharFormat`` per token kind (shared by every range of that kind)."""
        formats: dict[TokenKind, QTextCharFormat] = {}
        for kind, style in self.styles.items():
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(style.color))
            if style.italic:
                fmt.setFontItalic(True)
            if style.bold:
                fmt.setFontWeight(QFont.Weight.Bold)
            formats[kind] = fmt
        return formats


#: A calm light palette, close to GitHub's light theme.
LIGHT_PALETTE = HighlightPalette(
    styles={
        TokenKind.PUNCTUATION: TokenStyle("#6e7781"),
        TokenKind.TAG: TokenStyle("#116329"),
        TokenKind.ATTRIBUTE: TokenStyle("#6639ba"),
        TokenKind.ATTRIBUTE_VALUE: TokenStyle("#0a3069"),
        TokenKind.COMMENT: TokenStyle("#6e7781", italic=True),
        TokenKind.CDATA: TokenStyle("#57606a"),
        TokenKind.DECLARATION: TokenStyle("#8c959f"),
        TokenKind.ENTITY: TokenStyle("#0550ae"),
        TokenKind.XHTML_TAG: TokenStyle("#953800"),
        TokenKind.XHTML_TEXT: TokenStyle("#3d444d"),
        TokenKind.KEY: TokenStyle("#116329"),
        TokenKind.STRING: TokenStyle("#0a3069"),
        TokenKind.NUMBER: TokenStyle("#0550ae"),
        TokenKind.LITERAL: TokenStyle("#cf222e"),
    },
    text="#1f2328",
    background="#ffffff",
    mark_background="#fff8c5",
    gutter_background="#f6f8fa",
    gutter_text="#8c959f",
    gutter_current_text="#1f2328",
    gutter_border="#d8dee4",
)
