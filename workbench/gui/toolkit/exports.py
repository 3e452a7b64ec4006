"""File › Export Report… and File › Export Evidence…: the work (run in the thread pool) and the
evidence dialog.

The report is one self-contained HTML file over the message as it is now (the core's
:mod:`~workbench.core.toolkit.report_html`). The evidence pack holds the message's bytes as
opened (or last saved), the Responses chosen in :class:`EvidenceDialog` (the open tabs that
are Responses, those the message store keeps for the message, or files), the report, the
conversation and a manifest (the core's :mod:`~workbench.core.toolkit.evidence`). Both are
written atomically; validation uses the profiles of Settings › Profiles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core.codecs import read_file_bytes
from workbench.core.errors import ReadError, WorkbenchError
from workbench.core.files import atomic_write
from workbench.core.toolkit.evidence import build_evidence
from workbench.core.toolkit.report import file_report, summary_line, versions
from workbench.core.toolkit.report_html import render_report_html
from workbench.core.toolkit.stored import Found
from workbench.core.validation.runner import Validator
from workbench.core.words import plural
from workbench.gui.profiles.library import ProfileLibrary
from workbench.gui.toolkit.jobs import Snapshot
from workbench.gui.widgets.fields import PathField

#: Item data role of a Response in the evidence dialog's list.
CHOICE_ROLE = Qt.ItemDataRole.UserRole + 31


@dataclass(frozen=True, slots=True)
class Exported:
    """A report or evidence pack written.

    Attributes:
        kind: ``report`` or ``evidence``.
        path: The file written.
        size: Its size in bytes.
        summary: One line on what it holds (the verdict; the pack's files and conversation).
        names: The files in a pack (empty for a report).
    """

    kind: str
    path: str
    size: int
    summary: str
    names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ResponseChoice:
    """A Response that can go into an evidence pack.

    Attributes:
        text: What the list shows.
        name: Its name in the pack.
        data: Its bytes (a tab's, or the store's), or None for a file read when the pack is made.
        path: Its file, for a file.
        origin: ``tab``, ``store`` or ``file``.
    """

    text: str
    name: str
    data: bytes | None = None
    path: str | None = None
    origin: str = "tab"

    def bytes(self) -> bytes:
        """Its bytes (a file is read now: call it in the worker).

        Raises:
            ReadError: the file cannot be read.
        """
        if self.data is not None:
            return self.data
        assert self.path is not None
        return read_file_bytes(self.path)


@dataclass(frozen=True, slots=True)
class EvidenceRequest:
    """What the evidence dialog asks for.

    Attributes:
        path: The zip to write.
        responses: The Responses chosen, in the order listed.
        simulate: With no Responses, draw a round trip to the simulated receiver.
    """

    path: str
    responses: tuple[ResponseChoice, ...]
    simulate: bool


def report_to_file(
    snapshots: Sequence[Snapshot], path: str, library: ProfileLibrary, progress: Callable[[float], None]
) -> Exported:
    """Validate messages and write their HTML report, one section each (the work of a job).

    Raises:
        WorkbenchError: a message cannot be rendered.
        OSError: the report cannot be written.
    """
    validator = Validator(library.registry())
    reports = []
    for number, snapshot in enumerate(snapshots):
        reports.append(file_report(snapshot.bytes(), snapshot.name, validator))
        progress(0.9 * (number + 1) / len(snapshots))
    if len(reports) == 1:
        title, summary = f"Validation report: {snapshots[0].name}", f"{snapshots[0].name}: {reports[0].verdict}"
    else:
        title, summary = f"Validation report: {plural(len(reports), 'message')}", summary_line(reports)
    page = render_report_html(reports, title=title, versions=versions(validator))
    body = page.encode("utf-8")
    atomic_write(path, body)
    progress(1.0)
    return Exported("report", str(path), len(body), summary)


def evidence_to_file(
    snapshot: Snapshot, request: EvidenceRequest, library: ProfileLibrary, progress: Callable[[float], None]
) -> Exported:
    """Build an evidence pack and write it (the work of a job).

    Raises:
        WorkbenchError: a Response file cannot be read (the error names it), or the message
            cannot be rendered.
        OSError: the pack cannot be written.
    """
    data = snapshot.bytes()
    responses = []
    for choice in request.responses:
        try:
            responses.append((choice.name, choice.bytes()))
        except ReadError as exc:
            raise WorkbenchError(f"the Response {exc}") from exc
    progress(0.05)
    validator = Validator(library.registry())
    pack = build_evidence(
        (snapshot.name, data),
        responses,
        validator=validator,
        simulate=request.simulate,
        progress=lambda fraction: progress(0.05 + 0.9 * fraction),
    )
    atomic_write(request.path, pack.data)
    progress(1.0)
    conversation = f"; {pack.conversation.title}" if pack.conversation is not None else ""
    summary = f"{len(pack.names)} files{conversation}"
    return Exported("evidence", str(request.path), len(pack.data), summary, pack.names)


class EvidenceDialog(QDialog):
    """Choose the Responses for an evidence pack, and where to write it.

    The open tabs that are Responses are listed (checked when they answer the message), then the
    Responses the message store keeps for it (:meth:`set_stored`, checked), then files added.

    Args:
        name: The message's name.
        choices: The Responses open in tabs, with whether each answers the message.
        suggested: The suggested zip file.
        ask_files: Asks for Response files (returns their paths).
        ask_path: Asks where to write the pack (returns the path, or None).
        edited: The message has edits not saved (the pack holds its bytes as opened).
        parent: The Qt parent.
    """

    def __init__(
        self,
        name: str,
        choices: Sequence[tuple[ResponseChoice, bool]],
        suggested: str,
        ask_files: Callable[[QWidget], list[str]],
        ask_path: Callable[[QWidget, str], str | None],
        *,
        edited: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("evidenceDialog")
        self.setWindowTitle("Export Evidence")
        self._ask_files = ask_files
        intro = QLabel(
            f"One zip with {name}'s bytes, the Responses ticked below, the validation report (HTML "
            "and JSON), the conversation as a sequence diagram, the versions that judged it, and a "
            "SHA256SUMS manifest."
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        if edited:
            note = QLabel("It has edits that are not saved: the pack holds its bytes as opened or last saved.")
            note.setObjectName("evidenceEdited")
            note.setWordWrap(True)
            layout.addWidget(note)
        self.responses = QListWidget()
        self.responses.setObjectName("evidenceResponses")
        for choice, answers in choices:
            self._add(choice, answers)
        self.store_label = QLabel("Looking in the message store…")
        self.store_label.setObjectName("evidenceStore")
        self.store_label.setWordWrap(True)
        add = QPushButton("Add Response Files…")
        add.clicked.connect(self._on_add_clicked)
        self.simulate = QCheckBox("With no Responses, draw a round trip to the simulated receiver (named as simulated)")
        self.simulate.setChecked(True)
        self.path_field = PathField(suggested, ask_path, "evidencePath")
        self.path_edit = self.path_field.edit
        form = QFormLayout()
        form.addRow("Save to:", self.path_field)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.path_field.sig_text_changed.connect(self._update)
        layout.addWidget(QLabel("Responses to include:"))
        layout.addWidget(self.responses, 1)
        layout.addWidget(self.store_label)
        layout.addWidget(add, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.simulate)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.resize(720, 480)
        self._update()

    # ---------------------------------------------------------------------------------- API

    def set_stored(self, found: Sequence[Found], known: set[str]) -> None:
        """List the Responses the store keeps for the message (those already listed, by SHA-256 in
        ``known``, once)."""
        for item in found:
            if item.row.sha256 in known:
                continue
            text = f"{item.name} — from the message store ({item.row.response_code or 'no code'})"
            self._add(ResponseChoice(text, item.name, item.data, origin="store"), True)
        if not found:
            self.store_label.setText("The message store holds no Response to this message.")
        else:
            self.store_label.setText(f"The message store holds {plural(len(found), 'Response')} to this message.")

    def set_store_problem(self, text: str) -> None:
        """Say that the store could not be looked in."""
        self.store_label.setText(f"The message store could not be read: {text}")

    def add_files(self, paths: Sequence[str]) -> None:
        """List Response files (checked)."""
        for path in paths:
            text = f"{Path(path).name} — file in {Path(path).parent}"
            self._add(ResponseChoice(text, Path(path).name, path=path, origin="file"), True)

    def choices(self) -> list[tuple[ResponseChoice, bool]]:
        """Return every Response listed and whether it is ticked."""
        found = []
        for row in range(self.responses.count()):
            item = self.responses.item(row)
            found.append((item.data(CHOICE_ROLE), item.checkState() == Qt.CheckState.Checked))
        return found

    def request(self) -> EvidenceRequest:
        """Return what was chosen."""
        chosen = tuple(choice for choice, ticked in self.choices() if ticked)
        return EvidenceRequest(self.path_field.path(), chosen, self.simulate.isChecked())

    # ---------------------------------------------------------------------------- helpers

    def _add(self, choice: ResponseChoice, checked: bool) -> None:
        item = QListWidgetItem(choice.text)
        item.setData(CHOICE_ROLE, choice)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.responses.addItem(item)

    def _on_add_clicked(self) -> None:
        self.add_files(self._ask_files(self))

    def _update(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.path_field.path()))
