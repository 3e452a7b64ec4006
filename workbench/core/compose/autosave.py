"""Autosave: unsaved edits kept on disk, so a crash or a kill loses nothing.

The desktop application runs the timer (every few seconds); the core does the rest. An
:class:`AutosaveStore` writes each modified :class:`~workbench.core.session.MessageSession` to
one file under the user's data directory, keyed by :attr:`MessageSession.key`, atomically (the
file is the previous autosave or the new one, never half of one), and only when the message
changed since its last autosave. At the next start :meth:`AutosaveStore.entries` lists what was
left behind; :meth:`AutosaveStore.recover` gives a session holding those edits (unsaved, with
the file it came from, so Save writes there); :meth:`AutosaveStore.discard` forgets one (after
a save, a close, or when the user declines the offer).

An autosave file is JSON: the session's key, name, path, syntax, edit version and time, the
workbench that wrote it (its owner) and the message as it was then (FHIR text, XML-only details
kept). A file that cannot be read is listed with the reason instead of breaking the start.

A crashed run and a second workbench still running look alike on disk, so each running
workbench holds an operating-system lock on a file of its own (``owners/<owner>.lock``) from
its first autosave until it ends. The lock goes with the process, however it ends: an autosave
whose owner's lock can be taken was left by a run that ended (:attr:`Autosaved.held` is False,
and it is offered back); one whose owner's lock is held belongs to a workbench still open, and
is not offered (restoring it would make two windows edit one message).
"""

from __future__ import annotations

import json
import os
import re
import sys
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from workbench.core.codecs import read_bytes
from workbench.core.errors import ReadError, WorkbenchError
from workbench.core.files import atomic_write
from workbench.core.session import MessageSession

if sys.platform == "win32":  # pragma: no cover - CI runs Linux
    import msvcrt
else:
    import fcntl

FORMAT = 1
SUFFIX = ".autosave.json"
_SAFE_KEY = re.compile(r"[A-Za-z0-9_-]{1,80}")
#: This process's owner name: the autosaves it writes say so.
OWNER = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
#: The owner lock files this process holds, by folder (open, locked, until the process ends).
_HELD: dict[Path, object] = {}


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
        owner: the workbench that wrote it ('' for an autosave from before owners were kept).
        held: True while that workbench is still running (another window's unsaved edits).
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
    owner: str = ""
    held: bool = False

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
            "owner": OWNER,
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
            _hold(self.folder)
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
        """The autosaves on disk, newest first (those of a workbench still running marked ``held``)."""
        if not self.folder.is_dir():
            return []
        found = [self._entry(file) for file in self.folder.glob(f"*{SUFFIX}")]
        alive = {o: _is_running(self.folder, o) for o in {e.owner for e in found}}
        found = [replace(e, held=alive[e.owner]) if alive[e.owner] else e for e in found]
        return sorted(found, key=lambda e: e.saved_at, reverse=True)

    def left_behind(self) -> list[Autosaved]:
        """The autosaves of runs that ended (crashed, killed): what to offer back, newest first."""
        return [e for e in self.entries() if not e.held]

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
                owner=str(record.get("owner") or ""),
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


def _hold(folder: Path) -> None:
    """Take this process's owner lock in ``folder`` (once; held until the process ends)."""
    if folder in _HELD:
        return
    owners = folder / "owners"
    owners.mkdir(exist_ok=True)
    path = owners / f"{OWNER}.lock"
    for _ in range(3):
        handle = open(path, "a+b")  # noqa: SIM115 - held open for the process's life
        try:
            _lock(handle)
            if os.path.samestat(os.fstat(handle.fileno()), os.stat(path)):
                _HELD[folder] = handle
                return
        except OSError:
            pass
        handle.close()  # another workbench cleared the file between open and lock: again
    raise OSError(f"cannot hold the lock file {path}")


def _is_running(folder: Path, owner: str) -> bool:
    """True when the workbench ``owner`` still holds its lock (it is running); else clear its lock file."""
    if not owner or owner == OWNER or not _SAFE_KEY.fullmatch(owner):
        return False
    path = folder / "owners" / f"{owner}.lock"
    try:
        handle = open(path, "r+b")  # noqa: SIM115 - closed below
    except OSError:
        return False  # no lock file: that run ended and cleared it, or never held one
    try:
        _lock(handle)
    except OSError:
        handle.close()
        return True
    handle.close()  # the lock was free: that run ended
    path.unlink(missing_ok=True)
    return False


def _lock(handle: object) -> None:
    """An exclusive lock on an open file, without waiting (OSError when another process holds it)."""
    fd = handle.fileno()  # type: ignore[attr-defined]
    if sys.platform == "win32":  # pragma: no cover - CI runs Linux
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
