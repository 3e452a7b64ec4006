"""Small widgets the compose dialogs and the header form share.

* :class:`PartyField` - a sender or receiver: an Organization by ODS code or a Practitioner by
  SDS user id (and, for a receiver, none);
* :func:`muted` and :func:`problem_label` - a grey explanatory label, a red one for refusals;
* :func:`select_data` - choose a combo box entry by its data.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from workbench.core.compose.skeleton import Party

MUTED = "#57606a"
PROBLEM_STYLE = "QLabel { color: #82071e; }"
WARNING_STYLE = (
    "QLabel { background: #fff8c5; color: #4d2d00; border: 1px solid #d4a72c; border-radius: 4px; padding: 4px 8px; }"
)
INVALID_STYLE = "QLineEdit { border: 1px solid #cf222e; border-radius: 3px; background: #fff5f5; }"
#: The kinds a party can be, with what the combo box says.
PARTY_KINDS = (("ods", "Organization (ODS code)"), ("sds", "Practitioner (SDS user id)"))
NO_PARTY = "None (MESH routes the message)"


def muted(text: str = "", *, wrap: bool = True) -> QLabel:
    """A grey label that explains (meanings, patterns, counters)."""
    label = QLabel(text)
    label.setStyleSheet(f"QLabel {{ color: {MUTED}; }}")
    label.setWordWrap(wrap)
    return label


def problem_label() -> QLabel:
    """A red label for a refusal; hidden while empty."""
    label = QLabel()
    label.setObjectName("problem")
    label.setStyleSheet(PROBLEM_STYLE)
    label.setWordWrap(True)
    label.hide()
    return label


def show_problem(label: QLabel, text: str | None) -> None:
    """Show a refusal in a :func:`problem_label` (None or '' hides it)."""
    label.setText(text or "")
    label.setVisible(bool(text))


def row_of(first: QWidget, *rest: QWidget) -> QWidget:
    """Widgets side by side in one form field, the first taking the room left."""
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(first, 1)
    for widget in rest:
        row.addWidget(widget)
    return holder


def select_data(combo: QComboBox, value: object) -> bool:
    """Select the combo box entry whose data is ``value``; return whether one was found."""
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)
    return index >= 0


class PartyField(QWidget):
    """A sender or receiver: what it is (Organization or Practitioner, or none) and its code.

    Signals:
        sig_party_edited(): The user chose another kind or finished typing the code.

    Args:
        optional: Offer "None" (a receiver is optional: MESH routes the message).
        parent: The Qt parent.
    """

    sig_party_edited = Signal()

    def __init__(self, optional: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = QComboBox()
        if optional:
            self.kind.addItem(NO_PARTY, None)
        for key, text in PARTY_KINDS:
            self.kind.addItem(text, key)
        self.code = QLineEdit()
        self.code.setPlaceholderText("ODS code")
        self.code.setMinimumWidth(90)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.kind)
        row.addWidget(self.code, 1)
        self.kind.activated.connect(self._on_kind_activated)
        self.code.editingFinished.connect(self._on_code_finished)
        self._shown_code = ""
        self._update_code_field()

    def party(self) -> Party | None:
        """The party as entered (None for "None").

        Raises:
            ComposeError: the code is empty or has spaces.
        """
        kind = self.kind.currentData()
        if kind is None:
            return None
        return Party(kind, self.code.text().strip())

    def set_party(self, party: Party | None) -> None:
        """Show a party (None: none, or the first kind with an empty code when none is not offered)."""
        if party is None:
            self.kind.setCurrentIndex(0)
            self.code.clear()
        else:
            select_data(self.kind, party.kind)
            self.code.setText(party.code)
        self._shown_code = self.code.text()
        self._update_code_field()

    def set_kind(self, kind: str | None) -> None:
        """Choose the kind (``ods``, ``sds`` or None) as the user would."""
        select_data(self.kind, kind)
        self._on_kind_activated()

    def set_code(self, code: str) -> None:
        """Type a code as the user would and finish (the field loses focus)."""
        self.code.setText(code)
        self._on_code_finished()

    def _update_code_field(self) -> None:
        kind = self.kind.currentData()
        self.code.setEnabled(kind is not None)
        self.code.setPlaceholderText({"ods": "ODS code, e.g. X26", "sds": "SDS user id"}.get(kind or "", ""))

    def _on_kind_activated(self, _index: int = -1) -> None:
        self._update_code_field()
        if self.kind.currentData() is None or self.code.text().strip():
            self.sig_party_edited.emit()

    def _on_code_finished(self) -> None:
        if self.code.text() != self._shown_code:
            self._shown_code = self.code.text()
            self.sig_party_edited.emit()


__all__ = [
    "INVALID_STYLE",
    "MUTED",
    "NO_PARTY",
    "PARTY_KINDS",
    "PartyField",
    "muted",
    "problem_label",
    "row_of",
    "select_data",
    "show_problem",
]
