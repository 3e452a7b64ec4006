"""Helpers shared by the GUI tests: building a window, opening files, the panels shown, finding rows."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QMimeData, QModelIndex, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from pytestqt.qtbot import QtBot

from workbench.core.session import MessageSession
from workbench.core.tree import Document, Node
from workbench.gui.context import AppContext
from workbench.gui.documents.tab import MessageTab
from workbench.gui.inspector.inspector import Inspector
from workbench.gui.inspector.tree_model import MessageTreeModel
from workbench.gui.inspector.validation import ValidationController
from workbench.gui.main_window import MainWindow
from workbench.gui.simulate.window import SimulateWindow

LOAD_TIMEOUT_MS = 30_000
HANDLING = "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-ITK-MessageHandling-2"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 64


def make_window(qtbot: QtBot) -> MainWindow:
    """Build a main window with a fresh context (settings under ITK_WORKBENCH_HOME) and show it."""
    window = MainWindow(AppContext())
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    return window


def make_simulate_window(qtbot: QtBot) -> SimulateWindow:
    """Build a Simulate window with a fresh context and show it."""
    simulate = SimulateWindow(AppContext())
    qtbot.addWidget(simulate)
    simulate.resize(1400, 900)
    simulate.show()
    qtbot.waitExposed(simulate)
    return simulate


def open_and_wait(qtbot: QtBot, window: MainWindow, path: Path | str) -> MessageTab:
    """Open a file the way File › Open does and wait until its tab shows it; return the tab."""
    with qtbot.waitSignal(window.sig_message_opened, timeout=LOAD_TIMEOUT_MS) as blocker:
        window.open_file(str(path))
    tab = blocker.args[0]
    assert tab is window.current_tab()
    return tab


def shown(window: MainWindow) -> Inspector:
    """Return the panels of the tab shown."""
    tab = window.current_tab()
    assert tab is not None and tab.inspector is not None
    return tab.inspector


def session_of(window: MainWindow) -> MessageSession:
    """Return the session of the tab shown."""
    tab = window.current_tab()
    assert tab is not None and tab.session is not None
    return tab.session


def document_of(window: MainWindow) -> Document | None:
    """Return the tree of the message shown (None when it could not be read)."""
    tab = window.current_tab()
    return tab.session.document if tab is not None and tab.session is not None else None


def validation_of(window: MainWindow) -> ValidationController:
    """Return the validation controller of the tab shown."""
    tab = window.current_tab()
    assert tab is not None
    return tab.validation


def drag_enter(*paths: Path | str) -> QDragEnterEvent:
    """A drag of these files entering a widget (copy, left button)."""
    mime = _files(paths)
    event = QDragEnterEvent(
        QPoint(40, 40), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    event.mime = mime  # the event only points at its data: keep the data alive as long as the event
    return event


def drop(*paths: Path | str) -> QDropEvent:
    """A drop of these files on a widget (copy, left button)."""
    mime = _files(paths)
    event = QDropEvent(
        QPointF(40, 40), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    event.mime = mime  # as above
    return event


def _files(paths: tuple[Path | str, ...]) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    return mime


def walk(model: MessageTreeModel, parent: QModelIndex | None = None) -> Iterator[QModelIndex]:
    """Yield every index of the model, depth first, through the Qt model API only."""
    parent = parent or QModelIndex()
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        yield index
        yield from walk(model, index)


def labels(model: MessageTreeModel) -> list[str]:
    """Return the labels of every row."""
    return [model.data(index) for index in walk(model)]


def index_labelled(model: MessageTreeModel, text: str) -> QModelIndex:
    """Return the first row whose label starts with ``text``."""
    for index in walk(model):
        if str(model.data(index)).startswith(text):
            return index
    raise AssertionError(f"no row labelled {text!r}")


def node_labelled(model: MessageTreeModel, text: str) -> Node:
    """Return the node of the first row whose label starts with ``text``."""
    node = model.node(index_labelled(model, text))
    assert node is not None
    return node


def message_with_binary(data: bytes = PDF) -> bytes:
    """Return a small ITK3 message whose document payload carries a PDF Binary."""
    content = base64.b64encode(data).decode()
    return f"""<Bundle xmlns="http://hl7.org/fhir">
  <id value="msg-1"/>
  <type value="message"/>
  <entry>
    <fullUrl value="urn:uuid:mh-1"/>
    <resource>
      <MessageHeader>
        <id value="mh-1"/>
        <extension url="{HANDLING}">
          <extension url="BusAckRequested"><valueBoolean value="false"/></extension>
          <extension url="InfAckRequested"><valueBoolean value="true"/></extension>
        </extension>
        <event>
          <system value="https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2"/>
          <code value="ITK007C"/>
          <display value="ITK GP Connect Send Document"/>
        </event>
        <sender><reference value="urn:uuid:org-1"/></sender>
        <timestamp value="2024-03-01T09:30:00Z"/>
        <source><endpoint value="X26OT112"/></source>
        <focus><reference value="urn:uuid:doc-1"/></focus>
      </MessageHeader>
    </resource>
  </entry>
  <entry>
    <fullUrl value="urn:uuid:org-1"/>
    <resource>
      <Organization>
        <id value="org-1"/>
        <identifier><system value="https://fhir.nhs.uk/Id/ods-organization-code"/><value value="RY6"/></identifier>
      </Organization>
    </resource>
  </entry>
  <entry>
    <fullUrl value="urn:uuid:doc-1"/>
    <resource>
      <Bundle>
        <id value="doc-1"/>
        <type value="document"/>
        <entry>
          <fullUrl value="urn:uuid:bin-1"/>
          <resource>
            <Binary>
              <id value="bin-1"/>
              <contentType value="application/pdf"/>
              <content value="{content}"/>
            </Binary>
          </resource>
        </entry>
      </Bundle>
    </resource>
  </entry>
