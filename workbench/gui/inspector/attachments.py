"""Opening or saving a message's attachments (a Binary, or an Attachment element's data).

Saves are atomic (:func:`workbench.core.files.atomic_write`): the file is either the old one or
the new one, never half written. Attachments open with the system's viewer from a private
temporary folder.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from workbench.core.files import atomic_write
from workbench.core.itk3.view import Attachment


def save_attachment(attachment: Attachment, path: str) -> int:
    """Write an attachment's decoded bytes to a file; return how many.

    Raises:
        ValueError: the attachment's base64 text is not valid.
        OSError: the file cannot be written.
    """
    data = attachment.data()
    if data is None:
        raise ValueError("the attachment's base64 data is not valid, so it cannot be decoded")
    atomic_write(path, data)
    return len(data)


def attachment_temp_path(attachment: Attachment) -> Path:
    """Write an attachment to this process's temporary folder and return the file's path.

    Raises:
        ValueError: the attachment's base64 text is not valid.
    """
    folder = Path(tempfile.gettempdir()) / f"itk-workbench-{os.getpid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    target = folder / attachment.suggested_name
    save_attachment(attachment, str(target))
    return target


def open_url(url: QUrl) -> bool:
    """Ask the desktop to open a URL (tests replace this)."""
    return QDesktopServices.openUrl(url)


def open_attachment(attachment: Attachment) -> Path:
    """Open an attachment with the system's viewer; return the temporary file opened.

    Raises:
        ValueError: the attachment cannot be decoded.
        OSError: the desktop has no viewer for it or the file cannot be written.
    """
    target = attachment_temp_path(attachment)
    if not open_url(QUrl.fromLocalFile(str(target))):
        raise OSError(f"no application is set up to open {target.name}")
    return target
