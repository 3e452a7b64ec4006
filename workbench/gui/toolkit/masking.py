"""File › Save Masked Copy…: the options, the work, and the summary of what was replaced where.

:class:`MaskDialog` asks where to save the copy and for an optional seed (the same seed gives
the same bytes; none gives replacements that cannot be made again). The masking runs in the
thread pool (:func:`mask_to_file`): the core replaces the patient's data, the copy is written
atomically in the message's own syntax, never over the original. :class:`MaskSummaryDialog`
then says what was replaced where (never the original values), names what could not be looked
inside, and offers to open the copy in a tab.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from workbench.core.errors import WorkbenchError
from workbench.core.files import atomic_write
from workbench.core.toolkit.masking import Masker
from workbench.core.words import plural
from workbench.gui.toolkit.jobs import Snapshot
from workbench.gui.widgets.fields import PathField

SEED_PLACEHOLDER = "none: new replacements each time (the copy cannot be made again)"


@dataclass(frozen=True, slots=True)
class MaskOptions:
    """What the user chose.

    Attributes:
        path: Where to write the copy.
        seed: The seed, or None for a random one.
    """

    path: str
    seed: str | None


@dataclass(frozen=True, slots=True)
class MaskDone:
    """A masked copy written.

    Attributes:
        path: The file written.
        size: Its size in bytes.
        replaced: How many values were replaced.
        lines: The summary, one line per kind then one per place, then notes.
        source_name: The message masked.
    """

    path: str
    size: int
    replaced: int
    lines: tuple[str, ...]
    source_name: str


def suggested_path(snapshot: Snapshot, directory: str) -> str:
    """``<name>-masked.<syntax>`` beside the original (or in ``directory``)."""
    stem = Path(snapshot.path or snapshot.name).stem or "message"
    folder = Path(snapshot.path).parent if snapshot.path else Path(directory)
    return str(folder / f"{stem}-masked.{snapshot.syntax}")


def mask_to_file(snapshot: Snapshot, options: MaskOptions, progress: Callable[[float], None]) -> MaskDone:
    """Mask a message and write the copy (the work of a job).

    Raises:
        WorkbenchError: the message cannot be read or rendered, or the copy would overwrite it.
        OSError: the copy cannot be written.
    """
    target = Path(options.path)
    if snapshot.path and target.exists() and target.resolve() == Path(snapshot.path).resolve():
        raise WorkbenchError(f"{target.name} is the message itself: choose another file for the masked copy")
    data = snapshot.bytes()
    progress(0.1)
    result = Masker(options.seed).mask_bytes(data, snapshot.path or snapshot.name, snapshot.syntax)
    progress(0.9)
    atomic_write(target, result.data)
    progress(1.0)
    return MaskDone(
        str(target), len(result.data), len(result.replacements), tuple(result.summary_lines()), snapshot.name
    )


class MaskDialog(QDialog):
    """Where to save the masked copy, and the seed.

    Args:
        name: The message's name.
        suggested: The suggested file.
        syntax: The message's syntax (the copy keeps it).
        ask_path: Asks where to save (returns the path, or None when cancelled).
        parent: The Qt parent.
    """

    def __init__(
        self,
        name: str,
        suggested: str,
        syntax: str,
        ask_path: Callable[[QWidget, str, str], str | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("maskDialog")
        self.setWindowTitle("Save Masked Copy")
        intro = QLabel(
            f"A copy of <b>{html.escape(name)}</b> with the patient's data replaced: NHS numbers (by valid "
            "test numbers), other patient identifiers, names, birth dates (shifted, ages kept), "
            "addresses, postcodes and telecoms, wherever they occur, narrative included. Nothing "
            "else changes, so the copy validates as the original does."
        )
        intro.setWordWrap(True)
        self.path_field = PathField(suggested, lambda parent, path: ask_path(parent, path, syntax), "maskPath")
        self.path_edit = self.path_field.edit
        self.seed_edit = QLineEdit()
        self.seed_edit.setObjectName("maskSeed")
        self.seed_edit.setPlaceholderText(SEED_PLACEHOLDER)
        seed_note = QLabel(
            "The same seed gives the same copy. Keep it private: with it, candidate originals could be tried."
        )
        seed_note.setWordWrap(True)
        seed_note.setObjectName("seedNote")
        form = QFormLayout()
        form.addRow("Save to:", self.path_field)
        form.addRow("Seed:", self.seed_edit)
        form.addRow("", seed_note)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.path_field.sig_text_changed.connect(self._update)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.resize(640, self.sizeHint().height())
        self._update()

    def options(self) -> MaskOptions:
        """Return what was chosen."""
        seed = self.seed_edit.text()
        return MaskOptions(self.path_field.path(), seed if seed else None)

    def _update(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(bool(self.path_field.path()))


class MaskSummaryDialog(QDialog):
    """What was replaced where, with "Open in a Tab".

    Signals:
        sig_open_requested(str): "Open in a Tab" was clicked; carries the copy's path.

    Args:
        done: The copy written.
        parent: The Qt parent.
    """

    sig_open_requested = Signal(str)

    def __init__(self, done: MaskDone, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("maskSummary")
        self.setWindowTitle("Masked Copy Saved")
        self.done_info = done
        head = QLabel(
            f"Saved <b>{html.escape(Path(done.path).name)}</b>, a masked copy of {html.escape(done.source_name)}: "
            f"{plural(done.replaced, 'value')} replaced."
        )
        head.setWordWrap(True)
        head.setObjectName("maskHeadline")
        where = QLabel(f"in {Path(done.path).parent}")
        where.setTextFormat(Qt.TextFormat.PlainText)
        where.setObjectName("maskFolder")
        self.summary = QPlainTextEdit("\n".join(done.lines))
        self.summary.setObjectName("maskLines")
        self.summary.setReadOnly(True)
        self.summary.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.summary.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_button = self.buttons.addButton("Open in a Tab", QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.setObjectName("openMasked")
        self.open_button.clicked.connect(self._on_open_clicked)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(where)
        layout.addWidget(self.summary, 1)
        layout.addWidget(self.buttons)
        self.resize(760, 460)

    def _on_open_clicked(self) -> None:
        self.sig_open_requested.emit(self.done_info.path)
        self.accept()
