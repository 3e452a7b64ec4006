"""Autosave: unsaved edits kept on disk, so a crash or a kill loses nothing.

The desktop application runs the timer (every few seconds); the core does the rest. An
:class:`AutosaveStore` writes each modified :class:`~workbench.core.session.MessageSession` to
one file under the user's data directory, keyed by :attr:`MessageSession.key`, atomically (the
file is the previous autosave or the new one, never half of one), and only when the message
changed since its last autosave. At the next start :meth:`AutosaveStore.entries` lists what was
left behind; :meth:`AutosaveStore.recover` gives a session holding those edits (unsaved, with
the file it came from, so Save writes there); :meth:`AutosaveStore.discard` forgets one (after
a save, a close, or when the user declines the offer).

An autosave file is JSON: the session's key, name, path, syntax, edit version and time, and the
message as it was then (FHIR text, XML-only details kept). A file that cannot be read is listed
with the reason instead of breaking the start.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from workbench.core.codecs import read_bytes
from workbench.core.errors import ReadError, WorkbenchError
from workbench.core.files import atomic_write
from workbench.core.session import MessageSession

FORMAT = 1
SUFFIX = ".autosave.json"
_SAFE_KEY = re.compile(r"[A-Za-z0-9_-]{1,80}")


class AutosaveError(WorkbenchError):
    """An autosave that cannot be written or recovered; the text says which and why."""


def data_directory() -> Path:
    """The user's data directory for the workbench.

    ``$ITK_WORKBENCH_HOME`` when set (tests use it); else ``$XDG_DATA_HOME/itk-workbench``
    (``~/.local/share/itk-workbench``) on Linux, ``%LOCALAPPDATA%`` on Windows, ``~/Library/
    Application Support`` on macOS.
    """
    home = os.environ.get("ITK_WORKBENCH_HOME")
    if home:
        return Path(home)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "itk-workbench"


@dataclass(frozen=True, slots=True)
class Autosaved:
    """One autosave left on disk.

    Attributes:
        key: the session's key.
        name: the message's name (its file name, or "New ITK003D message").
        path: the file it was opened from or saved to, if any.
        syntax: ``xml`` or ``json``.
        saved_at: when it was written (ISO 8601, UTC).
        version: the session's edit version then.
        size: the message's size in bytes.
        file: the autosave file.
        problem: why it cannot be recovered, or None.
    """

    key: str
    name: str
    path: str | None
    syntax: str
    saved_at: str
    version: int
    size: int
    file: Path
    problem: str | None = None

    @property
    def label(self) -> str:
        """``letter.xml (edited, autosaved 2024-03-01 09:30 UTC)``."""
        when = self.saved_at[:16].replace("T", " ")
        return f"{self.name} (unsaved edits, autosaved {when} UTC)"


class AutosaveStore:
    """Autosave files in one folder (default: ``<data directory>/autosave``).

    Args:
        folder: where the files go.
    """

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else data_directory() / "autosave"
        self._versions: dict[str, int] = {}

    def file_for(self, key: str) -> Path:
        """The autosave file of a session key."""
        if not _SAFE_KEY.fullmatch(key):
            raise AutosaveError(f"{key!r} is not a session key an autosave file can be named after")
        return self.folder / f"{key}{SUFFIX}"

    # ---- writing ----------------------------------------------------------------------------

    def record(self, session: MessageSession) -> bytes:
        """The autosave file's bytes for the session's message as it is now (nothing is written).

        Only reads the session, so it may run off the thread that edits it; a caller doing so
        writes the result (:meth:`write`) only when the session's version is still the one the
        record holds (an edit made meanwhile makes it stale).

        Raises:
            AutosaveError: the message cannot be read as one, or cannot be written as text.
        """
        if session.document is None:
            raise AutosaveError(f"{session.name} could not be read, so there are no edits to keep")
        version = session.version
        try:
            data = session.render(keep_xml=True)
        except WorkbenchError as exc:
            raise AutosaveError(f"{session.name}: {exc}") from None
        record = {
            "format": FORMAT,
            "key": session.key,
            "name": session.name,
            "path": session.path,
            "syntax": session.syntax,
            "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "version": version,
            "content": data.decode("utf-8"),
        }
        return json.dumps(record, ensure_ascii=False).encode("utf-8")

    def write(self, key: str, version: int, record: bytes, name: str = "the message") -> Path:
        """Write a record made by :meth:`record` (atomically) for the session ``key`` at ``version``.

        Raises:
            AutosaveError: the file cannot be written.
        """
        target = self.file_for(key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(target, record)
        except OSError as exc:
            raise AutosaveError(f"cannot write the autosave of {name} to {target}: {exc.strerror or exc}") from None
        self._versions[key] = version
        return target

    def save(self, session: MessageSession) -> Path:
        """Write the session's message as it is now (atomically); return the file.

        Raises:
            AutosaveError: the message cannot be read as one, or the file cannot be written.
        """
        return self.write(session.key, session.version, self.record(session), session.name)

    def needs_saving(self, session: MessageSession) -> bool:
        """True when the session has unsaved edits that changed since its last autosave."""
        if session.document is None or not session.modified:
            return False
        return not (self._versions.get(session.key) == session.version and self.file_for(session.key).exists())

    def is_stale(self, session: MessageSession) -> bool:
        """True when the session has an autosave but no unsaved edits any more (saved, or undone)."""
        if session.document is None or session.modified:
            return False
        return session.key in self._versions or self.file_for(session.key).exists()

    def save_modified(self, sessions: Iterable[MessageSession]) -> list[Path]:
        """Autosave every session with unsaved edits that changed since its last autosave.

        A session without unsaved edits has its autosave discarded (it was saved, or its edits
        undone). Returns the files written; one that fails is skipped (the next tick retries).
        """
        written = []
        for session in sessions:
            if self.is_stale(session):
                self.discard(session.key)
            if not self.needs_saving(session):
                continue
            try:
                written.append(self.save(session))
            except AutosaveError:
                continue
        return written

    def discard(self, key: str) -> None:
        """Forget a session's autosave (after a save or close, or when the offer is declined)."""
        self._versions.pop(key, None)
        self.file_for(key).unlink(missing_ok=True)

    # ---- reading ----------------------------------------------------------------------------

    def entries(self) -> list[Autosaved]:
        """The autosaves on disk, newest first."""
        if not self.folder.is_dir():
            return []
        found = [self._entry(file) for file in self.folder.glob(f"*{SUFFIX}")]
        return sorted(found, key=lambda e: e.saved_at, reverse=True)

    def _entry(self, file: Path) -> Autosaved:
        key = file.name[: -len(SUFFIX)]
        try:
            record = json.loads(file.read_text(encoding="utf-8"))
            if record.get("format") != FORMAT or not isinstance(record.get("content"), str):
                raise ValueError("it is not a workbench autosave")
            return Autosaved(
                key,
                str(record.get("name") or key),
                record.get("path"),
                str(record.get("syntax") or "xml"),
                str(record.get("saved_at") or ""),
                int(record.get("version") or 0),
                len(record["content"].encode("utf-8")),
                file,
            )
        except (OSError, ValueError, TypeError) as exc:
            return Autosaved(key, key, None, "xml", "", 0, 0, file, problem=f"cannot be read ({exc})")

    def recover(self, entry: Autosaved | str) -> MessageSession:
        """A session holding the autosaved edits: unsaved, same key, name and file.

        Raises:
            AutosaveError: the autosave cannot be read (the message names the file).
        """
        found = entry if isinstance(entry, Autosaved) else self._entry(self.file_for(entry))
        if found.problem is not None:
            raise AutosaveError(f"the autosave {found.file} {found.problem}")
        try:
            record = json.loads(found.file.read_text(encoding="utf-8"))
            data = record["content"].encode("utf-8")
            document = read_bytes(data, found.path, found.syntax)
        except (OSError, ValueError, KeyError) as exc:
            raise AutosaveError(f"the autosave {found.file} cannot be read ({exc})") from None
        except ReadError as exc:
            raise AutosaveError(f"the autosave {found.file} holds no readable message ({exc.message})") from None
        document.path = found.path
        session = MessageSession.from_document(document, found.name, key=found.key)
        session.path = found.path
        self._versions[found.key] = -1  # recovered edits are unsaved: the next tick writes them again
        return session
