"""Saving an open message as FHIR XML or JSON (File › Save As XML / JSON).

The user is asked where (the file dialog of :mod:`workbench.gui.widgets.dialogs`, which tests
replace); the session writes the file atomically and makes it the message's file, and tells
its observers (the tab's title and mark, the Original view, validation follow).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QWidget

from workbench.core.codecs import xml_only_details
from workbench.core.session import MessageSession
from workbench.gui.widgets import dialogs


@dataclass(frozen=True, slots=True)
class Saved:
    """A message saved.

    Attributes:
        path: The file written.
        size: Its size in bytes.
    """

    path: str
    size: int


def suggested_name(session: MessageSession, syntax: str) -> str:
    """A file name for saving a message as ``syntax``: its own name with that extension."""
    stem = Path(session.path).stem if session.path else "message"
    return f"{stem}.{syntax}"


def save_as(parent: QWidget, session: MessageSession, syntax: str, directory: str) -> Saved | None:
    """Ask where to save a message as ``syntax`` and save it there; None when cancelled.

    For JSON of a message with XML-only details (comments, namespace details) the dialog offers
    to keep them in ``@xml`` and ``fhir_comments`` members.

    Raises:
        OSError: the file cannot be written.
        WorkbenchError: the tree cannot be written in that syntax.
    """
    document = session.document
    if document is None:
        return None
    offer = syntax == "json" and xml_only_details(document) > 0
    suggested = str(Path(directory) / suggested_name(session, syntax))
    target = dialogs.ask_save_target(parent, syntax, suggested, offer)
    if target is None:
        return None
    size = session.save(target.path, syntax, keep_xml=target.keep_xml)
    return Saved(target.path, size)
