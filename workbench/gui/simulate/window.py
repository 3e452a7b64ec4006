"""The Simulate window: send panel and receiver settings, the sequence diagram, the conversations.

One window per main window (Tools › Simulate Round Trip…). Each run goes to the context's
thread pool; when it is done it becomes a row of the conversation list and the diagram shows it
(complete, or played when "Animate new runs" is on). Clicking an arrow, or double-clicking a
row, asks the main window to open that message or Response. The receiver settings, timing,
playback speed and the last scenario are remembered in the settings.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QModelIndex, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from workbench.core.acks.patterns import pattern
from workbench.core.acks.runs import RoundTrip, RoundTripRequest
from workbench.core.acks.settings import ReceiverSettings, SettingsError, settings_from_toml
from workbench.core.edits import EditableDocument
from workbench.gui.actions import ActionSpec, build_menus, scope_actions
from workbench.gui.context import AppContext
from workbench.gui.simulate.conversation_model import MESSAGE_ID, ConversationModel
from workbench.gui.simulate.diagram import SPEEDS, PlaybackState, SequenceDiagram
from workbench.gui.simulate.presets import PresetChooser
from workbench.gui.simulate.send_panel import SendPanel, Timing
from workbench.gui.simulate.settings_form import ReceiverSettingsForm
from workbench.gui.simulate.tasks import RoundTripTask, RunSignals
from workbench.gui.widgets.fields import list_table
from workbench.gui.widgets.message_bar import MessageBar

TITLE = "Simulate Round Trip"
#: The receiver at first: answers a second after receiving, as the one-click patterns' does.
DEFAULT_RECEIVER = ReceiverSettings(delay=1.0)
DEFAULT_SIZE = (1440, 900)
MESSAGE_ID_WIDTH = 150
#: The controls panel can be this narrow (it scrolls) or collapsed, to leave the diagram room.
CONTROLS_MIN_WIDTH = 200
_KEY = "simulate/"

#: The window's menus (the same table shape as the main window's).
MENUS: tuple[tuple[str, tuple[ActionSpec | None, ...]], ...] = (
    (
        "&Diagram",
        (
            ActionSpec("play", "&Play", "toggle_play", "Space", "Play the round trip arrow by arrow, or pause it"),
            ActionSpec("step", "&Step", "step", "Right", "Show the next arrow"),
            ActionSpec("step_back", "Step &Back", "step_back", "Left", "Hide the last arrow shown"),
            ActionSpec("restart", "&Restart", "restart", "Home", "Back to the start: no arrow shown"),
            ActionSpec("show_all", "Show &All", "show_all", "End", "Show the whole round trip"),
            None,
            ActionSpec(
                "animate",
                "Animate &New Runs",
                "set_animate",
                None,
                "Play each new round trip from the start instead of showing it complete",
                checkable=True,
            ),
            ActionSpec("run_again", "Run A&gain", "run_again", "Ctrl+R", "Run the last scenario again"),
            None,
            ActionSpec(
                "export_png",
                "Export &PNG…",
                "export_png_dialog",
                None,
                "Save the diagram as a PNG image (twice its size)",
            ),
            ActionSpec("export_svg", "Export S&VG…", "export_svg_dialog", None, "Save the diagram as an SVG drawing"),
            None,
            ActionSpec("close_window", "&Close", "close", "Ctrl+W", "Close this window"),
        ),
    ),
)
#: Actions that need a round trip in the diagram.
DIAGRAM_ACTIONS = ("play", "step", "step_back", "restart", "show_all", "export_png", "export_svg")
#: Playback actions: their keys (Space, arrows, Home, End) work while the diagram has focus.
PLAYBACK_ACTIONS = ("play", "step", "step_back", "restart", "show_all")


@dataclass(frozen=True, slots=True)
class CurrentMessage:
    """The message open in the main window, for Send.

    Attributes:
        name: what the main window calls it.
        target: the document under edit; the worker renders it as XML as it is then. A run
            during which it was edited is run again (it may have read a half-made edit).
    """

    name: str
    target: EditableDocument


@dataclass(frozen=True, slots=True)
class _Pending:
    """A run on the pool: its signals, its request, and the edit version of the document sent."""

    signals: RunSignals
    request: RoundTripRequest
    target: EditableDocument | None = None
    version: int = 0


MessageSource = Callable[[], "CurrentMessage | None"]


class SimulateWindow(QMainWindow):
    """Round trips against a simulated receiver, drawn as a sequence diagram.

    Signals:
        sig_open_requested(object): open a message or Response in the inspector; carries an
            :class:`~.diagram.OpenRequest`.
        sig_run_finished(object): a round trip finished; carries the :class:`~.runs.RoundTrip`.
        sig_run_failed(str): a round trip could not run; carries why, in words.

    Args:
        context: The application context (settings, thread pool, profiles).
        parent: The main window (this stays a top-level window).
        message_source: gives the main window's message when Send needs it.
    """

    sig_open_requested = Signal(object)
    sig_run_finished = Signal(object)
    sig_run_failed = Signal(str)

    def __init__(
        self, context: AppContext, parent: QWidget | None = None, message_source: MessageSource | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self._context = context
        self._settings: QSettings = context.settings
        self._source = message_source
        self._pending: dict[int, _Pending] = {}
        self._requests = 0  # runs asked for (the key of a pending run)
        self._count = 0  # runs finished (the number a round trip gets)
        self._last: Callable[[], int] | None = None  # what Run Again repeats

        self.message_bar = MessageBar()
        self.send_panel = SendPanel()
        self.settings_form = ReceiverSettingsForm()
        self.presets = PresetChooser(context.settings, self.settings_form)  # fills the form
        self.presets.sig_problem.connect(lambda text: self.message_bar.show_message(text, "error"))
        receiver_box = QGroupBox("Receiver")
        receiver_layout = QVBoxLayout(receiver_box)
        receiver_layout.addWidget(self.presets)
        receiver_layout.addWidget(self.settings_form)
        controls = QWidget()
        controls_layout = QVBoxLayout(controls)
        controls_layout.addWidget(self.send_panel)
        controls_layout.addWidget(receiver_box)
        controls_layout.addStretch(1)
        self.controls_scroll = QScrollArea()
        self.controls_scroll.setWidget(controls)
        self.controls_scroll.setWidgetResizable(True)
        self.controls_scroll.setMinimumWidth(CONTROLS_MIN_WIDTH)  # narrower than its contents: it scrolls
        #: The panel's width with nothing hidden (what it gets when there is room).
        self._controls_natural = (
            controls.minimumSizeHint().width() + self.controls_scroll.verticalScrollBar().sizeHint().width() + 4
        )

        self.diagram = SequenceDiagram()
        self.diagram_scroll = QScrollArea()
        self.diagram_scroll.setWidget(self.diagram)
        self.diagram_scroll.setWidgetResizable(True)
        self.model = ConversationModel(self)
        self.table = list_table(self.model, "conversations")
        self.table.horizontalHeader().setDefaultSectionSize(120)
        self.table.setToolTip("Double-click a round trip to open its message in the inspector")

        self.right_splitter = QSplitter(Qt.Orientation.Vertical)
        self.right_splitter.addWidget(self.diagram_scroll)
        self.right_splitter.addWidget(self.table)
        self.right_splitter.setStretchFactor(0, 4)
        self.right_splitter.setStretchFactor(1, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.controls_scroll)
        self.splitter.addWidget(self.right_splitter)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(0, True)
        self.splitter.setCollapsible(1, False)
        self.splitter.installEventFilter(self)
        self._controls_width = self._controls_natural  # as the user last set it
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.menu_actions, _submenus = build_menus(self, MENUS)
        scope_actions(self.menu_actions, PLAYBACK_ACTIONS, self.diagram_scroll)
        self.speed_combo = QComboBox()
        self.speed_combo.setObjectName("speed")
        self.speed_combo.setToolTip("Playback speed")
        for speed in SPEEDS:
            self.speed_combo.addItem(f"{speed:g}×", speed)
        self.position_label = QLabel()
        self.position_label.setObjectName("playbackPosition")
        self._toolbar()

        self.send_panel.sig_pattern_requested.connect(self.run_pattern)
        self.send_panel.sig_negative_requested.connect(self.run_negative)
        self.send_panel.sig_send_requested.connect(self.send)
        self.diagram.sig_open_requested.connect(self.sig_open_requested)
        self.diagram.sig_playback_changed.connect(self._on_playback_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.table.doubleClicked.connect(self._on_row_double_clicked)
        self.speed_combo.currentIndexChanged.connect(self._on_speed_changed)
        self.splitter.splitterMoved.connect(self._on_splitter_moved)
        self._restore()
        self._controls_width = self.splitter.sizes()[0] or self._controls_natural
        self._on_playback_changed(self.diagram.playback())

    # ---- the message from the main window ------------------------------------------------------

    def refresh_message(self) -> None:
        """Show which message Send would send now."""
        current = self.current_message()
        self.send_panel.set_current_name(current.name if current is not None else None)

    def current_message(self) -> CurrentMessage | None:
        """Return the message Send sends when "the message in the main window" is chosen."""
        return self._source() if self._source is not None else None

    # ---- runs --------------------------------------------------------------------------------

    def run_pattern(self, key: str, force: str | None = None) -> int:
        """Run a response pattern with the sample message.

        Returns:
            The run's request id (its number comes when it finishes), or -1 when it was not run.
        """
        chosen = pattern(key)
        title = chosen.title if force is None else f"{chosen.title}, forced {force}"
        self._last = functools.partial(self.run_pattern, key, force)
        self._settings.setValue(_KEY + "last_pattern", key)
        return self._start(RoundTripRequest(title, DEFAULT_RECEIVER, pattern=chosen.key, force=force))

    def run_negative(self, code: str) -> int:
        """Run a Full Acknowledgement round trip whose receiver answers this negative code."""
        return self.run_pattern("full", code)

    def run_again(self) -> int:
        """Run the last run again: the same pattern, or Send of the same message or sample.

        Before any run in this window, the last pattern remembered (else Full Acknowledgement).
        """
        if self._last is not None:
            return self._last()
        try:
            return self.run_pattern(str(self._settings.value(_KEY + "last_pattern", "full")))
        except KeyError:
            return self.run_pattern("full")

    def send(self) -> int:
        """Send the chosen message (the main window's, or the sample with the chosen options)."""
        if self.send_panel.use_current():
            current = self.current_message()
            if current is None:
                self._failed("No message is open in the main window")
                return -1
            self._last = functools.partial(self._send_current, current)
            return self._send_current(current)
        options = self.send_panel.sample_options()
        request = RoundTripRequest(f"Send sample {options.event}", DEFAULT_RECEIVER, sample=options)
        self._last = functools.partial(self._start, request)
        return self._start(request)

    def _send_current(self, current: CurrentMessage) -> int:
        request = RoundTripRequest(f"Send {current.name}", DEFAULT_RECEIVER, message=current.target.document)
        return self._start(request, current.target)

    def _start(self, request: RoundTripRequest, target: EditableDocument | None = None) -> int:
        """Run a request with the receiver settings and timing shown now; return its id (-1: not run)."""
        try:
            receiver = self.settings_form.settings()
        except SettingsError as exc:
            self._failed(f"The receiver settings cannot be used: {exc}")
            return -1
        timing = self.send_panel.timing()
        self._remember(receiver, timing)
        request = replace(
            request,
            receiver=receiver,
            ack_of_ack=timing.ack_of_ack,
            latency=timing.latency,
            timeout=timing.timeout,
            profiles=self._context.profiles.registry,
        )
        return self._submit(request, target)

    def _submit(self, request: RoundTripRequest, target: EditableDocument | None) -> int:
        self._requests += 1
        key = self._requests
        signals = RunSignals(self)
        signals.sig_finished.connect(self._on_run_finished)
        signals.sig_failed.connect(self._on_run_failed)
        self._pending[key] = _Pending(signals, request, target, target.version if target is not None else 0)
        self.statusBar().showMessage(f"Running {request.title}…")
        self._context.pool.start(RoundTripTask(request, key, signals))
        return key

    def _failed(self, text: str) -> None:
        self.message_bar.show_message(text, "error")
        self.sig_run_failed.emit(text)

    # ---- playback (the Diagram menu) -----------------------------------------------------------

    def toggle_play(self) -> None:
        """Play or pause the diagram (Space)."""
        self.diagram.toggle_play()

    def step(self) -> None:
        """Show the next arrow (Right)."""
        self.diagram.step()

    def step_back(self) -> None:
        """Hide the last arrow shown (Left)."""
        self.diagram.step_back()

    def restart(self) -> None:
        """Back to the start (Home)."""
        self.diagram.restart()

    def show_all(self) -> None:
        """Show the whole round trip (End)."""
        self.diagram.show_all()

    def set_animate(self, animate: bool) -> None:
        """Play new round trips from the start (on) or show them complete (off)."""
        self._settings.setValue(_KEY + "animate", animate)

    def animate(self) -> bool:
        """Return whether new round trips are played."""
        return self.menu_actions["animate"].isChecked()

    # ---- export ------------------------------------------------------------------------------

    def export_png(self, path: str) -> None:
        """Write the diagram as PNG (raises OSError when it cannot be written)."""
        self.diagram.export_png(path)

    def export_svg(self, path: str) -> None:
        """Write the diagram as SVG (raises OSError when it cannot be written)."""
        self.diagram.export_svg(path)

    def export_png_dialog(self) -> None:
        """Ask where to save the diagram as PNG and save it (Diagram › Export PNG…)."""
        self._export_dialog("png", "PNG image (*.png)", self.export_png)

    def export_svg_dialog(self) -> None:
        """Ask where to save the diagram as SVG and save it (Diagram › Export SVG…)."""
        self._export_dialog("svg", "SVG drawing (*.svg)", self.export_svg)

    def _export_dialog(self, suffix: str, name_filter: str, write: Callable[[str], None]) -> None:
        trip = self.diagram.trip()
        if trip is None:
            return
        directory = str(self._settings.value(_KEY + "export_directory", str(Path.home())))
        suggested = str(Path(directory) / f"round-trip-{trip.number}.{suffix}")
        path, _ = QFileDialog.getSaveFileName(self, f"Export {suffix.upper()}", suggested, name_filter)
        if not path:
            return
        if not path.lower().endswith(f".{suffix}"):
            path += f".{suffix}"
        try:
            write(path)
        except OSError as exc:
            self.message_bar.show_message(f"Could not export the diagram: {exc}", "error")
            return
        self._settings.setValue(_KEY + "export_directory", str(Path(path).parent))
        self.statusBar().showMessage(f"Exported {Path(path).name}", 5000)

    # ---- Qt overrides ------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Override QObject::eventFilter: when the splitter is resized, keep the diagram whole."""
        if watched is self.splitter and event.type() == QEvent.Type.Resize:
            QTimer.singleShot(0, self._fit_diagram)
        return super().eventFilter(watched, event)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Override QMainWindow::closeEvent: remember the layout, stop playing."""
        self.diagram.pause()
        self._settings.setValue(_KEY + "geometry", self.saveGeometry())
        self._settings.setValue(_KEY + "splitter", self.splitter.saveState())
        self._settings.setValue(_KEY + "right_splitter", self.right_splitter.saveState())
        self._settings.sync()
        super().closeEvent(event)

    # ---- internals ---------------------------------------------------------------------------

    def _toolbar(self) -> None:
        bar = QToolBar("Playback")
        bar.setObjectName("playbackToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for key in ("restart", "step_back", "play", "step", "show_all"):  # toolbar order
            bar.addAction(self.menu_actions[key])
        bar.addWidget(QLabel("  Speed "))
        bar.addWidget(self.speed_combo)
        bar.addWidget(self.position_label)
        bar.addSeparator()
        bar.addAction(self.menu_actions["animate"])
        bar.addSeparator()
        bar.addAction(self.menu_actions["export_png"])
        bar.addAction(self.menu_actions["export_svg"])
        self.addToolBar(bar)
        for key in PLAYBACK_ACTIONS:
            action: QAction = self.menu_actions[key]
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{action.statusTip()} ({keys} in the diagram)")

    def _fit_diagram(self) -> None:
        """Give the controls panel the width the user chose, less what the diagram needs to fit."""
        controls, right = self.splitter.sizes()
        if controls == 0:  # collapsed by the user
            return
        scroll = self.diagram_scroll
        need = self.diagram.minimumWidth() + scroll.verticalScrollBar().sizeHint().width() + 2 * scroll.frameWidth()
        target = max(self.controls_scroll.minimumWidth(), min(self._controls_width, controls + right - need))
        if target != controls:
            self.splitter.setSizes([target, controls + right - target])

    def _on_splitter_moved(self, _position: int, _index: int) -> None:
        controls = self.splitter.sizes()[0]
        if controls > 0:
            self._controls_width = controls

    def _restore(self) -> None:
        geometry = self._settings.value(_KEY + "geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(*DEFAULT_SIZE)
        for key, splitter, sizes in (
            ("splitter", self.splitter, [self._controls_natural, 1000]),
            ("right_splitter", self.right_splitter, [660, 200]),
        ):
            state = self._settings.value(_KEY + key)
            if not (isinstance(state, QByteArray) and splitter.restoreState(state)):
                splitter.setSizes(sizes)
        self.settings_form.set_settings(DEFAULT_RECEIVER)
        toml = self._settings.value(_KEY + "receiver")
        if toml is not None and not (isinstance(toml, str) and not toml.strip()):
            self._restore_receiver(toml)
        self.send_panel.set_timing(
            Timing(
                _number(self._settings.value(_KEY + "latency"), 1.0),
                _number(self._settings.value(_KEY + "timeout"), 60.0),
                _flag(self._settings.value(_KEY + "ack_of_ack"), True),
            )
        )
        speed = _number(self._settings.value(_KEY + "speed"), 1.0)
        self.speed_combo.setCurrentIndex(max(0, self.speed_combo.findData(speed)))
        self.diagram.set_speed(float(self.speed_combo.currentData()))
        self.menu_actions["animate"].setChecked(_flag(self._settings.value(_KEY + "animate"), False))

    def _restore_receiver(self, stored: object) -> None:
        """Show the receiver settings of the last run; stored settings that cannot be used
        (corrupted, or of another version) are reset to the defaults, and the message bar says so."""
        try:
            if not isinstance(stored, str):
                raise SettingsError(f"stored as {type(stored).__name__}, not TOML text")
            self.settings_form.set_settings(settings_from_toml(stored))
        except (SettingsError, ValueError, TypeError, OverflowError, RecursionError, MemoryError) as exc:
            self.settings_form.set_settings(DEFAULT_RECEIVER)
            self._settings.remove(_KEY + "receiver")
            reason = str(exc) or type(exc).__name__
            if len(reason) > 200:
                reason = reason[:200] + "…"
            self.message_bar.show_message(
                f"The receiver settings kept from an earlier run could not be used ({reason}); "
                "the defaults are shown instead.",
                "warning",
            )

    def _remember(self, receiver: ReceiverSettings, timing: Timing) -> None:
        self._settings.setValue(_KEY + "receiver", receiver.to_toml())
        self._settings.setValue(_KEY + "latency", timing.latency)
        self._settings.setValue(_KEY + "timeout", timing.timeout)
        self._settings.setValue(_KEY + "ack_of_ack", timing.ack_of_ack)

    def _on_run_finished(self, trip: RoundTrip) -> None:
        pending = self._pending.pop(trip.number, None)
        if pending is None:
            return
        pending.signals.deleteLater()
        if pending.target is not None and pending.target.version != pending.version:
            # The document was edited while the worker rendered it: send it as it is now.
            self._submit(pending.request, pending.target)
            return
        self._count += 1
        trip = replace(trip, number=self._count)
        self.message_bar.clear()
        row = self.model.add(trip)
        self.diagram.set_trip(trip, animate=self.animate())
        self.table.selectRow(row)
        self.table.resizeColumnsToContents()
        if self.table.columnWidth(MESSAGE_ID) > MESSAGE_ID_WIDTH:
            self.table.setColumnWidth(MESSAGE_ID, MESSAGE_ID_WIDTH)  # elided in the middle; the tooltip has it all
        state = trip.result.conversation.state_label
        self.statusBar().showMessage(
            f"{trip.number}. {trip.title}: {state} (computed in {trip.seconds * 1000:.0f} ms)", 8000
        )
        self.sig_run_finished.emit(trip)

    def _on_run_failed(self, key: int, text: str) -> None:
        pending = self._pending.pop(key, None)
        if pending is not None:
            pending.signals.deleteLater()
            if pending.target is not None and pending.target.version != pending.version:
                # It may have failed on a half-made edit: send the document as it is now.
                self._submit(pending.request, pending.target)
                return
        self.statusBar().clearMessage()
        self._failed(text)

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        trip = self.model.round_trip(current.row())
        if trip is not None and trip is not self.diagram.trip():
            self.diagram.set_trip(trip)

    def _on_row_double_clicked(self, index: QModelIndex) -> None:
        trip = self.model.round_trip(index.row())
        if trip is None:
            return
        self.diagram.set_trip(trip)
        first = next((i for i, a in enumerate(self.diagram.diagram_layout().arrows) if a.event.kind == "message"), None)
        if first is not None:
            self.diagram.open_arrow(first)

    def _on_playback_changed(self, state: PlaybackState) -> None:
        has_trip = self.diagram.trip() is not None
        for key in DIAGRAM_ACTIONS:
            self.menu_actions[key].setEnabled(has_trip and (state.total > 0 or key.startswith("export")))
        self.menu_actions["play"].setText("&Pause" if state.playing else "&Play")
        self.position_label.setText(f"  arrow {state.shown} of {state.total}  " if has_trip else "")

    def _on_speed_changed(self, _index: int) -> None:
        speed = float(self.speed_combo.currentData())
        self.diagram.set_speed(speed)
        self._settings.setValue(_KEY + "speed", speed)


def _number(value: object, default: float) -> float:
    try:
        number = float(value) if value is not None else default  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return default
    return number if math.isfinite(number) else default


def _flag(value: object, default: bool) -> bool:
    if value is None:
        return default
    return value not in (False, "false", 0, "0")
