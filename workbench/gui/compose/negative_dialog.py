"""Tools › Make Negative Test…: a copy of an accepted message that a receiver answers with one code.

The dialog lists the codes the core can cause (:func:`~workbench.core.compose.negative.negative_codes`)
with how each copy is made and what it needs: the message's content alone, receiver settings
that come with the copy (an unknown or unauthorised sender, an unknown recipient, a type the
receiver does not support), or a second send (duplicates). Making one runs in the thread pool:
the core checks the message is accepted, changes a copy, and runs the workbench's own receiver
on it; only a copy answered with exactly that code comes back. The composer opens it in a new
tab with a note saying what was changed; the dialog stays open and offers, for a code that
needs them, to save the receiver settings as TOML or use them in the Simulate window, and for a
copy that cannot be read (10009), to save its bytes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QRunnable, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core.acks.settings import ReceiverSettings
from workbench.core.compose.breakers import BreakError
from workbench.core.compose.negative import Negative, NegativeCode, make_negative, negative_codes
from workbench.core.files import atomic_write
from workbench.core.session import MessageSession
from workbench.gui.compose.fields import muted, problem_label, show_problem
from workbench.gui.compose.rows import Row, RowsTable
from workbench.gui.tasks import TaskFailure, TaskSignals
from workbench.gui.widgets.progress import DelayedProgressBar

log = logging.getLogger(__name__)

COLUMNS = ("Code", "Display", "Needs", "How the copy is made")
NEEDS_WORDS = {
    "content": "the message's content",
    "receiver": "receiver settings (they come with the copy)",
    "second send": "a second send",
}


def ask_toml_path(parent: QWidget | None, suggested: str) -> str | None:
    """Ask where to save receiver settings as TOML (tests replace this)."""
    path, _ = QFileDialog.getSaveFileName(parent, "Save receiver settings", suggested, "TOML (*.toml)")
    return path or None


def ask_bytes_path(parent: QWidget | None, suggested: str) -> str | None:
    """Ask where to save a copy that cannot be read (tests replace this)."""
    path, _ = QFileDialog.getSaveFileName(parent, "Save the copy as", suggested, "All files (*)")
    return path or None


def negative_rows(codes: list[NegativeCode]) -> list[Row]:
    """The codes offered, as rows."""
    return [Row(c.code, (c.code, c.display, NEEDS_WORDS.get(c.needs, c.needs), c.how), c.how) for c in codes]


@dataclass(frozen=True, slots=True)
class NegativeMade:
    """A negative test made from one version of a message.

    Attributes:
        generation: The request the result answers.
        version: The message's edit version it was made from.
        negative: The copy, checked.
    """

    generation: int
    version: int
    negative: Negative


class NegativeTask(QRunnable):
    """Make a negative test (called on a pool thread): the core checks, changes and runs the receiver."""

    def __init__(
        self, session: MessageSession, code: str, settings: ReceiverSettings, generation: int, signals: TaskSignals
    ) -> None:
        super().__init__()
        self.session = session
        self.code = code
        self.settings = settings
        self.generation = generation
        self.signals = signals

    def run(self) -> None:
        """Make it."""
        version = self.session.version
        try:
            negative = make_negative(self.session.render(), self.code, self.settings)
        except BreakError as exc:
            self.signals.sig_task_failed.emit(TaskFailure(self.generation, self.session.path, str(exc), "negative"))
            return
        except Exception as exc:  # a worker must report every failure, in words, never crash
            log.exception("making a negative test failed")
            message = f"the copy could not be made ({type(exc).__name__}: {exc})"
            self.signals.sig_task_failed.emit(TaskFailure(self.generation, self.session.path, message, "negative"))
            return
        self.signals.sig_result_ready.emit(NegativeMade(self.generation, version, negative))


class NegativeDialog(QDialog):
    """Choose the code a negative test is for; see what the copy needs.

    Signals:
        sig_make_requested(str): Make Copy was pressed; carries the code.
        sig_use_settings_requested(object): Use in Simulate Window was pressed; carries the
            :class:`ReceiverSettings` the last copy needs.

    Args:
        name: The message the copies are made from.
        settings: The receiver's settings the codes are listed for.
        parent: The Qt parent.
    """

    sig_make_requested = Signal(str)
    sig_use_settings_requested = Signal(object)

    def __init__(self, name: str, settings: ReceiverSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("negativeDialog")
        self.setWindowTitle("Make Negative Test")
        self._last: Negative | None = None
        self.intro = muted(
            f"A copy of {name} that the workbench's receiver answers with exactly the code chosen; the message "
            "must be one the receiver accepts (20013). The copy opens in a new tab with a note saying what changed."
        )
        self.codes = RowsTable(COLUMNS, negative_rows(negative_codes(settings)), "Search codes")
        self.codes.setObjectName("negativeCodes")
        self.codes.sig_choice_activated.connect(lambda _code: self._on_make_clicked())
        self.codes.sig_choice_changed.connect(lambda code: self.make_button.setEnabled(bool(code)))
        self.progress = DelayedProgressBar()
        self.progress.setRange(0, 0)
        self.status = QLabel()
        self.status.setObjectName("negativeStatus")
        self.status.setWordWrap(True)
        self.problem = problem_label()
        self.save_settings_button = QPushButton("Save Receiver Settings…")
        self.save_settings_button.setToolTip("Save the settings the code needs as TOML (ack --receiver reads it)")
        self.save_settings_button.clicked.connect(self._on_save_settings_clicked)
        self.use_settings_button = QPushButton("Use in Simulate Window")
        self.use_settings_button.setToolTip("Give the Simulate window's receiver these settings")
        self.use_settings_button.clicked.connect(self._on_use_settings_clicked)
        self.save_bytes_button = QPushButton("Save the Copy As…")
        self.save_bytes_button.setToolTip("The copy cannot be read, so its tab cannot save it: save its bytes here")
        self.save_bytes_button.clicked.connect(self._on_save_bytes_clicked)
        extras = QHBoxLayout()
        for button in (self.save_settings_button, self.use_settings_button, self.save_bytes_button):
            button.hide()
            extras.addWidget(button)
        extras.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.make_button = buttons.addButton("Make Copy", QDialogButtonBox.ButtonRole.ActionRole)
        self.make_button.setObjectName("make")
        self.make_button.setEnabled(False)
        self.make_button.clicked.connect(self._on_make_clicked)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.codes, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.problem)
        layout.addLayout(extras)
        layout.addWidget(buttons)
        self.resize(1040, 560)

    # ---------------------------------------------------------------------------------- API

    def choose_code(self, code: str) -> bool:
        """Choose a code (as a click would); return whether it is offered."""
        return self.codes.choose(code)

    def last(self) -> Negative | None:
        """Return the last copy made, if any."""
        return self._last

    def show_working(self, code: str) -> None:
        """Say a copy for ``code`` is being made."""
        self.make_button.setEnabled(False)
        self.progress.begin()
        show_problem(self.problem, None)
        self.status.setText(f"Making the copy for {code} and running the receiver on it…")

    def show_made(self, negative: Negative) -> None:
        """Say what the copy is and offer what it needs."""
        self._last = negative
        self.progress.end()
        self.make_button.setEnabled(bool(self.codes.chosen()))
        text = f"{negative.code} {negative.display}: {negative.note}."
        if negative.sends == 2:
            text += " Send the copy twice (or the original, then the copy): the second send is answered with the code."
        if negative.settings is not None:
            text += " The receiver needs the settings that come with it."
        self.status.setText(text)
        self.save_settings_button.setVisible(negative.settings is not None)
        self.use_settings_button.setVisible(negative.settings is not None)
        self.save_bytes_button.setVisible(negative.document is None)

    def show_failed(self, message: str) -> None:
        """Say why no copy was made."""
        self.progress.end()
        self.make_button.setEnabled(bool(self.codes.chosen()))
        self.status.clear()
        show_problem(self.problem, f"No copy was made: {message}")

    # ---------------------------------------------------------------------------- handlers

    def _on_make_clicked(self) -> None:
        code = self.codes.chosen()
        if code:
            self.sig_make_requested.emit(code)

    def _on_save_settings_clicked(self) -> None:
        negative = self._last
        if negative is None or negative.settings_toml is None:
            return
        path = ask_toml_path(self, f"receiver-{negative.code}.toml")
        if path:
            self._write(path, negative.settings_toml.encode("utf-8"))

    def _on_use_settings_clicked(self) -> None:
        if self._last is not None and self._last.settings is not None:
            self.sig_use_settings_requested.emit(self._last.settings)

    def _on_save_bytes_clicked(self) -> None:
        negative = self._last
        if negative is None:
            return
        path = ask_bytes_path(self, f"negative-{negative.code}.{negative.syntax}")
        if path:
            self._write(path, negative.data)

    def _write(self, path: str, data: bytes) -> None:
        try:
            atomic_write(path, data)
        except OSError as exc:
            show_problem(self.problem, f"Could not write {path}: {exc.strerror or exc}")
            return
        self.status.setText(f"{self.status.text()} Saved {path}.")
