"""File › Attach… and files dropped on a tab: payloads and attachments added to a message.

Files are read off the GUI thread (:class:`ReadFilesTask`): each is either a FHIR resource (a
document or other Bundle, a single resource, in XML or JSON; it becomes the payload, converted
to the message's syntax) or any other file (a PDF, an image, text, Word; it becomes an ITK
attachment Binary with its type told from its bytes). The core makes the edit for each file
(:func:`~workbench.core.compose.payload.attach_payload`, :func:`~.payload.attach_file`), and
the session applies it: one undo step per file. What was done and what a receiver would object
to (20015 past the size limit, 20004 for an unapproved type) go to the message bar.

A drop on a tab (its page or its tab in the tab bar) offers a small menu: open the files in
new tabs, or attach them to that message. A third group is left for entries other features add
(:func:`drop_menu`'s ``extra``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QRunnable, Qt
from PySide6.QtWidgets import QMenu, QTabWidget, QWidget

from workbench.core.acks.settings import ReceiverSettings
from workbench.core.codecs import read_file_bytes
from workbench.core.compose.payload import Attached, attach_file, attach_payload, read_fhir_file
from workbench.core.compose.skeleton import ComposeError
from workbench.core.edits import EditError
from workbench.core.errors import ReadError
from workbench.core.itk3.view import message_view
from workbench.core.session import MessageSession
from workbench.core.tree import Document
from workbench.gui.documents.start_page import OPENABLE_SUFFIXES
from workbench.gui.documents.tab import MessageTab
from workbench.gui.tasks import TaskFailure, TaskSignals

log = logging.getLogger(__name__)


def local_files(mime: QMimeData) -> list[str]:
    """Return every local file a drag carries (any type: attachments need not be FHIR)."""
    if not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile() and Path(url.toLocalFile()).is_file()]


def tab_at(tabs: QTabWidget, point: QPoint) -> MessageTab | None:
    """Return the message tab under a global point: its tab in the tab bar, or the page shown."""
    if not tabs.isVisible():
        return None
    bar = tabs.tabBar()
    local = bar.mapFromGlobal(point)
    if bar.rect().contains(local):
        widget = tabs.widget(bar.tabAt(local))
        return widget if isinstance(widget, MessageTab) else None
    page = tabs.currentWidget()
    if isinstance(page, MessageTab) and page.rect().contains(page.mapFromGlobal(point)):
        return page
    return None


def can_attach(session: MessageSession | None) -> str | None:
    """Why files cannot be attached to a message (None when they can)."""
    if session is None or session.document is None:
        return "the message could not be read"
    view = session.labels.view if session.labels is not None else message_view(session.document)
    if view is None or not view.is_message:
        return "it is not an ITK3 message (a Bundle whose first entry is a MessageHeader)"
    if view.is_response:
        return "an ITK Response carries no payload"
    return None


def drop_menu(
    parent: QWidget,
    tab: MessageTab,
    paths: Sequence[str],
    open_files: Callable[[list[str]], object],
    attach: Callable[[MessageTab, list[str]], object],
    extra: Sequence[tuple[str, Callable[[], object]]] = (),
) -> QMenu:
    """The menu a drop on a message's tab offers (shown with ``popup``, so nothing blocks).

    Args:
        parent: The menu's parent.
        tab: The tab dropped on.
        paths: The files dropped.
        open_files: Opens files in new tabs.
        attach: Attaches files to a tab's message.
        extra: More entries (text, what it does), in a group of their own after the two.
    """
    menu = QMenu(parent)
    menu.setObjectName("dropMenu")
    menu.setToolTipsVisible(True)
    menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    fhir = [p for p in paths if p.lower().endswith(OPENABLE_SUFFIXES)]
    opening = menu.addAction("Open in a New Tab" if len(fhir) <= 1 else f"Open {len(fhir)} Files in New Tabs")
    opening.setObjectName("dropOpen")
    opening.setEnabled(bool(fhir))
    opening.setToolTip(
        "Open the FHIR XML or JSON files dropped" if fhir else "Only FHIR XML or JSON files open in tabs"
    )
    opening.triggered.connect(lambda _checked=False: open_files(list(fhir)))
    why = can_attach(tab.session)
    attaching = menu.addAction(f"Attach to {tab.name()}")
    attaching.setObjectName("dropAttach")
    attaching.setEnabled(why is None)
    attaching.setToolTip(
        f"Not here: {why}" if why else "FHIR files become the payload; other files attachment Binaries"
    )
    attaching.triggered.connect(lambda _checked=False: attach(tab, list(paths)))
    if extra:
        menu.addSeparator()
        for text, run in extra:
            menu.addAction(text).triggered.connect(lambda _checked=False, run=run: run())
    return menu


# ---- reading files off the GUI thread ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileRead:
    """One file read for attaching.

    Attributes:
        path: The file.
        data: Its bytes (None when it could not be read).
        payload: The FHIR resource it holds, when it is one.
        problem: Why it cannot be attached, or None.
    """

    path: str
    data: bytes | None
    payload: Document | None = None
    problem: str | None = None

    @property
    def name(self) -> str:
        """The file's name."""
        return Path(self.path).name


