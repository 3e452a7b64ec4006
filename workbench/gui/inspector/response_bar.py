"""A Response read as a Response: what it says, above its own verdict.

When the message in a tab is an ITK Response (ITK008M) or a legacy acknowledgement (ITK001M,
ITK002M), the :class:`ResponseSaysBar` says what it says, in the colour of its outcome:

    ✕  20009 Payload validation failure: infrastructure, negative
       ITK Response · answers message 6e1c…  · from Acme Hospital          Open the message it answers ›

with any odd thing about it (a retired code, ``response.code`` disagreeing with the code) on a
third line. "Open the message it answers" is offered when that message is open in another tab
or kept in the message store (the toolkit, :mod:`workbench.gui.toolkit`, finds it).

Whether the Response is itself well formed is a separate verdict, shown by the tab's verdict
banner in place of the receiver's answer (which, for a Response, is beside the point):
:func:`conformance_verdict` words it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QToolButton, QWidget

from workbench.core.toolkit.responses import Conformance, ResponseSummary
from workbench.core.validation.issue import Issue
from workbench.core.validation.runner import Report

#: background, border, text colour per outcome.
_STYLES = {
    "positive": ("#dafbe1", "#4ac26b", "#116329"),
    "negative": ("#ffebe9", "#ff8182", "#82071e"),
    "unknown": ("#f6f8fa", "#afb8c1", "#424a53"),
}
_MARKS = {"positive": "✓", "negative": "✕", "unknown": "?"}
#: The prefix of a Response's own verdict in the tab's banner.
OWN_VERDICT = "Its own verdict:"
#: Characters of a long MessageHeader id shown before it is cut.
_ID_SHOWN = 40

Where = Literal["unknown", "tab", "store", "nowhere"]


@dataclass(frozen=True, slots=True)
class AnsweredLocation:
    """Where the message a Response answers is.

    Attributes:
        where: ``tab`` (open in another tab), ``store`` (in the message store), ``nowhere``
            (neither), or ``unknown`` (not looked for yet).
        name: The tab's or the stored message's name.
    """

    where: Where = "unknown"
    name: str = ""


def conformance_verdict(report: Report) -> tuple[str, str, Issue | None]:
    """A Response's own verdict for the banner: its level, sentence and first error.

    ``accepted`` (green) for a well-formed Response, ``rejected`` (red) for one with errors, whose
    first error a click on the banner shows.
    """
    verdict = Conformance(report)
    first = next((i for i in report.issues if i.is_error), None)
    if verdict.valid:
        first = next((i for i in report.issues if i.severity == "warning"), None)
    return ("accepted" if verdict.valid else "rejected"), f"{OWN_VERDICT} {verdict.headline}", first


def short_id(message_id: str) -> str:
    """A MessageHeader id as shown (a very long one cut in the middle)."""
    if len(message_id) <= _ID_SHOWN:
        return message_id
    return message_id[: _ID_SHOWN // 2] + "…" + message_id[-_ID_SHOWN // 2 :]


class ResponseSaysBar(QFrame):
    """What a Response says, coloured by its outcome; hidden for a message that is not a Response.

    Signals:
        sig_open_answered_requested(object): "Open the message it answers" was clicked; carries
            the :class:`~workbench.core.toolkit.responses.ResponseSummary`.

    Args:
        parent: The Qt parent.
    """

    sig_open_answered_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("responseSaysBar")
        self._summary: ResponseSummary | None = None
        self._location = AnsweredLocation()
        self.mark = QLabel()
        self.mark.setObjectName("saysMark")
        self.mark.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.mark.setFixedSize(26, 26)
        self.headline = QLabel()
        self.headline.setObjectName("saysHeadline")
        font = self.headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setWeight(font.Weight.Bold)
        self.headline.setFont(font)
        self.headline.setWordWrap(True)
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QLabel()
        self.details.setObjectName("saysDetails")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notes = QLabel()
        self.notes.setObjectName("saysNotes")
        self.notes.setWordWrap(True)
        self.notes.setTextFormat(Qt.TextFormat.RichText)
        self.open_button = QToolButton()
        self.open_button.setObjectName("openAnswered")
        self.open_button.setText("Open the message it answers ›")
        self.open_button.setAutoRaise(True)
        self.open_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.open_button.clicked.connect(self._on_open_clicked)
        self.where = QLabel()
        self.where.setObjectName("answeredWhere")
        self.where.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout = QGridLayout(self)
        layout.setContentsMargins(10, 8, 12, 8)
        layout.setHorizontalSpacing(10)
        layout.setVerticalSpacing(2)
        layout.addWidget(self.mark, 0, 0, 2, 1, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.headline, 0, 1)
        layout.addWidget(self.details, 1, 1)
        layout.addWidget(self.notes, 2, 1)
        layout.addWidget(self.open_button, 0, 2, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.where, 1, 2, Qt.AlignmentFlag.AlignRight)
        layout.setColumnStretch(1, 1)
        self.hide()

    # ---------------------------------------------------------------------------------- API

    def summary(self) -> ResponseSummary | None:
        """Return what the Response shown says (None when the message is not a Response)."""
        return self._summary

    def location(self) -> AnsweredLocation:
        """Return where the message it answers was last found."""
        return self._location

    def show_summary(self, summary: ResponseSummary | None) -> None:
        """Show what a Response says (None hides the bar: the message is not a Response).

        Where the answered message is stays known while the Response still answers the same one.
        """
        previous = self._summary
        self._summary = summary
        if summary is None:
            self.hide()
            return
        if previous is None or previous.answers != summary.answers:
            self._location = AnsweredLocation()
        outcome = summary.outcome
        background, border, colour = _STYLES[outcome]
        self.setStyleSheet(
            f"QFrame#responseSaysBar {{ background: {background}; border: 1px solid {border}; border-radius: 5px; }}"
            f"QFrame#responseSaysBar QLabel {{ color: {colour}; background: transparent; border: none; }}"
            f"QFrame#responseSaysBar QLabel#saysMark {{ color: {background}; background: {colour};"
            " border-radius: 13px; font-weight: bold; font-size: 15px; }"
            f"QFrame#responseSaysBar QToolButton {{ color: {colour}; text-decoration: underline; border: none; }}"
            "QFrame#responseSaysBar QLabel#answeredWhere { font-size: 11px; }"
        )
        self.mark.setText(_MARKS[outcome])
        self.headline.setText(summary.headline)
        self.details.setText(self._details(summary))
        notes = summary.notes
        self.notes.setText("".join(f"⚠ {html.escape(note)}<br>" for note in notes).removesuffix("<br>"))
        self.notes.setVisible(bool(notes))
        self._show_location()
        self.show()

    def set_location(self, location: AnsweredLocation) -> None:
        """Say where the message it answers is (the link is offered when it is in a tab or the store)."""
        self._location = location
        if self._summary is not None:
            self._show_location()

    def text(self) -> str:
        """Return everything the bar says, one line per part ("" when hidden)."""
        if self.isHidden():
            return ""
        parts = [self.headline.text(), self.details.text()]
        if self.notes.isVisible():
            parts.append(self.notes.text().replace("<br>", "\n"))
        return html.unescape("\n".join(parts))

    def is_link_shown(self) -> bool:
        """Return whether "Open the message it answers" is offered."""
        return not self.isHidden() and not self.open_button.isHidden()

    # ---------------------------------------------------------------------------- helpers

    @staticmethod
    def _details(summary: ResponseSummary) -> str:
        words = [summary.kind_label]
        if summary.answers and not summary.answers_unreadable:
            words.append(f"answers message {short_id(summary.answers)}")
        else:
            words.append(summary.answers_text)
        if summary.sender:
            words.append(f"from {summary.sender}")
        return " · ".join(words)

    def _show_location(self) -> None:
        summary, location = self._summary, self._location
        can = summary is not None and bool(summary.answers) and not summary.answers_unreadable
        offered = can and location.where in ("tab", "store")
        self.open_button.setVisible(offered)
        if offered:
            where = "open in the tab" if location.where == "tab" else "in the message store as"
            self.where.setText(f"{where} {location.name}")
            self.open_button.setToolTip(f"Show the message this Response answers ({where} {location.name})")
        elif can and location.where == "nowhere":
            self.where.setText("the message it answers is not open, nor in the message store")
        else:
            self.where.setText("")
        self.where.setVisible(bool(self.where.text()))

    def _on_open_clicked(self) -> None:
        if self._summary is not None:
            self.sig_open_answered_requested.emit(self._summary)
