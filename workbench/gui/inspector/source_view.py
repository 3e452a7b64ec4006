"""Read-only source preview of a message as XML or JSON text, coloured, with line numbers.

Colouring is done only for the lines on screen, so a 5 MB message shows as fast as plain text
(TECH-NOTES §3): the view never installs a ``QSyntaxHighlighter`` (which would colour the whole
document inside ``setPlainText``). Instead, whenever the view is about to paint
(``updateRequest`` after scrolling or a document change, and ``paintEvent`` as a safety net), it
walks the visible blocks, asks the lexer for the tokens of each block not coloured yet, sets them
with ``QTextLayout.setFormats`` and remembers the block in a per-block flag array. Formats stay on
the block's layout, so scrolling back costs nothing; ``markContentsDirty`` then tells the
document layout to lay the changed blocks out again. State that crosses lines (multi-line XML
comments, tags, narrative) comes from lazy scans in :mod:`workbench.gui.inspector.highlight`.

A long text is put into the view in slices, one per turn of the event loop
(:data:`FILL_SLICE` characters each, ending at a line break): ``setPlainText`` of 5 MB holds the
GUI thread for most of a second, a slice for a few milliseconds. The first slice shows at once,
the lines on screen are coloured as usual, and :attr:`SourceView.sig_filled` says when the
whole text is in. A mark asked for lines not in yet is made when they arrive.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QTextBlock,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from workbench.gui.inspector.highlight import (
    LIGHT_PALETTE,
    HighlightPalette,
    Lexer,
    SourceText,
    Token,
    make_lexer,
    normalise_newlines,
)

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
#: Space between the gutter's border and the text. It belongs to the gutter (the document has
#: no margin) so that the mark's background runs from the line numbers to the right edge.
_TEXT_PADDING = 6
#: Texts up to this many characters are shown in one go.
FILL_AT_ONCE = 256 * 1024
#: Characters put into the view per turn of the event loop when a text is longer.
FILL_SLICE = 128 * 1024
#: Characters at which Qt starts a block of its own (frames); a text holding them is not coloured.
_FRAME_CHARACTERS = ("\ufdd0", "\ufdd1")


def _utf16_offsets(line: str) -> list[int] | None:
    """Return the UTF-16 offset of every code point of ``line`` (plus its end), or None if equal."""
    if line.isascii() or not _ASTRAL.search(line):
        return None
    offsets = [0]
    total = 0
    for char in line:
        total += 2 if ord(char) > 0xFFFF else 1
        offsets.append(total)
    return offsets


def _code_point_column(line: str, utf16_column: int) -> int:
    """Convert a UTF-16 offset within ``line`` to a code-point offset."""
    offsets = _utf16_offsets(line)
    if offsets is None:
        return utf16_column
    for index, offset in enumerate(offsets):
        if offset >= utf16_column:
            return index
    return len(line)


class _LineNumberArea(QWidget):
    """The gutter left of the text; the view paints it."""

    def __init__(self, view: SourceView) -> None:
        super().__init__(view)
        self._view = view

    def sizeHint(self) -> QSize:
        """Return the width the line numbers need."""
        return QSize(self._view.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Let the view draw the numbers of the visible lines."""
        self._view._paint_gutter(self, event)


