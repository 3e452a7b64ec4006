"""Helpers the compose GUI tests share: new messages, the header form, waiting for validation."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from workbench.core.compose.skeleton import MessageSpec
from workbench.gui.compose.header_form import HeaderFormPanel
from workbench.gui.compose.new_dialog import NewMessageRequest
from workbench.gui.documents.tab import MessageTab
from workbench.gui.main_window import MainWindow

VALIDATION_TIMEOUT_MS = 30_000
OPL_DOCUMENT = "STU3-FHIR-Assets/Examples/ITK-OPL-Document-Bundle-1-Example-1.xml"


def new_tab(window: MainWindow, event: str = "ITK003D", syntax: str = "xml", **spec: object) -> MessageTab:
    """Make a new message as File › New… does (the dialog's Create) and return its tab."""
    tab = window.composer.create(NewMessageRequest(MessageSpec(event, **spec), syntax))  # type: ignore[arg-type]
    assert tab is not None and tab is window.current_tab()
    return tab


def form_of(window: MainWindow, tab: MessageTab | None = None) -> HeaderFormPanel:
    """Return the header form of a tab (the tab shown by default)."""
    chosen = tab or window.current_tab()
    assert chosen is not None
    form = window.composer.header_form(chosen)
    assert form is not None
    return form


def choose(combo: QComboBox, data: object) -> None:
    """Choose a combo box entry by its data, as a user's click on it does (``activated``)."""
    index = combo.findData(data)
    assert index >= 0, f"{data!r} is not offered"
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def wait_validated(qtbot: QtBot, tab: MessageTab) -> None:
    """Wait until the tab's message as it is now has been validated."""
    qtbot.waitUntil(
        lambda: not tab.validation.is_busy() and tab.session is not None and tab.session.report_current,
        timeout=VALIDATION_TIMEOUT_MS,
    )
