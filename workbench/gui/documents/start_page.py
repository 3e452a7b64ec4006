"""What the window shows when no message is open: open, new, recent files, samples, drop a file.

The page only asks (signals); the window opens. Files dragged onto the page (or anywhere on the
window) are opened as tabs; the page shows where to drop them and lights up while a drag that
holds FHIR files is over it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent, QFont
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from workbench.core.acks.patterns import Pattern
from workbench.gui.widgets.label_delegate import LabelDelegate
from workbench.gui.widgets.pattern_buttons import pattern_buttons

#: Files the workbench opens when dropped.
OPENABLE_SUFFIXES = (".xml", ".json")
_DROP_STYLE = (
    "QFrame#dropZone {{ border: 2px dashed {border}; border-radius: 8px; background: {background}; }}"
    "QFrame#dropZone QLabel {{ color: #57606a; background: transparent; border: none; }}"
)
_PATH_ROLE = Qt.ItemDataRole.UserRole + 1
_RECENT_ROWS = 10  # the list shows this many without scrolling


def dropped_paths(mime: QMimeData) -> list[str]:
    """Return the FHIR XML and JSON files (local paths) a drag carries."""
    if not mime.hasUrls():
        return []
    paths = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
    return [p for p in paths if p.lower().endswith(OPENABLE_SUFFIXES)]


def _sample_tip(number: int, chosen: Pattern) -> str:
    flags = ", ".join(f for f, on in (("InfAck", chosen.inf_ack), ("BusAck", chosen.bus_ack)) if on) or "no"
    return f"A sample message for pattern {number} ({flags} requested): {chosen.description}"


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setWeight(QFont.Weight.DemiBold)
    font.setPointSizeF(font.pointSizeF() * 1.1)
    label.setFont(font)
    return label


class StartPage(QWidget):
    """The start page.

    Signals:
        sig_open_requested(): Open… was clicked.
        sig_new_requested(): New message was clicked. The window asks which event and sender
            (File › New…) and opens the new message, unsaved.
        sig_recent_requested(str): A recent file was clicked; carries its path.
        sig_sample_requested(str): A response pattern's sample was clicked; carries the
            pattern's key (:data:`~workbench.core.acks.patterns.PATTERNS`).
        sig_files_dropped(object): FHIR files were dropped on the page; carries their paths.

    Args:
        parent: The Qt parent.
    """

    sig_open_requested = Signal()
    sig_new_requested = Signal()
    sig_recent_requested = Signal(str)
    sig_sample_requested = Signal(str)
    sig_files_dropped = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startPage")
        self.setAcceptDrops(True)
        title = QLabel("ITK3 Message Workbench")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setWeight(QFont.Weight.DemiBold)
        title.setFont(font)
        subtitle = QLabel("Open an ITK3 message or Response to inspect and validate it, or start from a sample.")
        subtitle.setStyleSheet("color: #57606a;")
        subtitle.setWordWrap(True)

        self.open_button = QPushButton("Open…")
        self.open_button.setObjectName("startOpen")
        self.open_button.setToolTip("Open FHIR XML or JSON messages (Ctrl+O)")
        self.open_button.clicked.connect(self.sig_open_requested)
        self.new_button = QPushButton("New Message…")
        self.new_button.setObjectName("startNew")
        self.new_button.setToolTip("Start a new ITK3 message: choose its event and sender (Ctrl+N)")
        self.new_button.clicked.connect(self.sig_new_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)

        self.recent_list = QListWidget()
        self.recent_list.setObjectName("recentFiles")
        self.recent_list.setItemDelegate(LabelDelegate(self.recent_list))  # the folder muted
        self.recent_list.setCursor(Qt.CursorShape.PointingHandCursor)
        self.recent_list.setSpacing(3)
        self.recent_list.itemActivated.connect(self._on_recent_activated)
        self.recent_list.itemClicked.connect(self._on_recent_activated)
        self.no_recent = QLabel("No recent files yet.")
        self.no_recent.setStyleSheet("color: #57606a;")

        samples = QGridLayout()
        self.sample_buttons = pattern_buttons(samples, "sample", _sample_tip, self.sig_sample_requested.emit)

        self.drop_zone = QFrame()
        self.drop_zone.setObjectName("dropZone")
        drop_label = QLabel("Drop FHIR XML or JSON files here to open them")
        drop_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        QVBoxLayout(self.drop_zone).addWidget(drop_label)
        self.drop_zone.setMinimumHeight(80)
        self._set_drop_highlight(False)

        body = QWidget()
        body.setMaximumWidth(760)
        column = QVBoxLayout(body)
        column.setSpacing(10)
        column.addWidget(title)
        column.addWidget(subtitle)
        column.addSpacing(6)
        column.addLayout(buttons)
        column.addSpacing(10)
        column.addWidget(_heading("Recent files"))
        column.addWidget(self.recent_list)
        column.addWidget(self.no_recent)
        column.addSpacing(10)
        column.addWidget(_heading("Samples, one per response pattern"))
        note = QLabel("Each opens as a new message, not saved yet, with the handling flags its pattern needs.")
        note.setStyleSheet("color: #57606a;")
        note.setWordWrap(True)
        column.addWidget(note)
        column.addLayout(samples)
        column.addSpacing(10)
        column.addWidget(self.drop_zone)
        column.addStretch(1)
        centred = QWidget()
        row = QHBoxLayout(centred)
        row.addStretch(1)
        row.addWidget(body, 4)
        row.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(centred)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 24, 0, 0)
        layout.addWidget(scroll)
        self.set_recent([])

    # ---------------------------------------------------------------------------------- API

    def set_recent(self, paths: list[str]) -> None:
        """List the recent files, most recent first (name shown, full path in the tooltip)."""
        self.recent_list.clear()
        for path in paths:
            item = QListWidgetItem(f"{Path(path).name} · {Path(path).parent}")
            item.setData(_PATH_ROLE, path)
            item.setToolTip(path)
            self.recent_list.addItem(item)
        rows = max(1, min(len(paths), _RECENT_ROWS))
        frame = 2 * self.recent_list.frameWidth()
        row = self.recent_list.sizeHintForRow(0) + 2 * self.recent_list.spacing()
        self.recent_list.setFixedHeight(rows * row + frame + 2 if paths else 0)
        self.recent_list.setVisible(bool(paths))
        self.no_recent.setVisible(not paths)

    def recent_paths(self) -> list[str]:
        """Return the files listed, in order."""
        return [str(self.recent_list.item(row).data(_PATH_ROLE)) for row in range(self.recent_list.count())]

    # ------------------------------------------------------------------------ Qt overrides

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Override QWidget::dragEnterEvent: accept FHIR files and light the drop zone up."""
        if dropped_paths(event.mimeData()):
            event.acceptProposedAction()
            self._set_drop_highlight(True)
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        """Override QWidget::dragLeaveEvent."""
        self._set_drop_highlight(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        """Override QWidget::dropEvent: ask to open the FHIR files dropped."""
        self._set_drop_highlight(False)
        paths = dropped_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.sig_files_dropped.emit(paths)

    # ---------------------------------------------------------------------------- helpers

    def _set_drop_highlight(self, on: bool) -> None:
        border, background = ("#0969da", "#ddf4ff") if on else ("#d0d7de", "#f6f8fa")
        self.drop_zone.setStyleSheet(_DROP_STYLE.format(border=border, background=background))

    def _on_recent_activated(self, item: QListWidgetItem) -> None:
        self.sig_recent_requested.emit(str(item.data(_PATH_ROLE)))
