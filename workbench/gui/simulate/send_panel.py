"""The send panel: one-click scenarios, the message to send, and the round trip's timing.

The four response patterns (FACTS §5.1) each have a button; every negative response code
(FACTS §4.3) is an entry of the "Negative code" menu, run as a Full Acknowledgement round trip
whose receiver is forced to answer that code. Below them the user chooses what Send sends: the
message open in the main window, or the sample message with the flags, event and RecipientType
chosen here. The panel only asks (signals); the window builds and runs the request.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QMenu,
    QPushButton,
    QRadioButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core.acks.patterns import negative_codes
from workbench.core.acks.runs import SampleOptions
from workbench.core.catalogue import catalogue
from workbench.gui.simulate.settings_form import compact
from workbench.gui.widgets.pattern_buttons import pattern_buttons


@dataclass(frozen=True, slots=True)
class Timing:
    """How a round trip runs.

    Attributes:
        latency: seconds each transfer takes.
        timeout: seconds before a conversation awaiting a Response is overdue.
        ack_of_ack: the sender answers business Responses that ask for it.
    """

    latency: float = 1.0
    timeout: float = 60.0
    ack_of_ack: bool = True


def sample_events() -> list[tuple[str, str]]:
    """The events a sample message can carry: (code, display)."""
    cat = catalogue()
    return [(e.code, e.display) for e in cat.events if not e.legacy and e.code != cat.response_event]


class SendPanel(QWidget):
    """Buttons for the scenarios and the options of Send.

    Signals:
        sig_pattern_requested(str): a pattern button was clicked; carries the pattern's key.
        sig_negative_requested(str): a negative code was chosen; carries the code.
        sig_send_requested(): Send was clicked.

    Args:
        parent: The Qt parent.
    """

    sig_pattern_requested = Signal(str)
    sig_negative_requested = Signal(str)
    sig_send_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        scenarios = QGroupBox("Run a scenario (sample message)")
        grid = QGridLayout(scenarios)
        self.pattern_buttons = pattern_buttons(
            grid,
            "pattern",
            lambda number, chosen: f"Pattern {number}: {chosen.description}",
            self.sig_pattern_requested.emit,
        )
        self.negative_button = QToolButton()
        self.negative_button.setObjectName("negativeCodes")
        self.negative_button.setText("Negative code")
        self.negative_button.setToolTip("Full Acknowledgement with the receiver forced to answer a negative code")
        self.negative_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.negative_menu = QMenu(self.negative_button)
        self.negative_actions = {}
        infrastructure = [r for r in negative_codes() if not r.is_business]
        business = [r for r in negative_codes() if r.is_business]
        for heading, codes in (("Infrastructure (technical) level", infrastructure), ("Business level", business)):
            self.negative_menu.addSection(heading)
            for response in codes:
                action = self.negative_menu.addAction(f"{response.code}  {response.display}")
                action.setObjectName(f"negative_{response.code}")
                action.setToolTip(response.meaning or response.display)
                action.triggered.connect(
                    lambda _checked=False, code=response.code: self.sig_negative_requested.emit(code)
                )
                self.negative_actions[response.code] = action
        self.negative_button.setMenu(self.negative_menu)
        grid.addWidget(self.negative_button, 2, 0, 1, 2)

        message = QGroupBox("Send a message")
        self.current_radio = QRadioButton("The message in the main window")
        self.current_label = QLabel("No message is open")
        self.current_label.setObjectName("currentMessage")
        self.current_label.setWordWrap(True)
        self.current_label.setStyleSheet("color: #57606a; margin-left: 22px;")
        self.sample_radio = QRadioButton("The sample message, with:")
        self.event_combo = QComboBox()
        compact(self.event_combo)
        for code, display in sample_events():
            self.event_combo.addItem(f"{code}  {display}", code)
        self.inf_ack = QCheckBox("InfAck")
        self.bus_ack = QCheckBox("BusAck")
        self.inf_ack.setChecked(True)
        self.bus_ack.setChecked(True)
        self.recipient_type = QComboBox()
        self.recipient_type.addItems(["FA", "FI"])
        sample_form = QFormLayout()
        sample_form.setContentsMargins(22, 0, 0, 0)
        sample_form.addRow("Event", self.event_combo)
        flags = QGridLayout()
        flags.addWidget(self.inf_ack, 0, 0)
        flags.addWidget(self.bus_ack, 0, 1)
        self.inf_ack.setToolTip("InfAckRequested: ask for an infrastructure Response")
        self.bus_ack.setToolTip("BusAckRequested: ask for a business Response")
        sample_form.addRow("Flags", flags)
        sample_form.addRow("RecipientType", self.recipient_type)
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("send")
        self.send_button.setShortcut(QKeySequence("Ctrl+Return"))
        self.send_button.setToolTip("Send the chosen message to the simulated receiver (Ctrl+Return)")
        self.send_button.clicked.connect(self.sig_send_requested)
        box = QVBoxLayout(message)
        box.addWidget(self.current_radio)
        box.addWidget(self.current_label)
        box.addWidget(self.sample_radio)
        box.addLayout(sample_form)
        box.addWidget(self.send_button)
        self.sample_radio.setChecked(True)
        for widget in (self.event_combo, self.inf_ack, self.bus_ack, self.recipient_type):
            self.sample_radio.toggled.connect(widget.setEnabled)

        timing = QGroupBox("Round trip")
        self.latency = QDoubleSpinBox()
        self.latency.setRange(0, 3600)
        self.latency.setDecimals(1)
        self.latency.setSuffix(" s")
        self.latency.setValue(1.0)
        self.latency.setToolTip("Seconds each transfer takes (the arrows' slant)")
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(1, 7 * 86_400)
        self.timeout.setDecimals(0)
        self.timeout.setSuffix(" s")
        self.timeout.setValue(60)
        self.timeout.setToolTip("Seconds before a conversation still awaiting a Response is overdue")
        self.ack_of_ack = QCheckBox("Sender answers business Responses that ask for it")
        self.ack_of_ack.setChecked(True)
        form = QFormLayout(timing)
        form.addRow("Latency", self.latency)
        form.addRow("Timeout", self.timeout)
        form.addRow(self.ack_of_ack)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scenarios)
        layout.addWidget(message)
        layout.addWidget(timing)
        self.set_current_name(None)

    def set_current_name(self, name: str | None) -> None:
        """Say which message the main window has open (None: none, and Send uses the sample)."""
        self.current_radio.setEnabled(name is not None)
        self.current_label.setText(name or "No message is open in the main window")
        if name is None and self.current_radio.isChecked():
            self.sample_radio.setChecked(True)

    def use_current(self) -> bool:
        """Return whether Send sends the main window's message."""
        return self.current_radio.isChecked() and self.current_radio.isEnabled()

    def set_use_current(self, use: bool) -> None:
        """Choose the main window's message (when there is one) or the sample."""
        (self.current_radio if use and self.current_radio.isEnabled() else self.sample_radio).setChecked(True)

    def sample_options(self) -> SampleOptions:
        """Return how to build the sample message."""
        return SampleOptions(
            str(self.event_combo.currentData()),
            self.inf_ack.isChecked(),
            self.bus_ack.isChecked(),
            self.recipient_type.currentText(),
        )

    def timing(self) -> Timing:
        """Return the latency, timeout and ack-of-ack choice."""
        return Timing(self.latency.value(), self.timeout.value(), self.ack_of_ack.isChecked())

    def set_timing(self, timing: Timing) -> None:
        """Show a latency, timeout and ack-of-ack choice."""
        self.latency.setValue(timing.latency)
        self.timeout.setValue(timing.timeout)
        self.ack_of_ack.setChecked(timing.ack_of_ack)
