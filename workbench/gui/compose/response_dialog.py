"""File › New Response…: the ITK Response (ITK008M) a receiver would send for the message shown.

The dialog lists every live response code (infrastructure 1xxxx/2xxxx, business 3xxxx) with its
display, level and outcome (``response.code`` follows: ``ok`` or ``fatal-error``), and the
RecipientType the Response carries (FI, as the NHS harness sends, or FA). It says which message
the Response answers (its MessageHeader id, which ``response.identifier`` quotes). It only asks
(:attr:`NewResponseDialog.sig_response_requested`); the composer builds the Response with the
core's Response builder.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from workbench.core.catalogue import ResponseCode, catalogue
from workbench.core.compose.events import recipient_types
from workbench.gui.compose.fields import muted, select_data
from workbench.gui.compose.rows import Row, RowsTable

COLUMNS = ("Code", "Display", "Level", "Outcome")


@dataclass(frozen=True, slots=True)
class NewResponseRequest:
    """What File › New Response… asks for.

    Attributes:
        code: the response code.
        recipient_type: ``FI`` or ``FA``.
    """

    code: str
    recipient_type: str


def outcome_words(response: ResponseCode) -> str:
    """``positive (ok)`` or ``negative (fatal-error)``."""
    return f"{'positive' if response.positive else 'negative'} ({response.response_code})"


def response_rows() -> list[Row]:
    """Every live response code as a row."""
    return [
        Row(r.code, (r.code, r.display, r.level, outcome_words(r)), r.meaning or None) for r in catalogue().responses
    ]


class NewResponseDialog(QDialog):
    """Choose the response code of a new ITK Response.

    Signals:
        sig_response_requested(object): Create was pressed; carries a :class:`NewResponseRequest`.

    Args:
        answering: What the Response answers, in words (the message's name and MessageHeader id).
        parent: The Qt parent.
    """

    sig_response_requested = Signal(object)

    def __init__(self, answering: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newResponseDialog")
        self.setWindowTitle("New ITK Response")
        self.codes = RowsTable(COLUMNS, response_rows(), "Search response codes (code, words, level)")
        self.codes.setObjectName("responseCodes")
        self.codes.sig_choice_changed.connect(self._on_choice_changed)
        self.codes.sig_choice_activated.connect(lambda _code: self._on_create_clicked())
        self.about = QLabel()
        self.about.setObjectName("responseDetails")
        self.about.setWordWrap(True)
        self.recipient_type = QComboBox()
        for kind in recipient_types():
            self.recipient_type.addItem(f"{kind.code} {kind.display}", kind.code)
        select_data(self.recipient_type, "FI")
        form = QFormLayout()
        form.addRow("RecipientType", self.recipient_type)
        self.answering = muted(answering)
        self.answering.setObjectName("answering")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = buttons.addButton("Create", QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setObjectName("create")
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self._on_create_clicked)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.answering)
        layout.addWidget(self.codes, 1)
        layout.addWidget(self.about)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(760, 560)
        self.codes.choose("20013")

    def chosen_code(self) -> str:
        """Return the response code chosen ('' for none)."""
        return self.codes.chosen()

    def choose_code(self, code: str) -> bool:
        """Choose a response code (as a click would); return whether it is listed."""
        return self.codes.choose(code)

    def _on_choice_changed(self, code: str) -> None:
        found = catalogue().response(code) if code else None
        self.create_button.setEnabled(found is not None)
        if found is None:
            self.about.setText("Choose the code the Response carries.")
            return
        level = "an infrastructure" if not found.is_business else "a business"
        self.about.setText(
            f"{found.code} {found.display}: {level} Response, {outcome_words(found)}; "
            f"OperationOutcome issue {found.severity}/{found.issue_code}. {found.meaning}"
        )

    def _on_create_clicked(self) -> None:
        code = self.chosen_code()
        if not code:
            return
        self.sig_response_requested.emit(NewResponseRequest(code, str(self.recipient_type.currentData())))
        self.accept()