class SourceView(QPlainTextEdit):
    """Read-only, coloured view of a message's source text with a line-number gutter.

    Use :meth:`set_source` to show a text, :meth:`mark_range` to show which lines belong to the
    element selected elsewhere, and connect to :attr:`sig_position_clicked` to learn where the
    user put the cursor.

    Signals:
        sig_position_clicked(int, int): The user clicked in the text or moved the cursor with
            the keyboard; carries the 1-based line and 1-based column (in characters) of the
            cursor. Not emitted when the program moves the cursor (:meth:`mark_range`,
            :meth:`set_source`) nor while a mouse drag extends a selection.
        sig_filled(): The whole text given to :meth:`set_source` is in the view (at once for a
            short text, after the last slice for a long one).

    Args:
        parent: Optional parent widget.
        palette: Colours for tokens, gutter and mark; the light palette by default.
    """

    sig_position_clicked = Signal(int, int)
    sig_filled = Signal()

    def __init__(self, parent: QWidget | None = None, palette: HighlightPalette = LIGHT_PALETTE) -> None:
        super().__init__(parent)
        self._colors = palette
        self._formats = palette.char_formats()
        self._mark_format = QTextCharFormat()
        self._mark_format.setBackground(QColor(palette.mark_background))
        self._mark_format.setProperty(QTextFormat.Property.FullWidthSelection, True)

        self._source = SourceText("")
        self._lexer: Lexer | None = None
        self._language = "text"
        self._coloured = bytearray(1)  # one flag per block: formats already set
        self._applying = False
        self._program_moves = 0
        self._dragging = False
        self._emitted_in_press = False
        self._mark: tuple[int, int] | None = None
        self._pending_mark: tuple[int, int] | None = None  # asked for lines not in the view yet
        self._line_count_hint = 1
        self._filled = 0  # characters of the source in the view
        self._fill_timer = QTimer(self)
        self._fill_timer.setSingleShot(True)
        self._fill_timer.setInterval(0)
        self._fill_timer.timeout.connect(self._fill_next)

        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.document().setDocumentMargin(0)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setWordWrapMode(QTextOption.WrapMode.NoWrap)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setTabStopDistance(4 * self.fontMetrics().horizontalAdvance(" "))
        colors = self.palette()
        colors.setColor(QPalette.ColorRole.Base, QColor(palette.background))
        colors.setColor(QPalette.ColorRole.Text, QColor(palette.text))
        self.setPalette(colors)

        self._gutter = _LineNumberArea(self)
        self._gutter.setFont(self.font())
        self.blockCountChanged.connect(self._on_block_count_changed)
        self.updateRequest.connect(self._on_update_request)
        self.cursorPositionChanged.connect(self._on_cursor_position_changed)
        self._on_block_count_changed()

    # ---------------------------------------------------------------------------------- API

    def set_source(self, text: str, language: str) -> None:
        """Show a text, replacing what was shown, and clear the mark.

        Only the lines on screen are coloured now; other lines are coloured when they are
        scrolled into view. Line breaks (CRLF, CR, LF) are shown as lines; the text is not
        otherwise changed.

        Args:
            text: The message text.
            language: ``"xml"``, ``"json"`` or ``"text"`` (no colouring); any case.

        Raises:
            ValueError: If ``language`` is none of these.
        """
        text = normalise_newlines(text)
        source = SourceText(text)
        lexer = make_lexer(source, language)
        if any(c in text for c in _FRAME_CHARACTERS):
            lexer = None  # the lexer's lines would not be the view's blocks
        self.clear_mark()
        self._fill_timer.stop()
        self._lexer = None  # the document is about to change under the old lexer
        first = len(text) if len(text) <= FILL_AT_ONCE else self._slice_end(text, 0)
        with self._moving_cursor():
            # Size the gutter while the document is empty: changing the viewport width later
            # makes the document layout reset every block (0.1 s for 5 MB).
            self.clear()
            self._line_count_hint = text.count("\n") + 1
            self._on_block_count_changed()
            self.setPlainText(text[:first])
        self._source = source
        self._filled = first
        self._language = language.lower()
        self._coloured = bytearray(self._line_count_hint)
        self._lexer = lexer
        self._highlight_visible()
        if first < len(text):
            self._fill_timer.start()
        else:
            self._finish_fill()

    def is_filling(self) -> bool:
        """Return whether slices of the text are still to come (see :attr:`sig_filled`)."""
        return self._filled < len(self._source.text)

    def _slice_end(self, text: str, start: int) -> int:
        """The end of the slice starting at ``start``: just after a line break, or the text's end."""
        found = text.find("\n", min(len(text), start + FILL_SLICE))
        return len(text) if found < 0 else found + 1

    def _fill_next(self) -> None:
        text = self._source.text
        start = self._filled
        end = self._slice_end(text, start)
        with self._moving_cursor():
            cursor = QTextCursor(self.document())
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertText(text[start:end])
        self._filled = end
        if end < len(text):
            self._fill_timer.start()
        else:
            self._finish_fill()

    def _finish_fill(self) -> None:
        if self.blockCount() != self._line_count_hint:
            self._lexer = None  # Qt broke blocks where the lexer sees none: leave the rest uncoloured
        pending, self._pending_mark = self._pending_mark, None
        if pending is not None:
            self.mark_range(*pending)
        self.sig_filled.emit()

    def language(self) -> str:
        """Return the language of the text shown: ``"xml"``, ``"json"`` or ``"text"``."""
        return self._language

    def mark_range(self, start_line: int, end_line: int) -> None:
        """Give lines a subtle background, scroll to them and put the cursor on the first.

        The first line is placed about a third of the way down the view, unless it is already
        in the upper two thirds of it (so a mark caused by a click in the view does not make
        the text jump). Does not emit :attr:`sig_position_clicked`.

        Args:
            start_line: First line, 1-based; clamped to the text.
            end_line: Last line, 1-based, inclusive; clamped to the text.
        """
        if end_line < start_line:
            start_line, end_line = end_line, start_line
        if self.is_filling() and end_line > self.blockCount():
            self._pending_mark = (start_line, end_line)  # made when those lines are in
            return
        count = self.blockCount()
        start = min(max(start_line, 1), count)
        end = min(max(end_line, start), count)
        self._mark = (start, end)
        document = self.document()
        first = document.findBlockByNumber(start - 1)
        last = document.findBlockByNumber(end - 1)

        selection = QTextEdit.ExtraSelection()
        span = QTextCursor(first)
        span.setPosition(last.position() + last.length() - 1, QTextCursor.MoveMode.KeepAnchor)
        selection.cursor = span
        selection.format = self._mark_format
        self.setExtraSelections([selection])

        bar = self.verticalScrollBar()
        top = self.firstVisibleBlock().blockNumber()
        lines = self._visible_line_count()
        comfortable = top <= start - 1 < top + max(1, (2 * lines) // 3)
        target = bar.value() if comfortable else max(0, start - 1 - lines // 3)

        text = first.text()
        caret = QTextCursor(first)
        caret.setPosition(first.position() + len(text) - len(text.lstrip(" \t")))
        with self._moving_cursor():
            self.setTextCursor(caret)
        bar.setValue(target)
        self._gutter.update()

    def clear_mark(self) -> None:
        """Remove the mark set by :meth:`mark_range`, if any."""
        self._pending_mark = None
        if self._mark is None:
            return
        self._mark = None
        self.setExtraSelections([])
        self._gutter.update()

    def current_mark(self) -> tuple[int, int] | None:
        """Return the marked ``(first, last)`` lines, 1-based and clamped, or None.

        While the text is still being filled, a mark asked for lines not in yet is returned
        as asked.
        """
        return self._mark or self._pending_mark

    def gutter_width(self) -> int:
        """Return the width in pixels of the line-number gutter."""
        return self._numbers_width() + 1 + _TEXT_PADDING

    def _numbers_width(self) -> int:
        digits = max(3, len(str(max(self._line_count_hint, self.blockCount()))))
        return 14 + self.fontMetrics().horizontalAdvance("9") * digits

    # ---------------------------------------------------------------------------- colouring

    def _highlight_visible(self) -> None:
        """Set formats on the visible blocks that have none yet."""
        if self._lexer is None or self._applying:
            return
        block = self.firstVisibleBlock()
        if not block.isValid():
            return
        first_number = block.blockNumber()
        # Without wrapping every block is one line high, so the count follows from the height.
        geometry = self.blockBoundingGeometry(block).translated(self.contentOffset())
        line_height = geometry.height() or float(self.fontMetrics().lineSpacing())
        count = int((self.viewport().height() - geometry.top()) / line_height) + 1
        coloured = self._coloured
        if coloured.find(0, first_number, first_number + count) < 0:
            return  # the usual case on a repaint: all done
        first: QTextBlock | None = None
        last: QTextBlock | None = None
        self._applying = True
        try:
            for number in range(first_number, first_number + count):
                if not block.isValid():
                    break
                if not coloured[number]:
                    coloured[number] = 1
                    ranges = self._format_ranges(number, self._lexer.line_tokens(number))
                    if ranges:
                        block.layout().setFormats(ranges)
                        if first is None:
                            first = block
                        last = block
                block = block.next()
            if first is not None and last is not None:
                # setFormats drops the blocks' line layout; have the document lay them out again.
                length = last.position() + last.length() - first.position()
                self.document().markContentsDirty(first.position(), length)
        finally:
            self._applying = False

    def _format_ranges(self, number: int, tokens: list[Token]) -> list[QTextLayout.FormatRange]:
        if not tokens:
            return []
        start, end = self._source.line_span(number)
        utf16 = _utf16_offsets(self._source.text[start:end])
        formats = self._formats
        ranges = []
        for token_start, token_end, kind in tokens:
            if utf16 is not None:
                token_start, token_end = utf16[token_start], utf16[token_end]
            format_range = QTextLayout.FormatRange()
            format_range.start = token_start
            format_range.length = token_end - token_start
            format_range.format = formats[kind]
            ranges.append(format_range)
        return ranges

    # ------------------------------------------------------------------------------- gutter

    def _on_block_count_changed(self, _count: int = 0) -> None:
        width = self.gutter_width()
        if width != self.viewportMargins().left():
            self.setViewportMargins(width, 0, 0, 0)

    def _on_update_request(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())
        self._highlight_visible()

    def _paint_gutter(self, gutter: QWidget, event: QPaintEvent) -> None:
        colors = self._colors
        painter = QPainter(gutter)
        try:
            area = event.rect()
            numbers = self._numbers_width()
            painter.fillRect(0, area.top(), numbers, area.height(), QColor(colors.gutter_background))
            painter.fillRect(numbers + 1, area.top(), _TEXT_PADDING, area.height(), QColor(colors.background))
            painter.setPen(QColor(colors.gutter_border))
            painter.drawLine(numbers, area.top(), numbers, area.bottom())
            block = self.firstVisibleBlock()
            number = block.blockNumber()
            top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
            current = self.textCursor().blockNumber()
            mark = self._mark
            mark_color = QColor(colors.mark_background)
            line_height = self.fontMetrics().height()
            normal, strong = QColor(colors.gutter_text), QColor(colors.gutter_current_text)
            while block.isValid() and top <= area.bottom():
                height = round(self.blockBoundingRect(block).height())
                if block.isVisible() and top + height >= area.top():
                    if mark is not None and mark[0] <= number + 1 <= mark[1]:
                        painter.fillRect(0, top, numbers, height, mark_color)
                        painter.fillRect(numbers + 1, top, _TEXT_PADDING, height, mark_color)
                    painter.setPen(strong if number == current else normal)
                    painter.drawText(0, top, numbers - 6, line_height, Qt.AlignmentFlag.AlignRight, str(number + 1))
                block = block.next()
                top += height
                number += 1
        finally:
            painter.end()

    def _visible_line_count(self) -> int:
        block = self.firstVisibleBlock()
        height = self.blockBoundingRect(block).height() if block.isValid() else 0.0
        if height <= 0:
            height = float(self.fontMetrics().lineSpacing())
        return max(1, int(self.viewport().height() / height))

    # ------------------------------------------------------------------------ cursor signal

    @contextmanager
    def _moving_cursor(self) -> Iterator[None]:
        """Mark cursor moves made inside the block as the program's, not the user's."""
        self._program_moves += 1
        try:
            yield
        finally:
            self._program_moves -= 1

    def _on_cursor_position_changed(self) -> None:
        self._gutter.update()
        if self._program_moves or self._dragging:
            return
        self._emit_position()

    def _emit_position(self) -> None:
        cursor = self.textCursor()
        block = cursor.block()
        column = _code_point_column(block.text(), cursor.positionInBlock())
        self._emitted_in_press = True
        self.sig_position_clicked.emit(block.blockNumber() + 1, column + 1)

    # --------------------------------------------------------------------- Qt event overrides

    def paintEvent(self, event: QPaintEvent) -> None:
        """Colour any visible block still uncoloured (e.g. on first show), then paint."""
        self._highlight_visible()
        super().paintEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the gutter as tall as the view."""
        super().resizeEvent(event)
        area = self.contentsRect()
        self._gutter.setGeometry(QRect(area.left(), area.top(), self.gutter_width(), area.height()))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Report a click even when it leaves the cursor where it was."""
        self._emitted_in_press = False
        super().mousePressEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and not self._emitted_in_press:
            self._emit_position()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Extend a selection by dragging without reporting every intermediate position."""
        self._dragging = bool(event.buttons() & Qt.MouseButton.LeftButton)
        try:
            super().mouseMoveEvent(event)
        finally:
            self._dragging = False
