"""The receiver settings form, generated from :func:`~workbench.core.acks.settings.field_info`.

One row per setting, titled and explained (tooltip) by the setting's metadata; the editor is
chosen by the field's type and default: a check box for a flag, a spin box for a number, a
combo box for a code or a choice, a line edit (comma-separated) for a list. The core turns the
values into :class:`~workbench.core.acks.settings.ReceiverSettings` through
:func:`~workbench.core.acks.settings.settings_from_mapping`, so the form never validates by
itself: a problem is shown, in the core's words, under the form.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import fields
from typing import Any

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workbench.core.acks.presets import EMPTY_MEANS
from workbench.core.acks.settings import (
    FORCED_WORDS,
    LIST_FIELDS,
    SYNTAXES,
    ReceiverSettings,
    SettingsError,
    field_info,
    settings_from_mapping,
)
from workbench.core.catalogue import catalogue

DECIDE = "(decide)"


def _code_items(business_only: bool) -> list[tuple[str, str]]:
    return [(r.code, f"{r.code}  {r.display}") for r in catalogue().responses if r.is_business or not business_only]


class ReceiverSettingsForm(QWidget):
    """Edits :class:`ReceiverSettings`; every field of the dataclass gets a row.

    Args:
        parent: The Qt parent.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editors: dict[str, QWidget] = {}
        self._problem = ""
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        defaults = {f.name: f.default for f in fields(ReceiverSettings)}
        for name, title, description in field_info():
            editor = self._editor(name, defaults[name])
            editor.setObjectName(f"setting_{name}")
            empty = EMPTY_MEANS.get(name)
            editor.setToolTip(f"{description}\n\n{empty[0].upper()}{empty[1:]}." if empty else description)
            label = QLabel(title)
            label.setToolTip(description)
            form.addRow(label, editor)
            self.editors[name] = editor
        self.problem_label = QLabel()
        self.problem_label.setObjectName("settingsProblem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("color: #cf222e;")
        self.problem_label.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.problem_label)
        self.set_settings(ReceiverSettings())

    # ---- values ------------------------------------------------------------------------------

    def settings(self) -> ReceiverSettings:
        """Return the settings the form describes.

        Raises:
            SettingsError: a value cannot be used (also shown under the form).
        """
        try:
            result = settings_from_mapping(self.values())
        except SettingsError as exc:
            self._show_problem(str(exc))
            raise
        self._show_problem("")
        return result

    def problem(self) -> str:
        """Return why the settings cannot be used ("" when they can)."""
        return self._problem

    def values(self) -> dict[str, Any]:
        """Return the form's values as plain data (as TOML would give them)."""
        values: dict[str, Any] = {}
        for name, editor in self.editors.items():
            if isinstance(editor, QCheckBox):
                values[name] = editor.isChecked()
            elif isinstance(editor, QSpinBox):
                values[name] = editor.value()
            elif isinstance(editor, QDoubleSpinBox):
                if name == "business_delay" and editor.value() < 0:
                    continue  # "same as delay"
                values[name] = editor.value()
            elif isinstance(editor, QComboBox):
                data = editor.currentData()
                text = str(data) if data is not None else ""
                if name == "forced" and text in ("", DECIDE):
                    continue
                values[name] = text
            elif isinstance(editor, QLineEdit):
                if name in LIST_FIELDS:
                    values[name] = [w.strip() for w in editor.text().split(",") if w.strip()]
                elif name == "nhs_numbers":
                    values[name] = _pairs(editor.text())
                else:
                    values[name] = editor.text()
        return values

    def set_settings(self, settings: ReceiverSettings) -> None:
        """Show settings in the form (without announcing a change).

        Raises:
            ValueError: a number is not one its spin box can hold (the form is left as it was).
        """
        for spec in fields(ReceiverSettings):
            editor = self.editors[spec.name]
            value = getattr(settings, spec.name)
            if isinstance(editor, QSpinBox | QDoubleSpinBox) and value is not None:
                number = float(value)
                if not (math.isfinite(number) and editor.minimum() <= number <= editor.maximum()):
                    raise ValueError(
                        f"{spec.name} = {value!r} is outside what the form can show "
                        f"({editor.minimum():g} to {editor.maximum():g})"
                    )
        for spec in fields(ReceiverSettings):
            editor = self.editors[spec.name]
            value = getattr(settings, spec.name)
            with QSignalBlocker(editor):  # showing values is not an edit
                if isinstance(editor, QCheckBox):
                    editor.setChecked(bool(value))
                elif isinstance(editor, QSpinBox | QDoubleSpinBox):
                    editor.setValue(-1 if value is None else value)
                elif isinstance(editor, QComboBox):
                    _select(editor, DECIDE if value is None else str(value))
                elif spec.name in LIST_FIELDS:
                    editor.setText(", ".join(value or ()))  # type: ignore[attr-defined]
                elif spec.name == "nhs_numbers":
                    editor.setText(", ".join(f"{n}={c}" for n, c in value))  # type: ignore[attr-defined]
                else:
                    editor.setText(str(value))  # type: ignore[attr-defined]
        self._show_problem("")

    # ---- internals ---------------------------------------------------------------------------

    def _editor(self, name: str, default: Any) -> QWidget:
        editor: QWidget
        if isinstance(default, bool):
            editor = QCheckBox()
            editor.toggled.connect(self._on_edited)
        elif name == "size_limit":
            editor = QSpinBox()
            editor.setRange(1, 2**31 - 1)
            editor.setSingleStep(1024 * 1024)
            editor.setGroupSeparatorShown(True)
            editor.valueChanged.connect(self._on_edited)
        elif name in ("delay", "business_delay"):
            editor = QDoubleSpinBox()
            editor.setRange(-1 if name == "business_delay" else 0, 86_400)
            editor.setDecimals(1)
            editor.setSuffix(" s")
            if name == "business_delay":
                editor.setSpecialValueText("same as delay")
            editor.valueChanged.connect(self._on_edited)
        elif name in ("forced", "business_code", "recipient_type", "syntax"):
            editor = QComboBox()
            compact(editor)
            if name == "forced":
                editor.addItem(DECIDE, DECIDE)
                for word in FORCED_WORDS:
                    editor.addItem(word, word)
                for code, text in _code_items(business_only=False):
                    editor.addItem(text, code)
            elif name == "business_code":
                for code, text in _code_items(business_only=True):
                    editor.addItem(text, code)
            else:
                for word in ("FI", "FA") if name == "recipient_type" else SYNTAXES:
                    editor.addItem(word, word)
            editor.currentIndexChanged.connect(self._on_edited)
        else:
            editor = QLineEdit()
            if name in LIST_FIELDS:
                editor.setPlaceholderText(EMPTY_MEANS.get(name, "empty: all"))
            elif name == "nhs_numbers":
                editor.setPlaceholderText(f"{EMPTY_MEANS[name]} (e.g. 9434765919=30001, 9999999468=30002)")
            editor.textEdited.connect(self._on_edited)
        return editor

    def _show_problem(self, text: str) -> None:
        self._problem = text
        self.problem_label.setText(text)
        self.problem_label.setVisible(bool(text))

    def _on_edited(self, *_args: object) -> None:
        with contextlib.suppress(SettingsError):  # shown under the form; runs are refused until fixed
            self.settings()


def compact(combo: QComboBox, characters: int = 18) -> None:
    """Let a combo box of long entries (response code displays) be narrower than its longest."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(characters)


def _pairs(text: str) -> dict[str, str]:
    """``9434765919=30001, 9999999468=30002`` as a mapping (a pair without ``=`` keeps '')."""
    pairs: dict[str, str] = {}
    for item in text.split(","):
        if item.strip():
            number, _, code = item.partition("=")
            pairs[number.strip()] = code.strip()
    return pairs


def _select(combo: QComboBox, value: str) -> None:
    index = combo.findData(value)
    combo.setCurrentIndex(max(0, index))
