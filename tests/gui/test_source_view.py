"""Tests of the source preview: colouring of visible lines, the mark, and the position signal."""

from __future__ import annotations

import json

import pytest
from conftest import EXAMPLES, require_shared
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFontInfo, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit
from pytestqt.qtbot import QtBot

from workbench.gui.inspector.highlight import (
    LIGHT_PALETTE,
    MAX_LEXED_LINE,
    JsonLexer,
    SourceText,
    TokenKind,
    XmlLexer,
    normalise_newlines,
)
from workbench.gui.inspector.source_view import SourceView

COLOR = {kind: style.color for kind, style in LIGHT_PALETTE.styles.items()}

SMALL_XML = """<?xml version="1.0" encoding="UTF-8"?>
<Bundle xmlns="http://hl7.org/fhir">
\t<!-- a comment that
\t     spans three
\t     lines --><id value="b1"/>
\t<type value="message"/>
\t<extension
\t\turl="https://fhir.nhs.uk/STU3/StructureDefinition/Extension-ITK-MessageHandling-2">
\t\t<valueString value="one
two"/>
\t</extension>
\t<text>
\t\t<div xmlns="http://www.w3.org/1999/xhtml"><p>Dose &amp; route <b>given</b></p>
\t\t\t<div>nested text</div>
\t\t\tstill narrative
\t\t</div>
\t</text>
\t<![CDATA[ raw <stuff>
\t  more ]]>
</Bundle>
"""

SMALL_JSON = """{
  "resourceType": "Bundle",
  "type": "message",
  "total": -12.5e3,
  "entry": [
    {"fullUrl": "urn:uuid:1", "search": null, "flag": true, "other": false}
  ],
  "broken": "no end
}
"""


def make_xml(size: int) -> str:
    """Return a pretty-printed FHIR-like message Bundle of about ``size`` characters."""
    parts = ['<Bundle xmlns="http://hl7.org/fhir">\n\t<type value="message"/>\n']
    total, index = len(parts[0]), 0
    while total < size:
        entry = (
            f'\t<entry>\n\t\t<fullUrl value="urn:uuid:{index:08d}"/>\n\t\t<resource>\n\t\t\t<Observation>\n'
            f'\t\t\t\t<id value="obs-{index}"/>\n\t\t\t\t<!-- observation {index}\n\t\t\t\t     of many -->\n'
            f'\t\t\t\t<text>\n\t\t\t\t\t<div xmlns="http://www.w3.org/1999/xhtml"><p>Rate {index}</p></div>\n'
            f'\t\t\t\t</text>\n\t\t\t\t<status value="final"/>\n\t\t\t</Observation>\n\t\t</resource>\n\t</entry>\n'
        )
        parts.append(entry)
        total += len(entry)
        index += 1
    parts.append("</Bundle>\n")
    return "".join(parts)


def numbered_lines(count: int) -> str:
    """Return ``count`` short XML lines, each naming its own 1-based number."""
    return "".join(f'<line n="{n}"/>\n' for n in range(1, count + 1))


