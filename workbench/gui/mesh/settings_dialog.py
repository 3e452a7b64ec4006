"""Settings › MESH…: the endpoint, the mailbox, its secrets, workflows, polling and the auto-responder.

:class:`MeshSettingsDialog` edits what the core keeps (the config file, and the password and
shared key in the system keyring or a private file) and the desktop's choices
(:class:`~.profile.Prefs`). A secret is never shown again once entered: its field is empty and
says that one is stored; typing replaces it, Clear removes it, leaving it alone keeps it. The
dialog holds the stored secrets only as :class:`~workbench.core.transport.mesh.Secret` objects,
never in a widget. Reading and writing run in the MESH worker.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core.acks.presets import shipped_presets
from workbench.core.catalogue import catalogue
from workbench.core.exchange import MeshSettings, MeshSettingsError
from workbench.core.itk3.routing import workflow_for_event
from workbench.core.transport.mesh import Secret
from workbench.core.transport.sandbox import SandboxError, sandbox_mailboxes
from workbench.gui.mesh.profile import Prefs
from workbench.gui.mesh.service import MeshService

#: Environment variables that override the settings file while they are set.
ENVIRONMENT = ("MESH_URL", "MESH_MAILBOX", "MESH_PASSWORD", "MESH_SHARED_KEY")
EVENT, DISPLAY, WORKFLOW = range(3)


class SecretField(QWidget):
    """A password or key: typed, never shown; says whether one is stored.

    Args:
        what: what it is (``password``, ``shared key``).
        parent: the Qt parent.
    """

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._what = what
        self._stored = Secret(None)
        self._cleared = False
        self.edit = QLineEdit()
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setObjectName(what.replace(" ", "_"))
        self.clear_button = QToolButton()
        self.clear_button.setText("Clear")
        self.clear_button.setToolTip(f"Remove the stored {what} when the settings are saved")
        self.clear_button.clicked.connect(self.clear)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.clear_button)
        self.set_stored(Secret(None))

    def set_stored(self, secret: Secret) -> None:
        """Say whether a secret is stored (its value stays in ``secret``, never in the field)."""
        self._stored = secret
        self._cleared = False
        self.edit.clear()
        self._show_state()

    def clear(self) -> None:
        """Remove the stored secret (when the settings are saved)."""
        self._cleared = True
        self.edit.clear()
        self._show_state()

    def is_stored(self) -> bool:
        """True when a secret is stored and neither cleared nor replaced."""
        return bool(self._stored) and not self._cleared and not self.edit.text()

    def secret(self) -> Secret:
        """What to save: the typed value, nothing when cleared, else the stored one."""
        if self.edit.text():
            return Secret(self.edit.text())
        return Secret(None) if self._cleared else self._stored

    def _show_state(self) -> None:
        stored = bool(self._stored) and not self._cleared
        self.edit.setPlaceholderText(
            f"a {self._what} is stored: type to replace it" if stored else f"no {self._what} stored: type one"
        )
        self.clear_button.setEnabled(stored)


class PathField(QWidget):
    """A file path with a Browse button.

    Args:
        title: the file dialog's title.
        placeholder: what an empty field means.
        parent: the Qt parent.
    """

    def __init__(self, title: str, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = title
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        browse = QToolButton()
        browse.setText("…")
        browse.setToolTip("Choose the file")
        browse.clicked.connect(self._browse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(browse)

    def path(self) -> str | None:
        """The path given, or None."""
        return self.edit.text().strip() or None

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self._title, self.edit.text() or str(Path.home()))
        if path:
            self.edit.setText(path)


class MeshSettingsDialog(QDialog):
    """Settings › MESH….

    Signals:
        sig_saved(str): The settings were saved; carries where the secrets are kept, in words.

    Args:
        service: the desktop's MESH (reads, writes and tests the settings in its worker).
        parent: the Qt parent.
    """

    sig_saved = Signal(str)

    def __init__(self, service: MeshService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("meshSettings")
        self.setWindowTitle("MESH Settings")
        self._service = service
        self._loaded = MeshSettings()
        self.tabs = QTabWidget()
        self.tabs.addTab(self._connection_tab(), "Connection")
        self.tabs.addTab(self._workflows_tab(), "Workflows")
        self.tabs.addTab(self._responding_tab(), "Polling and Auto-Respond")
        self.message = QLabel()
        self.message.setObjectName("settingsMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(720, 560)
        self.reload()

    # ---- the tabs --------------------------------------------------------------------------------

    def _connection_tab(self) -> QWidget:
        self.url = QLineEdit()
        self.url.setObjectName("meshUrl")
        self.url.setPlaceholderText("https://msg.intspineservices.nhs.uk")
        self.mailbox = QLineEdit()
        self.mailbox.setObjectName("meshMailbox")
        self.mailbox.setPlaceholderText("your mailbox id, such as X26ABC1")
        self.password = SecretField("password")
        self.shared_key = SecretField("shared key")
        self.client_cert = PathField("Client certificate", "none (only for endpoints that ask for one)")
        self.client_key = PathField("Client certificate key", "none, or in the certificate file")
        self.ca_file = PathField("CA bundle", "the system's certificate authorities")
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(1, 600)
        self.timeout.setSuffix(" s")
        self.reply_to = QComboBox()
        self.reply_to.addItem("the MESH mailbox the message came from", "mesh-sender")
        self.reply_to.addItem("the mailbox in the message's source.endpoint", "source-endpoint")
        self.environment = QLabel()
        self.environment.setWordWrap(True)
        self.environment.setStyleSheet("color: #9a6700;")
        self.place = QLabel()
        self.place.setWordWrap(True)
        self.place.setStyleSheet("color: #57606a;")
        self.test_button = QPushButton("Test Connection")
        self.test_button.setToolTip("Log in to the mailbox with these settings (a MESH handshake)")
        self.test_button.clicked.connect(self.test_connection)
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_result, 1)
        form = QFormLayout()
        form.addRow("MESH URL", self.url)
        form.addRow("Mailbox", self.mailbox)
        form.addRow("Password", self.password)
        form.addRow("Shared key", self.shared_key)
        form.addRow("Client certificate", self.client_cert)
        form.addRow("Certificate key", self.client_key)
        form.addRow("CA bundle", self.ca_file)
        form.addRow("Timeout", self.timeout)
        form.addRow("Responses go to", self.reply_to)
        page = QWidget()
        column = QVBoxLayout(page)
        column.addLayout(form)
        column.addWidget(self.place)
        column.addWidget(self.environment)
        column.addLayout(test_row)
        column.addStretch(1)
        return page

    def _workflows_tab(self) -> QWidget:
        events = [e for e in catalogue().events if not e.legacy and e.code != catalogue().response_event]
        self.workflows = QTableWidget(len(events), 3)
        self.workflows.setObjectName("workflowTable")
        self.workflows.setHorizontalHeaderLabels(["Event", "Display", "Workflow"])
        self.workflows.verticalHeader().hide()
        self.workflows.horizontalHeader().setSectionResizeMode(DISPLAY, QHeaderView.ResizeMode.Stretch)
        self.workflows.horizontalHeader().setSectionResizeMode(WORKFLOW, QHeaderView.ResizeMode.ResizeToContents)
        for row, event in enumerate(events):
            for column, text in ((EVENT, event.code), (DISPLAY, event.display)):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.workflows.setItem(row, column, item)
            self.workflows.setItem(row, WORKFLOW, QTableWidgetItem(""))
        reset = QPushButton("Use the Catalogue's")
        reset.setToolTip("Put back the catalogue's workflow for every event")
        reset.clicked.connect(lambda: self._show_workflows(()))
        note = QLabel(
            "The WorkflowID each event is sent on (double-click to change it). Responses travel on its _ACK "
            "workflow. An empty cell means the event has no workflow known: a send asks for one."
        )
        note.setWordWrap(True)
        page = QWidget()
        column = QVBoxLayout(page)
        column.addWidget(note)
        column.addWidget(self.workflows, 1)
        column.addWidget(reset, 0, Qt.AlignmentFlag.AlignLeft)
        return page

    def _responding_tab(self) -> QWidget:
        self.poll = QSpinBox()
        self.poll.setObjectName("pollSeconds")
        self.poll.setRange(0, 3600)
        self.poll.setSuffix(" s")
        self.poll.setSpecialValueText("only when asked")
        self.auto_respond = QCheckBox("Answer what arrives as the receiver would (the auto-responder)")
        self.receiver = QComboBox()
        self.receiver.setObjectName("receiverChoice")
        for preset in shipped_presets():
            self.receiver.addItem(preset.title, preset.name)
        self.receiver.addItem("Your receiver settings file (TOML)…", "")
        self.receiver_file = PathField("Receiver settings", "a receiver settings TOML file")
        self.receiver.currentIndexChanged.connect(
            lambda _i: self.receiver_file.setEnabled(self.receiver.currentData() == "")
        )
        try:
            boxes = [b.mailbox for b in sandbox_mailboxes()]
        except SandboxError:
            boxes = []
        self.local_you = QComboBox()
        self.local_responder = QComboBox()
        for combo in (self.local_you, self.local_responder):
            combo.addItems(boxes)
            combo.setEnabled(bool(boxes))
        form = QFormLayout()
        form.addRow("Poll every", self.poll)
        form.addRow("", self.auto_respond)
        form.addRow("Receiver settings", self.receiver)
        form.addRow("", self.receiver_file)
        form.addRow("Local MESH: you are", self.local_you)
        form.addRow("Local MESH: auto-responder", self.local_responder)
        note = QLabel(
            "On the local MESH (MESH › Start Local MESH) the workbench sends from the first mailbox and, with "
            "Auto-Respond on, answers as the receiver on the second. Your own MESH settings are not changed."
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #57606a;")
        page = QWidget()
        column = QVBoxLayout(page)
        column.addLayout(form)
        column.addWidget(note)
        column.addStretch(1)
        return page

    # ---- reading and saving ----------------------------------------------------------------------

    def reload(self) -> None:
        """Show the settings as stored (read in the worker) and the desktop's choices."""
        self.save_button.setEnabled(False)
        self._show_prefs(self._service.prefs())
        self._service.load_for_editing(self._show_settings)

    def _show_settings(self, settings: MeshSettings, place: str) -> None:
        self._loaded = settings
        self.place.setText(f"The password and shared key are kept in {place}; they are never shown again.")
        self.url.setText(settings.url or "")
        self.mailbox.setText(settings.mailbox or "")
        self.password.set_stored(settings.password)
        self.shared_key.set_stored(settings.shared_key)
        self.client_cert.edit.setText(settings.client_cert or "")
        self.client_key.edit.setText(settings.client_key or "")
        self.ca_file.edit.setText(settings.ca_file or "")
        self.timeout.setValue(settings.timeout)
        self.reply_to.setCurrentIndex(max(0, self.reply_to.findData(settings.reply_to)))
        self._show_workflows(settings.workflows)
        overridden = [name for name in ENVIRONMENT if os.environ.get(name)]
        self.environment.setText(
            f"Set in the environment, and used instead of what is here while set: {', '.join(overridden)}"
            if overridden
            else ""
        )
        self.environment.setVisible(bool(overridden))
        self.save_button.setEnabled(True)

    def _show_workflows(self, chosen: tuple[tuple[str, str], ...]) -> None:
        own = dict(chosen)
        for row in range(self.workflows.rowCount()):
            code = self.workflows.item(row, EVENT).text()
            item = self.workflows.item(row, WORKFLOW)
            item.setText(own.get(code) or workflow_for_event(code) or "")
            item.setToolTip(f"The catalogue's: {workflow_for_event(code) or 'none'}")

    def _show_prefs(self, prefs: Prefs) -> None:
        self.poll.setValue(prefs.poll_seconds)
        self.auto_respond.setChecked(prefs.auto_respond)
        index = self.receiver.findData(prefs.receiver)
        if index < 0:
            index = self.receiver.findData("")
            self.receiver_file.edit.setText(prefs.receiver)
        self.receiver.setCurrentIndex(index)
        self.receiver_file.setEnabled(self.receiver.currentData() == "")
        for combo, value in ((self.local_you, prefs.local_you), (self.local_responder, prefs.local_responder)):
            combo.setCurrentIndex(max(0, combo.findText(value)))

    def settings(self) -> MeshSettings:
        """The settings as the dialog shows them now.

        Raises:
            MeshSettingsError: something given cannot be used (said in plain words).
        """
        url = self.url.text().strip() or None
        if url and not url.lower().startswith(("https://", "http://")):
            raise MeshSettingsError(f"the MESH URL must start with https:// (or http:// for a local one), not {url!r}")
        mailbox = self.mailbox.text().strip() or None
        if mailbox and not mailbox.isalnum():
            raise MeshSettingsError(f"a mailbox id is letters and digits, not {mailbox!r}")
        workflows = []
        for row in range(self.workflows.rowCount()):
            code = self.workflows.item(row, EVENT).text()
            value = self.workflows.item(row, WORKFLOW).text().strip()
            if " " in value:
                raise MeshSettingsError(f"the workflow of {code} has a space in it: {value!r}")
            if value and value != workflow_for_event(code):
                workflows.append((code, value))
        return replace(
            self._loaded,
            url=url,
            mailbox=mailbox,
            password=self.password.secret(),
            shared_key=self.shared_key.secret(),
            client_cert=self.client_cert.path(),
            client_key=self.client_key.path(),
            ca_file=self.ca_file.path(),
            timeout=float(self.timeout.value()),
            reply_to=str(self.reply_to.currentData()),
            workflows=tuple(workflows),
        )

    def prefs(self) -> Prefs:
        """The desktop's choices as the dialog shows them now.

        Raises:
            MeshSettingsError: the receiver settings file is missing.
        """
        receiver = self.receiver.currentData() or (self.receiver_file.path() or "")
        if not receiver:
            raise MeshSettingsError("choose the receiver settings file for the auto-responder (or a preset)")
        return replace(
            self._service.prefs(),
            poll_seconds=self.poll.value(),
            auto_respond=self.auto_respond.isChecked(),
            receiver=receiver,
            local_you=self.local_you.currentText() or Prefs().local_you,
            local_responder=self.local_responder.currentText() or Prefs().local_responder,
        )

    def save(self) -> None:
        """Save the settings (secrets to the keyring or the private file) and the choices."""
        try:
            settings, prefs = self.settings(), self.prefs()
        except MeshSettingsError as exc:
            self._say(f"Not saved: {exc}.", "#cf222e")
            return
        self.save_button.setEnabled(False)
        self._service.set_prefs(prefs)
        self._service.save_settings(settings, self._on_saved, self._on_not_saved)

    def test_connection(self) -> None:
        """Log in with the settings as shown (in the worker)."""
        try:
            settings = self.settings()
        except MeshSettingsError as exc:
            self.test_result.setText(str(exc))
            return
        self.test_button.setEnabled(False)
        self.test_result.setText("Testing…")
        self._service.test_connection(settings, self._on_tested)

    def _on_saved(self, place: str) -> None:
        self._say(f"Saved. The password and shared key are kept in {place}.", "#1a7f37")
        self.password.set_stored(self.password.secret())
        self.shared_key.set_stored(self.shared_key.secret())
        self.save_button.setEnabled(True)
        self.sig_saved.emit(place)

    def _on_not_saved(self, why: str) -> None:
        self._say(f"Not saved: {why}", "#cf222e")
        self.save_button.setEnabled(True)

    def _on_tested(self, text: str, worked: bool) -> None:
        self.test_button.setEnabled(True)
        self.test_result.setText(text)
        self.test_result.setStyleSheet(f"color: {'#1a7f37' if worked else '#cf222e'};")

    def _say(self, text: str, colour: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {colour};")
