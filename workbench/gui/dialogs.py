"""The file dialogs the window asks through (tests replace these functions).

Each ``ask_*`` function shows a modal dialog and returns the user's choice, or None when
cancelled, except :func:`ask_unsaved_edits`, which does not block: it opens a message box and
calls back with the choice.
The window calls them through this module (``dialogs.ask_open_paths(...)``), so a test can
monkeypatch them and never block on a dialog.
"""

from __future__ import annotations

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
    """Ask what to do with unsaved edits, without blocking (``open()``); return the box.

    ``decided`` is called with ``save``, ``discard`` or ``cancel`` once the user has chosen.
    """
    box = QMessageBox(parent)
    box.setObjectName("unsavedEdits")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Unsaved edits")
    box.setText(f"{name} has edits that are not saved.")
    box.setInformativeText("Save them as FHIR XML first, or discard them?")
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


class UnsavedEditsGuard:
    """Asks, without blocking, before unsaved edits would be lost (closing, opening another file).

    :meth:`allows` returns True when nothing would be lost. Otherwise it opens the question and
    returns False; once the user has saved (through ``save``) or chosen to discard the edits it
    calls ``then``, which asks again and is now allowed.

    Args:
        parent: The window asking.
        save: Saves the message (File › Save As XML); the edits count as saved when the undo
            stack is clean afterwards.

    Attributes:
        box: The question last asked, if any.
    """

    def __init__(self, parent: QWidget, save: Callable[[], object]) -> None:
        self._parent = parent
        self._save = save
        self._discarded = False
        self.box: QMessageBox | None = None

    def reset(self) -> None:
        """Forget a decision (another message is shown, or opening it failed)."""
        self._discarded = False

    def allows(self, clean: Callable[[], bool], name: str, then: Callable[[], object]) -> bool:
        """Return True when ``clean()`` or the user already chose; otherwise ask and return False."""
        if clean() or self._discarded:
            return True

        def decided(choice: str) -> None:
            if choice == "save":
                self._save()
                if not clean():
                    return
            elif choice != "discard":
                return
            self._discarded = True
            then()

        self.box = ask_unsaved_edits(self._parent, name, decided)
        return False