@pytest.fixture
def view(qtbot: QtBot) -> SourceView:
    widget = SourceView()
    qtbot.addWidget(widget)
    widget.resize(800, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def block(view: SourceView, line: int):
    """Return the block of a 1-based line."""
    return view.document().findBlockByNumber(line - 1)


def color_at(view: SourceView, line: int, column: int) -> str | None:
    """Return the foreground set by the highlighter at a 1-based line/column, or None."""
    for format_range in block(view, line).layout().formats():
        if format_range.start <= column - 1 < format_range.start + format_range.length:
            return format_range.format.foreground().color().name()
    return None


def column_of(view: SourceView, line: int, needle: str) -> int:
    """Return the 1-based column of the first ``needle`` on a line."""
    index = block(view, line).text().index(needle)
    return index + 1


def visible_range(view: SourceView) -> tuple[int, int]:
    """Return the first and last 1-based lines on screen."""
    first = view.firstVisibleBlock()
    last = first
    height = view.viewport().height()
    current = first
    while current.isValid() and view.blockBoundingGeometry(current).translated(view.contentOffset()).top() < height:
        last = current
        current = current.next()
    return first.blockNumber() + 1, last.blockNumber() + 1


# ------------------------------------------------------------------------------ the widget


def test_view_is_read_only_fixed_pitch_unwrapped_with_gutter(view: SourceView) -> None:
    view.set_source(numbered_lines(12345), "xml")
    assert view.isReadOnly()
    assert view.lineWrapMode() == QPlainTextEdit.LineWrapMode.NoWrap
    assert QFontInfo(view.font()).fixedPitch()
    assert view.viewportMargins().left() == view.gutter_width() > 0
    small = view.gutter_width()
    view.set_source(numbered_lines(1_234_567 // 100), "xml")
    assert view.gutter_width() == small  # same digit count, same width
    view.set_source(numbered_lines(123_456), "xml")
    assert view.gutter_width() > small
    assert view.viewportMargins().left() == view.gutter_width()


def test_unknown_language_is_rejected_and_keeps_the_text(view: SourceView) -> None:
    view.set_source("<a/>", "xml")
    with pytest.raises(ValueError, match="unknown source language"):
        view.set_source("x", "yaml")
    assert view.toPlainText() == "<a/>"


def test_xml_tokens_get_their_colours(view: SourceView) -> None:
    view.set_source(SMALL_XML, "XML")
    assert view.language() == "xml"
    default = LIGHT_PALETTE.text
    expected = {
        (2, column_of(view, 2, "Bundle")): TokenKind.TAG,
        (2, column_of(view, 2, "xmlns")): TokenKind.ATTRIBUTE,
        (2, column_of(view, 2, '"http')): TokenKind.ATTRIBUTE_VALUE,
        (2, 1): TokenKind.PUNCTUATION,
        (3, column_of(view, 3, "<!--")): TokenKind.COMMENT,
        (1, column_of(view, 1, "xml")): TokenKind.DECLARATION,
        (13, column_of(view, 13, "div")): TokenKind.XHTML_TAG,
        (13, column_of(view, 13, "Dose")): TokenKind.XHTML_TEXT,
        (13, column_of(view, 13, "&amp;")): TokenKind.ENTITY,
        (13, column_of(view, 13, "given")): TokenKind.XHTML_TEXT,
    }
    for (line, column), kind in expected.items():
        assert color_at(view, line, column) == COLOR[kind], (line, column, kind)
        assert COLOR[kind] != default
    # whitespace between tokens is left alone
    assert color_at(view, 6, 1) is None


def test_xml_state_carries_over_lines(view: SourceView) -> None:
    view.set_source(SMALL_XML, "xml")
    # inside and at the end of a comment spanning three lines
    assert color_at(view, 4, column_of(view, 4, "spans")) == COLOR[TokenKind.COMMENT]
    assert color_at(view, 5, column_of(view, 5, "lines")) == COLOR[TokenKind.COMMENT]
    # markup after the comment's end on the same line
    assert color_at(view, 5, column_of(view, 5, "id ")) == COLOR[TokenKind.TAG]
    # an attribute on the line after its start tag
    assert color_at(view, 8, column_of(view, 8, "url")) == COLOR[TokenKind.ATTRIBUTE]
    assert color_at(view, 8, column_of(view, 8, '"https')) == COLOR[TokenKind.ATTRIBUTE_VALUE]
    # an attribute value running over a line break, and the tag ending after it
    assert color_at(view, 10, 1) == COLOR[TokenKind.ATTRIBUTE_VALUE]
    assert color_at(view, 10, column_of(view, 10, "/>")) == COLOR[TokenKind.PUNCTUATION]
    # a nested div inside narrative does not end the narrative
    assert color_at(view, 14, column_of(view, 14, "nested")) == COLOR[TokenKind.XHTML_TEXT]
    assert color_at(view, 15, column_of(view, 15, "still")) == COLOR[TokenKind.XHTML_TEXT]
    assert color_at(view, 16, column_of(view, 16, "div")) == COLOR[TokenKind.XHTML_TAG]
    # after the narrative, tags are FHIR tags again
    assert color_at(view, 17, column_of(view, 17, "text")) == COLOR[TokenKind.TAG]
    # CDATA over two lines
    assert color_at(view, 19, column_of(view, 19, "more")) == COLOR[TokenKind.CDATA]
    assert color_at(view, 20, column_of(view, 20, "Bundle")) == COLOR[TokenKind.TAG]


def test_json_tokens_get_their_colours(view: SourceView) -> None:
    view.set_source(SMALL_JSON, "json")
    expected = {
        (2, column_of(view, 2, '"resourceType"')): TokenKind.KEY,
        (2, column_of(view, 2, '"Bundle"')): TokenKind.STRING,
        (2, column_of(view, 2, ":")): TokenKind.PUNCTUATION,
        (4, column_of(view, 4, "-12.5e3")): TokenKind.NUMBER,
        (6, column_of(view, 6, "null")): TokenKind.LITERAL,
        (6, column_of(view, 6, "true")): TokenKind.LITERAL,
        (6, column_of(view, 6, "false")): TokenKind.LITERAL,
        (6, column_of(view, 6, '"urn')): TokenKind.STRING,
        (6, column_of(view, 6, '"fullUrl"')): TokenKind.KEY,
        (1, 1): TokenKind.PUNCTUATION,
        # an unterminated string is coloured to the end of its line only
        (8, column_of(view, 8, "end")): TokenKind.STRING,
        (9, 1): TokenKind.PUNCTUATION,
    }
    for (line, column), kind in expected.items():
        assert color_at(view, line, column) == COLOR[kind], (line, column, kind)
    assert COLOR[TokenKind.KEY] != COLOR[TokenKind.STRING]


def test_text_set_before_show_is_coloured_when_shown(qtbot: QtBot) -> None:
    widget = SourceView()
    qtbot.addWidget(widget)
    widget.set_source(numbered_lines(300), "xml")
    widget.resize(800, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget.grab()
    first, last = visible_range(widget)
    assert last - first > 20
    assert all(block(widget, line).layout().formats() for line in range(first, last + 1))
    assert color_at(widget, last, 2) == COLOR[TokenKind.TAG]


def test_lines_exposed_by_growing_the_view_are_coloured(view: SourceView) -> None:
    view.resize(800, 200)
    view.set_source(numbered_lines(500), "xml")
    view.grab()
    _first, last_before = visible_range(view)
    view.resize(800, 900)  # Qt sends no updateRequest for this; the paint does the colouring
    image = view.grab()
    _first, last_after = visible_range(view)
    assert last_after > last_before + 20
    assert color_at(view, last_after, 2) == COLOR[TokenKind.TAG]
    assert not image.isNull()


def test_text_language_is_not_coloured(view: SourceView) -> None:
    view.set_source(SMALL_XML, "text")
    assert all(not block(view, n).layout().formats() for n in range(1, view.blockCount() + 1))


def test_only_visible_lines_are_coloured_until_scrolled_to(view: SourceView, qtbot: QtBot) -> None:
    view.set_source(numbered_lines(5000), "xml")
    first, last = visible_range(view)
    assert first == 1 and last < 100
    assert block(view, last).layout().formats()
    assert not block(view, last + 50).layout().formats()
    assert not block(view, 5000).layout().formats()
    bar = view.verticalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: bool(block(view, 5000).layout().formats()))
    assert color_at(view, 5000, 2) == COLOR[TokenKind.TAG]
    assert not block(view, 2500).layout().formats()


def test_lines_outside_the_bmp_are_coloured_at_utf16_offsets(view: SourceView) -> None:
    view.set_source('<a v="\U0001f600x" w="y"/>\n', "xml")
    ranges = {r.format.foreground().color().name(): [] for r in block(view, 1).layout().formats()}
    for r in block(view, 1).layout().formats():
        ranges[r.format.foreground().color().name()].append((r.start, r.length))
    # '"😀x"' starts at UTF-16 offset 5 and is 5 UTF-16 units long; 'w' follows at 11
    assert ranges[COLOR[TokenKind.ATTRIBUTE_VALUE]][0] == (5, 5)
    assert (11, 1) in ranges[COLOR[TokenKind.ATTRIBUTE]]


def test_crlf_text_keeps_lines_and_colours(view: SourceView) -> None:
    view.set_source("<a>\r\n  <b c='d'/>\r\n</a>\r\n", "xml")
    assert view.blockCount() == 4
    assert block(view, 2).text() == "  <b c='d'/>"
    assert color_at(view, 2, 6) == COLOR[TokenKind.ATTRIBUTE]


def test_five_megabyte_xml_is_shown_and_coloured_where_viewed(view: SourceView, qtbot: QtBot) -> None:
    text = make_xml(5_000_000)
    lines = text.count("\n") + 1
    with qtbot.waitSignal(view.sig_filled, timeout=60_000):
        view.set_source(text, "xml")
        # The first slice shows at once, coloured; the rest comes a slice per turn of the loop.
        assert view.is_filling() and 0 < view.blockCount() < lines
        assert block(view, 1).layout().formats()
        view.mark_range(lines - 3, lines - 1)  # lines not in yet: marked when they arrive
        assert view.current_mark() == (lines - 3, lines - 1)
    assert not view.is_filling() and view.blockCount() == lines > 100_000
    assert view.toPlainText() == text.rstrip("\n") or view.toPlainText() == text
    assert view.current_mark() == (lines - 3, lines - 1)
    view.clear_mark()
    view.verticalScrollBar().setValue(0)
    first, last = visible_range(view)
    for line in range(first, last + 1):
        if block(view, line).text().strip():
            assert block(view, line).layout().formats(), line
    assert not block(view, lines // 2).layout().formats()
    bar = view.verticalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: bool(block(view, lines - 1).layout().formats()))
    assert color_at(view, lines - 1, 3) == COLOR[TokenKind.TAG]  # </Bundle>
    # state found far from the top: the comment and narrative of the last entry
    comment_line = lines - 9
    assert "of many" in block(view, comment_line).text()
    assert color_at(view, comment_line, column_of(view, comment_line, "of many")) == COLOR[TokenKind.COMMENT]
    div_line = lines - 7
    assert color_at(view, div_line, column_of(view, div_line, "Rate")) == COLOR[TokenKind.XHTML_TEXT]
    view.mark_range(lines // 2, lines // 2 + 12)
    qtbot.waitUntil(lambda: bool(block(view, lines // 2).layout().formats()))
    assert visible_range(view)[0] < lines // 2 < visible_range(view)[1]


def test_real_message_renders_in_colour(view: SourceView) -> None:
    path = require_shared(EXAMPLES / "FHIR_MESH" / "test_messages" / "ITK009D_ITK_Immunization_Document.xml")
    view.set_source(path.read_text(encoding="utf-8-sig"), "xml")
    image = view.grab().toImage()
    colours = {
        image.pixelColor(x, y).name()
        for x in range(view.gutter_width() + 4, image.width() - 20)
        for y in range(0, 300, 2)
    }
    assert COLOR[TokenKind.TAG] in colours
    assert COLOR[TokenKind.ATTRIBUTE] in colours
    assert COLOR[TokenKind.ATTRIBUTE_VALUE] in colours


# ----------------------------------------------------------------------------------- mark


def test_mark_range_scrolls_marks_and_places_the_cursor(view: SourceView, qtbot: QtBot) -> None:
    view.set_source(numbered_lines(3000), "xml")
    assert view.firstVisibleBlock().blockNumber() == 0
    with qtbot.assertNotEmitted(view.sig_position_clicked):
        view.mark_range(1500, 1510)
    assert view.current_mark() == (1500, 1510)
    (selection,) = view.extraSelections()
    assert selection.cursor.selectionStart() == block(view, 1500).position()
    assert selection.cursor.selectionEnd() == block(view, 1510).position() + len(block(view, 1510).text())
    first, last = visible_range(view)
    assert first < 1500 <= first + (last - first) // 2  # in the upper part, not at the very top
    assert first > 1400
    cursor = view.textCursor()
    assert cursor.blockNumber() == 1499 and cursor.positionInBlock() == 0
    assert color_at(view, 1500, 2) == COLOR[TokenKind.TAG]


def test_mark_range_places_the_cursor_after_the_indent(view: SourceView) -> None:
    view.set_source(SMALL_XML, "xml")
    view.mark_range(13, 16)
    assert view.textCursor().blockNumber() == 12
    assert view.textCursor().positionInBlock() == 2


def test_mark_range_leaves_the_view_alone_when_the_line_is_in_view(view: SourceView) -> None:
    view.set_source(numbered_lines(3000), "xml")
    view.mark_range(1000, 1001)
    top = view.firstVisibleBlock().blockNumber()
    view.mark_range(1005, 1010)
    assert view.firstVisibleBlock().blockNumber() == top
    view.mark_range(10, 12)
    assert view.firstVisibleBlock().blockNumber() == 0
    assert view.current_mark() == (10, 12)


def test_mark_range_clamps_and_clear_mark_removes_it(view: SourceView) -> None:
    view.set_source(numbered_lines(50), "xml")
    view.mark_range(40, 10_000)
    assert view.current_mark() == (40, 51)  # the empty line after the last line break counts
    view.mark_range(7, 3)
    assert view.current_mark() == (3, 7)
    view.clear_mark()
    assert view.current_mark() is None
    assert view.extraSelections() == []
    view.mark_range(5, 5)
    view.set_source("<a/>", "xml")
    assert view.current_mark() is None


def test_marked_lines_show_in_the_gutter(view: SourceView) -> None:
    view.set_source(numbered_lines(100), "xml")
    view.mark_range(3, 4)
    image = view.grab().toImage()
    line_height = view.blockBoundingRect(block(view, 3)).height()
    top = view.blockBoundingGeometry(block(view, 3)).translated(view.contentOffset()).top()
    y = int(top + line_height / 2) + view.contentsRect().top()
    assert image.pixelColor(3, y).name() == LIGHT_PALETTE.mark_background
    y_other = int(top + 5 * line_height) + view.contentsRect().top()
    assert image.pixelColor(3, y_other).name() == LIGHT_PALETTE.gutter_background


# ------------------------------------------------------------------------- position signal


def click_at(view: SourceView, qtbot: QtBot, line: int, column: int) -> None:
    """Click with the mouse at a 1-based line/column of the text."""
    cursor = QTextCursor(block(view, line))
    cursor.setPosition(block(view, line).position() + column - 1)
    point: QPoint = view.cursorRect(cursor).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)


def test_click_emits_line_and_column(view: SourceView, qtbot: QtBot) -> None:
    view.set_source(SMALL_XML, "xml")
    column = column_of(view, 6, "message")
    with qtbot.waitSignal(view.sig_position_clicked, timeout=1000) as blocker:
        click_at(view, qtbot, 6, column)
    assert blocker.args == [6, column]
    with qtbot.waitSignal(view.sig_position_clicked, timeout=1000) as blocker:
        click_at(view, qtbot, 2, 3)
    assert blocker.args == [2, 3]


def test_click_on_the_cursor_position_emits_again(view: SourceView, qtbot: QtBot) -> None:
    view.set_source(SMALL_XML, "xml")
    click_at(view, qtbot, 6, 4)
    with qtbot.waitSignal(view.sig_position_clicked, timeout=1000) as blocker:
        click_at(view, qtbot, 6, 4)
    assert blocker.args == [6, 4]


def test_click_reports_columns_in_characters(view: SourceView, qtbot: QtBot) -> None:
    view.set_source('<a v="\U0001f600\U0001f600xyz"/>\n', "xml")
    utf16_column = 1 + len('<a v="') + 4 + 1  # before "y"
    with qtbot.waitSignal(view.sig_position_clicked, timeout=1000) as blocker:
        click_at(view, qtbot, 1, utf16_column)
    assert blocker.args == [1, len('<a v="\U0001f600\U0001f600x') + 1]


def test_keyboard_moves_emit(view: SourceView, qtbot: QtBot) -> None:
    view.set_source(SMALL_XML, "xml")
    view.setFocus()
    view.mark_range(2, 2)  # cursor at line 2, column 1, set by the program
    with qtbot.waitSignal(view.sig_position_clicked, timeout=1000) as blocker:
        qtbot.keyClick(view, Qt.Key.Key_Right)
    assert blocker.args == [2, 2]
    with qtbot.waitSignal(view.sig_position_clicked, timeout=1000) as blocker:
        qtbot.keyClick(view, Qt.Key.Key_Down)
    assert blocker.args[0] == 3


def test_program_moves_do_not_emit(view: SourceView, qtbot: QtBot) -> None:
    with qtbot.assertNotEmitted(view.sig_position_clicked):
        view.set_source(SMALL_XML, "xml")
        view.mark_range(10, 12)
        view.mark_range(2, 2)
        view.clear_mark()
        view.set_source(SMALL_JSON, "json")


def test_drag_reports_the_press_only(view: SourceView, qtbot: QtBot) -> None:
    view.set_source(SMALL_XML, "xml")
    received: list[tuple[int, int]] = []
    view.sig_position_clicked.connect(lambda line, column: received.append((line, column)))
    start = view.cursorRect(QTextCursor(block(view, 2))).center()
    cursor = QTextCursor(block(view, 6))
    cursor.setPosition(block(view, 6).position() + 5)
    end = view.cursorRect(cursor).center()
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(view.viewport(), end)
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=end)
    assert view.textCursor().hasSelection()  # it really was a drag
    assert view.textCursor().blockNumber() == 5
    assert received == [(2, 1)]


# ---------------------------------------------------------------------------------- lexers


def tokens(lexer: XmlLexer | JsonLexer, source: SourceText, line: int) -> list[tuple[str, TokenKind]]:
    start, _end = source.line_span(line)
    return [(source.text[start + a : start + b], kind) for a, b, kind in lexer.line_tokens(line)]


def test_xml_lexer_splits_a_tag() -> None:
    source = SourceText("  <value value=\"7\" unit='kg'/>")
    assert tokens(XmlLexer(source), source, 0) == [
        ("<", TokenKind.PUNCTUATION),
        ("value", TokenKind.TAG),
        ("value", TokenKind.ATTRIBUTE),
        ("=", TokenKind.PUNCTUATION),
        ('"7"', TokenKind.ATTRIBUTE_VALUE),
        ("unit", TokenKind.ATTRIBUTE),
        ("=", TokenKind.PUNCTUATION),
        ("'kg'", TokenKind.ATTRIBUTE_VALUE),
        ("/>", TokenKind.PUNCTUATION),
    ]


def test_xml_lexer_survives_broken_markup() -> None:
    text = '<a b="unclosed\n<c <d e=>\n<!-- never closed\n<x/>\n&bogus; & < >'
    source = SourceText(text)
    lexer = XmlLexer(source)
    for line in range(text.count("\n") + 1):
        lexer.line_tokens(line)
    assert tokens(lexer, source, 3) == [("<x/>", TokenKind.COMMENT)]


def test_xml_lexer_jumps_to_far_lines_without_lexing_the_ones_before() -> None:
    text = "<!--\n" + "<a/>\n" * 1000 + "-->\n" + "<b/>\n" * 1000
    source = SourceText(text)
    lexer = XmlLexer(source)
    assert tokens(lexer, source, 2000) == [
        ("<", TokenKind.PUNCTUATION),
        ("b", TokenKind.TAG),
        ("/>", TokenKind.PUNCTUATION),
    ]
    assert tokens(lexer, source, 500) == [("<a/>", TokenKind.COMMENT)]


def test_lexers_stop_at_very_long_lines() -> None:
    text = json.dumps({"k": ["v"] * 20_000})
    source = SourceText(text)
    found = JsonLexer(source).line_tokens(0)
    assert found and max(end for _start, end, _kind in found) <= MAX_LEXED_LINE


def test_normalise_newlines_matches_qt_blocks() -> None:
    assert normalise_newlines("a\r\nb\rc\u2029d\ne") == "a\nb\nc\nd\ne"
    source = SourceText("ab\ncd\n")
    assert [source.line_span(n) for n in range(3)] == [(0, 2), (3, 5), (6, 6)]
    with pytest.raises(IndexError):
        source.line_span(3)


@pytest.mark.parametrize("shift", [-12, -5, 0, 3, 10, 25, 40, 60])
def test_xml_regions_are_found_across_the_search_chunks(shift: int) -> None:
    """Multi-line comments and tags are found wherever they fall against the chunked search."""
    filler = "<a/>\n" * ((1 << 16) // 5)
    head = filler[: len(filler) + shift - 40]
    text = head + "<!-- a comment\ninside it\nclosed -->\n<tag\n  attr='v'>\n</tag>\n" + filler + "<!--\nlast\n-->\n"
    source = SourceText(text)
    lexer = XmlLexer(source)
    lines = text.split("\n")
    at = lines.index("inside it")
    assert tokens(lexer, source, at) == [("inside it", TokenKind.COMMENT)]
    assert tokens(lexer, source, at + 3)[0] == ("attr", TokenKind.ATTRIBUTE)
    assert tokens(lexer, source, lines.index("last")) == [("last", TokenKind.COMMENT)]
    assert tokens(lexer, source, at + 10) == [
        ("<", TokenKind.PUNCTUATION),
        ("a", TokenKind.TAG),
        ("/>", TokenKind.PUNCTUATION),
    ]
