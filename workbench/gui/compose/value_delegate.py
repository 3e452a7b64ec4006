"""Type-aware value editors in the structure tree (F2, or a double-click on a value's row).

The core says how each primitive is edited (:func:`~workbench.core.compose.values.editor_for`):
a boolean gets a check box; a code from its bound value set a list (closed when the binding is
required and every code is known); date, dateTime, instant and time a field checked as typed,
with "Now"; decimal and integer a field checked as typed; a Reference a list of the Bundle's
fullUrls, each described by what it holds; base64Binary a button that reads a file; anything
else a text field (with the profile's length limit). While typing, a value the core would
refuse marks the field red and its tooltip says why; committed, it is refused with a message
and never reaches the tree. A code chosen for a Coding sets its display and system too, as one
undoable edit.

The delegate also paints rows as :class:`~workbench.gui.widgets.label_delegate.LabelDelegate`
does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStyleOptionViewItem,
    QToolButton,
    QWidget,
)

from workbench.core.compose.payload import size_text
from workbench.core.compose.skeleton import ComposeError
from workbench.core.compose.values import Choice, ValueEditor, base64_of_file, choose_code, editor_for
from workbench.core.session import MessageSession
from workbench.core.stu3.paths import node_path
from workbench.core.stu3.typeinfo import type_of
from workbench.core.tree import Node
from workbench.core.validation.profiles.registry import ProfileRegistry
from workbench.gui.compose.fields import INVALID_STYLE
from workbench.gui.widgets.label_delegate import LabelDelegate

AnyIndex = QModelIndex | QPersistentModelIndex
#: An editor is at least this wide (a list of codes, a date with its Now button).
MIN_EDITOR_WIDTH = 280


def ask_base64_file(parent: QWidget | None) -> str | None:
    """Ask for the file whose bytes a base64Binary element takes (tests replace this)."""
    path, _ = QFileDialog.getOpenFileName(parent, "Take the value from a file", "", "All files (*)")
    return path or None


class ValueField(QWidget):
    """An editor of one primitive's value, as the core describes it.

    Signals:
        sig_focus_left(): The focus went outside the editor (not into a list's popup): the
            value is committed, as a plain line edit's would be.

    Args:
        spec: How the value is edited and checked.
        parent: The Qt parent (the view's viewport).

    Attributes:
        spec: The core's description of the editor.
        line: The text field, for kinds typed as text (None for a check box or a file).
        combo: The list, for codes and references (None otherwise).
        check: The check box, for a boolean (None otherwise).
    """

    sig_focus_left = Signal()

    def __init__(self, spec: ValueEditor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("valueEditor")
        self.setAutoFillBackground(True)
        self.spec = spec
        self.line: QLineEdit | None = None
        self.combo: QComboBox | None = None
        self.check: QCheckBox | None = None
        self._file_value: str | None = None
        self._file_label: QLabel | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        if spec.kind == "boolean":
            self.check = QCheckBox()
            self.check.toggled.connect(lambda on: self.check.setText("true" if on else "false"))  # type: ignore[union-attr]
            row.addWidget(self.check, 1)
        elif spec.kind in ("choice", "reference"):
            self.combo = QComboBox()
            self.combo.setEditable(not spec.closed)
            for choice in spec.choices:
                self.combo.addItem(choice.label, choice.value)
            if self.combo.isEditable():
                self.line = self.combo.lineEdit()
            row.addWidget(self.combo, 1)
        elif spec.kind == "base64":
            self._file_label = QLabel()
            button = QToolButton()
            button.setText("From File…")
            button.setToolTip("Take the value from a file's bytes (as base64)")
            button.clicked.connect(self._on_file_clicked)
            row.addWidget(self._file_label, 1)
            row.addWidget(button)
        else:
            self.line = QLineEdit()
            if spec.max_length:
                self.line.setPlaceholderText(f"at most {spec.max_length} characters")
            row.addWidget(self.line, 1)
            if spec.has_now:
                now = QToolButton()
                now.setText("Now")
                now.setToolTip(f"The current moment, as a {spec.type or spec.kind}")
                now.clicked.connect(lambda: self.set_value(spec.now()))
                row.addWidget(now)
        if self.line is not None:
            self.line.textChanged.connect(self._on_text_changed)
        focus = self.check or self.combo or self.line
        if focus is not None:
            self.setFocusProxy(focus)
        for child in (self.check, self.combo, self.line):
            if child is not None:
                child.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Override QObject::eventFilter: notice the focus leaving the editor's own widgets."""
        if (
            event.type() == QEvent.Type.FocusOut
            and isinstance(event, QFocusEvent)
            and event.reason() != Qt.FocusReason.PopupFocusReason
        ):
            QTimer.singleShot(0, self, self._check_focus)
        return super().eventFilter(watched, event)

    def _check_focus(self) -> None:
        focused = QApplication.focusWidget()
        if focused is None or not (focused is self or self.isAncestorOf(focused)):
            self.sig_focus_left.emit()

    # ---------------------------------------------------------------------------------- API

    def value(self) -> str:
        """Return the value entered (a list's entry gives its code or fullUrl)."""
        if self.check is not None:
            return "true" if self.check.isChecked() else "false"
        if self.combo is not None:
            text = self.combo.currentText()
            index = self.combo.findText(text)
            if index >= 0:
                return str(self.combo.itemData(index))
            return text.strip() if self.combo.isEditable() else ""
        if self._file_label is not None:
            return self._file_value or ""
        assert self.line is not None
        return self.line.text()

    def set_value(self, text: str) -> None:
        """Show a value."""
        if self.check is not None:
            self.check.setChecked(text == "true")
            self.check.setText(text or "false")
        elif self.combo is not None:
            index = self.combo.findData(text)
            if index >= 0:
                self.combo.setCurrentIndex(index)
            elif self.combo.isEditable():
                self.combo.setEditText(text)
            elif text:  # a value outside a closed list: shown as it is, to be replaced
                self.combo.addItem(f"{text} (not one of the allowed codes)", text)
                self.combo.setCurrentIndex(self.combo.count() - 1)
        elif self._file_label is not None:
            self._file_value = text
            self._file_label.setText(f"{size_text(len(text))} of base64" if text else "(empty)")
        elif self.line is not None:
            self.line.setText(text)

    def choice(self) -> Choice | None:
        """Return the list entry chosen, if the value is one."""
        value = self.value()
        return next((c for c in self.spec.choices if c.value == value), None)

    # ---------------------------------------------------------------------------- handlers

    def _on_text_changed(self, text: str) -> None:
        assert self.line is not None
        value = self.value() if self.combo is not None else text
        verdict = self.spec.check(value)
        self.line.setStyleSheet("" if verdict.ok else INVALID_STYLE)
        self.line.setToolTip(verdict.message or "")

    def _on_file_clicked(self) -> None:
        path = ask_base64_file(self)
        if not path:
            return
        try:
            self.set_value(base64_of_file(path))
        except ComposeError as exc:
            assert self._file_label is not None
            self._file_label.setText(str(exc))
            return
        assert self._file_label is not None
        self._file_label.setText(f"{Path(path).name}: {self._file_label.text()}")


class ValueDelegate(LabelDelegate):
    """Paints rows in two tones and edits values with the editor their type needs.

    Signals:
        sig_problem(str, str): A value was refused, or accepted with a note; the text and the
            level (``warning``, ``info``) for the message bar.
        sig_edit_requested(object): An edit beyond setting the value (a code with its display
            and system) should be applied; carries the core :class:`~workbench.core.edits.Edit`.

    Args:
        session: The message whose rows are edited.
        registry: Gives the profiles loaded now (bindings, fixed values, length limits), or None.
        parent: The Qt parent (the view).
    """

    sig_problem = Signal(str, str)
    sig_edit_requested = Signal(object)

    def __init__(
        self,
        session: MessageSession,
        registry: Callable[[], ProfileRegistry | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._registry = registry

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex) -> QWidget:
        """Override QStyledItemDelegate::createEditor: the editor the element's type needs."""
        node = index.internalPointer()
        document = self._session.document
        if node is None or document is None:
            return super().createEditor(parent, option, index)
        editor = ValueField(editor_for(node, document, self._registry()), parent)
        persistent = QPersistentModelIndex(index)
        editor.sig_focus_left.connect(lambda: self._on_focus_left(editor, persistent))
        return editor

    def _on_focus_left(self, editor: ValueField, index: QPersistentModelIndex) -> None:
        view = self.parent()
        if not shiboken6.isValid(editor) or not isinstance(view, QAbstractItemView) or not index.isValid():
            return
        if view.indexWidget(QModelIndex(index)) is editor:  # still open: the view has not closed it itself
            self.commitData.emit(editor)
            self.closeEditor.emit(editor)

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:
        """Override QStyledItemDelegate::setEditorData."""
        node = index.internalPointer()
        if isinstance(editor, ValueField) and node is not None:
            editor.set_value(str(node.value or ""))
        else:
            super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: AnyIndex) -> None:
        """Override QStyledItemDelegate::setModelData: check the value first; refuse it or set it."""
        node: Node | None = index.internalPointer()
        if not isinstance(editor, ValueField) or node is None:
            super().setModelData(editor, model, index)
            return
        text = editor.value()
        if text == (node.value or ""):
            return
        verdict = editor.spec.check(text)
        if not verdict.ok:
            self.sig_problem.emit(f"{node_path(node)} was not changed: {verdict.message}", "warning")
            return
        choice = editor.choice()
        coding = node.parent
        if (
            choice is not None
            and node.name == "code"
            and coding is not None
            and type_of(coding) == "Coding"
            and (choice.display or choice.system)
            and self._session.document is not None
        ):
            try:
                self.sig_edit_requested.emit(choose_code(self._session.document, coding, choice))
            except ComposeError as exc:
                self.sig_problem.emit(str(exc), "info")
            return
        model.setData(index, text)
        if verdict.warning:
            self.sig_problem.emit(f"{node_path(node)}: {verdict.warning}", "info")

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        """Override QStyledItemDelegate::updateEditorGeometry: the row, at least wide enough for the editor."""
        rect = QRect(option.rect)
        rect.setWidth(max(rect.width(), MIN_EDITOR_WIDTH))
        editor.setGeometry(rect)


__all__ = ["ValueDelegate", "ValueField", "ask_base64_file"]
