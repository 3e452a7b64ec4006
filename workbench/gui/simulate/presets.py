"""The receiver preset chooser of the Simulate window: the shipped presets and the user's TOML files.

The list holds the presets the workbench ships (the permissive default, a strict GP practice,
the NHS test harness's conventions; :func:`~workbench.core.acks.presets.shipped_presets`), then
the receiver settings files the user loaded before (remembered in the settings, most recent
first). Choosing one puts its settings in the receiver settings form; "Load File…" reads another TOML file (a
file that cannot be used is named in the message bar, with the core's reason) and "Save As…"
writes the form's settings to one, for ``itk-workbench ack --receiver``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QPushButton, QWidget

from workbench.core.acks.presets import shipped_presets
from workbench.core.acks.settings import ReceiverSettings, SettingsError, load_settings
from workbench.core.files import atomic_write
from workbench.gui.simulate.settings_form import ReceiverSettingsForm

TOML_FILTER = "Receiver settings (*.toml);;All files (*)"
FILES_KEY = "simulate/receiver_files"
MAX_FILES = 8
PLACEHOLDER = "Preset or settings file…"
_TIP = Qt.ItemDataRole.ToolTipRole


@dataclass(frozen=True, slots=True)
class ChosenSettings:
    """Receiver settings chosen from the list.

    Attributes:
        title: What the list calls them.
        path: The TOML file they come from.
        settings: The settings.
    """

    title: str
    path: str
    settings: ReceiverSettings


def ask_settings_path(parent: QWidget | None, directory: str) -> str | None:
    """Ask for a receiver settings file to load (tests replace this function)."""
    path, _ = QFileDialog.getOpenFileName(parent, "Load Receiver Settings", directory, TOML_FILTER)
    return path or None


def ask_save_settings_path(parent: QWidget | None, suggested: str) -> str | None:
    """Ask where to save receiver settings (tests replace this function)."""
    path, _ = QFileDialog.getSaveFileName(parent, "Save Receiver Settings", suggested, TOML_FILTER)
    if not path:
        return None
    return path if path.lower().endswith(".toml") else path + ".toml"


class PresetChooser(QWidget):
    """A list of receiver presets and settings files, with Load File… and Save As….

    Signals:
        sig_settings_chosen(object): Settings were chosen and shown in the form; carries
            :class:`ChosenSettings`.
        sig_problem(str): A file could not be loaded or saved; carries why, naming the file.
        sig_saved(str): The form's settings were saved; carries the file's path.

    Args:
        settings: Where the user's files are remembered.
        form: The receiver settings form the chosen settings go to (and Save As… saves).
        parent: The Qt parent.
    """

    sig_settings_chosen = Signal(object)
    sig_problem = Signal(str)
    sig_saved = Signal(str)

    def __init__(self, settings: QSettings, form: ReceiverSettingsForm, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._form = form
        self.combo = QComboBox()
        self.combo.setObjectName("receiverPreset")
        self.combo.setPlaceholderText(PLACEHOLDER)
        self.combo.setToolTip("Put a shipped receiver preset, or a receiver settings file, in the form below")
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(16)
        self.load_button = QPushButton("Load File…")
        self.load_button.setToolTip("Read receiver settings from a TOML file")
        self.save_button = QPushButton("Save As…")
        self.save_button.setToolTip("Write the settings below to a TOML file (for itk-workbench ack --receiver)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo, 1)
        layout.addWidget(self.load_button)
        layout.addWidget(self.save_button)
        self._fill()
        self.combo.activated.connect(self._on_activated)
        self.load_button.clicked.connect(self._on_load_clicked)
        self.save_button.clicked.connect(self._on_save_clicked)

    # ---------------------------------------------------------------------------------- API

    def titles(self) -> list[str]:
        """Return what the list offers, in order."""
        return [self.combo.itemText(i) for i in range(self.combo.count())]

    def choose(self, index: int) -> None:
        """Choose the item at ``index`` (as a click would)."""
        self.combo.setCurrentIndex(index)
        self._on_activated(index)

    def load_file(self, path: str) -> bool:
        """Load a settings file, offer it in the list and choose it; False (and a problem) when unusable."""
        try:
            settings = load_settings(path)
        except (SettingsError, OSError) as exc:
            self.sig_problem.emit(f"Could not use the receiver settings {path}: {exc}")
            return False
        absolute = str(Path(path).resolve())
        files = [absolute, *(p for p in self.user_files() if p != absolute)][:MAX_FILES]
        self._settings.setValue(FILES_KEY, files)
        self._fill()
        index = self.combo.findData(absolute)
        self.combo.setCurrentIndex(index)
        return self._apply(ChosenSettings(self.combo.itemText(index), absolute, settings))

    def user_files(self) -> list[str]:
        """Return the settings files the user loaded, most recent first."""
        value = self._settings.value(FILES_KEY, [])
        if isinstance(value, str):  # QSettings gives a plain string for a one-item list
            value = [value]
        return [str(v) for v in value or [] if v]

    # ---------------------------------------------------------------------------- helpers

    def _fill(self) -> None:
        self.combo.clear()
        for preset in shipped_presets():
            self.combo.addItem(preset.title, str(preset.path))
            self.combo.setItemData(self.combo.count() - 1, f"Shipped preset: {preset.path.name}", _TIP)
        files = self.user_files()
        if files:
            self.combo.insertSeparator(self.combo.count())
        for path in files:
            self.combo.addItem(f"{Path(path).name} — {Path(path).parent}", path)
            self.combo.setItemData(self.combo.count() - 1, path, _TIP)
        self.combo.setCurrentIndex(-1)

    def _on_activated(self, index: int) -> None:
        path = self.combo.itemData(index)
        if not isinstance(path, str):
            return
        try:
            settings = load_settings(path)
        except (SettingsError, OSError) as exc:
            self.sig_problem.emit(f"Could not use the receiver settings {path}: {exc}")
            self.combo.setCurrentIndex(-1)
            return
        self._apply(ChosenSettings(self.combo.itemText(index), path, settings))

    def _apply(self, chosen: ChosenSettings) -> bool:
        try:
            self._form.set_settings(chosen.settings)
        except ValueError as exc:  # a number the form cannot hold
            self.sig_problem.emit(f"Could not show the receiver settings {chosen.path}: {exc}")
            return False
        self.sig_settings_chosen.emit(chosen)
        return True

    def _on_load_clicked(self) -> None:
        files = self.user_files()
        directory = str(Path(files[0]).parent) if files else str(Path.home())
        path = ask_settings_path(self, directory)
        if path:
            self.load_file(path)

    def _on_save_clicked(self) -> None:
        try:
            settings = self._form.settings()
        except SettingsError as exc:
            self.sig_problem.emit(f"The receiver settings cannot be saved: {exc}")
            return
        files = self.user_files()
        folder = Path(files[0]).parent if files else Path.home()
        path = ask_save_settings_path(self, str(folder / "receiver.toml"))
        if not path:
            return
        try:
            atomic_write(path, settings.to_toml().encode("utf-8"))
        except OSError as exc:
            self.sig_problem.emit(f"Could not save the receiver settings to {path}: {exc}")
            return
        self.load_file(path)
        self.sig_saved.emit(path)
