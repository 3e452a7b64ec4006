"""The details of the selected node: path, type, cardinality, value, position, definition."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from workbench.core.itk3.labels import LabelContext, NodeFacts, format_size, node_facts
from workbench.core.itk3.view import Attachment
from workbench.core.tree import Document, Node

_PLACEHOLDER = "Select an element in the structure tree to see its details."
#: What the panel says for a message that could not be read (it has no elements).
NO_ELEMENTS = "No elements to show: the message could not be read."


def _field() -> QLineEdit:
    """A one-line, selectable, frameless field (paths and URLs copy exactly)."""
    field = QLineEdit()
    field.setReadOnly(True)
    field.setFrame(False)
    field.setStyleSheet("QLineEdit { background: transparent; padding: 0; }")
    field.setCursorPosition(0)
    return field


class DetailsPanel(QWidget):
    """What the selected element is, in full.

    Signals:
        sig_attachment_open_requested(object): The Open button was pressed; carries the
            :class:`Attachment` of the shown node.
        sig_attachment_save_requested(object): The Save As button was pressed; carries the
            :class:`Attachment` of the shown node.

    Args:
        parent: The Qt parent.
    """

    sig_attachment_open_requested = Signal(object)
    sig_attachment_save_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._facts: NodeFacts | None = None
        self._attachment: Attachment | None = None

        self.title = QLabel(_PLACEHOLDER)
        self.title.setObjectName("detailsTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setWeight(QFont.Weight.DemiBold)
        self.title.setFont(font)

        self.path = _field()
        self.kind = _field()
        self.type = _field()
        self.cardinality = _field()
        self.element_id = _field()
        self.url = _field()
        self.position = _field()
        self.value = QPlainTextEdit()
        self.value.setReadOnly(True)
        self.value.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.value.setMaximumHeight(72)
        self.value.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.definition = QLabel()
        self.definition.setObjectName("detailsDefinition")
        self.definition.setWordWrap(True)
        self.definition.setTextFormat(Qt.TextFormat.RichText)
        self.definition.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.definition.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.definition.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

        self.open_button = QPushButton("Open")
        self.open_button.setToolTip("Open the attachment with the system's viewer")
        self.open_button.clicked.connect(self._on_open_clicked)
        self.save_button = QPushButton("Save As…")
        self.save_button.setToolTip("Save the decoded attachment to a file")
        self.save_button.clicked.connect(self._on_save_clicked)
        self.attachment_label = QLabel()
        self.attachment_row = QWidget()
        buttons = QHBoxLayout(self.attachment_row)
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.attachment_label, 1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.save_button)

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.form.setHorizontalSpacing(12)
        self.form.setVerticalSpacing(4)
        self._rows: dict[str, QWidget] = {}
        for name, widget in (
            ("Path", self.path),
            ("Kind", self.kind),
            ("Type", self.type),
            ("Cardinality", self.cardinality),
            ("Value", self.value),
            ("Element id", self.element_id),
            ("URL", self.url),
            ("Position", self.position),
            ("Attachment", self.attachment_row),
            ("Definition", self.definition),
        ):
            self.form.addRow(name, widget)
            self._rows[name] = widget

        body = QWidget()
        inner = QVBoxLayout(body)
        inner.setContentsMargins(10, 8, 10, 8)
        inner.addWidget(self.title)
        inner.addSpacing(4)
        inner.addLayout(self.form)
        inner.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        self.clear()

    # ---------------------------------------------------------------------------------- API

    def facts(self) -> NodeFacts | None:
        """Return the facts shown, if any."""
        return self._facts

    def clear(self, placeholder: str = _PLACEHOLDER) -> None:
        """Show a placeholder (by default: select an element to see its details)."""
        self._facts = None
        self._attachment = None
        self.title.setText(placeholder)
        for widget in self._rows.values():
            self.form.setRowVisible(widget, False)

    def show_node(self, node: Node | None, document: Document | None, context: LabelContext | None) -> None:
        """Show what is known about a node (None clears the panel)."""
        if node is None:
            self.clear()
            return
        facts = self._facts = node_facts(node, document, context)
        self.title.setText(facts.label)
        self._set("Path", self.path, facts.path)
        self._set("Kind", self.kind, facts.kind)
        self._set("Type", self.type, facts.type)
        self._set("Cardinality", self.cardinality, facts.cardinality)
        self._set("Element id", self.element_id, facts.element_id)
        self._set("URL", self.url, facts.url)
        position = f"line {facts.position[0]}, column {facts.position[1]}" if facts.position else None
        self._set("Position", self.position, position)
        self.form.setRowVisible(self.value, facts.value is not None)
        self.value.setPlainText(facts.value or "")
        parts = []
        if facts.short:
            parts.append(f"<b>{html.escape(facts.short)}</b>")
        if facts.definition and facts.definition != facts.short:
            parts.append(html.escape(facts.definition).replace("\n", "<br>"))
        self.definition.setText("<br>".join(parts))
        self.form.setRowVisible(self.definition, bool(parts))
        self._attachment = facts.attachment
        if facts.attachment is not None:
            attachment = facts.attachment
            self.attachment_label.setText(
                f"{attachment.content_type or 'unknown type'}, {format_size(attachment.size)}"
            )
        self.form.setRowVisible(self.attachment_row, facts.attachment is not None)

    def _set(self, name: str, field: QLineEdit, value: str | None) -> None:
        self.form.setRowVisible(field, value is not None)
        field.setText(value or "")
        field.setCursorPosition(0)
        field.setToolTip(value or "")

    # ---------------------------------------------------------------------------- handlers

    def _on_open_clicked(self) -> None:
        if self._attachment is not None:
            self.sig_attachment_open_requested.emit(self._attachment)

    def _on_save_clicked(self) -> None:
        if self._attachment is not None:
            self.sig_attachment_save_requested.emit(self._attachment)