@dataclass(frozen=True, slots=True)
class FilesRead:
    """Files read for one attach, in the order given.

    Attributes:
        generation: The request the result answers.
        files: Each file read.
    """

    generation: int
    files: tuple[FileRead, ...] = field(default=())


class ReadFilesTask(QRunnable):
    """Read files and tell FHIR payloads from other files (called on a pool thread)."""

    def __init__(self, paths: list[str], generation: int, signals: TaskSignals) -> None:
        super().__init__()
        self.paths = paths
        self.generation = generation
        self.signals = signals

    def run(self) -> None:
        """Read each file."""
        try:
            files = tuple(read_one(path) for path in self.paths)
        except Exception as exc:  # a worker must report every failure, in words, never crash
            log.exception("reading files to attach failed")
            self.signals.sig_task_failed.emit(
                TaskFailure(self.generation, None, f"{type(exc).__name__}: {exc}", "attach")
            )
            return
        self.signals.sig_result_ready.emit(FilesRead(self.generation, files))


def read_one(path: str) -> FileRead:
    """Read one file: its bytes, and the FHIR resource it holds if it is one."""
    try:
        data = read_file_bytes(path)
    except ReadError as exc:
        return FileRead(path, None, problem=str(exc))
    try:
        payload = read_fhir_file(data, Path(path).name)
    except ComposeError as exc:
        return FileRead(path, data, problem=str(exc))
    return FileRead(path, data, payload)


def attach_read(session: MessageSession, found: FileRead) -> Attached:
    """The edit that attaches one file read to the session's message (not applied).

    Raises:
        ComposeError: the file could not be read, or has no place in this message.
    """
    document = session.document
    if document is None:
        raise ComposeError(f"{session.name} could not be read, so nothing can be attached to it")
    if found.problem is not None or found.data is None:
        raise ComposeError(found.problem or f"{found.name} could not be read")
    if found.payload is not None:
        return attach_payload(document, found.payload)
    return attach_file(document, found.data, found.name, limit=ReceiverSettings().size_limit)


def apply_attached(session: MessageSession, found: FileRead) -> Attached:
    """Attach one file read to the session's message, undoably; return what was done.

    Raises:
        ComposeError: the file has no place in this message (or could not be read).
    """
    attached = attach_read(session, found)
    try:
        session.apply(attached.edit)
    except EditError as exc:
        raise ComposeError(f"{found.name} could not be attached: {exc}") from None
    return attached


__all__ = [
    "FileRead",
    "FilesRead",
    "ReadFilesTask",
    "apply_attached",
    "attach_read",
    "can_attach",
    "drop_menu",
    "local_files",
    "read_one",
    "tab_at",
]
