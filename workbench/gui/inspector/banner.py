"""The verdict banner above the panels: the Response a receiver would send for the message.

"A receiver would answer 20006 ITK header validation failure — 3 errors, 2 warnings", in a calm
red when a receiver would reject the message, amber when it would accept it although findings
remain errors, green when it would accept it cleanly. Clicking the banner asks to show the
finding that decides the verdict. While validation runs it says "Validating…". For a message
that could not be read it says where reading stopped and that a receiver would answer 10009.
When validation fails it says why, and offers no finding (there is none to show).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from workbench.core.errors import ReadError
from workbench.core.validation.issue import Issue
from workbench.core.validation.receiver import ACCEPTED
from workbench.core.validation.runner import Report

#: background, border, text colour per level.
_STYLES = {
    "rejected": ("#ffebe9", "#ff8182", "#82071e"),
    "caution": ("#fff8c5", "#d4a72c", "#4d2d00"),
    "accepted": ("#dafbe1", "#4ac26b", "#116329"),
    "neutral": ("#f6f8fa", "#d0d7de", "#57606a"),
}
_MARKS = {"rejected": "✕", "caution": "!", "accepted": "✓", "neutral": "…"}


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def verdict(report: Report, error: ReadError | None = None) -> tuple[str, str, Issue | None]:
    """The banner's level, text and deciding issue for a report.

    Args:
        report: The report.
        error: Why the message could not be read, for an unreadable message (its report is the
            receiver's answer to that).

    Returns:
        ``rejected``, ``caution`` or ``accepted``; the sentence; the finding that decides it
        (the first rejecting finding with the predicted code; when accepted, the first error or
        warning), or None.
    """
    code, display = report.predicted
    counts = report.counts()
    errors = counts["fatal"] + counts["error"]
    warnings = counts["warning"]
    if code != ACCEPTED:
        deciding = next((i for i in report.issues if i.itk_code == code and i.is_error), None)
        if error is not None:
            where = Path(error.file).name if error.file else "the message"
            if error.line is not None:
                where += f", line {error.line}" + (f", column {error.column}" if error.column is not None else "")
            text = f"Could not read {where}: {error.message} — a receiver would answer {code} {display}"
            return "rejected", text, deciding
        parts = []
        if counts["fatal"]:
            parts.append(f"{counts['fatal']} fatal")
        if counts["error"]:
            parts.append(_count(counts["error"], "error"))
        if warnings:
            parts.append(_count(warnings, "warning"))
        return "rejected", f"A receiver would answer {code} {display} — {', '.join(parts)}", deciding
    first_error = next((i for i in report.issues if i.is_error), None)
    if first_error is not None:
        more = f", {_count(warnings, 'warning')}" if warnings else ""
        text = f"A receiver would answer {code} {display} — accepted, though {_count(errors, 'error')} remain{'s' if errors == 1 else ''}{more}"
        return "caution", text, first_error
    first_warning = next((i for i in report.issues if i.severity == "warning"), None)
    more = f", with {_count(warnings, 'warning')}" if warnings else ""
    return "accepted", f"A receiver would answer {code} {display} — accepted{more}", first_warning


class ResponseBanner(QFrame):
    """The predicted receiver response, in colour; hidden when no message is shown.

    Signals:
        sig_issue_requested(object): The banner was clicked; carries the :class:`Issue` that
            decides the verdict.

    Args:
        parent: The Qt parent.
    """

    sig_issue_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("responseBanner")
        self._level = "neutral"
        self._deciding: Issue | None = None
        self.mark = QLabel()
        self.mark.setObjectName("bannerMark")
        self.mark.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.mark.setFixedSize(22, 22)
        self.label = QLabel()
        self.label.setObjectName("bannerText")
        font = self.label.font()
        font.setPointSizeF(font.pointSizeF() * 1.08)
        font.setWeight(font.Weight.DemiBold)
        self.label.setFont(font)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.label.setWordWrap(True)  # a long reason wraps rather than widening the window
        self.link = QLabel("Show the finding ›")
        self.link.setObjectName("bannerLink")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 7, 12, 7)
        layout.setSpacing(10)
        layout.addWidget(self.mark)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.link)
        self.hide()

    # ---------------------------------------------------------------------------------- API

    def text(self) -> str:
        """Return the sentence shown ("" when hidden)."""
        return self.label.text() if not self.isHidden() else ""

    def level(self) -> str:
        """Return ``rejected``, ``caution``, ``accepted`` or ``neutral`` (validating)."""
        return self._level

    def deciding_issue(self) -> Issue | None:
        """Return the finding a click shows, if any."""
        return self._deciding

    def show_validating(self) -> None:
        """Say that validation runs."""
        self._set("neutral", "Validating…", None)

    def show_report(self, report: Report, error: ReadError | None = None) -> None:
        """Show the verdict of a report (``error``: why the message could not be read, if so)."""
        level, text, deciding = verdict(report, error)
        self._set(level, text, deciding)

    def show_verdict(self, level: str, text: str, deciding: Issue | None) -> None:
        """Show a verdict worded elsewhere (a Response's own conformance: gui/toolkit)."""
        self._set(level, text, deciding)

    def show_failure(self, message: str) -> None:
        """Say that validation could not run (no finding is offered: there is none to show)."""
        self._set("caution", f"Could not validate: {message}", None)

    def is_link_shown(self) -> bool:
        """Return whether "Show the finding" is offered."""
        return not self.isHidden() and not self.link.isHidden()

    def clear(self) -> None:
        """Hide the banner."""
        self._deciding = None
        self.hide()

    # ---------------------------------------------------------------------------- helpers

    def _set(self, level: str, text: str, deciding: Issue | None) -> None:
        self._level = level
        self._deciding = deciding
        background, border, colour = _STYLES[level]
        self.setStyleSheet(
            f"QFrame#responseBanner {{ background: {background}; border: 1px solid {border}; border-radius: 5px; }}"
            f"QFrame#responseBanner QLabel {{ color: {colour}; background: transparent; border: none; }}"
            f"QFrame#responseBanner QLabel#bannerMark {{ color: {background}; background: {colour};"
            " border-radius: 11px; font-weight: bold; }"
            "QFrame#responseBanner QLabel#bannerLink { text-decoration: underline; }"
        )
        self.mark.setText(_MARKS[level])
        self.label.setText(text)
        self.link.setVisible(deciding is not None)
        clickable = deciding is not None
        self.setCursor(Qt.CursorShape.PointingHandCursor if clickable else Qt.CursorShape.ArrowCursor)
        self.setToolTip("Click to select the finding that decides this response" if clickable else "")
        self.show()

    # --------------------------------------------------------------------- Qt event overrides

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """Ask to show the deciding finding on a left click."""
        if event.button() == Qt.MouseButton.LeftButton and self._deciding is not None:
            self.sig_issue_requested.emit(self._deciding)
            event.accept()
            return
        super().mouseReleaseEvent(event)
