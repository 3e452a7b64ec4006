"""Helpers shared by the GUI tests: building a window, opening files, finding rows."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QModelIndex
from pytestqt.qtbot import QtBot

from workbench.core.tree import Node
from workbench.gui.context import AppContext
from workbench.gui.main_window import MainWindow
from workbench.gui.models.message_tree_model import MessageTreeModel

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


def open_and_wait(qtbot: QtBot, window: MainWindow, path: Path | str) -> None:
    """Open a file the way File › Open does and wait until it is shown."""
    with qtbot.waitSignal(window.sig_document_loaded, timeout=LOAD_TIMEOUT_MS):
        window.open_file(str(path))


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
