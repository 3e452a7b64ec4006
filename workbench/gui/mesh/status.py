"""The status bar's MESH indicator: the connection, and how many messages arrived unseen.

A flat button with a coloured dot (grey not set up, blue working, green answering, red
failing), the mailbox and endpoint in a few words, and the count of new messages; its tooltip
has the details, and a click shows the Messages view. While the local MESH starts, a busy bar
shows beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from workbench.gui.mesh.profile import MeshProfile

#: The dot's colour per state.
STATE_COLOURS = {
    "off": "#8c959f",
    "starting": "#0969da",
    "ready": "#0969da",
    "busy": "#0969da",
    "ok": "#1a7f37",
    "failing": "#cf222e",
}


@dataclass(frozen=True, slots=True)
class MeshStatus:
    """The MESH connection as the status bar shows it.

    Attributes:
        state: ``off`` (not set up), ``starting``, ``ready``, ``busy``, ``ok`` or ``failing``.
        text: a few words.
        tooltip: the details (endpoint, mailboxes, the last error; never a secret).
        unread: messages received and not yet looked at.
    """

    state: str
    text: str
    tooltip: str
    unread: int


def compose_status(
    state: str,
    profile: MeshProfile | None,
    *,
    problem: str,
    starting: bool,
    last_error: str,
    unread: int,
    waiting: int,
    poll_seconds: int,
) -> MeshStatus:
    """What the indicator says for the state of things."""
    if starting:
        return MeshStatus("starting", "MESH: starting the local MESH…", "Starting mesh-sandbox on loopback", unread)
    if profile is None:
        return MeshStatus("off", "MESH: not set up", problem, unread)
    where = "local MESH" if profile.local else profile.settings.connection().shown_url
    lines = [f"{'The local MESH' if profile.local else 'MESH'} at {profile.settings.url}", f"You: {profile.mailbox}"]
    if profile.responder:
        lines.append(f"The auto-responder answers on {profile.responder} ({profile.receiver} receiver)")
    if profile.recipients:
        lines.append("Other mailboxes: " + ", ".join(profile.recipients))
    lines.append(f"Polls every {poll_seconds} s" if poll_seconds else "Polls only when asked (MESH › Poll Now)")
    if waiting:
        lines.append(f"{waiting} message{'s' if waiting != 1 else ''} kept to be sent again (MESH › Retry Failed)")
    if state == "failing":
        lines.append(f"Last problem: {last_error}")
    text = f"MESH: {profile.mailbox} @ {where}"
    text += {"busy": " …", "failing": " — failing"}.get(state, "")
    if waiting:
        text += f" · {waiting} to resend"
    if unread:
        text += f" · {unread} new"
    return MeshStatus(state, text, "\n".join(lines), unread)


class MeshIndicator(QWidget):
    """The MESH connection in the status bar.

    Signals:
        sig_clicked(): The indicator was clicked (show the Messages view).

    Args:
        parent: The Qt parent.
    """

    sig_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("meshIndicator")
        self.button = QToolButton()
        self.button.setObjectName("meshStatus")
        self.button.setAutoRaise(True)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.button.clicked.connect(self.sig_clicked)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(90)
        self.busy.setMaximumHeight(12)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.dot = QLabel("●")
        self.dot.setObjectName("meshDot")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.busy)
        layout.addWidget(self.dot)
        layout.addWidget(self.button)
        self._status = MeshStatus("off", "MESH", "", 0)
        self.show_status(self._status)

    def status(self) -> MeshStatus:
        """The status shown."""
        return self._status

    def show_status(self, status: MeshStatus) -> None:
        """Show a status."""
        self._status = status
        colour = STATE_COLOURS.get(status.state, STATE_COLOURS["off"])
        self.button.setText(status.text)
        self.dot.setStyleSheet(f"color: {colour};")
        self.dot.setToolTip(status.state)
        if status.state == "failing":
            self.button.setStyleSheet(f"QToolButton {{ color: {colour}; }}")
        else:
            self.button.setStyleSheet("")
        tip = status.tooltip
        if status.unread:
            tip += f"\n{status.unread} message{'s' if status.unread != 1 else ''} received not yet looked at"
        self.button.setToolTip(tip + "\nClick to show the Messages view")
        self.busy.setVisible(status.state == "starting")
