"""The dialogs the window asks through (tests replace these functions).

Each ``ask_*`` function shows a modal dialog and returns the user's choice, or None when
cancelled, except :func:`ask_unsaved_edits` and :func:`ask_quit`, which do not block: they open
a message box and call back with the choice.
The window calls them through this module (``dialogs.ask_open_paths(...)``), so a test can
monkeypatch them and never block on a dialog.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QFileDialog, QGridLayout, QMessageBox, QWidget

from workbench import __version__
from workbench.gui.context import APPLICATION

OPEN_FILTER = "FHIR messages (*.xml *.json);;FHIR XML (*.xml);;FHIR JSON (*.json);;All files (*)"
SAVE_FILTERS = {"xml": "FHIR XML (*.xml)", "json": "FHIR JSON (*.json)"}
KEEP_XML_TEXT = "Keep XML-only details (comments, schemaLocation) in an @xml member"


@dataclass(frozen=True, slots=True)
class SaveTarget:
    """Where and how to save a document.

    Attributes:
        path: The file to write.
        keep_xml: For JSON: keep XML-only details (comments, namespace details) in ``@xml``
            and ``fhir_comments`` members rather than writing plain FHIR JSON.
    """

    path: str
    keep_xml: bool = False


def ask_open_paths(parent: QWidget | None, directory: str) -> list[str]:
    """Ask for FHIR files to open; return the chosen paths (empty when cancelled)."""
    paths, _ = QFileDialog.getOpenFileNames(parent, "Open FHIR message", directory, OPEN_FILTER)
    return list(paths)


def ask_save_target(parent: QWidget | None, syntax: str, suggested: str, offer_keep_xml: bool) -> SaveTarget | None:
    """Ask where to save a document as ``xml`` or ``json``.

    Args:
        parent: The dialog's parent.
        syntax: ``xml`` or ``json``.
        suggested: The suggested file path.
        offer_keep_xml: Show the "keep XML-only details" checkbox (a JSON save of a document
            read from XML that has such details); it starts unchecked (plain FHIR JSON).
    """
    dialog = QFileDialog(parent, f"Save As {syntax.upper()}")
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setNameFilter(SAVE_FILTERS[syntax])
    dialog.setDefaultSuffix(syntax)
    dialog.selectFile(suggested)
    checkbox: QCheckBox | None = None
    if offer_keep_xml:
        # The checkbox needs Qt's own dialog: native dialogs cannot be extended.
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        checkbox = QCheckBox(KEEP_XML_TEXT, dialog)
        layout = dialog.layout()
        if isinstance(layout, QGridLayout):
            layout.addWidget(checkbox, layout.rowCount(), 0, 1, layout.columnCount())
    if not dialog.exec() or not dialog.selectedFiles():
        return None
    return SaveTarget(dialog.selectedFiles()[0], bool(checkbox and checkbox.isChecked()))


def ask_attachment_path(parent: QWidget | None, suggested: str) -> str | None:
    """Ask where to save an attachment's decoded bytes."""
    path, _ = QFileDialog.getSaveFileName(parent, "Save attachment as", suggested, "All files (*)")
    return path or None


def show_about(parent: QWidget) -> QMessageBox:
    """Open the About box without blocking (``open()``, not ``exec()``); return it."""
    box = QMessageBox(parent)
    box.setWindowTitle(f"About {APPLICATION}")
    box.setIconPixmap(parent.windowIcon().pixmap(64, 64))
    box.setText(f"<b>{APPLICATION}</b> {__version__}")
    box.setInformativeText(
        "Inspect NHS ITK3 messages (FHIR STU3): the message as a tree, its handling "
        "specification in plain words, and its text as received, as XML and as JSON."
    )
    box.open()
    return box


def ask_unsaved_edits(parent: QWidget, name: str, decided: Callable[[str], object]) -> QMessageBox:
    """Ask what to do with one message's unsaved edits, without blocking (``open()``); return the box.

    ``decided`` is called with ``save``, ``discard`` or ``cancel`` once the user has chosen.
    """
    return _ask(
        parent,
        "unsavedEdits",
        f"{name} has edits that are not saved.",
        "Save them as FHIR XML first, or discard them?",
        decided,
    )


def ask_quit(parent: QWidget, names: list[str], decided: Callable[[str], object]) -> QMessageBox:
    """Ask once, before quitting, what to do with the messages that have unsaved edits (non-blocking).

    The box lists the messages. ``decided`` is called with ``save`` (save each as FHIR XML),
    ``discard`` (quit without saving) or ``cancel``.
    """
    count = len(names)
    listed = "".join(f"<li>{html.escape(name)}</li>" for name in names)
    box = _ask(
        parent,
        "quitUnsaved",
        f"{count} message{'s have' if count != 1 else ' has'} edits that are not saved:",
        f"<ul>{listed}</ul>Save each as FHIR XML before quitting, or quit and discard the edits?",
        decided,
    )
    box.button(QMessageBox.StandardButton.Discard).setText("Discard and Quit")
    box.button(QMessageBox.StandardButton.Save).setText("Save All…")
    return box


def _ask(parent: QWidget, name: str, text: str, informative: str, decided: Callable[[str], object]) -> QMessageBox:
    """Open a Save / Discard / Cancel question without blocking; ``decided`` gets the choice."""
    box = QMessageBox(parent)
    box.setObjectName(name)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Unsaved edits")
    box.setText(text)
    box.setInformativeText(informative)
    box.setStandardButtons(
        QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel
    )
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    choices = {
        QMessageBox.StandardButton.Save: "save",
        QMessageBox.StandardButton.Discard: "discard",
    }

    def finished(_result: int) -> None:
        clicked = box.clickedButton()
        button = box.standardButton(clicked) if clicked is not None else QMessageBox.StandardButton.Cancel
        decided(choices.get(button, "cancel"))

    box.finished.connect(finished)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