</Bundle>
""".encode()


def message_with_recipient_type(recipient_type: str = "FA") -> bytes:
    """Return a small ITK3 message (ITK007C) that a receiver accepts when ``recipient_type`` is FA.

    With any other code it answers 10010 (RecipientType must be FA or FI).
    """
    return f"""<Bundle xmlns="http://hl7.org/fhir">
  <id value="5e6a3c1b-8d3f-4c2a-9b1e-2f4d6a8c0e11"/>
  <meta>
    <profile value="https://fhir.nhs.uk/STU3/StructureDefinition/ITK-Message-Bundle-1"/>
  </meta>
  <identifier>
    <value value="7a1c2e3d-4b5f-4a6b-8c7d-9e0f1a2b3c4d"/>
  </identifier>
  <type value="message"/>
  <entry>
    <fullUrl value="urn:uuid:3f1a8b2c-6d4e-4f5a-9b8c-7d6e5f4a3b2c"/>
    <resource>
      <MessageHeader>
        <id value="3f1a8b2c-6d4e-4f5a-9b8c-7d6e5f4a3b2c"/>
        <meta>
          <profile value="https://fhir.nhs.uk/STU3/StructureDefinition/ITK-MessageHeader-2"/>
        </meta>
        <extension url="{HANDLING}">
          <extension url="BusAckRequested"><valueBoolean value="true"/></extension>
          <extension url="InfAckRequested"><valueBoolean value="true"/></extension>
          <extension url="RecipientType">
            <valueCoding>
              <system value="https://fhir.nhs.uk/STU3/CodeSystem/ITK-RecipientType-1"/>
              <code value="{recipient_type}"/>
              <display value="For Action"/>
            </valueCoding>
          </extension>
          <extension url="MessageDefinition">
            <valueReference>
              <reference value="https://fhir.nhs.uk/STU3/MessageDefinition/ITK-GPConnectSendDocument-MessageDefinition-1"/>
            </valueReference>
          </extension>
          <extension url="SenderReference"><valueString value="None"/></extension>
          <extension url="LocalExtension"><valueString value="None"/></extension>
        </extension>
        <event>
          <system value="https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2"/>
          <code value="ITK007C"/>
          <display value="ITK GP Connect Send Document"/>
        </event>
        <sender><reference value="urn:uuid:8c9d0e1f-2a3b-4c4d-8e5f-6a7b8c9d0e1f"/></sender>
        <timestamp value="2024-03-01T09:30:00+00:00"/>
        <source><endpoint value="X26OT112"/></source>
        <focus><reference value="urn:uuid:1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"/></focus>
      </MessageHeader>
    </resource>
  </entry>
  <entry>
    <fullUrl value="urn:uuid:8c9d0e1f-2a3b-4c4d-8e5f-6a7b8c9d0e1f"/>
    <resource>
      <Organization>
        <id value="8c9d0e1f-2a3b-4c4d-8e5f-6a7b8c9d0e1f"/>
        <identifier>
          <system value="https://fhir.nhs.uk/Id/ods-organization-code"/>
          <value value="RY6"/>
        </identifier>
      </Organization>
    </resource>
  </entry>
  <entry>
    <fullUrl value="urn:uuid:1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"/>
    <resource>
      <Bundle>
        <id value="1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"/>
        <identifier>
          <system value="https://tools.ietf.org/html/rfc4122"/>
          <value value="2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"/>
        </identifier>
        <type value="document"/>
        <entry>
          <fullUrl value="urn:uuid:4d5e6f7a-8b9c-4d0e-8f1a-2b3c4d5e6f7a"/>
          <resource>
            <Composition>
              <id value="4d5e6f7a-8b9c-4d0e-8f1a-2b3c4d5e6f7a"/>
              <status value="final"/>
              <type><text value="Letter"/></type>
              <subject><display value="Test Patient"/></subject>
              <date value="2024-03-01T09:30:00+00:00"/>
              <author><display value="Dr Test"/></author>
              <title value="Letter"/>
            </Composition>
          </resource>
        </entry>
      </Bundle>
    </resource>
  </entry>
</Bundle>
""".encode()
